/**
 * End users' own credentials, for an action authorized per user (`user-authorized`): stored sealed per channel and
 * user after their auth profile's check passes, used for that user only, shown masked, revocable.
 */
import type { TwilioCredentials } from '../twilio';
import { substitute, withoutTrailingSlash, type ActionDocument, type Actor } from './action-document';
import type { CredentialCheckResult } from './check';
import { ActionError } from './errors';
import type { AuthProfiles } from './profiles';
import {
  NS,
  toUserCredentials,
  userCredentialsKey,
  type AuthProfile,
  type UserCredentialsRecord,
  type UserCredentialsView,
} from './records';
import { mask } from './secrets';
import { parseBotId, parseUserCredentials } from './validation';

/** A user's stored credentials, opened, with the base URL their profile gives them. */
export interface UserTwilioAccess {
  credentials: TwilioCredentials;
  /** Base URL for the gateway; undefined means Twilio's own hosts. */
  baseUrl: string | undefined;
}

/** One user with stored credentials, as the console lists them: no secret, the Account SID masked. */
export interface UserCredentialsSummary {
  channelId: string;
  userId: string;
  profile: string;
  accountSid: string;
  createdAt: string;
}

/** Per-user credentials in the store (namespace `credentials`). */
export class UserCredentialStore {
  constructor(
    private readonly doc: ActionDocument,
    private readonly profiles: AuthProfiles,
  ) {}

  /**
   * Stores an end user's credentials (input: schemas/admin/user-credentials.json) after the profile's check passes;
   * they are used for that user only. Answers the check's result; nothing is stored on a failure.
   */
  async store(channelId: string, userId: string, input: unknown): Promise<CredentialCheckResult> {
    parseBotId(channelId, '/channelId');
    parseBotId(userId, '/userId');
    const creds = parseUserCredentials(input);
    const { record } = await this.doc.read();
    const auth = record?.authorization;
    if (!auth || auth.type !== 'user-authorized') {
      throw new ActionError('wrong_authorization_type', 'The action is not set up for users to authorize it.');
    }
    const profile = await this.profiles.require(auth.profile);
    const key = userCredentialsKey(channelId, userId);
    const result = await this.profiles.check(profile, creds);
    const actor = `user:${channelId}`;
    if (!result.ok) {
      await this.doc.audit(actor, 'credentials.store', 'refused', { twilioCode: result.code, profile: profile.name }, `credentials/${key}`);
      return result;
    }
    const stored: UserCredentialsRecord = {
      channelId,
      userId,
      profile: profile.name,
      accountSid: creds.accountSid,
      authToken: this.doc.seal(creds.authToken, NS.credentials, key, '/authToken'),
      ...(creds.tenant ? { tenant: creds.tenant } : {}),
      createdAt: this.doc.timestamp(),
    };
    await this.doc.store.put(NS.credentials, key, stored);
    await this.doc.audit(actor, 'credentials.store', 'ok', { profile: profile.name }, `credentials/${key}`);
    return result;
  }

  /** A user's stored credentials, masked. */
  async get(channelId: string, userId: string): Promise<UserCredentialsView> {
    const { key, stored } = await this.require(channelId, userId);
    const authToken = mask(this.doc.open(stored.authToken, NS.credentials, key, '/authToken'));
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

  /** Every user with stored credentials, newest first, Account SIDs masked. */
  async list(): Promise<UserCredentialsSummary[]> {
    const summaries: UserCredentialsSummary[] = [];
    for (const doc of await this.doc.store.list<unknown>(NS.credentials)) {
      const stored = toUserCredentials(doc.value);
      if (!stored) continue;
      summaries.push({
        channelId: stored.channelId,
        userId: stored.userId,
        profile: stored.profile,
        accountSid: mask(stored.accountSid),
        createdAt: stored.createdAt,
      });
    }
    return summaries.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** Revokes (erases) a user's credentials; the user is asked to authorize again next time. */
  async revoke(channelId: string, userId: string, actor: Actor): Promise<void> {
    const { key } = await this.require(channelId, userId);
    await this.doc.store.delete(NS.credentials, key);
    await this.doc.audit(actor, 'credentials.revoke', 'ok', undefined, `credentials/${key}`);
  }

  /** The credentials this user stored with `profile`, opened; undefined when they stored none (or with another profile). */
  async access(profile: AuthProfile, who: { channelId: string; userId: string }): Promise<UserTwilioAccess | undefined> {
    const key = userCredentialsKey(who.channelId, who.userId);
    const doc = await this.doc.store.get<unknown>(NS.credentials, key);
    const stored = doc ? toUserCredentials(doc.value) : undefined;
    if (!stored || stored.profile !== profile.name) return undefined;
    const authToken = this.doc.open(stored.authToken, NS.credentials, key, '/authToken');
    return {
      credentials: { kind: 'auth-token', accountSid: stored.accountSid, authToken },
      baseUrl: profile.baseUrl ? withoutTrailingSlash(substitute(profile.baseUrl, { tenant: stored.tenant ?? '' })) : undefined,
    };
  }

  private async require(channelId: string, userId: string): Promise<{ key: string; stored: UserCredentialsRecord }> {
    parseBotId(channelId, '/channelId');
    parseBotId(userId, '/userId');
    const key = userCredentialsKey(channelId, userId);
    const doc = await this.doc.store.get<unknown>(NS.credentials, key);
    const stored = doc ? toUserCredentials(doc.value) : undefined;
    if (!stored) {
      throw new ActionError('credentials_not_found', `No credentials are stored for user "${userId}" on channel "${channelId}".`);
    }
    return { key, stored };
  }
}
