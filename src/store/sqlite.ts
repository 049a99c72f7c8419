import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { StoreConflictError, StoreOpenError, StoreStoppedError } from './errors';
import { STORE_SCHEMA_VERSION, migrationsFor, newerSchemaMessage } from './migrations';
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
import { lockTurns, ProcessLeases, TURN_LOCK_WAIT_MS, type LeaseTable } from './process-leases';
import { WalFlusher, type WalFlush } from './wal-flush';

/** How long a statement waits for another process's write lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;
/**
 * How long opening waits for another process's migration of the same file: one that copies a large table (migration
 * 4: about 3.5 s per 200,000 documents on this project's machine) holds the write lock all along.
 */
const MIGRATION_WAIT_MS = 120_000;

/**
 * Runs `step`, retrying while SQLite answers SQLITE_BUSY. Switching a fresh file to WAL takes an exclusive lock
 * without consulting the busy handler, so two processes opening a new store at once would otherwise fail with
 * "database is locked". Waits are short and bounded (`waitMs` in all: BUSY_TIMEOUT_MS, or MIGRATION_WAIT_MS while
 * another process migrates).
 */
function whileBusy<T>(step: () => T, waitMs = BUSY_TIMEOUT_MS): T {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + waitMs;
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

/** The statements of the hot paths, prepared once per connection (preparing one costs more than running it). */
function prepareStatements(db: Database.Database) {
  return {
    fetch: db.prepare<[string, string, string], DocumentRow>(
      `SELECT key, value, etag FROM documents WHERE namespace = ? AND key IN (SELECT value FROM json_each(?))
       AND (expires_at IS NULL OR expires_at > ?)`,
    ),
    fetchOne: db.prepare<[string, string, string], DocumentRow>(
      'SELECT key, value, etag FROM documents WHERE namespace = ? AND key = ? AND (expires_at IS NULL OR expires_at > ?)',
    ),
    upsert: db.prepare(
      `INSERT INTO documents (namespace, key, value, etag, updated_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, etag = excluded.etag,
         updated_at = excluded.updated_at, expires_at = excluded.expires_at`,
    ),
    update: db.prepare('UPDATE documents SET value = ?, etag = ?, updated_at = ?, expires_at = ? WHERE namespace = ? AND key = ? AND etag = ?'),
    insert: db.prepare(
      `INSERT INTO documents (namespace, key, value, etag, updated_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (namespace, key) DO NOTHING`,
    ),
    // Create only: an existing document is replaced only when it has expired.
    create: db.prepare(
      `INSERT INTO documents (namespace, key, value, etag, updated_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, etag = excluded.etag,
         updated_at = excluded.updated_at, expires_at = excluded.expires_at
       WHERE documents.expires_at IS NOT NULL AND documents.expires_at <= ?`,
    ),
    deleteAny: db.prepare('DELETE FROM documents WHERE namespace = ? AND key = ?'),
    deleteIfEtag: db.prepare('DELETE FROM documents WHERE namespace = ? AND key = ? AND etag = ?'),
    exists: db.prepare('SELECT 1 FROM documents WHERE namespace = ? AND key = ?'),
    deleteMany: db.prepare('DELETE FROM documents WHERE namespace = ? AND key IN (SELECT value FROM json_each(?))'),
    // substr/length count characters; LIKE would be case-insensitive and need escaping.
    list: db.prepare<[string, string, string, string, string], DocumentRow>(
      `SELECT key, value, etag FROM documents
       WHERE namespace = ? AND key >= ? AND substr(key, 1, length(?)) = ? AND (expires_at IS NULL OR expires_at > ?)
       ORDER BY key`,
    ),
    take: db.prepare<[string, string], { value: string; expires_at: string | null }>(
      'DELETE FROM documents WHERE namespace = ? AND key = ? RETURNING value, expires_at',
    ),
    deleteNamespace: db.prepare('DELETE FROM documents WHERE namespace = ?'),
    deleteExpired: db.prepare('DELETE FROM documents WHERE expires_at IS NOT NULL AND expires_at <= ?'),
    insertAudit: db.prepare('INSERT INTO audit_log (at, actor, action, target, outcome, details) VALUES (?, ?, ?, ?, ?, ?)'),
    selectAudit: db.prepare<[string | null, string | null, number], AuditSqliteRow>(
      `SELECT id, at, actor, action, target, outcome, details FROM audit_log
       WHERE (? IS NULL OR id < CAST(? AS INTEGER)) ORDER BY id DESC LIMIT ?`,
    ),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

/** A write waiting for the next group commit, with the promise its caller awaits. */
interface QueuedWrite {
  step: () => unknown;
  /** False: answered right after the commit, without waiting for the WAL fsync (PutOptions.ephemeral). */
  durable: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * The embedded store: one SQLite file in WAL mode (readers never block the writer).
 *
 * Durability (the default, 'full'): no write is acknowledged before it is on disk, as with synchronous=FULL. The
 * connection runs synchronous=NORMAL (a commit writes its WAL frames to the OS; checkpoints still sync the WAL
 * before copying it and the database file after) and this class fsyncs the WAL file itself: one fsync at a time,
 * covering every commit made before it started; a commit's callers are answered when an fsync that covers it
 * returned. An fsync covers every frame written before it, so a commit acknowledged after its fsync survives a power
 * loss or an OS crash exactly as with FULL. Where that fsync runs is WalFlusher's choice: on the event loop when the
 * committing turn runs alone (addLoadProbe) and the disk flushes in well under a millisecond (cheaper than handing
 * it to another thread and back), else on libuv's thread pool, so that other conversations are served meanwhile
 * (commits made while it runs wait for the next one). A failed fsync stops the store (failStop: every later call
 * fails, the check says why) until the process restarts; see `syncNext`. 'normal' answers right after the commit: it
 * survives the process being killed, not a power loss.
 *
 * Group commit: writes are not committed one by one either. Every write (put, putMany, delete, take, bot state,
 * audit entry) issued in one turn of the event loop is queued, and all of them are committed in one IMMEDIATE
 * transaction on the next `setImmediate`, each in its own savepoint (a conflict rolls back that write alone and
 * rejects only its caller). Writes issued in one tick commit in the order they were issued. Reads run at once
 * against committed data. Across processes each commit waits up to BUSY_TIMEOUT_MS for the write lock.
 */
export class SqliteStore extends DocumentStore {
  readonly kind = 'sqlite' as const;
  readonly groupCommit = true;
  private readonly sql: Statements;
  private readonly commitBatch: Database.Transaction<(batch: QueuedWrite[], outcomes: Array<(() => void) | undefined>) => void>;
  private queue: QueuedWrite[] = [];
  private flushScheduled = false;
  /** The WAL file, opened after the first commit created it; fsynced before acknowledging commits ('full'). */
  private walFd: number | undefined;
  /** Commits made and not yet covered by a WAL fsync: their callers' answers, and how to fail them. */
  private awaitingSync: Array<{ answers: Array<() => void>; rejects: Array<(error: unknown) => void> }> = [];
  /** The WAL fsync running, if any (one at a time; see `syncNext`). */
  private syncRunning: Promise<void> | undefined;
  /** How many turns the process runs (TurnGuard); with more than one, fsyncs go to the thread pool. */
  private readonly loadProbes = new Set<() => number>();
  /** Conversation leases, once this process took the store's turns (processLeases). */
  private leases: ProcessLeases | undefined;
  /** The lock on the store's turns, held while the store is open. */
  private turnLock: Database.Database | undefined;

  private constructor(
    private readonly db: Database.Database,
    private readonly file: string,
    now: () => Date,
    private readonly syncWal: boolean,
    private readonly flusher: WalFlush = new WalFlusher(),
    private readonly turnLockWaitMs = TURN_LOCK_WAIT_MS,
  ) {
    super(now);
    this.sql = prepareStatements(db);
    // Called inside the batch's transaction, better-sqlite3 runs this one as a SAVEPOINT.
    const savepoint = db.transaction((step: () => unknown): unknown => step());
    this.commitBatch = db.transaction((batch: QueuedWrite[], outcomes: Array<(() => void) | undefined>) => {
      for (const [i, write] of batch.entries()) {
        try {
          const value = savepoint(write.step);
          outcomes[i] = () => write.resolve(value);
        } catch (error) {
          outcomes[i] = () => write.reject(error);
        }
      }
    });
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
      // NORMAL in both modes: in 'full' the WAL is fsynced by this class, off the event loop (see the class comment).
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      // The file may hold encrypted credentials and conversation state: owner only.
      if (created) chmodSync(file, 0o600);
      whileBusy(() => migrate(opened, options.onMigrationApplied), MIGRATION_WAIT_MS);
      return new SqliteStore(db, file, options.now ?? (() => new Date()), options.sqliteSynchronous !== 'normal' && file !== ':memory:', options.sqliteWalFlusher, options.turnLockWaitMs);
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

  addLoadProbe(turnsRunning: () => number): () => void {
    const probe = () => turnsRunning();
    this.loadProbes.add(probe);
    return () => this.loadProbes.delete(probe);
  }

  /**
   * The first call locks the file's turns for this process (lockTurns: throws StoreOpenError while another process
   * holds them), so that conversation leases can live in memory: a lease document per turn took a commit of its own
   * and three pages of the WAL's fsync (0.1-0.2 ms of a turn one conversation at a time). A ':memory:' store is
   * private to its connection: nothing to lock.
   */
  processLeases(): LeaseTable {
    if (this.leases === undefined) {
      if (this.file !== ':memory:') this.turnLock = lockTurns(this.file, this.turnLockWaitMs);
      this.leases = new ProcessLeases(this.now);
    }
    return this.leases;
  }

  /** At most one turn running in this process (the one committing), as the turn guards count. */
  private runsAlone(): boolean {
    let running = 0;
    for (const probe of this.loadProbes) running += probe();
    return running <= 1;
  }

  /** Queues `step` for the next group commit; resolves with its result once that commit is on disk. */
  private enqueue<T>(step: () => T, durable = true): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ step, durable, resolve: (value) => resolve(value as T), reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits every queued write in one transaction, then settles their promises (none before the commit is durable). */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const stopped = this.stoppedError();
    if (stopped) {
      // Queued before a flush failed: committing them now could only be acknowledged by a flush that cannot be trusted.
      for (const write of batch) write.reject(stopped);
      return;
    }
    const outcomes: Array<(() => void) | undefined> = [];
    try {
      this.commitBatch.immediate(batch, outcomes);
    } catch (error) {
      // The transaction itself failed (the lock was not released in time, the disk is full): nothing committed.
      for (const write of batch) write.reject(error);
      return;
    }
    const waiting: Array<() => void> = [];
    for (const [i, write] of batch.entries()) {
      const answer = outcomes[i];
      if (answer === undefined) continue;
      if (this.syncWal && write.durable) waiting.push(answer);
      else answer();
    }
    if (waiting.length === 0) return;
    const rejects: Array<(error: unknown) => void> = [];
    for (const [i, write] of batch.entries()) if (this.syncWal && write.durable && outcomes[i] !== undefined) rejects.push(write.reject);
    this.awaitingSync.push({ answers: waiting, rejects });
    if (this.syncRunning === undefined) this.syncNext();
  }

  /**
   * One WAL fsync at a time: it answers every commit made before it started. Inline, that is this flush's commit;
   * on the thread pool, the commits made while it runs wait for the next one, started as soon as it returns (under
   * load the disk flushes once per batch of commits instead of once per commit).
   */
  private syncNext(): void {
    const covered = this.awaitingSync;
    this.awaitingSync = [];
    const rejectAll = (failure: Error) => {
      for (const commit of covered) for (const reject of commit.rejects) reject(failure);
    };
    const stopped = this.stoppedError();
    if (stopped) {
      rejectAll(stopped);
      return;
    }
    const answer = () => {
      for (const commit of covered) for (const answerCommit of commit.answers) answerCommit();
    };
    const fail = (error: unknown) => {
      // After a failed fsync the kernel may have dropped the pages it could not write and report later fsyncs as
      // done, and SQLite's recovery stops at the first WAL frame missing on disk, taking every later commit with
      // it: no later flush can vouch for a commit any more. Stop, as PostgreSQL does; a restart recovers the file.
      const failure = new StoreStoppedError(
        `The store's SQLite file ${this.file} could not be flushed to disk: ${error instanceof Error ? error.message : String(error)}. ` +
          'The server no longer reads or writes it, since the writes made after its last good flush may not be on disk: check the disk (space, errors), then restart the server.',
        { cause: error },
      );
      this.failStop(failure);
      rejectAll(failure);
    };
    let fd: number;
    try {
      fd = this.walFile();
    } catch (error) {
      // Not a failed flush (too many open files, say): these commits are not known to be on disk, but a later fsync
      // of the WAL covers their frames, so the store goes on.
      rejectAll(new Error(`The store's SQLite file ${this.file} could not be flushed to disk: its WAL could not be opened: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
      return;
    }
    let pooled: Promise<void> | undefined;
    try {
      pooled = this.flusher.flush(fd, this.runsAlone());
    } catch (error) {
      fail(error);
      return;
    }
    if (pooled === undefined) {
      answer();
      return;
    }
    const running = pooled.then(answer, fail);
    this.syncRunning = running.finally(() => {
      this.syncRunning = undefined;
      if (this.awaitingSync.length > 0) this.syncNext();
    });
  }

  /**
   * The WAL file's descriptor, for its fsync (every frame written before an fsync is on disk when it returns; see
   * WalFlusher): opened after the first commit created the file.
   */
  private walFile(): number {
    if (this.walFd === undefined) {
      this.walFd = openSync(`${this.file}-wal`, 'r+');
      // The WAL file is new: its directory entry must be durable too (not possible, nor needed, on Windows).
      try {
        const dir = openSync(path.dirname(this.file), 'r');
        try {
          fsyncSync(dir);
        } finally {
          closeSync(dir);
        }
      } catch {
        // Directories cannot be opened for fsync on this platform.
      }
    }
    return this.walFd;
  }

  protected async fetchDocuments(namespace: string, keys: string[]): Promise<DocumentRow[]> {
    if (keys.length === 1 && keys[0] !== undefined) {
      const row = this.sql.fetchOne.get(namespace, keys[0], this.nowText());
      return row === undefined ? [] : [row];
    }
    return this.sql.fetch.all(namespace, JSON.stringify(keys), this.nowText());
  }

  protected writeDocuments(
    namespace: string,
    writes: DocumentWrite[],
    conflictMessage?: (key: string) => string,
    audit?: { records: AuditRecord[]; at: Date },
  ): Promise<void> {
    const { upsert, update, insert, create, insertAudit } = this.sql;
    return this.enqueue(() => {
      const updatedAt = this.nowText();
      for (const w of writes) {
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
      if (audit === undefined) return;
      const at = audit.at.toISOString();
      for (const r of audit.records) insertAudit.run(at, r.actor, r.action, r.target, r.outcome, r.details);
    }, audit !== undefined || !writes.every((w) => w.ephemeral === true));
  }

  protected deleteDocument(namespace: string, key: string, expected?: string): Promise<DeleteOutcome> {
    const { deleteAny, deleteIfEtag, exists } = this.sql;
    return this.enqueue((): DeleteOutcome => {
      if (expected === undefined) return deleteAny.run(namespace, key).changes === 1 ? 'deleted' : 'missing';
      if (deleteIfEtag.run(namespace, key, expected).changes === 1) return 'deleted';
      return exists.get(namespace, key) === undefined ? 'missing' : 'conflict';
    });
  }

  protected deleteDocuments(namespace: string, keys: string[]): Promise<void> {
    return this.enqueue(() => {
      this.sql.deleteMany.run(namespace, JSON.stringify(keys));
    });
  }

  protected async listDocuments(namespace: string, prefix: string): Promise<DocumentRow[]> {
    return this.sql.list.all(namespace, prefix, prefix, prefix, this.nowText());
  }

  protected takeDocument(namespace: string, key: string): Promise<string | undefined> {
    return this.enqueue(() => {
      const row = this.sql.take.get(namespace, key);
      if (row?.expires_at != null && row.expires_at <= this.nowText()) return undefined;
      return row?.value;
    });
  }

  protected deleteNamespaceDocuments(namespace: string): Promise<number> {
    return this.enqueue(() => this.sql.deleteNamespace.run(namespace).changes);
  }

  protected deleteExpiredDocuments(): Promise<number> {
    return this.enqueue(() => this.sql.deleteExpired.run(this.nowText()).changes);
  }

  protected insertAudit(record: AuditRecord, at: Date): Promise<string> {
    return this.enqueue(() => {
      const { lastInsertRowid } = this.sql.insertAudit.run(at.toISOString(), record.actor, record.action, record.target, record.outcome, record.details);
      return String(lastInsertRowid);
    });
  }

  protected async selectAudit(beforeId: string | undefined, limit: number): Promise<AuditRow[]> {
    const rows = this.sql.selectAudit.all(beforeId ?? null, beforeId ?? null, limit);
    return rows.map((row) => ({ ...row, id: String(row.id), at: new Date(row.at) }));
  }

  protected async closeBackend(): Promise<void> {
    // Writes already queued are committed (and their callers answered) before the file is closed.
    this.flush();
    while (this.syncRunning) await this.syncRunning;
    this.db.close();
    if (this.walFd !== undefined) closeSync(this.walFd);
    this.walFd = undefined;
    this.turnLock?.close();
    this.turnLock = undefined;
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
    for (const migration of migrationsFor('sqlite')) {
      if (migration.version <= current) continue;
      for (const sql of migration.sqlite) db.exec(sql);
      record.run(migration.version, migration.name, new Date().toISOString());
      applied.push({ version: migration.version, name: migration.name });
    }
  }).immediate();
  for (const migration of applied) onApplied?.(migration);
}
