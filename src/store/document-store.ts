import { randomBytes } from 'node:crypto';
import type { Storage, StoreItems } from 'botbuilder';
import { StoreConflictError, StoreStoppedError, StoreValidationError } from './errors';
import type {
  AuditEntry,
  AuditInput,
  AuditPage,
  AuditQuery,
  DeleteOptions,
  ListOptions,
  PutItem,
  PutManyOptions,
  PutOptions,
  Store,
  StoreCheck,
  StoreKind,
  StoredDocument,
} from './types';
import {
  checkAudit,
  checkAuditLimit,
  checkEtag,
  checkKey,
  checkNamespace,
  checkPrefix,
  decodeAuditCursor,
  encodeAuditCursor,
  isPlainObject,
  toJson,
  type AuditRecord,
} from './validate';

/** A document row as the backends read it: the value is still JSON text. */
export interface DocumentRow {
  key: string;
  value: string;
  etag: string;
}

/**
 * One write of a batch. `expected` undefined overwrites; otherwise the stored etag must equal it. When the
 * document is missing, `createIfMissing` decides between creating it (botbuilder's rule) and a conflict.
 */
export interface DocumentWrite {
  key: string;
  json: string;
  etag: string;
  expected?: string;
  createIfMissing: boolean;
  /** Create only: a live document with this key is a conflict (an expired one is replaced). */
  ifAbsent?: boolean;
  /** When the document expires; null: never. */
  expiresAt: Date | null;
  /** See PutOptions.ephemeral. */
  ephemeral?: boolean;
}

export type DeleteOutcome = 'deleted' | 'missing' | 'conflict';

export interface AuditRow extends AuditRecord {
  id: string;
  at: Date;
}

export const BOT_STATE_NAMESPACE = 'botstate';

/** Every table of the store's schema, read by {@link Store.check}. */
export const STORE_TABLES = ['schema_migrations', 'documents', 'audit_log'] as const;

/** 96 random bits per process: no two processes (instances, restarts) hand out the same etags. */
const ETAG_PREFIX = randomBytes(12).toString('base64url');
let etagSequence = 0;

/**
 * A fresh etag, never handed out before: a recreated document never reuses the etag a stale reader holds. The
 * process's random prefix and a counter: a random draw per write was 2 % of a turn's CPU.
 */
export function newEtag(): string {
  etagSequence += 1;
  return `${ETAG_PREFIX}${etagSequence.toString(36)}`;
}

/**
 * The Store contract written once: validation, serialization, etags, botbuilder's rules and audit paging. The
 * backends only run SQL, each statement (or batch) atomically.
 */
export abstract class DocumentStore implements Store {
  abstract readonly kind: StoreKind;
  abstract readonly groupCommit: boolean;
  private closed = false;
  /** Why the store stopped (failStop): every call after it fails with this, and the check reports it. */
  private stoppedBy: Error | undefined;

  protected constructor(protected readonly now: () => Date) {}

  /** Live documents only (not past their expiry), here and in every read below. */
  protected abstract fetchDocuments(namespace: string, keys: string[]): Promise<DocumentRow[]>;
  /**
   * Applies every write, and inserts every audit record (stamped `auditAt`), or none; throws StoreConflictError
   * (with `conflictMessage` when given) otherwise.
   */
  protected abstract writeDocuments(
    namespace: string,
    writes: DocumentWrite[],
    conflictMessage?: (key: string) => string,
    audit?: { records: AuditRecord[]; at: Date },
  ): Promise<void>;
  protected abstract deleteDocument(namespace: string, key: string, expected?: string): Promise<DeleteOutcome>;
  protected abstract deleteDocuments(namespace: string, keys: string[]): Promise<void>;
  protected abstract listDocuments(namespace: string, prefix: string): Promise<DocumentRow[]>;
  protected abstract takeDocument(namespace: string, key: string): Promise<string | undefined>;
  protected abstract deleteNamespaceDocuments(namespace: string): Promise<number>;
  protected abstract deleteExpiredDocuments(): Promise<number>;
  protected abstract insertAudit(record: AuditRecord, at: Date): Promise<string>;
  /** Up to `limit` entries with an id below `beforeId` (all when undefined), newest first. */
  protected abstract selectAudit(beforeId: string | undefined, limit: number): Promise<AuditRow[]>;
  protected abstract closeBackend(): Promise<void>;
  /** The backend's own consistency check and a read of each of {@link STORE_TABLES}; never throws. */
  protected abstract checkBackend(): Promise<StoreCheck>;

