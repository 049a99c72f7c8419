import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import twilio from 'twilio';
import { registerEmulatorCommand } from '../../src/cli/emulator';

const ROOT = resolve(__dirname, '..', '..');
const FIXTURE = resolve(__dirname, 'fixtures', 'tva-emulator.ts');

interface Started {
  child: ChildProcess;
  url: string;
  accountSid: string;
  authToken: string;
  outboxUrl: string;
  output: () => string;
  exit: Promise<number | null>;
}

/** Spawns `tva emulator` and resolves once it printed its base URL, credentials and outbox URL. */
function startCli(args: string[], env: Record<string, string> = {}): Promise<Started> {
  const child = spawn(process.execPath, ['-r', 'tsx/cjs', FIXTURE, 'emulator', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  const exit = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return new Promise((done, fail) => {
    const onData = (): void => {
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      const accountSid = /Account SID\s+(AC[0-9a-f]{32})/.exec(out)?.[1];
      const authToken = /Auth Token\s+([0-9a-f]{32})/.exec(out)?.[1];
      const outboxUrl = /Outbox\s+(\S+)/.exec(out)?.[1];
      if (url && accountSid && authToken && outboxUrl && out.includes('Press Ctrl+C to stop.')) {
        child.stdout?.off('data', onData);
        done({ child, url, accountSid, authToken, outboxUrl, output: () => out, exit });
      }
    };
    child.stdout?.on('data', onData);
    void exit.then((code) => fail(new Error(`tva emulator exited early with ${String(code)}:\n${out}`)));
  });
}

describe('tva emulator (CLI)', () => {
  let started: Started | undefined;
  afterEach(() => {
    if (started && started.child.exitCode === null) started.child.kill('SIGKILL');
    started = undefined;
  });

  it('prints its base URL, credentials and outbox URL, serves the SDK, and exits 0 on SIGTERM', async () => {
    started = await startCli(['--port', '0']);
    assert.match(started.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(started.outboxUrl, `${started.url}/emulator/messages`);
    // A Verify Service exists at once, and the banner says how to point the action at it.
    const serviceSid = /Verify Service\s+(VA[0-9a-f]{32})/.exec(started.output())?.[1];
    assert.ok(serviceSid, started.output());
    assert.match(started.output(), new RegExp(`--verify-service-sid ${serviceSid} --sender \\+15005550006`));
    const client = twilio(started.accountSid, started.authToken);
    client.api.baseUrl = started.url;
    await client.messages.create({ to: '+14155550123', from: '+15005550006', body: 'hello from the CLI test' });
    const outbox = (await (await fetch(started.outboxUrl)).json()) as { messages: Array<{ body: string }> };
    assert.equal(outbox.messages[0]?.body, 'hello from the CLI test');
    started.child.kill('SIGTERM');
    assert.equal(await started.exit, 0);
    assert.ok(started.output().includes(`[outbox] sms to …0123 (23 characters, 1 segment): read it at ${started.outboxUrl}`), started.output());
    assert.ok(!started.output().includes('hello from the CLI test'), 'the body stays in the outbox');
    assert.match(started.output(), /Twilio emulator stopped\./);
  });

  it('exits 0 on SIGINT', async () => {
    started = await startCli(['--port', '0', '--quiet']);
    started.child.kill('SIGINT');
    assert.equal(await started.exit, 0);
  });

  it('takes its credentials from TWILIO_EMULATOR_ACCOUNT_SID and TWILIO_EMULATOR_AUTH_TOKEN', async () => {
    const accountSid = `AC${'c'.repeat(32)}`;
    const authToken = 'd'.repeat(32);
    started = await startCli(['--port', '0'], { TWILIO_EMULATOR_ACCOUNT_SID: accountSid, TWILIO_EMULATOR_AUTH_TOKEN: authToken });
    assert.equal(started.accountSid, accountSid);
    assert.equal(started.authToken, authToken);
    started.child.kill('SIGTERM');
    assert.equal(await started.exit, 0);
  });
});

describe('tva emulator option validation', () => {
  async function usageError(args: string[]): Promise<string> {
    let stderr = '';
    const program = new Command('tva').exitOverride().configureOutput({ writeErr: (s) => (stderr += s), writeOut: () => undefined });
    registerEmulatorCommand(program);
    await assert.rejects(program.parseAsync(['node', 'tva', 'emulator', ...args]), (err: unknown) => {
      assert.ok(err instanceof CommanderError);
      assert.equal(err.exitCode, 2);
      return true;
    });
    return stderr;
  }

  it('refuses a port outside 0-65535', async () => {
    assert.match(await usageError(['--port', '70000']), /--port must be a whole number from 0 to 65535/);
  });

  it('refuses a port that is not a number', async () => {
    assert.match(await usageError(['--port', 'http']), /--port/);
  });

  it('refuses a host that is not loopback', async () => {
    assert.match(await usageError(['--host', '0.0.0.0']), /--host must be a loopback address/);
  });

  it('refuses an account SID that is not AC + 32 hex', async () => {
    assert.match(await usageError(['--account-sid', 'AC123']), /--account-sid .* AC followed by 32 hex digits/);
  });

  it('refuses an auth token that is not 32 hex digits', async () => {
    assert.match(await usageError(['--auth-token', 'secret']), /--auth-token .* 32 hex digits/);
  });
});
