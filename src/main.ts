/**
 * `npm start`: the whole product in one process. Opens the store, loads the secrets key and the admin token, and
 * then, with no real Twilio credentials in the environment, starts the local Twilio emulator and points the action
 * at it (the zero-config start); installs the required templates when `dialogs/` has none; serves the bot, the chat
 * page, the admin API and the authorization link pages.
 *
 * Every environment variable is listed in README.md ("Configuration").
 */
import { watch } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { isIP } from 'node:net';
import { ConversationState, UserState } from 'botbuilder';
import { isSupportedCountry } from 'libphonenumber-js';
import pino, { type Logger } from 'pino';
import type { Server } from 'restify';
import {
  ActionError,
  IntegrationAction,
  loadSecrets,
  META_NAMESPACE,
  type ActionView,
  type CheckFailure,
  type ResolvedCredentials,
  type StartCheck,
  type StartCheckOptions,
  type StartCheckState,
} from './auth';
import {
  DEFAULT_TURN_BUDGET_MS,
  IntegrationRuntime,
  loadInstalledDialogs,
  pinoDialogLogger,
  TurnGuard,
  TwilioVerifyBot,
  type BotAuthSettings,
} from './bot';
import { createEmulator, type TwilioEmulator } from './emulator';
import { createServer, parseTrustProxy, resolveAdminToken, type HealthReport, type TrustProxy } from './server';
import { openStore, type Store } from './store';
import { DialogInstaller, defaultTemplatesDir, packageRoot } from './templates';
import { createService, createTwilioClient, fetchAccount, type CountryCode, type TwilioCredentials } from './twilio';

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

/** The templates installed on a fresh checkout, when `dialogs/` holds no dialog task. */
export const REQUIRED_TEMPLATES = ['send-sms', 'start-verification', 'check-verification'] as const;

/** The sender configured against the emulator: Twilio's magic "valid From" test number. */
const EMULATOR_SENDER = '+15005550006';
/** Where the zero-config start remembers that it, not an admin, configured the action. */
const DEV_EMULATOR_KEY = 'dev-emulator';
const ACTOR = 'npm-start';

export class StartupError extends Error {
  override readonly name = 'StartupError';
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** An emulator already listening (tests); otherwise one is started when the environment has no Twilio credentials. */
  emulator?: TwilioEmulator;
  /** Writes the human-readable banner; default stdout. */
  print?: (line: string) => void;
  /** The waits and the clock of the background check of TWILIO_* credentials (tests); default timers and Date. */
  startCheck?: Pick<StartCheckOptions, 'sleep' | 'now'>;
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
  close(): Promise<void>;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

function parsePort(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new StartupError(`${name} must be a port number from 0 to 65535, not "${text}".`);
  }
  return port;
}

/** A whole number within [min, max] from the environment, or the fallback when unset. */
function parseWholeNumber(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new StartupError(`${name} must be a whole number from ${min} to ${max}, not "${text}".`);
  }
  return value;
}

/** DEFAULT_REGION: the country of numbers typed without +country code (ISO 3166 alpha-2, e.g. US, GB). */
function parseRegion(text: string | undefined): CountryCode | undefined {
  if (text === undefined || text === '') return undefined;
  const region = text.toUpperCase();
  if (!isSupportedCountry(region)) {
    throw new StartupError(`DEFAULT_REGION must be a two-letter country code such as US or GB, not "${text}".`);
  }
  return region;
}

/** Real Twilio credentials from the environment, if any (a half-set pair is an error, not a silent fallback). */
function envCredentials(env: NodeJS.ProcessEnv): TwilioCredentials | undefined {
  const accountSid = env.TWILIO_ACCOUNT_SID;
  const { TWILIO_AUTH_TOKEN: authToken, TWILIO_API_KEY_SID: apiKeySid, TWILIO_API_KEY_SECRET: apiKeySecret } = env;
  if (!accountSid && !authToken && !apiKeySid && !apiKeySecret) return undefined;
  if (!accountSid) throw new StartupError('TWILIO_ACCOUNT_SID is missing: set it with TWILIO_AUTH_TOKEN (or TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET).');
  if (apiKeySid || apiKeySecret) {
    if (!apiKeySid || !apiKeySecret) throw new StartupError('Set both TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET, or neither.');
    return { kind: 'api-key', accountSid, apiKeySid, apiKeySecret };
  }
  if (!authToken) throw new StartupError('TWILIO_AUTH_TOKEN is missing: set it with TWILIO_ACCOUNT_SID (or use an API key).');
  return { kind: 'auth-token', accountSid, authToken };
}

