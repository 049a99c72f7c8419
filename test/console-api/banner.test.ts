/**
 * The zero-config `npm start` prints a one-time console sign-in link in its banner (stdout, never the log), and the
 * link signs the newcomer in once.
 */
import assert from 'node:assert/strict';
import pino from 'pino';
import { start, type Started } from '../../src/main';
import { printBanner } from '../../src/startup';
import { ADMIN_TOKEN } from '../support/http';
import { removeDir, tempDir } from '../support/world';

describe('console API: the banner\'s sign-in link', function () {
  this.timeout(30_000);
  let dataDir: string;
  let dialogsDir: string;
  let running: Started | undefined;

  before(async () => {
    dataDir = await tempDir('data');
    dialogsDir = await tempDir('dialogs');
  });
  after(async () => {
    await running?.close();
    await removeDir(dataDir);
    await removeDir(dialogsDir);
  });

  it('prints "Console: <url>/admin/sign-in/<token>" in dev mode, logs nothing of it, and the link works once', async () => {
    const lines: string[] = [];
    const logLines: string[] = [];
    running = await start({
      env: { DATA_DIR: dataDir, DIALOGS_DIR: dialogsDir, PORT: '0', EMULATOR_PORT: '0', HOST: '127.0.0.1', ADMIN_TOKEN },
      logger: pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) }),
      print: (line) => void lines.push(line),
    });
    const console = lines.find((l) => l.includes('Console:'));
    const link = /Console:\s+(http:\/\/127\.0\.0\.1:\d+\/admin\/sign-in\/([A-Za-z0-9_-]{43}))(?:\s|$)/.exec(console ?? '');
    assert.ok(link?.[1] && link[2], console);
    assert.equal(link[1], running.consoleSignInLink);
    assert.equal((await fetch(link[1], { redirect: 'manual' })).status, 303);
    assert.equal((await fetch(link[1], { redirect: 'manual' })).status, 410);
    const token = link[2];
    assert.deepEqual(logLines.filter((l) => l.includes(token)), []);
  });

  it('points at /admin without a link when the start made none', () => {
    const lines: string[] = [];
    printBanner((line) => void lines.push(line), {
      mode: 'Twilio',
      url: 'http://127.0.0.1:3978',
      botAuth: {},
      admin: { token: 'x'.repeat(16), source: 'env', created: false },
      dialogs: [],
      dialogsDir: 'dialogs',
    });
    assert.ok(lines.includes('  Console:    http://127.0.0.1:3978/admin'), lines.join('\n'));
  });
});
