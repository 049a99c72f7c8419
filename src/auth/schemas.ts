/**
 * The admin API's request bodies: one JSON Schema each, the single source of both ajv validation and the TypeScript
 * types (json-schema-to-ts). `schemas/admin/*.json` are these objects, written out for other tools; a test fails
 * when the two drift (see test/auth/schemas.test.ts).
 */
import type { FromSchema } from 'json-schema-to-ts';
import { ACCOUNT_SID_RULE, API_KEY_SID_RULE, SECRET_RULE } from '../twilio';

const DRAFT = 'https://json-schema.org/draft/2020-12/schema';
const ID = 'https://github.com/twilio-verify-action/schemas/admin/';

/** Patterns of the identifiers and strings the admin API accepts. */
export const PATTERNS = {
  accountSid: ACCOUNT_SID_RULE.pattern,
  apiKeySid: API_KEY_SID_RULE.pattern,
  verifyServiceSid: '^VA[0-9a-fA-F]{32}$',
  sender: '^(\\+[1-9][0-9]{6,14}|MG[0-9a-fA-F]{32})$',
  secret: SECRET_RULE.pattern,
  baseUrl: "^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~%!$&'()*+,;=:@/-]*)?$",
  profileBaseUrl: "^https?://([A-Za-z0-9.-]|\\{tenant\\})+(:[0-9]{1,5})?(/([A-Za-z0-9._~%!$&'()*+,;=:@/-]|\\{tenant\\})*)?$",
  checkUrl:
    "^https?://([A-Za-z0-9.-]|\\{tenant\\})+(:[0-9]{1,5})?(/([A-Za-z0-9._~%!$&'()*+,;=:@/-]|\\{tenant\\}|\\{\\{accountSid\\}\\})*)?" +
    "(\\?([A-Za-z0-9._~%!$&'()*+,;=:@/?-]|\\{tenant\\}|\\{\\{accountSid\\}\\})*)?$",
  profileName: '^[a-z0-9-]{1,40}$',
  tenant: '^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$',
  messageTemplate: '\\{\\{code\\}\\}',
  auditLimit: '^([1-9][0-9]?|1[0-9]{2}|200)$',
} as const;

/** What each pattern means, for error messages people can act on. */
export const PATTERN_HELP: Record<string, string> = {
  [PATTERNS.accountSid]: `must be ${ACCOUNT_SID_RULE.help}`,
  [PATTERNS.apiKeySid]: `must be ${API_KEY_SID_RULE.help}`,
  [PATTERNS.verifyServiceSid]: 'must be a Verify Service SID: VA followed by 32 hex characters',
  [PATTERNS.sender]:
    'must be a phone number in E.164 (e.g. +14155550123) or a Messaging Service SID (MG followed by 32 hex characters)',
  [PATTERNS.secret]: `must be ${SECRET_RULE.help}`,
  [PATTERNS.baseUrl]: 'must be an http(s) URL without credentials, query or fragment, e.g. https://api.twilio.com',
  [PATTERNS.profileBaseUrl]:
    'must be an http(s) URL without credentials, query or fragment; it may hold {tenant}, e.g. https://{tenant}.example.net',
  [PATTERNS.checkUrl]:
    'must be an http(s) URL without credentials or fragment; it may hold {tenant} and {{accountSid}}',
  [PATTERNS.profileName]: 'must be 1 to 40 characters: lower-case letters, digits and hyphens',
  [PATTERNS.tenant]: 'must be a host name label: letters, digits and inner hyphens, up to 63 characters',
  [PATTERNS.messageTemplate]: 'must contain the {{code}} placeholder',
  [PATTERNS.auditLimit]: 'must be a whole number from 1 to 200',
};

const accountSid = { type: 'string', pattern: PATTERNS.accountSid } as const;
const secret = { type: 'string', pattern: PATTERNS.secret } as const;
const baseUrl = { type: 'string', maxLength: 300, pattern: PATTERNS.baseUrl } as const;
/**
 * How one-time codes are sent: `verify` (default) through the Verify Service, with Twilio's fraud guard;
 * `messageTemplates`: the action makes the code and texts it from the admin's message templates.
 */
