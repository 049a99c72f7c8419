/** One server per SQLite store: a second `npm start` on the same DATA_DIR stops before it changes anything. */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { assemble } from '../../src/assembly';
import { start } from '../../src/main';
import { lockTurns, StoreOpenError } from '../../src/store';
import { ADMIN_TOKEN } from '../support/http';

describe('start on a SQLite store another server serves', function () {
  this.timeout(30_000);
  let dataDir: string;
  let dialogsDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'tva-turn-lock-'));
    dialogsDir = mkdtempSync(path.join(tmpdir(), 'tva-turn-lock-dialogs-'));
  });
  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(dialogsDir, { recursive: true, force: true });
  });

  it('stops saying so, before it points the stored action at an emulator of its own or installs a dialog', async () => {
    const held = lockTurns(path.join(dataDir, 'store.sqlite'));
    const printed: string[] = [];
    try {
      await assert.rejects(
        start({
          env: { DATA_DIR: dataDir, DIALOGS_DIR: dialogsDir, PORT: '0', EMULATOR_PORT: '0', HOST: '127.0.0.1', ADMIN_TOKEN },
          logger: pino({ level: 'silent' }),
          print: (line) => void printed.push(line),
          turnLockWaitMs: 0,
        }),
        (err: unknown) => err instanceof StoreOpenError && err.message.startsWith('Another process serves bot turns from'),
      );
    } finally {
      held.close();
    }
    assert.deepEqual(printed, []);
    assert.deepEqual(readdirSync(dialogsDir), [], 'no dialog installed');
    const core = await assemble({ dataDir, secretsEnv: {} });
    try {
      assert.equal((await core.action.status()).state, 'available', 'the stored action was left as it was');
    } finally {
      await core.close();
    }
  });
});
