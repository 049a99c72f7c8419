/**
 * The bot of `npm start`: the required templates installed into an empty `dialogs/`, the installed dialogs loaded
 * and kept current (reloaded after an install through the admin API or the CLI, or an edit), and the bot with its
 * runtime and turn guard over the store's bot storage.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { ConversationState, TurnContext, UserState } from 'botbuilder';
import type { Logger } from 'pino';
import type { IntegrationAction } from '../auth';
import { REQUIRED_TEMPLATES } from '../definition';
import { IntegrationRuntime, loadInstalledDialogs, pinoDialogLogger, TurnGuard, TwilioVerifyBot } from '../bot';
import { MessageLedger } from '../delivery';
import type { DialogLogger, DialogTask } from '../dialogs';
import type { Store } from '../store';
import { DialogInstaller, DialogWatcher, defaultTemplatesDir } from '../templates';
import type { Config } from './config';

const SWEEP_INTERVAL_MS = 10 * 60_000;

export interface StartedBot {
  bot: TwilioVerifyBot;
  runtime: IntegrationRuntime;
  /** Sent messages and their delivery status. */
  messages: MessageLedger;
  installer: DialogInstaller;
  dialogLogger: DialogLogger;
  /** The dialogs running at start. */
  dialogs: readonly DialogTask[];
  close(): Promise<void>;
}

export interface BotStartOptions {
  config: Config;
  store: Store;
  action: IntegrationAction;
  logger: Logger;
  /** Where users reach the server; known only once it listens. */
  publicBaseUrl: () => string;
  /** The URL of `/twilio/status` when Twilio can reach it (a public base URL, or the local emulator). */
  statusCallbackUrl?: () => string | undefined;
}

async function hasDialogFiles(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).some((name) => name.endsWith('.json'));
  } catch {
    return false;
  }
}

/** Installs the required templates when `dialogs/` holds no dialog task. */
async function installRequired(installer: DialogInstaller, dialogsDir: string, logger: Logger): Promise<void> {
  await mkdir(dialogsDir, { recursive: true });
  if (await hasDialogFiles(dialogsDir)) return;
  for (const id of REQUIRED_TEMPLATES) await installer.install(id);
  logger.info({ dialogsDir, templates: REQUIRED_TEMPLATES }, 'installed the required templates');
}

/** Deletes expired leases, intents and idle conversations' state every 10 minutes; returns the stop. */
function sweepPeriodically(guard: TurnGuard, logger: Logger): () => void {
  const sweeper = setInterval(() => {
    guard.sweep().then(
      (count) => {
        if (count > 0) logger.info({ count }, 'expired documents deleted');
      },
      (err: unknown) => logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'sweeping expired documents failed'),
    );
  }, SWEEP_INTERVAL_MS);
  sweeper.unref();
  return () => clearInterval(sweeper);
}

/**
 * Reloads the bot's dialogs after every install through the installer and every change in `dialogs/` (another
 * process, an editor); returns the stop. A broken file saved mid-edit keeps its task's last good version running
 * (see loadInstalledDialogs).
 */
function followDialogs(bot: TwilioVerifyBot, installer: DialogInstaller, dialogsDir: string, loaded: readonly DialogTask[], logger: Logger): () => void {
  let running = loaded;
  // One reload at a time, in the order asked: a slower earlier one never replaces what a later one loaded.
  let reloads = Promise.resolve();
  const load = async () => {
    try {
      const next = await loadInstalledDialogs(dialogsDir, running);
      for (const problem of next.problems) logger.warn(problem, 'a dialog file was not loaded');
      for (const kept of next.kept) {
        logger.warn(kept, `${kept.file} is broken (at ${kept.pointers.map((p) => p || '/').join(', ')}): its last good version keeps running until a valid file replaces it`);
      }
      running = next.tasks;
      bot.reload(next.tasks);
      logger.info({ dialogs: next.tasks.map((t) => t.id) }, 'dialogs reloaded');
    } catch (err) {
      logger.error({ err }, 'reloading dialogs failed');
      throw new Error(`The bot could not reload its dialogs from ${dialogsDir}; the server log has the details.`, { cause: err });
    }
  };
  const reloadDialogs = (): Promise<void> => {
    const run = reloads.then(load);
    reloads = run.catch(() => undefined); // a failed reload does not stop the next ones
    return run;
  };
  // An install, upgrade or uninstall answers once the bot runs the new dialogs (the admin API's "installed" means
  // the next turn has it); edits by hand are followed by the watcher.
  const stopApplying = installer.applyWith(reloadDialogs);
  const watcher = new DialogWatcher(dialogsDir, {
    onChange: () => void reloadDialogs().catch(() => undefined), // logged by load
    onError: (err) => logger.warn({ err: err.message }, 'watching the dialogs directory stopped'),
  });
  return () => {
    stopApplying();
    watcher.close();
  };
}

