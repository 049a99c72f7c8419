/**
 * The Twilio Verify action's authorization, configuration and lifecycle: one service used by the admin API, the CLI
 * and the bot runtime. State is read from the store on every call (several instances share it); secrets are sealed
 * before they reach the store and masked wherever they are shown; every change is written to the audit log.
 *
 * Lifecycle: available -> (enable, only after a passing check) configured -> disable -> disabled -> enable …;
 * a runtime rejection of stored credentials (20003), once a probe of the same credentials confirms it, puts a
 * configured action in state error until a check passes; credentials given at start are enabled by a start check
 * that retries while Twilio cannot be reached;
 * delete (with confirmation) returns it to available, erasing every credential.
 */
import { StoreConflictError, StoreValidationError, type AuditPage, type Store } from '../store';
import { createTwilioClient, TwilioActionError, type TwilioCredentials } from '../twilio';
import { createCredentialChecker, isTransientCheckFailure, type CredentialChecker, type CredentialCheckResult } from './check';
import { ActionError } from './errors';
import {
  credentialFingerprint,
  DEFAULT_REJECTION_PROBE_INTERVAL_MS,
  RejectionProbeThrottle,
  verdictOf,
  type RejectionVerdict,
} from './rejection-probe';
import {
  ACTION_ID,
  NEXT_STEP,
  NS,
  toActionRecord,
  toAuthProfile,
  toUserCredentials,
  userCredentialsKey,
  type ActionRecord,
  type ActionState,
  type ActionView,
  type AuthorizationView,
  type AuthProfile,
  type AuthProfileView,
  type StoredAuthorization,
  type StoredPreAuthorization,
  type TestRecord,
  type UserCredentialsRecord,
  type UserCredentialsView,
} from './records';
import type { ActionConfig, AuthorizationInput } from './schemas';
import { mask, sealContext, type SecretBox } from './secrets';
import { StartCheck, type PendingStartCheck, type StartAttemptResult, type StartCheckOptions } from './start-check';
import {
  parseActionConfig,
  parseAuditQuery,
  parseAuthorization,
  parseAuthProfile,
  parseAuthProfileUpdate,
  parseBotId,
  parseDeleteAction,
  parseProfileName,
  parseUserCredentials,
} from './validation';

/** Who asked for a change, as the audit log records it (`admin-token`, `cli:<user>`, `runtime`, `user:<channel>`). */
export type Actor = string;

export interface IntegrationActionOptions {
  store: Store;
  secrets: SecretBox;
  /** Clock for every timestamp; injected in tests. */
  now?: () => Date;
  /** Runs authorization checks; default: the Twilio gateway and `fetch`. */
  checker?: CredentialChecker;
  /** At most one probe per credentials in this interval confirms runtime rejections (default 30 s). */
  rejectionProbeIntervalMs?: number;
  /** Monotonic milliseconds for that interval; default `performance.now`. */
  monotonicNow?: () => number;
}

/** What became of a runtime rejection: who it affected, and what the probe said (`throttled`: no probe ran). */
export interface RuntimeAuthFailureOutcome {
  scope: 'action' | 'user' | 'none';
  probe: RejectionVerdict['kind'] | 'throttled' | 'skipped';
}

/** What `enable` answers. */
export interface EnableResult {
  state: 'configured';
  message: 'Integration successful';
  next: typeof NEXT_STEP;
  action: ActionView;
}

/** What the runtime gets for a user about to call Twilio. */
export type ResolvedCredentials =
  | {
      kind: 'ready';
      credentials: TwilioCredentials;
      /** Base URL for the gateway; undefined means Twilio's own hosts. */
      baseUrl: string | undefined;
      config: ActionConfig;
      authorization: 'pre-authorized' | 'user-authorized';
    }
  | { kind: 'needs-user-authorization'; profile: AuthProfileView }
  | { kind: 'disabled' }
  | { kind: 'not-configured' }
  /** Configured at start and not enabled yet: the start check is running or waiting to retry (Twilio unreachable). */
  | { kind: 'awaiting-check'; check: PendingStartCheck }
  | { kind: 'error'; code: number | string; message: string; at: string };

/** What `delete` erased. */
export interface DeleteResult {
  deleted: true;
  erased: { userCredentials: number; authLinks: number; preAuthorizedCredentials: boolean };
}

const MAX_UPDATE_ATTEMPTS = 5;

function emptyRecord(now: string): ActionRecord {
  return { status: 'available', config: {}, updatedAt: now };
}