  async get<T = unknown>(namespace: string, key: string): Promise<StoredDocument<T> | undefined> {
    this.assertOpen();
    const [row] = await this.fetchDocuments(checkNamespace(namespace), [checkKey(key)]);
    return row ? toDocument<T>(row) : undefined;
  }

  async put(namespace: string, key: string, value: unknown, options: PutOptions = {}): Promise<string> {
    this.assertOpen();
    const write = toWrite(key, value, options);
    await this.writeDocuments(checkNamespace(namespace), [write]);
    return write.etag;
  }

  async putMany(namespace: string, items: PutItem[], options: PutManyOptions = {}): Promise<string[]> {
    this.assertOpen();
    const ns = checkNamespace(namespace);
    if (!Array.isArray(items)) throw new StoreValidationError('Invalid putMany: pass an array of { key, value, options }.');
    const writes = items.map((item) => toWrite(item.key, item.value, item.options ?? {}));
    if (new Set(writes.map((w) => w.key)).size !== writes.length) throw new StoreValidationError('Invalid putMany: each key at most once.');
    const { audit = [] } = options;
    if (!Array.isArray(audit)) throw new StoreValidationError('Invalid putMany: "audit" must be an array of audit entries.');
    const records = audit.map(checkAudit);
    if (records.length > 0) await this.writeDocuments(ns, writes, undefined, { records, at: this.now() });
    else if (writes.length > 0) await this.writeDocuments(ns, writes);
    return writes.map((w) => w.etag);
  }

  async delete(namespace: string, key: string, options: DeleteOptions = {}): Promise<boolean> {
    this.assertOpen();
    const ns = checkNamespace(namespace);
    const outcome = await this.deleteDocument(ns, checkKey(key), checkEtag(options.etag));
    if (outcome === 'conflict') throw new StoreConflictError(ns, key);
    return outcome === 'deleted';
  }

  async list<T = unknown>(namespace: string, options: ListOptions = {}): Promise<StoredDocument<T>[]> {
    this.assertOpen();
    const rows = await this.listDocuments(checkNamespace(namespace), checkPrefix(options.prefix));
    return rows.map((row) => toDocument<T>(row));
  }

  async take<T = unknown>(namespace: string, key: string): Promise<T | undefined> {
    this.assertOpen();
    const json = await this.takeDocument(checkNamespace(namespace), checkKey(key));
    return json === undefined ? undefined : (JSON.parse(json) as T);
  }

  async deleteNamespace(namespace: string): Promise<number> {
    this.assertOpen();
    return this.deleteNamespaceDocuments(checkNamespace(namespace));
  }

  async sweepExpired(): Promise<number> {
    this.assertOpen();
    return this.deleteExpiredDocuments();
  }

  botStorage(): Storage {
    return {
      read: (keys) => this.readBotState(keys),
      write: (changes) => this.writeBotState(changes),
      delete: (keys) => this.deleteBotState(keys),
    };
  }

  async appendAudit(entry: AuditInput): Promise<AuditEntry> {
    this.assertOpen();
    const record = checkAudit(entry);
    const at = this.now();
    const id = await this.insertAudit(record, at);
    return toAuditEntry({ ...record, id, at });
  }

  async listAudit(query: AuditQuery = {}): Promise<AuditPage> {
    this.assertOpen();
    const limit = checkAuditLimit(query.limit);
    const rows = await this.selectAudit(decodeAuditCursor(query.cursor), limit + 1);
    const entries = rows.slice(0, limit).map(toAuditEntry);
    const last = entries[entries.length - 1];
    return rows.length > limit && last ? { entries, nextCursor: encodeAuditCursor(last.id) } : { entries };
  }

  async check(): Promise<StoreCheck> {
    if (this.closed) return { ok: false, problem: 'The store is closed.' };
    if (this.stoppedBy) return { ok: false, problem: this.stoppedBy.message };
    return this.checkBackend();
  }

