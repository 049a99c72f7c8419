/**
 * What the bot runtime asks of the action: which credentials a user's dialog calls Twilio with (or why there are
 * none), and what to do when Twilio rejects them at runtime. A rejection (20003), once a probe of the same credentials
 * confirms it, puts a pre-authorized action in state `error` until a check passes, or removes the user's own
 * credentials so the next dialog asks again.
 */
import { StoreConflictError } from '../store';
import type { TwilioCredentials } from '../twilio';
import { profileView, stateOf, type ActionDocument } from './action-document';
import type { CredentialChecker, CredentialCheckResult } from './check';
import type { AuthProfiles } from './profiles';
import { ACTION_ID, NS, toUserCredentials, userCredentialsKey, type AuthProfileView, type StoredAuthorization } from './records';
import {
  credentialFingerprint,
  RejectionProbeThrottle,
  verdictOf,
  type RejectionVerdict,
} from './rejection-probe';
import type { ActionConfig } from './schemas';
import type { PendingStartCheck } from './start-check';
import type { UserCredentialStore } from './user-credentials';

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

/** What became of a runtime rejection: who it affected, and what the probe said (`throttled`: no probe ran). */
export interface RuntimeAuthFailureOutcome {
  scope: 'action' | 'user' | 'none';
  probe: RejectionVerdict['kind'] | 'throttled' | 'skipped';
}

/** A rejection the runtime saw: Twilio's code, and whose turn it was. */
export interface RuntimeRejection {
  code: number | string;
  channelId: string;
  userId: string;
}

/** What the parts this one reads: the document, profiles, users' credentials and the start check. */
export interface RuntimeCredentialsParts {
  doc: ActionDocument;
  checker: CredentialChecker;
  profiles: AuthProfiles;
  users: UserCredentialStore;
  rejectionProbes: RejectionProbeThrottle;
  pendingStartCheck: () => PendingStartCheck | undefined;
}

/** Resolves users' credentials for the runtime and acts on Twilio's runtime rejections of them. */
export class RuntimeCredentials {
  private readonly doc: ActionDocument;

  constructor(private readonly parts: RuntimeCredentialsParts) {
    this.doc = parts.doc;
  }

  /** The credentials a dialog should use for this user, or why there are none. Reads the store on every call. */
  async resolve(who: { channelId: string; userId: string }): Promise<ResolvedCredentials> {
    const { record } = await this.doc.read();
    const state = stateOf(record);
    const auth = record?.authorization;
    if (!record || !auth || state === 'available') {
      const check = this.parts.pendingStartCheck();
      return check ? { kind: 'awaiting-check', check } : { kind: 'not-configured' };
    }
    if (state === 'disabled') return { kind: 'disabled' };
    if (record.error) return { kind: 'error', ...record.error };
    if (auth.type === 'pre-authorized') {
      const credentials = this.doc.preAuthorizedCredentials(auth);
      return { kind: 'ready', credentials, baseUrl: auth.baseUrl, config: record.config, authorization: 'pre-authorized' };
    }
    const profile = await this.parts.profiles.find(auth.profile);
    if (!profile) {
      return { kind: 'error', code: 'profile_not_found', message: `The auth profile "${auth.profile}" no longer exists.`, at: record.updatedAt };
    }
    const access = await this.parts.users.access(profile, who);
    if (!access) return { kind: 'needs-user-authorization', profile: profileView(profile) };
    return { kind: 'ready', ...access, config: record.config, authorization: 'user-authorized' };
  }

