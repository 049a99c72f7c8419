/**
 * The `tva` command. Each capability registers its own subcommands; this file only assembles them.
 * Exit codes: 0 success, 1 a refusal or failure (with a clear message on stderr), 2 a usage error.
 */
import { Command, CommanderError } from 'commander';
import { registerEmulatorCommand } from './emulator';
import { registerActionCommands } from './action';
import { registerTemplateCommands } from './templates';
import { registerChatCommand } from './chat';
import { registerServicesCommands } from './services';
import { registerApiCommand } from './api';

/** Builds the program without running it (tests call `parseAsync` on it). */
export function buildProgram(): Command {
  const program = new Command('tva')
    .description('Twilio Verify Action: Twilio SMS and Verify for Bot Framework bots')
    .showHelpAfterError('(run "tva --help" for usage)');
  registerEmulatorCommand(program);
  registerActionCommands(program);
  registerTemplateCommands(program);
  registerChatCommand(program);
  registerServicesCommands(program);
  registerApiCommand(program);
  return program;
}

/** Entry point used by bin/tva.js. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander has already printed its message; keep its exit code (0 for --help/--version).
      process.exitCode = err.exitCode;
      return;
    }
    throw err;
  }
}
