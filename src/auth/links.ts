/**
 * One-time authorization links for user-authorized profiles. A link is a random token (32 bytes, base64url) that
 * appears only in the URL sent to its user; the store keeps the SHA-256 of the token as the key, never the token, so
 * a copy of the store opens no link. Each page shown gets a CSRF token (stored hashed) that it puts in its form; the
 * last few stay valid, so a chat app's link preview or a second tab does not invalidate the form the user has open.
 * A link is used up by `store.take`, which gives it to exactly one of two concurrent submits.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ConversationReference } from 'botbuilder';
import { StoreConflictError, type Store } from '../store';
import { NS } from './records';
import { isRecord } from '../json';

/** Store namespace of the links: the one the action's delete and re-authorization erase. */
export const AUTH_LINKS_NAMESPACE = NS.authLinks;

/** How long a link stays usable. */
export const AUTH_LINK_TTL_MS = 10 * 60 * 1000;

const TOKEN_BYTES = 32;
/** base64url of 32 bytes: 43 characters. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** A link as stored: hashes only, never a token. */
export interface AuthLinkRecord {
  channelId: string;
  userId: string;
  profile: string;
  conversation: Partial<ConversationReference>;
  createdAt: string;
  expiresAt: string;
  /** SHA-256 (hex) of the CSRF tokens of the pages shown, oldest first, at most {@link OPEN_FORMS_PER_LINK}. */
  csrfHashes: string[];
}

/** Pages of one link whose forms stay valid at once (previews, reloads, a second tab). */
export const OPEN_FORMS_PER_LINK = 5;

/** What reading a link found. */
export type AuthLinkLookup =
  | { kind: 'usable'; key: string; etag: string; link: AuthLinkRecord }
  | { kind: 'expired' }
  | { kind: 'unknown' };

export interface AuthLinksOptions {
  store: Store;
  /** Clock for creation and expiry; injected in tests. */
  now?: () => Date;
  ttlMs?: number;
}

/** SHA-256 as hex: the store key of a link token and the stored form of a CSRF token. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function newToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/** True for text shaped like a link or CSRF token (checked before hashing, so junk never reaches the store). */
export function isTokenShaped(text: string): boolean {
  return TOKEN_PATTERN.test(text);
}


function toLinkRecord(value: unknown): AuthLinkRecord | undefined {
  if (!isRecord(value)) return undefined;
  const { channelId, userId, profile, expiresAt, createdAt, csrfHash, csrfHashes, conversation } = value;
  if (
    typeof channelId !== 'string' ||
    typeof userId !== 'string' ||
    typeof profile !== 'string' ||
    typeof expiresAt !== 'string' ||
    typeof createdAt !== 'string' ||
    !isRecord(conversation)
  ) {
    return undefined;
  }
  let hashes: string[];
  if (Array.isArray(csrfHashes) && csrfHashes.every((h) => typeof h === 'string')) hashes = csrfHashes;
  else if (csrfHashes === undefined && (csrfHash === null || csrfHash === undefined)) hashes = [];
  // Links written before several forms could be open carry one hash.
  else if (csrfHashes === undefined && typeof csrfHash === 'string') hashes = [csrfHash];
  else return undefined;
  return { channelId, userId, profile, expiresAt, createdAt, conversation: conversation as Partial<ConversationReference>, csrfHashes: hashes };
}

function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}

/** Creates, reads and consumes authorization links. */
export class AuthLinks {
  private readonly store: Store;
  private readonly now: () => Date;
  private readonly ttlMs: number;

  constructor(options: AuthLinksOptions) {
    this.store = options.store;
    this.now = options.now ?? (() => new Date());
    this.ttlMs = options.ttlMs ?? AUTH_LINK_TTL_MS;
  }

