import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { resolveAdminToken, tokensEqual } from '../../src/server';
import { tempDataDir } from '../support/world';

describe('the admin token', () => {
  it('is generated once into DATA_DIR/admin-token with mode 0600 and then reused', async () => {
    const dataDir = tempDataDir();
    const first = await resolveAdminToken({ env: {}, dataDir });
    assert.equal(first.created, true);
    assert.equal(first.file, path.join(dataDir, 'admin-token'));
    assert.equal((await fs.stat(path.join(dataDir, 'admin-token'))).mode & 0o777, 0o600);
    assert.ok(first.token.length >= 40);
    const second = await resolveAdminToken({ env: {}, dataDir });
    assert.deepEqual([second.token, second.created], [first.token, false]);
  });

  it('comes from ADMIN_TOKEN when set, which must be at least 16 characters', async () => {
    const dataDir = tempDataDir();
    const fromEnv = await resolveAdminToken({ env: { ADMIN_TOKEN: 'an-admin-token-from-env' }, dataDir });
    assert.deepEqual(fromEnv, { token: 'an-admin-token-from-env', source: 'env', created: false });
    await assert.rejects(resolveAdminToken({ env: { ADMIN_TOKEN: 'short' }, dataDir }), /at least 16 characters/);
    await assert.rejects(fs.stat(path.join(dataDir, 'admin-token')));
  });

  it('is compared in constant time over digests, whatever the lengths', () => {
    assert.equal(tokensEqual('a'.repeat(40), 'a'.repeat(40)), true);
    assert.equal(tokensEqual('a', 'a'.repeat(40)), false);
  });
});
