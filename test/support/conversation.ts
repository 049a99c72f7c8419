/**
 * The one conversation runner of the tests. A {@link TestConversation} is one user talking to a bot through
 * botbuilder's TestAdapter; a {@link TaskChat} is that conversation with a bot made of dialog tasks (a DialogSet with
 * one DialogTaskDialog per task, routed by intent utterances, state on a storage). Conversations are tables of
 * `[userSays, botReplies]` with the expected end status ({@link Transcript}), played by {@link play}.
 */
import assert from 'node:assert/strict';
import {
  ConversationState,
  MemoryStorage,
  TestAdapter,
  UserState,
  type Activity,
  type Storage,
  type TurnContext,
} from 'botbuilder';
import { DialogSet, DialogTurnStatus, type DialogState } from 'botbuilder-dialogs';
import type { TurnRunner } from '../../src/bot';
import {
  DialogTaskDialog,
  IntentMatcher,
  validateDialogTask,
  type ActionRuntime,
  type AuditRecord,
  type DialogLogger,
  type DialogTask,
  type DialogTaskResult,
  type GatewayResolution,
  type UserRef,
} from '../../src/dialogs';
import { TemplateCatalog } from '../../src/templates';
import { createTwilioClient, OPERATION_NAMES, type TwilioGateway } from '../../src/twilio';

export const ACCOUNT_SID = `AC${'a'.repeat(32)}`;
export const AUTH_TOKEN = '0123456789abcdef0123456789abcdef';
export const SERVICE_SID = `VA${'a'.repeat(32)}`;
export const MG_SID = `MG${'3'.repeat(32)}`;

/** A gateway on Twilio's own hosts (answered by nock) or on a base URL (the emulator); no retries, no sleeping. */
export function gatewayFor(baseUrl?: string, accountSid = ACCOUNT_SID, authToken = AUTH_TOKEN): TwilioGateway {
  return createTwilioClient(
    { kind: 'auth-token', accountSid, authToken },
    { ...(baseUrl === undefined ? {} : { baseUrl }), maxRetries: 0, sleep: async () => {} },
  );
}

/**
 * A JSON reply for nock with its Content-Length: without it, twilio-node's axios waits for more body until it
 * times out.
 */
export function json(status: number, body: unknown): [number, string, Record<string, string>] {
  const text = JSON.stringify(body);
  return [status, text, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) }];
}

/** Validates a dialog task with the engine's own validator, so fixtures stay real dialogs. */
export function task(json: unknown): DialogTask {
  const result = validateDialogTask(json, { operations: OPERATION_NAMES });
  if (!result.ok) throw new Error(`invalid fixture: ${JSON.stringify(result.problems)}`);
  return result.task;
}

const catalog = new TemplateCatalog();

/** The dialog a template installs. */
export async function templateTask(id: string): Promise<DialogTask> {
  return (await catalog.load(id)).dialog;
}

/** The smallest ActionRuntime that records what the engine asked of it. */
export class TestRuntime implements ActionRuntime {
  readonly audits: AuditRecord[] = [];
  readonly authorizationRequests: string[] = [];
  readonly authFailures: { ref: UserRef; code: number | string }[] = [];

  constructor(
    public resolution: GatewayResolution,
    public config: Record<string, unknown> = {},
  ) {}

  async resolveGateway(): Promise<GatewayResolution> {
    return this.resolution;
  }

  async publicConfig(): Promise<Record<string, unknown>> {
    return this.config;
  }

  async requestUserAuthorization(turn: TurnContext, profile: string): Promise<void> {
    this.authorizationRequests.push(profile);
    await turn.sendActivity(`Please authorize Twilio for me: https://bot.example/authorize/${this.authorizationRequests.length}`);
  }

  async reportAuthFailure(ref: UserRef, code: number | string): Promise<void> {
    this.authFailures.push({ ref, code });
  }

  async audit(entry: AuditRecord): Promise<void> {
    this.audits.push(entry);
  }
}

/** A logger that keeps every line, to prove what reached (or never reached) a log. */
export class RecordingLogger implements DialogLogger {
  readonly lines: string[] = [];
  info(message: string, fields: Record<string, unknown> = {}): void {
    this.lines.push(`info ${message} ${JSON.stringify(fields)}`);
  }
  warn(message: string, fields: Record<string, unknown> = {}): void {
    this.lines.push(`warn ${message} ${JSON.stringify(fields)}`);
  }
  error(message: string, fields: Record<string, unknown> = {}): void {
    this.lines.push(`error ${message} ${JSON.stringify(fields)}`);
  }
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
export class TestConversation {
  readonly adapter: TestAdapter;

  /** `user` names the user and its conversation (`conversation-<user>`) on channel `test`. */
  constructor(bot: TurnRunner | ((turn: TurnContext) => Promise<void>), user = 'user-1') {
    const run = typeof bot === 'function' ? bot : (turn: TurnContext) => bot.run(turn);
    this.adapter = new TestAdapter(run, {
      channelId: 'test',
      from: { id: user, name: user },
      recipient: { id: 'bot', name: 'Bot' },
      conversation: { id: `conversation-${user}`, isGroup: false, conversationType: 'personal', name: '' },
    });
  }

