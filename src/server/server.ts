/**
 * `createServer(deps)`: the restify server with its routes, not listening (the caller listens). Route groups live in
 * `routes/`, one module per audience (admin, bot, auth link pages, app), each route declaring who may call it; the
 * server installs the guard of each audience into every route's chain. Request targets are canonicalized once,
 * before routing (see canonical.ts).
 */
import restify, { type Next, type Request, type Response, type Server } from 'restify';
import type { Logger } from 'pino';
import type { IntegrationAction } from '../auth';
import type { Store } from '../store';
import { AdminGuard, type BackoffOptions } from './admin-auth';
import { installAudienceGuards } from './audiences';
import { canonicalizeTarget, isUnder } from './canonical';
import { TRUST_NO_PROXY, type TrustProxy } from './client-address';
import { adminAuthenticator, audienceGuards } from './guards';
import { HttpError, sendError } from './http';
import { registerAdminRoutes } from './routes/admin';
import type { TemplateRoutesDeps } from './routes/admin-templates';
import { registerAppRoutes, type AppRouteDeps } from './routes/app';
import { registerDeliveryRoutes, type DeliveryRouteDeps } from './routes/delivery';
import { redactAuthLinkPath, registerAuthLinkRoutes, type AuthLinkRouteDeps } from './routes/auth-pages';
import { registerBotRoutes, type BotRouteDeps } from './routes/bot';
import { redactSignInPath, registerConsoleRoutes } from './routes/console';
import { registerConsoleApiRoutes, type ConsoleApiDeps } from './routes/admin-console';
import { ConsoleSessions } from './sessions';

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
  /** `POST /twilio/status` and `GET /api/admin/messages` (message delivery). */
  delivery?: DeliveryRouteDeps;
  /** Console sessions and sign-in links; default: in `store`, on the clock `now`. */
  sessions?: ConsoleSessions;
  /** The console's page and assets (`/admin…`) and the API it needs beyond the CLI's. */
  console?: ConsoleApiDeps & {
    /** Folder holding admin.html and admin/console.{js,css}. */
    publicDir: string;
    /** `PUBLIC_BASE_URL` (https makes the session cookie `Secure`). */
    publicBaseUrl?: () => string;
  };
}

const ADMIN_PREFIX = '/api/admin';

/** The canonical path of each request (set before routing); absent when the target was refused. */
const canonicalPaths = new WeakMap<Request, string>();

/** The path to show in logs and error messages: canonical and with link tokens redacted; never a refused target. */
function loggedPath(req: Request): string {
  const path = canonicalPaths.get(req);
  return path === undefined ? '(refused request target)' : redactSignInPath(redactAuthLinkPath(path));
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

/** Builds the server (no `listen`, no side effects beyond the object). */
export function createServer(deps: ServerDeps): Server {
  const now = deps.now ?? (() => new Date());
  const server = restify.createServer({ name: 'twilio-verify-action', handleUncaughtExceptions: false });
  const trustProxy = deps.trustProxy ?? TRUST_NO_PROXY;
  const adminGuard = new AdminGuard(deps.adminToken, now, deps.adminBackoff);
  const sessions = deps.sessions ?? new ConsoleSessions({ store: deps.store, now });
  const authenticate = adminAuthenticator(adminGuard, trustProxy, sessions);
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
    if (!isUnder(target.path, ADMIN_PREFIX)) return next();
    authenticate(req).then(
      (refusal) => {
        if (!refusal) return next();
        req.resume();
        sendError(res, refusal);
        return next(false);
      },
      (err: unknown) => {
        req.resume();
        sendError(res, err);
        deps.logger.error({ err }, 'admin authentication failed');
        next(false);
      },
    );
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

  registerAdminRoutes(server, {
    action: deps.action,
    logger: deps.logger,
    actorOf: authenticate.actorOf,
    ...(deps.bodyLimitBytes !== undefined ? { bodyLimitBytes: deps.bodyLimitBytes } : {}),
    ...(deps.templates ? { templates: deps.templates } : {}),
  });
  if (deps.bot) registerBotRoutes(server, deps.bot);
  if (deps.authLinks) registerAuthLinkRoutes(server, deps.authLinks);
  if (deps.app) registerAppRoutes(server, deps.app);
  if (deps.delivery) registerDeliveryRoutes(server, deps.delivery);
  registerConsoleRoutes(server, {
    sessions,
    adminGuard,
    trustProxy,
    store: deps.store,
    ...(deps.console ? { publicDir: deps.console.publicDir } : {}),
    ...(deps.console?.publicBaseUrl ? { publicBaseUrl: deps.console.publicBaseUrl } : {}),
  });
  registerConsoleApiRoutes(server, deps.console?.devOutboxUrl ? { devOutboxUrl: deps.console.devOutboxUrl } : {});
  return server;
}
