/**
 * The languages Twilio Verify writes its default code message in, and how a user's language tag maps to one.
 *
 * Source: https://www.twilio.com/docs/verify/supported-languages. Without a `Locale`, Verify picks the language
 * from the phone number's country code (SMS, call, WhatsApp), with English when it has no translation; a `Locale`
 * overrides that, and "if an unsupported override locale is given, a 404 error will be returned", Twilio
 * recommending a retry without the locale. So the action never sends a locale Twilio does not list: it maps the
 * user's tag to a listed one, or leaves `Locale` out and lets Twilio pick by country.
 */

/** Twilio's `Locale` values for the Verify default template, spelled as Twilio lists them. */
export const VERIFY_LOCALES = [
  'af', 'ar', 'ca', 'cs', 'da', 'de', 'el', 'en', 'en-GB', 'es', 'et', 'fi', 'fr', 'he', 'hi', 'hr', 'hu', 'id',
  'it', 'ja', 'kn', 'ko', 'lt', 'mr', 'ms', 'nb', 'nl', 'pl', 'pt', 'pt-BR', 'ro', 'ru', 'sk', 'sv', 'te', 'th',
  'tl', 'tr', 'uk', 'vi', 'zh', 'zh-CN', 'zh-HK',
] as const;
export type VerifyLocale = (typeof VERIFY_LOCALES)[number];

const BY_LOWER_CASE: ReadonlyMap<string, VerifyLocale> = new Map(VERIFY_LOCALES.map((l) => [l.toLowerCase(), l]));

/** Older or alternative language codes devices still send, as the code Twilio lists. */
const LANGUAGE_ALIASES: Readonly<Record<string, string>> = { no: 'nb', nn: 'nb', iw: 'he', in: 'id', fil: 'tl' };

/** Twilio's spelling of a listed locale, matched without regard to case ("pt-br" -> "pt-BR"); else undefined. */
export function listedVerifyLocale(value: string): VerifyLocale | undefined {
  return BY_LOWER_CASE.get(value.toLowerCase());
}

/**
 * The Verify `Locale` for a user's BCP 47 language tag (e.g. a chat activity's `locale`), or null when Twilio lists
 * none for it: the tag itself when listed ("en-GB", "pt-BR", "zh-HK"), else its language ("en-US" -> "en",
 * "es-MX" -> "es", "pt-PT" -> "pt"; Chinese by script: "zh-TW" and "zh-Hant-TW" -> "zh-HK", Twilio's Traditional
 * Chinese), else null ("xx", "tlh", malformed input), so the caller
 * leaves `Locale` out and Twilio picks the language from the phone number's country. Underscores count as hyphens
 * ("pt_BR").
 */
export function verifyLocaleFor(tag: unknown): VerifyLocale | null {
  if (typeof tag !== 'string' || tag.length > 64) return null;
  const parts = tag.trim().replace(/_/g, '-').split('-');
  const first = parts[0]?.toLowerCase() ?? '';
  if (!/^[a-z]{2,3}$/.test(first)) return null;
  const language = LANGUAGE_ALIASES[first] ?? first;
  // The region is the first 2-letter subtag after the language, past an optional 4-letter script ("zh-Hant-TW").
  const region = parts.slice(1).find((part) => /^[A-Za-z]{2}$/.test(part));
  if (language === 'zh') return chineseLocale(parts.slice(1).find((part) => /^[A-Za-z]{4}$/.test(part)), region);
  return (region === undefined ? undefined : listedVerifyLocale(`${language}-${region}`)) ?? listedVerifyLocale(language) ?? null;
}

/**
 * Chinese by script: Twilio lists zh and zh-CN (Simplified) and zh-HK (Traditional). Traditional is the script of
 * zh-Hant and, without a script subtag, of Taiwan, Hong Kong and Macao; everything else reads Simplified.
 */
function chineseLocale(script: string | undefined, region: string | undefined): VerifyLocale {
  const traditional = script === undefined ? ['TW', 'HK', 'MO'].includes(region?.toUpperCase() ?? '') : script.toLowerCase() === 'hant';
  if (traditional) return 'zh-HK';
  return region?.toUpperCase() === 'CN' ? 'zh-CN' : 'zh';
}
