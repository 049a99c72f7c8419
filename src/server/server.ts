/**
 * `createServer(deps)`: the restify server with its routes, not listening (the caller listens). Route groups are
 * registered by small modules (`registerAdminRoutes` here; the bot endpoint and pages register theirs the same way),
 * each route declaring its audience; the server installs the guard of each audience into every route's chain.
 * Request targets are canonicalized once, before routing (see canonical.ts).
 */
import restify, { type Next, type Request, type Response, type Server } from 'restify';
import type { Logger } from 'pino';
import type { IntegrationAction } from '../auth';
import type { Store } from '../store';
import { redactAuthLinkPath, registerAuthLinkRoutes, registerBotRoutes, type AuthLinkRouteDeps, type BotRouteDeps } from '../bot';
import { registerTemplateRoutes, TEMPLATE_ROUTES_PREFIX, type TemplateRoutesDeps } from '../templates';
import { installAudienceGuards } from '../http';
import { AdminGuard, type BackoffOptions } from './admin-auth';
import { canonicalizeTarget, isUnder } from './canonical';
import { TRUST_NO_PROXY, type TrustProxy } from './client-address';
import { adminAuthenticator, audienceGuards } from './guards';
import { registerAdminRoutes } from './admin-routes';
import { registerAppRoutes, type AppRouteDeps } from './app-routes';
import { parseEmptyBody } from '../auth';
import { HttpError, readJsonBody, sendError } from './http';

export interface ServerDeps {
  store: Store;
  action: IntegrationAction;
  logger: Logger;
  /** Bearer token of `/api/admin/*`. */
  adminToken: string;
  /** Clock for the authentication backoff; injected in tests. */
  now?: () => Date;
  /** Largest accepted JSON body; default 16 KiB. */
  bodyLimitBytes?: number;
  adminBackoff?: BackoffOptions;
  /** Which address the admin backoff counts (`TRUST_PROXY`); default: the socket's peer. */
  trustProxy?: TrustProxy;
  /** `POST /api/messages` (the bot). */
  bot?: BotRouteDeps;
  /** `GET|POST /auth/:token` (runtime authorization of user-authorized profiles). */
  authLinks?: AuthLinkRouteDeps;
  /** `/api/admin/templates…` (explore, install, upgrade, uninstall). */
  templates?: TemplateRoutesDeps;
  /** The chat page, dev endpoints and `/healthz`. */
  app?: AppRouteDeps;
}

const ADMIN_PREFIX = '/api/admin';

/** The canonical path of each request (set before routing); absent when the target was refused. */
const canonicalPaths = new WeakMap<Request, string>();

function pathOf(req: Request): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** The path to show in logs and error messages: canonical and with link tokens redacted; never a refused target. */
function loggedPath(req: Request): string {
  const path = canonicalPaths.get(req);
  return path === undefined ? '(refused request target)' : redactAuthLinkPath(path);
}

/** Maps router errors (unknown route, wrong method, undecodable URL) to the one error format. */
function routerError(err: unknown, req: Request): HttpError {
  const status = typeof err === 'object' && err !== null ? (err as { statusCode?: unknown }).statusCode : undefined;
  const path = loggedPath(req);
  if (status === 405) {
    return new HttpError(405, 'method_not_allowed', `${req.method ?? 'This method'} is not allowed on ${path}.`);
  }
  if (status === 404) {
    return new HttpError(404, 'not_found', `There is no route ${req.method ?? ''} ${path}.`);
  }
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new HttpError(status, 'bad_request', 'The request could not be understood.');
  }
  return new HttpError(500, 'internal_error', 'The server failed to handle this request; its log has the details.');
}

/**
 * The admin API's body rules for the template routes too: JSON only (415), at most the admin limit (413), valid
 * JSON (400), and no fields where none are accepted (422), all in the one error format. The parsed body is handed
 * on as `req.body`; only `upgrade` takes one (`{ "force"? }`, checked by its route).
 */
function templateBodies(limitBytes: number, authenticate: (req: Request) => HttpError | undefined) {
  return (req: Request, res: Response, next: Next): void => {
    const path = pathOf(req);
    if (req.method === 'GET' || req.method === 'HEAD' || !path.startsWith(`${TEMPLATE_ROUTES_PREFIX}/`)) return next();
    // Runs before the route's chain: read no body for a request the route's guard is going to refuse.
    if (authenticate(req)) return next();
    readJsonBody(req, limitBytes)
      .then((body) => {
        if (!path.endsWith('/upgrade')) parseEmptyBody(body ?? {});
        (req as Request & { body?: unknown }).body = body;
        next();
      })
      .catch((err: unknown) => {
        sendError(res, err);
        next(false);
      });
  };
}

/** Builds the server (no `listen`, no side effects beyond the object). */
export function createServer(deps: ServerDeps): Server {
  const now = deps.now ?? (() => new Date());
  const server = restify.createServer({ name: 'twilio-verify-action', handleUncaughtExceptions: false });
  const authenticate = adminAuthenticator(new AdminGuard(deps.adminToken, now, deps.adminBackoff), deps.trustProxy ?? TRUST_NO_PROXY);
  installAudienceGuards(server, audienceGuards(authenticate));

  // Before routing: one canonical spelling of the path (or a 400), and `/api/admin…` in any letter case refused
  // without the token, so unknown admin paths answer like known ones. The routes' own guards decide the rest.
  server.pre((req: Request, res: Response, next: Next) => {
    (req as Request & { startedAt?: number }).startedAt = Date.now();
    res.setHeader('x-content-type-options', 'nosniff');
    const target = canonicalizeTarget(req.method ?? 'GET', req.url ?? '');
    if (!target.ok) {
      req.resume();
      sendError(res, new HttpError(400, 'non_canonical_path', target.reason));
      return next(false);
    }
    req.url = target.url;
    canonicalPaths.set(req, target.path);
    if (isUnder(target.path, ADMIN_PREFIX)) {
      const refusal = authenticate(req);
      if (refusal) {
        req.resume();
        sendError(res, refusal);
        return next(false);
      }
    }
    return next();
  });

  server.on('restifyError', (req: Request, res: Response, err: unknown, callback: () => void) => {
    if (!res.headersSent) sendError(res, routerError(err, req));
    return callback();
  });

  server.on('after', (req: Request, res: Response) => {
    const startedAt = (req as Request & { startedAt?: number }).startedAt;
    const line = { method: req.method, path: loggedPath(req), status: res.statusCode, ms: startedAt ? Date.now() - startedAt : undefined };
    // A link token in the path is a credential until it is used: loggedPath never shows it.
    if (res.statusCode >= 500) deps.logger.error(line, 'request failed');
    else deps.logger.debug(line, 'request');
  });

  registerAdminRoutes(server, deps);
  if (deps.templates) {
    server.use(templateBodies(deps.bodyLimitBytes ?? 16 * 1024, authenticate));
    registerTemplateRoutes(server, deps.templates);
  }
  if (deps.bot) registerBotRoutes(server, deps.bot);
  if (deps.authLinks) registerAuthLinkRoutes(server, deps.authLinks);
  if (deps.app) registerAppRoutes(server, deps.app);
  return server;
}
