import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { Command } from 'commander';
import { registerActionCommands } from '../../src/cli/action';
import { CliError, type CliIo } from '../../src/cli/cli-io';
import { buildProgram } from '../../src/cli/main';
import { createEmulator, type TwilioEmulator } from '../../src/emulator';
import { createService, createTwilioClient } from '../../src/twilio';
import { captured, tempDataDir } from '../support/world';
import { WRONG_TOKEN } from '../support/http';

interface Run {
  stdout: string;
  stderr: string;
}

describe('tva action, profiles and secrets', () => {
  let emulator: TwilioEmulator;
  let url: string;
  let dataDir: string;

  let serviceSid: string;

  before(async () => {
    emulator = createEmulator();
    url = await emulator.listen(0, '127.0.0.1');
    // A real Verify Service at the emulator: 'tva action test' checks that the configured one exists.
    const gateway = createTwilioClient({ kind: 'auth-token', accountSid: emulator.accountSid, authToken: emulator.authToken }, { baseUrl: url });
    serviceSid = (await createService(gateway, { friendlyName: 'CLI test' })).sid;
    dataDir = tempDataDir();
  });
  after(async () => emulator.close());

  async function tva(args: string[], options: { stdin?: string; tty?: boolean; prompt?: string } = {}): Promise<Run> {
    const out: string[] = [];
    const err: string[] = [];
    const stdin = Object.assign(Readable.from(options.stdin === undefined ? [] : [options.stdin]), { isTTY: options.tty === true });
    const io: CliIo = {
      stdin,
      stdout: { write: (t: string) => out.push(t) },
      stderr: { write: (t: string) => err.push(t) },
      env: { DATA_DIR: dataDir },
      promptSecret: async () => options.prompt ?? '',
    };
    const program = new Command('tva').exitOverride().configureOutput({ writeOut: (t) => out.push(t), writeErr: (t) => err.push(t) });
    registerActionCommands(program, io);
    try {
      await program.parseAsync(['node', 'tva', ...args]);
    } finally {
      captured.bodies.push(out.join(''), err.join(''));
    }
    return { stdout: out.join(''), stderr: err.join('') };
  }

  it('is part of the tva program', () => {
    const names = buildProgram().commands.map((c) => c.name());
    for (const name of ['action', 'profiles', 'secrets']) assert.ok(names.includes(name), name);
  });

  it('refuses to read a secret without a terminal or --auth-token-stdin', async () => {
    await assert.rejects(tva(['action', 'configure', '--account-sid', emulator.accountSid, '--base-url', url]), (e: unknown) =>
      e instanceof CliError && /--auth-token-stdin/.test(e.message),
    );
  });

  it('has no option that takes a secret on the command line', () => {
    const program = new Command('tva');
    registerActionCommands(program);
    const options = program.commands.flatMap((c) => c.commands.flatMap((s) => s.options));
    assert.ok(options.length > 10);
    for (const o of options) assert.ok(!((o.required || o.optional) && /token|secret|password/i.test(o.long ?? '')), o.flags);
  });

  it('configures with the token from stdin, fails the test with 20003, then passes with the right token', async () => {
    const wrong = await tva(['action', 'configure', '--account-sid', emulator.accountSid, '--base-url', url, '--auth-token-stdin'], {
      stdin: `${WRONG_TOKEN}\n`,
    });
    assert.match(wrong.stdout, /Auth Token …ffff/);
    assert.ok(!wrong.stdout.includes(WRONG_TOKEN));
    await assert.rejects(tva(['action', 'test']), (e: unknown) => e instanceof CliError && /20003/.test(e.message));
    await assert.rejects(tva(['action', 'enable']), (e: unknown) => e instanceof CliError && /20003/.test(e.message));

    await tva(['action', 'configure', '--account-sid', emulator.accountSid, '--base-url', url], { tty: true, prompt: emulator.authToken });
    assert.match((await tva(['action', 'test'])).stdout, /passed/);
  });

  it('sets configuration fields one by one and refuses a malformed one with its reason', async () => {
    await tva(['action', 'configure', '--verify-service-sid', serviceSid]);
    const run = await tva(['action', 'configure', '--sender', '+14155550100', '--template-sign-in', 'Your code: {{code}}']);
    assert.match(run.stdout, new RegExp(`Verify Service: ${serviceSid}`));
    assert.match(run.stdout, /sender: \+14155550100/);
    await assert.rejects(tva(['action', 'configure', '--template-test', 'no placeholder']), (e: unknown) =>
      e instanceof CliError && /\/messageTemplates\/test: must contain the \{\{code\}\} placeholder/.test(e.message),
    );
  });

  it('enables with "Integration successful" and the next step, and shows the status', async () => {
    const run = await tva(['action', 'enable']);
    assert.match(run.stdout, /^Integration successful\.\nNext: explore templates: tva templates list/);
    const status = JSON.parse((await tva(['action', 'status', '--json'])).stdout) as { state: string };
    assert.equal(status.state, 'configured');
    assert.match((await tva(['action', 'disable'])).stdout, /: disabled/);
  });

  it('creates, tests, lists and deletes profiles', async () => {
    await tva(['profiles', 'create', 'byo', '--description', 'Bring your own account', '--base-url', url]);
    assert.match((await tva(['profiles', 'list'])).stdout, /^byo: Bring your own account/);
    const ok = await tva(['profiles', 'test', 'byo', '--account-sid', emulator.accountSid, '--auth-token-stdin'], { stdin: emulator.authToken });
    assert.match(ok.stdout, /passed/);
    await assert.rejects(
      tva(['profiles', 'test', 'byo', '--account-sid', emulator.accountSid, '--auth-token-stdin'], { stdin: WRONG_TOKEN }),
      /20003/,
    );
    await assert.rejects(tva(['profiles', 'create', '../etc']), /lower-case letters, digits and hyphens/);
    await tva(['profiles', 'delete', 'byo']);
    assert.match((await tva(['profiles', 'list'])).stdout, /No auth profiles/);
  });

  it('rotates the secrets key and keeps every credential readable', async () => {
    const run = await tva(['secrets', 'rotate']);
    assert.match(run.stdout, /re-encrypted 2 secret\(s\)/);
    assert.match((await tva(['action', 'test'])).stdout, /passed/);
  });

  it('refuses to delete without --confirm twilio-verify, then deletes with it', async () => {
    const words = 'Deleting erases every stored credential; run again with --confirm twilio-verify';
    await assert.rejects(tva(['action', 'delete']), (e: unknown) => e instanceof CliError && e.message === words);
    await assert.rejects(tva(['action', 'delete', '--confirm', 'yes']), (e: unknown) => e instanceof CliError && e.message === words);
    assert.match((await tva(['action', 'delete', '--confirm', 'twilio-verify'])).stdout, /^Deleted/);
    assert.match((await tva(['action', 'status'])).stdout, /: available/);
  });
});
