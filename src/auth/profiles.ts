/**
 * Auth profiles: how end users authorize the action themselves (which fields they give, where their credentials are
 * checked and which base URL their calls use), created and tested by admins.
 */
import type { TwilioCredentials } from '../twilio';
import { assertUsableBaseUrl, profileView, substitute, withoutTrailingSlash, type ActionDocument, type Actor } from './action-document';
import type { CredentialChecker, CredentialCheckResult } from './check';
import { ActionError } from './errors';
import { NS, toAuthProfile, toUserCredentials, type AuthProfile, type AuthProfileView } from './records';
import { parseAuthProfile, parseAuthProfileUpdate, parseProfileName, parseUserCredentials } from './validation';

/** The auth profiles in the store, and the check of a user's credentials against one. */
export class AuthProfiles {
  constructor(
    private readonly doc: ActionDocument,
    private readonly checker: CredentialChecker,
  ) {}

  /** Every auth profile, by name. */
  async list(): Promise<AuthProfileView[]> {
    const docs = await this.doc.store.list<unknown>(NS.profiles);
    return docs.flatMap((d) => {
      const p = toAuthProfile(d.value);
      return p ? [profileView(p)] : [];
    });
  }

  /** One auth profile. */
  async get(name: string): Promise<AuthProfileView> {
    return profileView(await this.require(parseProfileName(name)));
  }

  /** The stored profile of that name, or `profile_not_found`. */
  async require(name: string): Promise<AuthProfile> {
    return (await this.find(name)) ?? this.notFound(name);
  }

  /** The stored profile of that name, if any. */
  async find(name: string): Promise<AuthProfile | undefined> {
    const doc = await this.doc.store.get<unknown>(NS.profiles, name);
    return doc ? toAuthProfile(doc.value) : undefined;
  }

  /** Creates an auth profile (input: schemas/admin/profile.json); 409 when the name is taken. */
  async create(input: unknown, actor: Actor): Promise<AuthProfileView> {
    const parsed = parseAuthProfile(input);
    assertProfileUrls(parsed);
    if (await this.doc.store.get<unknown>(NS.profiles, parsed.name)) {
      throw new ActionError('already_exists', `An auth profile named "${parsed.name}" exists already; update it with PUT.`);
    }
    const at = this.doc.timestamp();
    const profile: AuthProfile = { ...parsed, createdAt: at, updatedAt: at };
    await this.doc.store.put(NS.profiles, profile.name, profile);
    await this.doc.audit(actor, 'profile.create', 'ok', undefined, `profiles/${profile.name}`);
    return profileView(profile);
  }

  /** Replaces an auth profile's settings (input: schemas/admin/profile-update.json). */
  async update(name: string, input: unknown, actor: Actor): Promise<AuthProfileView> {
    const current = await this.require(parseProfileName(name));
    const parsed = parseAuthProfileUpdate(input);
    const profile: AuthProfile = { name: current.name, ...parsed, createdAt: current.createdAt, updatedAt: this.doc.timestamp() };
    assertProfileUrls(profile);
    await this.doc.store.put(NS.profiles, name, profile);
    await this.doc.audit(actor, 'profile.update', 'ok', undefined, `profiles/${name}`);
    return profileView(profile);
  }

  /** Deletes an auth profile and its users' credentials; refused while the action uses it. */
  async delete(name: string, actor: Actor): Promise<void> {
    await this.require(parseProfileName(name));
    const { record } = await this.doc.read();
    if (record?.authorization?.type === 'user-authorized' && record.authorization.profile === name) {
      throw new ActionError(
        'profile_in_use',
        `The action authorizes users with "${name}". Re-authorize the action with another profile or delete the action first.`,
      );
    }
    const users = await this.doc.store.list<unknown>(NS.credentials);
    for (const user of users) {
      if (toUserCredentials(user.value)?.profile === name) await this.doc.store.delete(NS.credentials, user.key);
    }
    await this.doc.store.delete(NS.profiles, name);
    await this.doc.audit(actor, 'profile.delete', 'ok', undefined, `profiles/${name}`);
  }

  /** Runs a profile's check with sample credentials (input: schemas/admin/user-credentials.json); stores nothing. */
  async test(name: string, input: unknown, actor: Actor): Promise<CredentialCheckResult> {
    const profile = await this.require(parseProfileName(name));
    const creds = parseUserCredentials(input);
    const result = await this.check(profile, creds);
    await this.doc.audit(actor, 'profile.test', result.ok ? 'ok' : 'failed', result.ok ? undefined : { twilioCode: result.code }, `profiles/${name}`);
    return result;
  }

  /** Checks credentials against a profile: its check URL, or the default Twilio check at its base URL. */
  async check(profile: AuthProfile, creds: { accountSid: string; authToken: string; tenant?: string }): Promise<CredentialCheckResult> {
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

  private notFound(name: string): never {
    throw new ActionError('profile_not_found', `There is no auth profile named "${name}". List them with tva profiles list.`);
  }
}

/** Refuses `{tenant}` in a profile without tenancy, and a base URL the SDK would rewrite. */
function assertProfileUrls(profile: Omit<AuthProfile, 'createdAt' | 'updatedAt'>): void {
  const sample: TwilioCredentials = { kind: 'auth-token', accountSid: `AC${'0'.repeat(32)}`, authToken: '0'.repeat(32) };
  if (profile.baseUrl) {
    if (profile.baseUrl.includes('{tenant}') && !profile.tenancy) {
      throw new ActionError('invalid_request', 'The auth profile is invalid.', {
        details: [{ path: '/baseUrl', message: 'holds {tenant}, so tenancy must be true' }],
      });
    }
    assertUsableBaseUrl(sample, withoutTrailingSlash(substitute(profile.baseUrl, { tenant: 'tenant' })), '/baseUrl');
  }
  if (profile.authorizationCheckUrl?.includes('{tenant}') && !profile.tenancy) {
    throw new ActionError('invalid_request', 'The auth profile is invalid.', {
      details: [{ path: '/authorizationCheckUrl', message: 'holds {tenant}, so tenancy must be true' }],
    });
  }
}
