/**
 * Secrets at rest: AES-256-GCM, a fresh 12-byte nonce per record, the key from `SECRETS_KEY` or a generated key file.
 *
 * Record format (all parts base64url): `v1.<keyId>.<nonce>.<ciphertext||tag>`. The key id names the key that sealed
 * the record, so a wrong key is reported as such instead of producing garbage, and a rotation interrupted half-way
 * can still read both generations. Each record is bound to a context string (GCM additional data, e.g.
 * `credentials:<key>`), so a ciphertext copied onto another record does not decrypt.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { BoundedMap } from '../bounded-map';

const VERSION = 'v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Why a secret could not be loaded or opened; `message` says what to do next. */
export type SecretsErrorCode = 'invalid_key' | 'wrong_key' | 'missing_key' | 'tampered' | 'malformed';

/** The one error type of the secrets layer. Its message never contains a secret. */
export class SecretsError extends Error {
  override readonly name = 'SecretsError';
  constructor(
    readonly code: SecretsErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A 32-byte AES key and its public id (a truncated hash, safe to show). */
export interface SecretKey {
  readonly id: string;
  readonly key: Buffer;
}

/** The id of a key: the first 48 bits of a domain-separated SHA-256, base64url. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('tva-secrets-key-id\0').update(key).digest('base64url').slice(0, 8);
}

/** A fresh random key. */
export function generateSecretKey(): SecretKey {
  const key = randomBytes(KEY_BYTES);
  return { id: keyIdOf(key), key };
}

/**
 * Parses a key given as base64 (standard or url-safe alphabet, as `SECRETS_KEY` or the key file holds it).
 * @param origin where the text came from, named in the error (`SECRETS_KEY`, a file path).
 */
export function parseSecretKey(text: string, origin: string): SecretKey {
  const trimmed = text.trim();
  const howTo =
    'Generate one with: node -e "console.log(require(\'crypto\').randomBytes(32).toString(\'base64\'))"';
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) {
    throw new SecretsError('invalid_key', `${origin} is not base64. It must hold exactly 32 random bytes. ${howTo}`);
  }
  const key = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (key.length !== KEY_BYTES) {
    throw new SecretsError(
      'invalid_key',
      `${origin} must be base64 of exactly 32 bytes (it holds ${key.length}). ${howTo}`,
    );
  }
  return { id: keyIdOf(key), key };
}

/** The key id a sealed record names, or undefined when the text is not a sealed record. */
export function sealedKeyId(record: string): string | undefined {
  const parts = record.split('.');
  return parts.length === 4 && parts[0] === VERSION ? parts[1] : undefined;
}

/** Whether a string looks like a record sealed by {@link SecretBox}. */
export function isSealed(value: unknown): value is string {
  return typeof value === 'string' && sealedKeyId(value) !== undefined;
}

/** Opened records a box remembers (the action's token, and users' credentials in use). */
const MAX_OPENED = 256;

/**
 * Seals and opens secrets. The first key seals; every key opens (records name their key by id).
 */
export class SecretBox {
  private readonly keys: readonly SecretKey[];
  /**
   * Records opened lately, by context and record: the same record opens to the same text with the same keys, and
   * every Twilio call opens the action's token (a decryption per call was 0.9 % of a turn's CPU). Kept in this
   * process's memory only, as the Twilio clients keep the credentials they were made with.
   */
  private readonly opened = new BoundedMap<string, string>(MAX_OPENED);

  constructor(current: SecretKey, ...older: SecretKey[]) {
    this.keys = [current, ...older.filter((k) => k.id !== current.id)];
  }

  /** The id of the key that seals new records. */
  get keyId(): string {
    return this.current.id;
  }

  /** Ids of every key this box can open records with. */
  get keyIds(): string[] {
    return this.keys.map((k) => k.id);
  }

  private get current(): SecretKey {
    const [first] = this.keys;
    if (!first) throw new SecretsError('missing_key', 'No secrets key is loaded.');
    return first;
  }

  /**
   * Keys for another purpose (e.g. keyed hashes of one-time codes), derived with HKDF-SHA256 under `label`: one per
   * loaded key, the current key's first. They are never stored; a rotation changes them.
   */
  deriveKeys(label: string): Buffer[] {
    return this.keys.map((k) => Buffer.from(hkdfSync('sha256', k.key, Buffer.alloc(0), `tva ${label}`, KEY_BYTES)));
  }

  /** A box that seals with `key` and still opens everything this one opens. */
  withCurrentKey(key: SecretKey): SecretBox {
    return new SecretBox(key, ...this.keys);
  }

  /** Encrypts `plaintext`, bound to `context`, under a fresh nonce. */
  seal(plaintext: string, context: string): string {
    const { id, key } = this.current;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return [VERSION, id, nonce.toString('base64url'), body.toString('base64url')].join('.');
  }

  /** Decrypts a record sealed for `context`; throws {@link SecretsError} on a wrong key or any tampering. */
  open(record: string, context: string): string {
    const cacheKey = `${context}\n${record}`;
    const known = this.opened.get(cacheKey);
    if (known !== undefined) return known;
    const plaintext = this.decrypt(record, context);
    this.opened.set(cacheKey, plaintext);
    return plaintext;
  }

  private decrypt(record: string, context: string): string {
    const parts = record.split('.');
    const [version, keyId, nonceText, bodyText] = parts;
    if (
      parts.length !== 4 ||
      version !== VERSION ||
      keyId === undefined ||
      nonceText === undefined ||
      bodyText === undefined ||
      !BASE64URL.test(nonceText) ||
      !BASE64URL.test(bodyText)
    ) {
      throw new SecretsError('malformed', `A stored secret (${context}) is not in the ${VERSION} sealed format.`);
    }
    const key = this.keys.find((k) => k.id === keyId);
    if (!key) {
      throw new SecretsError(
        'wrong_key',
        `A stored secret (${context}) was sealed with key ${keyId}, but the loaded key is ${this.keyId}. ` +
          'Start with the original SECRETS_KEY or key file.',
      );
    }
    const nonce = Buffer.from(nonceText, 'base64url');
    const body = Buffer.from(bodyText, 'base64url');
    if (nonce.length !== NONCE_BYTES || body.length < TAG_BYTES) {
      throw new SecretsError('malformed', `A stored secret (${context}) is truncated.`);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.key, nonce, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new SecretsError(
        'tampered',
        `A stored secret (${context}) failed its integrity check: it was altered or belongs to another record.`,
      );
    }
  }
}

/**
 * The context a sealed field is bound to: where it lives in the store. Binding to the location means a generic walk
 * over stored documents can re-seal every secret (key rotation) without knowing each record's shape.
 */
export function sealContext(namespace: string, key: string, pointer: string): string {
  return `${namespace}/${key}#${pointer}`;
}

/** How a secret is shown anywhere: `…` and its last 4 characters (nothing of secrets shorter than 8). */
export function mask(secret: string): string {
  return secret.length >= 8 ? `…${secret.slice(-4)}` : '…';
}
