import pg from 'pg';
import { StoreConflictError, StoreOpenError, StoreValidationError } from './errors';
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

const APPLICATION_NAME = 'twilio-verify-action';
const DEFAULT_POOL_SIZE = 10;
/** pg_advisory_xact_lock key serializing migrations of every instance on this database ("tva-mig" in hex). */
const MIGRATION_LOCK_KEY = BigInt('0x7476612d6d6967').toString();
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const UNIQUE_VIOLATION = '23505';
/** writeBatch's answer when its statement lost a race to create a document; the slower path then decides. */
const RACED = Symbol('raced');

/** How a write checks the stored document, for BATCH_WRITE. */
function writeMode(w: DocumentWrite): 'create' | 'put' | 'cas' | 'cas-or-create' {
  if (w.ifAbsent === true) return 'create';
  if (w.expected === undefined) return 'put';
  return w.createIfMissing ? 'cas-or-create' : 'cas';
}

/**
 * A multi-document write (and its audit entries) as one statement: one round trip and one commit instead of
 * BEGIN, a statement per document and per entry, and COMMIT. The same rules as the statement-per-write path:
 * - `current` locks every existing row of the batch (in key order, as concurrent writers of the same keys lock
 *   them), so its etag and expiry are the committed ones (READ COMMITTED re-reads a row changed meanwhile) and
 *   nobody changes them before this statement commits: compare-and-set across connections.
 * - `verdict` checks each write as writeDocuments would: 'create' (ifAbsent) needs no live document, 'put'
 *   overwrites, 'cas' needs the stored etag, 'cas-or-create' the stored etag or no document at all.
 * - Nothing is written unless every check passed (`go`); `failed` is then the position (1-based) of the first write
 *   that failed, reported with that key. Otherwise the existing rows are updated and the missing ones inserted.
 * - A row missing at the check but created by another connection before the insert makes the insert fail on the
 *   primary key (no ON CONFLICT on purpose): the whole statement, audit entries included, is rolled back, and the
 *   caller retries the slower path, which decides afresh.
 */
const BATCH_WRITE = `
WITH input AS (
  SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])
    WITH ORDINALITY AS t(key, value, etag, expected, mode, expires_at, ord)
),
current AS (
  SELECT d.key, d.etag, (d.expires_at IS NULL OR d.expires_at > $8) AS live
  FROM documents d WHERE d.namespace = $1 AND d.key = ANY($2::text[])
  ORDER BY d.key
  FOR UPDATE
),
verdict AS (
  SELECT i.*, c.key IS NOT NULL AS present, c.etag AS seen,
    coalesce(CASE i.mode
      WHEN 'create' THEN c.key IS NULL OR NOT c.live
      WHEN 'put' THEN true
      WHEN 'cas' THEN c.etag = i.expected
      WHEN 'cas-or-create' THEN c.key IS NULL OR c.etag = i.expected
    END, false) AS ok
  FROM input i LEFT JOIN current c ON c.key = i.key
),
go AS (
  SELECT (SELECT min(ord) FROM verdict WHERE NOT ok) AS failed
),
updated AS (
  UPDATE documents d SET value = v.value, etag = v.etag, updated_at = $8, expires_at = v.expires_at
  FROM verdict v, go
  WHERE go.failed IS NULL AND v.present AND d.namespace = $1 AND d.key = v.key AND d.etag = v.seen
  RETURNING d.key
),
inserted AS (
  INSERT INTO documents (namespace, key, value, etag, updated_at, expires_at)
  SELECT $1, v.key, v.value, v.etag, $8, v.expires_at FROM verdict v, go
  WHERE go.failed IS NULL AND NOT v.present
  ORDER BY v.key
  RETURNING key
),
audited AS (
  INSERT INTO audit_log (at, actor, action, target, outcome, details)
  SELECT $9, a.actor, a.action, a.target, a.outcome, a.details
  FROM unnest($10::text[], $11::text[], $12::text[], $13::text[], $14::text[])
    WITH ORDINALITY AS a(actor, action, target, outcome, details, ord), go
  WHERE go.failed IS NULL
  ORDER BY a.ord
  RETURNING id
)
SELECT go.failed::text AS failed, (SELECT count(*) FROM updated) + (SELECT count(*) FROM inserted) AS written,
  (SELECT count(*) FROM audited) AS audited
FROM go`;

