/**
 * Runs dialog tasks the way a bot does: botbuilder's TestAdapter, ConversationState and UserState on a storage, a
 * DialogSet with one DialogTaskDialog per task, and routing by intent utterances. Conversations are tables of
 * `[userSays, botReplies]` with the expected end status.
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
import {
  DialogTaskDialog,
  IntentMatcher,
  type ActionRuntime,
  type AuditRecord,
  type DialogLogger,
  type DialogTask,
  type DialogTaskResult,
  type GatewayResolution,
  type UserRef,
} from '../../src/dialogs';
import { createTwilioClient, type TwilioGateway } from '../../src/twilio';

export const ACCOUNT_SID = `AC${'a'.repeat(32)}`;
export const AUTH_TOKEN = '0123456789abcdef0123456789abcdef';
export const SERVICE_SID = `VA${'a'.repeat(32)}`;

/** A gateway on the real Twilio hosts (answered by nock) or on a base URL (the emulator). */
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

/** The smallest ActionRuntime that records what the engine asked of it. */
export class TestRuntime implements ActionRuntime {
  readonly audits: AuditRecord[] = [];
  readonly authorizationRequests: string[] = [];
  readonly authFailures: { ref: UserRef; code: number | string }[] = [];
  resolution: GatewayResolution;
  config: Record<string, unknown>;

  constructor(resolution: GatewayResolution, config: Record<string, unknown> = {}) {
    this.resolution = resolution;
    this.config = config;
  }

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

/** A logger that keeps every line, to prove what never reaches a log. */
export class RecordingLogger implements DialogLogger {
  readonly lines: string[] = [];
  info(message: string, fields?: Record<string, unknown>): void {
    this.lines.push(`info ${message} ${JSON.stringify(fields ?? {})}`);
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.lines.push(`warn ${message} ${JSON.stringify(fields ?? {})}`);
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.lines.push(`error ${message} ${JSON.stringify(fields ?? {})}`);
  }
}

export interface ChatOptions {
  tasks: DialogTask[];
  runtime: ActionRuntime;
  storage?: Storage;
  logger?: DialogLogger;
  clock?: { now(): Date };
}

/** One bot over a storage. A new Chat over the same storage is a restarted server. */
export class Chat {
  readonly storage: Storage;
  readonly results: DialogTaskResult[] = [];
  readonly userState: UserState;
  private readonly adapter: TestAdapter;

  constructor(options: ChatOptions) {
    this.storage = options.storage ?? new MemoryStorage();
    const conversationState = new ConversationState(this.storage);
    this.userState = new UserState(this.storage);
    const dialogs = new DialogSet(conversationState.createProperty<DialogState>('dialogState'));
    const userProfile = this.userState.createProperty<Record<string, unknown>>('twilioVerify');
    for (const task of options.tasks) {
      dialogs.add(
        new DialogTaskDialog({
          task,
          runtime: options.runtime,
          userState: userProfile,
          ...(options.logger ? { logger: options.logger } : {}),
          ...(options.clock ? { clock: options.clock } : {}),
        }),
      );
    }
    const matcher = new IntentMatcher(options.tasks);
    this.adapter = new TestAdapter(async (turn) => {
      const dc = await dialogs.createContext(turn);
      let result = await dc.continueDialog();
      if (result.status === DialogTurnStatus.empty && turn.activity.type === 'message') {
        const [best] = matcher.match(turn.activity.text ?? '');
        if (best) result = await dc.beginDialog(best.taskId);
        else await turn.sendActivity("Sorry, I can't help with that.");
      }
      if (result.status === DialogTurnStatus.complete) this.results.push(result.result as DialogTaskResult);
      await conversationState.saveChanges(turn);
      await this.userState.saveChanges(turn);
    });
  }

  /** Sends a message (or any activity) and returns the bot's replies to it. */
  async say(input: string | Partial<Activity>): Promise<Partial<Activity>[]> {
    await this.adapter.receiveActivity(input);
    return this.adapter.activeQueue.splice(0);
  }

  /** The last end status, or 'waiting' while a dialog is still running. */
  get lastStatus(): string {
    return this.results.at(-1)?.status ?? 'waiting';
  }

  /** The user state the dialogs wrote, as stored. */
  async storedUser(): Promise<Record<string, unknown>> {
    const all = await this.storage.read([`test/users/user1/`]);
    const doc = all['test/users/user1/'] as Record<string, unknown> | undefined;
    return (doc?.['twilioVerify'] as Record<string, unknown> | undefined) ?? {};
  }
}

export type Reply = string | RegExp;
export type Turn = [userSays: string | Partial<Activity>, botReplies: Reply[]];

export interface Conversation {
  title: string;
  turns: Turn[];
  /** The end status after the last turn ('waiting' when the dialog is still running). */
  status: 'completed' | 'failed' | 'cancelled' | 'waiting';
}

/** Plays a conversation table and checks every reply, in order, and the end status. */
export async function play(chat: Chat, conversation: Conversation): Promise<void> {
  for (const [index, [says, expected]] of conversation.turns.entries()) {
    const replies = (await chat.say(says)).map((activity) => activity.text ?? `[${activity.type ?? '?'}]`);
    const label = `turn ${index + 1} (${typeof says === 'string' ? JSON.stringify(says) : String(says.type)})`;
    assert.equal(replies.length, expected.length, `${label}: expected ${expected.length} replies, got ${JSON.stringify(replies)}`);
    expected.forEach((want, i) => {
      const got = replies[i] ?? '';
      if (typeof want === 'string') assert.equal(got, want, `${label}, reply ${i + 1}`);
      else assert.match(got, want, `${label}, reply ${i + 1}`);
    });
  }
  assert.equal(chat.lastStatus, conversation.status, 'end status');
}
