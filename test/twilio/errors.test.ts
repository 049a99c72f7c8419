import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import nock from 'nock';
import twilio from 'twilio';
import TwilioServiceException from 'twilio/lib/base/TwilioServiceException';
import {
  checkVerification,
  createTwilioClient,
  fetchAccount,
  fetchService,
  sendSms,
  startVerification,
  toTwilioActionError,
  TwilioActionError,
  userMessageFor,
} from '../../src/twilio';
import {
  ACCOUNT_SID,
  AUTH_TOKEN,
  closedPort,
  EMULATOR_URL,
  json,
  oaiExample,
  rejectsWith,
  SERVICE_SID,
  testGateway,
  text,
  twilioError,
} from './helpers';

const FALLBACK = userMessageFor(99999);
const messagesPath = `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`;
const verificationsPath = `/v2/Services/${SERVICE_SID}/Verifications`;
const checkPath = `/v2/Services/${SERVICE_SID}/VerificationCheck`;

type Call = 'sendSms' | 'startVerification' | 'checkVerification' | 'fetchAccount';

const errorCases: { code: number; status: number; message: string; call: Call; mentions: RegExp }[] = [
  { code: 20003, status: 401, message: 'Authenticate', call: 'fetchAccount', mentions: /credentials/i },
  { code: 20404, status: 404, message: `The requested resource ${checkPath} was not found`, call: 'checkVerification', mentions: /new verification/i },
  { code: 20429, status: 429, message: 'Too many requests', call: 'startVerification', mentions: /wait/i },
  { code: 21211, status: 400, message: "The 'To' number +1415555 is not a valid phone number.", call: 'sendSms', mentions: /not valid/i },
  { code: 21408, status: 400, message: 'Permission to send an SMS has not been enabled for the region indicated by the \'To\' number', call: 'sendSms', mentions: /geo permissions/i },
  { code: 21608, status: 400, message: 'The number is unverified. Trial accounts cannot send messages to unverified numbers', call: 'sendSms', mentions: /trial/i },
  { code: 21610, status: 400, message: 'Attempt to send to unsubscribed recipient', call: 'sendSms', mentions: /START/ },
  { code: 21614, status: 400, message: "'To' number is not a valid mobile number", call: 'sendSms', mentions: /mobile/i },
  { code: 60200, status: 400, message: 'Invalid parameter: To', call: 'startVerification', mentions: /\bTo\b/ },
  { code: 60202, status: 429, message: 'Max check attempts reached', call: 'checkVerification', mentions: /wrong codes/i },
  { code: 60203, status: 429, message: 'Max send attempts reached', call: 'startVerification', mentions: /10 minutes/ },
  { code: 60205, status: 403, message: 'SMS is not supported by landline phone number', call: 'startVerification', mentions: /landline/i },
  { code: 60212, status: 429, message: 'Too many concurrent requests for phone number', call: 'startVerification', mentions: /wait/i },
  { code: 60223, status: 400, message: 'Delivery channel disabled: WHATSAPP', call: 'startVerification', mentions: /channel/i },
  { code: 60410, status: 403, message: 'Verification delivery attempt blocked', call: 'startVerification', mentions: /fraud/i },
  { code: 60605, status: 403, message: 'Verification delivery attempt blocked due to geo permissions', call: 'startVerification', mentions: /country/i },
];

function callFor(call: Call, gw: ReturnType<typeof testGateway>['gw']): { scope: nock.Interceptor; promise: () => Promise<unknown> } {
  const host = nock(EMULATOR_URL);
  switch (call) {
    case 'sendSms':
      return { scope: host.post(messagesPath), promise: () => sendSms(gw, { to: '+14155552345', from: '+14155550100', body: 'Hi' }) };
    case 'startVerification':
      return { scope: host.post(verificationsPath), promise: () => startVerification(gw, { serviceSid: SERVICE_SID, to: '+15017122661' }) };
    case 'checkVerification':
      return { scope: host.post(checkPath), promise: () => checkVerification(gw, { serviceSid: SERVICE_SID, to: '+15017122661', code: '123456' }) };
    case 'fetchAccount':
      return { scope: host.get(`/2010-04-01/Accounts/${ACCOUNT_SID}.json`), promise: () => fetchAccount(gw) };
  }
}

afterEach(() => nock.cleanAll());