interface AuditPgRow extends AuditRecord {
  id: string;
  at: Date;
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
 * The store for several bot instances: one pg Pool. Every write is a single statement, one round trip and one
 * commit (row locks make compare-and-set on the etag atomic under READ COMMITTED), a write of several documents or
 * with audit entries too (BATCH_WRITE); only a single bot state write that must create its missing document takes
 * two, and a batch that lost a race to create a document is redone as one transaction of a statement per write.
 */
export class PostgresStore extends DocumentStore {
  readonly kind = 'postgres' as const;
  readonly groupCommit = false;

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

  protected async fetchDocuments(namespace: string, keys: string[]): Promise<DocumentRow[]> {
    const { rows } = await this.pool.query<DocumentRow>(
      `SELECT key, value, etag FROM documents WHERE namespace = $1 AND key = ANY($2::text[])
       AND (expires_at IS NULL OR expires_at > $3)`,
      [namespace, keys, this.now()],
    );
    return rows;
  }

  protected async writeDocuments(
    namespace: string,
    writes: DocumentWrite[],
    conflictMessage?: (key: string) => string,
    audit?: { records: AuditRecord[]; at: Date },
  ): Promise<void> {
    const updatedAt = this.now();
    if (writes.length > 1 || audit !== undefined) {
      const failed = await this.writeBatch(namespace, writes, updatedAt, audit);
      if (failed === undefined) return;
      if (failed !== RACED) throw new StoreConflictError(namespace, failed, conflictMessage?.(failed));
      // A document was created by another connection between this statement's check and its insert: rare, and
      // answered by the statement-per-write transaction below, which decides afresh.
    }
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

  /**
   * Several documents and audit entries in one statement, so one round trip and one commit (see BATCH_WRITE):
   * undefined when everything was written, else the key of the first write whose check failed (nothing written),
   * or RACED when another connection created one of the missing documents meanwhile (nothing written either).
   */
  private async writeBatch(
    namespace: string,
    writes: DocumentWrite[],
    updatedAt: Date,
    audit: { records: AuditRecord[]; at: Date } | undefined,
  ): Promise<string | typeof RACED | undefined> {
    const records = audit?.records ?? [];
    try {
      const { rows } = await this.pool.query<{ failed: string | null }>({
        name: 'tva_write_batch',
        text: BATCH_WRITE,
        values: [
          namespace,
          writes.map((w) => w.key),
          writes.map((w) => w.json),
          writes.map((w) => w.etag),
          writes.map((w) => w.expected ?? null),
          writes.map(writeMode),
          writes.map((w) => w.expiresAt),
          updatedAt,
          audit?.at ?? updatedAt,
          records.map((r) => r.actor),
          records.map((r) => r.action),
          records.map((r) => r.target),
          records.map((r) => r.outcome),
          records.map((r) => r.details),
        ],
      });
      const failed = rows[0]?.failed;
      if (failed === null || failed === undefined) return undefined;
      return writes[Number(failed) - 1]?.key ?? RACED;
    } catch (error) {
      if ((error as { code?: unknown }).code === UNIQUE_VIOLATION) return RACED;
      throw error;
    }
  }

  protected async deleteDocument(namespace: string, key: string, expected?: string): Promise<DeleteOutcome> {
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

  protected async deleteDocuments(namespace: string, keys: string[]): Promise<void> {
    await this.pool.query('DELETE FROM documents WHERE namespace = $1 AND key = ANY($2::text[])', [namespace, keys]);
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

  protected async takeDocument(namespace: string, key: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ value: string; live: boolean }>(
      'DELETE FROM documents WHERE namespace = $1 AND key = $2 RETURNING value, (expires_at IS NULL OR expires_at > $3) AS live',
      [namespace, key, this.now()],
    );
    const row = rows[0];
    return row?.live === true ? row.value : undefined;
  }

  protected async deleteNamespaceDocuments(namespace: string): Promise<number> {
    const { rowCount } = await this.pool.query('DELETE FROM documents WHERE namespace = $1', [namespace]);
    return rowCount ?? 0;
  }

  protected async deleteExpiredDocuments(): Promise<number> {
    const { rowCount } = await this.pool.query('DELETE FROM documents WHERE expires_at IS NOT NULL AND expires_at <= $1', [
      this.now(),
    ]);
    return rowCount ?? 0;
  }

  protected async insertAudit(record: AuditRecord, at: Date): Promise<string> {
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
    const { rows } = await this.pool.query<AuditPgRow>(
      `SELECT id::text AS id, at, actor, action, target, outcome, details FROM audit_log
       WHERE ($1::bigint IS NULL OR id < $1::bigint) ORDER BY id DESC LIMIT $2`,
      [beforeId ?? null, limit],
    );
    return rows;
  }

  protected async closeBackend(): Promise<void> {
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
    for (const migration of MIGRATIONS) {
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
