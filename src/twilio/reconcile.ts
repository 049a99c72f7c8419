/**
 * Did Twilio perform a send whose reply we never got? After a timeout, a lost connection, or a crash between
 * Twilio's acceptance and our commit, sending again could text the user twice. These read Twilio instead:
 * - an SMS: the account's Messages to that number, newest first, for one with the same body created since the
 *   attempt began;
 * - a verification: Verify's Verification Attempts for the service and number since then, and the verification
 *   that attempt belongs to; in the message-templates mode (no Verify Service), the runtime's own reconciler
 *   (`reconcileLocalStartsWith`: the code store, then the Messages to that number).
 * They answer `performed` with the operation's usual output, or `not-performed`; a failure to ask throws
 * TwilioActionError (and the caller must then say that it cannot know).
 */
import type { TwilioGateway } from './client';
import { toTwilioActionError, TwilioActionError } from './errors';
import { fetchVerification } from './operations/fetchVerification';
import { smsMessageSchema, toSmsMessage } from './operations/sendSms';
import { normalizePhoneNumber } from './phone';
import type { OperationName } from './registry';
import { isVerifyServiceSid, type Verification } from './schemas';
import { lazyValidator } from './validation';

export type Reconciliation = { kind: 'performed'; result: unknown } | { kind: 'not-performed' };

export type Reconciler = (gw: TwilioGateway, input: Readonly<Record<string, unknown>>, since: Date) => Promise<Reconciliation>;

/** Clocks differ: look a little further back than the attempt's own start. */
export const RECONCILE_SKEW_MS = 60_000;
const LOOK_AT = 20;

const validSms = lazyValidator(smsMessageSchema);

function text(input: Readonly<Record<string, unknown>>, name: string): string {
  const value = input[name];
  return typeof value === 'string' ? value : '';
}

const findSms: Reconciler = async (gw, input, since) => {
  const to = normalizePhoneNumber(text(input, 'to'), gw.options.defaultRegion, 'To');
  const body = text(input, 'body');
  const after = since.getTime() - RECONCILE_SKEW_MS;
  const messages = await gw.client.api.v2010.accounts(gw.accountSid).messages.list({ to, limit: LOOK_AT });
  const match = messages.find((m) => m.body === body && m.dateCreated instanceof Date && m.dateCreated.getTime() >= after);
  if (match === undefined) return { kind: 'not-performed' };
  const result = toSmsMessage(match);
  if (!validSms()(result)) {
    throw new TwilioActionError({ code: 'malformed_response', status: 0, twilioMessage: "A message in Twilio's list does not have the expected shape" });
  }
  return { kind: 'performed', result };
};

/**
 * Starts that did not go to Verify (the message-templates mode: no VA… Service SID in the input) are answered by
 * the runtime that ran them, registered per gateway: it reads its own store and the account's Messages.
 */
const localStarts = new WeakMap<TwilioGateway, Reconciler>();

/** Registers how starts without a Verify Service, run over `gw`, are reconciled. */
export function reconcileLocalStartsWith(gw: TwilioGateway, reconciler: Reconciler): void {
  localStarts.set(gw, reconciler);
}

const findVerification: Reconciler = async (gw, input, since) => {
  const serviceSid = text(input, 'serviceSid');
  const local = localStarts.get(gw);
  if (local !== undefined && !isVerifyServiceSid(serviceSid)) return local(gw, input, since);
  const raw = text(input, 'to');
  const to = raw.includes('@') ? raw.trim() : normalizePhoneNumber(raw, gw.options.defaultRegion, 'To');
  const attempts = await gw.client.verify.v2.verificationAttempts.list({
    verifyServiceSid: serviceSid,
    'channelData.to': to,
    dateCreatedAfter: new Date(since.getTime() - RECONCILE_SKEW_MS),
    limit: LOOK_AT,
  });
  for (const attempt of attempts) {
    let verification: Verification;
    try {
      verification = await fetchVerification(gw, { serviceSid, verificationSid: attempt.verificationSid });
    } catch (err) {
      // Ended since (approved, expired, canceled): that code no longer counts.
      if (err instanceof TwilioActionError && err.code === 20404) continue;
      throw err;
    }
    if (verification.status === 'pending') return { kind: 'performed', result: verification };
  }
  return { kind: 'not-performed' };
};

/** The operations that send something to a person, each with the way to find out whether it already did. */
export const SEND_RECONCILERS: Readonly<Partial<Record<OperationName, Reconciler>>> = {
  sendSms: findSms,
  startVerification: findVerification,
};

/** True for operations that text, call or e-mail someone: they run at most once per intent. */
export function sendsToPerson(operation: string): boolean {
  return Object.hasOwn(SEND_RECONCILERS, operation);
}

/** Asks Twilio whether `operation` with `input` was performed since `since`. Throws TwilioActionError. */
export async function reconcileSend(gw: TwilioGateway, operation: string, input: Readonly<Record<string, unknown>>, since: Date): Promise<Reconciliation> {
  const reconciler = Object.hasOwn(SEND_RECONCILERS, operation) ? SEND_RECONCILERS[operation as OperationName] : undefined;
  if (reconciler === undefined) return { kind: 'not-performed' };
  try {
    return await reconciler(gw, input, since);
  } catch (err) {
    throw toTwilioActionError(err);
  }
}

/**
 * A failure after which the request may still have been performed: no reply (timeout, connection reset), a 5xx,
 * or a reply we could not read. Twilio's own refusals (4xx) and refusals before sending are certain.
 */
export function outcomeUncertain(err: unknown): boolean {
  if (!(err instanceof TwilioActionError)) return true;
  if (err.code === 'budget_exhausted' || err.code === 'invalid_input' || err.code === 'invalid_base_url' || err.code === 'connection_refused') return false;
  if (typeof err.code === 'string') return true;
  return err.status >= 500 || err.status === 0;
}
