/**
 * A server process stopped in the middle of a dialog, and a new process on the same data directory finishing it:
 * dialog state lives in the store, not in memory. The children run `src/main.ts` as `npm start` does, configured with
 * TWILIO_* variables that point at the emulator running in this test process (as if it were real Twilio).
 */
import assert from 'node:assert/strict';
import { BotClient } from '../../src/chat';
import { ALICE_PHONE, removeDir, startEmulator, textOf } from '../support/world';
import { killAll, processSetup, spawnServer, stop, type Child } from '../support/processes';
import type { TwilioEmulator } from '../../src/emulator';

describe('end to end: a restarted server process continues a conversation mid-dialog', function () {
  this.timeout(90_000);
  let emulator: TwilioEmulator;
  const dirs: string[] = [];
  const children: Child[] = [];

  before(async () => {
    ({ emulator } = await startEmulator());
  });
  after(async () => {
    killAll(children);
    await emulator?.close();
    for (const dir of dirs) await removeDir(dir);
  });

  it('finishes a Send SMS dialog begun before the restart, with the entities given before it', async () => {
    const { env, dirs: made } = await processSetup(emulator, 'restart');
    dirs.push(...made);

    const first = await spawnServer(await env());
    children.push(first);
    // TWILIO_BASE_URL points at the emulator: the banner does not call it real Twilio and says where requests go.
    assert.match(first.output(), /using Twilio \(account AC[0-9a-f]{32}\) from TWILIO_\* variables, requests to http:\/\/127\.0\.0\.1:\d+/);
    const before = new BotClient({ baseUrl: first.url, channelId: 'webchat', userId: 'restart-user' });
    assert.match(textOf(await before.start()), /I can help you with/);
    assert.match(textOf(await before.say('send an sms')), /Which phone number should I text\?/);
    assert.match(textOf(await before.say(ALICE_PHONE)), /What should the message say\?/);
    assert.equal(await stop(first), 0, `the first server did not exit cleanly:\n${first.output()}`);

    const second = await spawnServer(await env());
    children.push(second);
    assert.notEqual(second.url, first.url);
    const after = new BotClient({ baseUrl: second.url, channelId: 'webchat', userId: 'restart-user', conversationId: before.conversationId });
    const done = textOf(await after.say('Sent across a restart.'));
    assert.match(done, /your message to \+14155550123 is on its way/);

    const sent = emulator.outbox();
    assert.equal(sent.length, 1);
    assert.equal(sent[0]?.to, ALICE_PHONE);
    assert.equal(sent[0]?.from, '+15005550006');
    assert.equal(sent[0]?.body, 'Sent across a restart.');
    assert.equal(await stop(second), 0, `the second server did not exit cleanly:\n${second.output()}`);
    assert.doesNotMatch(first.output() + second.output(), new RegExp(emulator.authToken), 'no token in either process\'s output');
  });
});
