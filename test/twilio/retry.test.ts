import assert from 'node:assert/strict';
import nock from 'nock';
import { checkVerification, fetchService, sendSms, startVerification, withDeadline } from '../../src/twilio';
import { ACCOUNT_SID, EMULATOR_URL, json, oaiExample, rejectsWith, SERVICE_SID, testGateway, twilioError } from './helpers';

const verificationsPath = `/v2/Services/${SERVICE_SID}/Verifications`;
const messagesPath = `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`;
const start = { serviceSid: SERVICE_SID, to: '+15017122661' } as const;

afterEach(() => nock.cleanAll());

describe('Twilio retries', () => {
  it('retries a 429 with Retry-After: 2 once, after sleeping 2000 ms, and returns the 201', async () => {
    const { gw, sleeps } = testGateway();
    const scope = nock(EMULATOR_URL)
      .post(verificationsPath)
      .reply(...json(429, oaiExample('CreateVerificationRateLimitExceeded'), { 'Retry-After': '2' }))
      .post(verificationsPath)
      .reply(...json(201, oaiExample('CreateVerification')));
    const verification = await startVerification(gw, start);
    assert.equal(verification.status, 'pending');
    assert.deepEqual(sleeps, [2000]);
    assert.ok(scope.isDone());
  });

  it('stops after maxRetries and throws 20429 with the last Retry-After', async () => {
    const { gw, sleeps } = testGateway({ maxRetries: 2 });
    const scope = nock(EMULATOR_URL)
      .post(verificationsPath)
      .times(3)
      .reply(...json(429, { code: 20429, message: 'Too many requests', status: 429 }, { 'Retry-After': '1' }));
    await rejectsWith(startVerification(gw, start), { code: 20429, status: 429, retryAfterSeconds: 1 });
    assert.deepEqual(sleeps, [1000, 1000]);
    assert.ok(scope.isDone());
  });

  it('backs off 1 s, 2 s, 4 s when a 429 has no Retry-After, three retries by default', async () => {
    const { gw, sleeps } = testGateway();
    const scope = nock(EMULATOR_URL).post(verificationsPath).times(4).reply(...twilioError(429, 20429, 'Too many requests'));
    await rejectsWith(startVerification(gw, start), { code: 20429 });
    assert.deepEqual(sleeps, [1000, 2000, 4000]);
    assert.ok(scope.isDone());
  });

  it('caps a long Retry-After at 30 seconds', async () => {
    const { gw, sleeps } = testGateway({ maxRetries: 1 });
    const scope = nock(EMULATOR_URL)
      .post(verificationsPath)
      .reply(...json(429, { code: 20429, message: 'Too many requests', status: 429 }, { 'Retry-After': '3600' }))
      .post(verificationsPath)
      .reply(...json(201, oaiExample('CreateVerification')));
    await startVerification(gw, start);
    assert.deepEqual(sleeps, [30_000]);
    assert.ok(scope.isDone());
  });

  it('retries a 429 that carries no Twilio error code', async () => {
    const { gw, sleeps } = testGateway();
    const scope = nock(EMULATOR_URL)
      .get(`/v2/Services/${SERVICE_SID}`)
      .reply(429, '', { 'Content-Length': '0', 'Retry-After': '1' })
      .get(`/v2/Services/${SERVICE_SID}`)
      .reply(...json(200, oaiExample('FetchService')));
    await fetchService(gw, { serviceSid: SERVICE_SID });
    assert.deepEqual(sleeps, [1000]);
    assert.ok(scope.isDone());
  });

  it('does not retry 60203 (max send attempts), although it comes as HTTP 429', async () => {
    const { gw, sleeps } = testGateway();
    const scope = nock(EMULATOR_URL).post(verificationsPath).reply(...twilioError(429, 60203, 'Max send attempts reached'));
    const spare = nock(EMULATOR_URL).post(verificationsPath).reply(...json(201, oaiExample('CreateVerification')));
    await rejectsWith(startVerification(gw, start), { code: 60203, status: 429 });
    assert.deepEqual(sleeps, []);
    assert.ok(scope.isDone());
    assert.ok(!spare.isDone(), 'no second request');
  });

  it('does not retry 60202 (max check attempts), although it comes as HTTP 429', async () => {
    const { gw, sleeps } = testGateway();
    const scope = nock(EMULATOR_URL).post(`/v2/Services/${SERVICE_SID}/VerificationCheck`).reply(...twilioError(429, 60202, 'Max check attempts reached'));
    await rejectsWith(checkVerification(gw, { ...start, code: '123456' }), { code: 60202, status: 429 });
    assert.deepEqual(sleeps, []);
    assert.ok(scope.isDone());
  });

  it('does not resend a POST after a 500: the message may have gone out', async () => {
    const { gw, sleeps } = testGateway();
    const scope = nock(EMULATOR_URL).post(messagesPath).reply(...twilioError(500, 20500, 'Internal Server Error'));
    const spare = nock(EMULATOR_URL).post(messagesPath).reply(...json(201, oaiExample('CreateMessage')));
    await rejectsWith(sendSms(gw, { to: '+14155552345', from: '+14155550100', body: 'Hi' }), { code: 20500, status: 500 });
    assert.deepEqual(sleeps, []);
    assert.ok(scope.isDone());
    assert.ok(!spare.isDone(), 'no second request');
  });

  it('does not resend a POST after a timeout: the message may have gone out', async () => {
    const { gw, sleeps } = testGateway({ timeoutMs: 50 });
    const scope = nock(EMULATOR_URL).post(messagesPath).delay(2000).reply(...json(201, oaiExample('CreateMessage')));
    const spare = nock(EMULATOR_URL).post(messagesPath).reply(...json(201, oaiExample('CreateMessage')));
    await rejectsWith(sendSms(gw, { to: '+14155552345', from: '+14155550100', body: 'Hi' }), { code: 'timeout' });
    assert.deepEqual(sleeps, []);
    assert.ok(scope.isDone());
    assert.ok(!spare.isDone(), 'no second request');
  });

  it('retries a GET once after a 503 and returns the second reply', async () => {
    const { gw, sleeps } = testGateway();
    const scope = nock(EMULATOR_URL)
      .get(`/v2/Services/${SERVICE_SID}`)
      .reply(...twilioError(503, 20503, 'Service Unavailable'))
      .get(`/v2/Services/${SERVICE_SID}`)
      .reply(...json(200, oaiExample('FetchService')));
    const service = await fetchService(gw, { serviceSid: SERVICE_SID });
    assert.equal(service.sid, SERVICE_SID);
    assert.deepEqual(sleeps, [1000]);
    assert.ok(scope.isDone());
  });

  it('gives up on a GET after a second 5xx', async () => {
    const { gw, sleeps } = testGateway();
    const scope = nock(EMULATOR_URL).get(`/v2/Services/${SERVICE_SID}`).times(2).reply(...twilioError(503, 20503, 'Service Unavailable'));
    const spare = nock(EMULATOR_URL).get(`/v2/Services/${SERVICE_SID}`).reply(...json(200, oaiExample('FetchService')));
    await rejectsWith(fetchService(gw, { serviceSid: SERVICE_SID }), { code: 20503, status: 503 });
    assert.deepEqual(sleeps, [1000]);
    assert.ok(scope.isDone());
    assert.ok(!spare.isDone(), 'no third request');
  });
});

