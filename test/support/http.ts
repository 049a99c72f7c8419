/**
 * HTTP with a running world: the admin API with the Bearer token, one activity to `/api/messages`, the runtime
 * authorization link pages, a stand-in channel that records what the bot posts, and listening on a free port.
 */
import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Activity } from 'botbuilder';
import type restify from 'restify';

/** The admin token every world sets through ADMIN_TOKEN. */
export const ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef';

/** One admin API call with the Bearer token. */
export async function adminRequest(url: string, method: string, route: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${url}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

/** A stand-in channel: records every activity the bot POSTs to its serviceUrl and answers 200 with a resource id. */
export interface FakeChannel {
  url: string;
  received: { path: string; body: Record<string, unknown> }[];
  /** Resolves once `count` activities have arrived. */
  waitFor(count: number): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeChannel(): Promise<FakeChannel> {
  const received: FakeChannel['received'] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const readBody = async (req: IncomingMessage): Promise<string> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    return Buffer.concat(chunks).toString('utf8');
  };
  const server: HttpServer = createHttpServer((req, res) => {
    readBody(req).then(
      (text) => {
        received.push({ path: req.url ?? '', body: text ? (JSON.parse(text) as Record<string, unknown>) : {} });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: `reply-${received.length}` }));
        for (const waiter of [...waiters]) {
          if (received.length >= waiter.count) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve();
          }
        }
      },
      () => {
        res.writeHead(400);
        res.end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    waitFor: (count) =>
      received.length >= count ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ count, resolve })),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A free loopback port (for a child process that must listen on a known port). */
export async function freePort(): Promise<number> {
  const server = createHttpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The one-time link in a bot reply (`…/auth/<token>`). */
export function authLinkOf(text: string): string | undefined {
  return /(https?:\/\/[^\s]+\/auth\/[A-Za-z0-9_-]{43})/.exec(text)?.[1];
}

/** GETs the link page and answers its status, HTML and the form's CSRF token. */
export async function openAuthPage(link: string): Promise<{ status: number; html: string; csrf: string | undefined }> {
  const res = await fetch(link);
  const html = await res.text();
  return { status: res.status, html, csrf: /name="csrf" value="([^"]+)"/.exec(html)?.[1] };
}

/** POSTs the link page's form. */
export async function submitAuthPage(
  link: string,
  fields: { csrf: string; accountSid: string; authToken: string },
  headers: Record<string, string> = {},
): Promise<{ status: number; html: string }> {
  const res = await fetch(link, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, html: await res.text() };
}

/** Listens on a free port (of 127.0.0.1 unless told); resolves to the base URL. */
export async function listen(server: restify.Server, host = '127.0.0.1'): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return `http://${host}:${(server.address() as AddressInfo).port}`;
}

/** Closes a server, cutting keep-alive connections (a browser's would hold close() open). */
export async function closeServer(server: restify.Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.server.closeAllConnections();
  });
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: unknown;
}

export interface RequestOptions {
  token?: string | null;
  /** A JSON value (serialized) or a raw string body. */
  body?: unknown;
  raw?: string;
  contentType?: string | null;
  headers?: Record<string, string>;
}

/** Sends one activity to `/api/messages` with expectReplies and answers the replies. */
export async function post(
  url: string,
  user: string,
  activity: { text: string } | { event: string },
): Promise<Partial<Activity>[]> {
  const body = {
    type: 'text' in activity ? 'message' : 'event',
    ...('text' in activity ? { text: activity.text } : { name: activity.event }),
    channelId: 'webchat',
    serviceUrl: 'http://127.0.0.1:9',
    deliveryMode: 'expectReplies',
    from: { id: user, name: user },
    recipient: { id: 'bot', name: 'Bot' },
    conversation: { id: `conv-${user}` },
    id: `activity-${Math.random().toString(16).slice(2)}`,
  };
  const res = await fetch(`${url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`POST /api/messages answered ${res.status}: ${await res.text()}`);
  const json = (await res.json()) as { activities?: Partial<Activity>[] };
  return json.activities ?? [];
}

/** A well-formed Auth Token Twilio will reject. */
export const WRONG_TOKEN = 'f'.repeat(32);

/** The `error` object of an error reply. */
export function errorOf(reply: Reply): { code: string; message: string; details: Array<{ path: string; message: string }> } {
  const body = reply.json as { error?: { code: string; message: string; details: Array<{ path: string; message: string }> } };
  if (!body?.error) throw new Error(`not an error reply: ${reply.status} ${reply.text}`);
  return body.error;
}
