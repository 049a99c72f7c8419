/**
 * The CLI's input and output, injectable so commands run in-process in tests. Secrets are read from a prompt
 * without echo, or from stdin with an explicit flag; never from argv (it shows in `ps` and shell history).
 */
import { read } from 'read';

export interface CliIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
  /** Asks for a secret without echoing it (only called when stdin is a terminal). */
  promptSecret(label: string): Promise<string>;
}

/** A refusal or failure the CLI reports as `tva: <message>` with exit code 1. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

/** The real process's streams and environment. */
export function processIo(): CliIo {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    promptSecret: async (label) => String(await read({ prompt: `${label}: `, silent: true, replace: '' })),
  };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Reads one secret: from stdin when `fromStdin` (the first line, without its line ending), else from a silent
 * prompt when stdin is a terminal; otherwise a clear refusal naming the flag to use.
 */
export async function readSecret(io: CliIo, options: { label: string; fromStdin: boolean; flag: string }): Promise<string> {
  let secret: string;
  if (options.fromStdin) {
    secret = (await readAll(io.stdin)).split(/\r?\n/)[0] ?? '';
  } else if (io.stdin.isTTY) {
    secret = await io.promptSecret(options.label);
  } else {
    throw new CliError(
      `No terminal to ask for the ${options.label}. Pipe it on stdin with ${options.flag} (secrets are never taken from arguments).`,
    );
  }
  secret = secret.trim();
  if (!secret) throw new CliError(`The ${options.label} is empty.`);
  return secret;
}