describe("Twilio requests inside a turn's time budget", () => {
  it('does not wait out a Retry-After longer than the budget: the 20429 comes back at once', async () => {
    const { gw, sleeps } = testGateway();
    const scope = nock(EMULATOR_URL)
      .post(verificationsPath)
      .reply(...json(429, { code: 20429, message: 'Too many requests', status: 429 }, { 'Retry-After': '120' }));
    await rejectsWith(
      withDeadline(Date.now() + 10_000, () => startVerification(gw, start)),
      { code: 20429, retryAfterSeconds: 120 },
    );
    assert.deepEqual(sleeps, []);
    assert.ok(scope.isDone());
  });

  it('still waits a short Retry-After that fits in the budget', async () => {
    const { gw, sleeps } = testGateway();
    const scope = nock(EMULATOR_URL)
      .post(verificationsPath)
      .reply(...json(429, { code: 20429, message: 'Too many requests', status: 429 }, { 'Retry-After': '1' }))
      .post(verificationsPath)
      .reply(...json(201, oaiExample('CreateVerification')));
    await withDeadline(Date.now() + 10_000, () => startVerification(gw, start));
    assert.deepEqual(sleeps, [1000]);
    assert.ok(scope.isDone());
  });

  it('sends nothing once the budget is used up, and says nothing was sent', async () => {
    const { gw } = testGateway();
    const scope = nock(EMULATOR_URL).post(messagesPath).reply(...json(201, oaiExample('CreateMessage')));
    await rejectsWith(
      withDeadline(Date.now() + 50, () => sendSms(gw, { to: '+15017122661', from: '+15005550006', body: 'hi' })),
      { code: 'budget_exhausted', status: 0 },
    );
    assert.equal(scope.isDone(), false, 'no request reached Twilio');
  });

  it('gives a request no more time than the budget has left', async () => {
    const { gw } = testGateway({ timeoutMs: 15_000 });
    nock(EMULATOR_URL).get(`/v2/Services/${SERVICE_SID}`).delay(2_000).reply(...json(200, oaiExample('FetchService')));
    const started = Date.now();
    await rejectsWith(withDeadline(Date.now() + 400, () => fetchService(gw, { serviceSid: SERVICE_SID })), { code: 'timeout' });
    assert.ok(Date.now() - started < 1_500, 'the request gave up with the budget, not after the 15 s timeout');
  });
});
