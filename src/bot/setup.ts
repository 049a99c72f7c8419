/**
 * Building the component from the parts a developer already has (a store, a data directory, the installed dialogs
 * directory), for bots that do not use the standalone server.
 */
import type { UserState } from 'botbuilder';
import type { Logger } from 'pino';
import { IntegrationAction, loadSecrets, type SecretsEnv } from '../auth';
import { loadDialogDirectory, redactForLog, type DialogFileProblem, type DialogLogger } from '../dialogs';
import type { Store } from '../store';
import { OPERATION_NAMES, type CountryCode } from '../twilio';
import { TwilioVerifyDialogs } from './component';
import { IntegrationRuntime } from './runtime';

/** The engine's logger interface over pino, every field redacted (codes typed by users never reach a log). */
export function pinoDialogLogger(logger: Logger): DialogLogger {
  return {
    info: (message, fields = {}) => logger.info(redactForLog(fields), message),
    warn: (message, fields = {}) => logger.warn(redactForLog(fields), message),
    error: (message, fields = {}) => logger.error(redactForLog(fields), message),
  };
}

/** Loads the installed dialog tasks of a directory; broken files are reported and skipped. */
export async function loadInstalledDialogs(dialogsDir: string) {
  return loadDialogDirectory(dialogsDir, { operations: OPERATION_NAMES });
}

export interface TwilioVerifySetupOptions {
  store: Store;
  /** Where the secrets key file lives (unless `env.SECRETS_KEY` is set). */
  dataDir: string;
  /** The installed dialog tasks (`dialogs/`). */
  dialogsDir: string;
  userState: UserState;
  /** Where users reach the bot's `/auth/<token>` pages. */
  publicBaseUrl: string | (() => string);
  env?: SecretsEnv;
  now?: () => Date;
  defaultRegion?: CountryCode;
  logger?: DialogLogger;
}

export interface TwilioVerifySetup {
  component: TwilioVerifyDialogs;
  runtime: IntegrationRuntime;
  action: IntegrationAction;
  /** Dialog files that did not load, with the JSON pointer of each problem. */
  problems: DialogFileProblem[];
}

/** The component with its runtime built from a store: secrets, the integration action, the installed dialogs. */
export async function createTwilioVerifyDialogs(options: TwilioVerifySetupOptions): Promise<TwilioVerifySetup> {
  const secrets = await loadSecrets({ env: options.env ?? {}, dataDir: options.dataDir, store: options.store });
  const now = options.now;
  const action = new IntegrationAction({ store: options.store, secrets: secrets.box, ...(now ? { now } : {}) });
  const runtime = new IntegrationRuntime({
    action,
    store: options.store,
    publicBaseUrl: options.publicBaseUrl,
    ...(now ? { now } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const { tasks, problems } = await loadInstalledDialogs(options.dialogsDir);
  const component = new TwilioVerifyDialogs({
    runtime,
    dialogs: tasks,
    userState: options.userState,
    ...(now ? { clock: { now } } : {}),
    ...(options.defaultRegion ? { defaultRegion: options.defaultRegion } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return { component, runtime, action, problems };
}
