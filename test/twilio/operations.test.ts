import assert from 'node:assert/strict';
import nock from 'nock';
import { createEmulator, ManualClock, type TwilioEmulator } from '../../src/emulator';
import {
  checkVerification,
  createService,
  createTwilioClient,
  deleteService,
  fetchAccount,
  fetchService,
  fetchVerification,
  listServices,
  sendSms,
  startVerification,
  TwilioActionError,
  twilioRequest,
  updateService,
  updateVerification,
  type TwilioGateway,
} from '../../src/twilio';
import {
  ACCOUNT_SID,
  basicAuth,
  credentialCases,
  empty,
  form,
  json,
  MESSAGING_SERVICE_SID,
  oaiExample,
  SERVICE_SID,
  VERIFICATION_SID,
} from './helpers';

const verificationFromExample = (example: Record<string, unknown>) => ({
  sid: VERIFICATION_SID,
  serviceSid: SERVICE_SID,
  accountSid: ACCOUNT_SID,
  to: example.to,
  channel: example.channel,
  status: example.status,
  valid: example.valid,
  amount: null,
  payee: null,
  sendCodeAttempts: [{ attemptSid: `VL${'a'.repeat(32)}`, channel: String(example.channel).toUpperCase(), time: '2015-07-30T20:00:00Z' }],
  dateCreated: '2015-07-30T20:00:00Z',
  dateUpdated: '2015-07-30T20:00:00Z',
  url: `https://verify.twilio.com/v2/Services/${SERVICE_SID}/Verifications/${VERIFICATION_SID}`,
});

/** The example's `push` object (`{ include_date, apn_credential_sid, fcm_credential_sid }`) in camelCase. */
const pushFromExample = (push: unknown) => {
  const p = typeof push === 'object' && push !== null ? new Map(Object.entries(push)) : new Map<string, unknown>();
  return { includeDate: p.get('include_date') ?? null, apnCredentialSid: p.get('apn_credential_sid') ?? null, fcmCredentialSid: p.get('fcm_credential_sid') ?? null };
};

const serviceFromExample = (example: Record<string, unknown>) => ({
  sid: SERVICE_SID,
  accountSid: ACCOUNT_SID,
  friendlyName: example.friendly_name,
  codeLength: example.code_length,
  lookupEnabled: false,
  psd2Enabled: false,
  skipSmsToLandlines: false,
  dtmfInputRequired: false,
  ttsName: example.tts_name,
  doNotShareWarningEnabled: false,
  customCodeEnabled: true,
  defaultTemplateSid: example.default_template_sid,
  push: pushFromExample(example.push),
  dateCreated: '2015-07-30T20:00:00Z',
  dateUpdated: '2015-07-30T20:00:00Z',
  url: `https://verify.twilio.com/v2/Services/${SERVICE_SID}`,
});

afterEach(() => nock.cleanAll());

