/**
 * The README's CLI walkthrough is true when followed literally: its commands run, in order, against an action the
 * zero-config start left configured, and answer what their comments say.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Command } from 'commander';
import { registerActionCommands } from '../../src/cli/action';
import { CliError, type CliIo } from '../../src/cli/cli-io';
import { createEmulator, type TwilioEmulator } from '../../src/emulator';
import { createService, createTwilioClient } from '../../src/twilio';
import { tempDataDir } from '../support/world';

const README = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');

/** The `sh` blocks of one README section. */
function shBlocks(heading: string): string[][] {
  const start = README.indexOf(`${heading}\n`);
  assert.ok(start >= 0, heading);
  const end = README.indexOf('\n### ', start + heading.length);
  const section = README.slice(start, end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => (m[1] ?? '').split('\n').filter((l) => l.trim() !== ''));
}

interface Step {
  args: string[];
  stdin?: string;
}

/** `echo X | npx tva a b` or `npx tva a b  # comment` as argv and stdin. */
function parseLine(line: string): Step | undefined {
  const code = line.replace(/\s+#.*$/, '').trim();
  const m = /^(?:echo (\S+) \| )?npx tva (.+)$/.exec(code);
  if (!m || m[2] === undefined) return undefined;
  return { args: m[2].split(/\s+/), ...(m[1] === undefined ? {} : { stdin: `${m[1]}\n` }) };
}

describe('README: the CLI walkthrough', () => {
  const blocks = shBlocks('### With the CLI');

  it('writes every command out on its own line, none piped into another', () => {
    for (const line of blocks.flat()) {
      assert.doesNotMatch(line, /\| (test|delete|list)\b/, line);
    }
    const profiles = blocks.flat().filter((l) => l.startsWith('npx tva profiles'));
    for (const sub of ['create', 'list', 'test', 'delete']) assert.ok(profiles.some((l) => l.startsWith(`npx tva profiles ${sub}`)), sub);
  });

  it('uses $TOKEN for no token; the admin token is $ADMIN_TOKEN', () => {
    assert.doesNotMatch(README, /\$TOKEN\b/);
    assert.match(README, /Bearer \$ADMIN_TOKEN/);
  });

  describe('followed literally', () => {
    let emulator: TwilioEmulator;
    let url: string;
    let serviceSid: string;
    const dataDir = tempDataDir();

    const walkthrough = blocks[0] ?? [];
    const emulatorLine = walkthrough.find((l) => l.startsWith('npx tva emulator')) ?? '';
    const accountSid = /--account-sid (AC[0-9a-f]{32})/.exec(emulatorLine)?.[1] ?? '';
    const authToken = /--auth-token ([0-9a-f]{32})/.exec(emulatorLine)?.[1] ?? '';
    const port = /--port (\d+)/.exec(emulatorLine)?.[1] ?? '';

    before(async () => {
      emulator = createEmulator({ accountSid, authToken });
      url = await emulator.listen(0, '127.0.0.1');
      const gateway = createTwilioClient({ kind: 'auth-token', accountSid, authToken }, { baseUrl: url });
      serviceSid = (await createService(gateway, { friendlyName: 'README' })).sid;
    });
    after(async () => emulator.close());

    async function tva(step: Step): Promise<{ ok: boolean; text: string }> {
      const out: string[] = [];
      const stdin = Object.assign(Readable.from(step.stdin === undefined ? [] : [step.stdin]), { isTTY: false });
      const io: CliIo = {
        stdin,
        stdout: { write: (t: string) => out.push(t) },
        stderr: { write: (t: string) => out.push(t) },
        env: { DATA_DIR: dataDir },
        promptSecret: async () => '',
      };
      const program = new Command('tva').exitOverride().configureOutput({ writeOut: (t) => out.push(t), writeErr: (t) => out.push(t) });
      registerActionCommands(program, io);
      // The README's emulator port and "VA…" stand for this test's emulator and its Verify Service.
      const args = step.args.map((a) => a.replace(`http://127.0.0.1:${port}`, url).replace('VA…', serviceSid));
      try {
        await program.parseAsync(['node', 'tva', ...args]);
        return { ok: true, text: out.join('') };
      } catch (err) {
        if (err instanceof CliError) return { ok: false, text: `${out.join('')}${err.message}` };
        throw err;
      }
    }

    it('answers what each comment says, from the state the zero-config start leaves', async () => {
      assert.ok(accountSid && authToken && port, emulatorLine);
      // What `npm start` does with no TWILIO_* variables: authorized against an emulator, checked, enabled.
      assert.ok((await tva({ args: ['action', 'configure', '--account-sid', accountSid, '--auth-token-stdin', '--base-url', url], stdin: authToken })).ok);
      assert.ok((await tva({ args: ['action', 'configure', '--verify-service-sid', serviceSid, '--sender', '+15005550006'] })).ok);
      assert.ok((await tva({ args: ['action', 'enable'] })).ok);

      const steps = walkthrough.filter((l) => !l.startsWith('npx tva emulator')).map((l) => ({ line: l, step: parseLine(l) }));
      assert.ok(steps.length >= 8);
      for (const { line, step } of steps) {
        if (!step) continue;
        const run = await tva(step);
        const comment = /#\s*(.*)$/.exec(line)?.[1] ?? '';
        if (/exit code 1/.test(comment)) {
          assert.equal(run.ok, false, line);
          assert.match(run.text, /20003/, line);
        } else {
          assert.equal(run.ok, true, `${line}\n${run.text}`);
        }
        for (const said of ['Action twilio-verify: configured', 'Integration successful', 'passed']) {
          if (comment.startsWith(said)) assert.match(run.text, new RegExp(said), line);
        }
      }
      const deleteWithout = await tva({ args: ['action', 'delete'] });
      assert.match(deleteWithout.text, /^Deleting erases every stored credential; run again with --confirm twilio-verify$/);
    });
  });
});
