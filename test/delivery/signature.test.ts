/**
 * The status-callback signature, n8n's matrix: the emulator signs as Twilio does, and the official SDK's
 * `validateRequest` (behind isSignedByTwilio) accepts exactly the genuine request.
 */
import assert from 'node:assert/strict';
import { isSignedByTwilio } from '../../src/delivery/signature';
import { ManualClock } from '../../src/emulator';
import { StatusCallbacks, twilioSignature } from '../../src/emulator/callbacks';

const TOKEN = 'f'.repeat(32);
const URL_CALLED = 'https://bot.example.com/twilio/status';
const PARAMS = { MessageSid: `SM${'1'.repeat(32)}`, MessageStatus: 'delivered', AccountSid: `AC${'a'.repeat(32)}`, To: '+14155550123' };

describe('status callback signatures', () => {
  const signature = twilioSignature(TOKEN, URL_CALLED, PARAMS);
  const cases: [string, Parameters<typeof isSignedByTwilio>[0], string | undefined, boolean][] = [
    ['a valid signature', { url: URL_CALLED, params: PARAMS, signature }, TOKEN, true],
    ['a wrong signature', { url: URL_CALLED, params: PARAMS, signature: 'AAAA' + signature.slice(4) }, TOKEN, false],
    ['a missing header', { url: URL_CALLED, params: PARAMS, signature: undefined }, TOKEN, false],
    ['a body tampered after signing', { url: URL_CALLED, params: { ...PARAMS, MessageStatus: 'undelivered' }, signature }, TOKEN, false],
    ['a signed URL other than the one called (a proxy without PUBLIC_BASE_URL)', { url: 'http://10.0.0.7:3978/twilio/status', params: PARAMS, signature }, TOKEN, false],
    ["another account's token", { url: URL_CALLED, params: PARAMS, signature }, 'e'.repeat(32), false],
    ['no token to check with', { url: URL_CALLED, params: PARAMS, signature }, undefined, false],
  ];
  for (const [name, request, token, valid] of cases) {
    it(`${valid ? 'accepts' : 'refuses'} ${name}`, () => {
      assert.equal(isSignedByTwilio(request, token), valid);
    });
  }
});

describe('emulator status callbacks', () => {
  it('reports sent after 1 s and delivered after 3 s on its clock, signed for the SDK validator', async () => {
    const clock = new ManualClock(new Date('2030-01-01T00:00:00Z'));
    const posted: { url: string; body: string; headers: Record<string, string> }[] = [];
    const callbacks = new StatusCallbacks({
      accountSid: PARAMS.AccountSid,
      authToken: TOKEN,
      clock,
      post: async (url, body, headers) => {
        posted.push({ url, body, headers });
        return 204;
      },
    });
    callbacks.schedule({ sid: PARAMS.MessageSid, to: '+14155550123', from: '+15005550006', messagingServiceSid: null, dateCreated: clock.now() }, URL_CALLED);
    await callbacks.deliverDue();
    assert.equal(posted.length, 0);
    clock.advance(1);
    await callbacks.deliverDue();
    clock.advance(2);
    await callbacks.deliverDue();
    const statuses = posted.map((p) => new URLSearchParams(p.body).get('MessageStatus'));
    assert.deepEqual(statuses, ['sent', 'delivered']);
    for (const p of posted) {
      const params = Object.fromEntries(new URLSearchParams(p.body));
      assert.equal(isSignedByTwilio({ url: p.url, params, signature: p.headers['x-twilio-signature'] }, TOKEN), true);
    }
    assert.deepEqual(callbacks.deliveries().map((d) => [d.status, d.answer]), [['sent', 204], ['delivered', 204]]);
  });

  it('ends a message to a magic number undelivered with its error code', async () => {
    const clock = new ManualClock();
    const bodies: string[] = [];
    const callbacks = new StatusCallbacks({ accountSid: PARAMS.AccountSid, authToken: TOKEN, clock, post: async (_u, body) => (bodies.push(body), 200) });
    callbacks.schedule({ sid: PARAMS.MessageSid, to: '+15005550030', from: '+15005550006', messagingServiceSid: null, dateCreated: clock.now() }, URL_CALLED);
    clock.advance(5);
    await callbacks.deliverDue();
    const last = new URLSearchParams(bodies[bodies.length - 1]);
    assert.deepEqual([last.get('MessageStatus'), last.get('ErrorCode')], ['undelivered', '30003']);
  });

  it('records an unreachable receiver without failing', async () => {
    const clock = new ManualClock();
    const callbacks = new StatusCallbacks({ accountSid: PARAMS.AccountSid, authToken: TOKEN, clock, post: async () => Promise.reject(new Error('connect ECONNREFUSED')) });
    callbacks.schedule({ sid: PARAMS.MessageSid, to: '+14155550123', from: null, messagingServiceSid: `MG${'0'.repeat(32)}`, dateCreated: clock.now() }, URL_CALLED);
    clock.advance(5);
    await callbacks.deliverDue();
    assert.deepEqual(callbacks.deliveries().map((d) => [d.status, d.answer, d.error]), [['sent', null, 'connect ECONNREFUSED'], ['delivered', null, 'connect ECONNREFUSED']]);
  });
});
