/**
 * The Twilio Verify action: one facade over its parts, used by the admin API, the CLI and the bot runtime.
 * - lifecycle.ts: authorization, configuration, test, enable (now or at start), disable, delete;
 * - runtime-credentials.ts: the credentials a user's dialog uses, and Twilio's runtime rejections of them;
 * - profiles.ts: auth profiles; user-credentials.ts: end users' own credentials;
 * - action-document.ts: the stored action document, sealing, the audit log.
 * State is read from the store on every call (several instances share it); secrets are sealed before they reach the
 * store and masked wherever they are shown; every change is written to the audit log.
 */
import type { AuditPage, Store } from '../store';
import type { TwilioCredentials } from '../twilio';
import { ActionDocument, type Actor } from './action-document';
import { createCredentialChecker, type CredentialChecker, type CredentialCheckResult } from './check';
import { ActionLifecycle, type DeleteResult, type EnableResult } from './lifecycle';
import { AuthProfiles } from './profiles';
import type { ActionView, AuthProfileView, UserCredentialsView } from './records';
import { DEFAULT_REJECTION_PROBE_INTERVAL_MS, RejectionProbeThrottle } from './rejection-probe';
import { RuntimeCredentials, type ResolvedCredentials, type RuntimeAuthFailureOutcome } from './runtime-credentials';
import type { SecretBox } from './secrets';
import type { StartCheck, StartCheckOptions } from './start-check';
import { UserCredentialStore, type UserCredentialsSummary } from './user-credentials';
import { RawRequests } from './raw-requests';
import { VerifyServices } from './verify-services';
import type { TwilioResponse, VerifyService } from '../twilio';

export type { Actor } from './action-document';
export type { DeleteResult, EnableResult } from './lifecycle';
export type { ResolvedCredentials, RuntimeAuthFailureOutcome } from './runtime-credentials';

/** What an {@link IntegrationAction} is built from. */
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

/** The integration action: authorization, configuration, lifecycle, auth profiles and per-user credentials. */
export class IntegrationAction {
  private readonly doc: ActionDocument;
  private readonly lifecycle: ActionLifecycle;
  private readonly runtime: RuntimeCredentials;
  private readonly profiles: AuthProfiles;
  private readonly users: UserCredentialStore;
  private readonly services: VerifyServices;
  private readonly raw: RawRequests;
  private readonly secrets: SecretBox;

  constructor(options: IntegrationActionOptions) {
    this.secrets = options.secrets;
    const checker = options.checker ?? createCredentialChecker();
    this.doc = new ActionDocument(options.store, options.secrets, options.now ?? (() => new Date()));
    this.profiles = new AuthProfiles(this.doc, checker);
    this.users = new UserCredentialStore(this.doc, this.profiles);
    this.services = new VerifyServices(this.doc);
    this.raw = new RawRequests(this.doc);
    this.lifecycle = new ActionLifecycle(this.doc, checker, this.profiles, this.users);
    const rejectionProbes = new RejectionProbeThrottle(
      options.rejectionProbeIntervalMs ?? DEFAULT_REJECTION_PROBE_INTERVAL_MS,
      options.monotonicNow ?? (() => performance.now()),
    );
    this.runtime = new RuntimeCredentials({
      doc: this.doc,
      checker,
      profiles: this.profiles,
      users: this.users,
      rejectionProbes,
      pendingStartCheck: () => this.lifecycle.pendingStartCheck(),
    });
  }

  /** Keys derived from the secrets key for `label` (HKDF), current first: for keyed hashes that never leave the process. */
  derivedKeys(label: string): Buffer[] {
    return this.secrets.deriveKeys(label);
  }

  /** The action as admins see it (secrets masked). */
  status(): Promise<ActionView> {
    return this.lifecycle.status();
  }

  /** Authorizes or re-authorizes the action (input: schemas/admin/authorization.json); see {@link ActionLifecycle.authorize}. */
  authorize(input: unknown, actor: Actor): Promise<ActionView> {
    return this.lifecycle.authorize(input, actor);
  }

  /** Replaces the configuration beside credentials (input: schemas/admin/config.json). */
  setConfig(input: unknown, actor: Actor): Promise<ActionView> {
    return this.lifecycle.setConfig(input, actor);
  }

  /** Runs the authorization check: `{ ok: true }` or Twilio's code and message. A pass clears the error state. */
  test(actor: Actor): Promise<CredentialCheckResult> {
    return this.lifecycle.test(actor);
  }

  /** Enables the action after a passing check; refuses (409, with Twilio's reason) when the check fails. */
  enable(actor: Actor): Promise<EnableResult> {
    return this.lifecycle.enable(actor);
  }

  /** True when the action holds exactly these pre-authorized credentials and base URL. */
  holdsAuthorization(credentials: TwilioCredentials, baseUrl: string | undefined): Promise<boolean> {
    return this.lifecycle.holdsAuthorization(credentials, baseUrl);
  }

  /** Enables the action at a server start, retrying while Twilio cannot be reached; see {@link ActionLifecycle.enableAtStart}. */
  enableAtStart(actor: Actor, options: StartCheckOptions = {}): Promise<StartCheck> {
    return this.lifecycle.enableAtStart(actor, options);
  }

