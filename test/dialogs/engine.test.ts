import assert from 'node:assert/strict';
import nock from 'nock';
import { MemoryStorage, type Activity } from 'botbuilder';
import { MAX_STEPS_PER_TURN, MESSAGES, type DialogTask } from '../../src/dialogs';
import { copy, sendSmsTask } from './fixtures';
import { ACCOUNT_SID, TaskChat, gatewayFor, json, play, RecordingLogger, TestRuntime, type Transcript } from '../support/conversation';

const SENDER = '+15005550006';
const RECEIVER = '+14155550123';
const MESSAGES_PATH = `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`;

/** Twilio's reply to a created message (2010 API: snake_case, RFC 2822 dates). */
function twilioMessage(to: string, from: string, body: string): Record<string, unknown> {
  return {
    account_sid: ACCOUNT_SID,
    api_version: '2010-04-01',
    body,
    date_created: 'Thu, 01 Jan 2026 10:00:00 +0000',
    date_sent: null,
    date_updated: 'Thu, 01 Jan 2026 10:00:00 +0000',
    direction: 'outbound-api',
    error_code: null,
    error_message: null,
    from,
    messaging_service_sid: null,
    num_media: '0',
    num_segments: '1',
    price: null,
    price_unit: 'USD',
    sid: `SM${'c'.repeat(32)}`,
    status: 'queued',
    subresource_uris: {},
    to,
    uri: `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/SM${'c'.repeat(32)}.json`,
  };
}

