import http from 'node:http';
import https from 'node:https';
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';
import type Response from 'twilio/lib/http/response';
import { remainingBudgetMs } from './deadline';
import { errorFromReply, toTwilioActionError, TwilioActionError, TwilioNetworkError } from './errors';

/** A request is not started with less time than this left in the turn's budget: it could not be answered. */
export const MIN_REQUEST_BUDGET_MS = 200;

/**
 * A kept-alive connection idle this long is closed on our side: well before a server's own idle timeout (assumed
 * 60 s for Twilio's edge), so a server hardly ever closes one just as a request is written on it.
 */
export const IDLE_SOCKET_MS = 15_000;
/**
 * Connections per host (twilio-node's agent allows 20: fifty conversations sending at once would queue behind
 * them), and idle ones kept per host: as many, so a burst's connections are reused by the next burst instead of
 * closed and opened again (with 20 kept, fifty conversations at once opened and closed a connection for most of
 * their Twilio calls). Idle ones still close after {@link IDLE_SOCKET_MS}.
 */
const MAX_SOCKETS = 100;
const MAX_FREE_SOCKETS = MAX_SOCKETS;

/** Largest reply read from Twilio (its largest list pages are a few MB); a larger one is refused, not buffered. */
export const MAX_REPLY_BYTES = 16 * 2 ** 20;

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
 * True for a network failure on a kept-alive connection that was reused: the server may have closed it while idle,
 * just as the request was written. Only an idempotent request may be sent again after it.
 */
function failedOnReusedSocket(error: unknown): boolean {
  if (error instanceof TwilioNetworkError) return error.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE');
  if (typeof error !== 'object' || error === null) return false;
  const request: unknown = Reflect.get(error, 'request');
  const code: unknown = Reflect.get(error, 'code');
  const reused = typeof request === 'object' && request !== null && Reflect.get(request, 'reusedSocket') === true;
  return reused && (code === 'ECONNRESET' || code === 'EPIPE');
}

/**
 * The SDK's HTTP client with our policy on top. twilio-node's own `autoRetry` retries every 429 (60202 and 60203
 * included) with a random delay that ignores Retry-After, so it stays off and this class decides:
 * - a 429 rate limit is retried up to `maxRetries` times, waiting Retry-After (capped) or 1 s, 2 s, 4 s …;
 * - a GET that fails with a 5xx, or whose reused kept-alive connection was closed under it, is retried once (reads
 *   are idempotent);
 * - nothing else is resent: a POST that timed out, failed with a 5xx or lost its connection (reused or not) may have
 *   been delivered, so the caller decides. Neither node's http client nor axios resends anything by itself.
 * With `keepAlive` connections are reused (one TCP and TLS handshake per connection instead of per request), and
 * closed after {@link IDLE_SOCKET_MS} idle.
 * Every failure leaves here as a TwilioActionError: non-2xx replies, network errors, and 2xx replies whose body is
 * not a JSON object (an HTML page from a proxy, a bare string).
 */
export class GatewayRequestClient extends twilio.RequestClient {
  private readonly policy: RetryPolicy;

  constructor(options: RequestClient.RequestClientOptions, policy: RetryPolicy) {
    super({ ...options, autoRetry: false });
    this.policy = policy;
    if (options.keepAlive === true) {
      // twilio-node's https agent closes idle sockets after the request timeout, and it leaves http (the emulator, a
      // proxy on loopback) to node's global agent: both get agents of our own, with our idle timeout.
      const pool = { keepAlive: true, timeout: IDLE_SOCKET_MS, maxSockets: MAX_SOCKETS, maxFreeSockets: MAX_FREE_SOCKETS };
      this.axios.defaults.httpAgent = new http.Agent(pool);
      const sdkAgent: unknown = this.axios.defaults.httpsAgent;
      // HTTP_PROXY makes twilio-node use a proxy agent: that one is kept as it is.
      if (sdkAgent instanceof https.Agent) this.axios.defaults.httpsAgent = new https.Agent({ ...pool, ...(sdkAgent.options.ca ? { ca: sdkAgent.options.ca } : {}) });
    }
  }

