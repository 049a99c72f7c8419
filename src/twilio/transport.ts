import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';
import type Response from 'twilio/lib/http/response';
import { remainingBudgetMs } from './deadline';
import { errorFromReply, toTwilioActionError, TwilioActionError } from './errors';

/** A request is not started with less time than this left in the turn's budget: it could not be answered. */
export const MIN_REQUEST_BUDGET_MS = 200;

/** Longest wait we honour from a Retry-After header, and the cap of our own exponential backoff. */
export const MAX_RETRY_DELAY_MS = 30_000;
/** First backoff step when Twilio sends a 429 without Retry-After: 1 s, then 2 s, 4 s … */
export const BASE_RETRY_DELAY_MS = 1_000;

export interface RetryPolicy {
  /** Retries of a 429 rate limit (20429, or 429 without a code). */
  maxRetries: number;
  sleep: (ms: number) => Promise<void>;
  /** Clock for Retry-After given as an HTTP date. */
  now?: () => number;
}

/**
 * Verify answers 60202 (max check attempts) and 60203 (max send attempts) with HTTP 429 too; those last ten
 * minutes, so only the plain rate limit is retried.
 */
function isRetryableRateLimit(error: TwilioActionError): boolean {
  return error.status === 429 && (error.code === 20429 || error.code === 'malformed_response');
}

/** Milliseconds to wait before retry number `attempt` (0-based). */
export function retryDelayMs(attempt: number, retryAfterSeconds: number | undefined): number {
  if (retryAfterSeconds !== undefined) return Math.min(retryAfterSeconds * 1000, MAX_RETRY_DELAY_MS);
  return Math.min(BASE_RETRY_DELAY_MS * 2 ** attempt, MAX_RETRY_DELAY_MS);
}

/** Retry-After is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: unknown, now: number): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (typeof text === 'number' && Number.isFinite(text) && text >= 0) return Math.ceil(text);
  if (typeof text !== 'string' || text.trim() === '') return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim());
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

function header(headers: unknown, name: string): unknown {
  if (typeof headers !== 'object' || headers === null) return undefined;
  const getter: unknown = Reflect.get(headers, 'get');
  if (typeof getter === 'function') {
    const value: unknown = getter.call(headers, name);
    if (value !== undefined && value !== null) return value;
  }
  return Reflect.get(headers, name.toLowerCase());
}

function isJsonObject(body: unknown): boolean {
  return typeof body === 'object' && body !== null && !Array.isArray(body);
}

function isEmptyBody(body: unknown): boolean {
  return body === undefined || body === null || body === '';
}

/**
 * The SDK's HTTP client with our policy on top. twilio-node's own `autoRetry` retries every 429 (60202 and 60203
 * included) with a random delay that ignores Retry-After, so it stays off and this class decides:
 * - a 429 rate limit is retried up to `maxRetries` times, waiting Retry-After (capped) or 1 s, 2 s, 4 s …;
 * - a GET that fails with a 5xx is retried once (reads are idempotent);
 * - nothing else is resent: a POST that timed out or failed with a 5xx may have been delivered, so the caller decides.
 * Every failure leaves here as a TwilioActionError: non-2xx replies, network errors, and 2xx replies whose body is
 * not a JSON object (an HTML page from a proxy, a bare string).
 */
export class GatewayRequestClient extends twilio.RequestClient {
  private readonly policy: RetryPolicy;

  constructor(options: RequestClient.RequestClientOptions, policy: RetryPolicy) {
    super({ ...options, autoRetry: false });
    this.policy = policy;
  }

  override async request<TData>(opts: RequestClient.RequestOptions<TData>): Promise<Response<TData>> {
    const now = this.policy.now ?? Date.now;
    let rateLimitRetries = 0;
    let serverErrorRetried = false;
    for (;;) {
      const left = remainingBudgetMs(now());
      if (left !== undefined && left < MIN_REQUEST_BUDGET_MS) {
        throw new TwilioActionError({
          code: 'budget_exhausted',
          status: 0,
          twilioMessage: 'The turn ran out of time before this request was sent',
        });
      }
      let response: Response<TData>;
      try {
        response = await super.request(left === undefined ? opts : { ...opts, timeout: Math.min(opts.timeout ?? this.defaultTimeout, left) });
      } catch (error) {
        throw toTwilioActionError(error);
      }
      const { statusCode: status, body } = response;
      if (status >= 200 && status < 300) {
        const mayBeEmpty = status === 204 || opts.method === 'delete';
        if (isJsonObject(body) || (mayBeEmpty && isEmptyBody(body))) return response;
        throw new TwilioActionError({
          code: 'malformed_response',
          status,
          twilioMessage: `Twilio answered HTTP ${status} with a body that is not a JSON object`,
        });
      }
      const retryAfter = parseRetryAfter(header(response.headers, 'Retry-After'), now());
      const error = errorFromReply(status, body, retryAfter);
      const delay = retryDelayMs(rateLimitRetries, retryAfter);
      // A wait that would outlast the turn's budget is not taken: the user hears "try again" now instead.
      const fits = (ms: number) => {
        const budget = remainingBudgetMs(now());
        return budget === undefined || ms + MIN_REQUEST_BUDGET_MS <= budget;
      };
      if (isRetryableRateLimit(error) && rateLimitRetries < this.policy.maxRetries && fits(delay)) {
        await this.policy.sleep(delay);
        rateLimitRetries += 1;
        continue;
      }
      if (status >= 500 && opts.method === 'get' && !serverErrorRetried && fits(retryDelayMs(0, retryAfter))) {
        serverErrorRetried = true;
        await this.policy.sleep(retryDelayMs(0, retryAfter));
        continue;
      }
      throw error;
    }
  }
}