describe('Twilio error mapping', () => {
  for (const { code, status, message, call, mentions } of errorCases) {
    it(`maps ${code} (HTTP ${status}) to a TwilioActionError with code, status, moreInfo and a sentence for the user`, async () => {
      const { gw } = testGateway({ maxRetries: 0 });
      const { scope, promise } = callFor(call, gw);
      const done = scope.reply(...twilioError(status, code, message));
      const error = await rejectsWith(promise(), { code, status, moreInfo: `https://www.twilio.com/docs/errors/${code}` });
      assert.equal(error.twilioMessage, message);
      assert.notEqual(error.userMessage, FALLBACK);
      assert.match(error.userMessage, mentions);
      assert.match(error.userMessage, /\.$/);
      assert.ok(done.isDone());
    });
  }

  it('names the parameter from a 60200 message in param and userMessage', async () => {
    const { gw } = testGateway();
    const scope = nock(EMULATOR_URL).post(verificationsPath).reply(...twilioError(400, 60200, 'Invalid parameter: Locale'));
    const error = await rejectsWith(startVerification(gw, { serviceSid: SERVICE_SID, to: '+15017122661', locale: 'xx' }), { code: 60200, param: 'Locale' });
    assert.match(error.userMessage, /value of Locale/);
    assert.ok(scope.isDone());
  });

  it('maps an unknown Twilio code to the generic sentence that names the code', async () => {
    const { gw } = testGateway();
    const scope = nock(EMULATOR_URL).get(`/v2/Services/${SERVICE_SID}`).reply(...twilioError(400, 12345, 'Something else'));
    const error = await rejectsWith(fetchService(gw, { serviceSid: SERVICE_SID }), { code: 12345, status: 400 });
    assert.match(error.userMessage, /error 12345/);
    assert.ok(scope.isDone());
  });

  it('maps the 429 example of the OpenAPI spec to 20429', async () => {
    const { gw } = testGateway({ maxRetries: 0 });
    const scope = nock(EMULATOR_URL).post(verificationsPath).reply(...json(429, oaiExample('CreateVerificationRateLimitExceeded')));
    await rejectsWith(startVerification(gw, { serviceSid: SERVICE_SID, to: '+15017122661' }), { code: 20429, status: 429 });
    assert.ok(scope.isDone());
  });

  it('maps a reply slower than timeoutMs to code timeout with status 0', async () => {
    const { gw } = testGateway({ timeoutMs: 50 });
    const scope = nock(EMULATOR_URL).get(`/2010-04-01/Accounts/${ACCOUNT_SID}.json`).delay(2000).reply(...json(200, oaiExample('FetchAccount')));
    const error = await rejectsWith(fetchAccount(gw), { code: 'timeout', status: 0 });
    assert.match(error.userMessage, /in time/);
    assert.ok(scope.isDone());
  });

  it('maps a refused connection to code connection_refused with status 0', async () => {
    const port = await closedPort();
    const { gw } = testGateway({ baseUrl: `http://127.0.0.1:${port}` });
    const error = await rejectsWith(fetchAccount(gw), { code: 'connection_refused', status: 0 });
    assert.match(error.userMessage, /base URL/);
  });

  it('maps an HTML page with status 200 to malformed_response', async () => {
    const { gw } = testGateway();
    const scope = nock(EMULATOR_URL).get(`/2010-04-01/Accounts/${ACCOUNT_SID}.json`).reply(...text(200, '<html><body>Welcome</body></html>'));
    await rejectsWith(fetchAccount(gw), { code: 'malformed_response', status: 200 });
    assert.ok(scope.isDone());
  });

  it('maps an HTML error page from a proxy (502) to malformed_response with the status', async () => {
    const { gw } = testGateway();
    const scope = nock(EMULATOR_URL).post(messagesPath).reply(...text(502, '<html><body>Bad Gateway</body></html>'));
    await rejectsWith(sendSms(gw, { to: '+14155552345', from: '+14155550100', body: 'Hi' }), { code: 'malformed_response', status: 502 });
    assert.ok(scope.isDone());
  });

  it('maps JSON of the wrong shape to malformed_response', async () => {
    const { gw } = testGateway();
    const scope = nock(EMULATOR_URL).post(verificationsPath).reply(...json(201, { hello: 'world' }));
    const error = await rejectsWith(startVerification(gw, { serviceSid: SERVICE_SID, to: '+15017122661' }), { code: 'malformed_response' });
    assert.match(error.twilioMessage, /expected shape/);
    assert.ok(scope.isDone());
  });

  it('maps a JSON array or a bare string to malformed_response', async () => {
    const { gw } = testGateway();
    const scope = nock(EMULATOR_URL)
      .get(`/v2/Services/${SERVICE_SID}`)
      .reply(...json(200, [oaiExample('FetchService')]))
      .get(`/v2/Services/${SERVICE_SID}`)
      .reply(...json(200, 'ok'));
    await rejectsWith(fetchService(gw, { serviceSid: SERVICE_SID }), { code: 'malformed_response', status: 200 });
    await rejectsWith(fetchService(gw, { serviceSid: SERVICE_SID }), { code: 'malformed_response', status: 200 });
    assert.ok(scope.isDone());
  });

  it('maps a field of the wrong type (valid as a string) to malformed_response', async () => {
    const { gw } = testGateway();
    const scope = nock(EMULATOR_URL).post(checkPath).reply(...json(200, { ...oaiExample('CreateVerificationCheck'), valid: 'yes' }));
    await rejectsWith(checkVerification(gw, { serviceSid: SERVICE_SID, to: '+15017122661', code: '123456' }), { code: 'malformed_response' });
    assert.ok(scope.isDone());
  });

  it('keeps the auth token out of the message, the JSON and the inspected error of a network failure', async () => {
    const port = await closedPort();
    const gw = createTwilioClient({ kind: 'auth-token', accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN }, { baseUrl: `http://127.0.0.1:${port}` });
    const error = await rejectsWith(fetchAccount(gw), { code: 'connection_refused' });
    const basic = Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64');
    for (const rendered of [error.message, error.userMessage, JSON.stringify(error), inspect(error, { depth: 10, showHidden: true })]) {
      assert.ok(!rendered.includes(AUTH_TOKEN) && !rendered.includes(basic), rendered);
    }
  });

  it('maps a twilio-node RestException by its code, status and moreInfo', () => {
    const exception = new twilio.RestException({
      statusCode: 404,
      body: { code: 20404, message: 'The requested resource was not found', more_info: 'https://www.twilio.com/docs/errors/20404', status: 404 },
    });
    const error = toTwilioActionError(exception);
    assert.ok(error instanceof TwilioActionError);
    assert.deepEqual([error.code, error.status, error.moreInfo, error.twilioMessage], [20404, 404, 'https://www.twilio.com/docs/errors/20404', 'The requested resource was not found']);
  });

  it('maps a RestException without a JSON body to malformed_response', () => {
    const error = toTwilioActionError(new twilio.RestException({ statusCode: 503, body: '<html>Service Unavailable</html>' }));
    assert.deepEqual([error.code, error.status], ['malformed_response', 503]);
  });

  it('maps a TwilioServiceException (RFC 9457 body) by its code, status and detail', () => {
    const exception = new TwilioServiceException({
      statusCode: 400,
      body: { type: 'https://www.twilio.com/docs/errors/60200', title: 'Invalid parameter', status: 400, code: 60200, detail: 'Invalid parameter: To' },
    });
    const error = toTwilioActionError(exception);
    assert.deepEqual([error.code, error.status, error.param, error.twilioMessage], [60200, 400, 'To', 'Invalid parameter: To']);
  });

  it('maps axios timeout codes ECONNABORTED and ETIMEDOUT to timeout', () => {
    for (const code of ['ECONNABORTED', 'ETIMEDOUT']) {
      const error = toTwilioActionError(Object.assign(new Error('timeout of 50ms exceeded'), { code, isAxiosError: true, config: { headers: { Authorization: 'Basic c2VjcmV0' } } }));
      assert.deepEqual([error.code, error.status], ['timeout', 0]);
      assert.ok(!inspect(error, { showHidden: true, depth: 10 }).includes('c2VjcmV0'));
    }
  });

  it('maps a JSON SyntaxError from the SDK to malformed_response', () => {
    assert.equal(toTwilioActionError(new SyntaxError('Unexpected token <')).code, 'malformed_response');
  });

  it('gives every local code a sentence that says what to do', () => {
    for (const code of ['timeout', 'connection_refused', 'network_error', 'malformed_response', 'invalid_base_url', 'unexpected_error'] as const) {
      const sentence = userMessageFor(code);
      assert.notEqual(sentence, FALLBACK, code);
      assert.match(sentence, /^[A-Z].{30,}\.$/, code);
    }
  });
});
