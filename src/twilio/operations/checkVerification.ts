import type { FromSchema } from 'json-schema-to-ts';
import type { TwilioGateway } from '../client';
import { defineOperation } from '../operation';
import { isValidEmail, normalizePhoneNumber } from '../phone';
import { codeSchema, isoDate, orNull, serviceSidSchema, verificationSidSchema } from '../schemas';
import { InputProblems } from '../validation';

export const checkVerificationInputSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['serviceSid', 'code'],
  properties: {
    serviceSid: serviceSidSchema,
    to: {
      type: 'string',
      minLength: 1,
      maxLength: 254,
      description: 'The phone number (E.164, e.g. +14155550123) or e-mail address the code was sent to',
    },
    verificationSid: verificationSidSchema,
    code: codeSchema,
    amount: {
      type: 'string',
      minLength: 1,
      maxLength: 64,
      description: 'The amount the code was sent for, on a PSD2 service (required there): the same text, e.g. €39.99',
    },
    payee: {
      type: 'string',
      minLength: 1,
      maxLength: 128,
      description: 'The payee the code was sent for, on a PSD2 service (required there)',
    },
  },
  oneOf: [{ required: ['to'] }, { required: ['verificationSid'] }],
} as const;

export type CheckVerificationInput = FromSchema<typeof checkVerificationInputSchema>;

export const verificationCheckSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['sid', 'serviceSid', 'accountSid', 'to', 'channel', 'status', 'valid', 'dateCreated', 'dateUpdated'],
  properties: {
    sid: { type: 'string', description: 'The Verification SID (VE…)' },
    serviceSid: { type: 'string' },
    accountSid: { type: 'string' },
    to: { type: 'string' },
    channel: { type: 'string' },
    status: { type: 'string', description: 'approved when the code matched; pending after a wrong code' },
    valid: { type: 'boolean', description: 'Whether the code matched' },
    amount: { type: ['string', 'null'] },
    payee: { type: ['string', 'null'] },
    dateCreated: { type: ['string', 'null'] },
    dateUpdated: { type: ['string', 'null'] },
  },
} as const;

/** The outcome of a code check. A wrong code is not an error: `status: 'pending'`, `valid: false`. */
export type VerificationCheck = FromSchema<typeof verificationCheckSchema>;

export const checkVerificationOperation = defineOperation<CheckVerificationInput, VerificationCheck>({
  description:
    'Check a code the user typed (with the amount and payee on a PSD2 service). A wrong code, or another amount or payee, answers status pending; five wrong codes answer 60202.',
  inputSchema: checkVerificationInputSchema,
  outputSchema: verificationCheckSchema,
  async handler(gw, input) {
    const problems = new InputProblems();
    let to: string | undefined;
    if (input.to !== undefined) {
      const typed = input.to.trim();
      if (typed.includes('@')) {
        if (!isValidEmail(typed)) problems.add('Invalid parameter: To. Use the e-mail address the code was sent to, e.g. ada@example.com');
        to = typed;
      } else {
        to = problems.collect(() => normalizePhoneNumber(typed, gw.options.defaultRegion, 'To'), '');
      }
    }
    problems.throwIfAny();
    const check = await gw.client.verify.v2.services(input.serviceSid).verificationChecks.create({
      code: input.code,
      ...(to === undefined ? {} : { to }),
      ...(input.verificationSid === undefined ? {} : { verificationSid: input.verificationSid }),
      ...(input.amount === undefined ? {} : { amount: input.amount }),
      ...(input.payee === undefined ? {} : { payee: input.payee }),
    });
    return {
      sid: check.sid,
      serviceSid: check.serviceSid,
      accountSid: check.accountSid,
      to: check.to,
      channel: check.channel,
      status: check.status,
      valid: check.valid,
      amount: orNull(check.amount),
      payee: orNull(check.payee),
      dateCreated: isoDate(check.dateCreated),
      dateUpdated: isoDate(check.dateUpdated),
    };
  },
});

/**
 * Checks a code. Throws TwilioActionError: 60202 after five wrong codes, 20404 once the verification is approved,
 * expired or canceled.
 */
export function checkVerification(gw: TwilioGateway, input: CheckVerificationInput): Promise<VerificationCheck> {
  return checkVerificationOperation.run(gw, input);
}
