/**
 * The admin API for templates, mounted under `/api/admin/templates`. Every route declares the `admin` audience, so
 * on the server the admin guard is the first handler of each route's chain:
 *
 *   GET    /api/admin/templates                list with state (explore)
 *   GET    /api/admin/templates/:id            show: the dialog file and its nodes
 *   POST   /api/admin/templates/:id/install    install one
 *   POST   /api/admin/templates/install-all    install every template
 *   POST   /api/admin/templates/:id/upgrade    body { "force"?: boolean }
 *   DELETE /api/admin/templates/:id            uninstall
 *
 * Bodies follow the admin API's rules (JSON only, 16 KiB); only `upgrade` takes one, the others accept none or `{}`.
 * Errors in the one format (see http.ts): 400 (bad id or body), 404 (unknown template, not installed), 409
 * (conflict: the dialog was edited), 422 (invalid template).
 */
import type { Next, Request, Response, Server } from 'restify';
import { parseEmptyBody } from '../../auth';
import type { DialogInstaller } from '../../templates';
import { mountRoutes, type RouteDefinition } from '../audiences';
import { parseUpgradeBody } from '../bodies';
import { readJsonBody, sendError, sendJson, toErrorReply } from '../http';

export const TEMPLATE_ROUTES_PREFIX = '/api/admin/templates';

export interface TemplateRoutesDeps {
  installer: DialogInstaller;
  /** Told about unexpected failures (the reply then says nothing more than "internal error"). */
  onUnexpectedError?: (err: unknown) => void;
  /** Largest accepted JSON body; default 16 KiB (the admin API's). */
  bodyLimitBytes?: number;
}

type Handler = (req: Request) => Promise<{ status?: number; body: unknown }>;

function route(deps: TemplateRoutesDeps, handler: Handler) {
  return (req: Request, res: Response, next: Next): void => {
    handler(req)
      .then(({ status, body }) => sendJson(res, status ?? 200, body))
      .catch((err: unknown) => {
        if (sendError(res, err).unexpected) deps.onUnexpectedError?.(err);
      })
      .finally(() => next());
  };
}

const idOf = (req: Request): string => String((req.params as Record<string, unknown> | undefined)?.['id'] ?? '');

/** Mounts the template routes (audience `admin`). */
export function registerTemplateRoutes(server: Server, deps: TemplateRoutesDeps): void {
  const { installer } = deps;
  const limit = deps.bodyLimitBytes ?? 16 * 1024;
  const noBody = async (req: Request) => parseEmptyBody((await readJsonBody(req, limit)) ?? {});
  const routes: RouteDefinition[] = [
    { method: 'get', path: TEMPLATE_ROUTES_PREFIX, auth: 'admin', handler: route(deps, async () => ({ body: { templates: await installer.list() } })) },
    // Before "/:id/…" so "install-all" is never taken for an id.
    {
      method: 'post',
      path: `${TEMPLATE_ROUTES_PREFIX}/install-all`,
      auth: 'admin',
      handler: route(deps, async (req) => {
        await noBody(req);
        const batch = await installer.installAll();
        return {
          body: { results: batch.results, failures: batch.failures.map((f) => ({ id: f.id, ...toErrorReply(f.error).body })) },
        };
      }),
    },
    { method: 'get', path: `${TEMPLATE_ROUTES_PREFIX}/:id`, auth: 'admin', handler: route(deps, async (req) => ({ body: await installer.show(idOf(req)) })) },
    {
      method: 'post',
      path: `${TEMPLATE_ROUTES_PREFIX}/:id/install`,
      auth: 'admin',
      handler: route(deps, async (req) => {
        await noBody(req);
        const result = await installer.install(idOf(req));
        return { status: result.outcome === 'installed' ? 201 : 200, body: result };
      }),
    },
    {
      method: 'post',
      path: `${TEMPLATE_ROUTES_PREFIX}/:id/upgrade`,
      auth: 'admin',
      handler: route(deps, async (req) => ({ body: await installer.upgrade(idOf(req), parseUpgradeBody(await readJsonBody(req, limit))) })),
    },
    {
      method: 'del',
      path: `${TEMPLATE_ROUTES_PREFIX}/:id`,
      auth: 'admin',
      handler: route(deps, async (req) => {
        await noBody(req);
        return { body: await installer.uninstall(idOf(req)) };
      }),
    },
  ];
  mountRoutes(server, routes);
}
