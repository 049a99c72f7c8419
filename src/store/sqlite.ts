import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { StoreConflictError, StoreOpenError } from './errors';
import { MIGRATIONS, STORE_SCHEMA_VERSION, newerSchemaMessage } from './migrations';
import {
  DocumentStore,
  STORE_TABLES,
  type AuditRow,
  type DeleteOutcome,
  type DocumentRow,
  type DocumentWrite,
} from './document-store';
import type { StoreCheck, StoreOptions } from './types';
import type { AuditRecord } from './validate';

/** How long a statement waits for another process's write lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

/**
 * Runs `step`, retrying while SQLite answers SQLITE_BUSY. Switching a fresh file to WAL takes an exclusive lock
 * without consulting the busy handler, so two processes opening a new store at once would otherwise fail with
 * "database is locked". Waits are short and bounded (BUSY_TIMEOUT_MS in all).
 */
function whileBusy<T>(step: () => T): T {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      return step();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if ((code !== 'SQLITE_BUSY' && code !== 'SQLITE_LOCKED') || Date.now() >= deadline) throw error;
      Atomics.wait(pause, 0, 0, 10 + Math.floor(Math.random() * 20));
    }
  }
}

/**
 * How long an existing, empty store file may stay empty before it is taken as truncated: a process creating a new
 * store has the file empty for an instant before SQLite writes its first page.
 */
const EMPTY_FILE_GRACE_MS = 1000;

/** What to do about a damaged store file, said once for every way it can be found damaged. */
const DAMAGED_ADVICE = 'restore it from a backup or move it away to start afresh';

function corruptedMessage(file: string): string {
  return `${file} is not a valid SQLite database (corrupted?): ${DAMAGED_ADVICE}.`;
}

/** SQLite's answer for a file that is not a database, or one whose pages do not hold together. */
function isCorruption(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'));
}

/**
 * Refuses an existing store file of 0 bytes: SQLite would silently take it as a new, empty store, and every
 * credential and conversation would be gone without a word. Waits briefly first in case another process is
 * creating the file right now.
 */
function refuseTruncated(file: string): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + EMPTY_FILE_GRACE_MS;
  while (statSync(file).size === 0) {
    if (Date.now() >= deadline) {
      throw new StoreOpenError(`${file} is empty (0 bytes), so it looks truncated rather than new: ${DAMAGED_ADVICE}.`);
    }
    Atomics.wait(pause, 0, 0, 20);
  }
}

interface AuditSqliteRow extends AuditRecord {
  id: number;
  at: string;
}

/** Resolves the SQLite file of the options: `filename` inside `dataDir`, or as given when absolute. */
export function sqlitePath(options: StoreOptions): string {
  const filename = options.filename ?? 'store.sqlite';
  if (filename === ':memory:' || path.isAbsolute(filename)) return filename;
  return path.resolve(options.dataDir ?? './data', filename);
}

/**
 * The embedded store: one SQLite file, WAL so readers never block the writer, synchronous=FULL so a commit
 * that returned survives a power loss (durability first: the writes here are small and rare).
 * better-sqlite3 is synchronous, so each method body runs atomically within this process; across processes
 * each write is one statement or one IMMEDIATE transaction and waits up to BUSY_TIMEOUT_MS for the lock.
 */
export class SqliteStore extends DocumentStore {
  readonly kind = 'sqlite' as const;

  private constructor(
    private readonly db: Database.Database,
    private readonly file: string,
    now: () => Date,
  ) {
    super(now);
  }

