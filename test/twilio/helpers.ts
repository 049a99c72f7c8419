import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import nock from 'nock';
import { createTwilioClient, TwilioActionError, type GatewayOptions, type TwilioCredentials, type TwilioGateway } from '../../src/twilio';
import { onlyLoopbackNetwork } from '../setup';

export const ACCOUNT_SID = `AC${'a'.repeat(32)}`;
export const AUTH_TOKEN = '0123456789abcdef0123456789abcdef';
export const API_KEY_SID = `SK${'b'.repeat(32)}`;
export const API_KEY_SECRET = 'secretsecretsecretsecretsecret12';
export const SERVICE_SID = `VA${'a'.repeat(32)}`;
export const VERIFICATION_SID = `VE${'a'.repeat(32)}`;
export const MESSAGING_SERVICE_SID = `MG${'a'.repeat(32)}`;
export const EMULATOR_URL = 'http://127.0.0.1:3979';

export const authTokenCredentials: Extract<TwilioCredentials, { kind: 'auth-token' }> = { kind: 'auth-token', accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN };
export const apiKeyCredentials: Extract<TwilioCredentials, { kind: 'api-key' }> = {
  kind: 'api-key',
  accountSid: ACCOUNT_SID,
  apiKeySid: API_KEY_SID,
  apiKeySecret: API_KEY_SECRET,
};

/** The `Authorization` header twilio-node must send for these credentials. */
export function basicAuth(credentials: TwilioCredentials): string {
  const [user, pass] = credentials.kind === 'auth-token' ? [credentials.accountSid, credentials.authToken] : [credentials.apiKeySid, credentials.apiKeySecret];
  return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
}

/**
 * Both credential kinds, each against a different host: Auth Token against the real Twilio hosts (no base URL), API
 * key against the emulator's address (base URL applied to both domains).
 */
export const credentialCases = [
  { name: 'an Account SID and Auth Token against api.twilio.com / verify.twilio.com', credentials: authTokenCredentials, apiHost: 'https://api.twilio.com', verifyHost: 'https://verify.twilio.com', baseUrl: undefined },
  { name: 'an API key against a base URL', credentials: apiKeyCredentials, apiHost: EMULATOR_URL, verifyHost: EMULATOR_URL, baseUrl: EMULATOR_URL },
] as const;

/** A gateway whose sleeps are recorded instead of waited. */
export function testGateway(options: GatewayOptions = {}, credentials: TwilioCredentials = authTokenCredentials): { gw: TwilioGateway; sleeps: number[] } {
  const sleeps: number[] = [];
  const gw = createTwilioClient(credentials, {
    baseUrl: EMULATOR_URL,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...options,
  });
  return { gw, sleeps };
}

interface Examples {
  [name: string]: unknown;
}

let examples: Examples | undefined;

/** A response example from Twilio's OpenAPI specs (copied into fixtures/oai-examples.json). */
export function oaiExample(name: string): Record<string, unknown> {
  examples ??= JSON.parse(readFileSync(path.join(__dirname, 'fixtures', 'oai-examples.json'), 'utf8')) as Examples;
  const example = examples[name];
  assert.ok(typeof example === 'object' && example !== null && !Array.isArray(example), `no fixture ${name}`);
  return { ...example };
}

/**
 * A nock reply with a JSON body and an explicit Content-Length: nock 14 never ends a mocked reply to a
 * `Connection: keep-alive` request that has no Content-Length (nock/nock#3001), should keepAlive be turned on.
 */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): [number, string, Record<string, string>] {
  const text = JSON.stringify(body);
  return [status, text, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)), ...headers }];
}

/** A non-JSON reply (an HTML error page from a proxy). */
export function text(status: number, body: string, contentType = 'text/html'): [number, string, Record<string, string>] {
  return [status, body, { 'Content-Type': contentType, 'Content-Length': String(Buffer.byteLength(body)) }];
}

/** An empty reply (204 to a DELETE). */
export function empty(status = 204): [number, string, Record<string, string>] {
  return [status, '', { 'Content-Length': '0' }];
}

/** Twilio's error body. */
export function twilioError(status: number, code: number, message: string): [number, string, Record<string, string>] {
  return json(status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
}

/** A body predicate: the form Twilio receives, exactly (nock hands over the parsed urlencoded body). */
export function form(expected: Record<string, string | string[]>): (body: unknown) => boolean {
  return (body) => typeof body === 'object' && body !== null && isDeepStrictEqual({ ...body }, expected);
}

/** Awaits a rejection and checks it is a TwilioActionError with these fields. */
export async function rejectsWith(promise: Promise<unknown>, expected: Partial<Pick<TwilioActionError, 'code' | 'status' | 'moreInfo' | 'param' | 'retryAfterSeconds'>>): Promise<TwilioActionError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof TwilioActionError, `expected a TwilioActionError, got ${String(error)}`);
    for (const [key, value] of Object.entries(expected)) {
      assert.deepEqual(error[key as keyof typeof expected], value, `${key} of ${error.twilioMessage}`);
    }
    assert.ok(error.userMessage.length > 20, 'userMessage is a sentence');
    return error;
  }
  assert.fail('expected a rejection');
}

/** A loopback port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address !== null && typeof address === 'object');
  return address.port;
}

/**
 * Real sockets for the tests of the calling `describe`: nock's interception (test/setup.ts) gives every request a
 * connection of its own and hides agents and proxies. Interception comes back after them, loopback only as before.
 */
export function withRealSockets(): void {
  before(() => nock.restore());
  after(() => {
    nock.activate();
    onlyLoopbackNetwork();
  });
}

/** Starts `server` on a free loopback port; resolves with its `http://` URL. */
export async function listenOnLoopback(server: net.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  return `http://127.0.0.1:${address.port}`;
}
