/** DEFAULT_REGION: numbers typed without a country code are read as numbers of that country. */
import assert from 'node:assert/strict';
import { BotClient } from '../../src/chat';
import { StartupError } from '../../src/main';
import { ALICE_PHONE, startWorld, textOf, type World } from '../support/world';

describe('end to end: DEFAULT_REGION', function () {
  this.timeout(30_000);
  let world: World | undefined;

  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('reads "415 555 0123" as +14155550123 when DEFAULT_REGION is US', async () => {
    world = await startWorld({ env: { DEFAULT_REGION: 'us' } });
    const chat = world.client('alice');
    assert.match(textOf(await chat.say('send an sms')), /Which phone number should I text\?/);
    assert.match(textOf(await chat.say('415 555 0123')), /What should the message say\?/);
    assert.match(textOf(await chat.say('Local format works.')), /your message to \+14155550123 is on its way/);
    assert.deepEqual(world.emulator.outbox().map((m) => m.to), [ALICE_PHONE]);
  });

  it("reads a local number in the country of the user's locale when no DEFAULT_REGION is set, and says which", async () => {
    world = await startWorld();
    const chat = world.client('bob');
    await chat.say('send an sms');
    const replies = textOf(await chat.say('415 555 0123'));
    assert.match(replies, /I took that as a number in the United States: \+14155550123\./);
    assert.match(replies, /What should the message say\?/);
  });

  it('asks for the country code when neither DEFAULT_REGION nor the locale names a country', async () => {
    world = await startWorld();
    const chat = new BotClient({ baseUrl: world.url, channelId: 'webchat', userId: 'cleo', locale: 'en' });
    await chat.say('send an sms');
    assert.doesNotMatch(textOf(await chat.say('415 555 0123')), /What should the message say\?/);
  });

  it('refuses to start with a DEFAULT_REGION that is no country code, saying what to use', async () => {
    await assert.rejects(
      startWorld({ env: { DEFAULT_REGION: 'Narnia' } }),
      (err: unknown) => err instanceof StartupError && /two-letter country code such as US/.test(err.message),
    );
  });
});