  /**
   * Called by the runtime when a Twilio call was rejected with 20003. The same credentials are probed first
   * (`GET /Accounts/{sid}.json`), at most once per probe interval per credentials; only when the probe is rejected
   * too does it act, as {@link report} does. A passing or inconclusive probe (timeout, refused connection, 5xx)
   * changes nothing. Every probe's outcome is audited.
   */
  async confirm(failure: RuntimeRejection): Promise<RuntimeAuthFailureOutcome> {
    const { record } = await this.doc.read();
    const auth = record?.authorization;
    if (!record || record.status !== 'enabled' || !auth || record.error) return { scope: 'none', probe: 'skipped' };
    const resolved = await this.resolve(failure);
    if (resolved.kind !== 'ready') return { scope: 'none', probe: 'skipped' };
    const scope = auth.type === 'pre-authorized' ? 'action' : 'user';
    const key = userCredentialsKey(failure.channelId, failure.userId);
    const target = scope === 'action' ? ACTION_ID : `credentials/${key}`;
    const userDoc = scope === 'user' ? await this.doc.store.get<unknown>(NS.credentials, key) : undefined;
    if (!this.parts.rejectionProbes.claim(credentialFingerprint(resolved.credentials, resolved.baseUrl))) {
      return { scope: 'none', probe: 'throttled' };
    }
    const verdict = verdictOf(await this.probe(auth, resolved.credentials, resolved.baseUrl, userDoc?.value));
    const auditAction = scope === 'action' ? 'action.error' : 'credentials.rejected';
    if (verdict.kind !== 'confirmed') {
      const probe = verdict.kind === 'inconclusive' ? { probeCode: verdict.code } : { probe: 'passed' };
      await this.doc.audit('runtime', auditAction, verdict.kind, { twilioCode: failure.code, ...probe }, target);
      return { scope: 'none', probe: verdict.kind };
    }
    const applied = scope === 'user' ? await this.removeProbed(key, userDoc?.etag) : await this.markError(auth, verdict);
    if (!applied) return { scope: 'none', probe: 'confirmed' };
    await this.doc.audit('runtime', auditAction, scope === 'user' ? 'removed' : 'error', { twilioCode: verdict.code, confirmedByProbe: true }, target);
    return { scope, probe: 'confirmed' };
  }

  /**
   * Records a rejection of stored credentials (20003) without probing them ({@link confirm} probes first).
   * Pre-authorized: the action goes into the error state admins see. User-authorized: that user's credentials are
   * removed, so the next dialog asks again.
   */
  async report(failure: { code: number | string; message?: string; channelId?: string; userId?: string }): Promise<{
    scope: 'action' | 'user' | 'none';
  }> {
    const { record } = await this.doc.read();
    const auth = record?.authorization;
    if (!record || record.status !== 'enabled' || !auth) return { scope: 'none' };
    const message = failure.message ?? 'Twilio rejected the stored credentials.';
    if (auth.type === 'user-authorized') {
      if (failure.channelId === undefined || failure.userId === undefined) return { scope: 'none' };
      const key = userCredentialsKey(failure.channelId, failure.userId);
      await this.doc.store.delete(NS.credentials, key);
      await this.doc.audit('runtime', 'credentials.rejected', 'removed', { twilioCode: failure.code }, `credentials/${key}`);
      return { scope: 'user' };
    }
    const at = this.doc.timestamp();
    await this.doc.update((current) => (current.status === 'enabled' ? { ...current, error: { code: failure.code, message, at } } : current));
    await this.doc.audit('runtime', 'action.error', 'error', { twilioCode: failure.code });
    return { scope: 'action' };
  }

  /** Removes the user's credentials that were probed only: a user who authorized again meanwhile keeps the new ones. */
  private async removeProbed(key: string, etag: string | undefined): Promise<boolean> {
    return this.doc.store.delete(NS.credentials, key, etag ? { etag } : {}).catch((err: unknown) => {
      if (err instanceof StoreConflictError) return false;
      throw err;
    });
  }

  /** Puts the action in state `error`, unless it was disabled or re-authorized since the probed credentials were read. */
  private async markError(auth: StoredAuthorization, verdict: { code: number | string; message: string }): Promise<boolean> {
    const at = this.doc.timestamp();
    const tested = JSON.stringify(auth);
    let applied = false;
    await this.doc.update((current) => {
      applied = current.status === 'enabled' && JSON.stringify(current.authorization) === tested;
      return applied ? { ...current, error: { code: verdict.code, message: verdict.message, at } } : current;
    });
    return applied;
  }

  /**
   * The probe of credentials a call was rejected with: the authorization check for pre-authorized ones; for a user's,
   * the check of their auth profile (its own check URL when it has one), the one their credentials passed when stored.
   */
  private async probe(
    auth: StoredAuthorization,
    credentials: TwilioCredentials,
    baseUrl: string | undefined,
    userRecord: unknown,
  ): Promise<CredentialCheckResult> {
    const user = toUserCredentials(userRecord);
    if (auth.type === 'pre-authorized' || !user || credentials.kind !== 'auth-token') return this.parts.checker.checkTwilio(credentials, baseUrl);
    try {
      const profile = await this.parts.profiles.require(auth.profile);
      return await this.parts.profiles.check(profile, {
        accountSid: credentials.accountSid,
        authToken: credentials.authToken,
        ...(user.tenant ? { tenant: user.tenant } : {}),
      });
    } catch (err) {
      return { ok: false, code: 'check_failed', message: err instanceof Error ? err.message : String(err) };
    }
  }
}
