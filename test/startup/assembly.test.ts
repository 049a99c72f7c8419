/** assemble(): the store, the secrets key and the action, as npm start, the CLI and the library build them. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { assemble } from '../../src/assembly';
import { openStore } from '../../src/store';

describe('assemble', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'tva-assemble-'));
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('opens the store in DATA_DIR, generates the secrets key there, and closes the store it opened', async () => {
    const core = await assemble({ dataDir, secretsEnv: {} });
    assert.equal(core.store.kind, 'sqlite');
    assert.equal(core.secrets.created, true);
    assert.ok(core.secrets.keyFile !== undefined && existsSync(core.secrets.keyFile));
    assert.equal((await core.action.status()).state, 'available');
    await core.close();
    await assert.rejects(core.store.get('meta', 'x'));
  });

  it('leaves a store the caller opened open', async () => {
    const store = await openStore({ dataDir });
    try {
      const core = await assemble({ dataDir, store, secretsEnv: {} });
      await core.close();
      assert.equal(await store.get('meta', 'x'), undefined);
    } finally {
      await store.close();
    }
  });

  it('refuses a malformed SECRETS_KEY with its name', async () => {
    await assert.rejects(assemble({ dataDir, secretsEnv: { SECRETS_KEY: 'not-base64-of-32-bytes' } }), /SECRETS_KEY/);
  });
});
