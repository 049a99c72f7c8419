import type { TwilioGateway } from './client';
import { toTwilioActionError } from './errors';
import { fetchAccount, type TwilioAccount } from './operations/fetchAccount';

/**
 * The one result type of an authorization check, whoever runs it (the gateway's probe, an auth profile's check URL,
 * `/healthz`): `{ ok: true }`, or the code and message (a string code when Twilio did not answer). A check returns
 * it and never throws.
 */
/**
 * A check's outcome; a pass may say what was checked, in a sentence for the admin, and what the admin should know
 * although it passed (`warning`: a trial account).
 */
export type CredentialCheckResult = { ok: true; checked?: string; warning?: string } | CredentialCheckFailure;

/** What a pass on a trial account (the Accounts resource's `type: Trial`) warns about. */
export const TRIAL_ACCOUNT_WARNING =
  'This is a Twilio trial account: it can only text and call verified numbers (others get error 21608). Verify the numbers in the Twilio Console, or upgrade the account.';

export interface CredentialCheckFailure {
  ok: false;
  code: number | string;
  message: string;
}

/** The gateway's probe: the check's result, with the account on success and the HTTP status and a sentence for users on failure. */
export type CredentialProbe =
  | { ok: true; account: TwilioAccount }
  | (CredentialCheckFailure & { status: number; userMessage: string });

/** Runs fetchAccount and reports the outcome; never throws. */
export async function probeCredentials(gw: TwilioGateway): Promise<CredentialProbe> {
  try {
    return { ok: true, account: await fetchAccount(gw) };
  } catch (error) {
    const mapped = toTwilioActionError(error);
    return { ok: false, code: mapped.code, status: mapped.status, message: mapped.twilioMessage, userMessage: mapped.userMessage };
  }
}
