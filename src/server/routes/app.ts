/**
 * The end-user side of the server: the chat page (`GET /` and its two assets, no front-end build), the developer
 * endpoints the page uses in dev mode (`/api/dev/info`, `/api/dev/outbox`), and `GET /healthz`. The page and health
 * are `public`; the dev endpoints are `dev` (loopback only, see the dev guard in guards.ts).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Request, Response, Server } from 'restify';
import type { OutboxMessage } from '../../emulator';
import { mountRoutes, type RouteDefinition } from '../audiences';
import { sendJson } from '../http';

/** Headers sent with the chat page and its assets: the page has no inline code, so a strict policy fits. */
export const PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const ASSETS: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/chat.js': { file: 'chat.js', type: 'text/javascript; charset=utf-8' },
  '/chat.css': { file: 'chat.css', type: 'text/css; charset=utf-8' },
};

export interface HealthReport {
  ok: boolean;
  checks: Record<string, { ok: boolean; message?: string }>;
}

/**
 * Where the action sends Twilio requests, as `/api/dev/info` tells the chat page: through the embedded emulator, to
 * another address (another emulator, a proxy or real Twilio), per user (user-authorized), or nowhere yet.
 */
export type DevTwilioTarget = { kind: 'embedded' } | { kind: 'elsewhere'; url: string } | { kind: 'per-user' } | { kind: 'none' };

export interface AppRouteDeps {
  /** Folder holding index.html, chat.js and chat.css. */
  publicDir: string;
  /** Dev mode: the embedded emulator's outbox, shown beside the chat. Absent in production. */
  devOutbox?: () => OutboxMessage[];
  /** Dev mode: where the action really sends (the embedded emulator or not). */
  devTarget?: () => Promise<DevTwilioTarget>;
  /** Health of the store and of Twilio (or the emulator). */
  health: () => Promise<HealthReport>;
}

/** Mounts the chat page, the dev endpoints (in dev mode only) and the health check. */
export function registerAppRoutes(server: Server, deps: AppRouteDeps): void {
  // Read once, on first use: the files are small and do not change while the server runs.
  const cache = new Map<string, Buffer>();
  const asset = async (file: string): Promise<Buffer> => {
    const hit = cache.get(file);
    if (hit) return hit;
    const body = await readFile(path.join(deps.publicDir, file));
    cache.set(file, body);
    return body;
  };

  const routes: RouteDefinition[] = [];
  for (const [route, { file, type }] of Object.entries(ASSETS)) {
    routes.push({
      method: 'get',
      path: route,
      auth: 'public',
      handler: async (_req: Request, res: Response) => {
        const body = await asset(file);
        res.writeHead(200, { ...PAGE_SECURITY_HEADERS, 'content-type': type, 'cache-control': 'no-cache', 'content-length': body.length });
        res.end(body);
      },
    });
  }

  const devOutbox = deps.devOutbox;
  if (devOutbox) {
    routes.push(
      {
        method: 'get',
        path: '/api/dev/info',
        auth: 'dev',
        handler: async (_req: Request, res: Response) => {
          let twilio: DevTwilioTarget | null = null;
          try {
            twilio = deps.devTarget ? await deps.devTarget() : null;
          } catch {
            twilio = null; // the page then simply does not say
          }
          sendJson(res, 200, { dev: true, outboxUrl: '/api/dev/outbox', twilio });
        },
      },
      {
        method: 'get',
        path: '/api/dev/outbox',
        auth: 'dev',
        handler: async (_req: Request, res: Response) => sendJson(res, 200, { messages: devOutbox() }),
      },
    );
  }

  routes.push({
    method: 'get',
    path: '/healthz',
    auth: 'public',
    handler: async (_req: Request, res: Response) => {
      const report = await deps.health();
      sendJson(res, report.ok ? 200 : 503, report);
    },
  });
  mountRoutes(server, routes);
}
