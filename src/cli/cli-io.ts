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

/**
 * Asks for a secret on a terminal without echoing it. The prompt goes to `output` (stderr for the CLI, so that
 * `tva … > file` keeps only results), and the line ends after the answer even though the typed Enter was muted.
 * Ctrl+C at the prompt is a plain refusal.
 */
export async function promptSilently(
  label: string,
  streams: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream & { isTTY?: boolean }; terminal?: boolean },
): Promise<string> {
  try {
    return String(
      await read({
        prompt: `${label}:`,
        silent: true,
        replace: '',
        input: streams.input,
        output: streams.output,
        ...(streams.terminal === undefined ? {} : { terminal: streams.terminal }),
      }),
    );
  } catch (err) {
    if (err instanceof Error && err.message === 'canceled') throw new CliError('Canceled: nothing was changed.');
    throw err;
  } finally {
    streams.output.write('\n');
  }
}

/** The real process's streams and environment. */
export function processIo(): CliIo {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    promptSecret: (label) => promptSilently(label, { input: process.stdin, output: process.stderr }),
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

/**
 * `tva … | head` closes the pipe early; the next write then fails with EPIPE, which Node raises as an unhandled
 * 'error' event (a stack trace). A closed reader wants nothing more: stop quietly. Other errors are rethrown.
 */
export function exitQuietlyOnBrokenPipe(
  stream: NodeJS.EventEmitter,
  exit: (code: number) => void = (code) => process.exit(code),
): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') exit(0);
    else throw err;
  });
}
