/**
 * The admin console's side of the server:
 * - its page and assets (`GET /admin`, `/admin/`, any other `/admin/<path>` for client-side routing, and
 *   `/admin/console.js`, `/admin/console.css`): `public`, they hold no data; the chat page's strict CSP;
 * - its session (`POST`, `GET`, `DELETE /admin/session`): `console` audience (same-site only), the handler checks
 *   the admin token (with the API's back-off) or the session cookie (and its CSRF token to sign out);
 * - the one-time sign-in link (`GET /admin/sign-in/:token`): `link-token`, the token is the credential.
 * With a session, the console calls `/api/admin/…` like any admin client (see `adminAuthenticator` in guards.ts).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Next, Request, Response, Server } from 'restify';
import type { Store } from '../../store';
import type { AdminGuard } from '../admin-auth';
import { mountRoutes, type RouteDefinition } from '../audiences';
import { parseSignInBody } from '../bodies';
import type { SessionReply } from '../console-contract';
import { clientAddress, type TrustProxy } from '../client-address';
import { CSRF_HEADER } from '../guards';
import { HttpError, readJsonBody, sendError, sendJson } from '../http';
import {
  clearedSessionCookie,
  sessionCookie,
  sessionCookieOf,
  type ConsoleSession,
  type ConsoleSessions,
} from '../sessions';
import { PAGE_SECURITY_HEADERS } from './app';
import { messagePage, pageHeaders } from './auth-page-html';

export interface ConsoleRouteDeps {
  sessions: ConsoleSessions;
  /** The admin API's guard: the sign-in form's token gets the same check and back-off. */
  adminGuard: AdminGuard;
  trustProxy: TrustProxy;
  /** For the sign-in audit entries. */
  store: Store;
  /** `PUBLIC_BASE_URL` (an https one makes the cookie `Secure`); empty when unset. */
  publicBaseUrl?: () => string;
  /** Folder holding admin.html and admin/console.{js,css}; absent: the session routes only (tests of the API). */
  publicDir?: string;
}

/** The route of one-time sign-in links, also the segment redacted from request logs ({@link redactSignInPath}). */
export const SIGN_IN_ROUTE = '/admin/sign-in/:token';

/** The path with a sign-in token replaced, for request logs (the segment after `sign-in`, in any letter case). */
export function redactSignInPath(logged: string): string {
  const segments = logged.split('/');
  return segments.map((s, i) => (i > 1 && segments[i - 1]?.toLowerCase() === 'sign-in' && segments[i - 2]?.toLowerCase() === 'admin' && s !== '' ? '…' : s)).join('/');
}

const HTML = 'text/html; charset=utf-8';
const PAGE = { file: 'admin.html', type: HTML };
const ASSETS: Readonly<Record<string, { file: string; type: string }>> = {
  '/admin/console.js': { file: path.join('admin', 'console.js'), type: 'text/javascript; charset=utf-8' },
  '/admin/console.css': { file: path.join('admin', 'console.css'), type: 'text/css; charset=utf-8' },
};
/** `/admin`, `/admin/` and every other path below it that no API route takes: the console routes on the client. */
const PAGE_ROUTES = ['/admin', '/admin/', '/admin/*'];
const SIGN_IN_BODY_LIMIT = 4 * 1024;

