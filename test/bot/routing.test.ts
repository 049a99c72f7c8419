import assert from 'node:assert/strict';
import { ROUTER_MESSAGES, TURN_ERROR_MESSAGE } from '../../src/bot';
import { DIALOG_STATE_MANAGER_CONFIGURATION } from '../../src/bot/bot';
import { MESSAGES, type ActionRuntime } from '../../src/dialogs';
import { RecordingLogger, suggestions, task, TestConversation, texts } from '../support/conversation';
import { ACCOUNT_TASK, IDLE_RUNTIME, memoryBot, ROUTING_TASKS } from './fixtures';

/** A dialog with a free-text question, where any words are a valid answer. */
const NOTE_TASK = task({
  id: 'note',
  name: 'Take a Note',
  description: 'Takes a note.',
  start: 'intent',
  nodes: [
    { id: 'intent', type: 'intent', utterances: ['take a note'], next: 'text' },
    { id: 'text', type: 'entity', entity: 'text', entityType: 'text', prompt: 'What should the note say?', next: 'done' },
    { id: 'done', type: 'message', text: 'Noted: {{entities.text}}' },
  ],
});

describe('bot routing', () => {
  const routes: Array<[said: string, firstReply: string]> = [
    ['send an sms', 'Which phone number should I text?'],
    ['Please send a text to my friend', 'Which phone number should I text?'],
    ['Send SMS', 'Which phone number should I text?'],
    ['verify my phone', 'Which number should I verify?'],
    ['START VERIFICATION!', 'Which number should I verify?'],
    ['check my code', 'What is the code?'],
    ['i want to check verification', 'What is the code?'],
  ];
  for (const [said, reply] of routes) {
    it(`routes "${said}" to the dialog that asks "${reply}"`, async () => {
      const chat = new TestConversation((turn) => memoryBot({ runtime: IDLE_RUNTIME, dialogs: ROUTING_TASKS }).run(turn));
      assert.deepEqual(await chat.say(said), [reply]);
    });
  }

  it('offers what people come for after a dialog is cancelled or gives up', async () => {
    const bot = memoryBot({ runtime: IDLE_RUNTIME, dialogs: ROUTING_TASKS });
    const chat = new TestConversation((turn) => bot.run(turn));
    await chat.say('verify my phone');
    const cancelled = await chat.send('cancel');
    assert.deepEqual(texts(cancelled), ['OK, I\'ve cancelled "Start Verification".']);
    assert.deepEqual(suggestions(cancelled), ['Send SMS', 'Start Verification']);
    await chat.say('check my code');
    for (let i = 0; i < 3; i += 1) await chat.say('12');
    const gaveUp = await chat.send('12');
    assert.deepEqual(texts(gaveUp), ['Let\'s stop here. Say "check verification" to start again.']);
    assert.deepEqual(suggestions(gaveUp), ['Send SMS', 'Start Verification']);
  });

  it("hands every turn the dialog memory scopes its first turn built, instead of building them again", async () => {
    const bot = memoryBot({ runtime: IDLE_RUNTIME, dialogs: ROUTING_TASKS });
    const seen: unknown[] = [];
    const chat = new TestConversation(async (turn) => {
      await bot.run(turn);
      seen.push(turn.turnState.get(DIALOG_STATE_MANAGER_CONFIGURATION));
    });
    assert.deepEqual(await chat.say('verify my phone'), ['Which number should I verify?']);
    assert.deepEqual(await chat.say('cancel'), ['OK, I\'ve cancelled "Start Verification".']);
    const [first, second] = seen as Array<{ memoryScopes: Array<{ name: string }> } | undefined>;
    assert.ok(first, 'the first turn built a configuration');
    assert.equal(second, first, 'the second turn got the same one');
    for (const scope of ['turn', 'conversation', 'user', 'dialog', 'settings']) assert.ok(first.memoryScopes.some((s) => s.name === scope), scope);
  });

  it('continues the active dialog before routing again', async () => {
    const bot = memoryBot({ runtime: IDLE_RUNTIME, dialogs: ROUTING_TASKS });
    const chat = new TestConversation((turn) => bot.run(turn));
    await chat.say('send an sms');
    // Loosely like another dialog's trigger, but not one of them: an answer that is not a phone number.
    const retry = await chat.say('i would like to check my code now');
    assert.match(retry.join(' '), /phone number/i);
    assert.deepEqual(await chat.say('+14155550123'), ['I would text +14155550123.']);
  });

  it("switches to another dialog when, instead of answering, the user says that dialog's trigger or name", async () => {
    const bot = memoryBot({ runtime: IDLE_RUNTIME, dialogs: ROUTING_TASKS });
    const chat = new TestConversation((turn) => bot.run(turn));
    await chat.say('verify my phone');
    assert.deepEqual(await chat.say('send an sms'), ['OK, I\'ve stopped "Start Verification".', 'Which phone number should I text?']);
    assert.deepEqual(await chat.say('Check Verification'), ['OK, I\'ve stopped "Send SMS".', 'What is the code?']);
    assert.deepEqual(await chat.say('1234'), ['Checked.']);
  });

  it('keeps a text answer that happens to be a trigger of another dialog (e.g. an SMS body)', async () => {
    const bot = memoryBot({ runtime: IDLE_RUNTIME, dialogs: [...ROUTING_TASKS, NOTE_TASK] });
    const chat = new TestConversation((turn) => bot.run(turn));
    assert.deepEqual(await chat.say('take a note'), ['What should the note say?']);
    assert.deepEqual(await chat.say('send an sms'), ['Noted: send an sms']);
  });

  it('does not restart the same dialog when its own trigger is said at one of its questions', async () => {
    const bot = memoryBot({ runtime: IDLE_RUNTIME, dialogs: ROUTING_TASKS });
    const chat = new TestConversation((turn) => bot.run(turn));
    await chat.say('send an sms');
    const retry = await chat.say('send a text');
    assert.equal(retry.length, 1);
    assert.match(retry[0] ?? '', /phone number/i);
  });

  it('answers a greeting briefly, with what it can do as buttons (the list was given when the conversation began)', async () => {
    const bot = memoryBot({ runtime: IDLE_RUNTIME, dialogs: ROUTING_TASKS });
    const chat = new TestConversation((turn) => bot.run(turn));
    for (const hello of ['hi', 'Hello!', 'good morning']) {
      const replies = await chat.send(hello);
      assert.deepEqual(texts(replies), ['Hello! What would you like to do?'], hello);
      assert.deepEqual(suggestions(replies), ['Send SMS', 'Start Verification', 'Check Verification']);
    }
  });

  it('answers thanks with you are welcome', async () => {
    const bot = memoryBot({ runtime: IDLE_RUNTIME, dialogs: ROUTING_TASKS });
    const chat = new TestConversation((turn) => bot.run(turn));
    assert.deepEqual(await chat.say('Thank you!'), [ROUTER_MESSAGES.thanks]);
  });

  it('says it reads text only when a message carries only an attachment, at the top level and at a question', async () => {
    const bot = memoryBot({ runtime: IDLE_RUNTIME, dialogs: ROUTING_TASKS });
    const chat = new TestConversation((turn) => bot.run(turn));
    const image = { type: 'message', attachments: [{ contentType: 'image/png', contentUrl: 'https://example.com/a.png' }] };
    assert.match(texts(await chat.send(image))[0] ?? '', /^I can only read text messages\. I can help you with: /);
    await chat.say('send an sms');
    assert.deepEqual(texts(await chat.send(image)), [MESSAGES.textOnly, 'Which phone number should I text?']);
    assert.deepEqual(await chat.say('+14155550123'), ['I would text +14155550123.']);
  });

  it('asks which one with suggested actions when two dialogs fit equally, then starts the chosen one', async () => {
    const bot = memoryBot({ runtime: IDLE_RUNTIME, dialogs: ROUTING_TASKS });
    const chat = new TestConversation((turn) => bot.run(turn));
    const replies = await chat.send('verification');
    assert.deepEqual(texts(replies), [ROUTER_MESSAGES.which]);
    assert.deepEqual(suggestions(replies).sort(), ['Check Verification', 'Start Verification']);
    assert.deepEqual(await chat.say('Check Verification'), ['What is the code?']);
  });

  it('treats an answer to "which one?" that names neither as a new request', async () => {
    const bot = memoryBot({ runtime: IDLE_RUNTIME, dialogs: ROUTING_TASKS });
    const chat = new TestConversation((turn) => bot.run(turn));
    await chat.say('verification');
    assert.deepEqual(await chat.say('send an sms'), ['Which phone number should I text?']);
  });

  it('says what it can do when no dialog fits', async () => {
    const bot = memoryBot({ runtime: IDLE_RUNTIME, dialogs: ROUTING_TASKS });
    const chat = new TestConversation((turn) => bot.run(turn));
    const replies = await chat.send('order a pizza');
    assert.match(texts(replies)[0] ?? '', /^Sorry, I didn't get that\. I can help you with: Send SMS, Start Verification, Check Verification\.$/);
    assert.deepEqual(suggestions(replies), ['Send SMS', 'Start Verification', 'Check Verification']);
  });

  it('greets a new member with what it can do, and not the bot itself', async () => {
    const bot = memoryBot({ runtime: IDLE_RUNTIME, dialogs: ROUTING_TASKS });
    const chat = new TestConversation((turn) => bot.run(turn));
    const replies = await chat.send({
      type: 'conversationUpdate',
      membersAdded: [
        { id: 'bot', name: 'Bot' },
        { id: 'user-1', name: 'user-1' },
      ],
    });
    assert.equal(texts(replies).length, 1);
    assert.match(texts(replies)[0] ?? '', /I can help you with: Send SMS, Start Verification, Check Verification/);
    assert.deepEqual(suggestions(replies), ['Send SMS', 'Start Verification', 'Check Verification']);
  });

  it('answers help with every dialog and its description', async () => {
    const bot = memoryBot({ runtime: IDLE_RUNTIME, dialogs: ROUTING_TASKS });
    const chat = new TestConversation((turn) => bot.run(turn));
    const [text] = await chat.say('help');
    assert.match(text ?? '', /Here is what I can do:/);
    assert.match(text ?? '', /- Send SMS: Sends a text message to a phone number\./);
    assert.match(text ?? '', /- Check Verification: Checks a one-time code\./);
  });

  it("answers help inside a dialog with the active step's help", async () => {
    const bot = memoryBot({ runtime: IDLE_RUNTIME, dialogs: ROUTING_TASKS });
    const chat = new TestConversation((turn) => bot.run(turn));
    await chat.say('send an sms');
    const replies = await chat.say('help');
    assert.equal(replies[0], 'Type the number with its country code, e.g. +14155550123.');
  });

  it('answers "Nothing to cancel" when idle, and cancels an active dialog', async () => {
    const bot = memoryBot({ runtime: IDLE_RUNTIME, dialogs: ROUTING_TASKS });
    const chat = new TestConversation((turn) => bot.run(turn));
    assert.deepEqual(await chat.say('cancel'), [ROUTER_MESSAGES.nothingToCancel]);
    await chat.say('send an sms');
    assert.deepEqual(await chat.say('cancel'), ['OK, I\'ve cancelled "Send SMS".']);
    assert.deepEqual(await chat.say('cancel'), [ROUTER_MESSAGES.nothingToCancel]);
  });

  it('says that no dialogs are installed when there are none', async () => {
    const bot = memoryBot({ runtime: IDLE_RUNTIME, dialogs: [] });
    const chat = new TestConversation((turn) => bot.run(turn));
    assert.match((await chat.say('send an sms'))[0] ?? '', /No dialogs are installed yet/);
  });

  it('registers newly installed dialogs on reload without a restart', async () => {
    const bot = memoryBot({ runtime: IDLE_RUNTIME, dialogs: [] });
    const chat = new TestConversation((turn) => bot.run(turn));
    bot.reload(ROUTING_TASKS);
    assert.deepEqual(await chat.say('send an sms'), ['Which phone number should I text?']);
  });

  it('stops a running dialog that a reload removed, and starts over', async () => {
    const bot = memoryBot({ runtime: IDLE_RUNTIME, dialogs: ROUTING_TASKS });
    const chat = new TestConversation((turn) => bot.run(turn));
    await chat.say('send an sms');
    bot.reload(ROUTING_TASKS.filter((t) => t.id !== 'send-sms'));
    assert.deepEqual(await chat.say('+14155550123'), [ROUTER_MESSAGES.dialogRemoved]);
    assert.deepEqual(await chat.say('check my code'), ['What is the code?']);
  });

  it('answers one clear sentence on a failing turn, logs no stack and no code, and clears the dialog stack', async () => {
    const logger = new RecordingLogger();
    const failing: ActionRuntime = {
      ...IDLE_RUNTIME,
      resolveGateway: async () => {
        throw new Error('database exploded while the user typed 123456');
      },
    };
    const bot = memoryBot({ runtime: failing, dialogs: [ACCOUNT_TASK, ...ROUTING_TASKS], logger });
    const chat = new TestConversation((turn) => bot.run(turn));
    assert.deepEqual(await chat.say('show my account'), [TURN_ERROR_MESSAGE]);
    const log = logger.lines.join('\n');
    assert.match(log, /turn failed/);
    assert.doesNotMatch(log, /123456/);
    assert.doesNotMatch(log, /\n\s+at /);
    // The broken dialog is gone: the next message routes afresh.
    assert.deepEqual(await chat.say('check my code'), ['What is the code?']);
  });
});
