/**
 * Kore.ai's flow details and trial accounts through the admin API and the CLI against the emulator: "Integration
 * successful" on the first enable only, an auth profile created with the switch to user-authorized, and a trial
 * account that passes with a warning.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { Command } from 'commander';
import { registerActionCommands } from '../../src/cli/action';
import type { CliIo } from '../../src/cli/cli-io';
import { createEmulator, type TwilioEmulator } from '../../src/emulator';
import { captured, startWorld, tempDataDir, type AdminWorld } from '../support/world';

const TRIAL_WARNING = /trial account: it can only text and call verified numbers/;

describe('admin API and CLI: first enable, profile created with the switch, trial accounts', () => {
  let emulator: TwilioEmulator;
  let h: AdminWorld;
  let dataDir: string;

  before(async () => {
    emulator = createEmulator({ trial: { verifiedNumbers: ['+14155550123'] } });
    await emulator.listen(0, '127.0.0.1');
    dataDir = tempDataDir();
    h = await startWorld({ stack: 'admin', dataDir, emulator });
  });
  after(async () => {
    await h.close();
    await emulator.close();
  });

  async function tva(args: string[]): Promise<string> {
    const out: string[] = [];
    const io: CliIo = {
      stdin: Object.assign(Readable.from([]), { isTTY: false }),
      stdout: { write: (t: string) => out.push(t) },
      stderr: { write: (t: string) => out.push(t) },
      env: { DATA_DIR: dataDir },
      promptSecret: async () => '',
    };
    const program = new Command('tva').exitOverride();
    registerActionCommands(program, io);
    try {
      await program.parseAsync(['node', 'tva', ...args]);
    } finally {
      captured.bodies.push(out.join(''));
    }
    return out.join('');
  }

  it('passes a trial account\'s check with a warning in the test result, the status and tva action test', async () => {
    const put = await h.request('PUT', '/api/admin/action/authorization', {
      body: { type: 'pre-authorized', accountSid: emulator.accountSid, authToken: emulator.authToken, baseUrl: h.emulatorUrl },
    });
    assert.equal(put.status, 200, put.text);
    const test = await h.request('POST', '/api/admin/action/test');
    assert.equal(test.status, 200, test.text);
    const result = test.json as { ok: boolean; warning?: string; checked?: string };
    assert.equal(result.ok, true);
    assert.match(result.warning ?? '', TRIAL_WARNING);
    const status = (await h.request('GET', '/api/admin/action')).json as { lastTest?: { ok: boolean; warning?: string } };
    assert.equal(status.lastTest?.ok, true);
    assert.match(status.lastTest?.warning ?? '', TRIAL_WARNING);
    assert.match(await tva(['action', 'test']), new RegExp(`passed: .*${TRIAL_WARNING.source}`));
  });

  it('says "Integration successful" on the first enable only, "Enabled" after a disable', async () => {
    const first = await h.request('POST', '/api/admin/action/enable');
    assert.equal(first.status, 200, first.text);
    assert.equal((first.json as { message: string; first: boolean }).message, 'Integration successful');
    assert.equal((first.json as { first: boolean }).first, true);
    assert.equal((await h.request('POST', '/api/admin/action/disable')).status, 200);
    const again = await h.request('POST', '/api/admin/action/enable');
    assert.deepEqual([(again.json as { message: string }).message, (again.json as { first: boolean }).first], ['Enabled', false]);
    assert.match(await tva(['action', 'enable']), /^Enabled\./);
  });

  it('creates an auth profile in the same request that switches to user-authorized, and refuses a taken name whole', async () => {
    const put = await h.request('PUT', '/api/admin/action/authorization', {
      body: { type: 'user-authorized', profile: { name: 'fresh', tenancy: false, description: 'Each user brings their own account', baseUrl: h.emulatorUrl } },
    });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual((put.json as { authorization: unknown }).authorization, { type: 'user-authorized', profile: 'fresh', usersAuthorized: 0 });
    const profile = await h.request('GET', '/api/admin/profiles/fresh');
    assert.equal(profile.status, 200, profile.text);

    const taken = await h.request('PUT', '/api/admin/action/authorization', { body: { type: 'user-authorized', profile: { name: 'fresh', tenancy: true } } });
    assert.equal(taken.status, 409, taken.text);
    const invalid = await h.request('PUT', '/api/admin/action/authorization', { body: { type: 'user-authorized', profile: { name: 'bad name!', tenancy: false } } });
    assert.equal(invalid.status, 422, invalid.text);

    const cli = await tva(['action', 'configure', '--create-profile', 'second', '--profile-description', 'From the CLI', '--profile-base-url', h.emulatorUrl]);
    assert.match(cli, /user-authorized with profile second/);
    assert.equal((await h.request('GET', '/api/admin/profiles/second')).status, 200);
    const audit = await h.store.listAudit({ limit: 50 });
    assert.ok(audit.entries.some((e) => e.action === 'profile.create' && e.target === 'profiles/second'));
  });
});
