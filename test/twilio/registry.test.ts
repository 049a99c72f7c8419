import assert from 'node:assert/strict';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import nock from 'nock';
import { createTwilioClient, OPERATION_NAMES, operations, probeCredentials, runOperation, TwilioActionError } from '../../src/twilio';
import {
  ACCOUNT_SID,
  apiKeyCredentials,
  API_KEY_SID,
  authTokenCredentials,
  EMULATOR_URL,
  json,
  oaiExample,
  twilioError,
  SERVICE_SID,
  testGateway,
} from './helpers';

afterEach(() => nock.cleanAll());

describe('Operation registry', () => {
  it('offers exactly the twelve operations of the action', () => {
    assert.deepEqual(Object.keys(operations).sort(), [...OPERATION_NAMES].sort());
    assert.equal(OPERATION_NAMES.length, 12);
  });

  it('gives every operation a description and input and output schemas that compile in strict ajv', () => {
    const ajv = new Ajv({ strict: true, strictRequired: false, strictTypes: false });
    addFormats(ajv);
    for (const name of OPERATION_NAMES) {
      const operation = operations[name];
      assert.ok(operation.description.length > 10, name);
      assert.doesNotThrow(() => ajv.compile(operation.inputSchema), name);
      assert.doesNotThrow(() => ajv.compile(operation.outputSchema), name);
      assert.equal((operation.inputSchema as { additionalProperties?: unknown }).additionalProperties, false, name);
    }
  });

  it('runs an operation by name and returns its typed output', async () => {
    const { gw } = testGateway();
    const scope = nock(EMULATOR_URL).get(`/v2/Services/${SERVICE_SID}`).reply(...json(200, oaiExample('FetchService')));
    const service = await runOperation(gw, 'fetchService', { serviceSid: SERVICE_SID });
    assert.equal((service as { sid?: unknown }).sid, SERVICE_SID);
    assert.ok(scope.isDone());
  });

  it('rejects an unknown operation name with invalid_input listing the names', async () => {
    const { gw } = testGateway();
    const error = await runOperation(gw, 'sendFax', {}).catch((e: unknown) => e);
    assert.ok(error instanceof TwilioActionError);
    assert.equal(error.code, 'invalid_input');
    assert.match(error.userMessage, /Unknown operation: sendFax\. Use one of: sendSms, startVerification/);
  });

  it('treats a missing input as an empty object', async () => {
    const { gw } = testGateway();
    const scope = nock(EMULATOR_URL).get(`/2010-04-01/Accounts/${ACCOUNT_SID}.json`).reply(...json(200, oaiExample('FetchAccount')));
    assert.equal(((await runOperation(gw, 'fetchAccount', undefined)) as { sid?: unknown }).sid, ACCOUNT_SID);
    assert.ok(scope.isDone());
  });
});

describe('Twilio client factory', () => {
  it('returns the client, the account SID and the options in effect', () => {
    const gw = createTwilioClient(apiKeyCredentials, { baseUrl: 'http://127.0.0.1:3979', defaultRegion: 'GB' });
    assert.equal(gw.accountSid, ACCOUNT_SID);
    assert.equal(gw.client.accountSid, ACCOUNT_SID);
    assert.equal(gw.client.username, API_KEY_SID);
    assert.equal(gw.options.timeoutMs, 15_000);
    assert.equal(gw.options.maxRetries, 3);
    assert.equal(gw.options.defaultRegion, 'GB');
    assert.equal(gw.client.httpClient.defaultTimeout, 15_000);
    assert.equal(gw.client.autoRetry, false);
  });

  it('asks for Connection: close unless keepAlive is turned on', async () => {
    const { gw } = testGateway();
    const scope = nock(EMULATOR_URL, { reqheaders: { connection: 'close' } })
      .get(`/2010-04-01/Accounts/${ACCOUNT_SID}.json`)
      .reply(...json(200, oaiExample('FetchAccount')));
    await runOperation(gw, 'fetchAccount', {});
    assert.ok(scope.isDone());
    assert.equal(createTwilioClient(authTokenCredentials, { keepAlive: true }).client.httpClient.keepAlive, true);
  });

  it('applies timeoutMs to the SDK client', () => {
    const gw = createTwilioClient(authTokenCredentials, { timeoutMs: 2500 });
    assert.equal(gw.client.timeout, 2500);
    assert.equal(gw.client.httpClient.defaultTimeout, 2500);
  });

  const badCredentials: [string, Parameters<typeof createTwilioClient>[0], string][] = [
    ['an Account SID without AC', { ...authTokenCredentials, accountSid: `XX${'a'.repeat(32)}` }, 'AccountSid'],
    ['an Account SID with 31 hex characters', { ...authTokenCredentials, accountSid: `AC${'a'.repeat(31)}` }, 'AccountSid'],
    ['an API Key SID given as Account SID', { ...authTokenCredentials, accountSid: API_KEY_SID }, 'AccountSid'],
    ['an empty Auth Token', { ...authTokenCredentials, authToken: '' }, 'AuthToken'],
    ['an API Key SID without SK', { ...apiKeyCredentials, apiKeySid: `AC${'b'.repeat(32)}` }, 'ApiKeySid'],
    ['an API key secret with spaces', { ...apiKeyCredentials, apiKeySecret: 'secret with spaces in it ok' }, 'ApiKeySecret'],
  ];
  for (const [what, credentials, param] of badCredentials) {
    it(`rejects ${what} with invalid_input naming ${param}`, () => {
      assert.throws(
        () => createTwilioClient(credentials),
        (error: unknown) => error instanceof TwilioActionError && error.code === 'invalid_input' && error.param === param,
      );
    });
  }

  it('does not echo a secret in a credential error', () => {
    const secret = 'not a secret but has spaces';
    const error = (() => {
      try {
        createTwilioClient({ ...apiKeyCredentials, apiKeySecret: secret });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(error instanceof TwilioActionError);
    assert.ok(!JSON.stringify(error).includes(secret) && !error.message.includes(secret));
  });
});

describe('Credential probe', () => {
  it('answers ok with the account when Twilio accepts the credentials', async () => {
    const { gw } = testGateway();
    const scope = nock(EMULATOR_URL).get(`/2010-04-01/Accounts/${ACCOUNT_SID}.json`).reply(...json(200, oaiExample('FetchAccount')));
    assert.deepEqual(await probeCredentials(gw), { ok: true, account: { sid: ACCOUNT_SID, friendlyName: 'friendly_name', status: 'active', type: 'Full' } });
    assert.ok(scope.isDone());
  });

  it("answers not ok with Twilio's code and message instead of throwing when Twilio rejects them", async () => {
    const { gw } = testGateway();
    const scope = nock(EMULATOR_URL).get(`/2010-04-01/Accounts/${ACCOUNT_SID}.json`).reply(...twilioError(401, 20003, 'Authenticate'));
    const probe = await probeCredentials(gw);
    assert.equal(probe.ok, false);
    assert.ok(!probe.ok && probe.code === 20003 && probe.status === 401 && probe.message === 'Authenticate' && /re-authorize/.test(probe.userMessage));
    assert.ok(scope.isDone());
  });
});
