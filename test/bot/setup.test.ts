/**
 * Reloading `dialogs/` with the tasks that run now: a broken file keeps its task's last good version, a removed file
 * removes it, a valid edit replaces it.
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadInstalledDialogs } from '../../src/bot';

const REPO_DIALOGS = path.resolve(__dirname, '..', '..', 'dialogs');

describe('loadInstalledDialogs with the last good tasks', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tva-setup-'));
    for (const file of ['send-sms.json', 'verification-status.json']) await cp(path.join(REPO_DIALOGS, file), path.join(dir, file));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const ids = (tasks: Array<{ id: string }>) => tasks.map((t) => t.id);
  const sendSms = async () => JSON.parse(await readFile(path.join(dir, 'send-sms.json'), 'utf8')) as { name: string; nodes: unknown[] };

  const broken: Array<[string, string, string[]]> = [
    ['a file cut off mid-save (not JSON)', '{"id": "send-sms", "nod', ['']],
    ['an unknown node type', 'unknown-type', ['/nodes/0/type']],
    ['an id that is not the file name', 'wrong-id', ['/id']],
  ];
  for (const [name, kind, pointers] of broken) {
    it(`keeps the last good version over ${name}, naming the file and the pointers`, async () => {
      const first = await loadInstalledDialogs(dir);
      assert.deepEqual(ids(first.tasks), ['send-sms', 'verification-status']);
      const good = first.tasks.find((t) => t.id === 'send-sms');
      let text = kind;
      if (kind === 'unknown-type') {
        const task = await sendSms();
        task.nodes[0] = { ...(task.nodes[0] as object), type: 'teleport' };
        text = JSON.stringify(task);
      } else if (kind === 'wrong-id') {
        text = JSON.stringify({ ...(await sendSms()), id: 'other' });
      }
      await writeFile(path.join(dir, 'send-sms.json'), text);

      const next = await loadInstalledDialogs(dir, first.tasks);
      assert.deepEqual(ids(next.tasks), ['send-sms', 'verification-status'], 'the same order as the files');
      assert.equal(next.tasks.find((t) => t.id === 'send-sms'), good, 'the running version, not a new one');
      assert.equal(next.kept.length, 1);
      assert.equal(next.kept[0]?.file, 'send-sms.json');
      assert.equal(next.kept[0]?.taskId, 'send-sms');
      for (const pointer of pointers) assert.ok(next.kept[0]?.pointers.includes(pointer), JSON.stringify(next.kept[0]?.pointers));
      assert.ok(next.problems.every((p) => p.file === 'send-sms.json'));
    });
  }

  it('does not keep a task it never loaded: a file broken from the start stays out', async () => {
    await writeFile(path.join(dir, 'send-sms.json'), '{');
    const loaded = await loadInstalledDialogs(dir, []);
    assert.deepEqual(ids(loaded.tasks), ['verification-status']);
    assert.deepEqual(loaded.kept, []);
  });

  it('removes the task of a removed file', async () => {
    const first = await loadInstalledDialogs(dir);
    await unlink(path.join(dir, 'send-sms.json'));
    const next = await loadInstalledDialogs(dir, first.tasks);
    assert.deepEqual(ids(next.tasks), ['verification-status']);
    assert.deepEqual(next.kept, []);
  });

  it('lets a valid edit replace the last good version', async () => {
    const first = await loadInstalledDialogs(dir);
    await writeFile(path.join(dir, 'send-sms.json'), '{');
    const kept = await loadInstalledDialogs(dir, first.tasks);
    const original = JSON.parse(await readFile(path.join(REPO_DIALOGS, 'send-sms.json'), 'utf8')) as object;
    await writeFile(path.join(dir, 'send-sms.json'), JSON.stringify({ ...original, name: 'Send SMS (edited)' }));
    const edited = await loadInstalledDialogs(dir, kept.tasks);
    assert.deepEqual(edited.kept, []);
    assert.deepEqual(edited.problems, []);
    assert.equal(edited.tasks.find((t) => t.id === 'send-sms')?.name, 'Send SMS (edited)');
  });
});
