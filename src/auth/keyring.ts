/**
 * Where the secrets key comes from, and the check that it is the right one.
 *
 * Sources, in order: `SECRETS_KEY` (base64 of 32 bytes; `SECRETS_KEY_PREVIOUS` may hold the key before a rotation),
 * else `DATA_DIR/secrets.key` (generated on first start, mode 0600). A key-check record (namespace `meta`) sealed
 * with the key proves at start that the key opens this store's secrets; a wrong key stops the start with a clear
 * message rather than yielding garbage credentials later.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { Store } from '../store';
import {
  generateSecretKey,
  parseSecretKey,
  SecretBox,
  SecretsError,
  sealContext,
  sealedKeyId,
  type SecretKey,
} from './secrets';

/** Store namespace of the key-check record (and other bookkeeping). */
export const META_NAMESPACE = 'meta';
const KEY_CHECK_KEY = 'secrets-key-check';
const KEY_CHECK_CONTEXT = sealContext(META_NAMESPACE, KEY_CHECK_KEY, '/sealed');
const KEY_CHECK_TEXT = 'twilio-verify-action key check';

/** File names inside the data directory. */
export const SECRETS_KEY_FILE = 'secrets.key';
/** The key a rotation is moving to; present only while a rotation has not finished. */
export const NEXT_SECRETS_KEY_FILE = 'secrets.key.next';

/** Environment read by {@link loadSecrets}. */
export interface SecretsEnv {
  SECRETS_KEY?: string;
  SECRETS_KEY_PREVIOUS?: string;
}

/** What {@link loadSecrets} found. */
export interface LoadedSecrets {
  box: SecretBox;
  source: 'env' | 'file';
  /** The key file (source `file`). */
  keyFile?: string;
  /** True when this start generated the key file. */
  created: boolean;
  /** A key a previous rotation was moving to (source `file`), to be finished by `tva secrets rotate`. */
  pendingKey?: SecretKey;
  /** Things an operator should know (e.g. a key file readable by others). */
  warnings: string[];
}

/** Loads the key, creating the key file on first start, and checks it against the store's key-check record. */
export async function loadSecrets(options: { env: SecretsEnv; dataDir: string; store: Store }): Promise<LoadedSecrets> {
  const { env, dataDir, store } = options;
  const warnings: string[] = [];
  let loaded: LoadedSecrets;
  if (env.SECRETS_KEY !== undefined && env.SECRETS_KEY !== '') {
    const current = parseSecretKey(env.SECRETS_KEY, 'SECRETS_KEY');
    const older =
      env.SECRETS_KEY_PREVIOUS !== undefined && env.SECRETS_KEY_PREVIOUS !== ''
        ? [parseSecretKey(env.SECRETS_KEY_PREVIOUS, 'SECRETS_KEY_PREVIOUS')]
        : [];
    loaded = { box: new SecretBox(current, ...older), source: 'env', created: false, warnings };
  } else {
    const keyFile = path.join(dataDir, SECRETS_KEY_FILE);
    let current = await readKeyFile(keyFile, warnings);
    let created = false;
    if (!current) {
      const check = await store.get<KeyCheck>(META_NAMESPACE, KEY_CHECK_KEY);
      if (check) {
        throw new SecretsError(
          'missing_key',
          `This store holds secrets sealed with key ${describeCheck(check.value)}, but neither SECRETS_KEY nor ` +
            `${keyFile} is present. Restore the key file or set SECRETS_KEY to the original key.`,
        );
      }
      current = await createKeyFile(keyFile);
      created = true;
    }
    const pendingKey = await readKeyFile(path.join(dataDir, NEXT_SECRETS_KEY_FILE), warnings);
    const box = pendingKey ? new SecretBox(current, pendingKey) : new SecretBox(current);
    loaded = { box, source: 'file', keyFile, created, warnings, ...(pendingKey ? { pendingKey } : {}) };
  }
  await verifyKeyCheck(store, loaded);
  return loaded;
}

interface KeyCheck {
  sealed: string;
}

function isKeyCheck(value: unknown): value is KeyCheck {
  return typeof value === 'object' && value !== null && typeof (value as { sealed?: unknown }).sealed === 'string';
}

function describeCheck(value: unknown): string {
  return isKeyCheck(value) ? (sealedKeyId(value.sealed) ?? 'unknown') : 'unknown';
}

async function verifyKeyCheck(store: Store, loaded: LoadedSecrets): Promise<void> {
  const where = loaded.source === 'env' ? 'SECRETS_KEY' : (loaded.keyFile ?? SECRETS_KEY_FILE);
  const check = await store.get<unknown>(META_NAMESPACE, KEY_CHECK_KEY);
  if (!check) {
    await writeKeyCheck(store, loaded.box);
    return;
  }
  const stored = describeCheck(check.value);
  const wrongKey = new SecretsError(
    'wrong_key',
    `The secrets key in ${where} (id ${loaded.box.keyId}) is not the key this store's secrets were sealed with ` +
      `(id ${stored}). Start with the original key; secrets sealed with a lost key cannot be recovered.`,
  );
  if (!isKeyCheck(check.value)) throw wrongKey;
  try {
    if (loaded.box.open(check.value.sealed, KEY_CHECK_CONTEXT) !== KEY_CHECK_TEXT) throw wrongKey;
  } catch (err) {
    if (err instanceof SecretsError) throw wrongKey;
    throw err;
  }
}

/** Seals the key-check record with the box's current key. */
export async function writeKeyCheck(store: Store, box: SecretBox): Promise<void> {
  await store.put(META_NAMESPACE, KEY_CHECK_KEY, { sealed: box.seal(KEY_CHECK_TEXT, KEY_CHECK_CONTEXT) });
}

async function readKeyFile(file: string, warnings: string[]): Promise<SecretKey | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const stat = await fs.stat(file);
  if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
    warnings.push(`${file} is readable by other users; run: chmod 600 ${file}`);
  }
  return parseSecretKey(text, file);
}

/**
 * Creates the key file atomically and exclusively: written to a temporary file with mode 0600, then hard-linked into
 * place (link fails if another instance won the race, in which case its key is used).
 */
async function createKeyFile(file: string): Promise<SecretKey> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const key = generateSecretKey();
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await fs.writeFile(tmp, `${key.key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await fs.link(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const existing = await readKeyFile(file, []);
    if (existing) return existing;
    throw err;
  } finally {
    await fs.rm(tmp, { force: true });
  }
  return key;
}

/** Writes (replaces) a key file atomically with mode 0600. */
export async function writeKeyFile(file: string, key: SecretKey): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, `${key.key.toString('base64')}\n`, { mode: 0o600 });
}