  /**
   * Stops the store for good in this process: the backend can no longer vouch that what it acknowledges is on disk
   * (a failed WAL flush). Every later call fails with `reason`'s message, and `check` reports it.
   */
  protected failStop(reason: Error): void {
    this.stoppedBy ??= reason;
  }

  /** The error a call fails with once {@link failStop} was called; undefined until then. */
  protected stoppedError(): StoreStoppedError | undefined {
    return this.stoppedBy && new StoreStoppedError(this.stoppedBy.message, { cause: this.stoppedBy });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.closeBackend();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('The store is closed: open a new one with openStore().');
    const stopped = this.stoppedError();
    if (stopped) throw stopped;
  }

  // botbuilder's Storage, matching MemoryStorage: items come back with `eTag`; a write whose eTag is '*',
  // empty or missing overwrites; any other eTag must match the stored item, except that an item which no
  // longer exists is (re)created. Unlike MemoryStorage, a batch with a conflict writes nothing.
  private async readBotState(keys: string[]): Promise<StoreItems> {
    this.assertOpen();
    if (!Array.isArray(keys)) throw new StoreValidationError('Keys are required when reading.');
    const rows = await this.fetchDocuments(BOT_STATE_NAMESPACE, keys.map(checkKey));
    const items: StoreItems = {};
    for (const row of rows) {
      const value: unknown = JSON.parse(row.value);
      items[row.key] = { ...(isPlainObject(value) ? value : {}), eTag: row.etag };
    }
    return items;
  }

  private async writeBotState(changes: StoreItems): Promise<void> {
    this.assertOpen();
    if (!isPlainObject(changes)) throw new StoreValidationError('Changes are required when writing.');
    const writes = Object.entries(changes).map(([key, item]): DocumentWrite => {
      if (!isPlainObject(item)) {
        throw new StoreValidationError(`Invalid bot state item "${key}": expected an object.`);
      }
      const { eTag, ...rest } = item;
      if (eTag !== undefined && eTag !== null && typeof eTag !== 'string') {
        throw new StoreValidationError(`Invalid eTag of bot state item "${key}": expected a string.`);
      }
      return {
        key: checkKey(key),
        json: toJson(rest, `bot state item "${key}"`),
        etag: newEtag(),
        expected: eTag && eTag !== '*' ? eTag : undefined,
        createIfMissing: true,
        expiresAt: null,
      };
    });
    if (writes.length === 0) return;
    await this.writeDocuments(
      BOT_STATE_NAMESPACE,
      writes,
      (key) => `Storage: error writing "${key}" due to eTag conflict.`,
    );
  }

  private async deleteBotState(keys: string[]): Promise<void> {
    this.assertOpen();
    if (!Array.isArray(keys)) throw new StoreValidationError('Keys are required when deleting.');
    if (keys.length === 0) return;
    await this.deleteDocuments(BOT_STATE_NAMESPACE, keys.map(checkKey));
  }
}

function toWrite(key: string, value: unknown, options: PutOptions): DocumentWrite {
  const expected = checkEtag(options.etag);
  if (options.ifAbsent === true && expected !== undefined) {
    throw new StoreValidationError('Invalid put: "ifAbsent" creates a document, so it takes no etag.');
  }
  return {
    key: checkKey(key),
    json: toJson(value),
    etag: newEtag(),
    expected,
    createIfMissing: false,
    ifAbsent: options.ifAbsent === true,
    expiresAt: checkExpiry(options.expiresAt),
    ephemeral: options.ephemeral === true,
  };
}

function checkExpiry(expiresAt: unknown): Date | null {
  if (expiresAt === undefined) return null;
  if (!(expiresAt instanceof Date) || Number.isNaN(expiresAt.getTime())) {
    throw new StoreValidationError('Invalid expiresAt: pass a valid Date.');
  }
  return expiresAt;
}

function toDocument<T>(row: DocumentRow): StoredDocument<T> {
  return { key: row.key, value: JSON.parse(row.value) as T, etag: row.etag };
}

function toAuditEntry(row: AuditRow): AuditEntry {
  const details: unknown = row.details === null ? null : JSON.parse(row.details);
  return {
    id: row.id,
    at: row.at.toISOString(),
    actor: row.actor,
    action: row.action,
    target: row.target,
    outcome: row.outcome,
    details: isPlainObject(details) ? details : null,
  };
}
