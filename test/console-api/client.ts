// A browser-like client of the console's HTTP contract: cookies and headers as the console page sends them
// (fetch, no redirects followed), each reply with its Set-Cookie lines.

export interface ConsoleReply {
  status: number;
  headers: Headers;
  /** Every Set-Cookie line, as sent. */
  setCookies: string[];
  text: string;
  json: unknown;
}

export interface ConsoleRequest {
  /** The session cookie's value (sent as `tva_admin=<value>`). */
  cookie?: string;
  csrf?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** One request to the server at `baseUrl`. */
export async function consoleRequest(baseUrl: string, method: string, route: string, options: ConsoleRequest = {}): Promise<ConsoleReply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.cookie !== undefined) headers.cookie = `tva_admin=${options.cookie}`;
  if (options.csrf !== undefined) headers['x-csrf-token'] = options.csrf;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${baseUrl}${route}`, {
    method,
    headers,
    redirect: 'manual',
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, setCookies: res.headers.getSetCookie(), text, json };
}

/** The session cookie's value in a reply's Set-Cookie lines. */
export function sessionCookieIn(reply: ConsoleReply): string | undefined {
  for (const line of reply.setCookies) {
    const match = /^tva_admin=([^;]*)/.exec(line);
    if (match) return match[1];
  }
  return undefined;
}

/** A field of a JSON object reply (test assertions read replies as plain records). */
export function field(reply: ConsoleReply, name: string): unknown {
  const body = reply.json;
  return typeof body === 'object' && body !== null && name in body ? (body as Record<string, unknown>)[name] : undefined;
}

/** The `error.code` of an error reply. */
export function errorCodeOf(reply: ConsoleReply): unknown {
  const error = field(reply, 'error');
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
}
