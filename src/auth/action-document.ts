/**
 * The action document (namespace `action`, key `twilio-verify`) and what every part of the action shares: reading and
 * etag-checked writing of that document, sealing and opening its secrets, the audit log, and the admin's view of it.
 * State is read from the store on every call, since several instances share it.
 */
import { StoreConflictError, StoreValidationError, type AuditPage, type Store } from '../store';
import { createTwilioClient, TwilioActionError, type TwilioCredentials } from '../twilio';
import { ActionError } from './errors';
import {
  ACTION_ID,
  NEXT_STEP,
  NS,
  toActionRecord,
  type ActionRecord,
  type ActionState,
  type ActionView,
  type AuthorizationView,
  type AuthProfile,
  type AuthProfileView,
  type StoredAuthorization,
  type StoredPreAuthorization,
} from './records';
import { mask, sealContext, type SecretBox } from './secrets';
import { parseAuditQuery } from './validation';

/** Who asked for a change, as the audit log records it (`admin-token`, `cli:<user>`, `runtime`, `user:<channel>`). */
export type Actor = string;

const MAX_UPDATE_ATTEMPTS = 5;

function emptyRecord(now: string): ActionRecord {
  return { status: 'available', config: {}, updatedAt: now };
}

/** The lifecycle state admins see for a stored action document (an enabled action with a runtime failure is `error`). */
export function stateOf(record: ActionRecord | undefined): ActionState {
  if (!record || record.status === 'available') return 'available';
  if (record.status === 'disabled') return 'disabled';
  return record.error ? 'error' : 'configured';
}

/** Fills an auth profile's URL template: `{tenant}` and `{{accountSid}}`, each URI-encoded. */
export function substitute(template: string, values: { tenant?: string; accountSid?: string }): string {
  return template
    .replace(/\{\{accountSid\}\}/g, encodeURIComponent(values.accountSid ?? ''))
    .replace(/\{tenant\}/g, encodeURIComponent(values.tenant ?? ''));
}

/** A base URL as stored and compared: without trailing slashes. */
export function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** An auth profile as shown, with the fields its end users are asked for. */
export function profileView(profile: AuthProfile): AuthProfileView {
  return { ...profile, fields: profile.tenancy ? ['accountSid', 'authToken', 'tenant'] : ['accountSid', 'authToken'] };
}

/** Refuses a base URL the SDK would rewrite (two-label hosts, `localhost`), naming the field at `path`. */
export function assertUsableBaseUrl(credentials: TwilioCredentials, baseUrl: string | undefined, path: string): void {
  if (!baseUrl) return;
  try {
    createTwilioClient(credentials, { baseUrl });
  } catch (err) {
    if (err instanceof TwilioActionError && err.code === 'invalid_base_url') {
      throw new ActionError('invalid_request', 'The base URL cannot be used.', {
        details: [{ path, message: err.twilioMessage }],
      });
    }
    throw err;
  }
}

/** The action document in the store, with the sealing, auditing and clock every part of the action uses. */
export class ActionDocument {
  constructor(
    readonly store: Store,
    private readonly secrets: SecretBox,
    private readonly now: () => Date,
  ) {}

  /** Now, as stored timestamps are written. */
  timestamp(): string {
    return this.now().toISOString();
  }

  /** The action document and its etag, or undefined when there is none (or it is unreadable). */
  async read(): Promise<{ record: ActionRecord | undefined; etag: string | undefined }> {
    const doc = await this.store.get<unknown>(NS.action, ACTION_ID);
    return { record: doc ? toActionRecord(doc.value) : undefined, etag: doc?.etag };
  }

