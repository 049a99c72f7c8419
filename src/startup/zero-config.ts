/**
 * Which Twilio `npm start` talks to: real Twilio from `TWILIO_*` variables; otherwise (the zero-config start) the
 * embedded emulator, unless an admin configured the action or `EMULATOR=off`; otherwise the admin's configuration.
 */
import type { Logger } from 'pino';
import { ActionError, META_NAMESPACE, type ActionView, type IntegrationAction, type StartCheck, type StartCheckOptions, type StartCheckState } from '../auth';
import { createEmulator, type TwilioEmulator } from '../emulator';
import { describeCheckFailure } from '../server';
import type { Store } from '../store';
import { createService, createTwilioClient, type TwilioCredentials } from '../twilio';
import { StartupError, type Config } from './config';

/** The sender configured against the emulator: Twilio's magic "valid From" test number. */
const EMULATOR_SENDER = '+15005550006';
/** Where the zero-config start remembers that it, not an admin, configured the action. */
const DEV_EMULATOR_KEY = 'dev-emulator';
const ACTOR = 'npm-start';

export interface TwilioChoiceOptions {
  config: Config;
  action: IntegrationAction;
  store: Store;
  logger: Logger;
  /** Where the emulator prints each delivery (dev mode). */
  print: (line: string) => void;
  /** An emulator already listening (tests); otherwise one is started when the environment has no Twilio credentials. */
  emulator?: TwilioEmulator;
  /** The waits and the clock of the background check of TWILIO_* credentials (tests). */
  startCheck?: Pick<StartCheckOptions, 'sleep' | 'now'>;
  /** Receives what must be stopped at shutdown (the emulator started here, the background check). */
  onClose: (close: () => Promise<void>) => void;
}

export interface TwilioChoice {
  /** For the banner: "using …". */
  mode: string;
  /** The embedded emulator (dev mode), if one runs. */
  emulator?: TwilioEmulator;
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
          `Twilio rejected the TWILIO_* credentials (${describeCheckFailure(state.failure)}); the action stays not enabled. Correct TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or the API key) and restart.`,
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
  twilio: NonNullable<Config['twilio']>,
  logger: Logger,
  checkOptions: Pick<StartCheckOptions, 'sleep' | 'now'>,
): Promise<StartCheck | undefined> {
  const { credentials, baseUrl } = twilio;
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
  if (twilio.verifyServiceSid) config.verifyServiceSid = twilio.verifyServiceSid;
  if (twilio.sender) config.sender = twilio.sender;
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

/** Starts the embedded emulator (dev mode: every SMS and code it "delivers" is printed for the developer to read). */
async function startEmulator(port: number, print: (line: string) => void): Promise<TwilioEmulator> {
  const emulator = createEmulator({ dev: true, log: print });
  await emulator.listen(port, '127.0.0.1').catch((err: unknown) => {
    const reason = err instanceof Error ? err.message : String(err);
    throw new StartupError(`The Twilio emulator cannot listen on 127.0.0.1:${port} (${reason}). Set EMULATOR_PORT to a free port.`);
  });
  return emulator;
}

/** Configures the action for real Twilio, the embedded emulator, or leaves the admin's configuration alone. */
export async function chooseTwilio(options: TwilioChoiceOptions): Promise<TwilioChoice> {
  const { config, action, store } = options;
  if (config.twilio) {
    const check = await configureFromEnv(action, config.twilio, options.logger, options.startCheck ?? {});
    if (check) options.onClose(() => check.stop());
    const pending = check?.pending();
    return {
      mode:
        `${config.twilio.baseUrl ? 'Twilio' : 'real Twilio'} (account ${config.twilio.credentials.accountSid}) from TWILIO_* variables` +
        // A base URL sends every request elsewhere (an emulator, a proxy, a region): the banner says where.
        (config.twilio.baseUrl ? `, requests to ${config.twilio.baseUrl}` : '') +
        (pending?.lastFailure ? `, not reachable yet (${describeCheckFailure(pending.lastFailure)}): retrying in the background` : ''),
    };
  }
  let emulator = options.emulator;
  if (!emulator && (config.emulator.mode === 'off' || !(await emulatorMayConfigure(action, store)))) {
    return { mode: 'the configuration stored by an admin' };
  }
  if (!emulator) {
    const started = await startEmulator(config.emulator.port, options.print);
    options.onClose(() => started.close());
    emulator = started;
  }
  const url = emulator.url;
  if (!url) throw new StartupError('The injected emulator is not listening.');
  await configureForEmulator(action, store, emulator, url);
  return { mode: `the local Twilio emulator at ${url} (no TWILIO_* credentials set)`, emulator };
}
