/** Switching dialogs mid-way with the installed templates, against the emulator. */
import assert from 'node:assert/strict';
import { MESSAGES, type ActionRuntime, type GatewayResolution } from '../../src/dialogs';
import { templateTask, TestConversation } from '../support/conversation';
import { EmulatorFixture } from '../support/emulator';
import { memoryBot } from './fixtures';
import { templateIds } from '../support/catalog';

const PHONE = '+14155550123';

describe('switching dialogs mid-way (the installed templates, Twilio = the emulator)', () => {
  const fx = new EmulatorFixture();
  before(() => fx.start());
  after(() => fx.stop());

  let resolution: GatewayResolution;
  let chat: TestConversation;
  beforeEach(async () => {
    fx.emulator.clearOutbox();
    fx.clock.advance(3600);
    resolution = { kind: 'ready', gateway: fx.gateway };
    const runtime: ActionRuntime = {
      resolveGateway: async () => resolution,
      publicConfig: async () => ({ verifyServiceSid: fx.serviceSid, sender: '+15005550006' }),
      requestUserAuthorization: async () => {},
      reportAuthFailure: async () => {},
      audit: async () => {},
    };
    const dialogs = await Promise.all((await templateIds()).map((id) => templateTask(id)));
    const bot = memoryBot({ runtime, dialogs });
    chat = new TestConversation((turn) => bot.run(turn));
  });

  it('saying "send an sms" while asked for the number to verify stops that dialog and starts Send SMS', async () => {
    await chat.say('verify my phone number');
    assert.deepEqual(await chat.say('send an sms'), ['OK, I\'ve stopped "Verify Phone Number".', 'Which phone number should I text?']);
    assert.deepEqual(await chat.say(PHONE), ['What should the message say?']);
    assert.match((await chat.say('Hello'))[0] ?? '', /^Done: your message to \+14155550123 is on its way/);
  });

  it('asking for the verification status at the code prompt answers about the verification just started', async () => {
    await chat.say('verify my phone number');
    await chat.say(PHONE);
    const status = await chat.say('verification status');
    assert.equal(status[0], 'OK, I\'ve stopped "Verify Phone Number".');
    assert.match(status[1] ?? '', /^The verification for \+14155550123 is pending: a code was sent by sms \(1 send\(s\) so far/);
    assert.deepEqual(await chat.say('cancel my verification'), [
      `Done: the verification for ${PHONE} is canceled, and its code no longer works.`,
    ]);
  });

  it('"cancel verification" at the code prompt stays the dialog\'s own command, not the Cancel Verification dialog', async () => {
    await chat.say('verify my phone number');
    await chat.say(PHONE);
    assert.deepEqual(await chat.say('cancel verification'), [
      "OK, I stopped the verification: the code I sent won't work anymore. Your number isn't verified.",
    ]);
  });

  it('says at once that the integration is disabled when a Twilio dialog starts while it is', async () => {
    resolution = { kind: 'disabled' };
    assert.deepEqual(await chat.say('verify my phone number'), [MESSAGES.disabled]);
    // Nothing is left waiting: the next message is routed afresh.
    assert.match((await chat.say('help'))[0] ?? '', /^Here is what I can do:/);
  });
});
