import assert from 'node:assert/strict';
import nock from 'nock';
import { runOperation, TwilioActionError, type OperationName } from '../../src/twilio';
import { ACCOUNT_SID, EMULATOR_URL, form, json, MESSAGING_SERVICE_SID, oaiExample, SERVICE_SID, testGateway, VERIFICATION_SID } from './helpers';

const sms = { to: '+14155550123', from: '+14155550100', body: 'Hi' };
const start = { serviceSid: SERVICE_SID, to: '+14155550123' };
const check = { serviceSid: SERVICE_SID, to: '+14155550123', code: '123456' };

/** Each bad input, the parameter it must name, and a phrase of the message. */
const cases: [OperationName, unknown, string, RegExp][] = [
  ['sendSms', { ...sms, to: '555' }, 'To', /Invalid parameter: To\. Use E\.164, e\.g\. \+14155550123/],
  ['sendSms', { ...sms, to: undefined }, 'To', /Missing parameter: To/],
  ['sendSms', { ...sms, from: '+1 000' }, 'From', /Invalid parameter: From\. Use E\.164/],
  ['sendSms', { to: sms.to, body: 'Hi' }, 'From', /give exactly one of From or MessagingServiceSid/],
  ['sendSms', { ...sms, messagingServiceSid: MESSAGING_SERVICE_SID }, 'From', /only one of From or MessagingServiceSid/],
  ['sendSms', { to: sms.to, body: 'Hi', messagingServiceSid: 'MG123' }, 'MessagingServiceSid', /MG followed by 32 hexadecimal/],
  ['sendSms', { ...sms, body: '' }, 'Body', /Invalid parameter: Body\. It is empty: give some text/],
  ['sendSms', { ...sms, body: '   ' }, 'Body', /Invalid parameter: Body\. It is empty/],
  ['sendSms', { ...sms, body: ' \n\t ' }, 'Body', /Invalid parameter: Body\. It is empty/],
  ['sendSms', { ...sms, body: ' '.repeat(1601) }, 'Body', /^Invalid parameter: Body\. It is empty[^;]*$/],
  ['sendSms', { ...sms, body: 'x'.repeat(1601) }, 'Body', /Use 1 to 1600 characters/],
  ['sendSms', { ...sms, body: '😀'.repeat(1601) }, 'Body', /Use 1 to 1600 characters/],
  ['sendSms', { ...sms, body: 'a\u0000b' }, 'Body', /control character \(U\+0000\) at character 2 that an SMS cannot carry/],
  ['sendSms', { ...sms, body: '😀\u001b[31mred' }, 'Body', /control character \(U\+001B\) at character 2/],
  ['sendSms', { ...sms, body: 'bell\u0007' }, 'Body', /U\+0007/],
  ['sendSms', { ...sms, to: '+14155550123 ext. 5' }, 'To', /Invalid parameter: To\. An SMS cannot reach an extension \(ext\. 5\)/],
  ['sendSms', { ...sms, to: 'tel:+14155550123;ext=77' }, 'To', /cannot reach an extension \(ext\. 77\)/],
  ['sendSms', { ...sms, to: '+1 415 555 0123 x12' }, 'To', /cannot reach an extension/],
  ['sendSms', { ...sms, from: '+14155550100 extension 3' }, 'From', /Invalid parameter: From\. An SMS cannot reach an extension/],
  ['sendSms', { ...sms, statusCallback: 'ftp://example.com/cb' }, 'StatusCallback', /http or https URL/],
  ['sendSms', { ...sms, mediaUrl: 'https://example.com/a.png' }, 'MediaUrl', /Unknown parameter: MediaUrl\. Allowed: To, From/],
  ['sendSms', 'hello', '', /Use an object/],
  ['startVerification', { ...start, serviceSid: 'VA123' }, 'ServiceSid', /VA followed by 32 hexadecimal characters/],
  ['startVerification', { ...start, channel: 'pigeon' }, 'Channel', /Use one of: sms, call, email, whatsapp/],
  ['startVerification', { ...start, to: 'ada@example.com' }, 'To', /Use E\.164/],
  ['startVerification', { ...start, channel: 'email' }, 'To', /e-mail address/],
  ['startVerification', { ...start, customCode: '12ab' }, 'CustomCode', /4 to 10 digits/],
  ['startVerification', { ...start, locale: 'English' }, 'Locale', /language tag/],
  ['startVerification', { ...start, channelConfiguration: '{"from":"a@b.co"}' }, 'ChannelConfiguration', /Use an object/],
  ['checkVerification', { ...check, code: '12' }, 'Code', /4 to 10 digits/],
  ['checkVerification', { ...check, code: '12345678901' }, 'Code', /4 to 10 digits/],
  ['checkVerification', { ...check, code: 123456 }, 'Code', /Use text/],
  ['checkVerification', { serviceSid: SERVICE_SID, code: '123456' }, 'To', /give exactly one of To or VerificationSid/],
  ['checkVerification', { ...check, verificationSid: VERIFICATION_SID }, 'To', /only one of To or VerificationSid/],
  ['checkVerification', { ...check, to: 'ada@example' }, 'To', /e-mail address/],
  ['fetchVerification', { serviceSid: SERVICE_SID, verificationSid: 'VE1' }, 'VerificationSid', /VE followed by 32/],
  ['updateVerification', { serviceSid: SERVICE_SID, verificationSid: VERIFICATION_SID, status: 'expired' }, 'Status', /Use one of: canceled, approved/],
  ['listServices', { limit: 0 }, 'Limit', /Use a number from 1 to 1000/],
  ['listServices', { limit: 2.5 }, 'Limit', /whole number/],
  ['createService', {}, 'FriendlyName', /Missing parameter: FriendlyName/],
  ['createService', { friendlyName: 'Acme', codeLength: 11 }, 'CodeLength', /Use a number from 4 to 10/],
  ['createService', { friendlyName: 'Acme', lookupEnabled: 'yes' }, 'LookupEnabled', /Use true or false/],
  ['fetchService', { serviceSid: `AC${'a'.repeat(32)}` }, 'ServiceSid', /VA followed by 32/],
  ['updateService', { serviceSid: SERVICE_SID }, 'FriendlyName', /give at least one of FriendlyName, CodeLength/],
  ['deleteService', {}, 'ServiceSid', /Missing parameter: ServiceSid/],
  ['fetchAccount', { accountSid: 'AC1' }, 'AccountSid', /Unknown parameter: AccountSid/],
  ['twilioRequest', { method: 'PUT', domain: 'api', path: '/x' }, 'Method', /Use one of: GET, POST, DELETE/],
  ['twilioRequest', { method: 'GET', domain: 'lookups', path: '/x' }, 'Domain', /Use one of: api, verify/],
  ['twilioRequest', { method: 'GET', domain: 'api', path: 'https://evil.example.com/x' }, 'Path', /starting with \//],
  ['twilioRequest', { method: 'GET', domain: 'api', path: '//evil.example.com/x' }, 'Path', /starting with \//],
  ['twilioRequest', { method: 'GET', domain: 'api', path: '/2010-04-01/../../x' }, 'Path', /without \.\./],
  ['twilioRequest', { method: 'GET', domain: 'api', path: '/v2/Services?PageSize=1' }, 'Path', /query/],
  ['twilioRequest', { method: 'POST', domain: 'api', path: '/x', params: { To: { nested: true } } }, 'Params.To', /Invalid parameter: Params\.To/],
];

afterEach(() => nock.cleanAll());

describe('Operation input validation', () => {
  for (const [name, input, param, message] of cases) {
    it(`rejects ${name} ${JSON.stringify(input)?.slice(0, 90)} naming ${param || 'the input'} without sending a request`, async () => {
      const { gw } = testGateway();
      const hits: string[] = [];
      const record = function (this: { req: { method: string; path: string } }): [number, string, Record<string, string>] {
        hits.push(`${this.req.method} ${this.req.path}`);
        return [500, '', { 'Content-Length': '0' }];
      };
      nock(EMULATOR_URL).persist().get(/.*/).reply(record).post(/.*/).reply(record).delete(/.*/).reply(record);
      try {
        await runOperation(gw, name, input);
        assert.fail('expected invalid_input');
      } catch (error) {
        assert.ok(error instanceof TwilioActionError, String(error));
        assert.equal(error.code, 'invalid_input');
        assert.equal(error.status, 0);
        if (param) assert.equal(error.param, param);
        assert.match(error.userMessage, message);
      }
      assert.deepEqual(hits, [], 'no request reached the network');
    });
  }

  it('reports every problem of an input at once', async () => {
    const { gw } = testGateway();
    const error = await runOperation(gw, 'startVerification', { serviceSid: 'VA1', to: '', channel: 'fax', colour: 'blue' }).catch((e: unknown) => e);
    assert.ok(error instanceof TwilioActionError);
    assert.equal(error.problems.length, 4, error.problems.join('\n'));
    assert.ok(error.problems.some((p) => p.startsWith('Invalid parameter: ServiceSid')));
    assert.ok(error.problems.some((p) => p.startsWith('Invalid parameter: To')));
    assert.ok(error.problems.some((p) => p.startsWith('Invalid parameter: Channel')));
    assert.ok(error.problems.some((p) => p.startsWith('Unknown parameter: Colour')));
  });

  it('reports a bad To and a bad From together', async () => {
    const { gw } = testGateway();
    const error = await runOperation(gw, 'sendSms', { to: '123', from: '+1 000', body: 'Hi' }).catch((e: unknown) => e);
    assert.ok(error instanceof TwilioActionError);
    assert.deepEqual(error.problems, ['Invalid parameter: To. Use E.164, e.g. +14155550123 (with the + and country code)', 'Invalid parameter: From. Use E.164, e.g. +14155550123']);
  });

  it('does not change the input object it was given', async () => {
    const { gw } = testGateway();
    const input = { serviceSid: 'VA1', to: '+14155550123' };
    await runOperation(gw, 'startVerification', input).catch(() => undefined);
    assert.deepEqual(input, { serviceSid: 'VA1', to: '+14155550123' });
  });
});

describe('Operation input normalisation', () => {
  const messagesPath = `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`;

  it('reads national numbers in the configured default region', async () => {
    const { gw } = testGateway({ defaultRegion: 'US' });
    const scope = nock(EMULATOR_URL)
      .post(messagesPath, form({ To: '+14155550123', From: '+14155550100', Body: 'Hi' }))
      .reply(...json(201, oaiExample('CreateMessage')));
    await runOperation(gw, 'sendSms', { to: '(415) 555-0123', from: '415.555.0100', body: 'Hi' });
    assert.ok(scope.isDone());
  });

  for (const sender of ['Acme', '12345']) {
    it(`keeps the sender ${sender} as typed (alphanumeric sender ID or short code)`, async () => {
      const { gw } = testGateway();
      const scope = nock(EMULATOR_URL)
        .post(messagesPath, form({ To: '+14155550123', From: sender, Body: 'Hi' }))
        .reply(...json(201, oaiExample('CreateMessage')));
      await runOperation(gw, 'sendSms', { to: '+14155550123', from: sender, body: 'Hi' });
      assert.ok(scope.isDone());
    });
  }

  for (const [name, body] of [
    ['1600 emoji (1600 characters, 3200 UTF-16 units)', '😀'.repeat(1600)],
    ['1600 GSM characters', 'x'.repeat(1600)],
    ['line breaks and tabs', 'line 1\r\nline 2\tend'],
    ['a body with surrounding spaces, sent as typed', '  Hi  '],
  ] as const) {
    it(`sends ${name}`, async () => {
      const { gw } = testGateway();
      const scope = nock(EMULATOR_URL)
        .post(messagesPath, form({ To: '+14155550123', From: '+14155550100', Body: body }))
        .reply(...json(201, oaiExample('CreateMessage')));
      await runOperation(gw, 'sendSms', { to: '+14155550123', from: '+14155550100', body });
      assert.ok(scope.isDone());
    });
  }

  it('normalises the To of a code check by phone number', async () => {
    const { gw } = testGateway();
    const scope = nock(EMULATOR_URL)
      .post(`/v2/Services/${SERVICE_SID}/VerificationCheck`, form({ To: '+15017122661', Code: '123456' }))
      .reply(...json(200, oaiExample('CreateVerificationCheck')));
    await runOperation(gw, 'checkVerification', { serviceSid: SERVICE_SID, to: '+1 (501) 712-2661', code: '123456' });
    assert.ok(scope.isDone());
  });
});