export const OTP_MODES = ['verify', 'messageTemplates'] as const;
export type OtpMode = (typeof OTP_MODES)[number];

const messageTemplate = { type: 'string', minLength: 1, maxLength: 1600, pattern: PATTERNS.messageTemplate } as const;

/** `PUT /api/admin/action/authorization`, pre-authorized with an Auth Token. */
export const preAuthorizedAuthTokenSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'accountSid', 'authToken'],
  properties: {
    type: { const: 'pre-authorized' },
    accountSid,
    authToken: secret,
    baseUrl,
  },
} as const;

/** `PUT /api/admin/action/authorization`, pre-authorized with an API Key. */
export const preAuthorizedApiKeySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'accountSid', 'apiKeySid', 'apiKeySecret'],
  properties: {
    type: { const: 'pre-authorized' },
    accountSid,
    apiKeySid: { type: 'string', pattern: PATTERNS.apiKeySid },
    apiKeySecret: secret,
    baseUrl,
  },
} as const;

const profileProperties = {
  description: { type: 'string', maxLength: 500 },
  tenancy: { type: 'boolean' },
  baseUrl: { type: 'string', maxLength: 300, pattern: PATTERNS.profileBaseUrl },
  authorizationCheckUrl: { type: 'string', maxLength: 500, pattern: PATTERNS.checkUrl },
} as const;

/** A new auth profile given with the switch to user-authorized (the seed's "Create New"): `profile.json`'s fields. */
const newProfileSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'tenancy'],
  properties: {
    name: { type: 'string', pattern: PATTERNS.profileName },
    ...profileProperties,
  },
} as const;

/**
 * `PUT /api/admin/action/authorization`, end users authorize with an auth profile: an existing one by name, or a new
 * one created in the same request.
 */
export const userAuthorizedSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'profile'],
  properties: {
    type: { const: 'user-authorized' },
    profile: { oneOf: [{ type: 'string', pattern: PATTERNS.profileName }, newProfileSchema] },
  },
} as const;

/** `PUT /api/admin/action/authorization` */
export const authorizationSchema = {
  $schema: DRAFT,
  $id: `${ID}authorization.json`,
  title: 'Action authorization',
  type: 'object',
  oneOf: [preAuthorizedAuthTokenSchema, preAuthorizedApiKeySchema, userAuthorizedSchema],
} as const;

/** `PUT /api/admin/action/config` (replaces the whole configuration). */
export const actionConfigSchema = {
  $schema: DRAFT,
  $id: `${ID}config.json`,
  title: 'Action configuration',
  type: 'object',
  additionalProperties: false,
  properties: {
    verifyServiceSid: { type: 'string', pattern: PATTERNS.verifyServiceSid },
    sender: { type: 'string', pattern: PATTERNS.sender },
    messageTemplates: {
      type: 'object',
      additionalProperties: false,
      properties: { register: messageTemplate, signIn: messageTemplate, test: messageTemplate },
    },
    otpMode: { type: 'string', enum: OTP_MODES },
    codeLength: { type: 'integer', minimum: 4, maximum: 10 },
  },
  // Codes sent from the message templates need a sender and a template for every usage type.
  if: { required: ['otpMode'], properties: { otpMode: { type: 'string', const: 'messageTemplates' } } },
  then: {
    required: ['sender', 'messageTemplates'],
    properties: {
      sender: { type: 'string' },
      messageTemplates: {
        type: 'object',
        additionalProperties: false,
        required: ['register', 'signIn', 'test'],
        properties: { register: messageTemplate, signIn: messageTemplate, test: messageTemplate },
      },
    },
  },
} as const;

