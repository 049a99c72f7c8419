import { isRecord } from '../json';
import type { FromSchema } from 'json-schema-to-ts';

/*
 * JSON Schema fragments shared by several operations. Each is `as const` so that json-schema-to-ts derives the
 * TypeScript types from the very objects ajv validates with. `description` doubles as the hint in error messages
 * ("Invalid parameter: ServiceSid. Expected the Verify Service SID …"), so it names the expected form.
 */

export const serviceSidSchema = {
  type: 'string',
  pattern: '^VA[0-9a-fA-F]{32}$',
  description: 'The Verify Service SID: VA followed by 32 hexadecimal characters',
} as const;

const VERIFY_SERVICE_SID = new RegExp(serviceSidSchema.pattern);

/** A Verify Service SID (VA…), by the same pattern the operations' schemas check. */
export function isVerifyServiceSid(value: unknown): value is string {
  return typeof value === 'string' && VERIFY_SERVICE_SID.test(value);
}

export const verificationSidSchema = {
  type: 'string',
  pattern: '^VE[0-9a-fA-F]{32}$',
  description: 'The Verification SID: VE followed by 32 hexadecimal characters',
} as const;

/** A phone number as typed; the operation normalises it to E.164 with libphonenumber-js. */
export const phoneNumberSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 40,
  description: 'A phone number in E.164, e.g. +14155550123 (other formats are accepted when they are unambiguous)',
} as const;

export const codeSchema = {
  type: 'string',
  pattern: '^[0-9]{4,10}$',
  description: 'The code the user received: 4 to 10 digits',
} as const;

export const httpUrlSchema = {
  type: 'string',
  format: 'uri',
  pattern: '^https?://',
  maxLength: 2048,
  description: 'An http or https URL',
} as const;

/** ISO 8601 text in our outputs; twilio-node hands out Date objects, we hand out strings. */
const dateSchema = { type: ['string', 'null'], description: 'ISO 8601 date and time, e.g. 2015-07-30T20:00:00Z' } as const;
const nullableString = { type: ['string', 'null'] } as const;

export const verificationSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['sid', 'serviceSid', 'accountSid', 'to', 'channel', 'status', 'valid', 'sendCodeAttempts', 'dateCreated', 'dateUpdated', 'url'],
  properties: {
    sid: { type: 'string', description: 'The Verification SID (VE…)' },
    serviceSid: { type: 'string' },
    accountSid: { type: 'string' },
    to: { type: 'string', description: 'The phone number (E.164) or e-mail address being verified' },
    channel: { type: 'string', description: 'sms, call, email, whatsapp …' },
    status: { type: 'string', description: 'pending, approved, canceled, max_attempts_reached, deleted, failed or expired' },
    valid: { type: 'boolean' },
    amount: nullableString,
    payee: nullableString,
    sendCodeAttempts: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['channel', 'time'],
        properties: { attemptSid: { type: 'string' }, channel: { type: 'string' }, time: { type: 'string' } },
      },
    },
    dateCreated: dateSchema,
    dateUpdated: dateSchema,
    url: nullableString,
  },
} as const;

/** A Verify verification (`/v2/Services/{ServiceSid}/Verifications/{Sid}`). */
export type Verification = FromSchema<typeof verificationSchema>;

export const serviceSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['sid', 'accountSid', 'friendlyName', 'codeLength', 'dateCreated', 'dateUpdated'],
  properties: {
    sid: { type: 'string', description: 'The Verify Service SID (VA…)' },
    accountSid: { type: 'string' },
    friendlyName: { type: 'string' },
    codeLength: { type: 'integer' },
    lookupEnabled: { type: ['boolean', 'null'] },
    psd2Enabled: { type: ['boolean', 'null'] },
    skipSmsToLandlines: { type: ['boolean', 'null'] },
    dtmfInputRequired: { type: ['boolean', 'null'] },
    ttsName: nullableString,
    doNotShareWarningEnabled: { type: ['boolean', 'null'] },
    customCodeEnabled: { type: ['boolean', 'null'] },
    defaultTemplateSid: nullableString,
    push: {
      type: 'object',
      additionalProperties: false,
      required: ['includeDate', 'apnCredentialSid', 'fcmCredentialSid'],
      properties: {
        includeDate: { type: ['boolean', 'null'] },
        apnCredentialSid: nullableString,
        fcmCredentialSid: nullableString,
      },
    },
    dateCreated: dateSchema,
    dateUpdated: dateSchema,
    url: nullableString,
  },
} as const;

/** A Verify Service (`/v2/Services/{Sid}`), with the settings this action uses. */
export type VerifyService = FromSchema<typeof serviceSchema>;

