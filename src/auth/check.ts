/**
 * The authorization check: a credential probe that returns, never throws (n8n's credential `test`).
 * Default: `GET {base}/2010-04-01/Accounts/{AccountSid}.json` through the gateway's probe (`fetchAccount`); an auth profile
 * may name its own check URL instead, called with Basic Auth.
 */
import { createTwilioClient, fetchService, probeCredentials, TRIAL_ACCOUNT_WARNING, TwilioActionError, type CredentialCheckResult, type TwilioCredentials } from '../twilio';

export type { CredentialCheckResult };

/** Runs authorization checks; injectable so the service can be tested against nock or the emulator alike. */
export interface CredentialChecker {
  /** The default check through the Twilio SDK. */
  checkTwilio(credentials: TwilioCredentials, baseUrl: string | undefined): Promise<CredentialCheckResult>;
  /** A profile's check URL, called with Basic Auth (Account SID : Auth Token). */
  checkUrl(url: string, accountSid: string, authToken: string): Promise<CredentialCheckResult>;
  /** That the configured Verify Service exists in the account (a failure names it and says what to do). */
  checkService(credentials: TwilioCredentials, baseUrl: string | undefined, serviceSid: string): Promise<CredentialCheckResult>;
}

const CHECK_TIMEOUT_MS = 15_000;

function failure(err: unknown): CredentialCheckResult {
  if (err instanceof TwilioActionError) {
    return { ok: false, code: err.code, message: err.twilioMessage || err.message };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { ok: false, code: 'check_failed', message: `The authorization check could not run: ${message}` };
}

function isTwilioErrorBody(value: unknown): value is { code: number | string; message?: unknown } {
  if (typeof value !== 'object' || value === null) return false;
  const code = (value as { code?: unknown }).code;
  return typeof code === 'number' || typeof code === 'string';
}

/** The production checker: the gateway for Twilio's API, `fetch` for a profile's own check URL. */
export function createCredentialChecker(
  options: { timeoutMs?: number; fetch?: typeof fetch; sleep?: (ms: number) => Promise<void> } = {},
): CredentialChecker {
  const timeoutMs = options.timeoutMs ?? CHECK_TIMEOUT_MS;
  const fetchImpl = options.fetch ?? fetch;
  // The gateway waits before its one retry of a GET answered 5xx; tests inject the wait.
  const sleep = options.sleep ? { sleep: options.sleep } : {};
  return {
    async checkTwilio(credentials, baseUrl) {
      try {
        const gateway = createTwilioClient(credentials, { ...(baseUrl ? { baseUrl } : {}), timeoutMs, maxRetries: 0, ...sleep });
        const probe = await probeCredentials(gateway);
        if (!probe.ok) return { ok: false, code: probe.code, message: probe.message };
        // A trial account passes (the credentials work) but texts only its verified numbers: the admin must know.
        return probe.account.type === 'Trial' ? { ok: true, warning: TRIAL_ACCOUNT_WARNING } : { ok: true };
      } catch (err) {
        return failure(err);
      }
    },
    async checkService(credentials, baseUrl, serviceSid) {
      try {
        const gateway = createTwilioClient(credentials, { ...(baseUrl ? { baseUrl } : {}), timeoutMs, maxRetries: 0, ...sleep });
        await fetchService(gateway, { serviceSid });
        return { ok: true };
      } catch (err) {
        if (err instanceof TwilioActionError && err.code === 20404) {
          return {
            ok: false,
            code: 20404,
            message: `The configured Verify Service ${serviceSid} does not exist in this account. Pick one of the account's services (GET /api/admin/services) or create one, then save it as verifyServiceSid.`,
          };
        }
        return failure(err);
      }
    },
    async checkUrl(url, accountSid, authToken) {
      let response: Response;
      try {
        response = await fetchImpl(url, {
          method: 'GET',
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
          headers: {
            accept: 'application/json',
            authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`,
          },
        });
      } catch (err) {
        const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
        return timedOut
          ? { ok: false, code: 'timeout', message: `The authorization check URL did not answer within ${timeoutMs} ms.` }
          : { ok: false, code: 'connection_failed', message: 'The authorization check URL could not be reached.' };
      }
      if (response.status >= 200 && response.status < 300) {
        await response.body?.cancel();
        return { ok: true };
      }
      let body: unknown;
      try {
        body = await response.json();
      } catch {
        body = undefined;
      }
      if (isTwilioErrorBody(body)) {
        const message = typeof body.message === 'string' ? body.message : `HTTP ${response.status}`;
        return { ok: false, code: body.code, message };
      }
      return { ok: false, code: `http_${response.status}`, message: `The authorization check answered HTTP ${response.status}.` };
    },
  };
}

/** Codes that say Twilio was not reached or was in trouble, as opposed to an answer about the credentials. */
const TRANSIENT_CODES: ReadonlySet<number | string> = new Set([
  'timeout',
  'connection_refused',
  'network_error',
  'connection_failed',
  'check_failed',
  // A proxy's 502/503 page, or a reply cut short, has no Twilio error body.
  'malformed_response',
  20429,
]);

/**
 * True when a failed check may pass unchanged later: Twilio unreachable, timing out, rate limiting or failing on its
 * side (5xx: Twilio's 20500-20599 codes, `http_5xx` from a check URL). False for answers about the credentials
 * themselves (20003) and anything else a retry would not change.
 */
export function isTransientCheckFailure(failure: { code: number | string }): boolean {
  const { code } = failure;
  if (TRANSIENT_CODES.has(code)) return true;
  if (typeof code === 'number') return code >= 20500 && code <= 20599;
  return /^http_(5\d\d|429)$/.test(code);
}