function authorizationBody(credentials: TwilioCredentials, baseUrl: string | undefined): Record<string, string> {
  const common = { type: 'pre-authorized', accountSid: credentials.accountSid, ...(baseUrl ? { baseUrl } : {}) };
  return credentials.kind === 'auth-token'
    ? { ...common, authToken: credentials.authToken }
    : { ...common, apiKeySid: credentials.apiKeySid, apiKeySecret: credentials.apiKeySecret };
}

/** Points the action at the embedded emulator: a fresh Verify service there, the magic sender, enabled. */
async function configureForEmulator(action: IntegrationAction, store: Store, emulator: TwilioEmulator, url: string): Promise<ActionView> {
  const credentials: TwilioCredentials = { kind: 'auth-token', accountSid: emulator.accountSid, authToken: emulator.authToken };
  const gateway = createTwilioClient(credentials, { baseUrl: url });
  const service = await createService(gateway, { friendlyName: 'Twilio Verify Action' });
  // An admin's "disable" survives restarts; anything else is (re-)enabled against the new emulator.
  const keepDisabled = (await action.status()).state === 'disabled';
  await action.authorize(authorizationBody(credentials, url), ACTOR);
  const current = await action.status();
  await action.setConfig({ ...current.config, verifyServiceSid: service.sid, sender: EMULATOR_SENDER }, ACTOR);
  if (!keepDisabled) await action.enable(ACTOR);
  await store.put(META_NAMESPACE, DEV_EMULATOR_KEY, { accountSid: emulator.accountSid, baseUrl: url });
  return action.status();
}

/** How a check failure reads in a sentence: "connection refused", "20003: Authenticate". */
function describeFailure(failure: CheckFailure): string {
  if (failure.code === 'connection_refused') return 'connection refused';
  if (failure.code === 'timeout') return 'no answer in time';
  return `${failure.code}: ${failure.message}`;
}

/** Logs the start check's progress: operators see why the action is not enabled yet, and when it will be. */
function logStartCheck(logger: Logger, now: () => Date): (state: StartCheckState) => void {
  return (state) => {
    switch (state.kind) {
      case 'retrying':
        logger.warn(
          { code: state.lastFailure.code, reason: state.lastFailure.message, retryInSeconds: Math.round((state.retryAt.getTime() - now().getTime()) / 1000) },
          'Twilio could not be reached to check the TWILIO_* credentials; retrying in the background (users hear that Twilio is unavailable)',
        );
        return;
      case 'enabled':
        logger.info('Twilio accepted the TWILIO_* credentials: the action is enabled');
        return;
      case 'rejected':
        logger.error(
          { code: state.failure.code, reason: state.failure.message },
          `Twilio rejected the TWILIO_* credentials (${describeFailure(state.failure)}); the action stays not enabled. Correct TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or the API key) and restart.`,
        );
        return;
      default:
        return;
    }
  };
}

/**
 * Configures the action from TWILIO_* variables and enables it once Twilio accepts them: the first check runs now,
 * and while Twilio cannot be reached it is retried in the background (the returned check). A restart with the same
 * variables keeps the stored authorization, and an action an admin disabled stays disabled.
 */
