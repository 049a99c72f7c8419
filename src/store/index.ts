/**
 * Persistence: JSON documents by (namespace, key) with etags, botbuilder Storage, and the audit log, on an
 * embedded SQLite file by default or PostgreSQL when a database URL is given.
 */
import { createRequire } from 'node:module';
import type * as PostgresModule from './postgres';
import { SqliteStore } from './sqlite';
import type { Store, StoreOptions } from './types';

export { StoreConflictError, StoreOpenError, StoreStoppedError, StoreValidationError } from './errors';
export { MIGRATIONS, STORE_SCHEMA_VERSION, migrationsFor, type Migration } from './migrations';
export { sqlitePath } from './sqlite';
export { lockTurns, ProcessLeases, type LeaseTable } from './process-leases';
export { BOT_STATE_NAMESPACE } from './document-store';
export { checkAudit } from './validate';
export {
  STORE_NAMESPACES,
  type AuditEntry,
  type AuditInput,
  type AuditPage,
  type AuditQuery,
  type DeleteOptions,
  type KnownNamespace,
  type ListOptions,
  type PutItem,
  type PutManyOptions,
  type PutOptions,
  type Store,
  type StoreCheck,
  type StoreKind,
  type StoreOptions,
  type StoredDocument,
} from './types';

/** Opens (and migrates) the store: PostgreSQL when `databaseUrl` is given, else `dataDir`/`filename` in SQLite. */
export async function openStore(options: StoreOptions = {}): Promise<Store> {
  if (options.databaseUrl) {
    // pg is loaded only when PostgreSQL is used: it would add 40-100 ms to every SQLite start.
    const { PostgresStore } = createRequire(__filename)('./postgres') as typeof PostgresModule;
    return PostgresStore.open(options.databaseUrl, options);
  }
  return SqliteStore.open(options);
}
