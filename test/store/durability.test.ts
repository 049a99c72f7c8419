/**
 * The durability claim of the group commit: a reply goes out only after the commit holding the turn's state (and
 * the release of its conversation lease), so a turn whose reply was received survives the instance being killed
 * (SIGKILL, nothing flushed on the way out) right after it. The Send SMS dialog is walked one turn per process:
 * each instance answers one turn and is killed at once; the next one, on the same DATA_DIR, carries on.
 */
import assert from 'node:assert/strict';
import { BotClient } from '../../src/chat';
import { createEmulator, type TwilioEmulator } from '../../src/emulator';
import { killAll, processSetup, spawnServer, type Child } from '../support/processes';
import { ALICE_PHONE, removeDir, textOf } from '../support/world';

function killNow(child: Child): Promise<void> {
  return new Promise((resolve) => {
    child.process.once('exit', () => resolve());
    child.process.kill('SIGKILL');
  });
}

describe('durability: a turn whose reply was received survives kill -9 right after it (SQLite, default durability: WAL fsynced before the reply)', function () {
  this.timeout(120_000);
  let emulator: TwilioEmulator | undefined;
  const dirs: string[] = [];
  const children: Child[] = [];

  after(async () => {
    killAll(children);
    await emulator?.close();
    for (const dir of dirs) await removeDir(dir);
  });

  it('walks Send SMS with a fresh process for every turn, each killed the moment its reply arrived', async () => {
    const twilio = createEmulator({ log: () => undefined });
    emulator = twilio;
    await twilio.listen(0, '127.0.0.1');
    const { env, dirs: made } = await processSetup(twilio, 'durability');
    dirs.push(...made);

    const turns: Array<[string, RegExp]> = [
      ['send an sms', /Which phone number should I text\?/],
      [ALICE_PHONE, /What should the message say\?/],
      ['Written before the crash.', /your message to \+14155550123 is on its way/],
    ];
    let conversationId: string | undefined;
    for (const [said, expected] of turns) {
      const server = await spawnServer(await env());
      children.push(server);
      const chat = new BotClient({ baseUrl: server.url, channelId: 'webchat', userId: 'durable-user', ...(conversationId ? { conversationId } : {}) });
      conversationId = chat.conversationId;
      // Twilio credentials are checked in the background at start: the turn waits until the server is healthy.
      for (let attempt = 0; (await fetch(`${server.url}/healthz`)).status !== 200; attempt += 1) {
        assert.ok(attempt < 100, `the server did not become healthy:\n${server.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const answer = textOf(await chat.say(said));
      await killNow(server);
      // No "still working on your previous message": the lease was released in the same commit as the state.
      assert.match(answer, expected, `after "${said}" the bot answered: ${answer}\n${server.output()}`);
    }
    assert.deepEqual(
      twilio.outbox().filter((m) => m.to === ALICE_PHONE).map((m) => m.body),
      ['Written before the crash.'],
    );
  });
});
