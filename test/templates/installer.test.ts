import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  compareVersions,
  defaultTemplatesDir,
  dialogHash,
  DialogInstaller,
  TemplateError,
  type DialogChange,
} from '../../src/templates';

/** Every shipped template, from the catalog's folder: a new template needs no edit here. */
const ALL = readdirSync(defaultTemplatesDir()).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length)).sort();

function snapshot(dir: string): Record<string, { bytes: string; mtimeMs: number }> {
  const out: Record<string, { bytes: string; mtimeMs: number }> = {};
  for (const name of readdirSync(dir).sort()) {
    const file = path.join(dir, name);
    out[name] = { bytes: readFileSync(file, 'utf8'), mtimeMs: statSync(file).mtimeMs };
  }
  return out;
}

async function refusal(promise: Promise<unknown>): Promise<TemplateError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof TemplateError, String(err));
    return err;
  }
  assert.fail('expected a refusal');
}

/** Raises a template's version in a copy of templates/ (and optionally changes its dialog). */
function bump(templatesDir: string, id: string, version: string, change?: (dialog: Record<string, unknown>) => void): void {
  const file = path.join(templatesDir, `${id}.json`);
  const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown> & { dialog: Record<string, unknown> };
  json['version'] = version;
  change?.(json.dialog);
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
}

function editDialog(dialogsDir: string, id: string, edit: (dialog: { nodes: Record<string, unknown>[] } & Record<string, unknown>) => void): void {
  const file = path.join(dialogsDir, `${id}.json`);
  const json = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Record<string, unknown>[] } & Record<string, unknown>;
  edit(json);
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
}

