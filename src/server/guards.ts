/**
 * The guard of each audience (see audiences.ts): the first handler of every route's chain. Each guard
 * answers in the one error format and stops the chain, or passes.
 */
import type { Next, Request, Response } from 'restify';
import type { AudienceGuards } from './audiences';
import type { AdminGuard } from './admin-auth';
import { sessionCookieOf, type ConsoleSessions } from './sessions';
import { clientAddress, isLoopbackAddress, type TrustProxy } from './client-address';
import { HttpError, sendError } from './http';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;.*)?$/i;

function header(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * True for a request a browser sent on behalf of another site: `Sec-Fetch-Site` other than same-origin/none, or an
 * `Origin` other than the request's own host and the `allowed` origins (e.g. the public base URL behind a proxy).
 */
export function isCrossSite(req: Request, allowed: ReadonlySet<string> = new Set()): boolean {
  const site = header(req, 'sec-fetch-site');
  // Set by the browser itself (no page can forge it). It decides first: pages sent with `Referrer-Policy:
  // no-referrer` submit their own forms with `Origin: null`.
  if (site === 'same-origin') return false;
  if (site !== undefined && site !== 'none') return true;
  const origin = header(req, 'origin');
  if (origin === undefined) return false;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return true;
  }
  if (parsed.origin === 'null') return true;
  return !(parsed.host === header(req, 'host') || allowed.has(parsed.origin));
}

const LOOPBACK_HOST = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d{1,5})?$/i;

/** True when a `Host` header names this machine's loopback interface (defeats DNS rebinding). */
export function isLoopbackHost(host: string | undefined): boolean {
  return host !== undefined && LOOPBACK_HOST.test(host);
}

/**
 * Authenticates a request as the admin, once per request: the pre-routing check of `/api/admin…` and the route's
 * own guard share one verdict, so a request counts as one failure at most. The admin is a request with the right
 * Bearer token (which decides whenever an Authorization header is sent: the CLI, scripts), or one carrying the cookie
 * of a live console session; with a session, every state-changing request must also carry the session's
 * `X-CSRF-Token` (403 otherwise). A stale cookie is a 401 that does not count toward the back-off (the token is
 * 32 random bytes: there is nothing to guess, and an expired tab must not lock its admin out).
 */
export function adminAuthenticator(guard: AdminGuard, trustProxy: TrustProxy, sessions: ConsoleSessions): AdminAuthenticator {
  const verdicts = new WeakMap<Request, Promise<HttpError | undefined>>();
  const viaSession = new WeakSet<Request>();
  const decide = async (req: Request): Promise<HttpError | undefined> => {
    const authorization = header(req, 'authorization');
    const cookie = sessionCookieOf(header(req, 'cookie'));
    if ((authorization === undefined || authorization === '') && cookie !== undefined) {
      const session = await sessions.find(cookie);
      if (!session) return new HttpError(401, 'unauthorized', 'Your console session has expired or was signed out. Sign in again at /admin.');
      if (SAFE_METHODS.has(req.method ?? '')) {
        viaSession.add(req);
        return undefined;
      }
      const csrf = header(req, CSRF_HEADER);
      if (csrf === undefined || csrf === '') {
        return new HttpError(403, 'csrf_token_missing', 'Send the session\'s CSRF token in the X-CSRF-Token header (GET /admin/session gives it).');
      }
      if (!sessions.csrfMatches(session, csrf)) {
        return new HttpError(403, 'csrf_token_invalid', 'The X-CSRF-Token header does not match this session. Reload the console and try again.');
      }
      viaSession.add(req);
      return undefined;
    }
    try {
      guard.check(clientAddress(req, trustProxy), authorization);
      return undefined;
    } catch (err) {
      return err instanceof HttpError ? err : new HttpError(401, 'unauthorized', 'Send the admin token.');
    }
  };
  const authenticate = (req: Request): Promise<HttpError | undefined> => {
    const known = verdicts.get(req);
    if (known) return known;
    const verdict = decide(req);
    verdicts.set(req, verdict);
    return verdict;
  };
  return Object.assign(authenticate, { actorOf: (req: Request) => (viaSession.has(req) ? 'admin-console' : 'admin-token') });
}

