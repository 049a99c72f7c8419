/**
 * Confirming a runtime rejection before acting on it. One 401 from Twilio (20003) can be a blip (a proxy, a
 * rotating edge, an injected fault) and must not put every user in "not authorized": the same credentials are
 * probed first, and at most once per interval per credential fingerprint, so a burst of 401s is one probe.
 */
import { createHash } from 'node:crypto';
import type { TwilioCredentials } from '../twilio';
import type { CredentialCheckResult } from './check';

/** How long a probe of some credentials stands before another rejection of them probes again. */
export const DEFAULT_REJECTION_PROBE_INTERVAL_MS = 30_000;

/** Fingerprints kept before expired ones are swept (each user-authorized user has their own). */
const MAX_TRACKED = 1000;

/** What the probe said about credentials a Twilio call just rejected. */
export type RejectionVerdict =
  /** The probe was rejected too (20003): the credentials are bad. */
  | { kind: 'confirmed'; code: number | string; message: string }
  /** The probe passed: the rejection was not about the credentials. */
  | { kind: 'not-confirmed' }
  /** The probe could not tell (timeout, refused connection, 5xx, another code): nothing changes. */
  | { kind: 'inconclusive'; code: number | string; message: string };

/**
 * Reads a probe's result as a verdict: only Twilio's 20003 confirms a rejection (or a plain HTTP 401 from an auth
 * profile's own check URL, which need not speak Twilio's error format).
 */
export function verdictOf(result: CredentialCheckResult): RejectionVerdict {
  if (result.ok) return { kind: 'not-confirmed' };
  if (result.code === 20003 || result.code === '20003' || result.code === 'http_401') {
    return { kind: 'confirmed', code: result.code, message: result.message };
  }
  return { kind: 'inconclusive', code: result.code, message: result.message };
}

/** A one-way fingerprint of credentials and base URL, so no secret is ever a map key. */
export function credentialFingerprint(credentials: TwilioCredentials, baseUrl: string | undefined): string {
  const parts =
    credentials.kind === 'auth-token'
      ? [credentials.kind, credentials.accountSid, credentials.authToken, baseUrl ?? '']
      : [credentials.kind, credentials.accountSid, credentials.apiKeySid, credentials.apiKeySecret, baseUrl ?? ''];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** Remembers when each fingerprint was last probed (in this process). */
export class RejectionProbeThrottle {
  private readonly probedAt = new Map<string, number>();

  constructor(
    private readonly intervalMs: number,
    /** Monotonic milliseconds. */
    private readonly now: () => number,
  ) {}

  /**
   * True when the caller may probe these credentials now (and it is recorded as probed); false while an earlier
   * probe of them, running or finished, is younger than the interval.
   */
  claim(fingerprint: string): boolean {
    const now = this.now();
    const last = this.probedAt.get(fingerprint);
    if (last !== undefined && now - last < this.intervalMs) return false;
    if (this.probedAt.size >= MAX_TRACKED) {
      for (const [key, at] of this.probedAt) if (now - at >= this.intervalMs) this.probedAt.delete(key);
    }
    this.probedAt.set(fingerprint, now);
    return true;
  }
}
