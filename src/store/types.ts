import type { Storage } from 'botbuilder';
import type { LeaseTable } from './process-leases';
import type { WalFlush } from './wal-flush';

/** The backends a store can run on. */
export type StoreKind = 'sqlite' | 'postgres';

/** Namespaces the application uses; any name matching the namespace rule is accepted. */
export const STORE_NAMESPACES = ['action', 'profiles', 'credentials', 'authlinks', 'botstate', 'meta', 'turnlocks', 'intents'] as const;
export type KnownNamespace = (typeof STORE_NAMESPACES)[number];

/** A JSON document as stored under (namespace, key), with the etag of this version. */
export interface StoredDocument<T = unknown> {
  key: string;
  value: T;
  etag: string;
}

/** Optimistic concurrency: an etag other than '*' must match the stored one. */
export interface PutOptions {
  etag?: string;
  /**
   * Create only: a conflict when a live document already has this key (an expired one is replaced). The primitive
   * behind leases: of concurrent creates of one key, across processes, exactly one succeeds.
   */
  ifAbsent?: boolean;
  /** From this moment the document reads as absent, and `sweepExpired` deletes it. Default: never. */
  expiresAt?: Date;
  /**
   * Losing this write in a power failure does no harm: the known outcome of a send whose intent is on disk as
   * pending (a rerun asks Twilio), written just before the turn's state, whose flush covers it; the delivery
   * record of an SMS the turn just sent (src/delivery/messages.ts), likewise. SQLite then
   * answers once the write is committed (atomic and visible to every process, surviving any process being killed)
   * without waiting for the disk flush; any later durable write flushes it too. PostgreSQL ignores it (instances on
   * other machines outlive a database crash).
   */
  ephemeral?: boolean;
}

/** One document of {@link Store.putMany}. */
export interface PutItem {
  key: string;
  value: unknown;
  options?: PutOptions;
}

/** Options of {@link Store.putMany}. */
export interface PutManyOptions {
  /**
   * Audit entries committed in the same transaction as the documents (one disk flush for both): all of them or
   * none, so a conflict writes no entry either. Entries get the store's clock at the commit.
   */
  audit?: AuditInput[];
}

export interface DeleteOptions {
  etag?: string;
}

export interface ListOptions {
  /** Only keys starting with this exact (case-sensitive) prefix. */
  prefix?: string;
}

/** What happened, who did it, to what, and how it ended. Never put secrets in `details`. */
export interface AuditInput {
  actor: string;
  action: string;
  target?: string;
  outcome: string;
  details?: Record<string, unknown>;
}

export interface AuditEntry {
  id: string;
  /** ISO-8601 timestamp from the store's clock. */
  at: string;
  actor: string;
  action: string;
  target: string | null;
  outcome: string;
  details: Record<string, unknown> | null;
}

export interface AuditQuery {
  /** 1..200, default 50. */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
}

export interface AuditPage {
  entries: AuditEntry[];
  /** Present when older entries remain. */
  nextCursor?: string;
}

/** What {@link Store.check} found: sound, or a sentence naming the problem and what to do about it. */
export type StoreCheck = { ok: true } | { ok: false; problem: string };