  /** Sends text (or any activity) and answers the bot's replies to it. */
  async send(activity: string | Partial<Activity>): Promise<Partial<Activity>[]> {
    this.adapter.activeQueue.splice(0);
    await this.adapter.receiveActivity(activity);
    return this.adapter.activeQueue.splice(0);
  }

  /** Sends text and answers the texts of the replies (messages only). */
  async say(text: string): Promise<string[]> {
    return texts(await this.send(text));
  }
}

export interface TaskChatOptions {
  tasks: DialogTask[];
  runtime: ActionRuntime;
  /** A new TaskChat over the same storage is a restarted server. */
  storage?: Storage;
  logger?: DialogLogger;
  clock?: { now(): Date };
}

const TASK_CHAT_USER = 'user1';

/** A conversation with a bot made of dialog tasks, routed by their intent utterances. */
export class TaskChat extends TestConversation {
  readonly storage: Storage;
  readonly results: DialogTaskResult[];
  readonly userState: UserState;

  constructor(options: TaskChatOptions) {
    const storage = options.storage ?? new MemoryStorage();
    const conversationState = new ConversationState(storage);
    const userState = new UserState(storage);
    const dialogs = new DialogSet(conversationState.createProperty<DialogState>('dialogState'));
    const profile = userState.createProperty<Record<string, unknown>>('twilioVerify');
    for (const dialogTask of options.tasks) {
      dialogs.add(
        new DialogTaskDialog({
          task: dialogTask,
          runtime: options.runtime,
          userState: profile,
          ...(options.logger ? { logger: options.logger } : {}),
          ...(options.clock ? { clock: options.clock } : {}),
        }),
      );
    }
    const matcher = new IntentMatcher(options.tasks);
    const results: DialogTaskResult[] = [];
    super(async (turn) => {
      const dc = await dialogs.createContext(turn);
      let result = await dc.continueDialog();
      if (result.status === DialogTurnStatus.empty && turn.activity.type === 'message') {
        const [best] = matcher.match(turn.activity.text ?? '');
        if (best) result = await dc.beginDialog(best.taskId);
        else await turn.sendActivity("Sorry, I can't help with that.");
      }
      if (result.status === DialogTurnStatus.complete) results.push(result.result as DialogTaskResult);
      await conversationState.saveChanges(turn);
      await userState.saveChanges(turn);
    }, TASK_CHAT_USER);
    this.storage = storage;
    this.userState = userState;
    this.results = results;
  }

  /** The last end status, or 'waiting' while a dialog is still running. */
  get status(): string {
    return this.results.at(-1)?.status ?? 'waiting';
  }

  /** The user state the dialogs wrote, as stored. */
  async user(): Promise<Record<string, unknown>> {
    const key = `test/users/${TASK_CHAT_USER}/`;
    const doc = (await this.storage.read([key]))[key] as Record<string, unknown> | undefined;
    return (doc?.['twilioVerify'] as Record<string, unknown> | undefined) ?? {};
  }
}

/** A reply: exact text or a pattern. */
export type Reply = string | RegExp;
/** What the user says: text, an activity, or a function computing the text (e.g. the code the emulator "sent"). */
export type Says = string | Partial<Activity> | (() => string);
/** A turn of the table, or a step between turns (fault injection, a clock advance). */
export type Turn = [userSays: Says, botReplies: Reply[]] | [action: () => void | Promise<void>];

/** A conversation table: its turns, the expected end status, and checks after the last turn. */
export interface Transcript {
  title: string;
  /** Per-conversation configuration (the runtime's public config). */
  config?: Record<string, unknown>;
  turns: Turn[];
  /** The end status after the last turn ('waiting' when the dialog is still running). */
  status: 'completed' | 'failed' | 'cancelled' | 'waiting';
  after?: (chat: TaskChat) => Promise<void> | void;
}

/** Plays a conversation table and checks every reply, in order, and the end status. */
export async function play(chat: TaskChat, transcript: Transcript): Promise<void> {
  for (const [index, turn] of transcript.turns.entries()) {
    if (turn.length === 1) {
      await turn[0]();
      continue;
    }
    const [says, expected] = turn;
    const input = typeof says === 'function' ? says() : says;
    const replies = (await chat.send(input)).map((activity) => activity.text ?? `[${activity.type ?? '?'}]`);
    const label = `turn ${index + 1} (${typeof input === 'string' ? JSON.stringify(input) : String(input.type)})`;
    assert.equal(replies.length, expected.length, `${label}: expected ${expected.length} replies, got ${JSON.stringify(replies, null, 1)}`);
    expected.forEach((want, i) => {
      const got = replies[i] ?? '';
      if (typeof want === 'string') assert.equal(got, want, `${label}, reply ${i + 1}`);
      else assert.match(got, want, `${label}, reply ${i + 1}: ${JSON.stringify(got)}`);
    });
  }
  assert.equal(chat.status, transcript.status, 'end status');
  await transcript.after?.(chat);
}