for (const { name, credentials, apiHost, verifyHost, baseUrl } of credentialCases) {
  describe(`Twilio operations with ${name}`, () => {
    let gw: TwilioGateway;
    const api = () => nock(apiHost, { reqheaders: { authorization: basicAuth(credentials) } });
    const verify = () => nock(verifyHost, { reqheaders: { authorization: basicAuth(credentials) } });

    beforeEach(() => {
      gw = createTwilioClient(credentials, baseUrl === undefined ? {} : { baseUrl });
    });

    describe('sendSms', () => {
      it('posts To in E.164, From, Body and StatusCallback to the Messages resource and returns the message', async () => {
        const scope = api()
          .post(
            `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`,
            form({ To: '+14155552345', From: '+14155550100', Body: 'Hello! 👍', StatusCallback: 'https://example.com/status' }),
          )
          .reply(...json(201, oaiExample('CreateMessage')));
        const message = await sendSms(gw, { to: '+1 (415) 555-2345', from: '+14155550100', body: 'Hello! 👍', statusCallback: 'https://example.com/status' });
        assert.deepEqual(message, {
          sid: `SM${'a'.repeat(32)}`,
          status: 'queued',
          to: '+14155552345',
          from: '+14155552345',
          body: 'Hello! 👍',
          numSegments: 1,
          messagingServiceSid: MESSAGING_SERVICE_SID,
          dateCreated: '2023-08-24T05:01:45Z',
          errorCode: null,
          errorMessage: null,
        });
        assert.ok(scope.isDone());
      });

      it("asks for status callbacks at the gateway's statusCallback when the input names none", async () => {
        const withCallbacks = createTwilioClient(credentials, { ...(baseUrl === undefined ? {} : { baseUrl }), statusCallback: 'https://bot.example.com/twilio/status' });
        const scope = api()
          .post(
            `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`,
            form({ To: '+14155552345', From: '+14155550100', Body: 'Hi', StatusCallback: 'https://bot.example.com/twilio/status' }),
          )
          .reply(...json(201, oaiExample('CreateMessage')));
        await sendSms(withCallbacks, { to: '+14155552345', from: '+14155550100', body: 'Hi' });
        assert.ok(scope.isDone());
      });

      it('posts MessagingServiceSid instead of From when sending through a Messaging Service', async () => {
        const scope = api()
          .post(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`, form({ To: '+14155552345', MessagingServiceSid: MESSAGING_SERVICE_SID, Body: 'Hi' }))
          .reply(...json(201, oaiExample('CreateMessageWithMessagingService')));
        const message = await sendSms(gw, { to: '+14155552345', messagingServiceSid: MESSAGING_SERVICE_SID, body: 'Hi' });
        assert.equal(message.from, null);
        assert.equal(message.dateCreated, '2015-07-30T20:12:31Z');
        assert.ok(scope.isDone());
      });
    });

    describe('startVerification', () => {
      it('posts To, Channel, Locale, CustomFriendlyName, CustomCode, Amount and Payee and returns the verification', async () => {
        const scope = verify()
          .post(
            `/v2/Services/${SERVICE_SID}/Verifications`,
            form({ To: '+15017122661', Channel: 'sms', Locale: 'en', CustomFriendlyName: 'Acme', CustomCode: '123456', Amount: '€39.99', Payee: 'Acme Inc.' }),
          )
          .reply(...json(201, oaiExample('CreateVerification')));
        const verification = await startVerification(gw, {
          serviceSid: SERVICE_SID,
          to: '+1 501-712-2661',
          channel: 'sms',
          locale: 'en',
          customFriendlyName: 'Acme',
          customCode: '123456',
          amount: '€39.99',
          payee: 'Acme Inc.',
        });
        assert.deepEqual(verification, verificationFromExample(oaiExample('CreateVerification')));
        assert.ok(scope.isDone());
      });

      const localeCases: [given: string, sent: string | undefined][] = [
        ['en-US', 'en'],
        ['pt-BR', 'pt-BR'],
        ['fr', 'fr'],
        ['tlh', undefined],
      ];
      for (const [given, sent] of localeCases) {
        it(`sends the locale ${given} as ${sent === undefined ? 'no Locale (Twilio picks by the number)' : `Locale=${sent}`}`, async () => {
          const scope = verify()
            .post(`/v2/Services/${SERVICE_SID}/Verifications`, form({ To: '+15017122661', Channel: 'sms', ...(sent === undefined ? {} : { Locale: sent }) }))
            .reply(...json(201, oaiExample('CreateVerification')));
          await startVerification(gw, { serviceSid: SERVICE_SID, to: '+15017122661', locale: given });
          assert.ok(scope.isDone());
        });
      }

      it('sends Channel=sms when no channel is given', async () => {
        const scope = verify()
          .post(`/v2/Services/${SERVICE_SID}/Verifications`, form({ To: '+15017122661', Channel: 'sms' }))
          .reply(...json(201, oaiExample('CreateVerification')));
        await startVerification(gw, { serviceSid: SERVICE_SID, to: '+15017122661' });
        assert.ok(scope.isDone());
      });

      it('sends an e-mail address as To and ChannelConfiguration as JSON for the email channel', async () => {
        const channelConfiguration = { from: 'no-reply@example.com', from_name: 'Acme', substitutions: { name: 'Ada' } };
        const scope = verify()
          .post(
            `/v2/Services/${SERVICE_SID}/Verifications`,
            form({ To: 'mail@email.com', Channel: 'email', ChannelConfiguration: JSON.stringify(channelConfiguration) }),
          )
          .reply(...json(201, oaiExample('CreateVerificationEmail')));
        const verification = await startVerification(gw, { serviceSid: SERVICE_SID, to: 'mail@email.com', channel: 'email', channelConfiguration });
        assert.deepEqual(verification, verificationFromExample(oaiExample('CreateVerificationEmail')));
        assert.ok(scope.isDone());
      });
    });

    describe('checkVerification', () => {
      it('posts To and Code to VerificationCheck and returns the outcome', async () => {
        const scope = verify()
          .post(`/v2/Services/${SERVICE_SID}/VerificationCheck`, form({ To: '+15017122661', Code: '123456' }))
          .reply(...json(201, oaiExample('CreateVerificationCheck')));
        const check = await checkVerification(gw, { serviceSid: SERVICE_SID, to: '+15017122661', code: '123456' });
        assert.deepEqual(check, {
          sid: VERIFICATION_SID,
          serviceSid: SERVICE_SID,
          accountSid: ACCOUNT_SID,
          to: '+15017122661',
          channel: 'sms',
          status: 'approved',
          valid: true,
          amount: null,
          payee: null,
          dateCreated: '2015-07-30T20:00:00Z',
          dateUpdated: '2015-07-30T20:00:00Z',
        });
        assert.ok(scope.isDone());
      });

      it('posts VerificationSid instead of To when checking by verification', async () => {
        const scope = verify()
          .post(`/v2/Services/${SERVICE_SID}/VerificationCheck`, form({ VerificationSid: VERIFICATION_SID, Code: '1234' }))
          .reply(...json(200, { ...oaiExample('CreateVerificationCheck'), status: 'pending', valid: false }));
        const check = await checkVerification(gw, { serviceSid: SERVICE_SID, verificationSid: VERIFICATION_SID, code: '1234' });
        assert.equal(check.status, 'pending');
        assert.equal(check.valid, false);
        assert.ok(scope.isDone());
      });

      it('posts the Amount and Payee of a PSD2 transaction with the code', async () => {
        const scope = verify()
          .post(`/v2/Services/${SERVICE_SID}/VerificationCheck`, form({ To: '+15017122661', Code: '1234', Amount: '€39.99', Payee: 'Acme Inc.' }))
          .reply(...json(200, { ...oaiExample('CreateVerificationCheck'), amount: '€39.99', payee: 'Acme Inc.' }));
        const check = await checkVerification(gw, { serviceSid: SERVICE_SID, to: '+15017122661', code: '1234', amount: '€39.99', payee: 'Acme Inc.' });
        assert.equal(check.amount, '€39.99');
        assert.equal(check.payee, 'Acme Inc.');
        assert.ok(scope.isDone());
      });
    });

    describe('fetchVerification', () => {
      it('gets the verification by service and SID', async () => {
        const scope = verify().get(`/v2/Services/${SERVICE_SID}/Verifications/${VERIFICATION_SID}`).reply(...json(200, oaiExample('FetchVerification')));
        const verification = await fetchVerification(gw, { serviceSid: SERVICE_SID, verificationSid: VERIFICATION_SID });
        assert.deepEqual(verification, verificationFromExample(oaiExample('FetchVerification')));
        assert.ok(scope.isDone());
      });
    });

    describe('updateVerification', () => {
      it('posts Status=canceled to the verification and returns it', async () => {
        const scope = verify()
          .post(`/v2/Services/${SERVICE_SID}/Verifications/${VERIFICATION_SID}`, form({ Status: 'canceled' }))
          .reply(...json(200, oaiExample('UpdateVerification')));
        const verification = await updateVerification(gw, { serviceSid: SERVICE_SID, verificationSid: VERIFICATION_SID, status: 'canceled' });
        assert.equal(verification.status, 'canceled');
        assert.deepEqual(verification, verificationFromExample(oaiExample('UpdateVerification')));
        assert.ok(scope.isDone());
      });
    });

    describe('listServices', () => {
      it('gets /v2/Services with PageSize=limit and returns the services', async () => {
        const scope = verify().get('/v2/Services').query({ PageSize: '5' }).reply(...json(200, oaiExample('ListService')));
        const list = await listServices(gw, { limit: 5 });
        const [first] = (oaiExample('ListService').services as Record<string, unknown>[]);
        assert.ok(first);
        assert.deepEqual(list, { services: [serviceFromExample(first)] });
        assert.ok(scope.isDone());
      });

      it('asks for 50 services when no limit is given', async () => {
        const scope = verify().get('/v2/Services').query({ PageSize: '50' }).reply(...json(200, oaiExample('ListService')));
        await listServices(gw);
        assert.ok(scope.isDone());
      });
    });

    describe('createService', () => {
      it('posts FriendlyName, CodeLength and booleans as true/false, and returns the service', async () => {
        const scope = verify()
          .post(
            '/v2/Services',
            form({ FriendlyName: 'name', CodeLength: '4', LookupEnabled: 'false', DoNotShareWarningEnabled: 'true', CustomCodeEnabled: 'true' }),
          )
          .reply(...json(201, oaiExample('CreateService')));
        const service = await createService(gw, {
          friendlyName: 'name',
          codeLength: 4,
          lookupEnabled: false,
          doNotShareWarningEnabled: true,
          customCodeEnabled: true,
        });
        assert.deepEqual(service, serviceFromExample(oaiExample('CreateService')));
        assert.ok(scope.isDone());
      });
    });

    describe('fetchService', () => {
      it('gets the service by SID', async () => {
        const scope = verify().get(`/v2/Services/${SERVICE_SID}`).reply(...json(200, oaiExample('FetchService')));
        assert.deepEqual(await fetchService(gw, { serviceSid: SERVICE_SID }), serviceFromExample(oaiExample('FetchService')));
        assert.ok(scope.isDone());
      });
    });

    describe('updateService', () => {
      it('posts only the settings given', async () => {
        const scope = verify()
          .post(`/v2/Services/${SERVICE_SID}`, form({ FriendlyName: 'name', CodeLength: '8', Psd2Enabled: 'false' }))
          .reply(...json(200, oaiExample('UpdateService')));
        const service = await updateService(gw, { serviceSid: SERVICE_SID, friendlyName: 'name', codeLength: 8, psd2Enabled: false });
        assert.deepEqual(service, serviceFromExample(oaiExample('UpdateService')));
        assert.ok(scope.isDone());
      });
    });

    describe('deleteService', () => {
      it('sends DELETE for the service and reports it deleted on 204', async () => {
        const scope = verify().delete(`/v2/Services/${SERVICE_SID}`).reply(...empty(204));
        assert.deepEqual(await deleteService(gw, { serviceSid: SERVICE_SID }), { sid: SERVICE_SID, deleted: true });
        assert.ok(scope.isDone());
      });
    });

    describe('fetchAccount', () => {
      it('gets /2010-04-01/Accounts/{AccountSid}.json and returns the account without its auth token', async () => {
        const scope = api().get(`/2010-04-01/Accounts/${ACCOUNT_SID}.json`).reply(...json(200, oaiExample('FetchAccount')));
        const account = await fetchAccount(gw);
        assert.deepEqual(account, { sid: ACCOUNT_SID, friendlyName: 'friendly_name', status: 'active', type: 'Full' });
        assert.ok(!JSON.stringify(account).includes('auth_token'));
        assert.ok(scope.isDone());
      });
    });

    describe('twilioRequest', () => {
      it('sends a GET with params as the query string and returns status and body', async () => {
        const scope = verify().get('/v2/Services').query({ PageSize: '1' }).reply(...json(200, oaiExample('ListService')));
        const reply = await twilioRequest(gw, { method: 'GET', domain: 'verify', path: '/v2/Services', params: { PageSize: 1 } });
        assert.equal(reply.status, 200);
        assert.deepEqual(reply.body, oaiExample('ListService'));
        assert.ok(scope.isDone());
      });

      it('sends a POST with params as the form body and fills in {AccountSid}', async () => {
        const scope = api()
          .post(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`, form({ To: '+14155552345', Body: 'Hi', ShortenUrls: 'true', MediaUrl: ['https://a.example.com/1.png', 'https://a.example.com/2.png'] }))
          .reply(...json(201, oaiExample('CreateMessage')));
        const reply = await twilioRequest(gw, {
          method: 'POST',
          domain: 'api',
          path: '/2010-04-01/Accounts/{AccountSid}/Messages.json',
          params: { To: '+14155552345', Body: 'Hi', ShortenUrls: true, MediaUrl: ['https://a.example.com/1.png', 'https://a.example.com/2.png'] },
        });
        assert.equal(reply.status, 201);
        assert.equal((reply.body as Record<string, unknown> | null)?.sid, `SM${'a'.repeat(32)}`);
        assert.ok(scope.isDone());
      });

      it('sends a DELETE and returns a null body for 204', async () => {
        const scope = verify().delete(`/v2/Services/${SERVICE_SID}`).reply(...empty(204));
        assert.deepEqual(await twilioRequest(gw, { method: 'DELETE', domain: 'verify', path: `/v2/Services/${SERVICE_SID}` }), { status: 204, body: null });
        assert.ok(scope.isDone());
      });
    });
  });
}

