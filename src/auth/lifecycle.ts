/**
 * The action's authorization, configuration and lifecycle:
 * available -> (enable, only after a passing check) configured -> disable -> disabled -> enable …; credentials given
 * at start are enabled by a start check that retries while Twilio cannot be reached; delete (with confirmation)
 * returns it to available, erasing every credential. Every change is written to the audit log.
 */
import type { TwilioCredentials } from '../twilio';
import { assertUsableBaseUrl, stateOf, withoutTrailingSlash, type ActionDocument, type Actor } from './action-document';
import { isTransientCheckFailure, type CredentialChecker, type CredentialCheckResult } from './check';
import { ActionError } from './errors';
import type { AuthProfiles } from './profiles';
import type { UserCredentialStore } from './user-credentials';
import {
  ACTION_ID,
  NEXT_STEP,
  NS,
  type ActionRecord,
  type ActionView,
  type StoredAuthorization,
  type TestRecord,
} from './records';
import type { AuthorizationInput, UserAuthorizedInput } from './schemas';

/** An authorization whose auth profile (if any) is named: a new profile in the request has been created by then. */
type NamedAuthorization = Exclude<AuthorizationInput, UserAuthorizedInput> | { type: 'user-authorized'; profile: string };
import { StartCheck, type PendingStartCheck, type StartAttemptResult, type StartCheckOptions } from './start-check';
import { parseActionConfig, parseAuthorization, parseDeleteAction } from './validation';

/** What `enable` answers. */
export interface EnableResult {
  state: 'configured';
  /** "Integration successful" on the action's first enable (`first`), "Enabled" on every later one. */
  message: 'Integration successful' | 'Enabled';
  first: boolean;
  next: typeof NEXT_STEP;
  action: ActionView;
}

/** What `delete` erased. */
export interface DeleteResult {
  deleted: true;
  erased: { userCredentials: number; authLinks: number; preAuthorizedCredentials: boolean };
}

type PreAuthorizationInput = Exclude<AuthorizationInput, { type: 'user-authorized' }>;

function credentialsOf(input: PreAuthorizationInput): TwilioCredentials {
  return 'authToken' in input
    ? { kind: 'auth-token', accountSid: input.accountSid, authToken: input.authToken }
    : { kind: 'api-key', accountSid: input.accountSid, apiKeySid: input.apiKeySid, apiKeySecret: input.apiKeySecret };
}

function sameCredentials(a: TwilioCredentials, b: TwilioCredentials): boolean {
  if (a.kind === 'auth-token' && b.kind === 'auth-token') return a.accountSid === b.accountSid && a.authToken === b.authToken;
  if (a.kind === 'api-key' && b.kind === 'api-key') {
    return a.accountSid === b.accountSid && a.apiKeySid === b.apiKeySid && a.apiKeySecret === b.apiKeySecret;
  }
  return false;
}

/** Authorize, configure, test, enable (now or at start), disable and delete the action. */
export class ActionLifecycle {
  /** The start check of this process, while it may still enable the action. */
  private startCheck: StartCheck | undefined;

  constructor(
    private readonly doc: ActionDocument,
    private readonly checker: CredentialChecker,
    private readonly profiles: AuthProfiles,
    private readonly users: UserCredentialStore,
  ) {}

  /** The action as admins see it (secrets masked). */
  async status(): Promise<ActionView> {
    return this.doc.view((await this.doc.read()).record);
  }

  /** The start check's state while it may still enable the action (checking, or waiting to retry). */
  pendingStartCheck(): PendingStartCheck | undefined {
    return this.startCheck?.pending();
  }

  /**
   * Authorizes or re-authorizes the action (input: schemas/admin/authorization.json). While the action is
   * configured, new pre-authorized credentials must pass the check first, so a live integration never switches to
   * credentials Twilio rejects. Switching away from a user-authorized profile erases its users' credentials.
   */
  async authorize(input: unknown, actor: Actor): Promise<ActionView> {
    const requested = parseAuthorization(input);
    if (requested.type !== 'user-authorized') return this.authorizeWith(requested, actor);
    const { profile } = requested;
    if (typeof profile === 'string') return this.authorizeWith({ type: 'user-authorized', profile }, actor);
    // The seed's "Create New": the profile and the switch in one request. The profile is created first (its own
    // checks; 409 for a taken name) and deleted again when the switch is refused, so a refusal leaves nothing behind.
    const created = await this.profiles.create(profile, actor);
    try {
      return await this.authorizeWith({ type: 'user-authorized', profile: created.name }, actor);
    } catch (err) {
      await this.profiles.delete(created.name, actor);
      throw err;
    }
  }

