/**
 * Runs installed templates the way a bot does: botbuilder's TestAdapter, conversation and user state on a
 * MemoryStorage, one DialogTaskDialog per template, routing by trigger utterances. A conversation is a table of
 * [userSays, botReplies] with the expected end status. Twilio is the local emulator (with a ManualClock) or nock.
 */
import assert from 'node:assert/strict';
import { ConversationState, MemoryStorage, TestAdapter, UserState, type TurnContext } from 'botbuilder';
import { DialogSet, DialogTurnStatus, type DialogState } from 'botbuilder-dialogs';
import {
  DialogTaskDialog,
  IntentMatcher,
  type ActionRuntime,
  type AuditRecord,
  type DialogTask,
  type DialogTaskResult,
  type GatewayResolution,
} from '../../../src/dialogs';
import { createEmulator, ManualClock, type TwilioEmulator } from '../../../src/emulator';
import { TemplateCatalog } from '../../../src/templates';
import { createTwilioClient, runOperation, type TwilioGateway } from '../../../src/twilio';

export const ACCOUNT_SID = `AC${'1'.repeat(32)}`;
export const AUTH_TOKEN = 'f'.repeat(32);
export const SERVICE_SID = `VA${'2'.repeat(32)}`;
export const MG_SID = `MG${'3'.repeat(32)}`;

const catalog = new TemplateCatalog();

/** The dialog a template installs. */
export async function templateTask(id: string): Promise<DialogTask> {
  return (await catalog.load(id)).dialog;
}

/** A gateway on Twilio's own hosts (for nock) or on the emulator's base URL; no retries, no sleeping. */
export function gatewayFor(baseUrl?: string, accountSid = ACCOUNT_SID, authToken = AUTH_TOKEN): TwilioGateway {
  return createTwilioClient(
    { kind: 'auth-token', accountSid, authToken },
    { ...(baseUrl === undefined ? {} : { baseUrl }), maxRetries: 0, sleep: async () => {} },
  );
}

export class TestRuntime implements ActionRuntime {
  readonly audits: AuditRecord[] = [];
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
  async requestUserAuthorization(turn: TurnContext): Promise<void> {
    await turn.sendActivity('Please authorize Twilio: https://bot.example/authorize/1');
  }
  async reportAuthFailure(): Promise<void> {}
  async audit(entry: AuditRecord): Promise<void> {
    this.audits.push(entry);
  }
}

export interface BotOptions {
  tasks: DialogTask[];
  runtime: ActionRuntime;
  clock?: { now(): Date };
}

/** A bot running the given dialog tasks. */
export class Bot {
  readonly results: DialogTaskResult[] = [];
  readonly storage = new MemoryStorage();
  private readonly adapter: TestAdapter;

  constructor(options: BotOptions) {
    const conversationState = new ConversationState(this.storage);
    const userState = new UserState(this.storage);
    const dialogs = new DialogSet(conversationState.createProperty<DialogState>('dialogState'));
    const profile = userState.createProperty<Record<string, unknown>>('twilioVerify');
    for (const task of options.tasks) {
      dialogs.add(new DialogTaskDialog({ task, runtime: options.runtime, userState: profile, ...(options.clock ? { clock: options.clock } : {}) }));
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
      await userState.saveChanges(turn);
    });
  }

  async say(text: string): Promise<string[]> {
    await this.adapter.receiveActivity(text);
    return this.adapter.activeQueue.splice(0).map((a) => a.text ?? `[${a.type ?? '?'}]`);
  }

  /** 'waiting' while a dialog runs, else the last end status. */
  get status(): string {
    return this.results.at(-1)?.status ?? 'waiting';
  }

  /** The user state the dialogs wrote. */
  async user(): Promise<Record<string, unknown>> {
    const all = await this.storage.read(['test/users/user1/']);
    const doc = all['test/users/user1/'] as Record<string, unknown> | undefined;
    return (doc?.['twilioVerify'] as Record<string, unknown> | undefined) ?? {};
  }
}

/** A reply: exact text, a pattern, or a function of what happened so far (e.g. the code from the outbox). */
export type Reply = string | RegExp;
/** What the user says: text, or a function computing it (e.g. reading the code the emulator "sent"). */
export type Says = string | (() => string);
export type Turn = [userSays: Says, botReplies: Reply[]] | [action: () => void | Promise<void>];

export interface Conversation {
  title: string;
  /** Per-conversation setup (fault injection, configuration). */
  config?: Record<string, unknown>;
  turns: Turn[];
  status: 'completed' | 'failed' | 'cancelled' | 'waiting';
  /** Checks after the last turn. */
  after?: (bot: Bot) => Promise<void> | void;
}

export async function play(bot: Bot, conversation: Conversation): Promise<void> {
  for (const [index, turn] of conversation.turns.entries()) {
    if (turn.length === 1) {
      await turn[0]();
      continue;
    }
    const [says, expected] = turn;
    const text = typeof says === 'function' ? says() : says;
    const replies = await bot.say(text);
    const label = `turn ${index + 1} (${JSON.stringify(text)})`;
    assert.equal(replies.length, expected.length, `${label}: expected ${expected.length} replies, got ${JSON.stringify(replies, null, 1)}`);
    expected.forEach((want, i) => {
      const got = replies[i] ?? '';
      if (typeof want === 'string') assert.equal(got, want, `${label}, reply ${i + 1}`);
      else assert.match(got, want, `${label}, reply ${i + 1}: ${JSON.stringify(got)}`);
    });
  }
  assert.equal(bot.status, conversation.status, 'end status');
  await conversation.after?.(bot);
}

/** The local emulator on loopback with a manual clock and one Verify Service. */
export class EmulatorFixture {
  readonly clock = new ManualClock(new Date('2026-03-01T09:00:00Z'));
  emulator!: TwilioEmulator;
  gateway!: TwilioGateway;
  serviceSid = '';

  async start(): Promise<void> {
    this.emulator = createEmulator({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, clock: this.clock });
    const url = await this.emulator.listen(0, '127.0.0.1');
    this.gateway = gatewayFor(url);
    const service = (await runOperation(this.gateway, 'createService', { friendlyName: 'Acme' })) as { sid: string };
    this.serviceSid = service.sid;
  }

  async stop(): Promise<void> {
    await this.emulator.close();
  }

  /** The code in the last SMS/e-mail the emulator delivered to `to`. */
  lastCode(to: string): string {
    const message = this.emulator.outbox().filter((m) => m.to === to).at(-1);
    const code = message?.body.match(/(\d{4,10})/)?.[1];
    assert.ok(code, `no code delivered to ${to}: ${JSON.stringify(this.emulator.outbox())}`);
    return code;
  }

  /** A wrong code for `to`: the right one with its last digit changed. */
  wrongCode(to: string): string {
    const code = this.lastCode(to);
    return `${code.slice(0, -1)}${code.endsWith('0') ? '1' : '0'}`;
  }

  deliveries(to: string): number {
    return this.emulator.outbox().filter((m) => m.to === to).length;
  }

  runtime(config: Record<string, unknown> = {}): TestRuntime {
    return new TestRuntime({ kind: 'ready', gateway: this.gateway }, { verifyServiceSid: this.serviceSid, ...config });
  }
}
