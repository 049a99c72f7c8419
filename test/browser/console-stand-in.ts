/**
 * A stand-in for the console's server side, ONLY for test/browser/console.test.ts while the server branch
 * (GET /admin, /admin/session, /api/admin/services|users|console-info) is not merged: it serves public/admin.html and
 * its assets with a strict CSP, keeps sessions in an HttpOnly cookie with a CSRF token, and forwards every other
 * /api/admin/... call to the REAL server with the Bearer admin token. Once the real routes exist the test runs
 * against the real server instead (see the test's `describe` blocks).
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const PUBLIC = path.resolve(__dirname, '../../public');
const COOKIE = 'tva_admin';
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export interface StandIn {
  url: string;
  close(): Promise<void>;
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

const fail = (res: ServerResponse, status: number, code: string, message: string) => json(res, status, { error: { code, message, details: [] } });

export async function startStandIn(options: { realUrl: string; adminToken: string; outboxUrl?: string }): Promise<StandIn> {
  const sessions = new Map<string, { csrf: string; expiresAt: string }>();
  const services = [{ sid: `VA${'0'.repeat(31)}1`, friendlyName: 'Emulator Verify' }];
  const forward = async (method: string, route: string, body?: string) => {
    const res = await fetch(`${options.realUrl}${route}`, {
      method,
      headers: { authorization: `Bearer ${options.adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body } : {}),
    });
    return { status: res.status, text: await res.text() };
  };
  const sessionOf = (req: IncomingMessage) => {
    const id = /(?:^|;\s*)tva_admin=([A-Za-z0-9_-]+)/.exec(req.headers.cookie ?? '')?.[1];
    return id ? { id, session: sessions.get(id) } : undefined;
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://stand-in.invalid');
      const method = req.method ?? 'GET';
      if (method === 'GET' && url.pathname === '/admin') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': CSP });
        res.end(await readFile(path.join(PUBLIC, 'admin.html')));
        return;
      }
      if (method === 'GET' && (url.pathname === '/admin/console.js' || url.pathname === '/admin/console.css')) {
        const type = url.pathname.endsWith('.js') ? 'text/javascript' : 'text/css';
        res.writeHead(200, { 'content-type': `${type}; charset=utf-8` });
        res.end(await readFile(path.join(PUBLIC, url.pathname)));
        return;
      }
      const found = sessionOf(req);
      if (url.pathname === '/admin/session') {
        if (method === 'GET') return json(res, 200, found?.session ? { signedIn: true, ...found.session } : { signedIn: false });
        if (method === 'POST') {
          const parsed = JSON.parse((await bodyOf(req)) || '{}') as { token?: unknown };
          if (parsed.token !== options.adminToken) return fail(res, 401, 'unauthorized', 'The admin token is wrong.');
          const id = randomBytes(24).toString('base64url');
          const session = { csrf: randomBytes(24).toString('base64url'), expiresAt: new Date(Date.now() + 3600_000).toISOString() };
          sessions.set(id, session);
          return json(res, 200, { signedIn: true, ...session }, { 'set-cookie': `${COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/` });
        }
        if (method === 'DELETE' && found?.session && req.headers['x-csrf-token'] === found.session.csrf) {
          sessions.delete(found.id);
          return json(res, 200, { signedIn: false }, { 'set-cookie': `${COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0` });
        }
        return fail(res, 403, 'forbidden', 'Sign out needs the session and its CSRF token.');
      }
      if (!url.pathname.startsWith('/api/admin/')) return fail(res, 404, 'not_found', 'Not here.');
      if (!found?.session) return fail(res, 401, 'unauthorized', 'Sign in first.');
      if (method !== 'GET' && req.headers['x-csrf-token'] !== found.session.csrf) return fail(res, 403, 'csrf', 'The CSRF token is missing or wrong.');
      const body = method === 'GET' ? undefined : await bodyOf(req);
      if (url.pathname === '/api/admin/console-info') return json(res, 200, { dev: true, ...(options.outboxUrl ? { outboxUrl: options.outboxUrl } : {}) });
      if (url.pathname === '/api/admin/services') {
        if (method === 'POST') {
          const name = (JSON.parse(body || '{}') as { friendlyName?: string }).friendlyName ?? 'Service';
          const created = { sid: `VA${String(services.length + 1).padStart(32, '0')}`, friendlyName: name };
          services.push(created);
          return json(res, 201, created);
        }
        return json(res, 200, { services });
      }
      if (url.pathname === '/api/admin/users') {
        // The real route lists everyone; the stand-in answers from the audit log's credential entries.
        const audit = JSON.parse((await forward('GET', '/api/admin/audit?limit=200')).text) as {
          entries: { action: string; outcome: string; target: string | null }[];
        };
        const targets = new Set(audit.entries.filter((x) => x.action === 'credentials.store' && x.outcome === 'ok').map((x) => (x.target ?? '').replace(/^credentials\//, '')));
        const users = [];
        for (const target of targets) {
          const reply = await forward('GET', `/api/admin/users/${target}/credentials`);
          if (reply.status === 200) users.push(JSON.parse(reply.text) as unknown);
        }
        return json(res, 200, { users });
      }
      const reply = await forward(method, `${url.pathname}${url.search}`, body);
      res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(reply.text);
    })().catch((err: unknown) => fail(res, 500, 'internal', String(err)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