describe('DialogInstaller', () => {
  let work: string;
  let dialogsDir: string;
  let templatesDir: string;
  let changes: DialogChange[];
  let installer: DialogInstaller;

  beforeEach(() => {
    work = mkdtempSync(path.join(tmpdir(), 'tva-install-'));
    dialogsDir = path.join(work, 'dialogs');
    templatesDir = path.join(work, 'templates');
    cpSync(defaultTemplatesDir(), templatesDir, { recursive: true });
    changes = [];
    installer = new DialogInstaller({ dialogsDir, templatesDir, onChange: (c) => changes.push(c) });
  });

  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it('lists every template as not installed before anything is installed', async () => {
    const list = await installer.list();
    assert.deepEqual(list.map((t) => [t.id, t.state]), ALL.map((id) => [id, 'not-installed']));
    assert.equal(list[0]?.file, path.join(dialogsDir, 'cancel-verification.json'));
  });

  it('installs all templates, and a second run changes nothing (same bytes, same mtimes)', async () => {
    const first = await installer.installAll();
    assert.deepEqual(first.failures, []);
    assert.deepEqual(first.results.map((r) => r.outcome), ALL.map(() => 'installed'));
    const before = snapshot(dialogsDir);
    assert.deepEqual(Object.keys(before), ALL.map((id) => `${id}.json`));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await installer.installAll();
    assert.deepEqual(second.results.map((r) => r.outcome), ALL.map(() => 'unchanged'));
    assert.deepEqual(snapshot(dialogsDir), before);
    assert.equal(changes.length, ALL.length, 'only the first run announced changes');
    assert.deepEqual((await installer.list()).map((t) => t.state), ALL.map(() => 'installed'));
  });

  it('writes the template dialog with $schema and installedFrom {template, version, hash}, pretty-printed with a trailing newline', async () => {
    await installer.install('send-sms');
    const text = readFileSync(path.join(dialogsDir, 'send-sms.json'), 'utf8');
    assert.ok(text.endsWith('}\n'));
    assert.ok(text.startsWith('{\n  "$schema": "../schemas/dialog.schema.json",\n  "id": "send-sms",'));
    const json = JSON.parse(text) as Record<string, unknown>;
    const template = JSON.parse(readFileSync(path.join(templatesDir, 'send-sms.json'), 'utf8')) as { dialog: Record<string, unknown> };
    const { $schema: _s, installedFrom, ...dialog } = json;
    assert.deepEqual(dialog, template.dialog);
    assert.deepEqual(installedFrom, { template: 'send-sms', version: '1.3.0', hash: dialogHash(template.dialog) });
    assert.match(String((installedFrom as { hash: string }).hash), /^sha256-[0-9a-f]{64}$/);
  });

  it('writes atomically: a temporary file beside the target, renamed, none left behind', async () => {
    await installer.installAll();
    assert.deepEqual(readdirSync(dialogsDir).filter((f) => !f.endsWith('.json')), []);
    editDialog(dialogsDir, 'send-sms', (d) => (d['name'] = 'Text someone'));
    await installer.upgrade('send-sms', { force: true });
    assert.deepEqual(readdirSync(dialogsDir).sort(), ALL.map((id) => `${id}.json`));
  });

  it('announces installs, upgrades and uninstalls to listeners, with the dialog as written', async () => {
    const events: string[] = [];
    installer.on('change', (c) => events.push(`${c.kind}:${c.id}:${c.dialog?.installedFrom?.version ?? '-'}`));
    await installer.install('send-sms');
    bump(templatesDir, 'send-sms', '1.4.0');
    await installer.upgrade('send-sms');
    await installer.uninstall('send-sms');
    assert.deepEqual(events, ['installed:send-sms:1.3.0', 'upgraded:send-sms:1.4.0', 'uninstalled:send-sms:-']);
    assert.deepEqual(changes.map((c) => c.kind), ['installed', 'upgraded', 'uninstalled']);
  });

  it('answers an install, upgrade or uninstall only once what applies changes (the bot reloading) is done', async () => {
    const order: string[] = [];
    const stop = installer.applyWith(async (change) => {
      await new Promise((resolve) => setImmediate(resolve));
      order.push(`applied ${change.kind}`);
    });
    await installer.install('send-sms').then(() => order.push('install answered'));
    bump(templatesDir, 'send-sms', '1.4.0');
    await installer.upgrade('send-sms').then(() => order.push('upgrade answered'));
    stop();
    await installer.uninstall('send-sms').then(() => order.push('uninstall answered'));
    assert.deepEqual(order, ['applied installed', 'install answered', 'applied upgraded', 'upgrade answered', 'uninstall answered']);
  });

  it('fails an install whose change could not be applied, after writing the file and its audit entry', async () => {
    const audited: string[] = [];
    const auditedInstaller = new DialogInstaller({ dialogsDir, templatesDir, audit: async (entry) => void audited.push(`${entry.action} ${entry.target}`) });
    auditedInstaller.applyWith(async () => {
      throw new Error('The bot could not reload its dialogs.');
    });
    await assert.rejects(auditedInstaller.install('send-sms'), /could not reload/);
    assert.equal((await auditedInstaller.get('send-sms')).state, 'installed');
    assert.equal(audited.length, 1, 'the install is audited even though it was not applied');
    assert.match(audited[0] ?? '', /send-sms/);
  });

  it('shows an edited dialog as edited; reformatting the file is not an edit', async () => {
    await installer.installAll();
    const file = path.join(dialogsDir, 'check-verification.json');
    writeFileSync(file, JSON.stringify(JSON.parse(readFileSync(file, 'utf8'))));
    assert.equal((await installer.get('check-verification')).state, 'installed');
    editDialog(dialogsDir, 'check-verification', (d) => {
      const approved = d.nodes.find((n) => n['id'] === 'approvedMessage');
      assert.ok(approved);
      approved['text'] = 'Yes! You are in.';
    });
    const listing = await installer.get('check-verification');
    assert.equal(listing.state, 'edited');
    assert.equal(listing.edited, true);
  });

  it('shows an installed dialog as outdated once its template has a higher version', async () => {
    await installer.installAll();
    bump(templatesDir, 'start-verification', '1.3.0');
    const listing = await installer.get('start-verification');
    assert.deepEqual([listing.state, listing.installedVersion, listing.version], ['outdated', '1.2.0', '1.3.0']);
    const again = await installer.install('start-verification');
    assert.equal(again.outcome, 'kept-outdated');
    assert.match(again.message, /tva templates upgrade start-verification/);
  });

  it('upgrades an outdated, unedited dialog to the new version', async () => {
    await installer.install('send-sms');
    bump(templatesDir, 'send-sms', '1.4.0', (d) => (d['description'] = 'Sends a text message, now better.'));
    const result = await installer.upgrade('send-sms');
    assert.deepEqual([result.outcome, result.previousVersion, result.version], ['upgraded', '1.3.0', '1.4.0']);
    const json = JSON.parse(readFileSync(path.join(dialogsDir, 'send-sms.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(json['description'], 'Sends a text message, now better.');
    assert.equal((await installer.get('send-sms')).state, 'installed');
    assert.equal((await installer.upgrade('send-sms')).outcome, 'unchanged');
  });

  it('refuses to upgrade an edited dialog with a conflict report naming the nodes and fields that differ', async () => {
    await installer.install('send-sms');
    editDialog(dialogsDir, 'send-sms', (d) => {
      const sent = d.nodes.find((n) => n['id'] === 'sent');
      assert.ok(sent);
      sent['text'] = 'Sent!';
      d.nodes.push({ id: 'extra', type: 'message', text: 'Mine' });
      d['help'] = 'My help.';
    });
    bump(templatesDir, 'send-sms', '2.0.0');
    const before = readFileSync(path.join(dialogsDir, 'send-sms.json'), 'utf8');
    const err = await refusal(installer.upgrade('send-sms'));
    assert.equal(err.code, 'conflict');
    assert.equal(err.httpStatus, 409);
    assert.match(err.message, /edited since it was installed.*--force/);
    const sentIndex = (JSON.parse(before) as { nodes: { id: string }[] }).nodes.findIndex((n) => n.id === 'sent');
    assert.deepEqual(err.details, [
      { path: '/help', message: '"help" differs from template 2.0.0.' },
      { path: `/nodes/${sentIndex}`, message: 'Node "sent" differs in: text.' },
      { path: `/nodes/${sentIndex + 1}`, message: 'Node "extra" is in your file only.' },
    ]);
    assert.equal(readFileSync(path.join(dialogsDir, 'send-sms.json'), 'utf8'), before, 'the edited file is untouched');
    assert.equal((await installer.install('send-sms')).outcome, 'kept-edited');
    assert.equal(readFileSync(path.join(dialogsDir, 'send-sms.json'), 'utf8'), before, 'install keeps it too');
  });

  it('replaces an edited dialog with --force', async () => {
    await installer.install('send-sms');
    editDialog(dialogsDir, 'send-sms', (d) => (d['name'] = 'Mine'));
    bump(templatesDir, 'send-sms', '2.0.0');
    const result = await installer.upgrade('send-sms', { force: true });
    assert.deepEqual([result.outcome, result.previousVersion, result.version], ['replaced', '1.3.0', '2.0.0']);
    assert.equal((await installer.get('send-sms')).state, 'installed');
  });

  it('upgrades every installed dialog with upgradeAll, reporting the edited ones as conflicts', async () => {
    await installer.install('send-sms');
    await installer.install('check-verification');
    bump(templatesDir, 'send-sms', '1.3.1');
    bump(templatesDir, 'check-verification', '1.2.1');
    editDialog(dialogsDir, 'check-verification', (d) => (d['name'] = 'Mine'));
    const batch = await installer.upgradeAll();
    assert.deepEqual(batch.results.map((r) => [r.id, r.outcome]), [['send-sms', 'upgraded']]);
    assert.deepEqual(batch.failures.map((f) => [f.id, f.error.code]), [['check-verification', 'conflict']]);
  });

  it('treats a file the installer did not write (no installedFrom) as edited', async () => {
    await installer.install('send-sms');
    editDialog(dialogsDir, 'send-sms', (d) => delete d['installedFrom']);
    assert.equal((await installer.get('send-sms')).state, 'edited');
    writeFileSync(path.join(dialogsDir, 'send-sms.json'), '{ not json');
    const broken = await installer.get('send-sms');
    assert.equal(broken.state, 'not-loaded');
    assert.equal(broken.problem, 'not readable JSON');
    const err = await refusal(installer.upgrade('send-sms'));
    assert.match(err.message, /^send-sms is not loaded by the bot \(not readable JSON\)\. /);
    assert.deepEqual(err.details, [{ path: '', message: 'The installed file is not valid JSON.' }]);
  });

  it('lists a dialog the bot would not load as not-loaded with its problem, not edited', async () => {
    await installer.install('send-sms');
    editDialog(dialogsDir, 'send-sms', (d) => d.nodes.push({ id: 'extra', type: 'message', text: 'Mine' }));
    const listing = await installer.get('send-sms');
    assert.equal(listing.state, 'not-loaded');
    assert.match(listing.problem ?? '', /^\/nodes\/\d+: Node "extra" is unreachable/);
  });

  it('upgrades an edited dialog with no newer template to nothing: the edits are kept, upgradeAll succeeds', async () => {
    await installer.installAll();
    editDialog(dialogsDir, 'send-sms', (d) => {
      d['help'] = 'My help.';
    });
    const before = readFileSync(path.join(dialogsDir, 'send-sms.json'), 'utf8');
    const one = await installer.upgrade('send-sms');
    assert.equal(one.outcome, 'kept-edited');
    assert.match(one.message, /^Nothing to upgrade: send-sms was edited, and template [\d.]+ is the version it was installed from; your file is kept\.$/);
    const all = await installer.upgradeAll();
    assert.deepEqual(all.failures, []);
    assert.equal(readFileSync(path.join(dialogsDir, 'send-sms.json'), 'utf8'), before);
  });

  it('uninstalls an installed dialog and refuses one that is not installed', async () => {
    await installer.install('verification-status');
    const result = await installer.uninstall('verification-status');
    assert.equal(result.outcome, 'uninstalled');
    assert.deepEqual(readdirSync(dialogsDir), []);
    const err = await refusal(installer.uninstall('verification-status'));
    assert.equal(err.code, 'not_installed');
    assert.equal(err.httpStatus, 404);
    assert.equal((await refusal(installer.upgrade('verification-status'))).code, 'not_installed');
  });

  it('shows a dialog: its file and a table of its nodes (id, type, summary)', async () => {
    const before = await installer.show('send-sms');
    assert.equal(before.state, 'not-installed');
    await installer.install('send-sms');
    const view = await installer.show('send-sms');
    assert.equal(view.file, path.join(dialogsDir, 'send-sms.json'));
    assert.equal(view.state, 'installed');
    assert.deepEqual(view.nodes.slice(0, 2), [
      { id: 'intent', type: 'intent', summary: 'says: send an sms | send sms | send a text | send a text message | te… -> receiver' },
      { id: 'receiver', type: 'entity', summary: 'receiver (phone): Which phone number should I text? -> message' },
    ]);
    assert.match(view.nodes.find((n) => n.id === 'send')?.summary ?? '', /^sendSms\(to, from, messagingServiceSid, body\) -> sent \(\+8 transitions\)$/);
  });

  for (const id of ['../etc/passwd', '..', 'send-sms/../../x', '/abs', 'Send-SMS', '', '-lead', 'a'.repeat(64), 'send_sms', 'send-sms.json']) {
    it(`rejects the id ${JSON.stringify(id)} before touching any file (no path traversal)`, async () => {
      for (const run of [() => installer.install(id), () => installer.uninstall(id), () => installer.show(id), () => installer.upgrade(id, { force: true })]) {
        const err = await refusal(run());
        assert.equal(err.code, 'invalid_id');
        assert.equal(err.httpStatus, 400);
      }
    });
  }

  it('refuses an unknown template id, naming the ones that exist', async () => {
    const err = await refusal(installer.install('send-fax'));
    assert.equal(err.code, 'unknown_template');
    assert.match(err.message, /There is no template "send-fax"\. Templates: cancel-verification, check-verification, send-sms/);
  });

  it('refuses an invalid template with every problem and its pointer, and writes nothing', async () => {
    const file = path.join(templatesDir, 'send-sms.json');
    const json = JSON.parse(readFileSync(file, 'utf8')) as { dialog: { nodes: Record<string, unknown>[] } };
    const send = json.dialog.nodes.find((n) => n['id'] === 'send');
    assert.ok(send);
    send['operation'] = 'sendFax';
    writeFileSync(file, JSON.stringify(json));
    const err = await refusal(installer.install('send-sms'));
    assert.equal(err.code, 'invalid_template');
    assert.equal(err.httpStatus, 422);
    assert.match(err.details[0]?.path ?? '', /^\/dialog\/nodes\/\d+\/operation$/);
    assert.deepEqual(readdirSync(work).includes('dialogs') ? readdirSync(dialogsDir) : [], []);
    const batch = await installer.installAll();
    assert.deepEqual(batch.failures.map((f) => f.id), ['send-sms']);
    assert.equal(batch.results.length, ALL.length - 1);
  });

  it('compares versions numerically, pre-releases before their release', () => {
    assert.ok(compareVersions('1.10.0', '1.9.9') > 0);
    assert.ok(compareVersions('2.0.0-beta.1', '2.0.0') < 0);
    assert.equal(compareVersions('1.0.0', '1.0.0'), 0);
  });
});
