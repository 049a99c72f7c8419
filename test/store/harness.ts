import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openStore, sqlitePath, type Store, type StoreOptions } from '../../src/store';
import type { ChildStoreOptions } from './children';

/**
 * One backend under test. `setUp` points the harness at a fresh, empty database (a temp dir for SQLite, a
 * new schema for PostgreSQL); every `open` until `tearDown` opens that same database.
 */
export interface StoreHarness {
  readonly label: string;
  readonly backend: 'sqlite' | 'postgres';
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
  /** Options for the current database, serializable for a child process. */
  options(): ChildStoreOptions;
  /** Opens another Store on the current database; tearDown closes it. */
  open(extra?: Partial<StoreOptions>): Promise<Store>;
  /** Rows of schema_migrations, read without the store. */
  appliedMigrations(): Promise<{ version: number; name: string }[]>;
  /** Records a migration this code does not know, as a newer release would. */
  recordFutureMigration(version: number): Promise<void>;
  /** Forgets that `version` was applied, as a database last opened by an older release: the next open applies it. */
  forgetMigration(version: number): Promise<void>;
  /** The backend's own consistency check: 'ok' when sound. */
  integrityCheck(): Promise<string>;
  /** Closes every store, then damages the audit table behind the store's back (SQLite: garbage over one of its pages). */
  damageAuditTable(): Promise<void>;
}

abstract class BaseHarness {
  private stores: Store[] = [];
  abstract options(): ChildStoreOptions;

  async open(extra: Partial<StoreOptions> = {}): Promise<Store> {
    const store = await openStore({ ...this.options(), ...extra });
    this.stores.push(store);
    return store;
  }

  protected async closeStores(): Promise<void> {
    const stores = this.stores;
    this.stores = [];
    await Promise.all(stores.map((store) => store.close()));
  }
}

export class SqliteHarness extends BaseHarness implements StoreHarness {
  readonly label = 'SQLite';
  readonly backend = 'sqlite' as const;
  private dir: string | undefined;

  async setUp(): Promise<void> {
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'tva-store-'));
  }

  async tearDown(): Promise<void> {
    await this.closeStores();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }

  options(): ChildStoreOptions {
    if (!this.dir) throw new Error('SqliteHarness.setUp was not called');
    return { dataDir: path.join(this.dir, 'data') };
  }

  private raw<T>(work: (db: Database.Database) => T): T {
    const db = new Database(sqlitePath(this.options()));
    try {
      return work(db);
    } finally {
      db.close();
    }
  }

  async appliedMigrations(): Promise<{ version: number; name: string }[]> {
    return this.raw((db) =>
      db.prepare<[], { version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version').all(),
    );
  }

  async recordFutureMigration(version: number): Promise<void> {
    this.raw((db) =>
      db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from the future', '2099-01-01')").run(version),
    );
  }

  async forgetMigration(version: number): Promise<void> {
    await this.closeStores();
    this.raw((db) => db.prepare('DELETE FROM schema_migrations WHERE version = ?').run(version));
  }

  async integrityCheck(): Promise<string> {
    return this.raw((db) => String(db.pragma('integrity_check', { simple: true })));
  }

  async damageAuditTable(): Promise<void> {
    await this.closeStores();
    const file = sqlitePath(this.options());
    const { pageSize, pages } = this.raw((db) => ({
      pageSize: Number(db.pragma('page_size', { simple: true })),
      pages: db
        .prepare<[], { pageno: number }>("SELECT pageno FROM dbstat WHERE name = 'audit_log' AND pagetype = 'leaf' ORDER BY pageno")
        .all()
        .map((row) => row.pageno),
    }));
    const victim = pages[Math.floor(pages.length / 2)];
    if (victim === undefined || pages.length < 3) throw new Error(`the audit table has ${pages.length} leaf pages; write more entries first`);
    const fd = openSync(file, 'r+');
    try {
      writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (victim - 1) * pageSize);
    } finally {
      closeSync(fd);
    }
  }
}

export class PostgresHarness extends BaseHarness implements StoreHarness {
  readonly label = 'PostgreSQL';
  readonly backend = 'postgres' as const;
  private schema: string | undefined;

  constructor(private readonly databaseUrl: string) {
    super();
  }

  async setUp(): Promise<void> {
    this.schema = `tva_test_${randomBytes(6).toString('hex')}`;
  }

  async tearDown(): Promise<void> {
    await this.closeStores();
    if (this.schema) await this.query(`DROP SCHEMA IF EXISTS ${this.schema} CASCADE`);
    this.schema = undefined;
  }

  options(): ChildStoreOptions {
    if (!this.schema) throw new Error('PostgresHarness.setUp was not called');
    return { databaseUrl: this.databaseUrl, schema: this.schema };
  }

  async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    const client = new pg.Client({
      connectionString: this.databaseUrl,
      options: this.schema ? `-c search_path=${this.schema}` : undefined,
    });
    await client.connect();
    try {
      return (await client.query<R>(sql, params)).rows;
    } finally {
      await client.end();
    }
  }

  async appliedMigrations(): Promise<{ version: number; name: string }[]> {
    return this.query('SELECT version, name FROM schema_migrations ORDER BY version');
  }

  async recordFutureMigration(version: number): Promise<void> {
    await this.query("INSERT INTO schema_migrations (version, name) VALUES ($1, 'from the future')", [version]);
  }

  async forgetMigration(version: number): Promise<void> {
    await this.closeStores();
    await this.query('DELETE FROM schema_migrations WHERE version = $1', [version]);
  }

  async integrityCheck(): Promise<string> {
    // PostgreSQL recovers from a killed client by itself; amcheck proves the primary key index and the table
    // agree (heapallindexed). The extension lives in the test schema and goes with it.
    await this.query(`CREATE EXTENSION IF NOT EXISTS amcheck SCHEMA ${this.options().schema}`);
    await this.query(
      "SELECT bt_index_check(index => 'documents_pkey'::regclass, heapallindexed => true), " +
        "bt_index_check(index => 'audit_log_pkey'::regclass, heapallindexed => true)",
    );
    return 'ok';
  }

  async damageAuditTable(): Promise<void> {
    await this.closeStores();
    // PostgreSQL guards its pages itself; what an operator can break is the table: it is gone.
    await this.query('DROP TABLE audit_log');
  }
}
