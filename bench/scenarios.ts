/**
 * What each virtual user does, as tables of [what the user says, what the bot's answer must show], like the
 * template conversation tests. Prompts are recognized by stable phrases ("number", "code"), not by their exact
 * wording, which the templates may still refine; a completed dialog must prove itself through the emulator (the SMS
 * in the outbox) or through the bot's approval.
 */
import type { OutboxMessage } from '../src/emulator';
import { echoOf } from './echo-bot';

/** One turn of a script: the user's text (computed late when it depends on earlier turns) and checks on the answer. */
export interface Step {
  say: string | (() => Promise<string>);
  /** Every pattern must match the bot's reply texts, joined by newlines. */
  expect: RegExp[];
}

export interface Script {
  steps: Step[];
  /** A check after the last step; resolves to what is wrong, or undefined. */
  after?: () => Promise<string | undefined>;
}

/** Where a virtual user is: its index (0-based) and the number of the dialog it starts (1-based). */
export interface DialogSeat {
  user: number;
  seq: number;
}

export type ScenarioId = 'echo' | 'send-sms' | 'otp';

export interface Scenario {
  id: ScenarioId;
  label: string;
  /** What the bot does on each turn of the dialog, in order: one entry per turn (the per-turn table's legend). */
  turns: string[];
  script(seat: DialogSeat): Script;
}

/**
 * The outbox of an emulator in another process, through `GET /emulator/messages`. Fifty users each fetching the
 * whole outbox after every dialog would load the emulator more than the bots: a snapshot is kept, and refreshed
 * (one request at a time, shared by every waiting user) only when a user does not find its message in it.
 */
export class RemoteOutbox {
  private snapshot: OutboxMessage[] = [];
  private refreshing: Promise<OutboxMessage[]> | undefined;

  constructor(
    private readonly emulatorUrl: string,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  /** The newest message matching `test`, refreshing the snapshot once when none does. */
  async find(test: (m: OutboxMessage) => boolean): Promise<OutboxMessage | undefined> {
    const inSnapshot = lastOf(this.snapshot, test);
    if (inSnapshot) return inSnapshot;
    // A refresh already in flight may have been asked before this message was sent: then one more.
    return lastOf(await this.refresh(), test) ?? lastOf(await this.refresh(), test);
  }

  private refresh(): Promise<OutboxMessage[]> {
    this.refreshing ??= this.fetchImpl(`${this.emulatorUrl}/emulator/messages`)
      .then(async (res) => {
        const body = (await res.json()) as { messages?: OutboxMessage[] };
        this.snapshot = body.messages ?? [];
        return this.snapshot;
      })
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }
}

/** Anything scenarios can ask for a message: an in-process emulator (wrapped) or a {@link RemoteOutbox}. */
export interface OutboxReader {
  find(test: (m: OutboxMessage) => boolean): Promise<OutboxMessage | undefined>;
}

/** An in-process emulator's outbox as an {@link OutboxReader}. */
export function localOutbox(emulator: { outbox(): OutboxMessage[] }): OutboxReader {
  return { find: async (test) => lastOf(emulator.outbox(), test) };
}

/** A pattern matching `text` literally. */
function literal(text: string): RegExp {
  return new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
}

/** The last element passing `test` (Array.prototype.findLast is ES2023, past this project's lib). */
function lastOf<T>(items: readonly T[], test: (item: T) => boolean): T | undefined {
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i];
    if (item !== undefined && test(item)) return item;
  }
  return undefined;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** The number user `user` texts in the Send SMS dialog: +1 415 556 xxxx, one per user. */
export function smsNumberOf(user: number): string {
  return `+1415556${pad(user % 10_000, 4)}`;
}

/** Area codes for verification numbers; each gives 10 000 numbers 555-0000…555-9999. */
const AREA_CODES = ['415', '628', '650', '510', '408', '669', '925', '707'] as const;

/**
 * Fresh numbers for verifications: the emulator, like Twilio, allows 5 sends per number per 10 minutes, so every
 * flow gets a number nobody used before (+1 415 555 0000, +1 415 555 0001, …, then the next area code). After
 * 80 000 flows numbers come round again, each still good for 4 more sends within the window.
 */