/** Authenticates admin requests ({@link adminAuthenticator}) and says who, for the audit log. */
export interface AdminAuthenticator {
  (req: Request): Promise<HttpError | undefined>;
  /** The audit log's actor of an authenticated request: `admin-console` (a session) or `admin-token`. */
  actorOf(req: Request): string;
}

/** The header that carries a console session's CSRF token. */
export const CSRF_HEADER = 'x-csrf-token';

function refuse(res: Response, next: Next, err: HttpError): void {
  sendError(res, err);
  next(false);
}

/** A state-changing request a browser sent for another site (403), or with a body that is not JSON (415). */
function unsafeRequestRefusal(req: Request, who: string): HttpError | undefined {
  if (SAFE_METHODS.has(req.method ?? '')) return undefined;
  if (isCrossSite(req)) return new HttpError(403, 'cross_site_request', `${who} does not accept requests sent by another site.`);
  const type = header(req, 'content-type');
  if (type !== undefined && type !== '' && !JSON_TYPE.test(type)) {
    return new HttpError(415, 'unsupported_media_type', 'Send the body as application/json.', [
      { path: '', message: `content type ${type.split(';')[0] ?? ''} is not accepted` },
    ]);
  }
  return undefined;
}

/**
 * The guards of a server: admin (token or console session, plus no cross-site state changes), console session
 * endpoints (no cross-site requests at all; the handler authenticates), loopback-only dev routes, open others.
 */
export function audienceGuards(authenticate: (req: Request) => Promise<HttpError | undefined>): AudienceGuards {
  const pass = (_req: Request, _res: Response, next: Next): void => next();
  return {
    admin: (req, res, next) => {
      authenticate(req).then(
        (refusal) => {
          const problem = refusal ?? unsafeRequestRefusal(req, 'The admin API');
          if (!problem) return next();
          req.resume();
          return refuse(res, next, problem);
        },
        (err: unknown) => {
          req.resume();
          refuse(res, next, err instanceof HttpError ? err : new HttpError(500, 'internal_error', 'The server failed to handle this request; its log has the details.'));
        },
      );
    },
    console: (req, res, next) => {
      if (isCrossSite(req)) {
        req.resume();
        return refuse(res, next, new HttpError(403, 'cross_site_request', 'The console session does not accept requests sent by another site.'));
      }
      const problem = unsafeRequestRefusal(req, 'The console session');
      if (problem) {
        req.resume();
        return refuse(res, next, problem);
      }
      return next();
    },
    dev: (req, res, next) => {
      if (!isLoopbackAddress(req.socket.localAddress) || !isLoopbackAddress(req.socket.remoteAddress)) {
        return refuse(res, next, new HttpError(403, 'loopback_only', 'Dev endpoints answer only on loopback (127.0.0.1, ::1).'));
      }
      if (!isLoopbackHost(header(req, 'host'))) {
        return refuse(
          res,
          next,
          new HttpError(403, 'loopback_only', 'Dev endpoints answer only to Host 127.0.0.1, localhost or [::1]; open the page by one of those names.'),
        );
      }
      if (isCrossSite(req)) {
        return refuse(res, next, new HttpError(403, 'cross_site_request', 'Dev endpoints answer only to their own page.'));
      }
      return next();
    },
    public: pass,
    'link-token': pass,
    bot: pass,
    // Twilio's webhooks: no signature, no entry (the handler then checks it against the sender's Auth Token).
    twilio: (req, res, next) => {
      const signature = header(req, 'x-twilio-signature');
      if (signature === undefined || signature === '') {
        req.resume();
        return refuse(res, next, new HttpError(403, 'unsigned_request', 'Only Twilio may call this route: the X-Twilio-Signature header is missing.'));
      }
      return next();
    },
  };
}
