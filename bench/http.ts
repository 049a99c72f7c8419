/**
 * The benchmark's HTTP client: a `fetch` over one keep-alive `http.Agent`, injected into every `BotClient` so the
 * three targets are measured through exactly the same client. Node's global fetch would also keep connections alive,
 * but its pool is not ours to size or to close; this one is.
 */
import http from 'node:http';
import { isIP } from 'node:net';

/** Loopback only: the benchmark must never send its load anywhere else. */
function assertLoopback(url: URL): void {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const loopback = host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
  if (url.protocol !== 'http:' || !loopback) {
    throw new TypeError(`The benchmark only talks to http://127.0.0.1, not ${url.origin}.`);
  }
}

function headerRecord(init: HeadersInit | undefined): Record<string, string> {
  const record: Record<string, string> = {};
  new Headers(init).forEach((value, name) => {
    record[name] = value;
  });
  return record;
}

/** Statuses whose `Response` must not have a body. */
const NO_BODY = new Set([101, 204, 205, 304]);

/**
 * A `fetch` for `BotClient`: string or URL input, a string body, an optional abort signal. Anything else (a `Request`
 * object, streamed bodies) is refused rather than half-supported.
 */
export function keepAliveFetch(agent: http.Agent): typeof fetch {
  return (input, init) =>
    new Promise<Response>((resolve, reject) => {
      if (typeof input !== 'string' && !(input instanceof URL)) {
        reject(new TypeError('keepAliveFetch takes a URL, not a Request.'));
        return;
      }
      if (init?.body !== undefined && init.body !== null && typeof init.body !== 'string') {
        reject(new TypeError('keepAliveFetch sends string bodies only.'));
        return;
      }
      const url = new URL(input);
      assertLoopback(url);
      const body = init?.body ?? undefined;
      const req = http.request(
        url,
        {
          agent,
          method: init?.method ?? 'GET',
          headers: { ...headerRecord(init?.headers), ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) },
          ...(init?.signal ? { signal: init.signal } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const headers = new Headers();
            for (const [name, value] of Object.entries(res.headers)) {
              if (Array.isArray(value)) for (const v of value) headers.append(name, v);
              else if (value !== undefined) headers.set(name, value);
            }
            resolve(new Response(NO_BODY.has(status) ? null : Buffer.concat(chunks), { status, headers }));
          });
        },
      );
      // An aborted request rejects with an AbortError, which BotClient reports as a timeout.
      req.on('error', reject);
      req.end(body);
    });
}
