/**
 * Magic phone numbers that make the emulator answer with an error, as Twilio's test credentials do.
 *
 * Messages (Twilio's own test numbers, https://www.twilio.com/docs/iam/test-credentials):
 *   From +15005550006 passes (any other valid From passes too: the emulator owns every number);
 *   To   +15005550001 -> 21211, +15005550002 -> 21612, +15005550003 -> 21408, +15005550004 -> 21610, +15005550009 -> 21614;
 *   From +15005550001 -> 21212, +15005550007 -> 21606, +15005550008 -> 21611.
 *
 * Emulator-only (Twilio has no test numbers for these):
 *   To +15005550013 -> 21608 (unverified number on a trial account) for Messages and Verify;
 *   Verify To +15005550001 -> 60200 Invalid parameter: To, +15005550004 -> 21610 (unsubscribed, sms/whatsapp),
 *   +15005550010 -> 60205 (landline: SMS/WhatsApp refused when the service skips SMS to landlines; `call` works), +15005550011 -> 60410 (fraud block),
 *   +15005550012 -> 60605 (geo permissions block).
 */
import { TwilioError } from './errors';
import type { VerificationChannel } from './state';

type Rule = (number: string) => TwilioError;

const rule =
  (status: number, code: number, message: (n: string) => string): Rule =>
  (n) =>
    new TwilioError(status, code, message(n));

/** 21608: a trial account sending to a number it has not verified. */
export const unverified = rule(
  400,
  21608,
  (n) =>
    `The number ${n} is unverified. Trial accounts cannot send messages to unverified numbers; verify ${n} at twilio.com/user/account/phone-numbers/verified, or purchase a Twilio number to send messages to unverified numbers.`,
);
const unsubscribed = rule(400, 21610, () => 'Attempt to send to unsubscribed recipient');

export const MESSAGES_MAGIC_TO: Readonly<Record<string, Rule>> = {
  '+15005550001': rule(400, 21211, (n) => `The 'To' number ${n} is not a valid phone number.`),
  '+15005550002': rule(400, 21612, (n) => `The 'To' phone number: ${n}, is not currently reachable via SMS.`),
  '+15005550003': rule(
    400,
    21408,
    (n) => `Permission to send an SMS has not been enabled for the region indicated by the 'To' number: ${n}.`,
  ),
  '+15005550004': unsubscribed,
  '+15005550009': rule(400, 21614, (n) => `'To' number ${n} is not a valid mobile number`),
  '+15005550013': unverified,
};

export const MESSAGES_MAGIC_FROM: Readonly<Record<string, Rule>> = {
  '+15005550001': rule(
    400,
    21212,
    (n) => `The 'From' number ${n} is not a valid phone number, shortcode, or alphanumeric sender ID.`,
  ),
  '+15005550007': rule(
    400,
    21606,
    (n) => `The 'From' phone number provided (${n}) is not a valid message-capable Twilio phone number for this destination.`,
  ),
  '+15005550008': rule(400, 21611, () => "This 'From' number has exceeded the maximum number of queued messages"),
};

/** A landline: SMS and WhatsApp are refused (60205) by a service that skips SMS to landlines. */
const LANDLINE = '+15005550010';

const VERIFY_MAGIC_TO: Readonly<Record<string, { channels: readonly VerificationChannel[] | 'all'; rule: Rule }>> = {
  '+15005550001': { channels: 'all', rule: rule(400, 60200, () => 'Invalid parameter: To') },
  '+15005550004': { channels: ['sms', 'whatsapp'], rule: unsubscribed },
  '+15005550010': {
    channels: ['sms', 'whatsapp'],
    rule: rule(400, 60205, () => 'SMS is not supported by landline phone number'),
  },
  '+15005550011': { channels: 'all', rule: rule(403, 60410, () => 'Verification delivery attempt blocked') },
  '+15005550012': {
    channels: 'all',
    rule: rule(403, 60605, () => 'Verification delivery attempt blocked: geo permissions do not allow this destination'),
  },
  '+15005550013': { channels: 'all', rule: unverified },
};

/**
 * The error a Verify send to `to` on `channel` must fail with, if `to` is a magic number. The landline's 60205 comes
 * from the service's SkipSmsToLandlines: without it Twilio attempts the SMS (which never arrives).
 */
export function verifyMagicError(to: string, channel: VerificationChannel, skipSmsToLandlines: boolean): TwilioError | undefined {
  const entry = VERIFY_MAGIC_TO[to];
  if (!entry) return undefined;
  if (to === LANDLINE && !skipSmsToLandlines) return undefined;
  if (entry.channels !== 'all' && !entry.channels.includes(channel)) return undefined;
  return entry.rule(to);
}

/** A summary for `GET /emulator`. */
export const MAGIC_NUMBERS_SUMMARY = {
  messages: {
    to: { '+15005550001': 21211, '+15005550002': 21612, '+15005550003': 21408, '+15005550004': 21610, '+15005550009': 21614, '+15005550013': 21608 },
    from: { '+15005550006': 'passes', '+15005550001': 21212, '+15005550007': 21606, '+15005550008': 21611 },
  },
  verify: {
    to: { '+15005550001': 60200, '+15005550004': 21610, '+15005550010': 60205, '+15005550011': 60410, '+15005550012': 60605, '+15005550013': 21608 },
  },
} as const;
