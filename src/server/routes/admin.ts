/**
 * The admin API route table. Each route: method, path, its audience (`admin`: the route's chain starts with the
 * admin guard, see `mountRoutes`), and a function from the request's parts to a JSON reply; bodies are validated by
 * the service against `schemas/admin/*.json`. Unknown paths under `/api/admin` are refused before routing too
 * (see server.ts), so they are not revealed to unauthenticated clients. The template routes
 * (`/api/admin/templates…`, admin-templates.ts) are mounted with these.
 */
import type { Request, Response, Next, Server } from 'restify';
import type { Logger } from 'pino';
import { parseBotId, parseEmptyBody, parseProfileName, type IntegrationAction } from '../../auth';
import { mountRoutes, type RouteDefinition } from '../audiences';
import { parseCreateServiceBody, parseUpdateServiceBody } from '../bodies';
import { readJsonBody, sendError, sendJson } from '../http';
import { registerTemplateRoutes, type TemplateRoutesDeps } from './admin-templates';

export interface AdminRouteDeps {
  action: IntegrationAction;
  logger: Logger;
  /** Largest accepted JSON body; default 16 KiB. */
  bodyLimitBytes?: number;
  /** `/api/admin/templates…` (explore, install, upgrade, uninstall). */
  templates?: TemplateRoutesDeps;
  /** The audit log's actor of an authenticated request; default `admin-token`. */
  actorOf?: (req: Request) => string;
}

/** What a route handler gets. */
export interface RouteContext {
  params: Record<string, string>;
  query: Record<string, string>;
  /** Reads and parses the JSON body (undefined when there is none). */
  body(): Promise<unknown>;
  /** The audit log's actor for this request. */
  actor: string;
}

export interface RouteReply {
  status?: number;
  body: unknown;
}

export interface AdminRoute {
  method: 'get' | 'post' | 'put' | 'del';
  path: string;
  /** Every admin route needs the admin token; declared per route so the guard is part of its chain. */
  auth: 'admin';
  run(action: IntegrationAction, ctx: RouteContext): Promise<RouteReply>;
}

const ok = (body: unknown, status = 200): RouteReply => ({ status, body });
/** A body that may be absent or `{}`. */
const emptyBody = async (ctx: RouteContext) => parseEmptyBody((await ctx.body()) ?? {});
const profileName = (ctx: RouteContext) => parseProfileName(ctx.params.name ?? '', '/params/name');
const userIds = (ctx: RouteContext) =>
  [parseBotId(ctx.params.channelId ?? '', '/params/channelId'), parseBotId(ctx.params.userId ?? '', '/params/userId')] as const;