/** The bot with its runtime (authorization, links) and turn guard, over the store's bot storage. */
function buildBot(options: BotStartOptions, dialogs: DialogTask[], dialogLogger: DialogLogger) {
  const { config, store, action } = options;
  const { defaultRegion } = config;
  const storage = store.botStorage();
  const conversationState = new ConversationState(storage);
  const userState = new UserState(storage);
  const messages = new MessageLedger({ store });
  const runtime = new IntegrationRuntime({
    action,
    store,
    publicBaseUrl: options.publicBaseUrl,
    logger: dialogLogger,
    messages,
    ...(options.statusCallbackUrl ? { statusCallbackUrl: options.statusCallbackUrl } : {}),
    // Kept-alive connections to Twilio: a turn that sends does not pay a TCP and TLS handshake (see GatewayOptions).
    gatewayOptions: { keepAlive: true, ...(defaultRegion ? { defaultRegion } : {}) },
  });
  const guard = new TurnGuard({
    store,
    conversationState,
    userState,
    budgetMs: config.turnBudgetMs,
    recheckMs: config.turnRecheckMs,
    ...(config.botAuth.MicrosoftAppId ? { botAppId: config.botAuth.MicrosoftAppId } : {}),
    retention: { conversationMs: config.conversationRetentionHours * 3600_000 },
    logger: dialogLogger,
  });
  const bot = new TwilioVerifyBot({
    conversationState,
    userState,
    dialogs,
    runtime,
    logger: dialogLogger,
    guard,
    // Delivery outcomes that could not be told proactively come first in the conversation's next turn.
    notices: (turn) => messages.takeNotices(TurnContext.getConversationReference(turn.activity)),
    ...(defaultRegion ? { defaultRegion } : {}),
  });
  return { bot, runtime, guard, messages };
}

/** Builds the bot over the store; its dialogs follow `dialogs/` until {@link StartedBot.close}. */
export async function startBot(options: BotStartOptions): Promise<StartedBot> {
  const { logger } = options;
  const { dialogsDir } = options.config;
  const installer = new DialogInstaller({
    templatesDir: defaultTemplatesDir(),
    dialogsDir,
    // The installer does not know who asked (an admin route or this start); the audit log says it was the server.
    audit: (entry) => options.store.appendAudit({ actor: 'server', ...entry }).then(() => undefined),
  });
  await installRequired(installer, dialogsDir, logger);
  const loaded = await loadInstalledDialogs(dialogsDir);
  for (const problem of loaded.problems) logger.warn(problem, 'a dialog file was not loaded');

  const dialogLogger = pinoDialogLogger(logger);
  const { bot, runtime, guard, messages } = buildBot(options, loaded.tasks, dialogLogger);
  const stopSweeping = sweepPeriodically(guard, logger);
  const stopTurns = () => {
    stopSweeping();
    guard.close();
  };
  let stopFollowing: () => void;
  try {
    stopFollowing = followDialogs(bot, installer, dialogsDir, loaded.tasks, logger);
  } catch (err) {
    stopTurns();
    throw err;
  }
  return {
    bot,
    runtime,
    messages,
    installer,
    dialogLogger,
    dialogs: loaded.tasks,
    close: async () => {
      stopFollowing();
      stopTurns();
    },
  };
}