/** Service settings accepted by createService and updateService (Twilio's form fields in camelCase). */
export const serviceSettingsProperties = {
  friendlyName: {
    type: 'string',
    minLength: 1,
    maxLength: 30,
    description: 'The name shown in verification messages, e.g. "Acme" (up to 30 characters, at most 4 digits)',
  },
  codeLength: { type: 'integer', minimum: 4, maximum: 10, description: 'Length of the generated codes: 4 to 10 digits (default 6)' },
  lookupEnabled: { type: 'boolean', description: 'Whether Twilio looks up the carrier of the number first' },
  skipSmsToLandlines: { type: 'boolean', description: 'Whether SMS to landlines are refused up front' },
  dtmfInputRequired: { type: 'boolean', description: 'Whether a voice call asks the user to press a key first' },
  ttsName: { type: 'string', minLength: 1, maxLength: 64, description: 'The name spoken in voice calls' },
  psd2Enabled: { type: 'boolean', description: 'Whether verifications carry a PSD2 amount and payee' },
  doNotShareWarningEnabled: { type: 'boolean', description: 'Whether messages add "do not share this code"' },
  customCodeEnabled: { type: 'boolean', description: 'Whether verifications may bring their own code (CustomCode)' },
  defaultTemplateSid: {
    type: 'string',
    pattern: '^HJ[0-9a-fA-F]{32}$',
    description: 'The default message template: HJ followed by 32 hexadecimal characters',
  },
  pushIncludeDate: { type: 'boolean', description: 'Whether push challenges include the date (deprecated by Twilio)' },
  pushApnCredentialSid: {
    type: 'string',
    pattern: '^CR[0-9a-fA-F]{32}$',
    description: 'The Apple Push credential: CR followed by 32 hexadecimal characters',
  },
  pushFcmCredentialSid: {
    type: 'string',
    pattern: '^CR[0-9a-fA-F]{32}$',
    description: 'The Firebase credential: CR followed by 32 hexadecimal characters',
  },
} as const;

/** Our flat setting names -> twilio-node's option names (the SDK spells nested Twilio fields `push.includeDate`). */
export function serviceSettingsForSdk(settings: Record<string, unknown>): Record<string, unknown> {
  const { pushIncludeDate, pushApnCredentialSid, pushFcmCredentialSid, ...rest } = settings;
  const out: Record<string, unknown> = { ...rest };
  if (pushIncludeDate !== undefined) out['push.includeDate'] = pushIncludeDate;
  if (pushApnCredentialSid !== undefined) out['push.apnCredentialSid'] = pushApnCredentialSid;
  if (pushFcmCredentialSid !== undefined) out['push.fcmCredentialSid'] = pushFcmCredentialSid;
  return out;
}

/** Anything with a Date or a date string, as twilio-node returns them (a string when it could not parse it). */
export function isoDate(value: unknown): string | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return typeof value === 'string' ? value : null;
}

/** `undefined` (a field missing from the reply) becomes null; the output schema decides whether null is allowed. */
export function orNull<T>(value: T | undefined): T | null {
  return value === undefined ? null : value;
}

/** Verify's `send_code_attempts` entries (`{ attempt_sid, channel, time }`) in camelCase. */
function sendCodeAttempts(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  return value.map((attempt: unknown) => {
    if (!isRecord(attempt)) return attempt;
    const out: Record<string, unknown> = { channel: attempt.channel, time: isoDate(attempt.time) };
    if (typeof attempt.attempt_sid === 'string') out.attemptSid = attempt.attempt_sid;
    return out;
  });
}

/** The fields of twilio-node's VerificationInstance that we read. */
export interface VerificationLike {
  sid: unknown;
  serviceSid: unknown;
  accountSid: unknown;
  to: unknown;
  channel: unknown;
  status: unknown;
  valid: unknown;
  amount: unknown;
  payee: unknown;
  sendCodeAttempts: unknown;
  dateCreated: unknown;
  dateUpdated: unknown;
  url: unknown;
}

/** SDK instance -> our output object; the output schema checks the result. */
export function verificationOutput(v: VerificationLike): Record<string, unknown> {
  return {
    sid: v.sid,
    serviceSid: v.serviceSid,
    accountSid: v.accountSid,
    to: v.to,
    channel: v.channel,
    status: v.status,
    valid: v.valid,
    amount: orNull(v.amount),
    payee: orNull(v.payee),
    sendCodeAttempts: sendCodeAttempts(v.sendCodeAttempts ?? []),
    dateCreated: isoDate(v.dateCreated),
    dateUpdated: isoDate(v.dateUpdated),
    url: orNull(v.url),
  };
}

/** The fields of twilio-node's ServiceInstance that we read. */
export interface ServiceLike {
  sid: unknown;
  accountSid: unknown;
  friendlyName: unknown;
  codeLength: unknown;
  lookupEnabled: unknown;
  psd2Enabled: unknown;
  skipSmsToLandlines: unknown;
  dtmfInputRequired: unknown;
  ttsName: unknown;
  doNotShareWarningEnabled: unknown;
  customCodeEnabled: unknown;
  defaultTemplateSid?: unknown;
  push?: unknown;
  dateCreated: unknown;
  dateUpdated: unknown;
  url: unknown;
}

/** Twilio's `push` object (`{ include_date, apn_credential_sid, fcm_credential_sid }`) in camelCase. */
function pushOutput(value: unknown): Record<string, unknown> {
  const push = isRecord(value) ? value : {};
  return {
    includeDate: orNull(push.include_date),
    apnCredentialSid: orNull(push.apn_credential_sid),
    fcmCredentialSid: orNull(push.fcm_credential_sid),
  };
}

export function serviceOutput(s: ServiceLike): Record<string, unknown> {
  return {
    sid: s.sid,
    accountSid: s.accountSid,
    friendlyName: s.friendlyName,
    codeLength: s.codeLength,
    lookupEnabled: orNull(s.lookupEnabled),
    psd2Enabled: orNull(s.psd2Enabled),
    skipSmsToLandlines: orNull(s.skipSmsToLandlines),
    dtmfInputRequired: orNull(s.dtmfInputRequired),
    ttsName: orNull(s.ttsName),
    doNotShareWarningEnabled: orNull(s.doNotShareWarningEnabled),
    customCodeEnabled: orNull(s.customCodeEnabled),
    defaultTemplateSid: orNull(s.defaultTemplateSid),
    push: pushOutput(s.push),
    dateCreated: isoDate(s.dateCreated),
    dateUpdated: isoDate(s.dateUpdated),
    url: orNull(s.url),
  };
}