async function configureFromEnv(
  action: IntegrationAction,
  env: NodeJS.ProcessEnv,
  credentials: TwilioCredentials,
  logger: Logger,
  checkOptions: Pick<StartCheckOptions, 'sleep' | 'now'>,
): Promise<StartCheck | undefined> {
  const baseUrl = env.TWILIO_BASE_URL || undefined;
  if (!(await action.holdsAuthorization(credentials, baseUrl))) {
    try {
      await action.authorize(authorizationBody(credentials, baseUrl), ACTOR);
    } catch (err) {
      if (!(err instanceof ActionError) || err.code !== 'authorization_check_failed') throw err;
      // The action is enabled with other credentials, and the new ones did not pass: keep serving with the old ones.
      logger.error({ reason: err.message }, 'The TWILIO_* credentials differ from the enabled ones and did not pass the check; the action keeps its current credentials');
      return undefined;
    }
  }
  const current = await action.status();
  const config = { ...current.config };
  if (env.TWILIO_VERIFY_SERVICE_SID) config.verifyServiceSid = env.TWILIO_VERIFY_SERVICE_SID;
  if (env.TWILIO_SENDER) config.sender = env.TWILIO_SENDER;
  await action.setConfig(config, ACTOR);
  if (current.state === 'configured') return undefined;
  if (current.state === 'disabled') {
    logger.info('The action was disabled by an admin and stays disabled (tva action enable turns it back on).');
    return undefined;
  }
  const now = checkOptions.now ?? (() => new Date());
  const check = await action.enableAtStart(ACTOR, { ...checkOptions, onChange: logStartCheck(logger, now) });
  return check.pending() ? check : undefined;
}

/** True when the stored action is absent or was configured by an earlier zero-config start (not by an admin). */
async function emulatorMayConfigure(action: IntegrationAction, store: Store): Promise<boolean> {
  const view = await action.status();
  if (!view.authorization) return true;
  const mark = await store.get<{ accountSid?: string }>(META_NAMESPACE, DEV_EMULATOR_KEY);
  return view.authorization.type === 'pre-authorized' && mark?.value.accountSid === view.authorization.accountSid;
}

async function hasDialogFiles(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).some((name) => name.endsWith('.json'));
  } catch {
    return false;
  }
}

