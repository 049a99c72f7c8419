import pg from 'pg';
import { StoreConflictError, StoreOpenError, StoreValidationError } from './errors';
import { STORE_SCHEMA_VERSION, migrationsFor, newerSchemaMessage } from './migrations';
import {
  DocumentStore,
  STORE_TABLES,
  type AuditRow,
  type DeleteOutcome,
  type DocumentRow,
  type DocumentWrite,
} from './document-store';
import { GROUP_WRITE, groupOutcomes, groupWriteParams, retryAlone, rowsOf, type GroupOp, type PendingDelete, type PendingWrite } from './postgres-batch';
import type { StoreCheck, StoreOptions } from './types';
import type { AuditRecord } from './validate';

const APPLICATION_NAME = 'twilio-verify-action';
const DEFAULT_POOL_SIZE = 10;
/** pg_advisory_xact_lock key serializing migrations of every instance on this database ("tva-mig" in hex). */
const MIGRATION_LOCK_KEY = BigInt('0x7476612d6d6967').toString();
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

interface AuditPgRow extends AuditRecord {
  id: string;
  at: Date;
}

/** A read waiting for the next tick's query. */
interface PendingRead {
  namespace: string;
  keys: string[];
  at: Date;
  resolve: (rows: DocumentRow[]) => void;
  reject: (error: unknown) => void;
}

/** The live documents several readers asked for, each row tagged with its reader (`grp`). */
const FETCH_MANY = `
SELECT r.grp, d.key, d.value, d.etag
FROM unnest($1::int[], $2::text[], $3::text[], $4::timestamptz[]) AS r(grp, namespace, key, at)
JOIN documents d ON d.namespace = r.namespace AND d.key = r.key
WHERE d.expires_at IS NULL OR d.expires_at > r.at`;

/** A write waiting for the next group commit, with the promise its caller awaits. */
interface Queued {
  op: GroupOp | { kind: 'alone'; run: () => Promise<unknown> };
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * The queue cut into statements, in order: ops touching distinct documents share one; an op touching a document an
 * earlier op of the statement touches starts the next one (a statement changes a row once, and the later op must
 * see the earlier one's result), and so does every other kind of write, alone.
 */
function statementsOf(queue: Queued[]): Queued[][] {
  const statements: Queued[][] = [];
  let current: Queued[] = [];
  let touched = new Set<string>();
  const close = () => {
    if (current.length > 0) statements.push(current);
    current = [];
    touched = new Set();
  };
  for (const queued of queue) {
    if (queued.op.kind === 'alone') {
      close();
      statements.push([queued]);
      continue;
    }
    const rows = rowsOf(queued.op);
    if (rows.some((row) => touched.has(row))) close();
    current.push(queued);
    for (const row of rows) touched.add(row);
  }
  close();
  return statements;
}

/** The connection string without its password, for error messages. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable DATABASE_URL)';
  }
}

/** What a wrong DATABASE_URL looks like in a message: its scheme only (the rest may hold a password). */
function describeUrl(url: string): string {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url)?.[1];
  return scheme ? `a ${scheme}: URL` : 'a string without a scheme';
}

/**
 * The store for several bot instances: one pg Pool. Reads issued in one tick go out as one query (FETCH_MANY), on
 * the next `setImmediate`, against committed data. Writes are group-committed as in SQLite:
 * every write (put, putMany, delete, bot state, audit entry, take …) issued in one turn of the event loop is queued,
 * and on the next `setImmediate` the queue is sent as few statements as it can be, in order: document writes and
 * deletes of distinct documents, with their audit entries, as one statement (GROUP_WRITE: one round trip, one
 * commit; each caller's writes all or nothing and answered with its own outcome, a conflict failing only its
 * caller); any other write alone. A lone document write or delete runs as the single statement it always was. No
 * caller is answered before the commit holding its write (with the server's synchronous_commit, on by default: on
 * disk). Compare-and-set holds across connections and instances: every statement checks etags on rows it holds
 * locked (READ COMMITTED re-reads a row changed meanwhile). A batch that lost a race to create a document, or a
 * deadlock's victim, committed nothing and is redone op by op, each on its own (a statement per write, in one
 * transaction for a multi-document write).
 */
export class PostgresStore extends DocumentStore {
  readonly kind = 'postgres' as const;
  readonly groupCommit = true;
  private queue: Queued[] = [];
  private flushScheduled = false;
  private reads: PendingRead[] = [];
  private readScheduled = false;
  /** Group commits and read queries in flight, awaited by close. */
  private readonly inFlight = new Set<Promise<void>>();

