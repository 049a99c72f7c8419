/**
 * The zero-config start across restarts: it re-points the action at each new emulator, but never overrides what an
 * admin decided (a disabled action stays disabled; credentials an admin set are left alone and no emulator starts).
 */
import assert from 'node:assert/strict';
import type { Started } from '../../src/main';
import { removeDir, startWorld, tempDir, type World } from '../support/world';
import { adminRequest } from '../support/http';

interface ActionBody {
  state: string;
  authorization: { type: string; accountSid?: string } | null;
  config: { verifyServiceSid?: string; sender?: string };
}

describe('end to end: zero-config start across restarts', function () {
  this.timeout(30_000);
  let dataDir: string;
  let dialogsDir: string;
  let running: World | undefined;
  const lines: string[] = [];

  /** start() as a newcomer runs it: no TWILIO_*, so it starts its own emulator (EMULATOR_PORT=0), on the same dirs. */
  const boot = async (): Promise<Started> => {
    running = await startWorld({ twilio: 'none', env: { EMULATOR_PORT: '0' }, dirs: { dataDir, dialogsDir } });
    lines.push(...running.printed);
    return running.started;
  };
  const stop = async () => {
    await running?.close();
    running = undefined;
  };
  const action = async (url: string): Promise<ActionBody> => (await adminRequest(url, 'GET', '/api/admin/action')).body as ActionBody;

  beforeEach(async () => {
    dataDir = await tempDir('data');
    dialogsDir = await tempDir('dialogs');
    lines.length = 0;
  });

  afterEach(async () => {
    await stop();
    await removeDir(dataDir);
    await removeDir(dialogsDir);
  });

  it('configures and enables the action against its embedded emulator, and again against the next one after a restart', async () => {
    const first = await boot();
    const before = await action(first.url);
    assert.equal(before.state, 'configured');
    assert.equal(before.authorization?.accountSid, first.emulator?.accountSid);
    assert.match(before.config.verifyServiceSid ?? '', /^VA[0-9a-f]{32}$/);
    assert.equal(before.config.sender, '+15005550006');
    assert.ok(lines.some((l) => l.includes('using the local Twilio emulator')));
    await stop();

    const second = await boot();
    const after = await action(second.url);
    assert.equal(after.state, 'configured');
    assert.equal(after.authorization?.accountSid, second.emulator?.accountSid);
    assert.notEqual(after.authorization?.accountSid, before.authorization?.accountSid);
  });

  it('keeps an action the admin disabled disabled after a restart', async () => {
    const first = await boot();
    assert.equal((await adminRequest(first.url, 'POST', '/api/admin/action/disable')).status, 200);
    await stop();

    const second = await boot();
    const after = await action(second.url);
    assert.equal(after.state, 'disabled');
    assert.equal(after.authorization?.accountSid, second.emulator?.accountSid);
  });

  it('leaves credentials an admin set alone and starts no emulator', async () => {
    const first = await boot();
    const adminAccount = `AC${'ab'.repeat(16)}`;
    await adminRequest(first.url, 'POST', '/api/admin/action/disable');
    const put = await adminRequest(first.url, 'PUT', '/api/admin/action/authorization', {
      type: 'pre-authorized',
      accountSid: adminAccount,
      authToken: 'cd'.repeat(16),
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    await stop();

    lines.length = 0;
    const second = await boot();
    assert.equal(second.emulator, undefined);
    const after = await action(second.url);
    assert.equal(after.authorization?.accountSid, adminAccount);
    assert.equal(after.state, 'disabled');
    assert.ok(lines.some((l) => l.includes('the configuration stored by an admin')), lines.join('\n'));
  });
});
