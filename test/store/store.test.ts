import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { MIGRATIONS, openStore, StoreOpenError, StoreValidationError, type Store } from '../../src/store';
import { describeFreshDatabase, describeStoreContract } from './contract';
import { PostgresHarness, SqliteHarness } from './harness';

const databaseUrl = process.env.TEST_DATABASE_URL;
const noPostgres = databaseUrl
  ? undefined
  : 'TEST_DATABASE_URL is not set; run `source .ci/postgres.sh start` first (CI does)';

describeStoreContract('SQLite', () => new SqliteHarness());
describeFreshDatabase('SQLite', () => new SqliteHarness());
describeStoreContract('PostgreSQL', () => new PostgresHarness(databaseUrl ?? ''), noPostgres);
describeFreshDatabase('PostgreSQL', () => new PostgresHarness(databaseUrl ?? ''), noPostgres);

describe('SQLite store specifics', function () {
  let dir: string;
  let store: Store | undefined;

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tva-store-'));
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the data directory with mode 0700 and the database file with mode 0600', async function () {
    const dataDir = path.join(dir, 'nested', 'data');
    store = await openStore({ dataDir });
    assert.equal(store.kind, 'sqlite');
    assert.equal(statSync(dataDir).mode & 0o777, 0o700);
    assert.equal(statSync(path.join(dataDir, 'store.sqlite')).mode & 0o777, 0o600);
  });

  it('flushes the WAL once at a time: commits made during a flush are answered by the next one, which covers them all', async function () {
    const flushes: Array<() => void> = [];
    const opened = await openStore({ dataDir: dir, sqliteWalFlusher: { flush: () => new Promise<void>((resolve) => flushes.push(resolve)) } });
    store = opened;
    const answered: string[] = [];
    const write = (key: string) => opened.put('flush', key, { key }).then(() => answered.push(key));
    const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));
    const first = write('a');
    await nextTick(); // committed; its flush starts
    assert.equal(flushes.length, 1);
    const later = [write('b')];
    await nextTick();
    later.push(write('c'));
    await nextTick(); // b and c committed in two more commits, while a's flush runs
    assert.equal(flushes.length, 1, 'no second flush while one runs');
    assert.deepEqual(answered, []);
    flushes[0]?.();
    await first;
    await nextTick();
    assert.deepEqual(answered, ['a'], 'b and c were committed after that flush started: not answered by it');
    assert.equal(flushes.length, 2, 'the next flush starts as soon as the first returns');
    flushes[1]?.();
    await Promise.all(later);
    assert.deepEqual(answered, ['a', 'b', 'c']);
  });

  it('stops after a failed WAL flush: that commit and every later read and write fail with the reason, and the check says so', async function () {
    let failNext = false;
    const flushed: number[] = [];
    const opened = await openStore({
      dataDir: dir,
      sqliteWalFlusher: {
        flush: (fd) => {
          if (failNext) throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
          flushed.push(fd);
          return undefined;
        },
      },
    });
    store = opened;
    await opened.put('flush', 'a', { n: 1 });
    failNext = true;
    await assert.rejects(opened.put('flush', 'b', { n: 2 }), { name: 'StoreStoppedError', message: /could not be flushed to disk: EIO: i\/o error, fsync\. .*restart the server/ });
    failNext = false;
    for (const call of [() => opened.put('flush', 'c', { n: 3 }), () => opened.get('flush', 'a'), () => opened.list('flush'), () => opened.appendAudit({ actor: 'test', action: 'x', outcome: 'ok' })]) {
      await assert.rejects(call(), { name: 'StoreStoppedError', message: /could not be flushed to disk: EIO/ });
    }
    assert.equal(flushed.length, 1, 'no flush after the failed one: it could not vouch for anything');
    const check = await opened.check();
    assert.equal(check.ok, false);
    assert.match(check.ok ? '' : check.problem, /store\.sqlite could not be flushed to disk: EIO.*check the disk/);
    await opened.close();
    store = await openStore({ dataDir: dir });
    assert.deepEqual((await store.get('flush', 'a'))?.value, { n: 1 }, 'reopened, the acknowledged commit is there');
    assert.equal(await store.get('flush', 'c'), undefined, 'nothing was written after the failure');
  });

  it('fails the commits that waited for a WAL flush on the thread pool when it fails, and starts no flush for them', async function () {
    const flushes: Array<(error?: Error) => void> = [];
    const opened = await openStore({
      dataDir: dir,
      sqliteWalFlusher: { flush: () => new Promise<void>((resolve, reject) => flushes.push((error) => (error ? reject(error) : resolve()))) },
    });
    store = opened;
    const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));
    const first = opened.put('flush', 'a', { n: 1 });
    await nextTick(); // committed; its flush runs on the thread pool
    const waiting = opened.put('flush', 'b', { n: 2 });
    await nextTick(); // committed; waits for the next flush
    const queued = opened.put('flush', 'c', { n: 3 }); // queued for the next group commit
    flushes[0]?.(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
    const outcomes = await Promise.allSettled([first, waiting, queued]);
    for (const outcome of outcomes) {
      assert.equal(outcome.status, 'rejected');
      assert.match(String(outcome.status === 'rejected' ? outcome.reason : ''), /StoreStoppedError: .*could not be flushed to disk: EIO/);
    }
    assert.equal(flushes.length, 1);
  });

  it('moves the documents of a version-3 file (WITHOUT ROWID) into a rowid table, every document, etag and expiry kept', async function () {
    const file = path.join(dir, 'store.sqlite');
    const old = new Database(file);
    old.pragma('journal_mode = WAL');
    old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    for (const migration of MIGRATIONS.filter((m) => m.version <= 3)) {
      for (const sql of migration.sqlite) old.exec(sql);
      old.prepare("INSERT INTO schema_migrations VALUES (?, ?, '2026-01-01')").run(migration.version, migration.name);
    }
    const insert = old.prepare('INSERT INTO documents (namespace, key, value, etag, updated_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)');
    const big = JSON.stringify({ ledger: 'x'.repeat(3000) });
    insert.run('botstate', 'webchat/conversations/c1/', big, 'etag-1', '2026-01-01T00:00:00.000Z', '2099-01-08T00:00:00.000Z');
    insert.run('action', 'config', '{"enabled":true}', 'etag-2', '2026-01-01T00:00:00.000Z', null);
    old.close();

    const applied: number[] = [];
    const opened = await openStore({ dataDir: dir, onMigrationApplied: (m) => applied.push(m.version) });
    store = opened;
    assert.deepEqual(applied, [4]);
    const state = await opened.get('botstate', 'webchat/conversations/c1/');
    assert.deepEqual(state?.value, JSON.parse(big));
    assert.equal(state?.etag, 'etag-1');
    assert.deepEqual((await opened.get('action', 'config'))?.value, { enabled: true });
    await opened.put('action', 'config', { enabled: false }, { etag: 'etag-2' });
    await assert.rejects(opened.put('action', 'config', { enabled: true }, { ifAbsent: true }), { name: 'StoreConflictError' }, 'the key is still unique');
    const check = new Database(file, { readonly: true });
    try {
      const table = check.prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'documents'").get();
      assert.doesNotMatch(table?.sql ?? '', /WITHOUT ROWID/i);
      const expiry = check.prepare<[], { expires_at: string | null }>("SELECT expires_at FROM documents WHERE namespace = 'botstate'").get();
      assert.equal(expiry?.expires_at, '2099-01-08T00:00:00.000Z');
    } finally {
      check.close();
    }
  });

  it('journals in WAL mode', async function () {
    store = await openStore({ dataDir: dir, filename: 'custom.sqlite' });
    const db = new Database(path.join(dir, 'custom.sqlite'), { readonly: true });
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    } finally {
      db.close();
    }
  });

  it('answers a write only once it is readable by another process, in both durability modes, and groups a tick of writes in one commit', async function () {
    for (const sqliteSynchronous of ['full', 'normal'] as const) {
      const filename = `${sqliteSynchronous}.sqlite`;
      const opened = await openStore({ dataDir: dir, filename, sqliteSynchronous });
      store = opened;
      const reader = new Database(path.join(dir, filename), { readonly: true });
      try {
        const seen = (key: string) => reader.prepare('SELECT 1 FROM documents WHERE key = ?').get(key) !== undefined;
        const writes = Array.from({ length: 20 }, (_, i) => opened.put('meta', `k${i}`, i).then(() => seen(`k${i}`)));
        const lease = opened.put('turnlocks', 'c', { owner: 'x' }, { ifAbsent: true, ephemeral: true }).then(() => seen('c'));
        assert.equal(seen('k0'), false, 'nothing is committed within the tick that issued the writes');
        assert.deepEqual(await Promise.all(writes), Array.from({ length: 20 }, () => true));
        assert.equal(await lease, true);
      } finally {
        reader.close();
      }
      await opened.close();
      store = undefined;
    }
  });

  it('opens an in-memory database for ":memory:"', async function () {
    store = await openStore({ filename: ':memory:' });
    await store.put('meta', 'k', 1);
    assert.equal((await store.get('meta', 'k'))?.value, 1);
  });

  it('names random bytes in store.sqlite as corruption, with what to do, instead of a schema to upgrade', async function () {
    writeFileSync(path.join(dir, 'store.sqlite'), randomBytes(64 * 1024));
    await assert.rejects(openStore({ dataDir: dir }), (error: unknown) => {
      assert.ok(error instanceof StoreOpenError);
      assert.equal(
        error.message,
        `${path.join(dir, 'store.sqlite')} is not a valid SQLite database (corrupted?): restore it from a backup or move it away to start afresh.`,
      );
      return true;
    });
  });

  it('names a damaged first page as corruption too', async function () {
    const file = path.join(dir, 'store.sqlite');
    await (await openStore({ dataDir: dir })).close();
    const bytes = readFileSync(file);
    bytes.fill(0xa5, 100, 4096);
    writeFileSync(file, bytes);
    await assert.rejects(openStore({ dataDir: dir }), /is not a valid SQLite database \(corrupted\?\): restore it from a backup/);
  });

  it('refuses an existing 0-byte store.sqlite as truncated instead of starting a new, empty store', async function () {
    const file = path.join(dir, 'store.sqlite');
    writeFileSync(file, '');
    await assert.rejects(openStore({ dataDir: dir }), (error: unknown) => {
      assert.ok(error instanceof StoreOpenError);
      assert.match(error.message, /store\.sqlite is empty \(0 bytes\), so it looks truncated/);
      assert.match(error.message, /restore it from a backup or move it away to start afresh/);
      return true;
    });
    assert.equal(statSync(file).size, 0, 'the file is left as it was');
  });

  it('explains which file it could not open', async function () {
    const file = path.join(dir, 'not-a-database.sqlite');
    writeFileSync(file, 'this is not SQLite '.repeat(100));
    await assert.rejects(openStore({ dataDir: dir, filename: 'not-a-database.sqlite' }), (error: unknown) => {
      assert.ok(error instanceof StoreOpenError);
      assert.match(error.message, /not-a-database\.sqlite/);
      return true;
    });
  });
});