function stateOf(record: ActionRecord | undefined): ActionState {
  if (!record || record.status === 'available') return 'available';
  if (record.status === 'disabled') return 'disabled';
  return record.error ? 'error' : 'configured';
}

function substitute(template: string, values: { tenant?: string; accountSid?: string }): string {
  return template
    .replace(/\{\{accountSid\}\}/g, encodeURIComponent(values.accountSid ?? ''))
    .replace(/\{tenant\}/g, encodeURIComponent(values.tenant ?? ''));
}

function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

function profileView(profile: AuthProfile): AuthProfileView {
  return { ...profile, fields: profile.tenancy ? ['accountSid', 'authToken', 'tenant'] : ['accountSid', 'authToken'] };
}

/** The integration action: authorization, configuration, lifecycle, auth profiles and per-user credentials. */
export class IntegrationAction {
  private readonly store: Store;
  private readonly secrets: SecretBox;
  private readonly now: () => Date;
  private readonly checker: CredentialChecker;
  private readonly rejectionProbes: RejectionProbeThrottle;
  /** The start check of this process, while it may still enable the action. */
  private startCheck: StartCheck | undefined;

  constructor(options: IntegrationActionOptions) {
    this.store = options.store;
    this.secrets = options.secrets;
    this.now = options.now ?? (() => new Date());
    this.checker = options.checker ?? createCredentialChecker();
    this.rejectionProbes = new RejectionProbeThrottle(
      options.rejectionProbeIntervalMs ?? DEFAULT_REJECTION_PROBE_INTERVAL_MS,
      options.monotonicNow ?? (() => performance.now()),
    );
  }

  private timestamp(): string {
    return this.now().toISOString();
  }

  // ---- reading -------------------------------------------------------------------------------------------------

  private async readRecord(): Promise<{ record: ActionRecord | undefined; etag: string | undefined }> {
    const doc = await this.store.get<unknown>(NS.action, ACTION_ID);
    return { record: doc ? toActionRecord(doc.value) : undefined, etag: doc?.etag };
  }

