import type { FromSchema } from 'json-schema-to-ts';
import type { MessageInstance } from 'twilio/lib/rest/api/v2010/account/message';
import type { TwilioGateway } from '../client';
import { defineOperation } from '../operation';
import { normalizePhoneNumber } from '../phone';
import { httpUrlSchema, isoDate, orNull, phoneNumberSchema } from '../schemas';
import { blankProblem, controlCharacterProblem, InputProblems, isBlank, phoneExtensionProblem } from '../validation';

export const sendSmsInputSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['to', 'body'],
  properties: {
    to: { ...phoneNumberSchema, description: "The recipient's phone number in E.164, e.g. +14155550123" },
    from: {
      type: 'string',
      minLength: 1,
      maxLength: 40,
      description: 'The sender: a Twilio phone number in E.164, a short code or an alphanumeric sender ID',
    },
    messagingServiceSid: {
      type: 'string',
      pattern: '^MG[0-9a-fA-F]{32}$',
      description: 'A Messaging Service SID: MG followed by 32 hexadecimal characters',
    },
    body: { type: 'string', minLength: 1, maxLength: 1600, description: 'The text of the message, up to 1600 characters' },
    statusCallback: { ...httpUrlSchema, description: 'An http or https URL Twilio calls when the message status changes' },
  },
  oneOf: [{ required: ['from'] }, { required: ['messagingServiceSid'] }],
} as const;

export type SendSmsInput = FromSchema<typeof sendSmsInputSchema>;

export const smsMessageSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['sid', 'status', 'to', 'from', 'body', 'numSegments', 'dateCreated', 'errorCode', 'errorMessage'],
  properties: {
    sid: { type: 'string', description: 'The Message SID (SM…)' },
    status: { type: 'string', description: 'queued, sending, sent, delivered, undelivered, failed …' },
    to: { type: 'string' },
    from: { type: ['string', 'null'] },
    body: { type: 'string' },
    numSegments: { type: 'integer', description: 'How many SMS segments the body needs' },
    messagingServiceSid: { type: ['string', 'null'] },
    dateCreated: { type: ['string', 'null'] },
    errorCode: { type: ['integer', 'null'] },
    errorMessage: { type: ['string', 'null'] },
  },
} as const;

/** A message as Twilio accepted it (`/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json`). */
export type SmsMessage = FromSchema<typeof smsMessageSchema>;

/** Short codes (3-6 digits) and alphanumeric sender IDs (up to 11 characters, at least one letter) are kept as typed. */
function normalizeSender(from: string, gw: TwilioGateway): string {
  const trimmed = from.trim();
  if (/^[0-9]{3,6}$/.test(trimmed) || /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/.test(trimmed)) return trimmed;
  return normalizePhoneNumber(trimmed, gw.options.defaultRegion, 'From');
}

function integerOrNull(value: unknown): unknown {
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return orNull(value);
}

/** The operation's output (checked against its schema by the operation) from the SDK's message; reconciliation reads Twilio's list with it too. */
export function toSmsMessage(message: MessageInstance): Record<string, unknown> {
  return {
    sid: message.sid,
    status: message.status,
    to: message.to,
    from: orNull(message.from),
    body: message.body,
    numSegments: integerOrNull(message.numSegments),
    messagingServiceSid: orNull(message.messagingServiceSid),
    dateCreated: isoDate(message.dateCreated),
    errorCode: integerOrNull(message.errorCode),
    errorMessage: orNull(message.errorMessage),
  };
}

export const sendSmsOperation = defineOperation<SendSmsInput, SmsMessage>({
  description: 'Send an SMS from a Twilio number or a Messaging Service.',
  inputSchema: sendSmsInputSchema,
  outputSchema: smsMessageSchema,
  async handler(gw, input) {
    const problems = new InputProblems();
    const region = gw.options.defaultRegion;
    const toExtension = phoneExtensionProblem('To', input.to, region);
    if (toExtension) problems.add(toExtension);
    const to = toExtension ? '' : problems.collect(() => normalizePhoneNumber(input.to, region, 'To'), '');
    const fromExtension = input.from === undefined ? undefined : phoneExtensionProblem('From', input.from, region);
    if (fromExtension) problems.add(fromExtension);
    const from = input.from === undefined || fromExtension ? undefined : problems.collect(() => normalizeSender(input.from ?? '', gw), '');
    if (isBlank(input.body)) problems.add(blankProblem('Body'));
    const control = controlCharacterProblem('Body', input.body);
    if (control) problems.add(control);
    problems.throwIfAny();
    const statusCallback = input.statusCallback ?? gw.options.statusCallback;
    const message = await gw.client.api.v2010.accounts(gw.accountSid).messages.create({
      to,
      body: input.body,
      ...(from === undefined ? {} : { from }),
      ...(input.messagingServiceSid === undefined ? {} : { messagingServiceSid: input.messagingServiceSid }),
      ...(statusCallback === undefined ? {} : { statusCallback }),
    });
    return toSmsMessage(message);
  },
});

/**
 * Sends an SMS. Throws TwilioActionError (21211, 21408, 21608, 21610, 21614 …; 'invalid_input' before any request:
 * a blank body, a control character in it, a number with an extension). The body's 1600-character limit counts
 * Unicode code points, as Twilio does; `numSegments` in the result says how many SMS it took.
 */
export function sendSms(gw: TwilioGateway, input: SendSmsInput): Promise<SmsMessage> {
  return sendSmsOperation.run(gw, input);
}