  override async request<TData>(opts: RequestClient.RequestOptions<TData>): Promise<Response<TData>> {
    const now = this.policy.now ?? Date.now;
    let rateLimitRetries = 0;
    let serverErrorRetried = false;
    let reconnected = false;
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
        const timeout = left === undefined ? (opts.timeout ?? this.defaultTimeout) : Math.min(opts.timeout ?? this.defaultTimeout, left);
        response = opts.allowRedirects === true ? await super.request({ ...opts, timeout }) : await this.exchange(opts, timeout);
      } catch (error) {
        if (opts.method === 'get' && !reconnected && failedOnReusedSocket(error)) {
          reconnected = true;
          continue;
        }
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

  /**
   * One HTTP exchange as twilio-node's RequestClient makes it (the same headers, Basic authentication, the form body
   * with repeated keys for lists, the reply's JSON parsed when it parses), with node's http client and our agents
   * instead of axios: axios was 7 % of a turn's CPU at 50 conversations at once. `timeoutMs` bounds the whole
   * exchange; a failure below HTTP is a {@link TwilioNetworkError}. Redirects are not followed (as the SDK asks).
   */
  private async exchange<TData>(opts: RequestClient.RequestOptions<TData>, timeoutMs: number): Promise<Response<TData>> {
    const headers: Record<string, string> = { ...(opts.headers as Record<string, string> | undefined) };
    if (headers.Connection === undefined && headers.connection === undefined) headers.Connection = this.keepAlive ? 'keep-alive' : 'close';
    if (opts.username && opts.password) headers.Authorization = `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString('base64')}`;
    else if (opts.authStrategy) headers.Authorization = await opts.authStrategy.getAuthString();
    let body: string | undefined;
    if (opts.data !== undefined && opts.data !== null) {
      const type = headers['Content-Type'];
      if (type === 'application/x-www-form-urlencoded') body = formEncode(opts.data);
      else if (type === 'application/json') body = JSON.stringify(opts.data);
    }
    if (body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(body));
    const url = new URL(opts.uri);
    if (opts.params) {
      const query = formEncode(opts.params);
      if (query !== '') url.search = url.search === '' ? query : `${url.search.slice(1)}&${query}`;
    }
    const secure = url.protocol === 'https:';
    const agent: unknown = secure ? this.axios.defaults.httpsAgent : this.axios.defaults.httpAgent;
    return new Promise<Response<TData>>((resolve, reject) => {
      const request = (secure ? https : http).request(url, {
        method: opts.method.toUpperCase(),
        headers,
        ...(isAgent(agent) ? { agent } : {}),
      });
      const fail = (code: string) => {
        clearTimeout(timer);
        reject(new TwilioNetworkError(code, request.reusedSocket === true));
      };
      const timer = setTimeout(() => {
        request.destroy();
        fail('ECONNABORTED');
      }, timeoutMs);
      request.once('error', (error: NodeJS.ErrnoException) => fail(typeof error.code === 'string' ? error.code : 'ECONNRESET'));
      request.once('response', (incoming) => {
        const chunks: Buffer[] = [];
        let size = 0;
        incoming.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_REPLY_BYTES) {
            chunks.push(chunk);
            return;
          }
          // Not Twilio's (its largest pages are a few MB): a proxy or server gone wrong; never held in memory whole.
          clearTimeout(timer);
          request.destroy();
          reject(new TwilioActionError({ code: 'malformed_response', status: incoming.statusCode ?? 0, twilioMessage: `The reply was larger than ${MAX_REPLY_BYTES / 2 ** 20} MiB` }));
        });
        incoming.once('error', (error: NodeJS.ErrnoException) => fail(typeof error.code === 'string' ? error.code : 'ECONNRESET'));
        incoming.once('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ statusCode: incoming.statusCode ?? 0, body: parseBody(text) as TData, headers: incoming.headers });
        });
      });
      request.end(body);
    });
  }
}

/**
 * An agent node's http client can use: node's own, or the https-proxy-agent twilio-node makes for HTTP_PROXY (an
 * agent-base Agent, which implements addRequest without extending http.Agent).
 */
function isAgent(agent: unknown): agent is http.Agent {
  return agent instanceof http.Agent || (typeof agent === 'object' && agent !== null && typeof Reflect.get(agent, 'addRequest') === 'function');
}

/** application/x-www-form-urlencoded as twilio-node sends it (qs with arrayFormat "repeat"): lists repeat the key. */
function formEncode(values: object): string {
  const parts: string[] = [];
  const add = (key: string, value: unknown) => {
    if (value === undefined) return;
    const text = value === null ? '' : value instanceof Date ? value.toISOString() : typeof value === 'object' ? JSON.stringify(value) : String(value);
    parts.push(`${encodeText(key)}=${encodeText(text)}`);
  };
  for (const [key, value] of Object.entries(values)) {
    if (Array.isArray(value)) for (const item of value) add(key, item);
    else add(key, value);
  }
  return parts.join('&');
}

/** Half of a surrogate pair without its other half. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * encodeURIComponent, except that half of a surrogate pair alone (a user's text cut inside an emoji) is sent as
 * U+FFFD, as qs sends it, instead of throwing URIError.
 */
function encodeText(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return encodeURIComponent(text.replace(LONE_SURROGATE, '\uFFFD'));
  }
}

/** The reply's JSON, or its text when it is not JSON (as axios hands it over: a proxy's HTML page, an empty body). */
function parseBody(text: string): unknown {
  if (text === '') return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