  /**
   * Read-modify-write of the action document with its etag, retried when another instance wrote in between.
   * `mutate` must be pure (it may run more than once).
   */
  private async updateRecord(mutate: (current: ActionRecord) => ActionRecord): Promise<ActionRecord> {
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const { record, etag } = await this.readRecord();
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

  private async audit(actor: Actor, action: string, outcome: string, details?: Record<string, unknown>, target?: string) {
    await this.store.appendAudit({ actor, action, outcome, target: target ?? ACTION_ID, ...(details ? { details } : {}) });
  }

  private open(record: string, ns: string, key: string, pointer: string): string {
    return this.secrets.open(record, sealContext(ns, key, pointer));
  }

  private seal(plaintext: string, ns: string, key: string, pointer: string): string {
    return this.secrets.seal(plaintext, sealContext(ns, key, pointer));
  }

  private preAuthorizedCredentials(auth: StoredPreAuthorization): TwilioCredentials {
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

  private async view(record: ActionRecord | undefined): Promise<ActionView> {
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

  /** The action as admins see it (secrets masked). */
  async status(): Promise<ActionView> {
    return this.view((await this.readRecord()).record);
  }

  // ---- authorization and configuration ---------------------------------------------------------------------------

  private storedAuthorization(input: AuthorizationInput): StoredAuthorization {
    if (input.type === 'user-authorized') return { type: 'user-authorized', profile: input.profile };
    const base = input.baseUrl ? { baseUrl: withoutTrailingSlash(input.baseUrl) } : {};
    if ('authToken' in input) {
      return {
        type: 'pre-authorized',
        method: 'auth-token',
        accountSid: input.accountSid,
        authToken: this.seal(input.authToken, NS.action, ACTION_ID, '/authorization/authToken'),
        ...base,
      };
    }
    return {
      type: 'pre-authorized',
      method: 'api-key',
      accountSid: input.accountSid,
      apiKeySid: input.apiKeySid,
      apiKeySecret: this.seal(input.apiKeySecret, NS.action, ACTION_ID, '/authorization/apiKeySecret'),
      ...base,
    };
  }

  /** Refuses a base URL the SDK would rewrite (two-label hosts, `localhost`), naming the field. */
  private assertUsableBaseUrl(credentials: TwilioCredentials, baseUrl: string | undefined, path: string): void {
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

  private async requireProfile(name: string): Promise<AuthProfile> {
    const doc = await this.store.get<unknown>(NS.profiles, name);
    const profile = doc ? toAuthProfile(doc.value) : undefined;
    if (!profile) {
      throw new ActionError('profile_not_found', `There is no auth profile named "${name}". List them with tva profiles list.`);
    }
    return profile;
  }

  /**
   * Authorizes or re-authorizes the action (input: schemas/admin/authorization.json). While the action is
   * configured, new pre-authorized credentials must pass the check first, so a live integration never switches to
   * credentials Twilio rejects. Switching away from a user-authorized profile erases its users' credentials.
   */
  async authorize(input: unknown, actor: Actor): Promise<ActionView> {
    const parsed = parseAuthorization(input);
    let check: CredentialCheckResult | undefined;
    if (parsed.type === 'user-authorized') {
      const exists = await this.store.get<unknown>(NS.profiles, parsed.profile);
      if (!exists) {
        throw new ActionError('unknown_profile', `There is no auth profile named "${parsed.profile}".`, {
          details: [{ path: '/profile', message: 'names no auth profile; create it first (POST /api/admin/profiles)' }],
        });
      }
    } else {
      const credentials: TwilioCredentials =
        'authToken' in parsed
          ? { kind: 'auth-token', accountSid: parsed.accountSid, authToken: parsed.authToken }
          : { kind: 'api-key', accountSid: parsed.accountSid, apiKeySid: parsed.apiKeySid, apiKeySecret: parsed.apiKeySecret };
      const baseUrl = parsed.baseUrl ? withoutTrailingSlash(parsed.baseUrl) : undefined;
      this.assertUsableBaseUrl(credentials, baseUrl, '/baseUrl');
      const { record } = await this.readRecord();
      if (record?.status === 'enabled') {
        check = await this.checker.checkTwilio(credentials, baseUrl);
        if (!check.ok) {
          await this.audit(actor, 'action.authorize', 'refused', { type: parsed.type, twilioCode: check.code });
          throw new ActionError(
            'authorization_check_failed',
            `The action is enabled, so new credentials must pass the authorization check first; Twilio answered ${check.code}: ${check.message}`,
            { twilio: { code: check.code, message: check.message } },
          );
        }
      }
    }
    const stored = this.storedAuthorization(parsed);
    let previous: StoredAuthorization | undefined;
    const at = this.timestamp();
    const record = await this.updateRecord((current) => {
      previous = current.authorization;
      const next: ActionRecord = { ...current, authorization: stored };
      delete next.lastTest;
      if (check?.ok) {
        delete next.error;
        next.lastTest = { ok: true, at };
      }
      return next;
    });
    const leftUserProfile =
      previous?.type === 'user-authorized' && (stored.type !== 'user-authorized' || stored.profile !== previous.profile);
    let erased = 0;
    if (leftUserProfile) {
      erased = await this.store.deleteNamespace(NS.credentials);
      await this.store.deleteNamespace(NS.authLinks);
    }
    await this.audit(actor, previous ? 'action.reauthorize' : 'action.authorize', 'ok', {
      type: stored.type,
      ...(stored.type === 'pre-authorized' ? { method: stored.method, accountSid: stored.accountSid } : { profile: stored.profile }),
      ...(leftUserProfile ? { erasedUserCredentials: erased } : {}),
    });
    return this.view(record);
  }

  /** Replaces the configuration beside credentials (input: schemas/admin/config.json). */
  async setConfig(input: unknown, actor: Actor): Promise<ActionView> {
    const config = parseActionConfig(input);
    const record = await this.updateRecord((current) => ({ ...current, config }));
    await this.audit(actor, 'action.configure', 'ok', { fields: Object.keys(config) });
    return this.view(record);
  }

  // ---- lifecycle -------------------------------------------------------------------------------------------------

  private async runCheck(record: ActionRecord | undefined): Promise<CredentialCheckResult> {
    const auth = record?.authorization;
    if (!auth) {
      throw new ActionError(
        'not_authorized',
        'The action has no authorization yet. Authorize it first: PUT /api/admin/action/authorization or tva action configure.',
      );
    }
    if (auth.type === 'user-authorized') {
      const doc = await this.store.get<unknown>(NS.profiles, auth.profile);
      return doc && toAuthProfile(doc.value)
        ? { ok: true }
        : { ok: false, code: 'profile_not_found', message: `The auth profile "${auth.profile}" no longer exists.` };
    }
    return this.checker.checkTwilio(this.preAuthorizedCredentials(auth), auth.baseUrl);
  }

  /** Records a check's result; a pass clears a runtime error unless the credentials changed meanwhile. */
  private async recordCheck(tested: StoredAuthorization | undefined, result: CredentialCheckResult, enable: boolean) {
    const at = this.timestamp();
    const lastTest: TestRecord = result.ok ? { ok: true, at } : { ok: false, code: result.code, message: result.message, at };
    const same = (current: ActionRecord) => JSON.stringify(current.authorization) === JSON.stringify(tested);
    return this.updateRecord((current) => {
      if (!same(current)) return current;
      const next: ActionRecord = { ...current, lastTest };
      if (result.ok) {
        delete next.error;
        if (enable) next.status = 'enabled';
      }
      return next;
    });
  }

  /** Runs the authorization check: `{ ok: true }` or Twilio's code and message. A pass clears the error state. */
  async test(actor: Actor): Promise<CredentialCheckResult> {
    const { record } = await this.readRecord();
    const result = await this.runCheck(record);
    await this.recordCheck(record?.authorization, result, false);
    await this.audit(actor, 'action.test', result.ok ? 'ok' : 'failed', result.ok ? undefined : { twilioCode: result.code });
    return result;
  }

  /** Enables the action after a passing check; refuses (409, with Twilio's reason) when the check fails. */
  async enable(actor: Actor): Promise<EnableResult> {
    const { record } = await this.readRecord();
    const result = await this.runCheck(record);
    const updated = await this.recordCheck(record?.authorization, result, true);
    if (!result.ok) {
      await this.audit(actor, 'action.enable', 'refused', { twilioCode: result.code });
      throw new ActionError(
        'authorization_check_failed',
        `The authorization check failed, so the action stays ${stateOf(updated)}. Twilio answered ${result.code}: ${result.message}`,
        { twilio: { code: result.code, message: result.message } },
      );
    }
    if (updated.status !== 'enabled') {
      throw new ActionError('concurrent_update', 'The authorization changed while it was checked. Try again.');
    }
    await this.audit(actor, 'action.enable', 'ok');
    return { state: 'configured', message: 'Integration successful', next: NEXT_STEP, action: await this.view(updated) };
  }

  /**
   * True when the action holds exactly these pre-authorized credentials and base URL, e.g. a restart with the same
   * TWILIO_* variables (which then need no re-authorization).
   */
  async holdsAuthorization(credentials: TwilioCredentials, baseUrl: string | undefined): Promise<boolean> {
    const auth = (await this.readRecord()).record?.authorization;
    if (auth?.type !== 'pre-authorized') return false;
    if (auth.baseUrl !== (baseUrl ? withoutTrailingSlash(baseUrl) : undefined)) return false;
    const stored = this.preAuthorizedCredentials(auth);
    if (stored.kind === 'auth-token' && credentials.kind === 'auth-token') {
      return stored.accountSid === credentials.accountSid && stored.authToken === credentials.authToken;
    }
    if (stored.kind === 'api-key' && credentials.kind === 'api-key') {
      return (
        stored.accountSid === credentials.accountSid &&
        stored.apiKeySid === credentials.apiKeySid &&
        stored.apiKeySecret === credentials.apiKeySecret
      );
    }
    return false;
  }

  /**
   * Enables the action with the credentials it holds, as `enable` does, but made for a server start: while Twilio
   * cannot be reached (timeout, refused connection, 5xx, 429) the check is retried in the background (see
   * {@link StartCheck}) and users hear that Twilio is unreachable rather than that nothing is set up. Any other
   * failure (20003 above all) stops it; the action stays not enabled with the reason in `lastTest` and the audit log.
   * An admin's change of the authorization meanwhile ends it. Resolves after the first attempt.
   */
  async enableAtStart(actor: Actor, options: StartCheckOptions = {}): Promise<StartCheck> {
    await this.startCheck?.stop();
    const snapshot = JSON.stringify((await this.readRecord()).record?.authorization);
    let failureAudited = false;
    const attempt = async (): Promise<StartAttemptResult> => {
      const { record } = await this.readRecord();
      if (!record || JSON.stringify(record.authorization) !== snapshot || record.status === 'disabled') return { kind: 'superseded' };
      if (record.status === 'enabled' && !record.error) return { kind: 'enabled' };
      const result = await this.runCheck(record);
      const updated = await this.recordCheck(record.authorization, result, true);
      if (result.ok) {
        if (updated.status !== 'enabled') return { kind: 'superseded' };
        await this.audit(actor, 'action.enable', 'ok', failureAudited ? { afterRetry: true } : undefined);
        return { kind: 'enabled' };
      }
      const transient = isTransientCheckFailure(result);
      // The first unreachable attempt and the final answer are audited, not every retry of an outage.
      if (!transient || !failureAudited) await this.audit(actor, 'action.enable', transient ? 'retrying' : 'refused', { twilioCode: result.code });
      failureAudited = true;
      return { kind: 'failed', failure: { code: result.code, message: result.message }, transient };
    };
    const check = new StartCheck(attempt, options);
    this.startCheck = check;
    await check.start();
    return check;
  }

  /** Disables the action, keeping its configuration; installed dialogs then answer that it is disabled. */
  async disable(actor: Actor): Promise<ActionView> {
    const { record } = await this.readRecord();
    if (!record || record.status === 'available') {
      throw new ActionError('not_enabled', 'The action is not enabled, so there is nothing to disable.');
    }
    const updated = await this.updateRecord((current) =>
      current.status === 'available' ? current : { ...current, status: 'disabled' },
    );
    await this.audit(actor, 'action.disable', 'ok');
    return this.view(updated);
  }

  /** Deletes the action (input `{ "confirm": "twilio-verify" }`), erasing every stored credential and auth link. */
  async delete(input: unknown, actor: Actor): Promise<DeleteResult> {
    parseDeleteAction(input);
    const existed = await this.store.delete(NS.action, ACTION_ID);
    const userCredentials = await this.store.deleteNamespace(NS.credentials);
    const authLinks = await this.store.deleteNamespace(NS.authLinks);
    await this.audit(actor, 'action.delete', 'ok', { erasedUserCredentials: userCredentials, erasedAuthLinks: authLinks });
    return { deleted: true, erased: { userCredentials, authLinks, preAuthorizedCredentials: existed } };
  }

  /**
   * Called by the runtime when a Twilio call was rejected with 20003. The same credentials are probed first
   * (`GET /Accounts/{sid}.json`), at most once per {@link IntegrationActionOptions.rejectionProbeIntervalMs} per
   * credentials; only when the probe is rejected too does {@link reportRuntimeAuthFailure} act on it. A passing or
   * inconclusive probe (timeout, refused connection, 5xx) changes nothing. Every probe's outcome is audited.
   */
  async confirmRuntimeAuthFailure(failure: {
    code: number | string;
    channelId: string;
    userId: string;
  }): Promise<RuntimeAuthFailureOutcome> {
    const { record } = await this.readRecord();
    const auth = record?.authorization;
    if (!record || record.status !== 'enabled' || !auth || record.error) return { scope: 'none', probe: 'skipped' };
    const resolved = await this.resolveCredentials(failure);
    if (resolved.kind !== 'ready') return { scope: 'none', probe: 'skipped' };
    const scope = auth.type === 'pre-authorized' ? 'action' : 'user';
    const target = scope === 'action' ? ACTION_ID : `credentials/${userCredentialsKey(failure.channelId, failure.userId)}`;
    const userDoc =
      scope === 'user' ? await this.store.get<unknown>(NS.credentials, userCredentialsKey(failure.channelId, failure.userId)) : undefined;
    if (!this.rejectionProbes.claim(credentialFingerprint(resolved.credentials, resolved.baseUrl))) {
      return { scope: 'none', probe: 'throttled' };
    }
    const verdict = verdictOf(await this.probeRejected(auth, resolved.credentials, resolved.baseUrl, userDoc?.value));
    const auditAction = scope === 'action' ? 'action.error' : 'credentials.rejected';
    if (verdict.kind !== 'confirmed') {
      const probe = verdict.kind === 'inconclusive' ? { probeCode: verdict.code } : { probe: 'passed' };
      await this.audit('runtime', auditAction, verdict.kind, { twilioCode: failure.code, ...probe }, target);
      return { scope: 'none', probe: verdict.kind };
    }
    if (scope === 'user') {
      // Only the credentials that were probed: a user who authorized again meanwhile keeps the new ones.
      const removed = await this.store
        .delete(NS.credentials, userCredentialsKey(failure.channelId, failure.userId), userDoc ? { etag: userDoc.etag } : {})
        .catch((err: unknown) => {
          if (err instanceof StoreConflictError) return false;
          throw err;
        });
      if (!removed) return { scope: 'none', probe: 'confirmed' };
      await this.audit('runtime', auditAction, 'removed', { twilioCode: verdict.code, confirmedByProbe: true }, target);
      return { scope: 'user', probe: 'confirmed' };
    }
    const at = this.timestamp();
    const tested = JSON.stringify(auth);
    let applied = false;
    await this.updateRecord((current) => {
      applied = current.status === 'enabled' && JSON.stringify(current.authorization) === tested;
      return applied ? { ...current, error: { code: verdict.code, message: verdict.message, at } } : current;
    });
    if (!applied) return { scope: 'none', probe: 'confirmed' };
    await this.audit('runtime', auditAction, 'error', { twilioCode: verdict.code, confirmedByProbe: true });
    return { scope: 'action', probe: 'confirmed' };
  }

  /**
   * The probe of credentials a call was rejected with: the authorization check for pre-authorized ones; for a user's,
   * the check of their auth profile (its own check URL when it has one), the one their credentials passed when stored.
   */
  private async probeRejected(
    auth: StoredAuthorization,
    credentials: TwilioCredentials,
    baseUrl: string | undefined,
    userRecord: unknown,
  ): Promise<CredentialCheckResult> {
    const user = toUserCredentials(userRecord);
    if (auth.type === 'pre-authorized' || !user || credentials.kind !== 'auth-token') return this.checker.checkTwilio(credentials, baseUrl);
    try {
      const profile = await this.requireProfile(auth.profile);
      return await this.checkWithProfile(profile, {
        accountSid: credentials.accountSid,
        authToken: credentials.authToken,
        ...(user.tenant ? { tenant: user.tenant } : {}),
      });
    } catch (err) {
      return { ok: false, code: 'check_failed', message: err instanceof Error ? err.message : String(err) };
    }
  }

  /**
   * Records a rejection of stored credentials (20003) without probing them ({@link confirmRuntimeAuthFailure}
   * probes first). Pre-authorized: the action goes into the error state admins see. User-authorized: that user's
   * credentials are removed, so the next dialog asks again.
   */
  async reportRuntimeAuthFailure(failure: {
    code: number | string;
    message?: string;
    channelId?: string;
    userId?: string;
  }): Promise<{ scope: 'action' | 'user' | 'none' }> {
    const { record } = await this.readRecord();
    const auth = record?.authorization;
    if (!record || record.status !== 'enabled' || !auth) return { scope: 'none' };
    const message = failure.message ?? 'Twilio rejected the stored credentials.';
    if (auth.type === 'user-authorized') {
      if (failure.channelId === undefined || failure.userId === undefined) return { scope: 'none' };
      const key = userCredentialsKey(failure.channelId, failure.userId);
      await this.store.delete(NS.credentials, key);
      await this.audit('runtime', 'credentials.rejected', 'removed', { twilioCode: failure.code }, `credentials/${key}`);
      return { scope: 'user' };
    }
    const at = this.timestamp();
    await this.updateRecord((current) =>
      current.status === 'enabled' ? { ...current, error: { code: failure.code, message, at } } : current,
    );
    await this.audit('runtime', 'action.error', 'error', { twilioCode: failure.code });
    return { scope: 'action' };
  }

  // ---- runtime -----------------------------------------------------------------------------------------------------

  /** The credentials a dialog should use for this user, or why there are none. Reads the store on every call. */
  async resolveCredentials(who: { channelId: string; userId: string }): Promise<ResolvedCredentials> {
    const { record } = await this.readRecord();
    const state = stateOf(record);
    const auth = record?.authorization;
    if (!record || !auth || state === 'available') {
      const check = this.startCheck?.pending();
      return check ? { kind: 'awaiting-check', check } : { kind: 'not-configured' };
    }
    if (state === 'disabled') return { kind: 'disabled' };
    if (record.error) return { kind: 'error', ...record.error };
    if (auth.type === 'pre-authorized') {
      return {
        kind: 'ready',
        credentials: this.preAuthorizedCredentials(auth),
        baseUrl: auth.baseUrl,
        config: record.config,
        authorization: 'pre-authorized',
      };
    }
    const profileDoc = await this.store.get<unknown>(NS.profiles, auth.profile);
    const profile = profileDoc ? toAuthProfile(profileDoc.value) : undefined;
    if (!profile) {
      return { kind: 'error', code: 'profile_not_found', message: `The auth profile "${auth.profile}" no longer exists.`, at: record.updatedAt };
    }
    const key = userCredentialsKey(who.channelId, who.userId);
    const doc = await this.store.get<unknown>(NS.credentials, key);
    const stored = doc ? toUserCredentials(doc.value) : undefined;
    if (!stored || stored.profile !== profile.name) return { kind: 'needs-user-authorization', profile: profileView(profile) };
    const authToken = this.open(stored.authToken, NS.credentials, key, '/authToken');
    return {
      kind: 'ready',
      credentials: { kind: 'auth-token', accountSid: stored.accountSid, authToken },
      baseUrl: profile.baseUrl ? withoutTrailingSlash(substitute(profile.baseUrl, { tenant: stored.tenant ?? '' })) : undefined,
      config: record.config,
      authorization: 'user-authorized',
    };
  }

  /** Checks credentials against a profile: its check URL, or the default Twilio check at its base URL. */
  private async checkWithProfile(
    profile: AuthProfile,
    creds: { accountSid: string; authToken: string; tenant?: string },
  ): Promise<CredentialCheckResult> {
    if (profile.tenancy && !creds.tenant) {
      throw new ActionError('invalid_request', `The auth profile "${profile.name}" needs a tenant.`, {
        details: [{ path: '/tenant', message: 'is required by this profile (tenancy is on)' }],
      });
    }
    const values = { tenant: creds.tenant ?? '', accountSid: creds.accountSid };
    if (profile.authorizationCheckUrl) {
      return this.checker.checkUrl(substitute(profile.authorizationCheckUrl, values), creds.accountSid, creds.authToken);
    }
    const credentials: TwilioCredentials = { kind: 'auth-token', accountSid: creds.accountSid, authToken: creds.authToken };
    return this.checker.checkTwilio(credentials, profile.baseUrl ? withoutTrailingSlash(substitute(profile.baseUrl, values)) : undefined);
  }

  /**
   * Stores an end user's credentials (input: schemas/admin/user-credentials.json) after the profile's check passes;
   * they are used for that user only. Answers the check's result; nothing is stored on a failure.
   */
  async storeUserCredentials(channelId: string, userId: string, input: unknown): Promise<CredentialCheckResult> {
    parseBotId(channelId, '/channelId');
    parseBotId(userId, '/userId');
    const creds = parseUserCredentials(input);
    const { record } = await this.readRecord();
    const auth = record?.authorization;
    if (!auth || auth.type !== 'user-authorized') {
      throw new ActionError('wrong_authorization_type', 'The action is not set up for users to authorize it.');
    }
    const profile = await this.requireProfile(auth.profile);
    const key = userCredentialsKey(channelId, userId);
    const result = await this.checkWithProfile(profile, creds);
    const actor = `user:${channelId}`;
    if (!result.ok) {
      await this.audit(actor, 'credentials.store', 'refused', { twilioCode: result.code, profile: profile.name }, `credentials/${key}`);
      return result;
    }
    const stored: UserCredentialsRecord = {
      channelId,
      userId,
      profile: profile.name,
      accountSid: creds.accountSid,
      authToken: this.seal(creds.authToken, NS.credentials, key, '/authToken'),
      ...(creds.tenant ? { tenant: creds.tenant } : {}),
      createdAt: this.timestamp(),
    };
    await this.store.put(NS.credentials, key, stored);
    await this.audit(actor, 'credentials.store', 'ok', { profile: profile.name }, `credentials/${key}`);
    return result;
  }

  private async readUserCredentials(channelId: string, userId: string) {
    parseBotId(channelId, '/channelId');
    parseBotId(userId, '/userId');
    const key = userCredentialsKey(channelId, userId);
    const doc = await this.store.get<unknown>(NS.credentials, key);
    const stored = doc ? toUserCredentials(doc.value) : undefined;
    if (!stored) {
      throw new ActionError('credentials_not_found', `No credentials are stored for user "${userId}" on channel "${channelId}".`);
    }
    return { key, stored };
  }

  /** A user's stored credentials, masked. */
  async getUserCredentials(channelId: string, userId: string): Promise<UserCredentialsView> {
    const { key, stored } = await this.readUserCredentials(channelId, userId);
    const authToken = mask(this.open(stored.authToken, NS.credentials, key, '/authToken'));
    return {
      channelId: stored.channelId,
      userId: stored.userId,
      profile: stored.profile,
      accountSid: stored.accountSid,
      authToken,
      ...(stored.tenant ? { tenant: stored.tenant } : {}),
      createdAt: stored.createdAt,
    };
  }

  /** Revokes (erases) a user's credentials; the user is asked to authorize again next time. */
  async revokeUserCredentials(channelId: string, userId: string, actor: Actor): Promise<void> {
    const { key } = await this.readUserCredentials(channelId, userId);
    await this.store.delete(NS.credentials, key);
    await this.audit(actor, 'credentials.revoke', 'ok', undefined, `credentials/${key}`);
  }

  // ---- auth profiles -------------------------------------------------------------------------------------------------

  /** Every auth profile, by name. */
  async listProfiles(): Promise<AuthProfileView[]> {
    const docs = await this.store.list<unknown>(NS.profiles);
    return docs.flatMap((d) => {
      const p = toAuthProfile(d.value);
      return p ? [profileView(p)] : [];
    });
  }

  /** One auth profile. */
  async getProfile(name: string): Promise<AuthProfileView> {
    return profileView(await this.requireProfile(parseProfileName(name)));
  }

  private assertProfileUrls(profile: Omit<AuthProfile, 'createdAt' | 'updatedAt'>): void {
    const sample: TwilioCredentials = { kind: 'auth-token', accountSid: `AC${'0'.repeat(32)}`, authToken: '0'.repeat(32) };
    if (profile.baseUrl) {
      if (profile.baseUrl.includes('{tenant}') && !profile.tenancy) {
        throw new ActionError('invalid_request', 'The auth profile is invalid.', {
          details: [{ path: '/baseUrl', message: 'holds {tenant}, so tenancy must be true' }],
        });
      }
      this.assertUsableBaseUrl(sample, withoutTrailingSlash(substitute(profile.baseUrl, { tenant: 'tenant' })), '/baseUrl');
    }
    if (profile.authorizationCheckUrl?.includes('{tenant}') && !profile.tenancy) {
      throw new ActionError('invalid_request', 'The auth profile is invalid.', {
        details: [{ path: '/authorizationCheckUrl', message: 'holds {tenant}, so tenancy must be true' }],
      });
    }
  }

  /** Creates an auth profile (input: schemas/admin/profile.json); 409 when the name is taken. */
  async createProfile(input: unknown, actor: Actor): Promise<AuthProfileView> {
    const parsed = parseAuthProfile(input);
    this.assertProfileUrls(parsed);
    if (await this.store.get<unknown>(NS.profiles, parsed.name)) {
      throw new ActionError('already_exists', `An auth profile named "${parsed.name}" exists already; update it with PUT.`);
    }
    const at = this.timestamp();
    const profile: AuthProfile = { ...parsed, createdAt: at, updatedAt: at };
    await this.store.put(NS.profiles, profile.name, profile);
    await this.audit(actor, 'profile.create', 'ok', undefined, `profiles/${profile.name}`);
    return profileView(profile);
  }

  /** Replaces an auth profile's settings (input: schemas/admin/profile-update.json). */
  async updateProfile(name: string, input: unknown, actor: Actor): Promise<AuthProfileView> {
    const current = await this.requireProfile(parseProfileName(name));
    const parsed = parseAuthProfileUpdate(input);
    const profile: AuthProfile = { name: current.name, ...parsed, createdAt: current.createdAt, updatedAt: this.timestamp() };
    this.assertProfileUrls(profile);
    await this.store.put(NS.profiles, name, profile);
    await this.audit(actor, 'profile.update', 'ok', undefined, `profiles/${name}`);
    return profileView(profile);
  }

  /** Deletes an auth profile and its users' credentials; refused while the action uses it. */
  async deleteProfile(name: string, actor: Actor): Promise<void> {
    await this.requireProfile(parseProfileName(name));
    const { record } = await this.readRecord();
    if (record?.authorization?.type === 'user-authorized' && record.authorization.profile === name) {
      throw new ActionError(
        'profile_in_use',
        `The action authorizes users with "${name}". Re-authorize the action with another profile or delete the action first.`,
      );
    }
    const users = await this.store.list<unknown>(NS.credentials);
    for (const doc of users) {
      if (toUserCredentials(doc.value)?.profile === name) await this.store.delete(NS.credentials, doc.key);
    }
    await this.store.delete(NS.profiles, name);
    await this.audit(actor, 'profile.delete', 'ok', undefined, `profiles/${name}`);
  }

  /** Runs a profile's check with sample credentials (input: schemas/admin/user-credentials.json); stores nothing. */
  async testProfile(name: string, input: unknown, actor: Actor): Promise<CredentialCheckResult> {
    const profile = await this.requireProfile(parseProfileName(name));
    const creds = parseUserCredentials(input);
    const result = await this.checkWithProfile(profile, creds);
    await this.audit(actor, 'profile.test', result.ok ? 'ok' : 'failed', result.ok ? undefined : { twilioCode: result.code }, `profiles/${name}`);
    return result;
  }

  // ---- audit ---------------------------------------------------------------------------------------------------------

  /** The audit log, newest first (query: schemas/admin/audit-query.json). */
  async listAudit(query: unknown = {}): Promise<AuditPage> {
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
}
