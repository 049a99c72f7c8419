/** `tva services list|create|show|update|delete` against the emulator, through the same service as the admin API. */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { Command } from 'commander';
import { CliError, type CliIo } from '../../src/cli/cli-io';
import { buildProgram } from '../../src/cli/main';
import { registerServicesCommands } from '../../src/cli/services';
import { createEmulator, type TwilioEmulator } from '../../src/emulator';
import { authorizedDataDir, captured } from '../support/world';

describe('tva services', () => {
  let emulator: TwilioEmulator;
  let dataDir: string;

  before(async () => {
    emulator = createEmulator();
    await emulator.listen(0, '127.0.0.1');
    dataDir = await authorizedDataDir(emulator);
  });
  after(async () => emulator.close());

  async function tva(args: string[]): Promise<string> {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = {
      stdin: Object.assign(Readable.from([]), { isTTY: false }),
      stdout: { write: (t: string) => out.push(t) },
      stderr: { write: (t: string) => err.push(t) },
      env: { DATA_DIR: dataDir },
      promptSecret: async () => '',
    };
    const program = new Command('tva').exitOverride().configureOutput({ writeOut: (t) => out.push(t), writeErr: (t) => err.push(t) });
    registerServicesCommands(program, io);
    try {
      await program.parseAsync(['node', 'tva', ...args]);
    } finally {
      captured.bodies.push(out.join(''), err.join(''));
    }
    return out.join('');
  }

  it('is part of the tva program', () => {
    assert.ok(buildProgram().commands.some((c) => c.name() === 'services'));
  });

  it('creates, lists, shows, updates and deletes a service with Twilio\'s settings', async () => {
    const created = JSON.parse(
      await tva(['services', 'create', 'Acme CLI', '--code-length', '7', '--psd2', '--skip-sms-to-landlines', '--tts-name', 'Acme', '--push-include-date', '--json']),
    ) as { sid: string; codeLength: number; psd2Enabled: boolean; skipSmsToLandlines: boolean; ttsName: string; push: { includeDate: boolean } };
    assert.match(created.sid, /^VA[0-9a-f]{32}$/);
    assert.equal(created.codeLength, 7);
    assert.equal(created.psd2Enabled, true);
    assert.equal(created.skipSmsToLandlines, true);
    assert.equal(created.push.includeDate, true);

    assert.match(await tva(['services', 'list']), new RegExp(`${created.sid}  Acme CLI \\(code length 7\\)`));
    const shown = await tva(['services', 'show', created.sid]);
    assert.match(shown, /PSD2: on/);
    assert.match(shown, /TTS name: Acme/);

    const updated = await tva(['services', 'update', created.sid, '--no-psd2', '--code-length', '4', '--custom-code']);
    assert.match(updated, /code length: 4/);
    assert.match(updated, /PSD2: off, do-not-share warning: off, custom code: on/);
    assert.match(updated, /skip SMS to landlines: on/, 'settings not given stay as they were');

    await assert.rejects(tva(['services', 'delete', created.sid]), (e: unknown) => e instanceof CliError && /--confirm/.test(e.message));
    assert.match(await tva(['services', 'delete', created.sid, '--confirm', created.sid]), /Deleted Verify Service/);
    await assert.rejects(tva(['services', 'show', created.sid]), (e: unknown) => e instanceof CliError && /no Verify Service with that SID/.test(e.message));
  });

  it('refuses settings the operation\'s schema refuses, naming the field', async () => {
    await assert.rejects(tva(['services', 'create', 'Acme', '--code-length', '12']), (e: unknown) =>
      e instanceof CliError && /codeLength/i.test(e.message),
    );
    await assert.rejects(tva(['services', 'update', `VA${'0'.repeat(32)}`]), (e: unknown) => e instanceof CliError && /Nothing to change/.test(e.message));
  });
});