function twilioError(status: number, code: number, message: string): Record<string, unknown> {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

/** Twilio answers one message create, only for the expected form body. */
function expectSms(body: string, to = RECEIVER): nock.Scope {
  return nock('https://api.twilio.com')
    .post(MESSAGES_PATH, (form: Record<string, string>) => form['To'] === to && form['From'] === SENDER && form['Body'] === body)
    .reply(...json(201, twilioMessage(to, SENDER, body)));
}

function readyRuntime(config: Record<string, unknown> = { sender: SENDER }): TestRuntime {
  return new TestRuntime({ kind: 'ready', gateway: gatewayFor() }, config);
}

const PROMPT_NUMBER = 'Which phone number should I text?';
const PROMPT_MESSAGE = 'What should the message say?';
const BAD_NUMBER = "That doesn't look like a phone number. Use the international format, e.g. +14155550123.";

afterEach(() => nock.cleanAll());

describe('dialog engine: the send-sms dialog (Twilio answered by nock)', () => {
  const conversations: (Transcript & { twilio?: () => nock.Scope; config?: Record<string, unknown> })[] = [
    {
      title: 'sends an SMS with the configured sender',
      twilio: () => expectSms('Hello from the bot'),
      turns: [
        ['send an SMS', [PROMPT_NUMBER]],
        ['+1 (415) 555-0123', [PROMPT_MESSAGE]],
        ['Hello from the bot', [`Done: your message to ${RECEIVER} is queued.`]],
      ],
      status: 'completed',
    },
    {
      title: 'asks for the sender when the configuration has none',
      config: {},
      twilio: () => expectSms('Hi'),
      turns: [
        ['send a text', [PROMPT_NUMBER]],
        [RECEIVER, [PROMPT_MESSAGE]],
        ['Hi', ['Which number or Messaging Service should I send from?']],
        [SENDER, [`Done: your message to ${RECEIVER} is queued.`]],
      ],
      status: 'completed',
    },
    {
      title: 'explains what was wrong without repeating the error prompt, retries, and accepts a good number',
      twilio: () => expectSms('Hi'),
      turns: [
        ['send an sms', [PROMPT_NUMBER]],
        // The reason only restates the error prompt ("no phone number"): it is not added; a specific one is.
        ['my number', [BAD_NUMBER]],
        ['+1415', [`${BAD_NUMBER} (That number is too short.)`]],
        [RECEIVER, [PROMPT_MESSAGE]],
        ['Hi', [/^Done/]],
      ],
      status: 'completed',
    },
    {
      title: 'stops clearly after the retries run out',
      turns: [
        ['send an sms', [PROMPT_NUMBER]],
        ['one', [/^That doesn't look like a phone number/]],
        ['two', [/^That doesn't look like a phone number/]],
        ['three', [/^That doesn't look like a phone number/]],
        ['four', ['Let\'s stop here. Say "send an sms" to start again.']],
      ],
      status: 'failed',
    },
    {
      title: 'answers help with the prompt\'s help and does not use up a retry',
      turns: [
        ['send an sms', [PROMPT_NUMBER]],
        ['x', [/^That doesn't look/]],
        ['x', [/^That doesn't look/]],
        ['help', ['Type the number with its country code, e.g. +14155550123.', PROMPT_NUMBER]],
        ['help', ['Type the number with its country code, e.g. +14155550123.', PROMPT_NUMBER]],
        ['x', [/^That doesn't look/]],
        ['x', [/^Let's stop here/]],
      ],
      status: 'failed',
    },
    {
      title: 'explains an entity without its own help from its type',
      turns: [
        ['send an sms', [PROMPT_NUMBER]],
        [RECEIVER, [PROMPT_MESSAGE]],
        ['help', ['Type your answer as text (up to 1600 characters).', PROMPT_MESSAGE]],
      ],
      status: 'waiting',
    },
    {
      title: 'cancels at any prompt',
      turns: [
        ['send an sms', [PROMPT_NUMBER]],
        [RECEIVER, [PROMPT_MESSAGE]],
        ['Cancel', ['OK, I\'ve cancelled "Send SMS".']],
      ],
      status: 'cancelled',
    },
    {
      title: 'cancels on "nevermind", the same words as the router',
      turns: [
        ['send an sms', [PROMPT_NUMBER]],
        ['nevermind', ['OK, I\'ve cancelled "Send SMS".']],
      ],
      status: 'cancelled',
    },
    {
      title: 'stops on "quit" too',
      turns: [
        ['send an sms', [PROMPT_NUMBER]],
        ['quit', ['OK, I\'ve cancelled "Send SMS".']],
      ],
      status: 'cancelled',
    },
    {
      title: 'follows the 21211 transition back to the number and sends to the corrected one',
      twilio: () => {
        nock('https://api.twilio.com')
          .post(MESSAGES_PATH, (form: Record<string, string>) => form['To'] === '+14155550100')
          .reply(...json(400, twilioError(400, 21211, "The 'To' number +14155550100 is not a valid phone number.")));
        return expectSms('Hi');
      },
      turns: [
        ['send an sms', [PROMPT_NUMBER]],
        ['+14155550100', [PROMPT_MESSAGE]],
        ['Hi', [/^That phone number is not valid/, PROMPT_NUMBER]],
        // An entity node always asks on arrival unless its `default` yields a value (docs/DIALOGS.md).
        [RECEIVER, [PROMPT_MESSAGE]],
        ['Hi', [`Done: your message to ${RECEIVER} is queued.`]],
      ],
      status: 'completed',
    },
    {
      title: 'ends with Twilio\'s reason when no transition handles the error (21608)',
      twilio: () =>
        nock('https://api.twilio.com')
          .post(MESSAGES_PATH)
          .reply(...json(400, twilioError(400, 21608, 'The number +14155550123 is unverified. Trial accounts cannot send messages to unverified numbers.'))),
      turns: [
        ['send an sms', [PROMPT_NUMBER]],
        [RECEIVER, [PROMPT_MESSAGE]],
        ['Hi', [/unverified|trial/i]],
      ],
      status: 'failed',
    },
  ];

  for (const conversation of conversations) {
    it(conversation.title, async () => {
      const scope = conversation.twilio?.();
      const chat = new TaskChat({ tasks: [sendSmsTask()], runtime: readyRuntime(conversation.config) });
      await play(chat, conversation);
      if (scope) assert.ok(scope.isDone(), `Twilio was not called as expected: ${scope.pendingMocks().join(', ')}`);
    });
  }

  it('skips a prompt whose default already has a value, e.g. the message after a corrected number', async () => {
    const task = sendSmsTask();
    const messageNode = task.nodes.find((n) => n.id === 'message');
    if (messageNode?.type !== 'entity') throw new Error('fixture changed');
    messageNode.default = 'entities.message';
    nock('https://api.twilio.com')
      .post(MESSAGES_PATH, (form: Record<string, string>) => form['To'] === '+14155550100')
      .reply(...json(400, twilioError(400, 21211, "The 'To' number +14155550100 is not a valid phone number.")));
    const scope = expectSms('Hi');
    await play(new TaskChat({ tasks: [task], runtime: readyRuntime() }), {
      title: 'default',
      turns: [
        ['send an sms', [PROMPT_NUMBER]],
        ['+14155550100', [PROMPT_MESSAGE]],
        ['Hi', [/^That phone number is not valid/, PROMPT_NUMBER]],
        [RECEIVER, [`Done: your message to ${RECEIVER} is queued.`]],
      ],
      status: 'completed',
    });
    assert.ok(scope.isDone());
  });

  it('reports rejected credentials (20003) and tells the user to ask an admin', async () => {
    nock('https://api.twilio.com').post(MESSAGES_PATH).reply(...json(401, twilioError(401, 20003, 'Authenticate')));
    const runtime = readyRuntime();
    const chat = new TaskChat({ tasks: [sendSmsTask()], runtime });
    await play(chat, {
      title: '20003',
      turns: [
        ['send an sms', [PROMPT_NUMBER]],
        [RECEIVER, [PROMPT_MESSAGE]],
        ['Hi', [MESSAGES.notAuthorized]],
      ],
      status: 'failed',
    });
    assert.deepStrictEqual(runtime.authFailures, [{ ref: { channelId: 'test', userId: 'user1' }, code: 20003 }]);
  });

  const unavailable: [kind: string, runtime: () => TestRuntime, reply: string][] = [
    ['disabled', () => new TestRuntime({ kind: 'disabled' }, { sender: SENDER }), MESSAGES.disabled],
    ['not configured', () => new TestRuntime({ kind: 'not-configured' }, { sender: SENDER }), MESSAGES.notConfigured],
    ['failing with 20003', () => new TestRuntime({ kind: 'error', code: 20003 }, { sender: SENDER }), MESSAGES.notAuthorized],
    ['failing otherwise', () => new TestRuntime({ kind: 'error', code: 'store_unavailable' }, { sender: SENDER }), MESSAGES.unavailable],
  ];
  for (const [kind, runtime, reply] of unavailable) {
    it(`answers at once, without asking anything or calling Twilio, when the integration is ${kind}`, async () => {
      await play(new TaskChat({ tasks: [sendSmsTask()], runtime: runtime() }), {
        title: kind,
        turns: [['send an sms', [reply]]],
        status: 'failed',
      });
    });
    it(`answers without calling Twilio when the integration becomes ${kind} in the middle of the dialog`, async () => {
      const changing = readyRuntime();
      const chat = new TaskChat({ tasks: [sendSmsTask()], runtime: changing });
      await play(chat, {
        title: `${kind} mid-dialog`,
        turns: [
          ['send an sms', [PROMPT_NUMBER]],
          [RECEIVER, [PROMPT_MESSAGE]],
        ],
        status: 'waiting',
      });
      changing.resolution = runtime().resolution;
      await play(chat, { title: `${kind} now`, turns: [['Hi', [reply]]], status: 'failed' });
    });
  }

  it('asks the user to authorize, waits, reminds, and continues after "done"', async () => {
    const runtime = new TestRuntime({ kind: 'needs-user-authorization', profile: 'twilio-basic' }, { sender: SENDER });
    const chat = new TaskChat({ tasks: [sendSmsTask()], runtime });
    const scope = expectSms('Hi');
    await play(chat, {
      title: 'user authorization',
      turns: [
        ['send an sms', [PROMPT_NUMBER]],
        [RECEIVER, [PROMPT_MESSAGE]],
        ['Hi', ['Please authorize Twilio for me: https://bot.example/authorize/1']],
        ['what now?', [MESSAGES.authorizationPending]],
        ['done', [MESSAGES.authorizationStillMissing, 'Please authorize Twilio for me: https://bot.example/authorize/2']],
      ],
      status: 'waiting',
    });
    runtime.resolution = { kind: 'ready', gateway: gatewayFor() };
    await play(chat, { title: 'after authorization', turns: [['Done!', [`Done: your message to ${RECEIVER} is queued.`]]], status: 'completed' });
    assert.deepStrictEqual(runtime.authorizationRequests, ['twilio-basic', 'twilio-basic']);
    assert.ok(scope.isDone());
  });

  it('continues on the authorization/completed event, and lets the user cancel while waiting', async () => {
    const runtime = new TestRuntime({ kind: 'needs-user-authorization', profile: 'p' }, { sender: SENDER });
    const chat = new TaskChat({ tasks: [sendSmsTask()], runtime });
    const scope = expectSms('Hi');
    await play(chat, {
      title: 'event',
      turns: [
        ['send an sms', [PROMPT_NUMBER]],
        [RECEIVER, [PROMPT_MESSAGE]],
        ['Hi', [/authorize/]],
        [{ type: 'event', name: 'something/else' }, []],
      ],
      status: 'waiting',
    });
    runtime.resolution = { kind: 'ready', gateway: gatewayFor() };
    await play(chat, {
      title: 'event',
      turns: [[{ type: 'event', name: 'authorization/completed' }, [/^Done: your message/]]],
      status: 'completed',
    });
    assert.ok(scope.isDone());

    const other = new TaskChat({ tasks: [sendSmsTask()], runtime: new TestRuntime({ kind: 'needs-user-authorization', profile: 'p' }, { sender: SENDER }) });
    await play(other, {
      title: 'cancel while waiting',
      turns: [
        ['send an sms', [PROMPT_NUMBER]],
        [RECEIVER, [PROMPT_MESSAGE]],
        ['Hi', [/authorize/]],
        ['stop', ['OK, I\'ve cancelled "Send SMS".']],
      ],
      status: 'cancelled',
    });
  });

  it('continues mid-dialog after a restart (a new dialog set over the same storage)', async () => {
    const storage = new MemoryStorage();
    const first = new TaskChat({ tasks: [sendSmsTask()], runtime: readyRuntime(), storage });
    await play(first, {
      title: 'before the restart',
      turns: [
        ['send an sms', [PROMPT_NUMBER]],
        ['nope', [/^That doesn't look/]],
        [RECEIVER, [PROMPT_MESSAGE]],
      ],
      status: 'waiting',
    });
    const scope = expectSms('After the restart');
    const second = new TaskChat({ tasks: [copy(sendSmsTask())], runtime: readyRuntime(), storage });
    await play(second, {
      title: 'after the restart',
      turns: [['After the restart', [`Done: your message to ${RECEIVER} is queued.`]]],
      status: 'completed',
    });
    assert.ok(scope.isDone());
    assert.deepStrictEqual(second.results[0]?.entities, { receiver: RECEIVER, message: 'After the restart', sender: SENDER });
  });
});

/** A dialog exercising enum entities, suggestions, commands, onFailure, defaults, logic and user state. */
function preferencesTask(): DialogTask {
  return {
    id: 'preferences',
    name: 'Preferences',
    description: 'Remembers how the user wants codes.',
    start: 'intent',
    nodes: [
      { id: 'intent', type: 'intent', utterances: ['set my preferences'], next: 'channel' },
      {
        id: 'channel',
        type: 'entity',
        entity: 'channel',
        entityType: 'enum',
        values: [{ value: 'sms', synonyms: ['text'] }, { value: 'call', synonyms: ['voice'] }],
        prompt: 'How should I send codes?',
        suggestions: ['sms', 'call'],
        default: 'user.channel',
        retries: 1,
        commands: [{ utterances: ['skip', 'later'], then: 'skipped' }],
        onFailure: 'fallback',
        next: 'confirm',
      },
      {
        id: 'confirm',
        type: 'entity',
        entity: 'sure',
        entityType: 'yesno',
        prompt: 'Use {{entities.channel}} from now on?',
        transitions: [{ if: '!entities.sure', then: 'notSaved' }],
        next: 'save',
      },
      {
        id: 'save',
        type: 'logic',
        set: { 'user.channel': 'entities.channel', 'user.savedAt': 'now()', 'context.saved': 'true' },
        next: 'saved',
      },
      { id: 'saved', type: 'message', text: 'Saved: {{user.channel}} at {{user.savedAt}}.' },
      { id: 'notSaved', type: 'message', text: 'Nothing changed.', status: 'cancelled' },
      { id: 'skipped', type: 'message', text: 'OK, maybe later.', status: 'cancelled' },
      { id: 'fallback', type: 'logic', set: { 'context.channel': '"sms"' }, next: 'fallbackSaid' },
      { id: 'fallbackSaid', type: 'message', text: 'I will use {{context.channel}} for now.', status: 'failed' },
    ],
  };
}

describe('dialog engine: entities, commands, logic and user state', () => {
  const clock = { now: () => new Date('2026-01-01T10:00:00Z') };

  it('shows suggestions as buttons, saves user state and skips the prompt next time through its default', async () => {
    const chat = new TaskChat({ tasks: [preferencesTask()], runtime: readyRuntime(), clock });
    const [prompt] = await chat.send('set my preferences');
    assert.equal(prompt?.text, 'How should I send codes?');
    assert.deepStrictEqual(prompt?.suggestedActions?.actions.map((a) => a.value), ['sms', 'call']);
    await play(chat, {
      title: 'save',
      turns: [
        ['Voice', ['Use call from now on?']],
        ['yes', ['Saved: call at 2026-01-01T10:00:00.000Z.']],
      ],
      status: 'completed',
    });
    assert.deepStrictEqual(await chat.user(), { channel: 'call', savedAt: '2026-01-01T10:00:00.000Z' });
    assert.deepStrictEqual(chat.results[0], { status: 'completed', outcome: 'completed', entities: { channel: 'call', sure: true }, context: { saved: true } });
    await play(chat, {
      title: 'default from user state',
      turns: [['set my preferences', ['Use call from now on?']], ['no', ['Nothing changed.']]],
      status: 'cancelled',
    });
  });

  it('offers yes/no and an enum\'s values as buttons when a node declares none', async () => {
    const task = preferencesTask();
    const channel = task.nodes.find((node) => node.id === 'channel');
    if (channel?.type !== 'entity') throw new Error('fixture: no channel node');
    delete channel.suggestions;
    const chat = new TaskChat({ tasks: [task], runtime: readyRuntime(), clock });
    const buttons = (replies: Partial<Activity>[]) => replies.at(-1)?.suggestedActions?.actions.map((a) => a.title) ?? [];
    assert.deepStrictEqual(buttons(await chat.send('set my preferences')), ['Sms', 'Call']);
    assert.deepStrictEqual(buttons(await chat.send('voice')), ['Yes', 'No']);
    assert.deepStrictEqual(buttons(await chat.send('what?')), ['Yes', 'No'], 'the re-prompt offers them too');
  });

  it('jumps on a command instead of parsing it', async () => {
    await play(new TaskChat({ tasks: [preferencesTask()], runtime: readyRuntime() }), {
      title: 'command',
      turns: [['set my preferences', ['How should I send codes?']], ['Later', ['OK, maybe later.']]],
      status: 'cancelled',
    });
  });

  it('goes to onFailure after the retries', async () => {
    await play(new TaskChat({ tasks: [preferencesTask()], runtime: readyRuntime() }), {
      title: 'onFailure',
      turns: [
        ['set my preferences', ['How should I send codes?']],
        ['pigeon', ['Pick one of: sms, call. How should I send codes?']],
        ['email', ['I will use sms for now.']],
      ],
      status: 'failed',
    });
  });

  it(`stops a dialog that runs more than ${MAX_STEPS_PER_TURN} steps without waiting`, async () => {
    const looping: DialogTask = {
      id: 'looping',
      name: 'Looping',
      description: 'Never waits (the validator would reject it).',
      start: 'intent',
      nodes: [
        { id: 'intent', type: 'intent', utterances: ['loop'], next: 'a' },
        { id: 'a', type: 'logic', set: { 'context.n': 'context.n + 1' }, next: 'b' },
        { id: 'b', type: 'logic', set: { 'context.m': '1' }, next: 'a' },
      ],
    };
    const logger = new RecordingLogger();
    await play(new TaskChat({ tasks: [looping], runtime: readyRuntime(), logger }), {
      title: 'loop',
      turns: [['loop', [MESSAGES.stuck]]],
      status: 'failed',
    });
    assert.ok(logger.lines.some((line) => line.startsWith('error too many steps')));
  });

  it('stops with a clear sentence when an expression fails at run time', async () => {
    const task: DialogTask = {
      id: 'big',
      name: 'Big',
      description: '',
      start: 'intent',
      nodes: [
        { id: 'intent', type: 'intent', utterances: ['grow'], next: 'say' },
        { id: 'say', type: 'message', text: '{{config.big + config.big}}' },
      ],
    };
    await play(new TaskChat({ tasks: [task], runtime: readyRuntime({ big: 'x'.repeat(6000) }) }), {
      title: 'expression',
      turns: [['grow', [/Something is wrong in this dialog \(step "say"\)/]]],
      status: 'failed',
    });
  });
});
