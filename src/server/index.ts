/** The HTTP server: `createServer(deps)` (not listening) and the route modules it is assembled from. */
export { createServer, type ServerDeps } from './server';
export { PAGE_SECURITY_HEADERS, registerAppRoutes, type AppRouteDeps, type HealthReport } from './app-routes';
export { ADMIN_ROUTES, registerAdminRoutes, type AdminRoute, type RouteContext, type RouteReply } from './admin-routes';
export { AdminGuard, tokensEqual, type BackoffOptions } from './admin-auth';
export { ADMIN_TOKEN_FILE, resolveAdminToken, type AdminToken } from './admin-token';
export { HttpError, readJsonBody, sendError, sendJson, toErrorReply, type ErrorBody } from './http';
export { canonicalizeTarget, type CanonicalTarget, type RefusedTarget } from './canonical';
export { clientAddress, parseTrustProxy, TRUST_NO_PROXY, type TrustProxy } from './client-address';
export { isCrossSite, isLoopbackHost } from './guards';
