import type { FromSchema } from 'json-schema-to-ts';
import type { TwilioGateway } from '../client';
import { defineOperation } from '../operation';
import { verifyLocaleFor } from '../locales';
import { isValidEmail, normalizePhoneNumber } from '../phone';
import { type Verification, serviceSidSchema, verificationOutput, verificationSchema } from '../schemas';
import { InputProblems } from '../validation';

export const VERIFICATION_CHANNELS = ['sms', 'call', 'email', 'whatsapp'] as const;

export const startVerificationInputSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['serviceSid', 'to'],
  properties: {
    serviceSid: serviceSidSchema,
    to: {
      type: 'string',
      minLength: 1,
      maxLength: 254,
      description: 'A phone number in E.164, e.g. +14155550123, or an e-mail address for the email channel',
    },
    channel: { type: 'string', enum: VERIFICATION_CHANNELS, default: 'sms', description: 'How the code is sent: sms, call, email or whatsapp' },
    locale: {
      type: 'string',
      pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,4})?$',
      description:
        'A language tag for the message, e.g. en, fr or pt-BR. A tag Twilio does not list is sent as the nearest listed one (en-US as en), or left out so Twilio picks by the number (Twilio answers 404 to an unlisted Locale)',
    },
    customFriendlyName: { type: 'string', minLength: 1, maxLength: 64, description: 'A name that replaces the service name in this message' },
    customCode: { type: 'string', pattern: '^[0-9]{4,10}$', description: 'A code of your own, 4 to 10 digits (the service must allow custom codes)' },
    amount: { type: 'string', minLength: 1, maxLength: 64, description: 'The amount of a PSD2 transaction, e.g. €39.99' },
    payee: { type: 'string', minLength: 1, maxLength: 128, description: 'The payee of a PSD2 transaction' },
    usageType: {
      type: 'string',
      enum: ['register', 'signIn', 'test'],
      description:
        "What the code is for: register, signIn or test. In the message-templates mode it picks the admin's SMS template; Twilio Verify ignores it (it is never sent to Twilio).",
    },
    channelConfiguration: {
      type: 'object',
      description: 'Channel settings, e.g. for email { "from": "no-reply@example.com", "from_name": "Acme", "template_id": "d-…" }',
    },
  },
} as const;

/** What callers pass (channel may be left out: sms). */
export type StartVerificationInput = FromSchema<typeof startVerificationInputSchema, { keepDefaultedPropertiesOptional: true }>;
type ParsedInput = FromSchema<typeof startVerificationInputSchema>;

export const startVerificationOperation = defineOperation<ParsedInput, Verification>({
  description: 'Send a one-time code to a phone number (sms, call, whatsapp) or an e-mail address (email).',
  inputSchema: startVerificationInputSchema,
  outputSchema: verificationSchema,
  async handler(gw, input) {
    const problems = new InputProblems();
    let to = input.to.trim();
    if (input.channel === 'email') {
      if (!isValidEmail(to)) problems.add('Invalid parameter: To. Use an e-mail address for the email channel, e.g. ada@example.com');
    } else {
      to = problems.collect(() => normalizePhoneNumber(to, gw.options.defaultRegion, 'To'), '');
    }
    problems.throwIfAny();
    const { serviceSid, to: _to, usageType: _usageType, locale, ...options } = input;
    // Twilio answers 404 to a Locale it does not list and advises retrying without it; we send the nearest listed
    // one, or none, so a user's "en-US" never fails a start.
    const listed = locale === undefined ? null : verifyLocaleFor(locale);
    const verification = await gw.client.verify.v2
      .services(serviceSid)
      .verifications.create({ ...options, ...(listed === null ? {} : { locale: listed }), to });
    return verificationOutput(verification);
  },
});

/**
 * Starts a verification (sends the code). Within ten minutes a new start for the same `to` resends the same code;
 * more than five sends answer 60203. Throws TwilioActionError.
 */
export function startVerification(gw: TwilioGateway, input: StartVerificationInput): Promise<Verification> {
  return startVerificationOperation.run(gw, input);
}
