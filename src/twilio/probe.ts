import type { TwilioGateway } from './client';
import { toTwilioActionError } from './errors';
import { fetchAccount, type TwilioAccount } from './operations/fetchAccount';

/** The authorization check as a value: admins' "Test" shows Twilio's code and message instead of catching. */
export type CredentialProbe =
  | { ok: true; account: TwilioAccount }
  | { ok: false; code: number | string; status: number; message: string; userMessage: string };

/** Runs fetchAccount and reports the outcome; never throws. */
export async function probeCredentials(gw: TwilioGateway): Promise<CredentialProbe> {
  try {
    return { ok: true, account: await fetchAccount(gw) };
  } catch (error) {
    const mapped = toTwilioActionError(error);
    return { ok: false, code: mapped.code, status: mapped.status, message: mapped.twilioMessage, userMessage: mapped.userMessage };
  }
}
