/**
 * The form body the gateway's own HTTP exchange writes, against the emulator: as twilio-node's (qs) would be.
 */
import assert from 'node:assert/strict';
import { createEmulator, ManualClock, type TwilioEmulator } from '../../src/emulator';
import { createTwilioClient, sendSms, type TwilioGateway } from '../../src/twilio';
import { ACCOUNT_SID, AUTH_TOKEN } from '../support/conversation';

describe('the form body of a request to Twilio', () => {
  let emulator: TwilioEmulator;
  let gateway: TwilioGateway;

  beforeEach(async () => {
    emulator = createEmulator({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, clock: new ManualClock(new Date('2026-03-01T09:00:00Z')) });
    const url = await emulator.listen(0, '127.0.0.1');
    gateway = createTwilioClient({ kind: 'auth-token', accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN }, { baseUrl: url });
  });
  afterEach(() => emulator.close());

  it('sends a text holding half of a surrogate pair with that half replaced by U+FFFD, as qs does, instead of failing', async () => {
    await sendSms(gateway, { to: '+14155550123', from: '+15005550006', body: 'cut emoji \uD83D and \uDE00 alone' });
    assert.deepEqual(
      emulator.outbox().map((m) => m.body),
      ['cut emoji \uFFFD and \uFFFD alone'],
    );
  });
});
