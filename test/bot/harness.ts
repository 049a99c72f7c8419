/**
 * Shared pieces of the bot tests: small valid dialog tasks, a TestAdapter conversation helper, and an in-process
 * world for the authorization flow (store in memory, the real integration action, the emulator, a restify server on
 * port 0 with the bot endpoint and the auth link pages).
 */
import type { AddressInfo } from 'node:net';
import {
  ConversationState,
  MemoryStorage,
  TestAdapter,
  UserState,
  type Activity,
  type TurnContext,
} from 'botbuilder';
import restify from 'restify';
import { generateSecretKey, IntegrationAction, SecretBox } from '../../src/auth';
import { IntegrationRuntime, TwilioVerifyBot } from '../../src/bot';
import { validateDialogTask, type DialogLogger, type DialogTask } from '../../src/dialogs';
import { createEmulator, ManualClock, type TwilioEmulator } from '../../src/emulator';
import { registerAuthLinkRoutes, registerBotRoutes } from '../../src/server';
import { openStore, type Store } from '../../src/store';
import { OPERATION_NAMES } from '../../src/twilio';

/** Validates a dialog task with the engine's own validator, so fixtures stay real dialogs. */
export function task(json: unknown): DialogTask {
  const result = validateDialogTask(json, { operations: OPERATION_NAMES });
  if (!result.ok) throw new Error(`invalid fixture: ${JSON.stringify(result.problems)}`);
  return result.task;
}

/** Three dialogs without Twilio calls, for routing: each asks one question, then confirms. */
export const ROUTING_TASKS: DialogTask[] = [
  task({
    id: 'send-sms',
    name: 'Send SMS',
    description: 'Sends a text message to a phone number.',
    start: 'intent',
    nodes: [
      { id: 'intent', type: 'intent', utterances: ['send an sms', 'send a text', 'text someone'], next: 'receiver' },
      {
        id: 'receiver',
        type: 'entity',
        entity: 'receiver',
        entityType: 'phone',
        prompt: 'Which phone number should I text?',
        help: 'Type the number with its country code, e.g. +14155550123.',
        next: 'done',
      },
      { id: 'done', type: 'message', text: 'I would text {{entities.receiver}}.' },
    ],
  }),
  task({
    id: 'start-verification',
    name: 'Start Verification',
    description: 'Sends a one-time code.',
    start: 'intent',
    nodes: [
      { id: 'intent', type: 'intent', utterances: ['start verification', 'verify my phone'], next: 'receiver' },
      { id: 'receiver', type: 'entity', entity: 'receiver', entityType: 'phone', prompt: 'Which number should I verify?', next: 'done' },
      { id: 'done', type: 'message', text: 'Code sent.' },
    ],
  }),
  task({
    id: 'check-verification',
    name: 'Check Verification',
    description: 'Checks a one-time code.',
    start: 'intent',
    nodes: [
      { id: 'intent', type: 'intent', utterances: ['check verification', 'check my code'], next: 'code' },
      { id: 'code', type: 'entity', entity: 'code', entityType: 'digits', minLength: 4, maxLength: 10, prompt: 'What is the code?', next: 'done' },
      { id: 'done', type: 'message', text: 'Checked.' },
    ],
  }),
];

/** A dialog that calls Twilio (fetchAccount) with the user's credentials. */
export const ACCOUNT_TASK: DialogTask = task({
  id: 'account',
  name: 'Show Account',
  description: 'Shows your Twilio account.',
  start: 'intent',
  nodes: [
    { id: 'intent', type: 'intent', utterances: ['show my account'], next: 'fetch' },
    { id: 'fetch', type: 'service', operation: 'fetchAccount', input: {}, next: 'shown' },
    { id: 'shown', type: 'message', text: 'Your Twilio account {{result.sid}} is {{result.status}}.' },
  ],
});

/** A logger that keeps every line, to assert what reached the log. */
export function recordingLogger(): DialogLogger & { lines: string[] } {
  const lines: string[] = [];
  const add = (level: string) => (message: string, fields: Record<string, unknown> = {}) => {
    lines.push(`${level} ${message} ${JSON.stringify(fields)}`);
  };
  return { lines, info: add('info'), warn: add('warn'), error: add('error') };
}

/** The texts of a turn's replies (messages only). */
export function texts(replies: Partial<Activity>[]): string[] {
  return replies.filter((a) => a.type === 'message').map((a) => a.text ?? '');
}

/** Titles of the suggested actions of the last reply that has some. */
export function suggestions(replies: Partial<Activity>[]): string[] {
  const withActions = replies.filter((a) => (a.suggestedActions?.actions.length ?? 0) > 0);
  const last = withActions[withActions.length - 1];
  return (last?.suggestedActions?.actions ?? []).map((action) => String(action.title));
}

