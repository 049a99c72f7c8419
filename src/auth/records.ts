/**
 * What the integration keeps in the store, and the shapes it shows. Secrets are stored sealed (see secrets.ts),
 * bound to their location with {@link sealContext}; views carry masked secrets only.
 */
import { isRecord } from '../json';
import type { ActionConfig } from './schemas';

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

/** Pre-authorized credentials as stored: the secret field is sealed. */
export type StoredPreAuthorization =
  | { type: 'pre-authorized'; method: 'auth-token'; accountSid: string; authToken: string; baseUrl?: string }
  | {
      type: 'pre-authorized';
      method: 'api-key';
      accountSid: string;
      apiKeySid: string;
      apiKeySecret: string;
      baseUrl?: string;
    };

export interface StoredUserAuthorization {
  type: 'user-authorized';
  profile: string;
}

export type StoredAuthorization = StoredPreAuthorization | StoredUserAuthorization;

/** A rejection of stored credentials by Twilio at runtime (e.g. 20003). */
export interface RuntimeFailure {
  code: number | string;
  message: string;
  at: string;
}

/** The last authorization check an admin ran. */
export interface TestRecord {
  ok: boolean;
  code?: number | string;
  message?: string;
  at: string;
}

/** The action document (namespace `action`, key `twilio-verify`). */
export interface ActionRecord {
  /** The admin's intent; `enabled` plus a runtime failure shows as state `error`. */
  status: 'available' | 'enabled' | 'disabled';
  authorization?: StoredAuthorization;
  config: ActionConfig;
  error?: RuntimeFailure;
  lastTest?: TestRecord;
  updatedAt: string;
}

/** An auth profile (namespace `profiles`, key = name). */
export interface AuthProfile {
  name: string;
  description?: string;
  tenancy: boolean;
  /** Base URL for API calls with this profile's credentials; may hold `{tenant}`. Twilio's when absent. */
  baseUrl?: string;
  /** URL called with Basic Auth to check a user's credentials; may hold `{tenant}` and `{{accountSid}}`. */
  authorizationCheckUrl?: string;
  createdAt: string;
  updatedAt: string;
}

/** An end user's credentials (namespace `credentials`, key = {@link userCredentialsKey}); `authToken` is sealed. */
export interface UserCredentialsRecord {
  channelId: string;
  userId: string;
  profile: string;
  accountSid: string;
  authToken: string;
  tenant?: string;
  createdAt: string;
}

/** The store key of a user's credentials: both ids URI-encoded, so neither can split the key. */
export function userCredentialsKey(channelId: string, userId: string): string {
  return `${encodeURIComponent(channelId)}/${encodeURIComponent(userId)}`;
}

/** Reads an action document defensively (it comes from a store that other versions may have written). */
export function toActionRecord(value: unknown): ActionRecord | undefined {
  if (!isRecord(value)) return undefined;
  const { status, config, updatedAt } = value;
  if (status !== 'available' && status !== 'enabled' && status !== 'disabled') return undefined;
  if (!isRecord(config) || typeof updatedAt !== 'string') return undefined;
  return value as unknown as ActionRecord;
}

export function toAuthProfile(value: unknown): AuthProfile | undefined {
  if (!isRecord(value) || typeof value.name !== 'string' || typeof value.tenancy !== 'boolean') return undefined;
  return value as unknown as AuthProfile;
}

export function toUserCredentials(value: unknown): UserCredentialsRecord | undefined {
  if (!isRecord(value)) return undefined;
  const { channelId, userId, profile, accountSid, authToken } = value;
  const strings = [channelId, userId, profile, accountSid, authToken];
  return strings.every((s) => typeof s === 'string') ? (value as unknown as UserCredentialsRecord) : undefined;
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
