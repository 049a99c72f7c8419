/**
 * `npm run own-bot` (the README names it) starts examples/own-bot.ts with no deprecation warnings and, on an empty
 * store, tells the developer how to configure the action.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { configurationHint } from '../../examples/own-bot';

const ROOT = path.join(__dirname, '../..');

describe('npm run own-bot', function () {
  this.timeout(60_000);
  const work = mkdtempSync(path.join(tmpdir(), 'tva-own-bot-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  it('starts quietly and says how to configure an action that is not configured', async () => {
    const child = spawn('npm', ['run', '-s', 'own-bot'], {
      cwd: ROOT,
      env: { ...process.env, PORT: '0', DATA_DIR: path.join(work, 'data'), DIALOGS_DIR: path.join(work, 'dialogs') },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (/Own bot listening on http:\/\/127\.0\.0\.1:\d+\/api\/messages/.test(stdout)) resolve();
        });
        child.once('exit', (code) => reject(new Error(`own-bot exited with ${code}: ${stdout}${stderr}`)));
      });
    } finally {
      // npm, its shell and tsx's node share the child's process group: stop them together.
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
      await exited;
    }
    assert.doesNotMatch(stderr, /DeprecationWarning|DEP0\d+/);
    assert.match(stderr, /not configured yet/);
    assert.match(stderr, /npx tva emulator --configure-action/);
    assert.doesNotMatch(`${stdout}${stderr}`, /isn't set up yet/);
  });

  it('has a hint for each state that cannot serve users, none for a configured action', () => {
    for (const state of ['available', 'disabled', 'error']) assert.match(configurationHint(state) ?? '', /npx tva /);
    assert.equal(configurationHint('configured'), undefined);
  });
});