/** One user's conversation with a bot through botbuilder's TestAdapter. */
export class Conversation {
  readonly adapter: TestAdapter;

  constructor(run: (turn: TurnContext) => Promise<void>, user = 'user-1') {
    this.adapter = new TestAdapter(run, {
      channelId: 'test',
      from: { id: user, name: user },
      recipient: { id: 'bot', name: 'Bot' },
      conversation: { id: `conversation-${user}`, isGroup: false, conversationType: 'personal', name: '' },
    });
  }

  /** Sends text (or an activity) and answers the bot's replies to it. */
  async send(activity: string | Partial<Activity>): Promise<Partial<Activity>[]> {
    this.adapter.activeQueue.splice(0);
    await this.adapter.receiveActivity(activity);
    return this.adapter.activeQueue.splice(0);
  }

  async say(text: string): Promise<string[]> {
    return texts(await this.send(text));
  }
}

/** The bot over in-memory state with a given runtime and dialogs. */
export function memoryBot(options: {
  runtime: ConstructorParameters<typeof TwilioVerifyBot>[0]['runtime'];
  dialogs: DialogTask[];
  logger?: DialogLogger;
}): TwilioVerifyBot {
  const storage = new MemoryStorage();
  return new TwilioVerifyBot({
    conversationState: new ConversationState(storage),
    userState: new UserState(storage),
    dialogs: options.dialogs,
    runtime: options.runtime,
    ...(options.logger ? { logger: options.logger } : {}),
  });
}

export interface AuthWorld {
  store: Store;
  clock: ManualClock;
  emulator: TwilioEmulator;
  action: IntegrationAction;
  runtime: IntegrationRuntime;
  bot: TwilioVerifyBot;
  url: string;
  logger: DialogLogger & { lines: string[] };
  close(): Promise<void>;
}

/** Listens on 127.0.0.1, port 0; resolves to the base URL. */
export async function listen(server: restify.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function closeServer(server: restify.Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.server.closeAllConnections();
  });
}

/** A user-authorized action (profile "users" pointing at the emulator) served with the bot and the link pages. */
export async function startAuthWorld(options: { tenancy?: boolean } = {}): Promise<AuthWorld> {
  const store = await openStore({ filename: ':memory:' });
  const clock = new ManualClock(new Date('2030-01-01T00:00:00Z'));
  const emulator = createEmulator();
  const emulatorUrl = await emulator.listen(0);
  const now = () => clock.now();
  const action = new IntegrationAction({ store, secrets: new SecretBox(generateSecretKey()), now });
  await action.createProfile(
    {
      name: 'users',
      description: 'Your own Twilio account',
      tenancy: options.tenancy ?? false,
      baseUrl: emulatorUrl,
    },
    'test',
  );
  await action.authorize({ type: 'user-authorized', profile: 'users' }, 'test');
  await action.enable('test');

  const logger = recordingLogger();
  let url = '';
  const runtime = new IntegrationRuntime({ action, store, publicBaseUrl: () => url, now, logger });
  const bot = new TwilioVerifyBot({
    conversationState: new ConversationState(store.botStorage()),
    userState: new UserState(store.botStorage()),
    dialogs: [ACCOUNT_TASK],
    runtime,
    logger,
    clock,
  });
  const server = restify.createServer({ name: 'bot-test', handleUncaughtExceptions: false });
  registerBotRoutes(server, { bot, logger });
  registerAuthLinkRoutes(server, { action, links: runtime.links, logger });
  url = await listen(server);
  return {
    store,
    clock,
    emulator,
    action,
    runtime,
    bot,
    url,
    logger,
    close: async () => {
      await closeServer(server);
      await emulator.close();
      await store.close();
    },
  };
}

/** Sends one activity to `/api/messages` with expectReplies and answers the replies. */
export async function post(
  url: string,
  user: string,
  activity: { text: string } | { event: string },
): Promise<Partial<Activity>[]> {
  const body = {
    type: 'text' in activity ? 'message' : 'event',
    ...('text' in activity ? { text: activity.text } : { name: activity.event }),
    channelId: 'webchat',
    serviceUrl: 'http://127.0.0.1:9',
    deliveryMode: 'expectReplies',
    from: { id: user, name: user },
    recipient: { id: 'bot', name: 'Bot' },
    conversation: { id: `conv-${user}` },
    id: `activity-${Math.random().toString(16).slice(2)}`,
  };
  const res = await fetch(`${url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`POST /api/messages answered ${res.status}: ${await res.text()}`);
  const json = (await res.json()) as { activities?: Partial<Activity>[] };
  return json.activities ?? [];
}