  private constructor(
    private readonly pool: pg.Pool,
    now: () => Date,
  ) {
    super(now);
  }

  static async open(databaseUrl: string, options: StoreOptions): Promise<PostgresStore> {
    if (!/^postgres(?:ql)?:\/\/./i.test(databaseUrl)) {
      // Checked before pg sees it: pg reads any string as a connection string and would go looking for a host
      // named after part of it ("mysql://x" -> host x; "garbage" -> host "base").
      throw new StoreOpenError(
        `DATABASE_URL must be a PostgreSQL URL such as postgres://user:password@host:5432/database, not ${describeUrl(databaseUrl)}.`,
      );
    }
    const schema = options.schema;
    if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
      throw new StoreValidationError(
        `Invalid PostgreSQL schema "${schema}": use lowercase letters, digits and "_", starting with a letter or "_".`,
      );
    }
    const poolSize = options.poolSize ?? DEFAULT_POOL_SIZE;
    if (!Number.isInteger(poolSize) || poolSize < 1) {
      throw new StoreValidationError(`Invalid PostgreSQL pool size ${poolSize}: use a positive integer.`);
    }
    const pool = new pg.Pool({
      connectionString: databaseUrl,
      max: poolSize,
      application_name: APPLICATION_NAME,
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 30_000,
      options: schema === undefined ? undefined : `-c search_path=${schema}`,
    });
    // An idle client that loses its connection emits 'error' on the pool; unhandled, it would crash the
    // process. The pool drops that client and the next query opens a new connection.
    pool.on('error', (error) => options.onBackgroundError?.(error));
    // GROUP_WRITE and FETCH_MANY are prepared once per connection, but with a few rows PostgreSQL keeps planning
    // them afresh on each run (a custom plan looks cheaper than the generic one for two rows), and planning the
    // group write costs more than running it (0.3-0.5 ms). Generic plans (primary key lookups either way) are used
    // instead; the store's other statements are unnamed and planned on each run anyway. Queued ahead of the
    // connection's first query; a server without the setting (before PostgreSQL 12) keeps its own choice.
    pool.on('connect', (client) => {
      client.query('SET plan_cache_mode = force_generic_plan').catch(() => undefined);
    });
    try {
      await migrate(pool, schema, options.onMigrationApplied);
    } catch (error) {
      await pool.end();
      if (error instanceof StoreOpenError) throw error;
      throw new StoreOpenError(
        `Cannot open the store on PostgreSQL ${redactDatabaseUrl(databaseUrl)}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    return new PostgresStore(pool, options.now ?? (() => new Date()));
  }

  /**
   * Reads issued in one tick are sent together too, as one query (FETCH_MANY), each reader getting its own rows:
   * at load, turns of other conversations read in the same tick. A read alone runs as the query it always was.
   */
  protected fetchDocuments(namespace: string, keys: string[]): Promise<DocumentRow[]> {
    return new Promise<DocumentRow[]>((resolve, reject) => {
      this.reads.push({ namespace, keys, at: this.now(), resolve, reject });
      if (!this.readScheduled) {
        this.readScheduled = true;
        setImmediate(() => this.flushReads());
      }
    });
  }

  private flushReads(): void {
    this.readScheduled = false;
    const reads = this.reads;
    this.reads = [];
    const [only] = reads;
    if (reads.length === 1 && only !== undefined) {
      this.track(
        this.pool
          .query<DocumentRow>(
            `SELECT key, value, etag FROM documents WHERE namespace = $1 AND key = ANY($2::text[])
             AND (expires_at IS NULL OR expires_at > $3)`,
            [only.namespace, only.keys, only.at],
          )
          .then(({ rows }) => only.resolve(rows), only.reject),
      );
      return;
    }
    if (reads.length === 0) return;
    const grp: number[] = [];
    const namespaces: string[] = [];
    const keys: string[] = [];
    const ats: Date[] = [];
    for (const [i, read] of reads.entries()) {
      for (const key of new Set(read.keys)) {
        grp.push(i);
        namespaces.push(read.namespace);
        keys.push(key);
        ats.push(read.at);
      }
    }
    this.track(
      this.pool.query<DocumentRow & { grp: number }>({ name: 'tva_fetch_many', text: FETCH_MANY, values: [grp, namespaces, keys, ats] }).then(
        ({ rows }) => {
          const found: DocumentRow[][] = reads.map(() => []);
          for (const { grp: i, key, value, etag } of rows) found[i]?.push({ key, value, etag });
          for (const [i, read] of reads.entries()) read.resolve(found[i] ?? []);
        },
        (error: unknown) => {
          for (const read of reads) read.reject(error);
        },
      ),
    );
  }

  /** Keeps `work` (settling callers, never rejecting) in `inFlight` until it ends, for close to await. */
  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  /** Queues `op` for the next group commit; settles once the commit holding it answered. */
  private enqueue<T>(op: Queued['op']): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ op, resolve: (value) => resolve(value as T), reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const queue = this.queue;
    this.queue = [];
    if (queue.length === 0) return;
    this.track((async () => {
      const statements = statementsOf(queue);
      for (const [i, statement] of statements.entries()) {
        const failure = await this.commit(statement);
        if (failure === undefined) continue;
        // As SQLite's failed group transaction: a write issued after one that failed for want of the database is
        // not committed without it.
        for (const later of statements.slice(i + 1)) for (const queued of later) queued.reject(failure);
        return;
      }
    })());
  }

  /**
   * Runs one statement of the queue and answers each of its callers; never throws. Returns the error when the
   * statement failed as a whole (the connection dropped …) rather than a caller's check.
   */
  private async commit(statement: Queued[]): Promise<unknown> {
    const [only] = statement;
    if (statement.length === 1 && only !== undefined) return this.alone(only);
    const ops = statement.map((queued) => queued.op as GroupOp);
    let rows: Array<{ ok: boolean; present: boolean }>;
    try {
      ({ rows } = await this.pool.query<{ ok: boolean; present: boolean }>({ name: 'tva_group_write', text: GROUP_WRITE, values: groupWriteParams(ops) }));
    } catch (error) {
      if (!retryAlone(error)) {
        for (const queued of statement) queued.reject(error);
        return error;
      }
      for (const [i, queued] of statement.entries()) {
        const failure = await this.alone(queued);
        if (failure === undefined) continue;
        for (const later of statement.slice(i + 1)) later.reject(failure);
        return failure;
      }
      return undefined;
    }
    for (const [i, outcome] of groupOutcomes(ops, rows).entries()) {
      const queued = statement[i];
      if (outcome.ok) queued?.resolve(outcome.value);
      else queued?.reject(outcome.error);
    }
    return undefined;
  }

  /** Runs one queued op on its own and answers its caller; returns the error unless it was the caller's conflict. */
  private async alone(queued: Queued): Promise<unknown> {
    const { op } = queued;
    try {
      if (op.kind === 'write') queued.resolve(await this.applyWrite(op));
      else if (op.kind === 'delete') queued.resolve(await this.applyDelete(op));
      else queued.resolve(await op.run());
      return undefined;
    } catch (error) {
      queued.reject(error);
      return error instanceof StoreConflictError ? undefined : error;
    }
  }

  protected writeDocuments(
    namespace: string,
    writes: DocumentWrite[],
    conflictMessage?: (key: string) => string,
    audit?: { records: AuditRecord[]; at: Date },
  ): Promise<void> {
    return this.enqueue({ kind: 'write', namespace, writes, at: this.now(), conflictMessage, audit });
  }

  protected deleteDocument(namespace: string, key: string, expected?: string): Promise<DeleteOutcome> {
    return this.enqueue({ kind: 'delete', namespace, key, expected, at: this.now() });
  }

  /** One caller's write on its own: a single statement, GROUP_WRITE for several documents or audit entries. */
  private async applyWrite(op: PendingWrite): Promise<void> {
    const { namespace, writes, conflictMessage, audit } = op;
    if (writes.length > 1 || audit !== undefined) {
      try {
        const { rows } = await this.pool.query<{ ok: boolean; present: boolean }>({ name: 'tva_group_write', text: GROUP_WRITE, values: groupWriteParams([op]) });
        const [outcome] = groupOutcomes([op], rows);
        if (outcome?.ok === false) throw outcome.error;
        return;
      } catch (error) {
        if (!retryAlone(error)) throw error;
        // Lost a race to create a document: the statement-per-write transaction below decides afresh.
      }
    }
    const updatedAt = op.at;
    const apply = async (db: pg.Pool | pg.PoolClient): Promise<void> => {
      for (const w of writes) {
        if (w.ifAbsent === true) {
          // Create only: an existing document is replaced only when it has expired.
          const created = await db.query(
            `INSERT INTO documents (namespace, key, value, etag, updated_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, etag = excluded.etag,
               updated_at = excluded.updated_at, expires_at = excluded.expires_at
             WHERE documents.expires_at IS NOT NULL AND documents.expires_at <= $5`,
            [namespace, w.key, w.json, w.etag, updatedAt, w.expiresAt],
          );
          if (created.rowCount === 1) continue;
          throw new StoreConflictError(namespace, w.key, conflictMessage?.(w.key));
        }
        if (w.expected === undefined) {
          await db.query(
            `INSERT INTO documents (namespace, key, value, etag, updated_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, etag = excluded.etag,
               updated_at = excluded.updated_at, expires_at = excluded.expires_at`,
            [namespace, w.key, w.json, w.etag, updatedAt, w.expiresAt],
          );
          continue;
        }
        const updated = await db.query(
          'UPDATE documents SET value = $1, etag = $2, updated_at = $3, expires_at = $4 WHERE namespace = $5 AND key = $6 AND etag = $7',
          [w.json, w.etag, updatedAt, w.expiresAt, namespace, w.key, w.expected],
        );
        if (updated.rowCount === 1) continue;
        if (w.createIfMissing) {
          const inserted = await db.query(
            `INSERT INTO documents (namespace, key, value, etag, updated_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (namespace, key) DO NOTHING`,
            [namespace, w.key, w.json, w.etag, updatedAt, w.expiresAt],
          );
          if (inserted.rowCount === 1) continue;
        }
        throw new StoreConflictError(namespace, w.key, conflictMessage?.(w.key));
      }
      for (const r of audit?.records ?? []) {
        await db.query('INSERT INTO audit_log (at, actor, action, target, outcome, details) VALUES ($1, $2, $3, $4, $5, $6)', [
          audit?.at,
          r.actor,
          r.action,
          r.target,
          r.outcome,
          r.details,
        ]);
      }
    };
    if (writes.length === 1 && audit === undefined) return apply(this.pool);
    await this.transaction(apply);
  }

  private async applyDelete({ namespace, key, expected }: PendingDelete): Promise<DeleteOutcome> {
    if (expected === undefined) {
      const { rowCount } = await this.pool.query('DELETE FROM documents WHERE namespace = $1 AND key = $2', [
        namespace,
        key,
      ]);
      return rowCount === 1 ? 'deleted' : 'missing';
    }
    // One statement: the CTE deletes on a matching etag, the outer query tells a stale etag from a missing row.
    const { rows } = await this.pool.query<{ deleted: boolean; present: boolean }>(
      `WITH removed AS (
         DELETE FROM documents WHERE namespace = $1 AND key = $2 AND etag = $3 RETURNING 1
       )
       SELECT EXISTS (SELECT 1 FROM removed) AS deleted,
              EXISTS (SELECT 1 FROM documents WHERE namespace = $1 AND key = $2) AS present`,
      [namespace, key, expected],
    );
    const row = rows[0];
    if (row?.deleted) return 'deleted';
    return row?.present ? 'conflict' : 'missing';
  }

  protected deleteDocuments(namespace: string, keys: string[]): Promise<void> {
    return this.enqueue({
      kind: 'alone',
      run: async () => {
        await this.pool.query('DELETE FROM documents WHERE namespace = $1 AND key = ANY($2::text[])', [namespace, keys]);
      },
    });
  }

  protected async listDocuments(namespace: string, prefix: string): Promise<DocumentRow[]> {
    const { rows } = await this.pool.query<DocumentRow>(
      `SELECT key, value, etag FROM documents
       WHERE namespace = $1 AND key >= $2 AND substr(key, 1, length($2)) = $2 AND (expires_at IS NULL OR expires_at > $3)
       ORDER BY key`,
      [namespace, prefix, this.now()],
    );
    return rows;
  }

  protected takeDocument(namespace: string, key: string): Promise<string | undefined> {
    return this.enqueue({ kind: 'alone', run: () => this.takeNow(namespace, key) });
  }

  private async takeNow(namespace: string, key: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ value: string; live: boolean }>(
      'DELETE FROM documents WHERE namespace = $1 AND key = $2 RETURNING value, (expires_at IS NULL OR expires_at > $3) AS live',
      [namespace, key, this.now()],
    );
    const row = rows[0];
    return row?.live === true ? row.value : undefined;
  }

  protected deleteNamespaceDocuments(namespace: string): Promise<number> {
    return this.enqueue({
      kind: 'alone',
      run: async () => (await this.pool.query('DELETE FROM documents WHERE namespace = $1', [namespace])).rowCount ?? 0,
    });
  }

  protected deleteExpiredDocuments(): Promise<number> {
    const now = this.now();
    return this.enqueue({
      kind: 'alone',
      run: async () => (await this.pool.query('DELETE FROM documents WHERE expires_at IS NOT NULL AND expires_at <= $1', [now])).rowCount ?? 0,
    });
  }

  protected insertAudit(record: AuditRecord, at: Date): Promise<string> {
    return this.enqueue({ kind: 'alone', run: () => this.insertAuditNow(record, at) });
  }

  private async insertAuditNow(record: AuditRecord, at: Date): Promise<string> {
    const { rows } = await this.pool.query<{ id: string }>(
      `INSERT INTO audit_log (at, actor, action, target, outcome, details) VALUES ($1, $2, $3, $4, $5, $6)
       RETURNING id::text AS id`,
      [at, record.actor, record.action, record.target, record.outcome, record.details],
    );
    const id = rows[0]?.id;
    if (id === undefined) throw new Error('PostgreSQL returned no id for the new audit entry.');
    return id;
  }

  protected async selectAudit(beforeId: string | undefined, limit: number): Promise<AuditRow[]> {
    // ORDER BY the column, not the output `id` (text): as text, entry 9 would sort before entry 12.
    const { rows } = await this.pool.query<AuditPgRow>(
      `SELECT id::text AS id, at, actor, action, target, outcome, details FROM audit_log
       WHERE ($1::bigint IS NULL OR id < $1::bigint) ORDER BY audit_log.id DESC LIMIT $2`,
      [beforeId ?? null, limit],
    );
    return rows;
  }

  protected async closeBackend(): Promise<void> {
    // Reads and writes already queued are sent (and their callers answered) before the connections close.
    this.flushReads();
    this.flush();
    await Promise.all(this.inFlight);
    await this.pool.end();
  }

  /** One cheap read of each table: PostgreSQL guards its own pages, so what can fail is reaching or finding them. */
  protected async checkBackend(): Promise<StoreCheck> {
    for (const table of STORE_TABLES) {
      try {
        await this.pool.query(`SELECT 1 FROM ${table} LIMIT 1`);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        return { ok: false, problem: `PostgreSQL could not read the store's table ${table}: ${reason}` };
      }
    }
    return { ok: true };
  }

  private async transaction(work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    await withClient(this.pool, async (client) => {
      await client.query('BEGIN');
      await work(client);
      await client.query('COMMIT');
    });
  }
}

/**
 * Applies pending migrations in one transaction holding an advisory lock, so instances starting together
 * take turns: the first migrates, the others then find nothing to do.
 */
async function migrate(
  pool: pg.Pool,
  schema: string | undefined,
  onApplied: StoreOptions['onMigrationApplied'],
): Promise<void> {
  const applied: { version: number; name: string }[] = [];
  await withClient(pool, async (client) => {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    if (schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version INTEGER PRIMARY KEY,
         name TEXT NOT NULL,
         applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await client.query<{ version: number | null }>(
      'SELECT max(version) AS version FROM schema_migrations',
    );
    const current = rows[0]?.version ?? 0;
    if (current > STORE_SCHEMA_VERSION) throw new StoreOpenError(newerSchemaMessage(current));
    for (const migration of migrationsFor('postgres')) {
      if (migration.version <= current) continue;
      for (const sql of migration.postgres) await client.query(sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      applied.push({ version: migration.version, name: migration.name });
    }
    await client.query('COMMIT');
  });
  for (const migration of applied) onApplied?.(migration);
}

/**
 * Runs `work` in a transaction on a client checked out of the pool, rolled back when `work` throws. While checked
 * out, a client has no listener of the pool's: its connection dropping (a server restart, `pg_terminate_backend`, a
 * network cut) would emit an unhandled 'error' and end the whole process. Here that error fails this call only,
 * and the broken client is discarded instead of returned to the pool.
 */
async function withClient(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
  let broken: Error | undefined;
  const onError = (error: Error) => {
    broken ??= error;
  };
  const client = await new Promise<pg.PoolClient>((resolve, reject) => {
    pool.connect((error, connected) => {
      if (error || connected === undefined) {
        reject(error ?? new Error('The PostgreSQL pool gave no connection.'));
        return;
      }
      // Attached in the pool's callback, not after an await: the pool may hand over a client while pg is still
      // parsing a chunk of its socket, and the termination notice that follows in that chunk is emitted at once.
      connected.on('error', onError);
      resolve(connected);
    });
  });
  try {
    await work(client);
  } catch (error) {
    await client.query('ROLLBACK').catch((rollback: unknown) => {
      broken ??= rollback instanceof Error ? rollback : new Error(String(rollback));
    });
    throw error;
  } finally {
    client.removeListener('error', onError);
    client.release(broken);
  }
}
