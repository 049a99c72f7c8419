import { createInterface } from 'node:readline';
import {
  BotClientError,
  choiceOf,
  ConversationNumbers,
  suggestedActionsOf,
  type BotClient,
  type CardAction,
  type ReplyActivity,
} from '../chat';
import { maskNumber } from '../delivery/messages';

/** The streams a terminal chat uses; tests pass their own. */
export interface ChatIo {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  errorOutput: NodeJS.WritableStream;
  /** Show prompts and the typing hint (a person at a terminal); default: whether input and output are TTYs. */
  interactive?: boolean;
}

const HELP = [
  'Type a message and press Enter. Commands:',
  '  <number>  choose one of the suggested actions listed above',
  '  /new      start a new conversation',
  '  /help     show this help',
  '  /quit     leave (Ctrl-D works too)',
];

/** Renders the bot's replies as terminal lines, and returns the suggested actions offered last. */
export function formatReplies(activities: ReplyActivity[]): { lines: string[]; actions: CardAction[] } {
  const lines: string[] = [];
  let actions: CardAction[] = [];
  for (const activity of activities) {
    if (activity.type === 'message') {
      const text = activity.text?.trim() ?? '';
      if (text !== '') {
        const [first = '', ...rest] = text.split(/\r?\n/);
        lines.push(`bot> ${first}`, ...rest.map((line) => `     ${line}`));
      } else if (Array.isArray(activity.attachments) && activity.attachments.length > 0) {
        lines.push('bot> (a card this terminal cannot show; open the chat page to see it)');
      }
      const offered = suggestedActionsOf(activity);
      if (offered.length > 0) {
        actions = offered;
        offered.forEach((action, i) => lines.push(`     ${i + 1}. ${action.title}`));
        lines.push('     (type a number to choose)');
      }
    } else if (activity.type === 'endOfConversation') {
      lines.push('bot> (the bot ended the conversation; type /new to start another)');
    }
  }
  return { lines, actions };
}

const OUTBOX_TIMEOUT_MS = 3000;

function asText(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/**
 * Dev mode: what the server's embedded emulator delivered to this conversation's numbers since the last look
 * (`GET /api/dev/outbox`, which answers 404 outside dev mode and only on loopback). The number is masked like
 * elsewhere; the body is shown whole, code included: this is the developer's own terminal.
 */
export class DevDeliveries {
  private seen: Set<string> | undefined;
  private off = false;

  constructor(
    private readonly baseUrl: string,
    private readonly numbers: ConversationNumbers,
  ) {}

  /** Lines for the deliveries new since the last call; the first call only notes what was there before. */
  async newLines(): Promise<string[]> {
    if (this.off) return [];
    let messages: unknown[];
    try {
      const response = await fetch(`${this.baseUrl}/api/dev/outbox`, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(OUTBOX_TIMEOUT_MS),
      });
      if (response.status === 404 || response.status === 403) {
        this.off = true; // not dev mode, or not on this machine: never ask again
        return [];
      }
      if (!response.ok) return [];
      const body: unknown = await response.json();
      if (typeof body !== 'object' || body === null || !('messages' in body) || !Array.isArray(body.messages)) return [];
      messages = body.messages;
    } catch {
      return []; // the outbox is a help, not the chat: a failed look is simply skipped
    }
    const first = this.seen === undefined;
    const seen = this.seen ?? new Set<string>();
    this.seen = seen;
    const lines: string[] = [];
    for (const m of messages) {
      if (typeof m !== 'object' || m === null) continue;
      const entry: Record<string, unknown> = { ...m };
      const sid = asText(entry.sid);
      if (sid === '' || seen.has(sid)) continue;
      seen.add(sid);
      const to = asText(entry.to);
      if (first || !this.numbers.has(to)) continue;
      const [head = '', ...rest] = asText(entry.body).split(/\r?\n/);
      lines.push(`sms> to ${maskNumber(to)} (emulator): ${head}`, ...rest.map((line) => `     ${line}`));
    }
    return lines;
  }
}

/**
 * Runs the terminal chat until /quit or end of input. Resolves with the exit code:
 * 0 after a normal end, 1 when the bot cannot be reached at the start.
 */
export async function runChatSession(client: BotClient, io: ChatIo): Promise<number> {
  const interactive = io.interactive ?? Boolean((io.input as NodeJS.ReadStream).isTTY && (io.output as NodeJS.WriteStream).isTTY);
  const print = (lines: string[]): void => {
    if (lines.length > 0) io.output.write(`${lines.join('\n')}\n`);
  };
  const printError = (err: unknown): void => {
    // Only our own errors reach the user as text; anything else is a bug, reported without a stack.
    const message = err instanceof BotClientError ? err.message : `Unexpected error: ${err instanceof Error ? err.message : String(err)}`;
    io.errorOutput.write(`${message}\n`);
  };

  let actions: CardAction[] = [];
  const numbers = new ConversationNumbers();
  const deliveries = new DevDeliveries(client.baseUrl, numbers);
  const turn = async (send: () => Promise<ReplyActivity[]>): Promise<boolean> => {
    if (interactive) io.output.write('bot is typing…');
    try {
      const replies = await send();
      if (interactive) io.output.write('\r\x1b[K');
      const formatted = formatReplies(replies);
      for (const reply of replies) if (reply.type === 'message') numbers.note(reply.text ?? '');
      print(formatted.lines);
      actions = formatted.actions;
      print(await deliveries.newLines());
      return true;
    } catch (err) {
      if (interactive) io.output.write('\r\x1b[K');
      printError(err);
      return false;
    }
  };

  if (interactive) {
    print([`Chatting with ${client.baseUrl} as ${client.userId}. Type /help for commands, /quit to leave.`]);
  }
  if (!(await turn(() => client.start()))) return 1;

  const rl = createInterface({ input: io.input, output: interactive ? io.output : undefined, terminal: interactive });
  rl.on('SIGINT', () => rl.close());
  rl.setPrompt('you> ');
  if (interactive) rl.prompt();
  try {
    for await (const raw of rl) {
      const line = raw.trim();
      if (line === '/quit' || line === '/exit') break;
      if (line === '/help') {
        print(HELP);
      } else if (line === '/new') {
        actions = [];
        numbers.clear();
        await turn(() => client.restart());
      } else if (line !== '') {
        const chosen = /^\d+$/.test(line) ? actions[Number(line) - 1] : undefined;
        const choice = chosen && choiceOf(chosen);
        if (choice) {
          if (interactive) print([`you> ${choice.display}`]);
          numbers.note(choice.display);
          await turn(() => client.say(choice.text, choice.value));
        } else {
          numbers.note(line);
          await turn(() => client.say(line));
        }
      }
      if (interactive) rl.prompt();
    }
  } finally {
    rl.close();
  }
  return 0;
}
