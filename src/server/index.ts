/** The HTTP server: `createServer(deps)` (not listening), its route modules by audience, and its HTTP plumbing. */
export { createServer, type ServerDeps } from './server';
export { PAGE_SECURITY_HEADERS, registerAppRoutes, type AppRouteDeps, type HealthReport } from './routes/app';
export { ADMIN_ROUTES, registerAdminRoutes, type AdminRoute, type AdminRouteDeps, type RouteContext, type RouteReply } from './routes/admin';
export { registerTemplateRoutes, TEMPLATE_ROUTES_PREFIX, type TemplateRoutesDeps } from './routes/admin-templates';
export { AUTH_LINK_ROUTE, redactAuthLinkPath, registerAuthLinkRoutes, type AuthLinkRouteDeps } from './routes/auth-pages';
export { BOT_ROUTE, isLoopbackUrl, registerBotRoutes, type BotRouteDeps } from './routes/bot';
export { redactSignInPath, registerConsoleRoutes, SIGN_IN_ROUTE, type ConsoleRouteDeps } from './routes/console';
export { registerConsoleApiRoutes, type ConsoleApiDeps } from './routes/admin-console';
export {
  ConsoleSessions,
  DEFAULT_SESSION_TTL_SECONDS,
  DEFAULT_SIGN_IN_LINK_TTL_SECONDS,
  SESSION_COOKIE,
  SESSIONS_NAMESPACE,
  SIGN_IN_LINKS_NAMESPACE,
  type ConsoleSession,
  type ConsoleSessionsOptions,
} from './sessions';
export {
  CONSOLE_INFO_SCHEMA,
  CREATE_SERVICE_BODY_SCHEMA,
  SESSION_REPLY_SCHEMA,
  SIGN_IN_BODY_SCHEMA,
  type ConsoleInfo,
  type CreateServiceBody,
  type SessionReply,
  type SignInBody,
} from './console-contract';
export { ACTIVITY_SCHEMA, parseActivity, type IncomingActivity } from './bodies';
export { AdminGuard, tokensEqual, type BackoffOptions } from './admin-auth';
export { ADMIN_TOKEN_FILE, resolveAdminToken, type AdminToken } from './admin-token';
export { HttpError, readForm, readJsonBody, sendError, sendJson, toErrorReply, type ErrorBody, type JsonBodyRules } from './http';
export { AUDIENCES, installAudienceGuards, isGuarded, mountRoutes, routeAudience, type Audience, type AudienceGuards, type RouteDefinition } from './audiences';
export { canonicalizeTarget, type CanonicalTarget, type RefusedTarget } from './canonical';
export { clientAddress, parseTrustProxy, TRUST_NO_PROXY, type TrustProxy } from './client-address';
export { CSRF_HEADER, isCrossSite, isLoopbackHost } from './guards';
export { cachedHealth, describeCheckFailure, type HealthOptions } from './health';
export { listen, type Server } from './listen';