  /**
   * Read-modify-write of the action document with its etag, retried when another instance wrote in between.
   * `mutate` must be pure (it may run more than once).
   */
  async update(mutate: (current: ActionRecord) => ActionRecord): Promise<ActionRecord> {
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const { record, etag } = await this.read();
      const next = { ...mutate(record ?? emptyRecord(this.timestamp())), updatedAt: this.timestamp() };
      try {
        await this.store.put(NS.action, ACTION_ID, next, etag ? { etag } : {});
        return next;
      } catch (err) {
        if (!(err instanceof StoreConflictError)) throw err;
      }
    }
    throw new ActionError('concurrent_update', 'The action changed repeatedly while this change was applied. Try again.');
  }

  /** Appends to the audit log; the target defaults to the action. */
  async audit(actor: Actor, action: string, outcome: string, details?: Record<string, unknown>, target?: string): Promise<void> {
    await this.store.appendAudit({ actor, action, outcome, target: target ?? ACTION_ID, ...(details ? { details } : {}) });
  }

  /** Opens a secret sealed at `pointer` of document `ns`/`key`. */
  open(record: string, ns: string, key: string, pointer: string): string {
    return this.secrets.open(record, sealContext(ns, key, pointer));
  }

  /** Seals a secret for `pointer` of document `ns`/`key` (it opens nowhere else). */
  seal(plaintext: string, ns: string, key: string, pointer: string): string {
    return this.secrets.seal(plaintext, sealContext(ns, key, pointer));
  }

  /** The plaintext credentials of a stored pre-authorization. */
  preAuthorizedCredentials(auth: StoredPreAuthorization): TwilioCredentials {
    return auth.method === 'auth-token'
      ? {
          kind: 'auth-token',
          accountSid: auth.accountSid,
          authToken: this.open(auth.authToken, NS.action, ACTION_ID, '/authorization/authToken'),
        }
      : {
          kind: 'api-key',
          accountSid: auth.accountSid,
          apiKeySid: auth.apiKeySid,
          apiKeySecret: this.open(auth.apiKeySecret, NS.action, ACTION_ID, '/authorization/apiKeySecret'),
        };
  }

  /** The action as admins see it (secrets masked). */
  async view(record: ActionRecord | undefined): Promise<ActionView> {
    const state = stateOf(record);
    const view: ActionView = {
      id: ACTION_ID,
      state,
      authorization: await this.authorizationView(record?.authorization),
      config: record?.config ?? {},
    };
    if (record?.lastTest) view.lastTest = record.lastTest;
    if (record?.error) view.error = record.error;
    if (state === 'configured') view.next = NEXT_STEP;
    if (record) view.updatedAt = record.updatedAt;
    return view;
  }

  /** The audit log, newest first (query: schemas/admin/audit-query.json). */
  async listAudit(query: unknown): Promise<AuditPage> {
    const parsed = parseAuditQuery(query);
    try {
      return await this.store.listAudit({
        ...(parsed.limit !== undefined ? { limit: Number(parsed.limit) } : {}),
        ...(parsed.cursor !== undefined ? { cursor: parsed.cursor } : {}),
      });
    } catch (err) {
      if (!(err instanceof StoreValidationError)) throw err;
      throw new ActionError('invalid_request', 'The query is invalid.', {
        details: [{ path: '/cursor', message: 'is not a cursor this audit log gave out' }],
      });
    }
  }

  private async authorizationView(auth: StoredAuthorization | undefined): Promise<AuthorizationView | null> {
    if (!auth) return null;
    if (auth.type === 'user-authorized') {
      const users = await this.store.list<unknown>(NS.credentials);
      return { type: 'user-authorized', profile: auth.profile, usersAuthorized: users.length };
    }
    const creds = this.preAuthorizedCredentials(auth);
    const base = auth.baseUrl ? { baseUrl: auth.baseUrl } : {};
    return creds.kind === 'auth-token'
      ? { type: 'pre-authorized', method: 'auth-token', accountSid: creds.accountSid, authToken: mask(creds.authToken), ...base }
      : {
          type: 'pre-authorized',
          method: 'api-key',
          accountSid: creds.accountSid,
          apiKeySid: creds.apiKeySid,
          apiKeySecret: mask(creds.apiKeySecret),
          ...base,
        };
  }
}
