/**
 * What the integration keeps in the store, and the shapes it shows. Secrets are stored sealed (see secrets.ts),
 * bound to their location with {@link sealContext}; views carry masked secrets only.
 */
import type { FromSchema } from 'json-schema-to-ts';
import { actionConfigSchema, type ActionConfig } from './schemas';
import { lazyValidator } from './validation';

/** The action's id, in the manifest, the API and the delete confirmation. */
export const ACTION_ID = 'twilio-verify';

/** Store namespaces of this module (the store's known namespaces). */
export const NS = {
  action: 'action',
  profiles: 'profiles',
  credentials: 'credentials',
  authLinks: 'authlinks',
  meta: 'meta',
} as const;

/** Namespaces whose documents may hold sealed secrets; a key rotation walks exactly these. */
export const SEALED_NAMESPACES = [NS.action, NS.credentials, NS.meta] as const;

/** Lifecycle states as admins see them. */
export type ActionState = 'available' | 'configured' | 'disabled' | 'error';

const text = { type: 'string' } as const;
const code = { anyOf: [{ type: 'number' }, { type: 'string' }] } as const;

/*
 * The stored documents' JSON Schemas: the source of both their types and the check on every read (a store may hold
 * documents that other versions wrote, or a hand edit). A document that does not pass reads as absent.
 */

const storedAuthTokenSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'method', 'accountSid', 'authToken'],
  properties: { type: { const: 'pre-authorized' }, method: { const: 'auth-token' }, accountSid: text, authToken: text, baseUrl: text },
} as const;

const storedApiKeySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'method', 'accountSid', 'apiKeySid', 'apiKeySecret'],
  properties: {
    type: { const: 'pre-authorized' },
    method: { const: 'api-key' },
    accountSid: text,
    apiKeySid: text,
    apiKeySecret: text,
    baseUrl: text,
  },
} as const;

const storedUserAuthorizationSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'profile'],
  properties: { type: { const: 'user-authorized' }, profile: text },
} as const;

const runtimeFailureSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['code', 'message', 'at'],
  properties: { code, message: text, at: text },
} as const;

const testRecordSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['ok', 'at'],
  properties: { ok: { type: 'boolean' }, code, message: text, at: text, warning: text },
} as const;

/** The action document (namespace `action`, key `twilio-verify`). */
export const actionRecordSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['status', 'config', 'updatedAt'],
  properties: {
    /** The admin's intent; `enabled` plus a runtime failure shows as state `error`. */
    status: { enum: ['available', 'enabled', 'disabled'] },
    authorization: { anyOf: [storedAuthTokenSchema, storedApiKeySchema, storedUserAuthorizationSchema] },
    config: { type: 'object', additionalProperties: false, properties: actionConfigSchema.properties },
    error: runtimeFailureSchema,
    lastTest: testRecordSchema,
    /** When the action was first enabled: only that enable says "Integration successful". */
    firstEnabledAt: text,
    updatedAt: text,
  },
} as const;

/** An auth profile (namespace `profiles`, key = name). */
export const authProfileRecordSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'tenancy', 'createdAt', 'updatedAt'],
  properties: {
    name: text,
    description: text,
    tenancy: { type: 'boolean' },
    /** Base URL for API calls with this profile's credentials; may hold `{tenant}`. Twilio's when absent. */
    baseUrl: text,
    /** URL called with Basic Auth to check a user's credentials; may hold `{tenant}` and `{{accountSid}}`. */
    authorizationCheckUrl: text,
    createdAt: text,
    updatedAt: text,
  },
} as const;

/** An end user's credentials (namespace `credentials`, key = {@link userCredentialsKey}); `authToken` is sealed. */
export const userCredentialsRecordSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['channelId', 'userId', 'profile', 'accountSid', 'authToken', 'createdAt'],
  properties: { channelId: text, userId: text, profile: text, accountSid: text, authToken: text, tenant: text, createdAt: text },
} as const;

/** Pre-authorized credentials as stored: the secret field is sealed. */
export type StoredPreAuthorization = FromSchema<typeof storedAuthTokenSchema> | FromSchema<typeof storedApiKeySchema>;
export type StoredUserAuthorization = FromSchema<typeof storedUserAuthorizationSchema>;
export type StoredAuthorization = StoredPreAuthorization | StoredUserAuthorization;
/** A rejection of stored credentials by Twilio at runtime (e.g. 20003). */
export type RuntimeFailure = FromSchema<typeof runtimeFailureSchema>;
/** The last authorization check an admin ran. */
export type TestRecord = FromSchema<typeof testRecordSchema>;
export type ActionRecord = FromSchema<typeof actionRecordSchema>;
export type AuthProfile = FromSchema<typeof authProfileRecordSchema>;
export type UserCredentialsRecord = FromSchema<typeof userCredentialsRecordSchema>;

/** The store key of a user's credentials: both ids URI-encoded, so neither can split the key. */
export function userCredentialsKey(channelId: string, userId: string): string {
  return `${encodeURIComponent(channelId)}/${encodeURIComponent(userId)}`;
}

const readers = {
  action: lazyValidator<ActionRecord>(actionRecordSchema),
  profile: lazyValidator<AuthProfile>(authProfileRecordSchema),
  credentials: lazyValidator<UserCredentialsRecord>(userCredentialsRecordSchema),
};

/** Reads an action document: the document if it passes its schema, else undefined. */
export function toActionRecord(value: unknown): ActionRecord | undefined {
  const valid = readers.action();
  return valid(value) ? value : undefined;
}

/** Reads an auth profile document: the document if it passes its schema, else undefined. */
export function toAuthProfile(value: unknown): AuthProfile | undefined {
  const valid = readers.profile();
  return valid(value) ? value : undefined;
}

/** Reads a user's credentials document: the document if it passes its schema, else undefined. */
export function toUserCredentials(value: unknown): UserCredentialsRecord | undefined {
  const valid = readers.credentials();
  return valid(value) ? value : undefined;
}

/** The next step after "Integration successful". */
export const NEXT_STEP = {
  step: 'Explore templates',
  cli: 'tva templates list',
  api: 'GET /api/admin/templates',
} as const;

/**
 * How the authorization is shown: identifiers in full, secrets masked. The pre-authorized shapes are the stored ones
 * (same fields; the sealed secret replaced by its mask).
 */
export type AuthorizationView = StoredPreAuthorization | { type: 'user-authorized'; profile: string; usersAuthorized: number };

/** `GET /api/admin/action` and `tva action status`. */
export interface ActionView {
  id: typeof ACTION_ID;
  state: ActionState;
  authorization: AuthorizationView | null;
  config: ActionConfig;
  lastTest?: TestRecord;
  error?: RuntimeFailure;
  next?: typeof NEXT_STEP;
  updatedAt?: string;
}

/** An auth profile as shown, with the fields an end user will be asked for. */
export interface AuthProfileView extends AuthProfile {
  fields: Array<'accountSid' | 'authToken' | 'tenant'>;
}

/** A user's credentials as shown (masked). */
export interface UserCredentialsView {
  channelId: string;
  userId: string;
  profile: string;
  accountSid: string;
  authToken: string;
  tenant?: string;
  createdAt: string;
}