export class VerificationNumbers {
  private next = 0;

  take(): string {
    const n = this.next++;
    const area = AREA_CODES[Math.floor(n / 10_000) % AREA_CODES.length] ?? AREA_CODES[0];
    return `+1${area}555${pad(n % 10_000, 4)}`;
  }
}

const CODE = /(\d{4,10})(?!.*\d)/;

/** The code of the newest verification message to `to`, read from the emulator's outbox. */
export async function codeFor(outbox: OutboxReader, to: string): Promise<string> {
  const message = await outbox.find((m) => m.to === to && CODE.test(m.body));
  const code = message === undefined ? undefined : CODE.exec(message.body)?.[1];
  if (code === undefined) throw new Error(`The emulator's outbox has no code for ${to}.`);
  return code;
}

/** The bare echo bot: one turn per "dialog". */
export function echoScenario(): Scenario {
  return {
    id: 'echo',
    label: 'echo bot (bare botbuilder)',
    turns: ['echoes the text'],
    script: ({ user, seq }) => {
      const text = `hello ${user}-${seq}`;
      return { steps: [{ say: text, expect: [new RegExp(`^${literal(echoOf(text)).source}$`)] }] };
    },
  };
}

/** Numbers every SMS body of this process: bots sharing an emulator, and rows run in slices, never repeat a body. */
let smsBodySeq = 0;

/** Send SMS: ask, give the number, give the text; the confirmation names the number and the SMS is in the outbox. */
export function sendSmsScenario(outbox: OutboxReader, label = 'Send SMS'): Scenario {
  return {
    id: 'send-sms',
    label,
    turns: ['asks for the number', 'asks for the text', 'sends the SMS (Twilio)'],
    script: ({ user, seq }) => {
      const to = smsNumberOf(user);
      const body = `Benchmark message ${user}-${seq}-${++smsBodySeq}`;
      return {
        steps: [
          { say: 'send an sms', expect: [/number/i] },
          { say: to, expect: [/message/i] },
          { say: body, expect: [literal(to)] },
        ],
        after: async () => {
          const sent = (await outbox.find((m) => m.to === to && m.body === body)) !== undefined;
          return sent ? undefined : `the confirmation came but the emulator's outbox has no "${body}" to ${to}`;
        },
      };
    },
  };
}

const APPROVED = /\bis verified\b/i;

/** The whole OTP flow with the Verify Phone Number dialog: ask, give a fresh number, answer the code from the outbox. */
export function verifyPhoneNumberScenario(outbox: OutboxReader, numbers: VerificationNumbers, label = 'OTP: Verify Phone Number'): Scenario {
  return {
    id: 'otp',
    label,
    turns: ['asks for the number', 'starts the verification (Twilio)', 'checks the code (Twilio)'],
    script: () => {
      const to = numbers.take();
      return {
        steps: [
          { say: 'verify my phone number', expect: [/number/i] },
          { say: to, expect: [literal(to), /code/i] },
          { say: () => codeFor(outbox, to), expect: [APPROVED, literal(to)] },
        ],
      };
    },
  };
}

/** The whole OTP flow without Verify Phone Number: Start Verification, then Check Verification. */
export function startCheckScenario(outbox: OutboxReader, numbers: VerificationNumbers): Scenario {
  return {
    id: 'otp',
    label: 'OTP: Start + Check Verification',
    turns: ['asks for the number', 'starts the verification (Twilio)', 'asks for the number', 'asks for the code', 'checks the code (Twilio)'],
    script: () => {
      const to = numbers.take();
      return {
        steps: [
          { say: 'send me a code', expect: [/number/i] },
          { say: to, expect: [literal(to), /code/i] },
          { say: 'check my code', expect: [/number/i] },
          { say: to, expect: [/code/i] },
          { say: () => codeFor(outbox, to), expect: [APPROVED, literal(to)] },
        ],
      };
    },
  };
}