  static open(options: StoreOptions): SqliteStore {
    const file = sqlitePath(options);
    let created = false;
    if (file !== ':memory:') {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      created = !existsSync(file);
      if (!created) refuseTruncated(file);
    }
    let db: Database.Database | undefined;
    try {
      db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
      const opened = db;
      whileBusy(() => opened.pragma('journal_mode = WAL'));
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      // The file may hold encrypted credentials and conversation state: owner only.
      if (created) chmodSync(file, 0o600);
      whileBusy(() => migrate(opened, options.onMigrationApplied));
      return new SqliteStore(db, file, options.now ?? (() => new Date()));
    } catch (error) {
      db?.close();
      if (error instanceof StoreOpenError) throw error;
      if (isCorruption(error)) throw new StoreOpenError(corruptedMessage(file), { cause: error });
      throw new StoreOpenError(`Cannot open the store's SQLite file ${file}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /** Now as stored in `expires_at` (ISO-8601 text compares in time order). */
  private nowText(): string {
    return this.now().toISOString();
  }

  protected async fetchDocuments(namespace: string, keys: string[]): Promise<DocumentRow[]> {
    return this.db
      .prepare<[string, string, string], DocumentRow>(
        `SELECT key, value, etag FROM documents WHERE namespace = ? AND key IN (SELECT value FROM json_each(?))
         AND (expires_at IS NULL OR expires_at > ?)`,
      )
      .all(namespace, JSON.stringify(keys), this.nowText());
  }

  protected async writeDocuments(
    namespace: string,
    writes: DocumentWrite[],
    conflictMessage?: (key: string) => string,
  ): Promise<void> {
    const updatedAt = this.nowText();
    const upsert = this.db.prepare(
      `INSERT INTO documents (namespace, key, value, etag, updated_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, etag = excluded.etag,
         updated_at = excluded.updated_at, expires_at = excluded.expires_at`,
    );
    const update = this.db.prepare(
      'UPDATE documents SET value = ?, etag = ?, updated_at = ?, expires_at = ? WHERE namespace = ? AND key = ? AND etag = ?',
    );
    const insert = this.db.prepare(
      `INSERT INTO documents (namespace, key, value, etag, updated_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (namespace, key) DO NOTHING`,
    );
    // Create only: an existing document is replaced only when it has expired.
    const create = this.db.prepare(
      `INSERT INTO documents (namespace, key, value, etag, updated_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, etag = excluded.etag,
         updated_at = excluded.updated_at, expires_at = excluded.expires_at
       WHERE documents.expires_at IS NOT NULL AND documents.expires_at <= ?`,
    );
    const apply = this.db.transaction((batch: DocumentWrite[]) => {
      for (const w of batch) {
        const expiresAt = w.expiresAt === null ? null : w.expiresAt.toISOString();
        if (w.ifAbsent === true) {
          if (create.run(namespace, w.key, w.json, w.etag, updatedAt, expiresAt, updatedAt).changes === 1) continue;
          throw new StoreConflictError(namespace, w.key, conflictMessage?.(w.key));
        }
        if (w.expected === undefined) {
          upsert.run(namespace, w.key, w.json, w.etag, updatedAt, expiresAt);
          continue;
        }
        if (update.run(w.json, w.etag, updatedAt, expiresAt, namespace, w.key, w.expected).changes === 1) continue;
        if (w.createIfMissing && insert.run(namespace, w.key, w.json, w.etag, updatedAt, expiresAt).changes === 1) continue;
        throw new StoreConflictError(namespace, w.key, conflictMessage?.(w.key));
      }
    });
    apply.immediate(writes);
  }

  protected async deleteDocument(namespace: string, key: string, expected?: string): Promise<DeleteOutcome> {
    if (expected === undefined) {
      const { changes } = this.db.prepare('DELETE FROM documents WHERE namespace = ? AND key = ?').run(namespace, key);
      return changes === 1 ? 'deleted' : 'missing';
    }
    const remove = this.db.transaction((): DeleteOutcome => {
      const { changes } = this.db
        .prepare('DELETE FROM documents WHERE namespace = ? AND key = ? AND etag = ?')
        .run(namespace, key, expected);
      if (changes === 1) return 'deleted';
      const exists = this.db.prepare('SELECT 1 FROM documents WHERE namespace = ? AND key = ?').get(namespace, key);
      return exists === undefined ? 'missing' : 'conflict';
    });
    return remove.immediate();
  }

  protected async deleteDocuments(namespace: string, keys: string[]): Promise<void> {
    this.db
      .prepare('DELETE FROM documents WHERE namespace = ? AND key IN (SELECT value FROM json_each(?))')
      .run(namespace, JSON.stringify(keys));
  }

  protected async listDocuments(namespace: string, prefix: string): Promise<DocumentRow[]> {
    // substr/length count characters; LIKE would be case-insensitive and need escaping.
    return this.db
      .prepare<[string, string, string, string, string], DocumentRow>(
        `SELECT key, value, etag FROM documents
         WHERE namespace = ? AND key >= ? AND substr(key, 1, length(?)) = ? AND (expires_at IS NULL OR expires_at > ?)
         ORDER BY key`,
      )
      .all(namespace, prefix, prefix, prefix, this.nowText());
  }

  protected async takeDocument(namespace: string, key: string): Promise<string | undefined> {
    const row = this.db
      .prepare<[string, string], { value: string; expires_at: string | null }>(
        'DELETE FROM documents WHERE namespace = ? AND key = ? RETURNING value, expires_at',
      )
      .get(namespace, key);
    if (row?.expires_at != null && row.expires_at <= this.nowText()) return undefined;
    return row?.value;
  }

  protected async deleteNamespaceDocuments(namespace: string): Promise<number> {
    return this.db.prepare('DELETE FROM documents WHERE namespace = ?').run(namespace).changes;
  }

  protected async deleteExpiredDocuments(): Promise<number> {
    return this.db.prepare('DELETE FROM documents WHERE expires_at IS NOT NULL AND expires_at <= ?').run(this.nowText()).changes;
  }

  protected async insertAudit(record: AuditRecord, at: Date): Promise<string> {
    const { lastInsertRowid } = this.db
      .prepare('INSERT INTO audit_log (at, actor, action, target, outcome, details) VALUES (?, ?, ?, ?, ?, ?)')
      .run(at.toISOString(), record.actor, record.action, record.target, record.outcome, record.details);
    return String(lastInsertRowid);
  }

  protected async selectAudit(beforeId: string | undefined, limit: number): Promise<AuditRow[]> {
    const rows = this.db
      .prepare<[string | null, string | null, number], AuditSqliteRow>(
        `SELECT id, at, actor, action, target, outcome, details FROM audit_log
         WHERE (? IS NULL OR id < CAST(? AS INTEGER)) ORDER BY id DESC LIMIT ?`,
      )
      .all(beforeId ?? null, beforeId ?? null, limit);
    return rows.map((row) => ({ ...row, id: String(row.id), at: new Date(row.at) }));
  }

  protected async closeBackend(): Promise<void> {
    this.db.close();
  }

  protected async checkBackend(): Promise<StoreCheck> {
    try {
      const rows: unknown = this.db.pragma('quick_check(3)', { simple: false });
      const found = Array.isArray(rows) ? rows.map((row: unknown) => Object.values(Object(row)).join(' ')) : ['no answer'];
      if (found.length !== 1 || found[0] !== 'ok') {
        return { ok: false, problem: `${this.file} is corrupted (quick_check: ${found.join('; ')}): ${DAMAGED_ADVICE}.` };
      }
      for (const table of STORE_TABLES) this.db.prepare(`SELECT count(*) FROM ${table}`).get();
      return { ok: true };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (isCorruption(error)) return { ok: false, problem: `${this.file} is corrupted (${reason}): ${DAMAGED_ADVICE}.` };
      return { ok: false, problem: `The store's SQLite file ${this.file} cannot be read: ${reason}` };
    }
  }
}

/** Applies pending migrations under one IMMEDIATE transaction: a second process waits, then finds them applied. */
function migrate(
  db: Database.Database,
  onApplied: StoreOptions['onMigrationApplied'],
): void {
  const applied: { version: number; name: string }[] = [];
  db.transaction(() => {
    db.exec(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version INTEGER PRIMARY KEY,
         name TEXT NOT NULL,
         applied_at TEXT NOT NULL
       )`,
    );
    const row = db.prepare<[], { version: number | null }>('SELECT max(version) AS version FROM schema_migrations').get();
    const current = row?.version ?? 0;
    if (current > STORE_SCHEMA_VERSION) throw new StoreOpenError(newerSchemaMessage(current));
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      for (const sql of migration.sqlite) db.exec(sql);
      record.run(migration.version, migration.name, new Date().toISOString());
      applied.push({ version: migration.version, name: migration.name });
    }
  }).immediate();
  for (const migration of applied) onApplied?.(migration);
}