  /** Creates a link for one user and answers its token (to put in the URL, nowhere else). */
  async create(input: {
    channelId: string;
    userId: string;
    profile: string;
    conversation: Partial<ConversationReference>;
  }): Promise<{ token: string; expiresAt: Date }> {
    const token = newToken();
    const now = this.now();
    const expiresAt = new Date(now.getTime() + this.ttlMs);
    const record: AuthLinkRecord = {
      channelId: input.channelId,
      userId: input.userId,
      profile: input.profile,
      conversation: JSON.parse(JSON.stringify(input.conversation)) as Partial<ConversationReference>,
      createdAt: now.toISOString(),
      expiresAt: expiresAt.toISOString(),
      csrfHashes: [],
    };
    await this.store.put(AUTH_LINKS_NAMESPACE, sha256Hex(token), record);
    await this.deleteExpired();
    return { token, expiresAt };
  }

  /** Deletes links past their expiry (each creation sweeps, so unused links do not pile up). */
  async deleteExpired(): Promise<number> {
    const now = this.now().getTime();
    let deleted = 0;
    for (const doc of await this.store.list<unknown>(AUTH_LINKS_NAMESPACE)) {
      const link = toLinkRecord(doc.value);
      if (link && Date.parse(link.expiresAt) > now) continue;
      if (await this.store.delete(AUTH_LINKS_NAMESPACE, doc.key)) deleted += 1;
    }
    return deleted;
  }

  /** Reads a link by its token; an expired link is deleted on sight. */
  async lookup(token: string): Promise<AuthLinkLookup> {
    if (!isTokenShaped(token)) return { kind: 'unknown' };
    const key = sha256Hex(token);
    const doc = await this.store.get<unknown>(AUTH_LINKS_NAMESPACE, key);
    const link = doc ? toLinkRecord(doc.value) : undefined;
    if (!doc || !link) return { kind: 'unknown' };
    if (Date.parse(link.expiresAt) <= this.now().getTime()) {
      await this.store.delete(AUTH_LINKS_NAMESPACE, key);
      return { kind: 'expired' };
    }
    return { kind: 'usable', key, etag: doc.etag, link };
  }

  /**
   * Issues the CSRF token for the page about to be shown and stores its hash with the link, keeping the last
   * {@link OPEN_FORMS_PER_LINK}: showing the page again (a link preview, a reload) leaves open forms valid.
   * Undefined when the link went meanwhile.
   */
  async issueCsrfToken(found: Extract<AuthLinkLookup, { kind: 'usable' }>): Promise<string | undefined> {
    const csrf = newToken();
    let current: { etag: string; link: AuthLinkRecord } = found;
    // Two pages shown at the same moment race on the etag: read again and retry, a few times.
    for (let attempt = 0; attempt < 5; attempt++) {
      const csrfHashes = [...current.link.csrfHashes, sha256Hex(csrf)].slice(-OPEN_FORMS_PER_LINK);
      try {
        await this.store.put(AUTH_LINKS_NAMESPACE, found.key, { ...current.link, csrfHashes }, { etag: current.etag });
        return csrf;
      } catch (err) {
        if (!(err instanceof StoreConflictError)) throw err;
      }
      const doc = await this.store.get<unknown>(AUTH_LINKS_NAMESPACE, found.key);
      const link = doc ? toLinkRecord(doc.value) : undefined;
      if (!doc || !link) return undefined;
      current = { etag: doc.etag, link };
    }
    return undefined;
  }

  /** True when `csrf` is one of the tokens issued for this link's open pages. */
  csrfMatches(link: AuthLinkRecord, csrf: string): boolean {
    if (!isTokenShaped(csrf)) return false;
    const hash = sha256Hex(csrf);
    // Compare with every hash (no early exit), so timing says nothing about which matched.
    return link.csrfHashes.reduce((matched, stored) => hashesEqual(hash, stored) || matched, false);
  }

  /** Uses the link up; false when another request used it first. */
  async consume(key: string): Promise<boolean> {
    return (await this.store.take<unknown>(AUTH_LINKS_NAMESPACE, key)) !== undefined;
  }
}
