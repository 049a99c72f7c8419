import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildProgram } from '../../src/cli/main';
import { cliActor } from '../../src/cli/action';
import { openStore } from '../../src/store';
import { defaultTemplatesDir } from '../../src/templates';
import { templateIds } from '../support/catalog';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `tva …` in-process, capturing output and the exit code. */
async function tva(...args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const write = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  const saved = process.exitCode;
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
    await buildProgram().exitOverride().parseAsync(['node', 'tva', ...args]);
    return { code: Number(process.exitCode ?? 0), stdout, stderr };
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
    process.exitCode = saved;
  }
}

describe('tva templates', () => {
  let work: string;
  let dialogs: string;
  let templates: string;
  const dirs = () => ['--dialogs-dir', dialogs, '--templates-dir', templates, '--data-dir', path.join(work, 'data')];

  beforeEach(() => {
    work = mkdtempSync(path.join(tmpdir(), 'tva-cli-'));
    dialogs = path.join(work, 'dialogs');
    templates = path.join(work, 'templates');
    cpSync(defaultTemplatesDir(), templates, { recursive: true });
  });

  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it('lists the templates with their state', async () => {
    const run = await tva('templates', '--dialogs-dir', dialogs, 'list');
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^ID\s+VERSION\s+STATE\s+NAME$/m);
    assert.match(run.stdout, /^send-sms\s+1\.3\.0\s+not installed\s+Send SMS$/m);
    assert.equal(run.stdout.trim().split('\n').length, 1 + (await templateIds()).length);
  });

  it('install --all writes every dialog; a second run changes nothing and exits 0', async () => {
    const first = await tva('templates', ...dirs(), 'install', '--all');
    assert.equal(first.code, 0, first.stderr);
    assert.equal((first.stdout.match(/^installed /gm) ?? []).length, (await templateIds()).length);
    const bytes = readdirSync(dialogs).map((f) => readFileSync(path.join(dialogs, f), 'utf8'));
    const second = await tva('templates', ...dirs(), 'install', '--all');
    assert.equal(second.code, 0);
    assert.equal((second.stdout.match(/^unchanged /gm) ?? []).length, (await templateIds()).length);
    assert.deepEqual(readdirSync(dialogs).map((f) => readFileSync(path.join(dialogs, f), 'utf8')), bytes);
  });

  it('installs one template and shows it: the file and the table of its nodes', async () => {
    assert.equal((await tva('templates', ...dirs(), 'install', 'verify-phone-number')).code, 0);
    const show = await tva('templates', ...dirs(), 'show', 'verify-phone-number');
    assert.equal(show.code, 0);
    assert.match(show.stdout, /^Verify Phone Number \(verify-phone-number\)$/m);
    assert.match(show.stdout, new RegExp(`^file:\\s+${path.join(dialogs, 'verify-phone-number.json').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    assert.match(show.stdout, /^NODE\s+TYPE\s+SUMMARY$/m);
    assert.match(show.stdout, /^check\s+service\s+checkVerification\(serviceSid, to, code\) -> countWrong/m);
  });

  it('exits 1 with a clear message for an unknown id, a bad id, or neither id nor --all', async () => {
    const unknown = await tva('templates', ...dirs(), 'install', 'send-fax');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^tva: There is no template "send-fax"\. Templates: /);
    const traversal = await tva('templates', ...dirs(), 'show', '../secrets');
    assert.equal(traversal.code, 1);
    assert.match(traversal.stderr, /is not a template id/);
    const neither = await tva('templates', ...dirs(), 'install');
    assert.equal(neither.code, 1);
    assert.match(neither.stderr, /Give a template id or --all/);
    const uninstall = await tva('templates', ...dirs(), 'uninstall', 'send-sms');
    assert.equal(uninstall.code, 1);
    assert.match(uninstall.stderr, /send-sms is not installed/);
  });

  it('exits 1 for an invalid template, listing each problem with its pointer', async () => {
    const file = path.join(templates, 'send-sms.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"next": "message"', '"next": "nowhere"'));
    const run = await tva('templates', ...dirs(), 'install', 'send-sms');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /The template "send-sms" is invalid/);
    assert.match(run.stderr, /^ {2}\/dialog\/nodes\/1\/next: "nowhere" names no node of this dialog\.$/m);
  });

  it('upgrade refuses an edited dialog with a conflict report (exit 1); --force replaces it', async () => {
    await tva('templates', ...dirs(), 'install', '--all');
    const installed = path.join(dialogs, 'send-sms.json');
    writeFileSync(installed, readFileSync(installed, 'utf8').replace('"name": "Send SMS"', '"name": "Text a friend"'));
    const tfile = path.join(templates, 'send-sms.json');
    writeFileSync(tfile, readFileSync(tfile, 'utf8').replace('"version": "1.3.0"', '"version": "1.4.0"'));
    const list = await tva('templates', ...dirs(), 'list');
    assert.match(list.stdout, /^send-sms\s+1\.4\.0\s+edited \(installed 1\.3\.0, newer available\)/m);
    const refused = await tva('templates', ...dirs(), 'upgrade', 'send-sms');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /send-sms was edited since it was installed.*tva templates upgrade send-sms --force/);
    assert.match(refused.stderr, /^ {2}\/name: "name" differs from template 1\.4\.0\.$/m);
    assert.match(readFileSync(installed, 'utf8'), /Text a friend/);
    const all = await tva('templates', ...dirs(), 'upgrade', '--all');
    assert.equal(all.code, 1);
    const forced = await tva('templates', ...dirs(), 'upgrade', 'send-sms', '--force');
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /^replaced\s+Replaced your edited send-sms with template 1\.4\.0\.$/m);
    assert.doesNotMatch(readFileSync(installed, 'utf8'), /Text a friend/);
    assert.match((await tva('templates', ...dirs(), 'list')).stdout, /^send-sms\s+1\.4\.0\s+installed/m);
  });

  it('upgrade of an edited dialog with no newer template says there is nothing to upgrade (exit 0), naming it once', async () => {
    await tva('templates', ...dirs(), 'install', '--all');
    const installed = path.join(dialogs, 'send-sms.json');
    writeFileSync(installed, readFileSync(installed, 'utf8').replace('"name": "Send SMS"', '"name": "Text a friend"'));
    for (const args of [['send-sms'], ['--all']]) {
      const run = await tva('templates', ...dirs(), 'upgrade', ...args);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^kept-edited\s+Nothing to upgrade: send-sms was edited, and template 1\.3\.0 is the version it was installed from; your file is kept\.$/m);
      assert.doesNotMatch(run.stdout, /send-sms: send-sms/);
    }
    assert.match(readFileSync(installed, 'utf8'), /Text a friend/);
  });

  it('lists a broken dialog as not loaded with its problem', async () => {
    await tva('templates', ...dirs(), 'install', 'send-sms');
    writeFileSync(path.join(dialogs, 'send-sms.json'), '{ not json');
    const list = await tva('templates', ...dirs(), 'list');
    assert.match(list.stdout, /^send-sms\s+1\.3\.0\s+not loaded \(not readable JSON\)/m);
  });

  it('upgrades an outdated dialog and uninstalls one', async () => {
    await tva('templates', ...dirs(), 'install', 'check-verification');
    const tfile = path.join(templates, 'check-verification.json');
    writeFileSync(tfile, readFileSync(tfile, 'utf8').replace('"version": "1.2.0"', '"version": "1.2.1"'));
    assert.match((await tva('templates', ...dirs(), 'list')).stdout, /^check-verification\s+1\.2\.1\s+outdated \(installed 1\.2\.0\)/m);
    const up = await tva('templates', ...dirs(), 'upgrade', '--all');
    assert.equal(up.code, 0);
    assert.match(up.stdout, /^upgraded\s+Upgraded check-verification from 1\.2\.0 to 1\.2\.1\.$/m);
    const gone = await tva('templates', ...dirs(), 'uninstall', 'check-verification');
    assert.equal(gone.code, 0);
    assert.deepEqual(readdirSync(dialogs), []);
  });

  /** The template entries of the audit log in the store of --data-dir, oldest first. */
  async function templateAudit(): Promise<{ actor: string; action: string; target: string | null; outcome: string; details: unknown }[]> {
    const store = await openStore({ dataDir: path.join(work, 'data') });
    try {
      const { entries } = await store.listAudit();
      return entries
        .filter((e) => e.action.startsWith('template.'))
        .map((e) => ({ actor: e.actor, action: e.action, target: e.target, outcome: e.outcome, details: e.details }))
        .reverse();
    } finally {
      await store.close();
    }
  }

  it('audits installs, upgrades and uninstalls in the store as cli:<user>, with the same entries as the admin API', async () => {
    await tva('templates', ...dirs(), 'install', 'check-verification');
    const tfile = path.join(templates, 'check-verification.json');
    const installed = (JSON.parse(readFileSync(tfile, 'utf8')) as { version: string }).version;
    const next = installed.replace(/\d+$/, (patch) => String(Number(patch) + 1));
    writeFileSync(tfile, readFileSync(tfile, 'utf8').replace(`"version": "${installed}"`, `"version": "${next}"`));
    assert.equal((await tva('templates', ...dirs(), 'upgrade', 'check-verification')).code, 0);
    assert.equal((await tva('templates', ...dirs(), 'install', 'check-verification')).code, 0, 'already installed: no change');
    assert.equal((await tva('templates', ...dirs(), 'uninstall', 'check-verification')).code, 0);
    const actor = cliActor();
    assert.match(actor, /^cli:/);
    const file = 'check-verification.json';
    assert.deepEqual(await templateAudit(), [
      { actor, action: 'template.install', target: 'templates/check-verification', outcome: 'ok', details: { version: installed, file } },
      { actor, action: 'template.upgrade', target: 'templates/check-verification', outcome: 'ok', details: { version: next, file } },
      { actor, action: 'template.uninstall', target: 'templates/check-verification', outcome: 'ok', details: { version: next, previousVersion: next, file } },
    ]);
  });

  it('changes nothing when the store that keeps the audit log cannot be opened', async () => {
    const notADir = path.join(work, 'data-file');
    writeFileSync(notADir, 'not a directory');
    const run = await tva('templates', '--dialogs-dir', dialogs, '--templates-dir', templates, '--data-dir', notADir, 'install', 'send-sms');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^tva: Nothing was changed: the store that keeps the audit log \(.*data-file\) could not be opened: .*Check --data-dir \(DATA_DIR\) or DATABASE_URL\.$/m);
    assert.ok(!readdirSync(work).includes('dialogs'));
  });

  it('opens no store to list or show', async () => {
    await tva('templates', ...dirs(), 'list');
    await tva('templates', ...dirs(), 'show', 'send-sms');
    assert.ok(!readdirSync(work).includes('data'));
  });
});
