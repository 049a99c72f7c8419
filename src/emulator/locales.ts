/**
 * The language of a verification code message, chosen the way Twilio documents it
 * (https://www.twilio.com/docs/verify/supported-languages):
 * - a `Locale` Twilio does not list answers 404, and nothing is sent;
 * - a listed `Locale` picks the language; one the emulator has no text for falls back to English, as Twilio does
 *   when a template has no translation (warning 60325);
 * - without a `Locale`, the phone number's country picks it (SMS, call, WhatsApp), English otherwise;
 * - e-mail is never translated ("Verify Email and SNA channels don't support language translations").
 * The code always follows a colon, in every language, so a reader of the outbox finds it the same way.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { VerifyLocale } from '../twilio';
import type { VerificationChannel } from './state';

/** The languages the emulator writes code messages in. */
export const MESSAGE_LANGUAGES = ['en', 'es', 'fr', 'de', 'pt', 'ja'] as const;
export type MessageLanguage = (typeof MESSAGE_LANGUAGES)[number];

interface CodeMessageParts {
  name: string;
  code: string;
  payment: { amount: string; payee: string } | null;
  doNotShare: boolean;
}

/** Each language's message: the code after a colon, then the PSD2 amount and payee, then the do-not-share warning. */
const WRITERS: Readonly<Record<MessageLanguage, (m: CodeMessageParts) => string>> = {
  en: (m) =>
    `Your ${m.name} verification code is: ${m.code}` +
    (m.payment ? ` to pay ${m.payment.amount} to ${m.payment.payee}` : '') +
    (m.doNotShare ? ". Don't share this code with anyone; our employees will never ask for the code" : ''),
  es: (m) =>
    `Tu código de verificación de ${m.name} es: ${m.code}` +
    (m.payment ? ` para pagar ${m.payment.amount} a ${m.payment.payee}` : '') +
    (m.doNotShare ? '. No compartas este código con nadie; nuestros empleados nunca te lo pedirán' : ''),
  fr: (m) =>
    `Votre code de vérification ${m.name} est : ${m.code}` +
    (m.payment ? ` pour payer ${m.payment.amount} à ${m.payment.payee}` : '') +
    (m.doNotShare ? '. Ne partagez ce code avec personne ; nos employés ne vous le demanderont jamais' : ''),
  de: (m) =>
    `Ihr ${m.name} Bestätigungscode lautet: ${m.code}` +
    (m.payment ? ` für die Zahlung von ${m.payment.amount} an ${m.payment.payee}` : '') +
    (m.doNotShare ? '. Geben Sie diesen Code an niemanden weiter; unsere Mitarbeiter werden nie danach fragen' : ''),
  pt: (m) =>
    `Seu código de verificação ${m.name} é: ${m.code}` +
    (m.payment ? ` para pagar ${m.payment.amount} a ${m.payment.payee}` : '') +
    (m.doNotShare ? '. Não compartilhe este código com ninguém; nossos funcionários nunca pedirão o código' : ''),
  ja: (m) =>
    `${m.name}の認証コード: ${m.code}` +
    (m.payment ? `（${m.payment.payee}への${m.payment.amount}のお支払い）` : '') +
    (m.doNotShare ? '。このコードは誰にも教えないでください。当社の従業員がコードを尋ねることはありません' : ''),
};

/**
 * Countries whose numbers get one of the emulator's languages when no `Locale` is given: the part of Twilio's
 * country-to-language table (linked from the supported-languages page) those languages cover.
 */
const COUNTRY_LANGUAGES: Readonly<Record<string, MessageLanguage>> = {
  ES: 'es', MX: 'es', AR: 'es', CO: 'es', CL: 'es', PE: 'es', VE: 'es', EC: 'es', GT: 'es', CU: 'es', BO: 'es',
  DO: 'es', HN: 'es', PY: 'es', SV: 'es', NI: 'es', CR: 'es', PA: 'es', UY: 'es',
  FR: 'fr', MC: 'fr',
  DE: 'de', AT: 'de', LI: 'de',
  PT: 'pt', BR: 'pt', AO: 'pt', MZ: 'pt',
  JP: 'ja',
};

function isMessageLanguage(value: string): value is MessageLanguage {
  return (MESSAGE_LANGUAGES as readonly string[]).includes(value);
}

/** The language of a listed locale's text, English when the emulator has none ("pt-BR" -> pt, "it" -> en). */
function languageOfLocale(locale: VerifyLocale): MessageLanguage {
  const language = locale.split('-')[0] ?? 'en';
  return isMessageLanguage(language) ? language : 'en';
}

/**
 * The language of the message for a send. `locale` is the request's `Locale` as Twilio lists it (the caller answers
 * 404 for one Twilio does not list).
 */
export function messageLanguage(locale: VerifyLocale | undefined, to: string, channel: VerificationChannel): MessageLanguage {
  if (channel === 'email') return 'en';
  if (locale !== undefined) return languageOfLocale(locale);
  const country = parsePhoneNumberFromString(to)?.country;
  return (country === undefined ? undefined : COUNTRY_LANGUAGES[country]) ?? 'en';
}

/** The code message in a language. */
export function codeMessage(language: MessageLanguage, parts: CodeMessageParts): string {
  return WRITERS[language](parts);
}