/** Persistence for the whole application; SQLite and PostgreSQL behave identically. */
export interface Store {
  readonly kind: StoreKind;
  get<T = unknown>(namespace: string, key: string): Promise<StoredDocument<T> | undefined>;
  /** Creates or replaces a document and returns its new etag; throws StoreConflictError on a stale etag. */
  put(namespace: string, key: string, value: unknown, options?: PutOptions): Promise<string>;
  /**
   * Creates or replaces several documents of one namespace atomically (all or none) and returns their new etags in
   * order; throws StoreConflictError, writing nothing, when any etag or `ifAbsent` fails. `options.audit` entries
   * join the same commit.
   */
  putMany(namespace: string, items: PutItem[], options?: PutManyOptions): Promise<string[]>;
  /**
   * True when writes issued in the same turn of the event loop are committed together, in the order they were
   * issued (group commit, both backends): a caller may then issue a dependent write without awaiting the first one
   * and still never have the second committed without the first. False: await each write in turn.
   */
  readonly groupCommit: boolean;
  /**
   * Adds a count of turns running in this process, for a store that schedules its disk flushes by load (SQLite: with
   * one turn alone its WAL fsync runs on the event loop, where nobody waits behind it; see WalFlusher). Each turn
   * guard adds its own (the counts are summed) and removes it with the returned function when it closes; without any
   * the store takes the process to be idle. Other requests (status callbacks, the admin API) are not counted.
   */
  addLoadProbe?(turnsRunning: () => number): () => void;
  /**
   * Conversation leases in this process's memory, for a store only this process serves turns from (SQLite: the first
   * call locks the file's turns until the store closes, and throws StoreOpenError while another process holds them;
   * every call gives the same table). Absent (PostgreSQL, shared by instances): leases are documents.
   */
  processLeases?(): LeaseTable;
  /** True when a document was deleted; throws StoreConflictError when `etag` does not match an existing one. */
  delete(namespace: string, key: string, options?: DeleteOptions): Promise<boolean>;
  /** Documents of a namespace ordered by key (binary order of the UTF-8 bytes). */
  list<T = unknown>(namespace: string, options?: ListOptions): Promise<StoredDocument<T>[]>;
  /** Atomically reads and deletes a document: of concurrent takes of one key exactly one gets the value. */
  take<T = unknown>(namespace: string, key: string): Promise<T | undefined>;
  /** Deletes every document of a namespace and returns how many there were. */
  deleteNamespace(namespace: string): Promise<number>;
  /** Deletes every document past its `expiresAt` (they already read as absent) and returns how many. */
  sweepExpired(): Promise<number>;
  /** botbuilder `Storage` over the 'botstate' namespace, with botbuilder's eTag rules. */
  botStorage(): Storage;
  appendAudit(entry: AuditInput): Promise<AuditEntry>;
  /** Newest first. */
  listAudit(query?: AuditQuery): Promise<AuditPage>;
  /**
   * Reads every table (SQLite also runs `PRAGMA quick_check`), for `/healthz`: a damaged table is reported,
   * never thrown. Cheap enough to run on each health probe of a small store.
   */
  check(): Promise<StoreCheck>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** Directory of the embedded SQLite file; created with mode 0700. Default `./data`. */
  dataDir?: string;
  /** A PostgreSQL connection string; when given the store uses PostgreSQL instead of SQLite. */
  databaseUrl?: string;
  /** SQLite file name inside `dataDir` (or an absolute path, or ':memory:'). Default `store.sqlite`. */
  filename?: string;
  /**
   * SQLite only. 'full' (default): a write is acknowledged only once the WAL holding it was fsynced, so it survives
   * a power loss or an OS crash (see SqliteStore and WalFlusher). 'normal': acknowledged right
   * after the commit; it survives the process being killed, but the last commits may be lost if the machine loses
   * power. Never the default.
   */
  sqliteSynchronous?: 'full' | 'normal';
  /**
   * SQLite only, for tests: what flushes the WAL file (given its descriptor) to disk; `alone`: at most one turn is
   * running (see `addLoadProbe`). `flush` returns undefined when it flushed at once, or a promise that settles when
   * the flush returned. Default: a WalFlusher (`fs.fsyncSync` on the event loop while one turn runs alone and the
   * disk is fast, else `fs.fsync` on the thread pool).
   */
  sqliteWalFlusher?: WalFlush;
  /**
   * SQLite only: how long `processLeases` waits for another process to let go of the store's turns before it fails
   * (a restart's old process may still be stopping). Default TURN_LOCK_WAIT_MS (5 s).
   */
  turnLockWaitMs?: number;
  /** PostgreSQL schema holding the tables (created if missing); default: the connection's search_path. */
  schema?: string;
  /** PostgreSQL pool size, default 10. */
  poolSize?: number;
  /** Clock for audit timestamps and document update times. */
  now?: () => Date;
  /** Called once per migration this open applied. */
  onMigrationApplied?: (migration: { version: number; name: string }) => void;
  /** Errors the store cannot attach to a call (an idle PostgreSQL connection dropped); default: ignored. */
  onBackgroundError?: (error: Error) => void;
}