  private async authorizeWith(parsed: NamedAuthorization, actor: Actor): Promise<ActionView> {
    const check = parsed.type === 'user-authorized' ? await this.assertProfileExists(parsed.profile) : await this.checkIfLive(parsed, actor);
    const stored = this.storedAuthorization(parsed);
    let previous: StoredAuthorization | undefined;
    const at = this.doc.timestamp();
    const record = await this.doc.update((current) => {
      previous = current.authorization;
      const next: ActionRecord = { ...current, authorization: stored };
      delete next.lastTest;
      if (check?.ok) {
        delete next.error;
        next.lastTest = { ok: true, at, ...(check.warning === undefined ? {} : { warning: check.warning }) };
      }
      return next;
    });
    const leftUserProfile =
      previous?.type === 'user-authorized' && (stored.type !== 'user-authorized' || stored.profile !== previous.profile);
    let erased = 0;
    if (leftUserProfile) {
      erased = await this.doc.store.deleteNamespace(NS.credentials);
      await this.doc.store.deleteNamespace(NS.authLinks);
    }
    await this.doc.audit(actor, previous ? 'action.reauthorize' : 'action.authorize', 'ok', {
      type: stored.type,
      ...(stored.type === 'pre-authorized' ? { method: stored.method, accountSid: stored.accountSid } : { profile: stored.profile }),
      ...(leftUserProfile ? { erasedUserCredentials: erased } : {}),
    });
    return this.doc.view(record);
  }

  /** Replaces the configuration beside credentials (input: schemas/admin/config.json). */
  async setConfig(input: unknown, actor: Actor): Promise<ActionView> {
    const config = parseActionConfig(input);
    const record = await this.doc.update((current) => ({ ...current, config }));
    await this.doc.audit(actor, 'action.configure', 'ok', { fields: Object.keys(config) });
    return this.doc.view(record);
  }

  /** Runs the authorization check: `{ ok: true }` or Twilio's code and message. A pass clears the error state. */
  async test(actor: Actor): Promise<CredentialCheckResult> {
    const { record } = await this.doc.read();
    // A test also checks that the configured Verify Service exists: an admin asking "does it work?" wants to know.
    const result = await this.runCheck(record, { service: true });
    await this.recordCheck(record?.authorization, result, false);
    await this.doc.audit(actor, 'action.test', result.ok ? 'ok' : 'failed', result.ok ? undefined : { twilioCode: result.code });
    return result;
  }

  /** Enables the action after a passing check; refuses (409, with Twilio's reason) when the check fails. */
  async enable(actor: Actor): Promise<EnableResult> {
    const { record } = await this.doc.read();
    const result = await this.runCheck(record);
    const updated = await this.recordCheck(record?.authorization, result, true);
    if (!result.ok) {
      await this.doc.audit(actor, 'action.enable', 'refused', { twilioCode: result.code });
      throw new ActionError(
        'authorization_check_failed',
        `The authorization check failed, so the action stays ${stateOf(updated)}. Twilio answered ${result.code}: ${result.message}`,
        { twilio: { code: result.code, message: result.message } },
      );
    }
    if (updated.status !== 'enabled') {
      throw new ActionError('concurrent_update', 'The authorization changed while it was checked. Try again.');
    }
    // Records from before firstEnabledAt existed: a disabled action was enabled once.
    const first = record?.firstEnabledAt === undefined && record?.status !== 'disabled';
    await this.doc.audit(actor, 'action.enable', 'ok', first ? { first: true } : undefined);
    return {
      state: 'configured',
      message: first ? 'Integration successful' : 'Enabled',
      first,
      next: NEXT_STEP,
      action: await this.doc.view(updated),
    };
  }

