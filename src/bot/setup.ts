/**
 * Building the component from the parts a developer already has (a store, a data directory, the installed dialogs
 * directory), for bots that do not use the standalone server.
 */
import type { UserState } from 'botbuilder';
import type { Logger } from 'pino';
import type { IntegrationAction, SecretsEnv } from '../auth';
import { assemble } from '../assembly';
import { loadDialogDirectory, redactForLog, type DialogFileProblem, type DialogLogger, type DialogTask } from '../dialogs';
import type { Store } from '../store';
import { OPERATION_NAMES, type CountryCode } from '../twilio';
import { TwilioVerifyDialogs } from './component';
import { IntegrationRuntime } from './runtime';

/** The engine's logger interface over pino, every field redacted (codes typed by users never reach a log). */
export function pinoDialogLogger(logger: Logger): DialogLogger {
  // Redacting is most of a log line's cost: skipped for the levels the logger drops.
  const at = (level: 'info' | 'warn' | 'error') => (message: string, fields: Record<string, unknown> = {}) => {
    if (logger.isLevelEnabled(level)) logger[level](redactForLog(fields), message);
  };
  return { info: at('info'), warn: at('warn'), error: at('error'), isEnabled: (level) => logger.isLevelEnabled(level) };
}

/** A dialog file that failed validation while an earlier, valid version of its task keeps running. */
export interface KeptDialog {
  /** The broken file, e.g. `send-sms.json`. */
  file: string;
  /** The task still running in its last good version. */
  taskId: string;
  /** The JSON pointers of the file's problems ('' for the whole file, e.g. JSON that does not parse). */
  pointers: string[];
}

/** The tasks to run after (re)loading `dialogs/`, and what went wrong. */
export interface InstalledDialogs {
  tasks: DialogTask[];
  /** Dialog files that did not load, with the JSON pointer of each problem. */
  problems: DialogFileProblem[];
  /** Broken files whose task keeps running in the version from `lastGood`. */
  kept: KeptDialog[];
}

/**
 * Loads the installed dialog tasks of a directory; broken files are reported and skipped.
 *
 * With `lastGood` (the tasks running now), a file that is present but fails validation does not take its task away:
 * a developer saving a half-edited file must not end every conversation in that dialog. The last good version keeps
 * running (and is listed in `kept`) until a valid file replaces it; a removed file does remove its task. A task's
 * file is `<id>.json`, which the loader enforces.
 */
export async function loadInstalledDialogs(dialogsDir: string, lastGood: readonly DialogTask[] = []): Promise<InstalledDialogs> {
  const loaded = await loadDialogDirectory(dialogsDir, { operations: OPERATION_NAMES });
  const loadedIds = new Set(loaded.tasks.map((task) => task.id));
  const brokenFiles = new Map<string, string[]>();
  for (const problem of loaded.problems) brokenFiles.set(problem.file, [...(brokenFiles.get(problem.file) ?? []), problem.pointer]);
  const tasks = [...loaded.tasks];
  const kept: KeptDialog[] = [];
  for (const task of lastGood) {
    const file = `${task.id}.json`;
    const pointers = brokenFiles.get(file);
    if (pointers === undefined || loadedIds.has(task.id)) continue;
    tasks.push(task);
    kept.push({ file, taskId: task.id, pointers });
  }
  // The order of the files, as the loader gives it (the order in "help" and in the greeting's buttons).
  const fileOf = (task: DialogTask): string => `${task.id}.json`;
  tasks.sort((a, b) => (fileOf(a) < fileOf(b) ? -1 : fileOf(a) > fileOf(b) ? 1 : 0));
  return { tasks, problems: loaded.problems, kept };
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
  const now = options.now;
  const { action } = await assemble({ store: options.store, dataDir: options.dataDir, secretsEnv: options.env ?? {}, ...(now ? { now } : {}) });
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
