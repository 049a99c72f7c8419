import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { BoundedMap } from '../bounded-map';
import { TwilioActionError } from './errors';

export type { CountryCode };

/** What a number read by libphonenumber-js gives: E.164, extension, whether it is valid in its country's plan. */
export interface ReadPhone {
  number: string;
  ext: string | undefined;
  valid: boolean;
}

/** Numbers read lately: the sender's on every send, a user's again when the dialog's operation checks it. */
const MAX_READ_PHONES = 512;
const readPhones = new BoundedMap<string, ReadPhone | null>(MAX_READ_PHONES);

/**
 * `parsePhoneNumberFromString` and `isValid()`, remembered for the last numbers read (each reading builds the
 * country's numbering plan anew: libphonenumber-js was 3 % of a turn's CPU, the same numbers read several times).
 */
export function readPhone(text: string, defaultRegion?: CountryCode): ReadPhone | undefined {
  const key = phoneKey(text, defaultRegion);
  const known = readPhones.get(key);
  if (known !== undefined) return known ?? undefined;
  const parsed = parsePhoneNumberFromString(text, defaultRegion);
  const read = parsed ? { number: parsed.number, ext: parsed.ext, valid: parsed.isValid() } : null;
  readPhones.set(key, read);
  return read ?? undefined;
}

/**
 * A number written with + and its country code reads the same whatever the default region (libphonenumber-js uses
 * the region only for national numbers): one key for it.
 */
function phoneKey(text: string, defaultRegion: CountryCode | undefined): string {
  return text.startsWith('+') ? text : `${defaultRegion ?? ''} ${text}`;
}

export const E164_HINT = 'Use E.164, e.g. +14155550123';

/**
 * Validates a phone number as people type it ("+1 (415) 555-0123", or "(415) 555-0123" with a default region) and
 * returns it in E.164 (`+14155550123`). Throws TwilioActionError 'invalid_input' naming `param` (Twilio's spelling).
 */
export function normalizePhoneNumber(text: string, defaultRegion?: CountryCode, param = 'To'): string {
  const trimmed = typeof text === 'string' ? text.trim().replace(/^tel:/i, '') : '';
  const parsed = trimmed === '' || trimmed.length > 40 ? undefined : readPhone(trimmed, defaultRegion);
  if (!parsed || !parsed.valid) {
    const hint = trimmed.startsWith('+') || defaultRegion ? E164_HINT : `${E164_HINT} (with the + and country code)`;
    const message = `Invalid parameter: ${param}. ${hint}`;
    throw new TwilioActionError({ code: 'invalid_input', status: 0, param, twilioMessage: message, problems: [message] });
  }
  if (parsed.ext !== undefined && parsed.ext !== '') {
    // libphonenumber keeps the extension apart and parsed.number drops it: say so instead of texting the main line.
    const message = `Invalid parameter: ${param}. Texts and codes cannot reach an extension (ext. ${parsed.ext}): give the number without it`;
    throw new TwilioActionError({ code: 'invalid_input', status: 0, param, twilioMessage: message, problems: [message] });
  }
  return parsed.number;
}

/** Dot-atom local part, host names of letters, digits and hyphens, at least one dot in the domain. */
const EMAIL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

/** True for an address Twilio Verify's email channel can send to (a practical subset of RFC 5322). */
export function isValidEmail(text: string): boolean {
  if (typeof text !== 'string' || text.length > 254) return false;
  const at = text.lastIndexOf('@');
  return at > 0 && at <= 64 && EMAIL.test(text);
}
