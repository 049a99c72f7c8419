/**
 * Audit completeness against the whole product (start() with the emulator): template install, upgrade and
 * uninstall, SMS sends and verification cancels are in the audit log, with the target masked and never a message
 * body or a code.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ALICE_PHONE, latestCode, startWorld, textOf, type World } from '../support/world';

const BODY = 'Dinner at 8, bring the salad.';

describe('audit log completeness', function () {
  this.timeout(30_000);
  let world: World;

  before(async () => {
    world = await startWorld({ dialogs: 'empty' });
  });
  after(async () => world.close());

  async function audit(): Promise<Array<{ actor: string; action: string; target: string | null; outcome: string; details?: unknown }>> {
    return (await world.started.store.listAudit({ limit: 200 })).entries;
  }

  it('audits an SMS send with the target masked and without the body', async () => {
    const chat = world.client('alice');
    await chat.start();
    await chat.say('send an sms');
    await chat.say(ALICE_PHONE);
    assert.match(textOf(await chat.say(BODY)), /on its way/);
    const sends = (await audit()).filter((e) => e.action === 'sms.send');
    assert.equal(sends.length, 1, JSON.stringify(sends));
    const [send] = sends;
    assert.equal(send?.target, `…${ALICE_PHONE.slice(-4)}`);
    assert.equal(send?.actor.endsWith(':alice'), true);
    assert.match(JSON.stringify(send?.details), /"messageSid":"SM[0-9a-f]{32}"/);
  });

  it('audits a verification cancel, and no entry holds the code', async () => {
    const installed = await world.admin('POST', '/api/admin/templates/cancel-verification/install');
    assert.ok(installed.status < 300, JSON.stringify(installed.body));
    const chat = world.client('bob');
    await chat.start();
    await chat.say('send me a code');
    assert.match(textOf(await chat.say(ALICE_PHONE)), /I texted a verification code/);
    const code = latestCode(world.emulator, ALICE_PHONE);
    const canceled = textOf(await chat.say('cancel my verification'));
    assert.match(canceled, /cancel/i);
    const entries = await audit();
    const cancels = entries.filter((e) => e.action === 'verification.update' && e.outcome === 'canceled');
    assert.equal(cancels.length, 1, `${canceled}\n${JSON.stringify(entries.map((e) => e.action))}`);
    assert.equal(cancels[0]?.target, `…${ALICE_PHONE.slice(-4)}`);
    const text = JSON.stringify(entries);
    assert.ok(!text.includes(code), 'no code in the audit log');
    assert.ok(!text.includes(BODY), 'no message body in the audit log');
    assert.ok(!text.includes(ALICE_PHONE), 'no full phone number in the audit log');
  });

  it('audits template install (at start and by an admin), upgrade and uninstall', async () => {
    const atStart = (await audit()).filter((e) => e.action === 'template.install');
    assert.ok(atStart.length > 0, 'the required templates installed at start are audited');

    const id = 'verification-status';
    const install = await world.admin('POST', `/api/admin/templates/${id}/install`);
    assert.equal(install.status < 300, true, JSON.stringify(install.body));
    const file = path.join(world.dialogsDir, `${id}.json`);
    await writeFile(file, (await readFile(file, 'utf8')).replace('"help": "', '"help": "Edited. '));
    const upgrade = await world.admin('POST', `/api/admin/templates/${id}/upgrade`, { force: true });
    assert.equal(upgrade.status, 200, JSON.stringify(upgrade.body));
    const uninstall = await world.admin('DELETE', `/api/admin/templates/${id}`);
    assert.equal(uninstall.status, 200, JSON.stringify(uninstall.body));

    const entries = (await audit()).filter((e) => e.target === `templates/${id}`);
    assert.deepEqual(entries.map((e) => e.action).sort(), ['template.install', 'template.uninstall', 'template.upgrade']);
    for (const e of entries) assert.match(JSON.stringify(e.details), /"file":"verification-status\.json"/);
  });
});
