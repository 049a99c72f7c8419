/**
 * The guard of each audience (see audiences.ts): the first handler of every route's chain. Each guard
 * answers in the one error format and stops the chain, or passes.
 */
import type { Next, Request, Response } from 'restify';
import type { AudienceGuards } from './audiences';
import type { AdminGuard } from './admin-auth';
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
 * `Origin` whose host is not the request's own `Host`.
 */
export function isCrossSite(req: Request): boolean {
  const site = header(req, 'sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return true;
  const origin = header(req, 'origin');
  if (origin === undefined) return false;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return true;
  }
  return parsed.origin === 'null' || parsed.host !== header(req, 'host');
}

const LOOPBACK_HOST = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d{1,5})?$/i;

/** True when a `Host` header names this machine's loopback interface (defeats DNS rebinding). */
export function isLoopbackHost(host: string | undefined): boolean {
  return host !== undefined && LOOPBACK_HOST.test(host);
}

/**
 * Authenticates a request as the admin, once per request: the pre-routing check of `/api/admin…` and the route's
 * own guard share one verdict, so a request counts as one failure at most.
 */
export function adminAuthenticator(guard: AdminGuard, trustProxy: TrustProxy): (req: Request) => HttpError | undefined {
  const verdicts = new WeakMap<Request, HttpError | 'ok'>();
  return (req) => {
    const known = verdicts.get(req);
    if (known !== undefined) return known === 'ok' ? undefined : known;
    try {
      guard.check(clientAddress(req, trustProxy), header(req, 'authorization'));
      verdicts.set(req, 'ok');
      return undefined;
    } catch (err) {
      const refusal = err instanceof HttpError ? err : new HttpError(401, 'unauthorized', 'Send the admin token.');
      verdicts.set(req, refusal);
      return refusal;
    }
  };
}

function refuse(res: Response, next: Next, err: HttpError): void {
  sendError(res, err);
  next(false);
}

/** The guards of a server: admin token (plus no cross-site state changes), loopback-only dev routes, open others. */
export function audienceGuards(authenticate: (req: Request) => HttpError | undefined): AudienceGuards {
  const pass = (_req: Request, _res: Response, next: Next): void => next();
  return {
    admin: (req, res, next) => {
      const refusal = authenticate(req);
      if (refusal) return refuse(res, next, refusal);
      if (!SAFE_METHODS.has(req.method ?? '')) {
        if (isCrossSite(req)) {
          req.resume();
          return refuse(res, next, new HttpError(403, 'cross_site_request', 'The admin API does not accept requests sent by another site.'));
        }
        const type = header(req, 'content-type');
        if (type !== undefined && type !== '' && !JSON_TYPE.test(type)) {
          req.resume();
          return refuse(
            res,
            next,
            new HttpError(415, 'unsupported_media_type', 'Send the body as application/json.', [
              { path: '', message: `content type ${type.split(';')[0] ?? ''} is not accepted` },
            ]),
          );
        }
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
