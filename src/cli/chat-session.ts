import { createInterface } from 'node:readline';
import { BotClientError, choiceOf, suggestedActionsOf, type BotClient, type CardAction, type ReplyActivity } from '../chat';

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
      }
    } else if (activity.type === 'endOfConversation') {
      lines.push('bot> (the bot ended the conversation; type /new to start another)');
    }
  }
  return { lines, actions };
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
  const turn = async (send: () => Promise<ReplyActivity[]>): Promise<boolean> => {
    if (interactive) io.output.write('bot is typing…');
    try {
      const replies = await send();
      if (interactive) io.output.write('\r\x1b[K');
      const formatted = formatReplies(replies);
      print(formatted.lines);
      actions = formatted.actions;
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
        await turn(() => client.restart());
      } else if (line !== '') {
        const chosen = /^\d+$/.test(line) ? actions[Number(line) - 1] : undefined;
        const choice = chosen && choiceOf(chosen);
        if (choice) {
          if (interactive) print([`you> ${choice.display}`]);
          await turn(() => client.say(choice.text, choice.value));
        } else {
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
