import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  generateSecretKey,
  IntegrationAction,
  loadSecrets,
  mask,
  parseSecretKey,
  rotateSecretsKey,
  SecretBox,
  SecretsError,
} from '../../src/auth';
import { openStore, type Store } from '../../src/store';
import { tempDataDir } from '../support/world';

const SID = `AC${'2'.repeat(32)}`;
const TOKEN = 'rotate-me-0123456789abcdef0123456';
const USER_TOKEN = 'user-token-abcdef0123456789abcdef';

async function seal(store: Store, box: SecretBox): Promise<void> {
  const action = new IntegrationAction({ store, secrets: box });
  await action.authorize({ type: 'pre-authorized', accountSid: SID, authToken: TOKEN }, 'test');
  await store.put('credentials', 'msteams/alice', {
    channelId: 'msteams',
    userId: 'alice',
    profile: 'p',
    accountSid: SID,
    authToken: box.seal(USER_TOKEN, 'credentials/msteams/alice#/authToken'),
    createdAt: new Date().toISOString(),
  });
}

async function readBack(store: Store, box: SecretBox): Promise<{ token: string; user: string }> {
  const action = new IntegrationAction({ store, secrets: box });
  const resolved = await action.resolveCredentials({ channelId: 'x', userId: 'y' });
  const doc = await store.get<{ authToken: string }>('credentials', 'msteams/alice');
  const view = await action.status();
  assert.ok(view.authorization?.type === 'pre-authorized' && view.authorization.method === 'auth-token');
  assert.equal(resolved.kind, 'not-configured');
  const record = await store.get<{ authorization: { authToken: string } }>('action', 'twilio-verify');
  assert.ok(record && doc);
  return {
    token: box.open(record.value.authorization.authToken, 'action/twilio-verify#/authorization/authToken'),
    user: box.open(doc.value.authToken, 'credentials/msteams/alice#/authToken'),
  };
}

describe('secrets at rest', () => {
  const box = new SecretBox(generateSecretKey());

  it('opens what it sealed', () => {
    assert.equal(box.open(box.seal('s3cr3t-value', 'ctx'), 'ctx'), 's3cr3t-value');
  });

  it('seals the same plaintext twice into different ciphertexts (a fresh nonce each time)', () => {
    const a = box.seal('same plaintext', 'ctx');
    const b = box.seal('same plaintext', 'ctx');
    assert.notEqual(a, b);
    assert.notEqual(a.split('.')[2], b.split('.')[2]);
    assert.match(a, /^v1\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
  });

  it('refuses a tampered ciphertext, a swapped context and a truncated record', () => {
    const sealed = box.seal('integrity matters', 'credentials/a#/authToken');
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3] ?? '', 'base64url');
    body[0] = (body[0] ?? 0) ^ 1;
    const tampered = [parts[0], parts[1], parts[2], body.toString('base64url')].join('.');
    assert.throws(() => box.open(tampered, 'credentials/a#/authToken'), (e: unknown) => e instanceof SecretsError && e.code === 'tampered');
    assert.throws(() => box.open(sealed, 'credentials/b#/authToken'), (e: unknown) => e instanceof SecretsError && e.code === 'tampered');
    assert.throws(() => box.open(parts.slice(0, 3).join('.'), 'x'), (e: unknown) => e instanceof SecretsError && e.code === 'malformed');
  });

  it('names the key ids when a record was sealed with another key', () => {
    const other = new SecretBox(generateSecretKey());
    assert.throws(() => other.open(box.seal('x', 'c'), 'c'), (e: unknown) => e instanceof SecretsError && e.code === 'wrong_key' && e.message.includes(box.keyId));
  });

  it('masks secrets as … and the last 4 characters', () => {
    assert.equal(mask('abcdefgh1234'), '…1234');
    assert.equal(mask('short'), '…');
  });

  it('accepts only base64 of exactly 32 bytes as SECRETS_KEY', () => {
    assert.throws(() => parseSecretKey(Buffer.alloc(16).toString('base64'), 'SECRETS_KEY'), /exactly 32 bytes \(it holds 16\)/);
    assert.throws(() => parseSecretKey('not base64!', 'SECRETS_KEY'), /not base64/);
    assert.equal(parseSecretKey(Buffer.alloc(32, 7).toString('base64'), 'SECRETS_KEY').key.length, 32);
  });
});