  /** Disables the action, keeping its configuration; installed dialogs then answer that it is disabled. */
  disable(actor: Actor): Promise<ActionView> {
    return this.lifecycle.disable(actor);
  }

  /** Deletes the action (input `{ "confirm": "twilio-verify" }`), erasing every stored credential and auth link. */
  delete(input: unknown, actor: Actor): Promise<DeleteResult> {
    return this.lifecycle.delete(input, actor);
  }

  /**
   * Called by the runtime when a Twilio call was rejected with 20003: probes the same credentials first (at most once
   * per {@link IntegrationActionOptions.rejectionProbeIntervalMs}) and acts only when the probe is rejected too.
   */
  confirmRuntimeAuthFailure(failure: { code: number | string; channelId: string; userId: string }): Promise<RuntimeAuthFailureOutcome> {
    return this.runtime.confirm(failure);
  }

  /** Records a rejection of stored credentials (20003) without probing them; see {@link RuntimeCredentials.report}. */
  reportRuntimeAuthFailure(failure: {
    code: number | string;
    message?: string;
    channelId?: string;
    userId?: string;
  }): Promise<{ scope: 'action' | 'user' | 'none' }> {
    return this.runtime.report(failure);
  }

  /** The credentials a dialog should use for this user, or why there are none. Reads the store on every call. */
  resolveCredentials(who: { channelId: string; userId: string }): Promise<ResolvedCredentials> {
    return this.runtime.resolve(who);
  }

  /** Stores an end user's credentials after their profile's check passes; answers the check's result. */
  storeUserCredentials(channelId: string, userId: string, input: unknown): Promise<CredentialCheckResult> {
    return this.users.store(channelId, userId, input);
  }

  /** A user's stored credentials, masked. */
  getUserCredentials(channelId: string, userId: string): Promise<UserCredentialsView> {
    return this.users.get(channelId, userId);
  }

  /** Revokes (erases) a user's credentials; the user is asked to authorize again next time. */
  revokeUserCredentials(channelId: string, userId: string, actor: Actor): Promise<void> {
    return this.users.revoke(channelId, userId, actor);
  }

  /** Every user with stored credentials (Account SIDs masked, no secret). */
  listUsersWithCredentials(): Promise<UserCredentialsSummary[]> {
    return this.users.list();
  }

  /** The account's Verify Services, through Twilio with the action's pre-authorized credentials. */
  /** Any Twilio API call with the action's pre-authorized credentials (`tva api`): `{ method, domain, path, params? }`. */
  twilioRequest(input: unknown, actor: Actor): Promise<TwilioResponse> {
    return this.raw.send(input, actor);
  }

  listVerifyServices(): Promise<VerifyService[]> {
    return this.services.list();
  }

  /**
   * Creates a Verify Service with the action's pre-authorized credentials (audited); `settings` is the createService
   * operation's input (`{ friendlyName, codeLength?, … }`), validated by its schema.
   */
  createVerifyService(settings: unknown, actor: Actor): Promise<VerifyService> {
    return this.services.create(settings, actor);
  }

  /** One Verify Service with its settings. */
  showVerifyService(serviceSid: string): Promise<VerifyService> {
    return this.services.show(serviceSid);
  }

  /** Changes settings of a Verify Service (audited); `settings` is the updateService operation's input without the SID. */
  updateVerifyService(serviceSid: string, settings: unknown, actor: Actor): Promise<VerifyService> {
    return this.services.update(serviceSid, settings, actor);
  }

  /** Deletes a Verify Service (audited). */
  deleteVerifyService(serviceSid: string, actor: Actor): Promise<{ sid: string; deleted: true }> {
    return this.services.delete(serviceSid, actor);
  }

  /** Every auth profile, by name. */
  listProfiles(): Promise<AuthProfileView[]> {
    return this.profiles.list();
  }

  /** One auth profile. */
  getProfile(name: string): Promise<AuthProfileView> {
    return this.profiles.get(name);
  }

  /** Creates an auth profile (input: schemas/admin/profile.json); 409 when the name is taken. */
  createProfile(input: unknown, actor: Actor): Promise<AuthProfileView> {
    return this.profiles.create(input, actor);
  }

  /** Replaces an auth profile's settings (input: schemas/admin/profile-update.json). */
  updateProfile(name: string, input: unknown, actor: Actor): Promise<AuthProfileView> {
    return this.profiles.update(name, input, actor);
  }

  /** Deletes an auth profile and its users' credentials; refused while the action uses it. */
  deleteProfile(name: string, actor: Actor): Promise<void> {
    return this.profiles.delete(name, actor);
  }

  /** Runs a profile's check with sample credentials (input: schemas/admin/user-credentials.json); stores nothing. */
  testProfile(name: string, input: unknown, actor: Actor): Promise<CredentialCheckResult> {
    return this.profiles.test(name, input, actor);
  }

  /** The audit log, newest first (query: schemas/admin/audit-query.json). */
  listAudit(query: unknown = {}): Promise<AuditPage> {
    return this.doc.listAudit(query);
  }
}
