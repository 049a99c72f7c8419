/**
 * The one way the product's core is put together: the store, the secrets key, and the integration action over them.
 * Shared by `npm start` (src/main.ts), the `tva` CLI and the library's `createTwilioVerifyDialogs`, so all three
 * read the same store with the same key the same way.
 */
import { IntegrationAction, loadSecrets, type LoadedSecrets, type SecretsEnv } from '../auth';
import { openStore, type Store } from '../store';

export interface AssembleOptions {
  /** Where the SQLite file and the generated secrets key live (`DATA_DIR`). */
  dataDir: string;
  /** `DATABASE_URL`: PostgreSQL instead of SQLite. */
  databaseUrl?: string;
  /** SQLite durability (`SQLITE_SYNCHRONOUS`); default full. */
  sqliteSynchronous?: 'full' | 'normal';
  /** SQLite: how long to wait for another process to let go of the store's turns (StoreOptions.turnLockWaitMs). */
  turnLockWaitMs?: number;
  /** A store the caller opened (and closes); otherwise one is opened here and {@link Assembly.close} closes it. */
  store?: Store;
  /** `SECRETS_KEY`, `SECRETS_KEY_PREVIOUS`. */
  secretsEnv: SecretsEnv;
  now?: () => Date;
}

export interface Assembly {
  store: Store;
  /** The secrets key, where it came from, and what the operator should know (warnings, a pending rotation). */
  secrets: LoadedSecrets;
  action: IntegrationAction;
  /** Closes the store when it was opened here; otherwise nothing. */
  close(): Promise<void>;
}

/** Opens (or takes) the store, loads the secrets key, and builds the action; the store is closed again on failure. */
export async function assemble(options: AssembleOptions): Promise<Assembly> {
  const owned = options.store === undefined;
  const store = options.store ?? (await openStore({
      dataDir: options.dataDir,
      ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
      ...(options.sqliteSynchronous ? { sqliteSynchronous: options.sqliteSynchronous } : {}),
      ...(options.turnLockWaitMs !== undefined ? { turnLockWaitMs: options.turnLockWaitMs } : {}),
    }));
  const close = owned ? () => store.close() : async () => undefined;
  try {
    const secrets = await loadSecrets({ env: options.secretsEnv, dataDir: options.dataDir, store });
    const action = new IntegrationAction({ store, secrets: secrets.box, ...(options.now ? { now: options.now } : {}) });
    return { store, secrets, action, close };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}
