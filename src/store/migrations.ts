/**
 * The schema history, oldest first, shared by both backends. Append new migrations; never edit an applied one.
 * Each is applied in a transaction together with its row in `schema_migrations`.
 *
 * Column choices keep both backends identical: values are JSON text (PostgreSQL's jsonb would reject "\u0000"
 * and reorder keys), keys compare byte-wise (COLLATE "C" matches SQLite's BINARY).
 */
export interface Migration {
  version: number;
  name: string;
  sqlite: string[];
  postgres: string[];
  /**
   * A migration of one backend's storage alone: the other neither runs nor records it, so its schema version stays
   * where it was (older releases sharing that database keep opening it).
   */
  only?: 'sqlite' | 'postgres';
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'documents and audit log',
    sqlite: [
      `CREATE TABLE documents (
         namespace TEXT NOT NULL,
         key TEXT NOT NULL,
         value TEXT NOT NULL,
         etag TEXT NOT NULL,
         updated_at TEXT NOT NULL,
         PRIMARY KEY (namespace, key)
       ) WITHOUT ROWID`,
      `CREATE TABLE audit_log (
         id INTEGER PRIMARY KEY AUTOINCREMENT,
         at TEXT NOT NULL,
         actor TEXT NOT NULL,
         action TEXT NOT NULL,
         target TEXT,
         outcome TEXT NOT NULL,
         details TEXT
       )`,
    ],
    postgres: [
      `CREATE TABLE documents (
         namespace TEXT COLLATE "C" NOT NULL,
         key TEXT COLLATE "C" NOT NULL,
         value TEXT NOT NULL,
         etag TEXT NOT NULL,
         updated_at TIMESTAMPTZ NOT NULL,
         PRIMARY KEY (namespace, key)
       )`,
      `CREATE TABLE audit_log (
         id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
         at TIMESTAMPTZ NOT NULL,
         actor TEXT NOT NULL,
         action TEXT NOT NULL,
         target TEXT,
         outcome TEXT NOT NULL,
         details TEXT
       )`,
    ],
  },
  {
    version: 2,
    name: 'document expiry',
    sqlite: [
      'ALTER TABLE documents ADD COLUMN expires_at TEXT',
      'CREATE INDEX documents_expiry ON documents (expires_at) WHERE expires_at IS NOT NULL',
    ],
    postgres: [
      'ALTER TABLE documents ADD COLUMN expires_at TIMESTAMPTZ',
      'CREATE INDEX documents_expiry ON documents (expires_at) WHERE expires_at IS NOT NULL',
    ],
  },
  {
    // A send lists only the marks of its person's uncertain intents (src/bot/turns.ts, OPEN_INTENT_PREFIX); intents
    // left uncertain by a version that wrote no marks get theirs here, so a later send still asks Twilio about them.
    version: 3,
    name: 'marks for uncertain intents',
    sqlite: [
      `INSERT OR IGNORE INTO documents (namespace, key, value, etag, updated_at, expires_at)
       SELECT 'intents', 'open/' || key, json_object('since', json_extract(value, '$.startedAt')),
              lower(hex(randomblob(12))), updated_at, expires_at
       FROM documents
       WHERE namespace = 'intents' AND key NOT LIKE 'open/%' AND json_valid(value)
         AND json_extract(value, '$.state') = 'uncertain'`,
    ],
    postgres: [
      `INSERT INTO documents (namespace, key, value, etag, updated_at, expires_at)
       SELECT 'intents', 'open/' || key, json_build_object('since', value::json ->> 'startedAt')::text,
              md5(random()::text || key), updated_at, expires_at
       FROM documents
       WHERE namespace = 'intents' AND key NOT LIKE 'open/%' AND value LIKE '%"state":"uncertain"%'
         AND value::json ->> 'state' = 'uncertain'
       ON CONFLICT (namespace, key) DO NOTHING`,
    ],
  },
  {
    // SQLite only. In a WITHOUT ROWID table a row's payload stays in its b-tree page only up to about a quarter of
    // the page (1 KB of 4 KB): a conversation's state (2-3 KB) spilled into an overflow page, which every save freed
    // and took again (the page, the free list and the database header written to the WAL each time) and every read
    // followed. In a rowid table up to about 4 KB stays in the leaf: a save costs about half the CPU, a read a third.
    // Safe to run again: it copies whatever documents table it finds. PostgreSQL does not record it (`only`): older
    // releases on the same database keep opening it.
    version: 4,
    name: 'documents in a rowid table',
    only: 'sqlite',
    sqlite: [
      `CREATE TABLE documents_rowid (
         namespace TEXT NOT NULL,
         key TEXT NOT NULL,
         value TEXT NOT NULL,
         etag TEXT NOT NULL,
         updated_at TEXT NOT NULL,
         expires_at TEXT
       )`,
      `INSERT INTO documents_rowid (namespace, key, value, etag, updated_at, expires_at)
       SELECT namespace, key, value, etag, updated_at, expires_at FROM documents ORDER BY namespace, key`,
      'DROP TABLE documents',
      'ALTER TABLE documents_rowid RENAME TO documents',
      'CREATE UNIQUE INDEX documents_key ON documents (namespace, key)',
      'CREATE INDEX documents_expiry ON documents (expires_at) WHERE expires_at IS NOT NULL',
    ],
    postgres: [],
  },
];

/** The migrations a backend runs and records, oldest first. */
export function migrationsFor(backend: 'sqlite' | 'postgres'): readonly Migration[] {
  return MIGRATIONS.filter((m) => m.only === undefined || m.only === backend);
}

/** The schema version this code writes. */
export const STORE_SCHEMA_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

export function newerSchemaMessage(found: number): string {
  return (
    `The store's database is at schema version ${found}, but this version of twilio-verify-action knows versions ` +
    `up to ${STORE_SCHEMA_VERSION}. Upgrade twilio-verify-action, or point it at another database.`
  );
}
