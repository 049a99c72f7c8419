// What users get when a turn's state cannot be committed, here because the SQLite store stopped after a failed
// flush to disk: over the real bot route and adapter, with the turn guard on a real SQLite file.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConversationState, UserState, type TurnContext } from 'botbuilder';
import { NOT_SAVED_AFTER_SEND_MESSAGE, TURN_ERROR_MESSAGE, TurnGuard, TwilioVerifyBot } from '../../src/bot';
import { BotClient } from '../../src/chat';
import type { ActionRuntime } from '../../src/dialogs';
import { openStore, type Store } from '../../src/store';
import { TwilioActionError } from '../../src/twilio';
import { RecordingLogger, task } from '../support/conversation';
import { startWorld, type BotWorld } from '../support/world';
import { IDLE_RUNTIME, performIn, ROUTING_TASKS, unreachableSmsCall } from './fixtures';

/** The send of these tests: user u1's SMS, handed to the turn guard; `run` stands for the request to Twilio. */
const sendSms = (turn: TurnContext, run: () => Promise<unknown>) => performIn(turn, unreachableSmsCall('u1'), run);

describe('a turn whose state cannot be committed (the SQLite store stopped after a failed flush to disk)', () => {
  let dir: string;
  let store: Store;
  let world: BotWorld | undefined;
  let guard: TurnGuard;
  let conversationState: ConversationState;
  let userState: UserState;
  let failFlushes: boolean;
  let logger: RecordingLogger;

  const serve = async (run: (turn: TurnContext) => Promise<void>) => {
    world = await startWorld({ stack: 'bot', bot: { bot: { run }, logger } });
    return new BotClient({ baseUrl: world.url, channelId: 'test', userId: 'u1', conversationId: 'c1' });
  };
  const texts = (replies: Array<{ text?: string }>) => replies.map((r) => r.text);

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tva-stopped-'));
    failFlushes = false;
    logger = new RecordingLogger();
    store = await openStore({
      dataDir: dir,
      sqliteWalFlusher: {
        flush: () => {
          if (failFlushes) throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
          return undefined;
        },
      },
    });
    const storage = store.botStorage();
    conversationState = new ConversationState(storage);
    userState = new UserState(storage);
    guard = new TurnGuard({ store, conversationState, userState, logger });
  });
  afterEach(async () => {
    await world?.close();
    world = undefined;
    guard.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers only that something went wrong: none of the replies of a turn whose state is gone', async () => {
    const bot = new TwilioVerifyBot({ conversationState, userState, dialogs: ROUTING_TASKS, runtime: IDLE_RUNTIME, guard, logger });
    const client = await serve((turn) => bot.run(turn));
    assert.deepEqual(texts(await client.say('send an sms')), ['Which phone number should I text?']);
    failFlushes = true;
    assert.deepEqual(texts(await client.say('+14155550123')), [TURN_ERROR_MESSAGE]);
  });

  it('answers every later turn that something went wrong, logs why without a stack, and fails the store check', async () => {
    const bot = new TwilioVerifyBot({ conversationState, userState, dialogs: ROUTING_TASKS, runtime: IDLE_RUNTIME, guard, logger });
    const client = await serve((turn) => bot.run(turn));
    failFlushes = true;
    assert.deepEqual(texts(await client.say('send an sms')), [TURN_ERROR_MESSAGE]);
    failFlushes = false;
    assert.deepEqual(texts(await client.say('help')), [TURN_ERROR_MESSAGE], 'a good flush does not bring the store back');
    const log = logger.lines.join('\n');
    assert.match(log, /StoreStoppedError.*could not be flushed to disk: EIO/);
    assert.doesNotMatch(log, /\n\s+at /);
    const check = await store.check();
    assert.match(check.ok ? '' : check.problem, /could not be flushed to disk: EIO.*restart the server/);
  });

  it('keeps the replies of a turn that sent before its state failed, and asks the user not to repeat the request', async () => {
    let requests = 0;
    const client = await serve((turn) =>
      guard.run(turn, async () => {
        await sendSms(turn, async () => {
          requests += 1;
          return { sid: 'SM1', status: 'queued' };
        });
        await turn.sendActivity('Done: your message to +14155550123 is on its way.');
        failFlushes = true; // the intent was flushed; the turn's state is not
      }),
    );
    assert.deepEqual(texts(await client.say('send it')), ['Done: your message to +14155550123 is on its way.', NOT_SAVED_AFTER_SEND_MESSAGE]);
    assert.equal(requests, 1);
  });

  it('keeps the replies of a turn whose send Twilio did not confirm, when not even that could be recorded', async () => {
    let requests = 0;
    const client = await serve((turn) =>
      guard.run(turn, async () => {
        await sendSms(turn, async () => {
          requests += 1;
          failFlushes = true; // the intent was flushed; recording the unknown outcome fails
          throw new Error('socket hang up');
        }).catch(() => turn.sendActivity('I could not confirm that your SMS went out.'));
      }),
    );
    assert.deepEqual(texts(await client.say('send it')), ['I could not confirm that your SMS went out.', NOT_SAVED_AFTER_SEND_MESSAGE]);
    assert.equal(requests, 1);
  });

  it('drops the replies of a turn that sent nothing because an earlier send could not be checked', async () => {
    let requests = 0;
    const client = await serve((turn) =>
      guard.run(turn, async () => {
        // Twilio (here nothing listens) cannot tell what became of an unconfirmed send: it stays open, and the next
        // send to that person is not made until it can be checked.
        await sendSms(turn, async () => {
          requests += 1;
          throw new Error('socket hang up');
        }).catch(() => turn.sendActivity('I could not confirm that your SMS went out.'));
        if (turn.activity.text === 'again') failFlushes = true;
      }),
    );
    assert.deepEqual(texts(await client.say('send it')), ['I could not confirm that your SMS went out.']);
    assert.deepEqual(texts(await client.say('again')), [TURN_ERROR_MESSAGE]);
    assert.equal(requests, 1, 'the second turn sent nothing');
  });

  it('asks the user not to repeat a request, instead of to try again, when the dialog fails after its send', async () => {
    let requests = 0;
    const gateway = unreachableSmsCall('u1').gateway;
    // Reading the configuration fails once the SMS went out: the dialog's "sent" message cannot be written.
    const runtime: ActionRuntime = {
      ...IDLE_RUNTIME,
      resolveGateway: async () => ({ kind: 'ready', gateway }),
      publicConfig: async () => {
        if (requests > 0) throw new Error('the configuration cannot be read');
        return {};
      },
      runOperation: async () => {
        requests += 1;
        return { sid: 'SM1', to: '+14155550123', status: 'queued' };
      },
    };
    const textAlice = task({
      id: 'text-alice',
      name: 'Text Alice',
      description: 'Texts Alice.',
      start: 'intent',
      nodes: [
        { id: 'intent', type: 'intent', utterances: ['text alice'], next: 'send' },
        { id: 'send', type: 'service', operation: 'sendSms', input: { to: "'+14155550123'", from: "'+15005550006'", body: "'hi'" }, next: 'sent' },
        { id: 'sent', type: 'message', text: 'Sent {{result.sid}}.' },
      ],
    });
    const bot = new TwilioVerifyBot({ conversationState, userState, dialogs: [textAlice], runtime, guard, logger });
    const client = await serve((turn) => bot.run(turn));
    assert.deepEqual(texts(await client.say('text alice')), [NOT_SAVED_AFTER_SEND_MESSAGE]);
    assert.equal(requests, 1);
  });

  it('drops the replies of a turn whose send failed for sure before its state failed', async () => {
    const client = await serve((turn) =>
      guard.run(turn, async () => {
        await sendSms(turn, async () => {
          throw new TwilioActionError({ code: 21211, status: 400, twilioMessage: "The 'To' number is not a valid phone number." });
        }).catch(() => undefined);
        await turn.sendActivity('That number cannot receive SMS.');
        failFlushes = true;
      }),
    );
    assert.deepEqual(texts(await client.say('send it')), [TURN_ERROR_MESSAGE]);
  });
});
