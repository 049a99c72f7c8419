/**
 * Conversation leases in memory (SQLite) and the lock that makes them safe: only one process serves the turns of a
 * SQLite store. The lock is tried from another store of this process and from a child process, killed at the end as
 * a crash would end it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lockTurns, openStore, ProcessLeases, StoreOpenError, type Store } from '../../src/store';

describe('ProcessLeases', () => {
  let clock = Date.parse('2030-01-01T00:00:00Z');
  const leases = () => new ProcessLeases(() => new Date(clock));
  const inSeconds = (s: number) => new Date(clock + s * 1000);

  it('gives a lease to one taker at a time', () => {
    const table = leases();
    assert.ok(table.take('c1', inSeconds(15)));
    assert.equal(table.take('c1', inSeconds(15)), undefined);
    assert.ok(table.take('c2', inSeconds(15)), 'another conversation is free');
  });

  it('lets a lease be taken over once it ran out, and the old holder can neither renew nor end it', () => {
    const table = leases();
    const old = table.take('c1', inSeconds(15));
    assert.ok(old);
    clock += 16_000;
    const next = table.take('c1', inSeconds(15));
    assert.ok(next);
    assert.equal(table.renew('c1', old, inSeconds(15)), undefined);
    table.release('c1', old);
    assert.equal(table.take('c1', inSeconds(15)), undefined, 'the new holder still holds it');
    assert.ok(table.renew('c1', next, inSeconds(15)));
  });

  it('frees a released lease and forgets it', () => {
    const table = leases();
    const etag = table.take('c1', inSeconds(15));
    assert.ok(etag);
    table.release('c1', etag);
    assert.equal(table.size, 0);
    assert.ok(table.take('c1', inSeconds(15)));
  });
});

describe('SQLite store: one process serves its turns', function () {
  this.timeout(30_000);
  let dir: string;
  const stores: Store[] = [];
  const open = async () => {
    const store = await openStore({ dataDir: dir });
    stores.push(store);
    return store;
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tva-turn-lock-'));
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives every caller of one store the same leases', async () => {
    const store = await open();
    assert.equal(store.processLeases?.(), store.processLeases?.());
  });

  it('refuses the turns to a second store of the same file, saying why and what to do, until the first closes', async () => {
    const first = await open();
    first.processLeases?.();
    const file = path.join(dir, 'store.sqlite');
    assert.throws(
      () => lockTurns(file, 0),
      (err: unknown) =>
        err instanceof StoreOpenError &&
        err.message.includes(`Another process serves bot turns from ${file}`) &&
        /DATA_DIR/.test(err.message) &&
        /PostgreSQL \(DATABASE_URL\)/.test(err.message),
    );
    await first.close();
    stores.splice(0);
    const second = await open();
    assert.ok(second.processLeases?.());
  });

  it('makes the lock file readable by its owner only (another account could hold a lock on it)', () => {
    const file = path.join(dir, 'store.sqlite');
    const previous = process.umask(0o022);
    try {
      lockTurns(file, 0).close();
    } finally {
      process.umask(previous);
    }
    assert.equal(statSync(`${file}-turns`).mode & 0o777, 0o600);
  });

  it('refuses the turns while another process holds them, and gives them once that process is killed', async () => {
    const file = path.join(dir, 'store.sqlite');
    const module = path.join(__dirname, '..', '..', 'src', 'store', 'process-leases.ts');
    // The child keeps the lock's connection referenced: a collected connection closes, and lets go of the lock.
    const holder = spawn(
      process.execPath,
      ['-r', 'tsx/cjs', '-e', `globalThis.held = require(${JSON.stringify(module)}).lockTurns(process.argv[1]); console.log('held'); setInterval(() => {}, 1000);`, file],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('held')) resolve();
        });
        holder.once('exit', (code) => reject(new Error(`the holder exited (${code}) before taking the lock`)));
      });
      assert.throws(() => lockTurns(file, 0), StoreOpenError);
    } finally {
      const exited = new Promise((resolve) => holder.once('exit', resolve));
      holder.kill('SIGKILL');
      await exited;
    }
    lockTurns(file, 0).close();
  });
});
