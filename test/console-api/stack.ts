// The server alone (`createServer`, no bot) on a clock the test moves: console sessions and sign-in links expire by
// it. The clock starts at the real time, as the store's own expiry runs on the real clock.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { IntegrationAction, loadSecrets } from '../../src/auth';
import { REDACTED_PATHS } from '../../src/main';
import { ConsoleSessions, createServer, listen } from '../../src/server';
import { openStore, type Store } from '../../src/store';

export const STACK_ADMIN_TOKEN = 'console-stack-admin-token-0123456789';

/** A clock that moves only when told. */
export class MovableClock {
  private ms = Date.now();
  now = (): Date => new Date(this.ms);
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

export interface ConsoleStack {
  url: string;
  clock: MovableClock;
  store: Store;
  sessions: ConsoleSessions;
  logLines: string[];
  close(): Promise<void>;
}

/** Starts the server with the console routes; `publicDir` holds the console's page and assets, if given. */
export async function startConsoleStack(options: { publicDir?: string; publicBaseUrl?: string } = {}): Promise<ConsoleStack> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tva-console-'));
  const store = await openStore({ dataDir });
  const secrets = await loadSecrets({ env: {}, dataDir, store });
  const clock = new MovableClock();
  const logLines: string[] = [];
  const logger = pino({ level: 'trace', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, { write: (line: string) => void logLines.push(line) });
  const sessions = new ConsoleSessions({ store, now: clock.now });
  const server = createServer({
    store,
    action: new IntegrationAction({ store, secrets: secrets.box }),
    logger,
    adminToken: STACK_ADMIN_TOKEN,
    now: clock.now,
    sessions,
    ...(options.publicDir !== undefined
      ? { console: { publicDir: options.publicDir, ...(options.publicBaseUrl ? { publicBaseUrl: () => options.publicBaseUrl ?? '' } : {}) } }
      : {}),
  });
  const url = await listen(server, '127.0.0.1', 0);
  return {
    url,
    clock,
    store,
    sessions,
    logLines,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
