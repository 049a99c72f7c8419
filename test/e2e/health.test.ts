/** `GET /healthz` on the real server: the store and Twilio (here the emulator) both answer, or it says which does not. */
import assert from 'node:assert/strict';
import { openStore } from '../../src/store';
import { SqliteHarness } from '../store/harness';
import { startWorld, type World } from '../support/world';

interface Health {
  ok: boolean;
  checks: Record<string, { ok: boolean; message?: string }>;
}

async function healthz(url: string): Promise<{ status: number; body: Health }> {
  const res = await fetch(`${url}/healthz`);
  return { status: res.status, body: (await res.json()) as Health };
}

describe('end to end: /healthz', function () {
  this.timeout(30_000);
  let world: World | undefined;

  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('reports the store and Twilio ok (200), then 503 naming Twilio once the emulator is gone', async () => {
    world = await startWorld({ env: { HEALTHZ_CACHE_SECONDS: '0' } });
    const up = await healthz(world.url);
    assert.equal(up.status, 200);
    assert.deepEqual(up.body, { ok: true, checks: { store: { ok: true }, twilio: { ok: true } } });

    await world.emulator.close();
    const down = await healthz(world.url);
    assert.equal(down.status, 503);
    assert.equal(down.body.ok, false);
    assert.deepEqual(down.body.checks.store, { ok: true });
    assert.equal(down.body.checks.twilio?.ok, false);
    assert.ok((down.body.checks.twilio?.message ?? '').length > 0, 'the failing check says why');
    assert.doesNotMatch(JSON.stringify(down.body), new RegExp(world.emulator.authToken));
  });

  it('reuses a Twilio verdict for HEALTHZ_CACHE_SECONDS, so frequent probes do not call Twilio each time', async () => {
    world = await startWorld({ env: { HEALTHZ_CACHE_SECONDS: '600' } });
    assert.equal((await healthz(world.url)).status, 200);
    await world.emulator.close();
    const cached = await healthz(world.url);
    assert.equal(cached.status, 200, 'the verdict of the first probe is reused');
    assert.deepEqual(cached.body.checks.twilio, { ok: true });
  });

  it('fails with 503 and names corruption when a page of the audit table is damaged', async () => {
    const data = new SqliteHarness();
    await data.setUp();
    try {
      const store = await openStore(data.options());
      for (let i = 0; i < 300; i += 1) await store.appendAudit({ actor: 'test', action: `filler${i}`, outcome: 'ok', details: { pad: 'x'.repeat(200) } });
      await store.close();
      await data.damageAuditTable();
      const dataDir = data.options().dataDir ?? '';
      world = await startWorld({ env: { HEALTHZ_CACHE_SECONDS: '0', DATA_DIR: dataDir } });
      const damaged = await healthz(world.url);
      assert.equal(damaged.status, 503);
      assert.equal(damaged.body.ok, false);
      assert.equal(damaged.body.checks.store?.ok, false);
      assert.match(damaged.body.checks.store?.message ?? '', /store\.sqlite is corrupted \(.+\): restore it from a backup or move it away to start afresh/);
      assert.deepEqual(damaged.body.checks.twilio, { ok: true }, 'Twilio is fine: only the store is named');
    } finally {
      await world?.close();
      world = undefined;
      await data.tearDown();
    }
  });

  it('says in a sentence why Twilio is not checked when an admin disabled the action', async () => {
    world = await startWorld({ env: { HEALTHZ_CACHE_SECONDS: '0' } });
    assert.equal((await world.admin('POST', '/api/admin/action/disable')).status, 200);
    const disabled = await healthz(world.url);
    assert.equal(disabled.status, 503);
    assert.deepEqual(disabled.body.checks.twilio, {
      ok: false,
      message: 'The action is disabled (tva action enable or POST /api/admin/action/enable turns it back on).',
    });
  });
});