describe('sendSms against the emulator (the official SDK, no nock)', () => {
  let emulator: TwilioEmulator;
  let gw: TwilioGateway;
  beforeEach(async () => {
    emulator = createEmulator({ clock: new ManualClock(), log: () => undefined });
    const url = await emulator.listen();
    gw = createTwilioClient({ kind: 'auth-token', accountSid: emulator.accountSid, authToken: emulator.authToken }, { baseUrl: url, timeoutMs: 100 });
  });
  afterEach(() => emulator.close());

  for (const [body, segments] of [
    ['Your table is ready.', 1],
    ['a'.repeat(161), 2],
    ['€'.repeat(81), 2],
    ['Grüße aus Köln ç', 1],
    ['😀'.repeat(900), 28],
  ] as const) {
    it(`reports ${segments} segment(s) for ${JSON.stringify(body.slice(0, 24))}… (${[...body].length} characters)`, async () => {
      const message = await sendSms(gw, { to: '+14155550123', from: '+15005550006', body });
      assert.equal(message.numSegments, segments);
    });
  }

  it('reports a reply lost after Twilio sent the SMS as a network error, and does not send it again', async () => {
    emulator.injectFault({ path: '/2010-04-01/', afterPerform: 'drop', times: 1 });
    await assert.rejects(sendSms(gw, { to: '+14155550123', from: '+15005550006', body: 'once' }), (err: unknown) => {
      assert.ok(err instanceof TwilioActionError);
      assert.equal(err.code, 'network_error');
      assert.equal(err.status, 0);
      return true;
    });
    assert.deepEqual(
      emulator.outbox().map((m) => m.body),
      ['once'],
    );
  });

  it('reports a reply slower than the timeout as a timeout although the SMS was sent', async () => {
    emulator.injectFault({ path: '/2010-04-01/', afterPerform: 'delay', delayMs: 300, times: 1 });
    await assert.rejects(sendSms(gw, { to: '+14155550123', from: '+15005550006', body: 'late' }), (err: unknown) => {
      assert.ok(err instanceof TwilioActionError);
      assert.equal(err.code, 'timeout');
      assert.match(err.userMessage, /did not answer in time/);
      return true;
    });
    assert.equal(emulator.outbox().length, 1);
  });
});
