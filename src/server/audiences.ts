/**
 * Routes that declare their audience. Every route module describes its routes as `{ method, path, auth, handler }`
 * and mounts them with {@link mountRoutes}; the server that owns the routes installs one guard per audience
 * ({@link installAudienceGuards}) and the guard becomes the first handler of the route's own chain. Authentication
 * is thus a property of the route, not of how the request spelled its path: whatever spelling the router matched,
 * the route's chain starts with its guard.
 */
import type { RequestHandler, Server } from 'restify';

/**
 * Who may call a route: `admin` (the admin bearer token, or a console session cookie with its CSRF token), `public`
 * (anyone: the chat page, the console's assets, health), `link-token` (the one-time token in the path is the
 * credential), `bot` (Bot Framework authentication, or anonymous on loopback), `dev` (loopback only: dev-mode
 * endpoints), `twilio` (signed webhooks), `console` (the console's session endpoints: same-site only, the handler
 * checks the admin token or the session).
 */
export type Audience = 'admin' | 'public' | 'link-token' | 'bot' | 'dev' | 'twilio' | 'console';

export const AUDIENCES: readonly Audience[] = ['admin', 'public', 'link-token', 'bot', 'dev', 'twilio', 'console'];

export type RouteMethod = 'get' | 'post' | 'put' | 'del';

/** One route: its method, its path (find-my-way syntax), who may call it, and what handles it. */
export interface RouteDefinition {
  method: RouteMethod;
  path: string;
  auth: Audience;
  handler: RequestHandler;
}

/** The guard of each audience, run first in the chain of every route of that audience. */
export type AudienceGuards = Readonly<Record<Audience, RequestHandler>>;

interface ServerRoutes {
  guards: AudienceGuards;
  audiences: Map<string, Audience>;
}

const servers = new WeakMap<Server, ServerRoutes>();
const audiencesOfBareServers = new WeakMap<Server, Map<string, Audience>>();

const HTTP_METHOD: Readonly<Record<RouteMethod, string>> = { get: 'GET', post: 'POST', put: 'PUT', del: 'DELETE' };

function routeKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`;
}

/**
 * Makes `server` guard every route mounted on it from now on. Call once, before mounting routes: a route mounted
 * on a server that has guards can never run without the guard of its audience.
 */
export function installAudienceGuards(server: Server, guards: AudienceGuards): void {
  if (servers.has(server)) throw new Error('Audience guards are already installed on this server.');
  servers.set(server, { guards, audiences: new Map() });
}

/**
 * Mounts routes. On a server with installed guards (every server `createServer` builds) each route's chain is
 * `[guard of its audience, handler]`. A bare restify server (unit tests of one route module) runs the handler alone.
 */
export function mountRoutes(server: Server, routes: readonly RouteDefinition[]): void {
  const owned = servers.get(server);
  let audiences = owned?.audiences ?? audiencesOfBareServers.get(server);
  if (!audiences) {
    audiences = new Map();
    audiencesOfBareServers.set(server, audiences);
  }
  for (const route of routes) {
    const key = routeKey(HTTP_METHOD[route.method], route.path);
    if (owned) server[route.method](route.path, owned.guards[route.auth], route.handler);
    else server[route.method](route.path, route.handler);
    audiences.set(key, route.auth);
  }
}

/** The audience a route of `server` declared, or undefined for a route mounted some other way. */
export function routeAudience(server: Server, method: string, path: string): Audience | undefined {
  const audiences = servers.get(server)?.audiences ?? audiencesOfBareServers.get(server);
  return audiences?.get(routeKey(method, path));
}

/** True when `server` has installed guards (its routes cannot run unguarded). */
export function isGuarded(server: Server): boolean {
  return servers.has(server);
}
