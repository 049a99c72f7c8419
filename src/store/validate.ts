import { StoreValidationError } from './errors';
import type { AuditInput } from './types';

const NAMESPACE = /^[a-z][a-z0-9_-]{0,62}$/;
const MAX_KEY_LENGTH = 1024;
// In a /u regex a surrogate pair is one code point, so \p{Cs} matches lone surrogates only: those cannot be
// stored as UTF-8 (PostgreSQL would get U+FFFD), so the key read back would differ from the key written.
const LONE_SURROGATE = /\p{Cs}/u;

export const AUDIT_LIMIT_DEFAULT = 50;
export const AUDIT_LIMIT_MAX = 200;
const AUDIT_FIELD_MAX = { actor: 200, action: 100, target: 500, outcome: 50 } as const;

export function checkNamespace(namespace: unknown): string {
  if (typeof namespace !== 'string' || !NAMESPACE.test(namespace)) {
    throw new StoreValidationError(
      `Invalid store namespace ${JSON.stringify(namespace)}: use 1-63 lowercase letters, digits, "_" or "-", starting with a letter (e.g. "profiles").`,
    );
  }
  return namespace;
}

function checkText(what: string, text: unknown, min: number, max: number): string {
  if (typeof text !== 'string' || text.length < min || text.length > max) {
    throw new StoreValidationError(`Invalid ${what}: expected a string of ${min}-${max} characters.`);
  }
  if (text.includes('\u0000') || LONE_SURROGATE.test(text)) {
    throw new StoreValidationError(`Invalid ${what}: it contains a NUL character or a lone UTF-16 surrogate.`);
  }
  return text;
}

export function checkKey(key: unknown): string {
  return checkText('store key', key, 1, MAX_KEY_LENGTH);
}

export function checkPrefix(prefix: unknown): string {
  return prefix === undefined ? '' : checkText('key prefix', prefix, 0, MAX_KEY_LENGTH);
}

/** An etag option: undefined or '*' means "overwrite whatever is there". */
export function checkEtag(etag: unknown): string | undefined {
  if (etag === undefined || etag === '*') return undefined;
  if (typeof etag !== 'string' || etag.length === 0 || etag.length > 200) {
    throw new StoreValidationError('Invalid etag: pass the etag of a document you read, "*" or nothing.');
  }
  return etag;
}

/** Serializes a value, refusing what JSON cannot represent (undefined, functions, BigInt, cycles). */
export function toJson(value: unknown, what = 'store value'): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw new StoreValidationError(`Invalid ${what}: it cannot be serialized as JSON (${(error as Error).message}).`);
  }
  if (json === undefined) {
    throw new StoreValidationError(`Invalid ${what}: ${typeof value} is not a JSON value.`);
  }
  return json;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface AuditRecord {
  actor: string;
  action: string;
  target: string | null;
  outcome: string;
  details: string | null;
}

export function checkAudit(entry: AuditInput): AuditRecord {
  if (!isPlainObject(entry)) throw new StoreValidationError('Invalid audit entry: expected an object.');
  const target = entry.target === undefined ? null : checkText('audit target', entry.target, 1, AUDIT_FIELD_MAX.target);
  if (entry.details !== undefined && !isPlainObject(entry.details)) {
    throw new StoreValidationError('Invalid audit details: expected a JSON object.');
  }
  return {
    actor: checkText('audit actor', entry.actor, 1, AUDIT_FIELD_MAX.actor),
    action: checkText('audit action', entry.action, 1, AUDIT_FIELD_MAX.action),
    target,
    outcome: checkText('audit outcome', entry.outcome, 1, AUDIT_FIELD_MAX.outcome),
    details: entry.details === undefined ? null : toJson(entry.details, 'audit details'),
  };
}

export function checkAuditLimit(limit: unknown): number {
  if (limit === undefined) return AUDIT_LIMIT_DEFAULT;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > AUDIT_LIMIT_MAX) {
    throw new StoreValidationError(`Invalid audit limit ${String(limit)}: use an integer from 1 to ${AUDIT_LIMIT_MAX}.`);
  }
  return limit;
}

const CURSOR = /^v1:([1-9][0-9]{0,17})$/;

/** The cursor is opaque to callers: it names the last id they saw. */
export function encodeAuditCursor(lastId: string): string {
  return Buffer.from(`v1:${lastId}`, 'utf8').toString('base64url');
}

export function decodeAuditCursor(cursor: unknown): string | undefined {
  if (cursor === undefined) return undefined;
  const match = typeof cursor === 'string' ? CURSOR.exec(Buffer.from(cursor, 'base64url').toString('utf8')) : null;
  if (!match?.[1]) {
    throw new StoreValidationError('Invalid audit cursor: pass the nextCursor of a previous page, or none for the newest entries.');
  }
  return match[1];
}