/** Every admin route. */
export const ADMIN_ROUTES: readonly AdminRoute[] = [
  { method: 'get', path: '/api/admin/action', auth: 'admin', run: async (a) => ok(await a.status()) },
  {
    method: 'put',
    path: '/api/admin/action/authorization', auth: 'admin',
    run: async (a, c) => ok(await a.authorize(await c.body(), c.actor)),
  },
  { method: 'put', path: '/api/admin/action/config', auth: 'admin', run: async (a, c) => ok(await a.setConfig(await c.body(), c.actor)) },
  {
    method: 'post',
    path: '/api/admin/action/test', auth: 'admin',
    run: async (a, c) => {
      await emptyBody(c);
      return ok(await a.test(c.actor));
    },
  },
  {
    method: 'post',
    path: '/api/admin/action/enable', auth: 'admin',
    run: async (a, c) => {
      await emptyBody(c);
      return ok(await a.enable(c.actor));
    },
  },
  {
    method: 'post',
    path: '/api/admin/action/disable', auth: 'admin',
    run: async (a, c) => {
      await emptyBody(c);
      return ok(await a.disable(c.actor));
    },
  },
  { method: 'del', path: '/api/admin/action', auth: 'admin', run: async (a, c) => ok(await a.delete((await c.body()) ?? {}, c.actor)) },
  { method: 'get', path: '/api/admin/profiles', auth: 'admin', run: async (a) => ok({ profiles: await a.listProfiles() }) },
  { method: 'post', path: '/api/admin/profiles', auth: 'admin', run: async (a, c) => ok(await a.createProfile(await c.body(), c.actor), 201) },
  { method: 'get', path: '/api/admin/profiles/:name', auth: 'admin', run: async (a, c) => ok(await a.getProfile(profileName(c))) },
  {
    method: 'put',
    path: '/api/admin/profiles/:name', auth: 'admin',
    run: async (a, c) => ok(await a.updateProfile(profileName(c), await c.body(), c.actor)),
  },
  {
    method: 'del',
    path: '/api/admin/profiles/:name', auth: 'admin',
    run: async (a, c) => {
      const name = profileName(c);
      await emptyBody(c);
      await a.deleteProfile(name, c.actor);
      return ok({ deleted: true, name });
    },
  },
  {
    method: 'post',
    path: '/api/admin/profiles/:name/test', auth: 'admin',
    run: async (a, c) => ok(await a.testProfile(profileName(c), await c.body(), c.actor)),
  },
  { method: 'get', path: '/api/admin/services', auth: 'admin', run: async (a) => ok({ services: await a.listVerifyServices() }) },
  {
    method: 'post',
    path: '/api/admin/services', auth: 'admin',
    run: async (a, c) => ok(await a.createVerifyService(parseCreateServiceBody(await c.body()), c.actor), 201),
  },
  { method: 'get', path: '/api/admin/services/:sid', auth: 'admin', run: async (a, c) => ok(await a.showVerifyService(c.params.sid ?? '')) },
  {
    method: 'put',
    path: '/api/admin/services/:sid', auth: 'admin',
    run: async (a, c) => ok(await a.updateVerifyService(c.params.sid ?? '', parseUpdateServiceBody(c.params.sid ?? '', await c.body()), c.actor)),
  },
  {
    method: 'del',
    path: '/api/admin/services/:sid', auth: 'admin',
    run: async (a, c) => {
      const sid = c.params.sid ?? '';
      await emptyBody(c);
      return ok(await a.deleteVerifyService(sid, c.actor));
    },
  },
  { method: 'get', path: '/api/admin/users', auth: 'admin', run: async (a) => ok({ users: await a.listUsersWithCredentials() }) },
  {
    method: 'get',
    path: '/api/admin/users/:channelId/:userId/credentials', auth: 'admin',
    run: async (a, c) => ok(await a.getUserCredentials(...userIds(c))),
  },
  {
    method: 'del',
    path: '/api/admin/users/:channelId/:userId/credentials', auth: 'admin',
    run: async (a, c) => {
      const [channelId, userId] = userIds(c);
      await emptyBody(c);
      await a.revokeUserCredentials(channelId, userId, c.actor);
      return ok({ revoked: true, channelId, userId });
    },
  },
  { method: 'get', path: '/api/admin/audit', auth: 'admin', run: async (a, c) => ok(await a.listAudit(c.query)) },
];

function queryOf(req: Request): Record<string, string> {
  const url = new URL(req.url ?? '/', 'http://admin.invalid');
  return Object.fromEntries(url.searchParams.entries());
}

function paramsOf(req: Request): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries((req.params ?? {}) as Record<string, unknown>)) {
    if (typeof v === 'string') params[k] = v;
  }
  return params;
}

/** Registers the admin routes (and the template routes, when given) on a restify server. */
export function registerAdminRoutes(server: Server, deps: AdminRouteDeps): void {
  const limit = deps.bodyLimitBytes ?? 16 * 1024;
  const routes: RouteDefinition[] = [];
  for (const route of ADMIN_ROUTES) {
    const handler = (req: Request, res: Response, next: Next): void => {
      const ctx: RouteContext = {
        params: paramsOf(req),
        query: queryOf(req),
        body: () => readJsonBody(req, limit),
        actor: deps.actorOf?.(req) ?? 'admin-token',
      };
      route.run(deps.action, ctx).then(
        (reply) => {
          sendJson(res, reply.status ?? 200, reply.body);
          next();
        },
        (err: unknown) => {
          const { unexpected } = sendError(res, err);
          if (unexpected) deps.logger.error({ err, route: route.path }, 'admin request failed');
          next();
        },
      );
    };
    routes.push({ method: route.method, path: route.path, auth: route.auth, handler });
  }
  mountRoutes(server, routes);
  if (deps.templates) registerTemplateRoutes(server, { bodyLimitBytes: limit, ...deps.templates });
}
