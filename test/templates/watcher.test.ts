/** DialogWatcher: reports changes to `*.json` files in `dialogs/` once the directory is quiet. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DialogWatcher } from '../../src/templates';

describe('DialogWatcher', () => {
  let dir: string;
  let watcher: DialogWatcher | undefined;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tva-watch-'));
  });

  afterEach(() => {
    watcher?.close();
    watcher = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports a burst of writes to a dialog file after the quiet period, and can be closed', async () => {
    let reports = 0;
    const reported = new Promise<void>((resolve) => {
      watcher = new DialogWatcher(dir, {
        quietMs: 20,
        onChange: () => {
          reports += 1;
          resolve();
        },
      });
    });
    writeFileSync(path.join(dir, 'notes.txt'), 'ignored');
    writeFileSync(path.join(dir, 'send-sms.json'), '{}');
    writeFileSync(path.join(dir, 'send-sms.json'), '{"id":"send-sms"}');
    await reported;
    assert.equal(reports, 1);
    watcher?.close();
    watcher = undefined;
  });
});