  /**
   * True when the action holds exactly these pre-authorized credentials and base URL, e.g. a restart with the same
   * TWILIO_* variables (which then need no re-authorization).
   */
  async holdsAuthorization(credentials: TwilioCredentials, baseUrl: string | undefined): Promise<boolean> {
    const auth = (await this.doc.read()).record?.authorization;
    if (auth?.type !== 'pre-authorized') return false;
    if (auth.baseUrl !== (baseUrl ? withoutTrailingSlash(baseUrl) : undefined)) return false;
    return sameCredentials(this.doc.preAuthorizedCredentials(auth), credentials);
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
    const snapshot = JSON.stringify((await this.doc.read()).record?.authorization);
    let failureAudited = false;
    const attempt = async (): Promise<StartAttemptResult> => {
      const { record } = await this.doc.read();
      if (!record || JSON.stringify(record.authorization) !== snapshot || record.status === 'disabled') return { kind: 'superseded' };
      if (record.status === 'enabled' && !record.error) return { kind: 'enabled' };
      const result = await this.runCheck(record);
      const updated = await this.recordCheck(record.authorization, result, true);
      if (result.ok) {
        if (updated.status !== 'enabled') return { kind: 'superseded' };
        await this.doc.audit(actor, 'action.enable', 'ok', failureAudited ? { afterRetry: true } : undefined);
        return { kind: 'enabled' };
      }
      const transient = isTransientCheckFailure(result);
      // The first unreachable attempt and the final answer are audited, not every retry of an outage.
      if (!transient || !failureAudited) await this.doc.audit(actor, 'action.enable', transient ? 'retrying' : 'refused', { twilioCode: result.code });
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
    const { record } = await this.doc.read();
    if (!record || record.status === 'available') {
      throw new ActionError('not_enabled', 'The action is not enabled, so there is nothing to disable.');
    }
    const updated = await this.doc.update((current) => (current.status === 'available' ? current : { ...current, status: 'disabled' }));
    await this.doc.audit(actor, 'action.disable', 'ok');
    return this.doc.view(updated);
  }

  /** Deletes the action (input `{ "confirm": "twilio-verify" }`), erasing every stored credential and auth link. */
  async delete(input: unknown, actor: Actor): Promise<DeleteResult> {
    parseDeleteAction(input);
    const existed = await this.doc.store.delete(NS.action, ACTION_ID);
    const userCredentials = await this.doc.store.deleteNamespace(NS.credentials);
    const authLinks = await this.doc.store.deleteNamespace(NS.authLinks);
    await this.doc.audit(actor, 'action.delete', 'ok', { erasedUserCredentials: userCredentials, erasedAuthLinks: authLinks });
    return { deleted: true, erased: { userCredentials, authLinks, preAuthorizedCredentials: existed } };
  }

  private async assertProfileExists(name: string): Promise<undefined> {
    if (!(await this.doc.store.get<unknown>(NS.profiles, name))) {
      throw new ActionError('unknown_profile', `There is no auth profile named "${name}".`, {
        details: [{ path: '/profile', message: 'names no auth profile; create it first (POST /api/admin/profiles)' }],
      });
    }
    return undefined;
  }

  /**
   * Refuses a base URL the SDK would rewrite; while the action is enabled, runs the check of the new credentials and
   * refuses them (audited) unless it passes. Answers the check when one ran.
   */
  private async checkIfLive(input: PreAuthorizationInput, actor: Actor): Promise<CredentialCheckResult | undefined> {
    const credentials = credentialsOf(input);
    const baseUrl = input.baseUrl ? withoutTrailingSlash(input.baseUrl) : undefined;
    assertUsableBaseUrl(credentials, baseUrl, '/baseUrl');
    const { record } = await this.doc.read();
    if (record?.status !== 'enabled') return undefined;
    const check = await this.checker.checkTwilio(credentials, baseUrl);
    if (!check.ok) {
      await this.doc.audit(actor, 'action.authorize', 'refused', { type: input.type, twilioCode: check.code });
      throw new ActionError(
        'authorization_check_failed',
        `The action is enabled, so new credentials must pass the authorization check first; Twilio answered ${check.code}: ${check.message}`,
        { twilio: { code: check.code, message: check.message } },
      );
    }
    return check;
  }

  private storedAuthorization(input: NamedAuthorization): StoredAuthorization {
    if (input.type === 'user-authorized') return { type: 'user-authorized', profile: input.profile };
    const base = input.baseUrl ? { baseUrl: withoutTrailingSlash(input.baseUrl) } : {};
    if ('authToken' in input) {
      return {
        type: 'pre-authorized',
        method: 'auth-token',
        accountSid: input.accountSid,
        authToken: this.doc.seal(input.authToken, NS.action, ACTION_ID, '/authorization/authToken'),
        ...base,
      };
    }
    return {
      type: 'pre-authorized',
      method: 'api-key',
      accountSid: input.accountSid,
      apiKeySid: input.apiKeySid,
      apiKeySecret: this.doc.seal(input.apiKeySecret, NS.action, ACTION_ID, '/authorization/apiKeySecret'),
      ...base,
    };
  }

  private async runCheck(record: ActionRecord | undefined, options: { service?: boolean } = {}): Promise<CredentialCheckResult> {
    const auth = record?.authorization;
    if (!auth) {
      throw new ActionError(
        'not_authorized',
        'The action has no authorization yet. Authorize it first: PUT /api/admin/action/authorization or tva action configure.',
      );
    }
    if (auth.type === 'user-authorized') {
      if (!(await this.profiles.find(auth.profile))) {
        return { ok: false, code: 'profile_not_found', message: `The auth profile "${auth.profile}" no longer exists.` };
      }
      const users = (await this.users.list()).filter((u) => u.profile === auth.profile).length;
      return {
        ok: true,
        checked:
          `the auth profile "${auth.profile}" exists; each user's own credentials are checked against it when they ` +
          `authorize (${users === 0 ? 'no user has yet' : `${users} user${users === 1 ? ' has' : 's have'} so far`})`,
      };
    }
    const credentials = this.doc.preAuthorizedCredentials(auth);
    const account = await this.checker.checkTwilio(credentials, auth.baseUrl);
    if (!account.ok) return account;
    // The warning is also said in `checked`, the sentence every surface prints after "passed".
    const passed = (checked: string): CredentialCheckResult =>
      account.warning === undefined ? { ok: true, checked } : { ok: true, checked: `${checked}. Warning: ${account.warning}`, warning: account.warning };
    const serviceSid = record.config.verifyServiceSid;
    if (options.service !== true) return passed(`Twilio accepted the credentials of account ${credentials.accountSid}`);
    // Codes from message templates need no Verify Service: a stale one must not fail the check.
    if (record.config.otpMode === 'messageTemplates') {
      return passed(`Twilio accepted the credentials of account ${credentials.accountSid}; codes are sent from the message templates (no Verify Service is used)`);
    }
    if (serviceSid === undefined) {
      return passed(`Twilio accepted the credentials of account ${credentials.accountSid}; no Verify Service is configured yet`);
    }
    const service = await this.checker.checkService(credentials, auth.baseUrl, serviceSid);
    if (!service.ok) return service;
    return passed(`Twilio accepted the credentials of account ${credentials.accountSid}, and the Verify Service ${serviceSid} exists`);
  }

  /** Records a check's result; a pass clears a runtime error unless the credentials changed meanwhile. */
  private async recordCheck(tested: StoredAuthorization | undefined, result: CredentialCheckResult, enable: boolean): Promise<ActionRecord> {
    const at = this.doc.timestamp();
    const lastTest: TestRecord = result.ok
      ? { ok: true, at, ...(result.warning === undefined ? {} : { warning: result.warning }) }
      : { ok: false, code: result.code, message: result.message, at };
    const same = (current: ActionRecord) => JSON.stringify(current.authorization) === JSON.stringify(tested);
    return this.doc.update((current) => {
      if (!same(current)) return current;
      const next: ActionRecord = { ...current, lastTest };
      if (result.ok) {
        delete next.error;
        if (enable) {
          next.status = 'enabled';
          next.firstEnabledAt ??= at;
        }
      }
      return next;
    });
  }
}
