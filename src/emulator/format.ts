/** SIDs, dates and numbers the way Twilio writes them. */
import { randomInt, randomUUID } from 'node:crypto';

/** A Twilio SID: a two-letter prefix and 32 lowercase hex digits. */
export function newSid(prefix: string): string {
  // 32 hex digits from a random UUID (122 random bits): node draws those in batches, where randomBytes(16) asked
  // OpenSSL on every call (5 % of the emulator's CPU under load).
  return prefix + randomUUID().replace(/-/g, '');
}

/** True when `value` is `prefix` + 32 hex digits. */
export function isSid(value: string, prefix: string): boolean {
  return new RegExp(`^${prefix}[0-9a-fA-F]{32}$`).test(value);
}

/** A numeric one-time code of `length` digits (leading zeros allowed, as Twilio's are). */
export function newCode(length: number): string {
  let code = '';
  for (let i = 0; i < length; i += 1) code += String(randomInt(10));
  return code;
}

/** ISO 8601 without milliseconds, as Verify writes dates: `2026-11-22T02:05:36Z`. */
export function isoDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 2822 in GMT, as the 2010 API writes dates: `Sun, 22 Nov 2026 02:05:36 +0000`. */
export function rfc2822Date(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return (
    `${DAYS[date.getUTCDay()] ?? ''}, ${pad(date.getUTCDate())} ${MONTHS[date.getUTCMonth()] ?? ''} ${date.getUTCFullYear()} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

/** E.164: `+`, a non-zero digit, 7 to 15 digits in all. */
export const E164 = /^\+[1-9]\d{6,14}$/;

/** A pragmatic email check (one `@`, a dot in the domain, no spaces). */
export const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const GSM7 =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM7_EXTENDED = '^{}\\[~]|€\f';

/** How Twilio sends a body: the encoding, its length in Unicode code points, and the SMS segments it takes. */
export interface SmsEncoding {
  encoding: 'GSM-7' | 'UCS-2';
  /** Unicode code points, what Twilio's 1600-character limit counts ("😀" is 1). */
  characters: number;
  segments: number;
}

/**
 * Splits `units` (the cost of each character, in septets or UTF-16 code units) into segments of at most `single`
 * units, or `multi` units each once the message is concatenated. A character is never split across two segments
 * (a GSM-7 escape pair, a UTF-16 surrogate pair), which is why a segment may end short of `multi`.
 */
function pack(units: number[], single: number, multi: number): number {
  const total = units.reduce((sum, n) => sum + n, 0);
  if (total <= single) return 1;
  let segments = 1;
  let used = 0;
  for (const n of units) {
    if (used + n > multi) {
      segments += 1;
      used = 0;
    }
    used += n;
  }
  return segments;
}

/**
 * The encoding and segment count Twilio reports (`num_segments`): GSM-7 when every character is in the GSM 03.38
 * basic or extension table (extension characters such as €[]{}^~|\ take two septets), 160 septets in one segment,
 * 153 per segment when concatenated; otherwise UCS-2, 70 UTF-16 code units in one segment, 67 when concatenated.
 */
export function smsEncoding(body: string): SmsEncoding {
  const chars = [...body];
  const septets: number[] = [];
  for (const ch of chars) {
    if (GSM7.includes(ch)) septets.push(1);
    else if (GSM7_EXTENDED.includes(ch)) septets.push(2);
    else break;
  }
  if (septets.length === chars.length) {
    return { encoding: 'GSM-7', characters: chars.length, segments: pack(septets, 160, 153) };
  }
  return { encoding: 'UCS-2', characters: chars.length, segments: pack(chars.map((ch) => ch.length), 70, 67) };
}

/** SMS segments for a body (1 for an empty body, as for a media-only message). */
export function segmentCount(body: string): number {
  return smsEncoding(body).segments;
}

/**
 * A phone number or address for a log line: the last four characters of a number (`…0123`), the domain of an email
 * address (`…@example.com`), as the rest of the project masks them.
 */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at >= 0) return `…${address.slice(at)}`;
  return address.length > 4 ? `…${address.slice(-4)}` : '…';
}

/**
 * Text safe for one log line: C0 and C1 control characters, DEL and the Unicode line and paragraph separators become
 * `\uXXXX`, so a value cannot end the line and forge the next record.
 */
export function escapeControlCharacters(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    const control = code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
    out += control ? `\\u${code.toString(16).padStart(4, '0')}` : ch;
  }
  return out;
}
