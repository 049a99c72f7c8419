/**
 * `npm start`: opens the store, loads the secrets key, resolves the admin token, and listens.
 * Environment: DATA_DIR (./data), DATABASE_URL, SECRETS_KEY, ADMIN_TOKEN, HOST (127.0.0.1), PORT (3978), LOG_LEVEL.
 */
import pino, { type Logger } from 'pino';
import type { Server } from 'restify';
import { IntegrationAction, loadSecrets } from './auth';
import { createServer, resolveAdminToken } from './server';
import { openStore, type Store } from './store';

/** Log paths that could ever hold a secret: redacted wherever they appear. */
export const REDACTED_PATHS = [
  'authToken',
  'apiKeySecret',
  'password',
  'token',
  'adminToken',
  '*.authToken',
  '*.apiKeySecret',
  '*.password',
  '*.token',
  '*.adminToken',
  'req.headers.authorization',
  'headers.authorization',
];

/** The process logger (JSON lines on stdout), secrets redacted. */
export function createLogger(level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name: 'tva', level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } });
}

export interface Started {
  server: Server;
  store: Store;
  url: string;
  close(): Promise<void>;
}

/** Starts everything from environment variables; resolves once listening. */
export async function start(env: NodeJS.ProcessEnv = process.env, logger: Logger = createLogger()): Promise<Started> {
  const dataDir = env.DATA_DIR ?? './data';
  const store = await openStore({ dataDir, ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}) });
  try {
    const secrets = await loadSecrets({ env, dataDir, store });
    for (const warning of secrets.warnings) logger.warn(warning);
    if (secrets.created && secrets.keyFile) logger.info(`Generated the secrets key file ${secrets.keyFile} (keep it with the data).`);
    if (secrets.pendingKey) logger.warn('A secrets key rotation did not finish; run: tva secrets rotate');
    const admin = await resolveAdminToken({ env, dataDir });
    if (admin.file) {
      logger.info(`Admin API token ${admin.created ? 'generated into' : 'read from'} ${admin.file}`);
    }
    const action = new IntegrationAction({ store, secrets: secrets.box });
    const server = createServer({ store, action, logger, adminToken: admin.token });
    const host = env.HOST ?? '127.0.0.1';
    const port = Number(env.PORT ?? 3978);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    logger.info(`Admin API listening on ${server.url}/api/admin`);
    return {
      server,
      store,
      url: server.url,
      async close() {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}

if (require.main === module) {
  const logger = createLogger();
  start(process.env, logger).then(
    (started) => {
      const stop = () => {
        started.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (err: unknown) => {
      process.stderr.write(`tva: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
