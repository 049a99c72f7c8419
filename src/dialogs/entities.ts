/**
 * Entity recognizers: turn what a user typed into a typed value, or say in one sentence what was wrong.
 */
import { parsePhoneNumberFromString, validatePhoneNumberLength, type CountryCode } from 'libphonenumber-js';
import { readPhone } from '../twilio';
import type { EntityNode } from './schema';

export type EntityValue = string | number | boolean;
/**
 * A reply read as an entity, or why not. `generic` marks a reason that only restates what the question expects
 * ("Please answer yes or no."): a node's own error prompt already says that, so it is not repeated after it.
 */
export type Recognition = { ok: true; value: EntityValue } | { ok: false; reason: string; generic?: true };

/** The part of an entity node that decides how a reply is read. */
export type EntitySpec = Pick<EntityNode, 'entityType' | 'minLength' | 'maxLength' | 'values' | 'min' | 'max'>;

export interface RecognizeOptions {
  /** Region for numbers typed without a country code (e.g. `US`); without it a number needs its `+` prefix. */
  defaultRegion?: CountryCode;
}

const DEFAULT_TEXT_MAX = 1600;
const DEFAULT_DIGITS_MIN = 1;
const DEFAULT_DIGITS_MAX = 100;

/** Lower case, single spaces, no trailing punctuation: how words are compared. */
export function normalizeWords(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[.!?,;:]+$/u, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A phone number in E.164, read by libphonenumber-js ("+1 (415) 555-0123" -> "+14155550123"). */
export function recognizePhone(text: string, defaultRegion?: CountryCode): Recognition {
  // "00", the international call prefix of most of the world, written instead of "+" ("00 44 20 7946 0958").
  const input = text.trim().replace(/^00[\s.-]*(?=[1-9])/, '+');
  if (!/\d/.test(input)) return { ok: false, reason: 'There is no phone number in that.', generic: true };
  // The usual answer, a valid number, is read once; anything else goes through the checks below for its reason.
  const quick = input.length > 40 ? undefined : readPhone(input, defaultRegion);
  if (quick && !quick.ext && quick.valid) return { ok: true, value: quick.number };
  const lengthProblem = validatePhoneNumberLength(input, defaultRegion);
  switch (lengthProblem) {
    case 'INVALID_COUNTRY':
      return { ok: false, reason: 'Start the number with + and its country code.', generic: true };
    case 'TOO_SHORT':
      return { ok: false, reason: 'That number is too short.' };
    case 'TOO_LONG':
      return { ok: false, reason: 'That number is too long.' };
    case 'NOT_A_NUMBER':
      return { ok: false, reason: "That isn't a phone number.", generic: true };
    case 'INVALID_LENGTH':
      return { ok: false, reason: 'That number has the wrong number of digits for its country.' };
    default:
      break;
  }
  const phone = parsePhoneNumberFromString(input, defaultRegion);
  if (!phone) return { ok: false, reason: "That isn't a phone number.", generic: true };
  // libphonenumber keeps "ext. 5" aside; the number alone would reach someone else's desk.
  if (phone.ext) {
    return { ok: false, reason: `That number has an extension (ext. ${phone.ext}); a text message can't reach an extension, so give a number without one.` };
  }
  if (!phone.isValid()) return { ok: false, reason: "That number doesn't exist in its country's numbering plan." };
  return { ok: true, value: phone.number };
}

const EMAIL = /^[^\s@]{1,64}@[^\s@.]+(?:\.[^\s@.]+)+$/;

/** An email address: one `@`, a dotted domain, no spaces, at most 254 characters. */
export function recognizeEmail(text: string): Recognition {
  const input = text.trim();
  if (input.length <= 254 && EMAIL.test(input)) return { ok: true, value: input };
  return { ok: false, reason: "That isn't an email address (expected something like name@example.com).", generic: true };
}

function rangeText(min: number, max: number, unit: string): string {
  return min === max ? `${min} ${unit}` : `${min} to ${max} ${unit}`;
}

/** Digits only (a code, a PIN): spaces and dashes are ignored, the length is bounded. Kept as a string. */
export function recognizeDigits(text: string, minLength = DEFAULT_DIGITS_MIN, maxLength = DEFAULT_DIGITS_MAX): Recognition {
  const digits = text.replace(/[\s-]+/g, '');
  if (digits === '') return { ok: false, reason: "I didn't get any digits.", generic: true };
  if (!/^\d+$/.test(digits)) return { ok: false, reason: 'Use digits only.', generic: true };
  if (digits.length < minLength || digits.length > maxLength) {
    return { ok: false, reason: `I need ${rangeText(minLength, maxLength, 'digits')}; that was ${digits.length}.` };
  }
  return { ok: true, value: digits };
}

/** Characters as people (and Twilio's 1600-character limit) count them: Unicode code points, "😀" is one. */
function characterCount(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

/** The first C0 control character other than tab, line feed and carriage return (a NUL, an escape), as `U+0000`. */
function controlCharacter(text: string): string | undefined {
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (code < 0x20 && ch !== '\n' && ch !== '\r' && ch !== '\t') return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return undefined;
}

/** Free text, trimmed, `minLength` to `maxLength` characters (code points), without invisible control characters. */
export function recognizeText(text: string, minLength = 1, maxLength = DEFAULT_TEXT_MAX): Recognition {
  const value = text.trim();
  if (value === '') return { ok: false, reason: "That's empty: I didn't get any text." };
  const control = controlCharacter(value);
  if (control !== undefined) {
    return { ok: false, reason: `That has an invisible control character (${control}) that can't be sent; remove it and try again.` };
  }
  const length = characterCount(value);
  if (length < minLength) return { ok: false, reason: `That's too short: at least ${minLength} characters.` };
  if (length > maxLength) {
    return { ok: false, reason: `That's ${length} characters; the limit is ${maxLength}.` };
  }
  return { ok: true, value };
}

/** One of a list of values, by value or synonym, case-insensitive. Returns the canonical value. */
export function recognizeEnum(text: string, values: NonNullable<EntityNode['values']>): Recognition {
  const said = normalizeWords(text);
  for (const entry of values) {
    if ([entry.value, ...(entry.synonyms ?? [])].some((word) => normalizeWords(word) === said)) {
      return { ok: true, value: entry.value };
    }
  }
  return { ok: false, reason: `Pick one of: ${values.map((entry) => entry.value).join(', ')}.`, generic: true };
}

/** A number ("12", "-3.5", "1,000"), optionally bounded. */
export function recognizeNumber(text: string, min?: number, max?: number): Recognition {
  let input = text.trim().replace(/\s+/g, '');
  if (/^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$/.test(input)) input = input.replace(/,/g, '');
  if (!/^[-+]?(\d+(\.\d*)?|\.\d+)$/.test(input)) return { ok: false, reason: "That isn't a number.", generic: true };
  const value = Number(input);
  if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
    const bounds =
      min !== undefined && max !== undefined
        ? `from ${min} to ${max}`
        : min !== undefined
          ? `of at least ${min}`
          : `of at most ${String(max)}`;
    return { ok: false, reason: `Pick a number ${bounds}.` };
  }
  return { ok: true, value };
}

const YES: ReadonlySet<string> = new Set([
  'yes', 'y', 'yeah', 'yep', 'yup', 'sure', 'ok', 'okay', 'correct', 'right', 'true', 'affirmative', 'of course',
  'yes please', 'please do', 'go ahead', 'do it',
]);
const NO: ReadonlySet<string> = new Set([
  'no', 'n', 'nope', 'nah', 'no thanks', 'no thank you', 'false', 'negative', 'not now', "don't", 'do not',
]);

/** Yes or no, as a boolean. */
export function recognizeYesNo(text: string): Recognition {
  const said = normalizeWords(text);
  if (YES.has(said)) return { ok: true, value: true };
  if (NO.has(said)) return { ok: true, value: false };
  return { ok: false, reason: 'Please answer yes or no.', generic: true };
}

/** Reads a reply as the entity type of a node. */
export function recognizeEntity(spec: EntitySpec, text: string, options: RecognizeOptions = {}): Recognition {
  switch (spec.entityType) {
    case 'phone':
      return recognizePhone(text, options.defaultRegion);
    case 'email':
      return recognizeEmail(text);
    case 'digits':
      return recognizeDigits(text, spec.minLength, spec.maxLength);
    case 'text':
      return recognizeText(text, spec.minLength, spec.maxLength);
    case 'enum':
      return spec.values ? recognizeEnum(text, spec.values) : { ok: false, reason: 'This question has no choices.' };
    case 'number':
      return recognizeNumber(text, spec.min, spec.max);
    case 'yesno':
      return recognizeYesNo(text);
  }
}

/** A generated explanation of what an entity node expects, for "help" when the node has none. */
export function describeEntity(spec: EntitySpec): string {
  switch (spec.entityType) {
    case 'phone':
      return 'I need a phone number with its country code, for example +14155550123.';
    case 'email':
      return 'I need an email address, for example name@example.com.';
    case 'digits':
      return `I need ${rangeText(spec.minLength ?? DEFAULT_DIGITS_MIN, spec.maxLength ?? DEFAULT_DIGITS_MAX, 'digits')}; spaces and dashes are fine.`;
    case 'text':
      return `Type your answer as text (up to ${spec.maxLength ?? DEFAULT_TEXT_MAX} characters).`;
    case 'enum':
      return `Choose one of: ${(spec.values ?? []).map((entry) => entry.value).join(', ')}.`;
    case 'number': {
      if (spec.min !== undefined && spec.max !== undefined) return `I need a number from ${spec.min} to ${spec.max}.`;
      if (spec.min !== undefined) return `I need a number of at least ${spec.min}.`;
      if (spec.max !== undefined) return `I need a number of at most ${spec.max}.`;
      return 'I need a number.';
    }
    case 'yesno':
      return 'Answer yes or no.';
  }
}
