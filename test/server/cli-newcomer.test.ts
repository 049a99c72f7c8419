// The CLI as a newcomer uses it: the server's environment variables apply, refusals say what is wrong.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { EventEmitter } from 'node:events';
import { CliError, exitQuietlyOnBrokenPipe, promptSilently } from '../../src/cli/cli-io';
import { buildProgram } from '../../src/cli/main';
import { createEmulator } from '../../src/emulator';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `tva …` in-process with extra environment variables, capturing output and the exit code. */
async function tva(env: Record<string, string>, ...args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const write = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  const savedCode = process.exitCode;
  const savedEnv = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  process.exitCode = undefined;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    await buildProgram()
      .exitOverride()
      .configureOutput({ writeOut: (t) => (stdout += t), writeErr: (t) => (stderr += t) })
      .parseAsync(['node', 'tva', ...args]);
    return { code: Number(process.exitCode ?? 0), stdout, stderr };
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
    process.exitCode = savedCode;
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe('tva templates with the server environment', () => {
  let work: string;
  beforeEach(() => {
    work = mkdtempSync(path.join(os.tmpdir(), 'tva-newcomer-'));
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it('installs into DIALOGS_DIR, where the server loads dialogs from, when no --dialogs-dir is given', async () => {
    const dialogsDir = path.join(work, 'bot-dialogs');
    const run = await tva({ DIALOGS_DIR: dialogsDir, DATA_DIR: path.join(work, 'data') }, 'templates', 'install', 'send-sms');
    assert.equal(run.code, 0, run.stderr);
    assert.ok(existsSync(path.join(dialogsDir, 'send-sms.json')), run.stdout);
    assert.ok(existsSync(path.join(work, 'data')), 'the install is audited in the store of DATA_DIR');
  });

  it('lets --dialogs-dir win over DIALOGS_DIR', async () => {
    const flag = path.join(work, 'flag');
    const run = await tva({ DIALOGS_DIR: path.join(work, 'env'), DATA_DIR: path.join(work, 'data') }, 'templates', '--dialogs-dir', flag, 'install', 'send-sms');
    assert.equal(run.code, 0, run.stderr);
    assert.ok(existsSync(path.join(flag, 'send-sms.json')));
    assert.ok(!existsSync(path.join(work, 'env')));
  });

  it('says "not both" when given a template id and --all', async () => {
    const run = await tva({ DIALOGS_DIR: work, DATA_DIR: path.join(work, 'data') }, 'templates', 'install', 'send-sms', '--all');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^tva: Give a template id or --all, not both/);
  });
});

describe('the secret prompt', () => {
  function terminal(): { input: PassThrough; output: Writable & { isTTY: boolean }; shown: () => string } {
    let shown = '';
    const output = Object.assign(
      new Writable({
        write(chunk: Buffer | string, _enc, done) {
          shown += String(chunk);
          done();
        },
      }),
      { isTTY: true },
    );
    return { input: new PassThrough(), output, shown: () => shown };
  }

  it('never shows what is typed, and ends the prompt line so the next output starts on its own line', async () => {
    const t = terminal();
    const answer = promptSilently('Auth Token', { ...t, terminal: true });
    t.input.write('s3cret-token-0123456789\r');
    assert.equal(await answer, 's3cret-token-0123456789');
    assert.ok(!t.shown().includes('s3cret'), JSON.stringify(t.shown()));
    assert.match(t.shown(), /Auth Token: /);
    assert.match(t.shown(), /\n$/);
  });

  it('turns Ctrl+C at the prompt into a plain refusal', async () => {
    const t = terminal();
    const answer = promptSilently('Auth Token', { ...t, terminal: true });
    t.input.write('\u0003');
    await assert.rejects(answer, (e: unknown) => e instanceof CliError && e.message === 'Canceled: nothing was changed.');
    assert.match(t.shown(), /\n$/);
  });
});

describe('tva output into a closed pipe', () => {
  it('stops quietly with exit code 0 on EPIPE (e.g. `tva chat | head`) instead of a stack trace', () => {
    const stream = new EventEmitter();
    const exits: number[] = [];
    exitQuietlyOnBrokenPipe(stream, (code) => exits.push(code));
    stream.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    assert.deepEqual(exits, [0]);
    assert.throws(() => stream.emit('error', Object.assign(new Error('disk full'), { code: 'ENOSPC' })), /disk full/);
  });

  it('is installed by bin/tva.js on stdout and stderr', () => {
    const bin = readFileSync(path.join(__dirname, '..', '..', 'bin', 'tva.js'), 'utf8');
    assert.match(bin, /exitQuietlyOnBrokenPipe\(process\.stdout\)/);
    assert.match(bin, /exitQuietlyOnBrokenPipe\(process\.stderr\)/);
  });
});

describe('tva emulator on a busy port', () => {
  it('says the port is in use in one line with exit code 1, without a usage hint', async () => {
    const busy = createEmulator();
    const url = await busy.listen(0, '127.0.0.1');
    try {
      const run = await tva({}, 'emulator', '--port', new URL(url).port, '--quiet');
      assert.equal(run.code, 1);
      assert.equal(run.stderr, `tva: the emulator could not start: port ${new URL(url).port} is in use; pick another with --port\n`);
    } finally {
      await busy.close();
    }
  });
});
