/**
 * Bearer authentication of admin routes: constant-time token comparison, and per-client backoff after repeated
 * failures (a 429 with Retry-After instead of sleeping, so nothing ties up the server and tests need no timers).
 * Only failures back off: the right token always passes. The client is the address `TRUST_PROXY` designates.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { HttpError } from './http';

export interface BackoffOptions {
  /** Failures allowed before a client is refused for a while; default 5. */
  maxFailures?: number;
  /** First refusal length; doubles with each further failure. Default 1 s. */
  baseDelaySeconds?: number;
  /** Longest refusal; default 900 s. */
  maxDelaySeconds?: number;
  /** A client's failures are forgotten this long after its last one; default 900 s. */
  forgetAfterSeconds?: number;
  /** Clients tracked at most (oldest forgotten first), so failures cannot exhaust memory; default 10000. */
  maxTracked?: number;
}

interface Attempts {
  failures: number;
  lastFailure: number;
  blockedUntil: number;
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** Compares tokens in constant time (fixed-length digests, so lengths leak nothing either). */
export function tokensEqual(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** Guards admin routes: call {@link AdminGuard.check} with the client address and the Authorization header. */
export class AdminGuard {
  private readonly attempts = new Map<string, Attempts>();
  private readonly maxFailures: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly forgetAfterMs: number;
  private readonly maxTracked: number;

  constructor(
    private readonly token: string,
    private readonly now: () => Date,
    options: BackoffOptions = {},
  ) {
    this.maxFailures = options.maxFailures ?? 5;
    this.baseDelayMs = (options.baseDelaySeconds ?? 1) * 1000;
    this.maxDelayMs = (options.maxDelaySeconds ?? 900) * 1000;
    this.forgetAfterMs = (options.forgetAfterSeconds ?? 900) * 1000;
    this.maxTracked = options.maxTracked ?? 10_000;
  }

  /**
   * Passes a correct token, always: a success resets the client's failures, even during its back-off, so nobody
   * can lock the admin out by failing on purpose. A wrong or missing token throws HttpError 429 while the client is
   * backing off, 401 otherwise (and counts as a failure).
   */
  check(client: string, authorization: string | undefined): void {
    const match = /^Bearer[ ]+(\S+)[ ]*$/i.exec(authorization ?? '');
    this.checkToken(client, match?.[1], 'Send the admin token: Authorization: Bearer <ADMIN_TOKEN> (see DATA_DIR/admin-token).');
  }

  /**
   * The same check for a token given some other way (the console's sign-in form), with the same back-off: `missing`
   * is the message when no token was given.
   */
  checkToken(client: string, given: string | undefined, missing: string): void {
    const now = this.now().getTime();
    if (given !== undefined && tokensEqual(given, this.token)) {
      this.attempts.delete(client);
      return;
    }
    const entry = this.current(client, now);
    if (entry && entry.blockedUntil > now) {
      const seconds = Math.max(1, Math.ceil((entry.blockedUntil - now) / 1000));
      throw new HttpError(429, 'too_many_attempts', `Too many failed authentications. Retry in ${seconds} s with the right token.`, [], {
        'retry-after': String(seconds),
      });
    }
    this.fail(client, entry, now);
    throw new HttpError(
      401,
      'unauthorized',
      given === undefined ? missing : 'The admin token is wrong.',
      [],
      { 'www-authenticate': 'Bearer realm="tva-admin"' },
    );
  }

  private current(client: string, now: number): Attempts | undefined {
    const entry = this.attempts.get(client);
    if (entry && now - entry.lastFailure > this.forgetAfterMs && entry.blockedUntil <= now) {
      this.attempts.delete(client);
      return undefined;
    }
    return entry;
  }

  private fail(client: string, entry: Attempts | undefined, now: number): void {
    const failures = (entry?.failures ?? 0) + 1;
    const over = failures - this.maxFailures;
    const blockedUntil = over >= 0 ? now + Math.min(this.baseDelayMs * 2 ** Math.min(over, 30), this.maxDelayMs) : 0;
    this.attempts.delete(client);
    this.attempts.set(client, { failures, lastFailure: now, blockedUntil });
    if (this.attempts.size > this.maxTracked) {
      const oldest = this.attempts.keys().next();
      if (!oldest.done) this.attempts.delete(oldest.value);
    }
  }
}
