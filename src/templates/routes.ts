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
 * Errors: `{ "error": { "code", "message", "details": [{ "path", "message" }] } }` with 400 (bad id or body),
 * 404 (unknown template, not installed), 409 (conflict: the dialog was edited), 422 (invalid template).
 */
import type { Next, Request, Response, Server } from 'restify';
import { BodyTooLargeError, mountRoutes, readBoundedBody, type RouteDefinition } from '../http';
import { TemplateError } from './errors';
import type { DialogInstaller } from './installer';

export const TEMPLATE_ROUTES_PREFIX = '/api/admin/templates';

export interface TemplateRoutesDeps {
  installer: DialogInstaller;
  /** Told about unexpected failures (the reply then says nothing more than "internal error"). */
  onUnexpectedError?: (err: unknown) => void;
}

const MAX_BODY_BYTES = 4096;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The body as JSON: already parsed by a body parser, or read here (small bodies only). Absent is `undefined`. */
async function readBody(req: Request): Promise<unknown> {
  const parsed: unknown = (req as { body?: unknown }).body;
  if (parsed !== undefined) {
    if (typeof parsed === 'string' || Buffer.isBuffer(parsed)) return parseJson(String(parsed));
    return parsed;
  }
  if (req.readableEnded) return undefined;
  let body: Buffer;
  try {
    body = await readBoundedBody(req, MAX_BODY_BYTES);
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw new TemplateError('invalid_request', err.message, [{ path: '', message: 'too large' }]);
    throw err;
  }
  return body.length === 0 ? undefined : parseJson(body.toString('utf8'));
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new TemplateError('invalid_request', 'The body is not valid JSON.', [
      { path: '', message: err instanceof Error ? err.message : 'does not parse' },
    ]);
  }
}

/** `{}` or `{ "force": boolean }`; nothing else. */
function parseUpgradeBody(body: unknown): { force: boolean } {
  if (body === undefined) return { force: false };
  if (!isRecord(body)) throw new TemplateError('invalid_request', 'The body must be a JSON object.', [{ path: '', message: 'must be object' }]);
  const unknown = Object.keys(body).filter((k) => k !== 'force');
  if (unknown.length > 0) {
    throw new TemplateError('invalid_request', `Unknown property "${unknown[0] ?? ''}": only "force" is accepted.`, [
      { path: `/${unknown[0] ?? ''}`, message: 'unknown property' },
    ]);
  }
  if (body['force'] !== undefined && typeof body['force'] !== 'boolean') {
    throw new TemplateError('invalid_request', '"force" must be true or false.', [{ path: '/force', message: 'must be boolean' }]);
  }
  return { force: body['force'] === true };
}

function send(res: Response, status: number, body: unknown): void {
  res.header('content-type', 'application/json');
  res.header('cache-control', 'no-store');
  res.send(status, body);
}

type Handler = (req: Request) => Promise<{ status?: number; body: unknown }>;

function route(deps: TemplateRoutesDeps, handler: Handler) {
  return (req: Request, res: Response, next: Next): void => {
    handler(req)
      .then(({ status, body }) => send(res, status ?? 200, body))
      .catch((err: unknown) => {
        if (err instanceof TemplateError) {
          send(res, err.httpStatus, err.toJSON());
          return;
        }
        deps.onUnexpectedError?.(err);
        send(res, 500, {
          error: { code: 'internal_error', message: 'The server failed to handle this request; its log has the details.', details: [] },
        });
      })
      .finally(() => next());
  };
}

const idOf = (req: Request): string => String((req.params as Record<string, unknown> | undefined)?.['id'] ?? '');

/** Mounts the template routes (audience `admin`). */
export function registerTemplateRoutes(server: Server, deps: TemplateRoutesDeps): void {
  const { installer } = deps;
  const routes: RouteDefinition[] = [
    { method: 'get', path: TEMPLATE_ROUTES_PREFIX, auth: 'admin', handler: route(deps, async () => ({ body: { templates: await installer.list() } })) },
    // Before "/:id/…" so "install-all" is never taken for an id.
    {
      method: 'post',
      path: `${TEMPLATE_ROUTES_PREFIX}/install-all`,
      auth: 'admin',
      handler: route(deps, async () => {
        const batch = await installer.installAll();
        return {
          body: { results: batch.results, failures: batch.failures.map((f) => ({ id: f.id, ...f.error.toJSON() })) },
        };
      }),
    },
    { method: 'get', path: `${TEMPLATE_ROUTES_PREFIX}/:id`, auth: 'admin', handler: route(deps, async (req) => ({ body: await installer.show(idOf(req)) })) },
    {
      method: 'post',
      path: `${TEMPLATE_ROUTES_PREFIX}/:id/install`,
      auth: 'admin',
      handler: route(deps, async (req) => {
        const result = await installer.install(idOf(req));
        return { status: result.outcome === 'installed' ? 201 : 200, body: result };
      }),
    },
    {
      method: 'post',
      path: `${TEMPLATE_ROUTES_PREFIX}/:id/upgrade`,
      auth: 'admin',
      handler: route(deps, async (req) => ({ body: await installer.upgrade(idOf(req), parseUpgradeBody(await readBody(req))) })),
    },
    { method: 'del', path: `${TEMPLATE_ROUTES_PREFIX}/:id`, auth: 'admin', handler: route(deps, async (req) => ({ body: await installer.uninstall(idOf(req)) })) },
  ];
  mountRoutes(server, routes);
}
