import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { BotClient, BotClientError } from '../chat';
import { runChatSession, type ChatIo } from './chat-session';

const DEFAULT_URL = 'http://127.0.0.1:3978';
const USER_ID = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/** Where `tva chat` reads, writes and reports its exit code; tests replace it. */
export interface ChatCommandIo extends ChatIo {
  setExitCode(code: number): void;
}

function defaultIo(): ChatCommandIo {
  return {
    input: process.stdin,
    output: process.stdout,
    errorOutput: process.stderr,
    setExitCode: (code) => {
      process.exitCode = code;
    },
  };
}

/** A stable default user id per OS account, so user state (a verified number, credentials) survives restarts. */
function defaultUserId(): string {
  let name = 'user';
  try {
    name = userInfo().username.replace(/[^A-Za-z0-9._@-]/g, '') || 'user';
  } catch {
    // No passwd entry (some containers): keep the generic name.
  }
  return `cli-${name}`.slice(0, 64);
}

/** `tva chat`: talk to a running bot from the terminal over `POST /api/messages`. */
export function registerChatCommand(program: Command, io: ChatCommandIo = defaultIo()): void {
  program
    .command('chat')
    .description('Chat with the bot in the terminal (the bot must be running, e.g. `npm start`)')
    .option('--url <url>', 'the bot server', DEFAULT_URL)
    .option('--user <id>', 'your user id (letters, digits, . _ @ -)', defaultUserId())
    .action(async (options: { url: string; user: string }) => {
      if (!USER_ID.test(options.user)) {
        io.errorOutput.write(`Invalid --user "${options.user}": use 1-64 letters, digits, ".", "_", "@" or "-".\n`);
        io.setExitCode(2);
        return;
      }
      let client: BotClient;
      try {
        client = new BotClient({ baseUrl: options.url, userId: options.user, userName: options.user });
      } catch (err) {
        if (!(err instanceof BotClientError)) throw err;
        io.errorOutput.write(`Invalid --url: ${err.message}\n`);
        io.setExitCode(2);
        return;
      }
      const code = await runChatSession(client, io);
      if (code !== 0) io.setExitCode(code);
    });
}