/** What a `required` under the configuration's `then` (ajv's schema path prefix) means, for people. */
export const CONDITIONAL_REQUIRED_HELP: Readonly<Record<string, string>> = {
  '#/then/': 'is required when otpMode is "messageTemplates" (codes are sent from the templates, by the sender)',
};


/** `POST /api/admin/profiles` */
export const authProfileSchema = {
  $schema: DRAFT,
  $id: `${ID}profile.json`,
  title: 'Auth profile (Basic Auth)',
  ...newProfileSchema,
} as const;

/** `PUT /api/admin/profiles/{name}` (replaces the profile; the name is the path's). */
export const authProfileUpdateSchema = {
  $schema: DRAFT,
  $id: `${ID}profile-update.json`,
  title: 'Auth profile update',
  type: 'object',
  additionalProperties: false,
  required: ['tenancy'],
  properties: profileProperties,
} as const;

/** `POST /api/admin/profiles/{name}/test` and the end user's authorization page: what a user supplies. */
export const userCredentialsSchema = {
  $schema: DRAFT,
  $id: `${ID}user-credentials.json`,
  title: 'End user credentials for an auth profile',
  type: 'object',
  additionalProperties: false,
  required: ['accountSid', 'authToken'],
  properties: {
    accountSid,
    authToken: secret,
    tenant: { type: 'string', pattern: PATTERNS.tenant },
  },
} as const;

/** `DELETE /api/admin/action` */
export const deleteActionSchema = {
  $schema: DRAFT,
  $id: `${ID}delete-action.json`,
  title: 'Delete confirmation',
  type: 'object',
  additionalProperties: false,
  required: ['confirm'],
  properties: { confirm: { const: 'twilio-verify' } },
} as const;

/** Bodies of `POST /api/admin/action/test|enable|disable`: nothing, or `{}`. */
export const emptyBodySchema = {
  $schema: DRAFT,
  $id: `${ID}empty.json`,
  title: 'Empty body',
  type: 'object',
  additionalProperties: false,
  properties: {},
} as const;

/** `GET /api/admin/audit?limit&cursor` (query strings are strings). */
export const auditQuerySchema = {
  $schema: DRAFT,
  $id: `${ID}audit-query.json`,
  title: 'Audit log query',
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'string', pattern: PATTERNS.auditLimit },
    cursor: { type: 'string', minLength: 1, maxLength: 200 },
  },
} as const;

/** Every admin schema by its file name under `schemas/admin/`. */
export const ADMIN_SCHEMAS = {
  'authorization.json': authorizationSchema,
  'config.json': actionConfigSchema,
  'profile.json': authProfileSchema,
  'profile-update.json': authProfileUpdateSchema,
  'user-credentials.json': userCredentialsSchema,
  'delete-action.json': deleteActionSchema,
  'empty.json': emptyBodySchema,
  'audit-query.json': auditQuerySchema,
} as const;

export type PreAuthorizedAuthTokenInput = FromSchema<typeof preAuthorizedAuthTokenSchema>;
export type PreAuthorizedApiKeyInput = FromSchema<typeof preAuthorizedApiKeySchema>;
export type UserAuthorizedInput = FromSchema<typeof userAuthorizedSchema>;
/** What an admin sends to (re-)authorize the action. */
export type AuthorizationInput = PreAuthorizedAuthTokenInput | PreAuthorizedApiKeyInput | UserAuthorizedInput;
/** The action's configuration beside credentials. */
export type ActionConfig = FromSchema<typeof actionConfigSchema>;
/** An auth profile as an admin creates it. */
export type AuthProfileInput = FromSchema<typeof authProfileSchema>;
/** An auth profile update (the name comes from the path). */
export type AuthProfileUpdate = FromSchema<typeof authProfileUpdateSchema>;
/** What an end user supplies for a user-authorized action. */
export type UserCredentialsInput = FromSchema<typeof userCredentialsSchema>;
export type DeleteActionInput = FromSchema<typeof deleteActionSchema>;
export type AuditQuery = FromSchema<typeof auditQuerySchema>;