function header(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Whether the browser reached us over https (directly, through a trusted proxy, or as the public base URL says). */
function overHttps(req: Request, deps: ConsoleRouteDeps): boolean {
  if ('encrypted' in req.socket && req.socket.encrypted === true) return true;
  if (deps.trustProxy.kind !== 'none' && header(req, 'x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase() === 'https') return true;
  return (deps.publicBaseUrl?.() ?? '').toLowerCase().startsWith('https://');
}

/** What `GET /admin/session` and a sign-in answer. */
function sessionBody(session: ConsoleSession): SessionReply {
  return { signedIn: true, csrf: session.csrf, expiresAt: session.expiresAt.toISOString() };
}

/** Mounts the console's page, assets, session endpoints and sign-in link. */
export function registerConsoleRoutes(server: Server, deps: ConsoleRouteDeps): void {
  const { sessions } = deps;
  const cookieFor = (req: Request, session: ConsoleSession): string =>
    sessionCookie(session.token, sessions.sessionTtlSeconds, overHttps(req, deps));
  const audit = (action: string, via: string): Promise<unknown> =>
    deps.store.appendAudit({ actor: 'admin-console', action, outcome: 'ok', details: { via } });
  const json = (handler: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: Next) => {
    handler(req, res).then(
      () => next(),
      (err: unknown) => {
        sendError(res, err);
        next();
      },
    );
  };

  const routes: RouteDefinition[] = [
    {
      method: 'post',
      path: '/admin/session',
      auth: 'console',
      handler: json(async (req, res) => {
        const { token } = parseSignInBody(await readJsonBody(req, SIGN_IN_BODY_LIMIT));
        deps.adminGuard.checkToken(clientAddress(req, deps.trustProxy), token === '' ? undefined : token, 'Type the admin token (see DATA_DIR/admin-token).');
        const session = await sessions.start();
        await audit('console.sign-in', 'admin-token');
        sendJson(res, 200, sessionBody(session), { 'set-cookie': cookieFor(req, session) });
      }),
    },
    {
      method: 'get',
      path: '/admin/session',
      auth: 'console',
      handler: json(async (req, res) => {
        const cookie = sessionCookieOf(header(req, 'cookie'));
        const session = await sessions.find(cookie);
        if (session) return sendJson(res, 200, sessionBody(session));
        // A stale cookie is dropped, so the browser stops sending it.
        const signedOut: SessionReply = { signedIn: false };
        sendJson(res, 200, signedOut, cookie === undefined ? {} : { 'set-cookie': clearedSessionCookie(overHttps(req, deps)) });
      }),
    },
    {
      method: 'del',
      path: '/admin/session',
      auth: 'console',
      handler: json(async (req, res) => {
        const cookie = sessionCookieOf(header(req, 'cookie'));
        const session = await sessions.find(cookie);
        if (session && !sessions.csrfMatches(session, header(req, CSRF_HEADER))) {
          throw new HttpError(403, 'csrf_token_invalid', 'Send the session\'s CSRF token in the X-CSRF-Token header to sign out.');
        }
        if (session) {
          await sessions.end(session.token);
          await audit('console.sign-out', 'session');
        }
        sendJson(res, 200, { signedIn: false }, { 'set-cookie': clearedSessionCookie(overHttps(req, deps)) });
      }),
    },
    {
      method: 'get',
      path: SIGN_IN_ROUTE,
      auth: 'link-token',
      handler: json(async (req, res) => {
        const token = typeof req.params?.token === 'string' ? req.params.token : '';
        const session = await sessions.redeemSignInLink(token);
        if (!session) {
          res.writeHead(410, pageHeaders(false));
          res.end(
            messagePage(
              'This sign-in link is no longer valid',
              'Sign-in links work once, for 10 minutes. Sign in with the admin token instead (DATA_DIR/admin-token), or restart the server for a new link.',
              { href: '/admin', text: 'Open the console' },
            ),
          );
          return;
        }
        await audit('console.sign-in', 'sign-in-link');
        res.writeHead(303, { location: '/admin', 'set-cookie': cookieFor(req, session), 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
        res.end();
      }),
    },
  ];

  const publicDir = deps.publicDir;
  if (publicDir !== undefined) {
    // Read on first use and kept; a missing file is looked for again (the console may be built while we run).
    const cache = new Map<string, Buffer>();
    const serve = (file: string, type: string) => async (_req: Request, res: Response) => {
      let body = cache.get(file);
      if (!body) {
        try {
          body = await readFile(path.join(publicDir, file));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
          throw new HttpError(404, 'console_not_built', `The console is not built: public/${file.split(path.sep).join('/')} is missing. Run npm run build.`);
        }
        cache.set(file, body);
      }
      res.writeHead(200, { ...PAGE_SECURITY_HEADERS, 'content-type': type, 'cache-control': 'no-cache', 'content-length': body.length });
      res.end(body);
    };
    for (const route of PAGE_ROUTES) routes.push({ method: 'get', path: route, auth: 'public', handler: json(serve(PAGE.file, PAGE.type)) });
    for (const [route, { file, type }] of Object.entries(ASSETS)) routes.push({ method: 'get', path: route, auth: 'public', handler: json(serve(file, type)) });
  }
  mountRoutes(server, routes);
}
