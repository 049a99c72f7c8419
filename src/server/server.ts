/**
 * `createServer(deps)`: the restify server with its routes, not listening (the caller listens). Route groups are
 * registered by small modules (`registerAdminRoutes` here; the bot endpoint and pages register theirs the same way).
 */
import restify, { type Next, type Request, type Response, type Server } from 'restify';
import type { Logger } from 'pino';
import type { IntegrationAction } from '../auth';
import type { Store } from '../store';
import { redactAuthLinkPath, registerAuthLinkRoutes, registerBotRoutes, type AuthLinkRouteDeps, type BotRouteDeps } from '../bot';
import { registerTemplateRoutes, TEMPLATE_ROUTES_PREFIX, type TemplateRoutesDeps } from '../templates';
import { AdminGuard, type BackoffOptions } from './admin-auth';
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

function pathOf(req: Request): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** Maps router errors (unknown route, wrong method, undecodable URL) to the one error format. */
function routerError(err: unknown, req: Request): HttpError {
  const status = typeof err === 'object' && err !== null ? (err as { statusCode?: unknown }).statusCode : undefined;
  const path = pathOf(req);
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
function templateBodies(limitBytes: number) {
  return (req: Request, res: Response, next: Next): void => {
    const path = pathOf(req);
    if (req.method === 'GET' || req.method === 'HEAD' || !path.startsWith(`${TEMPLATE_ROUTES_PREFIX}/`)) return next();
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
  const guard = new AdminGuard(deps.adminToken, now, deps.adminBackoff);

  server.pre((req: Request, res: Response, next: Next) => {
    (req as Request & { startedAt?: number }).startedAt = Date.now();
    const path = pathOf(req);
    if (path !== ADMIN_PREFIX && !path.startsWith(`${ADMIN_PREFIX}/`)) return next();
    try {
      guard.check(req.socket.remoteAddress ?? 'unknown', req.headers.authorization);
    } catch (err) {
      sendError(res, err);
      return next(false);
    }
    return next();
  });

  server.on('restifyError', (req: Request, res: Response, err: unknown, callback: () => void) => {
    if (!res.headersSent) sendError(res, routerError(err, req));
    return callback();
  });

  server.on('after', (req: Request, res: Response) => {
    const startedAt = (req as Request & { startedAt?: number }).startedAt;
    deps.logger.debug(
      // A link token in the path is a credential until it is used: never log it.
      { method: req.method, path: redactAuthLinkPath(pathOf(req)), status: res.statusCode, ms: startedAt ? Date.now() - startedAt : undefined },
      'request',
    );
  });

  registerAdminRoutes(server, deps);
  if (deps.templates) {
    server.use(templateBodies(deps.bodyLimitBytes ?? 16 * 1024));
    registerTemplateRoutes(server, deps.templates);
  }
  if (deps.bot) registerBotRoutes(server, deps.bot);
  if (deps.authLinks) registerAuthLinkRoutes(server, deps.authLinks);
  if (deps.app) registerAppRoutes(server, deps.app);
  return server;
}
