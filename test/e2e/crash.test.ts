/**
 * The hardest redelivery: the instance is killed (SIGKILL) after Twilio accepted the SMS and before the turn
 * committed anything, and the channel delivers the same activity again to a new process. The intent recorded before
 * the send makes the new process ask Twilio instead of sending again: one SMS, one answer.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { BotClient } from '../../src/chat';
import { createEmulator, type TwilioEmulator } from '../../src/emulator';
import { ALICE_PHONE, removeDir, textOf } from '../support/world';
import { killAll, processSetup, spawnServer, stop, type Child } from '../support/processes';

describe('end to end: an instance killed between Twilio accepting a send and the commit', function () {
  this.timeout(90_000);
  let emulator: TwilioEmulator | undefined;
  const dirs: string[] = [];
  const children: Child[] = [];

  after(async () => {
    killAll(children);
    await emulator?.close();
    for (const dir of dirs) await removeDir(dir);
  });

  it('sends one SMS and answers once when the activity is delivered again to a new process', async () => {
    let delivered: (() => void) | undefined;
    // Twilio's clock is the real one (the emulator's default); dev mode reports each delivery the moment it happens.
    const twilio = createEmulator({
      dev: true,
      log: (line) => {
        if (line.startsWith('[outbox]')) delivered?.();
      },
    });
    emulator = twilio;
    await twilio.listen(0, '127.0.0.1');
    const { env, dirs: made } = await processSetup(twilio, 'crash', { TURN_BUDGET_MS: '6000' });
    dirs.push(...made);

    const first = await spawnServer(await env());
    children.push(first);
    const chat = new BotClient({ baseUrl: first.url, channelId: 'webchat', userId: 'crash-user' });
    assert.match(textOf(await chat.say('send an sms')), /Which phone number should I text\?/);
    assert.match(textOf(await chat.say(ALICE_PHONE)), /What should the message say\?/);

    // Twilio performs the send, then its reply is held back: the turn is between acceptance and commit.
    twilio.injectFault({ method: 'POST', path: `/2010-04-01/Accounts/${twilio.accountSid}/Messages.json`, afterPerform: 'delay', delayMs: 20_000, times: 1 });
    const accepted = new Promise<void>((resolve) => {
      delivered = resolve;
    });
    const id = randomUUID();
    const lost = chat.send({ type: 'message', text: 'Survives a crash.', id }).then(
      () => 'answered',
      () => 'no answer',
    );
    await accepted;
    first.process.kill('SIGKILL');
    assert.equal(await lost, 'no answer', 'the killed instance never answered');
    twilio.clearFaults();

    const second = await spawnServer(await env());
    children.push(second);
    const again = new BotClient({ baseUrl: second.url, channelId: 'webchat', userId: 'crash-user', conversationId: chat.conversationId });
    // The dead instance's lease on the conversation runs out within 1.5 budgets; until then a copy waits half its
    // budget and hears "busy".
    let answer = '';
    for (let attempt = 0; attempt < 10; attempt += 1) {
      answer = textOf(await again.send({ type: 'message', text: 'Survives a crash.', id }));
      if (!/still working on your previous message/.test(answer)) break;
    }
    assert.match(answer, /your message to \+14155550123 is on its way/);
    assert.deepEqual(
      twilio.outbox().filter((m) => m.to === ALICE_PHONE).map((m) => m.body),
      ['Survives a crash.'],
    );
    // A further copy is answered from the ledger, still without sending.
    assert.match(textOf(await again.send({ type: 'message', text: 'Survives a crash.', id })), /is on its way/);
    assert.equal(twilio.outbox().length, 1);
    assert.equal(await stop(second), 0, `the second server did not exit cleanly:\n${second.output()}`);
  });
});