/** Starts everything from environment variables; resolves once listening. */
export async function start(options: StartOptions = {}): Promise<Started> {
  const env = options.env ?? process.env;
  const logger = options.logger ?? createLogger(env.LOG_LEVEL);
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const host = env.HOST || '127.0.0.1';
  const port = parsePort('PORT', env.PORT, 3978);
  const emulatorPort = parsePort('EMULATOR_PORT', env.EMULATOR_PORT, 3979);
  const healthCacheSeconds = env.HEALTHZ_CACHE_SECONDS ? Number(env.HEALTHZ_CACHE_SECONDS) : 15;
  if (!Number.isInteger(healthCacheSeconds) || healthCacheSeconds < 0 || healthCacheSeconds > 3600) {
    throw new StartupError(`HEALTHZ_CACHE_SECONDS must be a whole number of seconds from 0 to 3600, not "${env.HEALTHZ_CACHE_SECONDS}".`);
  }
  const botAuth: BotAuthSettings = {
    ...(env.MicrosoftAppId ? { MicrosoftAppId: env.MicrosoftAppId } : {}),
    ...(env.MicrosoftAppPassword ? { MicrosoftAppPassword: env.MicrosoftAppPassword } : {}),
    ...(env.MicrosoftAppTenantId ? { MicrosoftAppTenantId: env.MicrosoftAppTenantId } : {}),
    ...(env.MicrosoftAppType ? { MicrosoftAppType: env.MicrosoftAppType } : {}),
  };
  if (!isLoopback(host) && !botAuth.MicrosoftAppId && env.ALLOW_ANONYMOUS_BOT !== 'true') {
    throw new StartupError(
      `HOST=${host} would expose an anonymous bot (no MicrosoftAppId). Set MicrosoftAppId and MicrosoftAppPassword, ` +
        'or ALLOW_ANONYMOUS_BOT=true if something in front of the server authenticates callers.',
    );
  }
  const defaultRegion = parseRegion(env.DEFAULT_REGION);
  const turnBudgetMs = parseWholeNumber('TURN_BUDGET_MS', env.TURN_BUDGET_MS, DEFAULT_TURN_BUDGET_MS, 500, 120_000);
  const turnRecheckMs = parseWholeNumber('TURN_RECHECK_MS', env.TURN_RECHECK_MS, 30_000, 0, 3_600_000);
  const conversationRetentionHours = parseWholeNumber('CONVERSATION_RETENTION_HOURS', env.CONVERSATION_RETENTION_HOURS, 168, 1, 24 * 365);
  let trustProxy: TrustProxy;
  try {
    trustProxy = parseTrustProxy(env.TRUST_PROXY);
  } catch (err) {
    throw new StartupError(err instanceof Error ? err.message : String(err));
  }
  const credentialsFromEnv = envCredentials(env);
  const dataDir = env.DATA_DIR || './data';
  const dialogsDir = path.resolve(env.DIALOGS_DIR || './dialogs');

  const store = await openStore({ dataDir, ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}) });
  const closers: Array<() => Promise<void>> = [() => store.close()];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  };
  try {
    const secrets = await loadSecrets({ env, dataDir, store });
    for (const warning of secrets.warnings) logger.warn(warning);
    if (secrets.created && secrets.keyFile) logger.info(`Generated the secrets key file ${secrets.keyFile} (keep it with the data).`);
    if (secrets.pendingKey) logger.warn('A secrets key rotation did not finish; run: tva secrets rotate');
    const admin = await resolveAdminToken({ env, dataDir });
    const action = new IntegrationAction({ store, secrets: secrets.box });

    let emulator = options.emulator;
    let twilioMode: string;
    const clock = options.startCheck?.now ?? (() => new Date());
    if (credentialsFromEnv) {
      const check = await configureFromEnv(action, env, credentialsFromEnv, logger, options.startCheck ?? {});
      if (check) closers.push(() => check.stop());
      const pending = check?.pending();
      twilioMode =
        `real Twilio (account ${credentialsFromEnv.accountSid}) from TWILIO_* variables` +
        (pending?.lastFailure ? `, not reachable yet (${describeFailure(pending.lastFailure)}): retrying in the background` : '');
    } else if (emulator || (env.EMULATOR !== 'off' && (await emulatorMayConfigure(action, store)))) {
      if (!emulator) {
        // Dev mode: every SMS and code the emulator "delivers" is printed for the developer to read.
        emulator = createEmulator({ dev: true, log: print });
        const started = emulator;
        await started.listen(emulatorPort, '127.0.0.1').catch((err: unknown) => {
          const reason = err instanceof Error ? err.message : String(err);
          throw new StartupError(`The Twilio emulator cannot listen on 127.0.0.1:${emulatorPort} (${reason}). Set EMULATOR_PORT to a free port.`);
        });
        closers.push(() => started.close());
      }
      const url = emulator.url;
      if (!url) throw new StartupError('The injected emulator is not listening.');
      await configureForEmulator(action, store, emulator, url);
      twilioMode = `the local Twilio emulator at ${url} (no TWILIO_* credentials set)`;
    } else {
      twilioMode = 'the configuration stored by an admin';
    }

    await mkdir(dialogsDir, { recursive: true });
    const installer = new DialogInstaller({ templatesDir: defaultTemplatesDir(), dialogsDir });
    if (!(await hasDialogFiles(dialogsDir))) {
      for (const id of REQUIRED_TEMPLATES) await installer.install(id);
      logger.info({ dialogsDir, templates: REQUIRED_TEMPLATES }, 'installed the required templates');
    }
    const loaded = await loadInstalledDialogs(dialogsDir);
    for (const problem of loaded.problems) logger.warn(problem, 'a dialog file was not loaded');

    const storage = store.botStorage();
    const conversationState = new ConversationState(storage);
    const userState = new UserState(storage);
    const dialogLogger = pinoDialogLogger(logger);
    let publicBaseUrl = env.PUBLIC_BASE_URL?.replace(/\/+$/, '') ?? '';
    const runtime = new IntegrationRuntime({
      action,
      store,
      publicBaseUrl: () => publicBaseUrl,
      logger: dialogLogger,
      ...(defaultRegion ? { gatewayOptions: { defaultRegion } } : {}),
    });
    const guard = new TurnGuard({
      store,
      conversationState,
      userState,
      budgetMs: turnBudgetMs,
      recheckMs: turnRecheckMs,
      ...(botAuth.MicrosoftAppId ? { botAppId: botAuth.MicrosoftAppId } : {}),
      retention: { conversationMs: conversationRetentionHours * 3600_000 },
      logger: dialogLogger,
    });
    const bot = new TwilioVerifyBot({
      conversationState,
      userState,
      dialogs: loaded.tasks,
      runtime,
      logger: dialogLogger,
      guard,
      ...(defaultRegion ? { defaultRegion } : {}),
    });
    // Expired leases, intents and the state of conversations idle past their retention go away every 10 minutes.
    const sweeper = setInterval(() => {
      guard.sweep().then(
        (count) => {
          if (count > 0) logger.info({ count }, 'expired documents deleted');
        },
        (err: unknown) => logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'sweeping expired documents failed'),
      );
    }, 10 * 60_000);
    sweeper.unref();
    closers.push(async () => {
      clearInterval(sweeper);
      guard.close();
    });
    // A broken file saved mid-edit keeps its task's last good version running (see loadInstalledDialogs).
    let running = loaded.tasks;
    const reloadDialogs = () => {
      loadInstalledDialogs(dialogsDir, running).then(
        (next) => {
          for (const problem of next.problems) logger.warn(problem, 'a dialog file was not loaded');
          for (const kept of next.kept) {
            logger.warn(kept, `${kept.file} is broken (at ${kept.pointers.map((p) => p || '/').join(', ')}): its last good version keeps running until a valid file replaces it`);
          }
          running = next.tasks;
          bot.reload(next.tasks);
          logger.info({ dialogs: next.tasks.map((t) => t.id) }, 'dialogs reloaded');
        },
        (err: unknown) => logger.error({ err }, 'reloading dialogs failed'),
      );
    };
    installer.on('change', reloadDialogs);
    // Installs by `tva templates` in another process, and a developer's edits, reach the running bot too: reload
    // once the directory has been quiet for a moment (an atomic write is a create and a rename).
    let pending: NodeJS.Timeout | undefined;
    const watcher = watch(dialogsDir, (_event, name) => {
      if (name !== null && !String(name).endsWith('.json')) return;
      clearTimeout(pending);
      pending = setTimeout(reloadDialogs, 200);
    });
    watcher.on('error', (err) => logger.warn({ err: err.message }, 'watching the dialogs directory stopped'));
    closers.push(async () => {
      clearTimeout(pending);
      watcher.close();
    });

    const devEmulator = emulator;
    const server = createServer({
      store,
      action,
      logger,
      adminToken: admin.token,
      trustProxy,
      templates: { installer, onUnexpectedError: (err) => logger.error({ err }, 'template request failed') },
      bot: { bot, auth: botAuth, logger: dialogLogger },
      authLinks: { action, links: runtime.links, logger: dialogLogger, allowedOrigins: env.PUBLIC_BASE_URL ? [env.PUBLIC_BASE_URL] : [] },
      app: {
        publicDir: path.join(packageRoot(), 'public'),
        ...(devEmulator ? { devOutbox: () => devEmulator.outbox() } : {}),
        health: cachedHealth(store, action, healthCacheSeconds * 1000, clock),
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: Error) => reject(new StartupError(`Cannot listen on ${host}:${port} (${err.message}). Set PORT to a free port.`)));
      server.listen(port, host, () => resolve());
    });
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = server.url.replace('[::]', '127.0.0.1');
    if (!publicBaseUrl) publicBaseUrl = url;

    print('');
    print(`Twilio Verify Action is running, using ${twilioMode}.`);
    print(`  Chat:       ${url}/`);
    print(`  Bot:        ${url}/api/messages (Bot Framework${botAuth.MicrosoftAppId ? '' : ', anonymous: loopback only'})`);
    print(`  Admin API:  ${url}/api/admin (Bearer token ${admin.file ? `in ${admin.file}` : 'from ADMIN_TOKEN'})`);
    if (emulator?.url) print(`  Outbox:     ${emulator.url}/emulator/messages (codes "sent" by the emulator; also beside the chat)`);
    print(`  Dialogs:    ${loaded.tasks.map((t) => t.id).join(', ') || 'none'} (from ${dialogsDir})`);
    print('');

    return {
      server,
      store,
      action,
      installer,
      url,
      ...(emulator ? { emulator } : {}),
      ...(admin.file ? { adminTokenFile: admin.file } : {}),
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/**
 * `/healthz` with the Twilio half cached for `ttlMs` (probes every few seconds must not become Twilio traffic); the
 * store is checked on every call, and so is a verdict that did not come from Twilio (it costs nothing and changes,
 * e.g. the countdown of a start check).
 */
function cachedHealth(store: Store, action: IntegrationAction, ttlMs: number, now: () => Date): () => Promise<HealthReport> {
  let twilio: { at: number; check: HealthReport['checks'][string] } | undefined;
  return async () => {
    const at = performance.now();
    if (twilio && at - twilio.at < ttlMs) return health(store, action, now, twilio.check);
    twilio = undefined;
    const report = await health(store, action, now, undefined, (check) => (twilio = { at, check }));
    return report;
  };
}

/** Why `/healthz` does not call Twilio, as a sentence; for a start check, also what users hear meanwhile. */
function unresolvedMessage(resolved: Exclude<ResolvedCredentials, { kind: 'ready' }>, now: () => Date, view?: ActionView): string {
  switch (resolved.kind) {
    case 'needs-user-authorization':
      return `The action is user-authorized (auth profile ${resolved.profile.name}): each user's own credentials are checked when they authorize.`;
    case 'disabled':
      return 'The action is disabled (tva action enable or POST /api/admin/action/enable turns it back on).';
    case 'not-configured': {
      const test = view?.authorization && view.lastTest && !view.lastTest.ok ? view.lastTest : undefined;
      if (test?.code !== undefined) {
        return (
          `The action is not enabled: its last authorization check failed (${describeFailure({ code: test.code, message: test.message ?? '' })}). ` +
          "Users hear that the integration isn't set up yet."
        );
      }
      return 'The action is not configured yet (tva action configure or PUT /api/admin/action/authorization).';
    }
    case 'error':
      return `The action is in error: Twilio answered ${resolved.code}: ${resolved.message}`;
    case 'awaiting-check': {
      const { check } = resolved;
      const users = 'Users hear that the integration is not available yet.';
      const retries = check.attempt - 2;
      const when = retries <= 0 ? 'at start' : `at start nor on ${retries} ${retries === 1 ? 'retry' : 'retries'}`;
      if (check.kind === 'checking') {
        const before = check.lastFailure ? ` (it could not be reached ${when}: ${describeFailure(check.lastFailure)})` : '';
        return `Twilio is being asked to accept the TWILIO_* credentials${before}. ${users}`;
      }
      const seconds = Math.max(0, Math.ceil((check.retryAt.getTime() - now().getTime()) / 1000));
      return `Twilio could not be reached ${when} (${describeFailure(check.lastFailure)}); retrying in ${seconds} s. ${users}`;
    }
  }
}

/**
 * `/healthz`: every table of the store reads back sound, and Twilio (or the emulator) accepts the action's
 * credentials. `onTwilioAnswer` receives a verdict that came from calling Twilio (the one worth caching).
 */
async function health(
  store: Store,
  action: IntegrationAction,
  now: () => Date,
  knownTwilio?: HealthReport['checks'][string],
  onTwilioAnswer?: (check: HealthReport['checks'][string]) => void,
): Promise<HealthReport> {
  const checks: HealthReport['checks'] = {};
  try {
    const storeCheck = await store.check();
    checks.store = storeCheck.ok ? { ok: true } : { ok: false, message: storeCheck.problem };
  } catch {
    checks.store = { ok: false, message: 'The store does not answer.' };
  }
  if (knownTwilio) return { ok: Boolean(checks.store?.ok) && knownTwilio.ok, checks: { ...checks, twilio: knownTwilio } };
  try {
    const resolved = await action.resolveCredentials({ channelId: 'healthz', userId: 'healthz' });
    if (resolved.kind === 'ready') {
      const gateway = createTwilioClient(resolved.credentials, { ...(resolved.baseUrl ? { baseUrl: resolved.baseUrl } : {}), timeoutMs: 5000, maxRetries: 0 });
      try {
        await fetchAccount(gateway, {});
        checks.twilio = { ok: true };
      } catch (err) {
        checks.twilio = { ok: false, message: err instanceof Error ? err.message : 'Twilio does not answer.' };
      }
      onTwilioAnswer?.(checks.twilio);
    } else {
      const view = resolved.kind === 'not-configured' ? await action.status() : undefined;
      checks.twilio = { ok: resolved.kind === 'needs-user-authorization', message: unresolvedMessage(resolved, now, view) };
    }
  } catch (err) {
    checks.twilio = { ok: false, message: err instanceof Error ? err.message : 'Twilio does not answer.' };
  }
  return { ok: Object.values(checks).every((c) => c.ok), checks };
}

if (require.main === module) {
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
