import { chmodSync, closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { StoreOpenError } from './errors';

/**
 * Conversation leases (see TurnGuard) held in this process's memory. Only for a store no other process serves turns
 * from: a lease nobody else can see keeps nobody else out. SqliteStore hands one out with a lock on its file (see
 * {@link lockTurns}); PostgreSQL, shared by instances, keeps leases as documents.
 *
 * The rules are those of lease documents: a lease is taken only while nobody holds it or its holder's ran out (a
 * turn stuck past its budget); renewing or releasing needs the etag it was taken with, so a turn whose lease ran out
 * and was taken over can neither extend nor end the new holder's.
 */
export interface LeaseTable {
  /** Takes `key` until `expiresAt`: the lease's etag, or undefined while another holds it. */
  take(key: string, expiresAt: Date): string | undefined;
  /** Extends the lease taken with `etag`: its new etag, or undefined when it is no longer that lease. */
  renew(key: string, etag: string, expiresAt: Date): string | undefined;
  /** Ends the lease taken with `etag`; nothing when it is no longer that lease. */
  release(key: string, etag: string): void;
}

interface Held {
  etag: string;
  expiresAt: number;
}

export class ProcessLeases implements LeaseTable {
  private readonly held = new Map<string, Held>();
  private counter = 0;

  /** `now`: the store's clock, the one lease documents expire by. */
  constructor(private readonly now: () => Date) {}

  /** Leases held now (for tests and diagnostics). */
  get size(): number {
    return this.held.size;
  }

  take(key: string, expiresAt: Date): string | undefined {
    const current = this.held.get(key);
    if (current !== undefined && current.expiresAt > this.now().getTime()) return undefined;
    return this.hold(key, expiresAt);
  }

  renew(key: string, etag: string, expiresAt: Date): string | undefined {
    if (this.held.get(key)?.etag !== etag) return undefined;
    return this.hold(key, expiresAt);
  }

  release(key: string, etag: string): void {
    if (this.held.get(key)?.etag === etag) this.held.delete(key);
  }

  private hold(key: string, expiresAt: Date): string {
    this.counter += 1;
    const etag = String(this.counter);
    this.held.set(key, { etag, expiresAt: expiresAt.getTime() });
    return etag;
  }
}

/** How long opening the bot waits for another process to let go of the store's turns (a restart's old process). */
export const TURN_LOCK_WAIT_MS = 5_000;

/**
 * Locks the turns of the SQLite store `file` for this process: an exclusive lock on `<file>-turns` (a small SQLite
 * file in exclusive locking mode, so the operating system holds the lock until the connection closes or the process
 * ends, a crash included). Returns the connection to close to let go; throws StoreOpenError when another process (or
 * another store of this one) holds it after `waitMs`.
 */
export function lockTurns(file: string, waitMs = TURN_LOCK_WAIT_MS): Database.Database {
  const lockFile = `${file}-turns`;
  let lock: Database.Database | undefined;
  try {
    // Owner only, as the store itself: another account that could read it could hold a shared lock on it, and keep
    // the server from starting.
    closeSync(openSync(lockFile, 'a', 0o600));
    chmodSync(lockFile, 0o600);
    lock = new Database(lockFile, { timeout: waitMs });
    lock.pragma('locking_mode = EXCLUSIVE');
    // Nothing is ever written: no journal file beside it.
    lock.pragma('journal_mode = MEMORY');
    // Taken now and, in exclusive locking mode, kept after the commit.
    lock.exec('BEGIN EXCLUSIVE; COMMIT;');
    return lock;
  } catch (error) {
    lock?.close();
    const busy = (error as { code?: unknown }).code === 'SQLITE_BUSY';
    throw new StoreOpenError(
      busy
        ? `Another process serves bot turns from ${file} (it holds ${lockFile}). One server runs per SQLite store: stop the other one, give this one its own DATA_DIR, or use PostgreSQL (DATABASE_URL) for several instances.`
        : `Cannot lock the bot turns of ${file} (${lockFile}): ${(error as Error).message}`,
      { cause: error },
    );
  }
}