describe('the secrets key at start', () => {
  it('generates a key file with mode 0600 on first start and reuses it', async () => {
    const dataDir = tempDataDir();
    const store = await openStore({ dataDir });
    try {
      const first = await loadSecrets({ env: {}, dataDir, store });
      assert.equal(first.created, true);
      const stat = await fs.stat(path.join(dataDir, 'secrets.key'));
      assert.equal(stat.mode & 0o777, 0o600);
      const second = await loadSecrets({ env: {}, dataDir, store });
      assert.equal(second.created, false);
      assert.equal(second.box.keyId, first.box.keyId);
    } finally {
      await store.close();
    }
  });

  it('stops with a clear error when SECRETS_KEY is not the key the store was sealed with', async () => {
    const dataDir = tempDataDir();
    const store = await openStore({ dataDir });
    try {
      const env = { SECRETS_KEY: Buffer.alloc(32, 1).toString('base64') };
      await loadSecrets({ env, dataDir, store });
      await assert.rejects(
        loadSecrets({ env: { SECRETS_KEY: Buffer.alloc(32, 2).toString('base64') }, dataDir, store }),
        (e: unknown) => e instanceof SecretsError && e.code === 'wrong_key' && /not the key this store's secrets were sealed with/.test(e.message),
      );
    } finally {
      await store.close();
    }
  });

  it('stops with a clear error when the key file is gone but sealed secrets remain', async () => {
    const dataDir = tempDataDir();
    const store = await openStore({ dataDir });
    try {
      await loadSecrets({ env: {}, dataDir, store });
      await fs.rm(path.join(dataDir, 'secrets.key'));
      await assert.rejects(loadSecrets({ env: {}, dataDir, store }), (e: unknown) => e instanceof SecretsError && e.code === 'missing_key');
    } finally {
      await store.close();
    }
  });
});

describe('secrets key rotation', () => {
  it('re-seals every secret with a new key file, and a fresh start reads them', async () => {
    const dataDir = tempDataDir();
    let store = await openStore({ dataDir });
    const loaded = await loadSecrets({ env: {}, dataDir, store });
    await seal(store, loaded.box);
    const result = await rotateSecretsKey({ store, loaded, dataDir });
    assert.notEqual(result.keyId, result.previousKeyId);
    assert.equal(result.resealed, 3);
    await store.close();

    store = await openStore({ dataDir });
    try {
      const reloaded = await loadSecrets({ env: {}, dataDir, store });
      assert.equal(reloaded.box.keyId, result.keyId);
      assert.deepEqual(reloaded.box.keyIds, [result.keyId]);
      assert.deepEqual(await readBack(store, reloaded.box), { token: TOKEN, user: USER_TOKEN });
      assert.equal((await fs.stat(path.join(dataDir, 'secrets.key'))).mode & 0o777, 0o600);
      await assert.rejects(fs.stat(path.join(dataDir, 'secrets.key.next')));
    } finally {
      await store.close();
    }
  });

  it('with SECRETS_KEY, moves to the given key and the old key no longer starts', async () => {
    const dataDir = tempDataDir();
    const oldEnv = { SECRETS_KEY: Buffer.alloc(32, 3).toString('base64') };
    const store = await openStore({ dataDir });
    try {
      const loaded = await loadSecrets({ env: oldEnv, dataDir, store });
      await seal(store, loaded.box);
      const newKey = generateSecretKey();
      await rotateSecretsKey({ store, loaded, dataDir, newKey });
      await assert.rejects(loadSecrets({ env: oldEnv, dataDir, store }), (e: unknown) => e instanceof SecretsError && e.code === 'wrong_key');
      const reloaded = await loadSecrets({ env: { SECRETS_KEY: newKey.key.toString('base64') }, dataDir, store });
      assert.deepEqual(await readBack(store, reloaded.box), { token: TOKEN, user: USER_TOKEN });
    } finally {
      await store.close();
    }
  });

  it('changes nothing when one stored secret does not open', async () => {
    const dataDir = tempDataDir();
    const store = await openStore({ dataDir });
    try {
      const loaded = await loadSecrets({ env: {}, dataDir, store });
      await seal(store, loaded.box);
      const stranger = new SecretBox(generateSecretKey());
      await store.put('credentials', 'msteams/bob', { authToken: stranger.seal('x', 'credentials/msteams/bob#/authToken') });
      const before = await store.list('action');
      await assert.rejects(rotateSecretsKey({ store, loaded, dataDir }), SecretsError);
      assert.deepEqual(await store.list('action'), before);
      const reloaded = await loadSecrets({ env: {}, dataDir, store });
      assert.equal(reloaded.box.keyId, loaded.box.keyId);
    } finally {
      await store.close();
    }
  });
});
