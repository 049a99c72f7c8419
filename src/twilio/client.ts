import twilio, { type Twilio } from 'twilio';
import { resolveBaseUrls } from './baseUrl';
import { isAccountSid, isApiKeySid, isCredentialSecret } from './credentials';
import { TwilioActionError } from './errors';
import type { CountryCode } from './phone';
import { GatewayRequestClient } from './transport';

export type TwilioCredentials =
  | { kind: 'auth-token'; accountSid: string; authToken: string }
  | { kind: 'api-key'; accountSid: string; apiKeySid: string; apiKeySecret: string };

export interface GatewayOptions {
  /** e.g. http://127.0.0.1:3979; applied to both the api and verify domains. None: real Twilio. */
  baseUrl?: string;
  /** libphonenumber-js region for numbers typed without a + and country code. */
  defaultRegion?: CountryCode;
  /** Per-request timeout; default 15000. */
  timeoutMs?: number;
  /** Retries of a 429 rate limit; default 3. */
  maxRetries?: number;
  /** Waits between retries; injected in tests. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * Reuse connections (default false; the bot's gateways turn it on): one TCP and TLS handshake per connection
   * instead of per request. Idle connections are closed after IDLE_SOCKET_MS, before Twilio would close them; a
   * POST whose reused connection dies anyway is not resent (its outcome is unknown, as after a timeout), a GET is
   * sent once more. Off by default because nock 14 never ends a mocked kept-alive reply (nock/nock#3001).
   */
  keepAlive?: boolean;
  /**
   * Where Twilio reports the delivery status of every SMS this gateway sends (unless the input names one): the bot's
   * `/twilio/status`. Only set for credentials with an Auth Token, the key Twilio signs those reports with.
   */
  statusCallback?: string;
}

/** A configured official twilio-node client plus what the operations need to use it. */
export interface TwilioGateway {
  readonly client: Twilio;
  readonly accountSid: string;
  /** The options in effect: defaults filled in, base URL without trailing slash. */
  readonly options: GatewayOptions;
}

export const DEFAULT_TIMEOUT_MS = 15_000;
export const DEFAULT_MAX_RETRIES = 3;

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function credentialProblem(param: string, message: string): string {
  return `Invalid parameter: ${param}. ${message}`;
}

/** Checks the format of credentials (never their value: that is the authorization check). Messages never echo secrets. */
export function credentialProblems(credentials: TwilioCredentials): string[] {
  const problems: string[] = [];
  if (!isAccountSid(credentials.accountSid)) {
    problems.push(credentialProblem('AccountSid', 'Use the Account SID from the Twilio Console: AC followed by 32 hexadecimal characters'));
  }
  if (credentials.kind === 'auth-token') {
    if (!isCredentialSecret(credentials.authToken)) {
      problems.push(credentialProblem('AuthToken', 'Use the Auth Token from the Twilio Console (16 to 256 printable characters, no spaces)'));
    }
  } else if (credentials.kind === 'api-key') {
    if (!isApiKeySid(credentials.apiKeySid)) {
      problems.push(credentialProblem('ApiKeySid', 'Use an API Key SID: SK followed by 32 hexadecimal characters'));
    }
    if (!isCredentialSecret(credentials.apiKeySecret)) {
      problems.push(credentialProblem('ApiKeySecret', 'Use the secret shown when the API key was created (16 to 256 printable characters, no spaces)'));
    }
  } else {
    problems.push(credentialProblem('CredentialKind', "Use 'auth-token' or 'api-key'"));
  }
  return problems;
}

/**
 * The one client factory: credentials and options in, a configured twilio-node client out.
 * - twilio-node has no base-URL option: the base URL goes onto `client.api.baseUrl` and `client.verify.baseUrl`.
 * - Region and edge are cleared (TWILIO_REGION / TWILIO_EDGE from the environment included): they make
 *   `getHostname()` rewrite every host; a regional Twilio host is chosen through the base URL instead.
 * - Our GatewayRequestClient does the HTTP: retry policy, timeout, error mapping (the SDK's autoRetry stays off).
 * Throws TwilioActionError 'invalid_input' (credential formats) or 'invalid_base_url'.
 */
export function createTwilioClient(credentials: TwilioCredentials, options: GatewayOptions = {}): TwilioGateway {
  const problems = credentialProblems(credentials);
  if (problems.length > 0) {
    const param = /Invalid parameter: (\w+)/.exec(problems[0] ?? '')?.[1];
    throw new TwilioActionError({
      code: 'invalid_input',
      status: 0,
      twilioMessage: problems.join('; '),
      problems,
      ...(param ? { param } : {}),
    });
  }
  const urls = resolveBaseUrls(options.baseUrl);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new TwilioActionError({ code: 'invalid_input', status: 0, param: 'timeoutMs', twilioMessage: 'Invalid option: timeoutMs. Use a positive number of milliseconds' });
  }
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    throw new TwilioActionError({ code: 'invalid_input', status: 0, param: 'maxRetries', twilioMessage: 'Invalid option: maxRetries. Use a whole number of 0 or more' });
  }
  const sleep = options.sleep ?? defaultSleep;
  const keepAlive = options.keepAlive ?? false;
  const httpClient = new GatewayRequestClient({ timeout: timeoutMs, keepAlive }, { maxRetries, sleep });
  const [username, password] =
    credentials.kind === 'auth-token' ? [credentials.accountSid, credentials.authToken] : [credentials.apiKeySid, credentials.apiKeySecret];
  const client = twilio(username, password, {
    accountSid: credentials.accountSid,
    httpClient,
    timeout: timeoutMs,
    keepAlive,
    autoRetry: false,
    env: {},
  });
  client.region = undefined;
  client.edge = undefined;
  client.api.baseUrl = urls.api;
  client.verify.baseUrl = urls.verify;

  const effective: GatewayOptions = { timeoutMs, maxRetries, sleep, keepAlive };
  if (options.baseUrl !== undefined && options.baseUrl.trim() !== '') effective.baseUrl = urls.api === urls.verify ? urls.api : options.baseUrl.trim().replace(/\/+$/, '');
  if (options.defaultRegion !== undefined) effective.defaultRegion = options.defaultRegion;
  if (options.statusCallback !== undefined) effective.statusCallback = options.statusCallback;
  return Object.freeze({ client, accountSid: credentials.accountSid, options: Object.freeze(effective) });
}

/** Base URL of a domain as configured on the client (what `twilioRequest` resolves paths against). */
export function domainBaseUrl(gw: TwilioGateway, domain: 'api' | 'verify'): string {
  return (domain === 'api' ? gw.client.api.baseUrl : gw.client.verify.baseUrl).replace(/\/+$/, '');
}
