/**
 * What the console asks the admin API beyond the CLI's routes: `GET /api/admin/console-info` (dev mode and where the
 * emulator's outbox is, for the console's link to it). Services and users are in the admin route table (admin.ts).
 */
import type { Request, Response, Server } from 'restify';
import { mountRoutes } from '../audiences';
import type { ConsoleInfo } from '../console-contract';
import { sendJson } from '../http';

export interface ConsoleApiDeps {
  /** Dev mode (the embedded emulator): its outbox page, `<emulator>/emulator/messages`. Absent in production. */
  devOutboxUrl?: () => string | undefined;
}

/** Mounts `GET /api/admin/console-info`. */
export function registerConsoleApiRoutes(server: Server, deps: ConsoleApiDeps): void {
  mountRoutes(server, [
    {
      method: 'get',
      path: '/api/admin/console-info',
      auth: 'admin',
      handler: async (_req: Request, res: Response) => {
        const outboxUrl = deps.devOutboxUrl?.() ?? null;
        const info: ConsoleInfo = { dev: outboxUrl !== null, outboxUrl };
        sendJson(res, 200, info);
      },
    },
  ]);
}
