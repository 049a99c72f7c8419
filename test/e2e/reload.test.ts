/**
 * Installing or uninstalling a template reaches a running bot without a restart: through the admin API (the
 * installer's change event) and from another process such as `tva templates install` (the dialogs directory is
 * watched).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { DialogInstaller } from '../../src/templates';
import { buttonsOf, startWorld, textOf, type World } from '../support/world';

/** Resolves when the server logs that it reloaded its dialogs (no timers: it waits on the log stream). */
function nextReload(world: World): Promise<void> {
  const seen = world.logLines.length;
  return new Promise((resolve) => {
    const check = () => {
      if (world.logLines.slice(seen).some((line) => line.includes('"dialogs reloaded"'))) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(check, 20);
  });
}

describe('end to end: dialogs installed while the bot runs', function () {
  this.timeout(30_000);
  let world: World | undefined;

  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('offers a template installed through the admin API on the next turn', async () => {
    world = await startWorld({ dialogs: 'empty' });
    const reloaded = nextReload(world);
    const installed = await world.admin('POST', '/api/admin/templates/verify-phone-number/install');
    assert.equal(installed.status, 201, JSON.stringify(installed.body));
    await reloaded;
    const greeting = await world.client('alice').start();
    assert.ok(buttonsOf(greeting).includes('Verify Phone Number'), textOf(greeting));
  });

  it('picks up a dialog written by another process (tva templates) without a restart', async () => {
    world = await startWorld({ dialogs: 'empty' });
    const reloaded = nextReload(world);
    // A second installer over the same directory stands for `tva templates install` in another process.
    const other = new DialogInstaller({ dialogsDir: world.dialogsDir });
    const changed = once(other, 'change');
    await other.install('verification-status');
    await changed;
    await reloaded;
    const greeting = await world.client('bob').start();
    assert.ok(buttonsOf(greeting).includes('Verification Status'), textOf(greeting));
  });
});
