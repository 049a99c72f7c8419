/**
 * Console sessions: what a browser holds instead of the admin token. A session is a random 32-byte token in an
 * HttpOnly cookie; the store keeps only its SHA-256 (namespace `sessions`) with a fixed expiry (8 hours from sign-in,
 * not sliding: a stolen cookie is worth at most one working day). The CSRF token is derived from the session token
 * (HMAC), so it is neither stored nor guessable without the cookie, and it changes with every session.
 *
 * One-time sign-in links (`/admin/sign-in/<token>`, printed by the zero-config start) are stored the same way
 * (namespace `signinlinks`, hash only, 10 minutes) and taken atomically, so a link signs in once.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Store } from '../store';
import { tokensEqual } from './admin-auth';

export const SESSIONS_NAMESPACE = 'sessions';
export const SIGN_IN_LINKS_NAMESPACE = 'signinlinks';
/** The session cookie's name. */
export const SESSION_COOKIE = 'tva_admin';
export const DEFAULT_SESSION_TTL_SECONDS = 8 * 60 * 60;
export const DEFAULT_SIGN_IN_LINK_TTL_SECONDS = 10 * 60;

/** A session or sign-in token as issued: base64url of 32 random bytes. */
export const SESSION_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** A live session, as the server sees it (never stored in this form: the store has the token's hash only). */
export interface ConsoleSession {
  /** The cookie's value. */
  token: string;
  /** The header `X-CSRF-Token` every state-changing request of this session carries. */
  csrf: string;
  expiresAt: Date;
}

interface StoredExpiry {
  expiresAt: string;
}

export interface ConsoleSessionsOptions {
  store: Store;
  /** The clock of expiry; injected in tests. */
  now?: () => Date;
  sessionTtlSeconds?: number;
  signInLinkTtlSeconds?: number;
}

const hashOf = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');
const newToken = (): string => randomBytes(32).toString('base64url');
const csrfOf = (token: string): string => createHmac('sha256', token).update('tva-console-csrf', 'utf8').digest('base64url');

function expiryOf(value: unknown): Date | undefined {
  if (typeof value !== 'object' || value === null || !('expiresAt' in value) || typeof value.expiresAt !== 'string') return undefined;
  const date = new Date(value.expiresAt);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Issues, reads and ends console sessions and one-time sign-in links. */
export class ConsoleSessions {
  private readonly store: Store;
  private readonly now: () => Date;
  readonly sessionTtlSeconds: number;
  readonly signInLinkTtlSeconds: number;

  constructor(options: ConsoleSessionsOptions) {
    this.store = options.store;
    this.now = options.now ?? (() => new Date());
    this.sessionTtlSeconds = options.sessionTtlSeconds ?? DEFAULT_SESSION_TTL_SECONDS;
    this.signInLinkTtlSeconds = options.signInLinkTtlSeconds ?? DEFAULT_SIGN_IN_LINK_TTL_SECONDS;
  }

  /** Starts a session (after the admin token or a sign-in link was checked). */
  async start(): Promise<ConsoleSession> {
    const token = newToken();
    const expiresAt = new Date(this.now().getTime() + this.sessionTtlSeconds * 1000);
    const record: StoredExpiry = { expiresAt: expiresAt.toISOString() };
    await this.store.put(SESSIONS_NAMESPACE, hashOf(token), record, { expiresAt, ifAbsent: true });
    return { token, csrf: csrfOf(token), expiresAt };
  }

  /** The live session of a cookie value, or undefined (unknown, signed out or expired). */
  async find(token: string | undefined): Promise<ConsoleSession | undefined> {
    if (token === undefined || !SESSION_TOKEN_PATTERN.test(token)) return undefined;
    const doc = await this.store.get<unknown>(SESSIONS_NAMESPACE, hashOf(token));
    const expiresAt = doc ? expiryOf(doc.value) : undefined;
    if (!expiresAt || expiresAt.getTime() <= this.now().getTime()) return undefined;
    return { token, csrf: csrfOf(token), expiresAt };
  }

  /** True when `given` is the CSRF token of `session` (constant time). */
  csrfMatches(session: ConsoleSession, given: string | undefined): boolean {
    return given !== undefined && tokensEqual(given, session.csrf);
  }

  /** Ends a session (signing out); true when there was one. */
  async end(token: string | undefined): Promise<boolean> {
    if (token === undefined || !SESSION_TOKEN_PATTERN.test(token)) return false;
    return this.store.delete(SESSIONS_NAMESPACE, hashOf(token));
  }

  /** Issues a one-time sign-in link token (single use, {@link signInLinkTtlSeconds}); only its hash is stored. */
  async createSignInLink(): Promise<{ token: string; expiresAt: Date }> {
    const token = newToken();
    const expiresAt = new Date(this.now().getTime() + this.signInLinkTtlSeconds * 1000);
    const record: StoredExpiry = { expiresAt: expiresAt.toISOString() };
    await this.store.put(SIGN_IN_LINKS_NAMESPACE, hashOf(token), record, { expiresAt, ifAbsent: true });
    return { token, expiresAt };
  }

  /** Uses a sign-in link up and starts a session; undefined when the link is unknown, used or expired. */
  async redeemSignInLink(token: string): Promise<ConsoleSession | undefined> {
    if (!SESSION_TOKEN_PATTERN.test(token)) return undefined;
    const taken = await this.store.take<unknown>(SIGN_IN_LINKS_NAMESPACE, hashOf(token));
    const expiresAt = expiryOf(taken);
    if (!expiresAt || expiresAt.getTime() <= this.now().getTime()) return undefined;
    return this.start();
  }
}

/** The value of the session cookie in a `Cookie` header, if any. */
export function sessionCookieOf(cookieHeader: string | undefined): string | undefined {
  if (cookieHeader === undefined) return undefined;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The `Set-Cookie` value that stores a session in the browser. */
export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}${secure ? '; Secure' : ''}`;
}

/** The `Set-Cookie` value that removes the session cookie. */
export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie('', 0, secure);
}
