/**
 * A developer saves a broken dialog file while a conversation is inside that dialog: the conversation goes on with
 * the last good version (instead of "The dialog we were in isn't installed anymore"), the server log names the file
 * and the JSON pointers of its problems, and the next valid save takes over.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ALICE_PHONE, startWorld, textOf, type World } from '../support/world';

/** Resolves when the server logs that it reloaded its dialogs (no timers of its own: it watches the log lines). */
function nextReload(world: World): Promise<void> {
  const seen = world.logLines.length;
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (world.logLines.slice(seen).some((line) => line.includes('"dialogs reloaded"'))) {
        clearInterval(timer);
        resolve();
      }
    }, 20);
  });
}

describe('end to end: a broken dialog file saved mid-conversation', function () {
  this.timeout(30_000);
  let world: World | undefined;

  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('keeps the conversation in the last good version until a valid file replaces it', async () => {
    world = await startWorld();
    const file = path.join(world.dialogsDir, 'send-sms.json');
    const original = JSON.parse(await readFile(file, 'utf8')) as { nodes: Array<{ id: string; type: string; text?: string }> };
    const alice = world.client('alice');
    await alice.start();
    assert.match(textOf(await alice.say('send an SMS')), /Which phone number should I text\?/);

    const broken = { ...original, nodes: original.nodes.map((node) => (node.id === 'message' ? { ...node, type: 'telepathy' } : node)) };
    let reloaded = nextReload(world);
    await writeFile(file, JSON.stringify(broken, null, 2));
    await reloaded;
    const warning = world.logLines.find((line) => line.includes('its last good version keeps running'));
    assert.ok(warning, 'a warning names the broken file');
    const logged = JSON.parse(warning) as { file: string; pointers: string[]; msg: string };
    assert.equal(logged.file, 'send-sms.json');
    assert.ok(logged.pointers.some((pointer) => pointer.startsWith('/nodes/')), logged.msg);

    const asked = textOf(await alice.say(ALICE_PHONE));
    assert.doesNotMatch(asked, /isn't installed anymore/);
    assert.match(asked, /What should the message say\?/);

    const edited = {
      ...original,
      nodes: original.nodes.map((node) => (node.id === 'sent' ? { ...node, text: 'Edited: your message to {{entities.receiver}} is on its way.' } : node)),
    };
    reloaded = nextReload(world);
    await writeFile(file, JSON.stringify(edited, null, 2));
    await reloaded;
    assert.match(textOf(await alice.say('Hello from the broken-file test')), /^Edited: your message to \+14155550123 is on its way\.$/m);
    assert.equal(world.emulator.outbox().at(-1)?.body, 'Hello from the broken-file test');
  });
});
