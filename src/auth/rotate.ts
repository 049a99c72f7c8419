/**
 * Secrets key rotation (`tva secrets rotate`): every sealed field in the store is re-sealed with a new key.
 *
 * All or nothing: every record is opened and re-sealed in memory before anything is written (a record that does
 * not open aborts the rotation untouched); writes use etags, and a failed write restores the records already
 * rewritten. With a key file, the new key is first written to `secrets.key.next`, so a crash mid-way leaves both
 * keys on disk (a start loads both; rotating again resumes with the same new key); it replaces `secrets.key` last.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Store } from '../store';
import { NEXT_SECRETS_KEY_FILE, SECRETS_KEY_FILE, writeKeyFile, type LoadedSecrets } from './keyring';
import { SEALED_NAMESPACES } from './records';
import { generateSecretKey, isSealed, sealContext, type SecretBox, type SecretKey } from './secrets';

/** What a rotation did. */
export interface RotationResult {
  previousKeyId: string;
  keyId: string;
  /** Sealed fields re-sealed. */
  resealed: number;
  /** The key file that now holds the new key (key-file mode). */
  keyFile?: string;
}

function escapePointer(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Re-seals every sealed string in `value`; `count.n` counts them. */
function reseal(value: unknown, pointer: string, ctx: (pointer: string) => string, box: SecretBox, count: { n: number }): unknown {
  if (isSealed(value)) {
    count.n++;
    return box.seal(box.open(value, ctx(pointer)), ctx(pointer));
  }
  if (Array.isArray(value)) return value.map((v, i) => reseal(v, `${pointer}/${i}`, ctx, box, count));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, reseal(v, `${pointer}/${escapePointer(k)}`, ctx, box, count)]),
    );
  }
  return value;
}

interface Rewrite {
  namespace: string;
  key: string;
  etag: string;
  before: unknown;
  after: unknown;
}

/**
 * Rotates the key. `newKey`: the key to move to (e.g. read from stdin); in key-file mode it defaults to a pending key
 * from an interrupted rotation, else a fresh one. With SECRETS_KEY it is required: the operator must hold the new key
 * before any record depends on it.
 */
export async function rotateSecretsKey(options: {
  store: Store;
  loaded: LoadedSecrets;
  dataDir: string;
  newKey?: SecretKey;
}): Promise<RotationResult> {
  const { store, loaded, dataDir } = options;
  if (loaded.source === 'env' && !options.newKey) {
    throw new Error('With SECRETS_KEY the new key must be given (tva secrets rotate prints or reads it first).');
  }
  const newKey = options.newKey ?? loaded.pendingKey ?? generateSecretKey();
  const previousKeyId = loaded.box.keyId;
  const box = loaded.box.withCurrentKey(newKey);

  const rewrites: Rewrite[] = [];
  const count = { n: 0 };
  for (const namespace of SEALED_NAMESPACES) {
    for (const doc of await store.list<unknown>(namespace)) {
      const before = count.n;
      const after = reseal(doc.value, '', (pointer) => sealContext(namespace, doc.key, pointer), box, count);
      if (count.n > before) rewrites.push({ namespace, key: doc.key, etag: doc.etag, before: doc.value, after });
    }
  }

  const nextFile = path.join(dataDir, NEXT_SECRETS_KEY_FILE);
  if (loaded.source === 'file') await writeKeyFile(nextFile, newKey);

  const written: Rewrite[] = [];
  try {
    for (const r of rewrites) {
      await store.put(r.namespace, r.key, r.after, { etag: r.etag });
      written.push(r);
    }
  } catch (err) {
    for (const r of written.reverse()) await store.put(r.namespace, r.key, r.before);
    if (loaded.source === 'file' && !loaded.pendingKey) await fs.rm(nextFile, { force: true });
    throw new Error(
      `The key rotation was rolled back, nothing changed: ${(err as Error).message}. Stop other writers and run it again.`,
    );
  }

  const result: RotationResult = { previousKeyId, keyId: newKey.id, resealed: count.n };
  if (loaded.source === 'file') {
    const keyFile = loaded.keyFile ?? path.join(dataDir, SECRETS_KEY_FILE);
    await writeKeyFile(keyFile, newKey);
    await fs.rm(nextFile, { force: true });
    result.keyFile = keyFile;
  }
  await store.appendAudit({
    actor: 'cli',
    action: 'secrets.rotate',
    outcome: 'ok',
    details: { previousKeyId, keyId: newKey.id, resealed: count.n },
  });
  return result;
}
