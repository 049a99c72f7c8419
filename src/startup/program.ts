/**
 * The program of `npm start` and `node dist/src/main.js` (src/main.ts loads it): the whole product in one process.
 * Reads the configuration, assembles store, secrets and action, chooses Twilio (real from `TWILIO_*`, or the local
 * emulator: the zero-config start), starts the bot over the installed dialogs, and serves the bot, the chat page,
 * the admin API and the authorization link pages.
 *
 * Every environment variable is listed in README.md ("Configuration"); src/startup/config.ts reads them.
 */
import type { Logger } from 'pino';
import type { IntegrationAction, StartCheckOptions } from '../auth';
import { assemble } from '../assembly';
import type { TwilioEmulator } from '../emulator';
import { ConsoleSessions, resolveAdminToken, type Server } from '../server';
import { buildServer, chooseTwilio, Closers, createLogger, listen, loadConfig, printBanner, PublicAddress, reportSecrets, startBot } from '.';
import type { Store } from '../store';
import type { DialogInstaller } from '../templates';

export { createLogger, REDACTED_PATHS, StartupError } from '.';
export { REQUIRED_TEMPLATES } from '../definition';

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** An emulator already listening (tests); otherwise one is started when the environment has no Twilio credentials. */
  emulator?: TwilioEmulator;
  /** Writes the human-readable banner; default stdout. */
  print?: (line: string) => void;
  /** The waits and the clock of the background check of TWILIO_* credentials (tests); default timers and Date. */
  startCheck?: Pick<StartCheckOptions, 'sleep' | 'now'>;
  /** The clock of console sessions, sign-in links and the admin back-off (tests); default Date. */
  now?: () => Date;
  /** How long to wait for another server to let go of a SQLite store's turns (tests); default 5 s. */
  turnLockWaitMs?: number;
}

export interface Started {
  server: Server;
  store: Store;
  action: IntegrationAction;
  installer: DialogInstaller;
  url: string;
  /** The embedded emulator (dev mode), if one runs. */
  emulator?: TwilioEmulator;
  adminTokenFile?: string;
  /** Console sessions and one-time sign-in links (in the store). */
  consoleSessions: ConsoleSessions;
  /** The one-time console sign-in link the banner printed (dev mode: the embedded emulator), if any. */
  consoleSignInLink?: string;
  close(): Promise<void>;
}

/** Starts everything from environment variables; resolves once listening. */
export async function start(options: StartOptions = {}): Promise<Started> {
  const config = loadConfig(options.env ?? process.env);
  const logger = options.logger ?? createLogger(config.logLevel);
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const core = await assemble({
    dataDir: config.dataDir,
    ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
    sqliteSynchronous: config.sqliteSynchronous,
    secretsEnv: config.secretsEnv,
    ...(options.turnLockWaitMs !== undefined ? { turnLockWaitMs: options.turnLockWaitMs } : {}),
  });
  const closers = new Closers();
  closers.add(core.close);
  try {
    const { store, action } = core;
    // This server's turns first (SQLite: one server per store): a second server stops here, before it points the
    // stored action at an emulator of its own or installs anything.
    store.processLeases?.();
    reportSecrets(core.secrets, logger);
    const admin = await resolveAdminToken({ env: config.adminTokenEnv, dataDir: config.dataDir });
    const { emulator, startCheck } = options;
    const twilio = await chooseTwilio({ config, action, store, logger, print, onClose: (close) => closers.add(close), ...(emulator ? { emulator } : {}), ...(startCheck ? { startCheck } : {}) });
    // An injected emulator is the dev emulator even when TWILIO_* variables point the action elsewhere (tests).
    const devEmulator = twilio.emulator ?? emulator;
    const address = new PublicAddress(config.publicBaseUrl, Boolean(config.publicBaseUrl) || devEmulator !== undefined);
    const bot = await startBot({ config, store, action, logger, publicBaseUrl: address.url, statusCallbackUrl: address.statusCallbackUrl });
    closers.add(bot.close);
    const consoleSessions = new ConsoleSessions({ store, ...(options.now ? { now: options.now } : {}) });
    const server = buildServer({
      config,
      store,
      action,
      logger,
      admin,
      bot,
      publicBaseUrl: address.url,
      sessions: consoleSessions,
      ...(options.now ? { clock: options.now } : {}),
      ...(devEmulator ? { devEmulator } : {}),
      ...(startCheck?.now ? { now: startCheck.now } : {}),
    });
    const url = await listen(server, config.host, config.port);
    closers.add(() => new Promise<void>((resolve) => server.close(() => resolve())));
    address.listening(url);
    // The zero-config start signs its newcomer in with one click; the link is printed, never logged.
    const consoleSignInLink = devEmulator ? `${url}/admin/sign-in/${(await consoleSessions.createSignInLink()).token}` : undefined;
    printBanner(print, {
      mode: twilio.mode,
      url,
      botAuth: config.botAuth,
      admin,
      ...(devEmulator ? { emulator: devEmulator } : {}),
      dialogs: bot.dialogs,
      dialogsDir: config.dialogsDir,
      ...(consoleSignInLink ? { consoleSignInLink } : {}),
    });
    return {
      server,
      store,
      action,
      installer: bot.installer,
      url,
      ...(devEmulator ? { emulator: devEmulator } : {}),
      ...(admin.file ? { adminTokenFile: admin.file } : {}),
      consoleSessions,
      ...(consoleSignInLink ? { consoleSignInLink } : {}),
      close: () => closers.closeAll(),
    };
  } catch (err) {
    await closers.closeAll();
    throw err;
  }
}

/** Runs the server as a program: started, stopped on SIGINT/SIGTERM, a failure in one line and exit code 1. */
export function main(): void {
  start().then(
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