describe(noPostgres ? `PostgreSQL store specifics (skipped: ${noPostgres})` : 'PostgreSQL store specifics', function () {
  let harness: PostgresHarness;

  before(function () {
    if (noPostgres) this.skip();
    harness = new PostgresHarness(databaseUrl ?? '');
  });
  beforeEach(async () => harness.setUp());
  afterEach(async () => harness.tearDown());

  it('connects with application_name twilio-verify-action', async function () {
    const store = await harness.open();
    assert.equal(store.kind, 'postgres');
    await store.put('meta', 'k', 1);
    const rows = await harness.query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'twilio-verify-action'",
    );
    assert.ok(Number(rows[0]?.n) >= 1);
  });

  it('keeps its tables in the schema it was given', async function () {
    await harness.open();
    const rows = await harness.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
      [harness.options().schema],
    );
    assert.deepEqual(rows.map((r) => r.table_name), ['audit_log', 'documents', 'schema_migrations']);
  });

  it('rejects a schema name that is not a plain identifier', async function () {
    await assert.rejects(openStore({ databaseUrl, schema: 'x; DROP TABLE documents' }), StoreValidationError);
  });

  it('names the server but not the password when it cannot connect', async function () {
    // Port 1 on loopback refuses connections at once.
    await assert.rejects(openStore({ databaseUrl: 'postgres://tva:s3cret@127.0.0.1:1/tva' }), (error: unknown) => {
      assert.ok(error instanceof StoreOpenError);
      assert.match(error.message, /127\.0\.0\.1:1/);
      assert.doesNotMatch(error.message, /s3cret/);
      return true;
    });
  });

  it('reports a dropped idle connection to onBackgroundError and keeps working', async function () {
    let reported: (error: Error) => void = () => undefined;
    const dropped = new Promise<Error>((resolve) => (reported = resolve));
    // Only this store's connections, named apart through the URL (which overrides the store's application_name):
    // terminating every 'twilio-verify-action' connection of the server would also break any other process using
    // it meanwhile (a benchmark's servers answered "Sorry, something went wrong" when this test ran beside them).
    const applicationName = `tva-test-dropped-${randomBytes(6).toString('hex')}`;
    const url = new URL(databaseUrl ?? '');
    url.searchParams.set('application_name', applicationName);
    const store = await harness.open({ databaseUrl: url.toString(), onBackgroundError: (error) => reported(error) });
    await store.put('meta', 'k', 1);
    const rows = await harness.query<{ terminated: boolean }>(
      'SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity WHERE application_name = $1',
      [applicationName],
    );
    assert.ok(rows.length > 0, 'the store had a connection to terminate');
    assert.match((await dropped).message, /terminat/);
    assert.equal((await store.get('meta', 'k'))?.value, 1);
  });
  it('survives its connection being dropped in the middle of a multi-document write: the write fails, the process lives on', async function () {
    const applicationName = `tva-test-mid-write-${randomBytes(6).toString('hex')}`;
    const url = new URL(databaseUrl ?? '');
    url.searchParams.set('application_name', applicationName);
    const store = await harness.open({ databaseUrl: url.toString() });
    await store.put('botstate', 'b', { v: 0 });
    // Another session holds 'b', so the store's transaction waits on it, checked out of its pool, when it is cut.
    const locker = new pg.Client({ connectionString: databaseUrl, options: `-c search_path=${harness.options().schema}` });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query("SELECT 1 FROM documents WHERE namespace = 'botstate' AND key = 'b' FOR UPDATE");
      const failure = store
        .putMany('botstate', [
          { key: 'a', value: { v: 1 } },
          { key: 'b', value: { v: 1 } },
        ])
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      let terminated = 0;
      while (terminated === 0) {
        const rows = await harness.query<{ pid: number }>(
          "SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
          [applicationName],
        );
        terminated = rows.length;
      }
      assert.match(String(await failure), /terminat/);
      await locker.query('ROLLBACK');
    } finally {
      await locker.end();
    }
    assert.equal(await store.get('botstate', 'a'), undefined, 'nothing of the cut transaction was committed');
    await store.put('botstate', 'c', { v: 2 });
    assert.deepEqual((await store.get('botstate', 'c'))?.value, { v: 2 });
  });
});

describe('DATABASE_URL', () => {
  it('refuses a URL that is not postgres:// or postgresql:// in one sentence, without connecting anywhere', async () => {
    for (const [url, shown] of [
      ['mysql://root:hunter2@db.example.com/app', 'a mysql: URL'],
      ['garbage', 'a string without a scheme'],
    ] as const) {
      await assert.rejects(openStore({ databaseUrl: url }), (error: unknown) => {
        assert.ok(error instanceof StoreOpenError);
        assert.equal(
          error.message,
          `DATABASE_URL must be a PostgreSQL URL such as postgres://user:password@host:5432/database, not ${shown}.`,
        );
        assert.doesNotMatch(error.message, /hunter2/);
        return true;
      });
    }
  });
});
