import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConversationState, MemoryStorage, UserState } from 'botbuilder';
import { OwnBot } from '../../examples/own-bot';
import { generateSecretKey } from '../../src/auth';
import { createTwilioVerifyDialogs, TwilioVerifyDialogs } from '../../src/bot';
import { createEmulator, type TwilioEmulator } from '../../src/emulator';
import { openStore, type Store } from '../../src/store';
import { TestConversation } from '../support/conversation';
import { ACCOUNT_TASK, ROUTING_TASKS } from './fixtures';

describe("the example developer's bot", () => {
  let emulator: TwilioEmulator;
  let store: Store;
  let dir: string;

  beforeEach(async () => {
    emulator = createEmulator();
    await emulator.listen(0);
    store = await openStore({ filename: ':memory:' });
    dir = await mkdtemp(path.join(tmpdir(), 'tva-own-bot-'));
  });
  afterEach(async () => {
    await emulator.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps its own answers and runs a Twilio dialog through the component, built from a store and a dialogs directory', async () => {
    await writeFile(path.join(dir, 'account.json'), JSON.stringify(ACCOUNT_TASK));
    await writeFile(path.join(dir, 'broken.json'), '{ not json');
    const storage = new MemoryStorage();
    const conversationState = new ConversationState(storage);
    const userState = new UserState(storage);
    const env = { SECRETS_KEY: generateSecretKey().key.toString('base64') };
    const setup = await createTwilioVerifyDialogs({
      store,
      dataDir: dir,
      dialogsDir: dir,
      userState,
      publicBaseUrl: 'http://127.0.0.1:3978',
      env,
    });
    assert.deepEqual(setup.problems.map((p) => p.file), ['broken.json']);
    await setup.action.authorize(
      { type: 'pre-authorized', accountSid: emulator.accountSid, authToken: emulator.authToken, baseUrl: emulator.url },
      'test',
    );
    await setup.action.enable('test');

    const bot = new OwnBot({ conversationState, userState, twilioVerify: setup.component });
    const chat = new TestConversation((turn) => bot.run(turn));
    assert.deepEqual(await chat.say('hello'), [
      'Hello from my own bot! Ask me to send an SMS or to verify your phone number.',
    ]);
    assert.deepEqual(await chat.say('show my account'), [`Your Twilio account ${emulator.accountSid} is active.`]);
  });

  it('runs a multi-turn dialog of the component inside its own DialogSet', async () => {
    const storage = new MemoryStorage();
    const userState = new UserState(storage);
    const component = new TwilioVerifyDialogs({
      runtime: {
        resolveGateway: async () => ({ kind: 'not-configured' }),
        publicConfig: async () => ({}),
        requestUserAuthorization: async () => {},
        reportAuthFailure: async () => {},
        audit: async () => {},
      },
      dialogs: ROUTING_TASKS,
      userState,
    });
    const bot = new OwnBot({ conversationState: new ConversationState(storage), userState, twilioVerify: component });
    const chat = new TestConversation((turn) => bot.run(turn));
    assert.deepEqual(await chat.say('send a text'), ['Which phone number should I text?']);
    assert.deepEqual(await chat.say('hello'), ['Hello from my own bot! Ask me to send an SMS or to verify your phone number.']);
    assert.deepEqual(await chat.say('+1 415 555 0123'), ['I would text +14155550123.']);
  });
});
