/**
 * PostgreSQL: a write of several documents (bot state) and its audit entries is one statement, one round trip and
 * one commit, with the rules of the statement-per-write path it replaced: each check reported with its key, all or
 * nothing, compare-and-set across connections and store instances, and a document created by another connection
 * in the middle of the write. Group commit: writes of several callers issued in one tick share that statement,
 * each answered with its own outcome. Round trips are counted by wrapping node-postgres' Client#query (each call is one
 * round trip: pg sends a client's next query only after the previous one's answer); the statement still runs.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { StoreConflictError, type Store } from '../../src/store';
import { PostgresHarness } from './harness';

const databaseUrl = process.env.TEST_DATABASE_URL;
const noPostgres = databaseUrl ? undefined : 'TEST_DATABASE_URL is not set; run `source .ci/postgres.sh start` first (CI does)';

/** The statements (their first word, or their whole text) `work` sent to PostgreSQL through any pg client of this process. */
async function statementsOf(work: () => Promise<unknown>, whole = false): Promise<string[]> {
  const sent: string[] = [];
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const config = args[0];
    const text = typeof config === 'string' ? config : (config as { text?: string } | undefined)?.text ?? '';
    sent.push(whole ? text.replace(/\s+/g, ' ').trim() : (/^\s*([A-Za-z]+)/.exec(text)?.[1] ?? '?').toUpperCase());
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    await work();
  } finally {
    pg.Client.prototype.query = original;
  }
  return sent;
}

describe(noPostgres ? `PostgreSQL multi-document writes (skipped: ${noPostgres})` : 'PostgreSQL multi-document writes', function () {
  let harness: PostgresHarness;
  let store: Store;

  before(function () {
    if (noPostgres) this.skip();
    harness = new PostgresHarness(databaseUrl ?? '');
  });
  beforeEach(async () => {
    await harness.setUp();
    store = await harness.open();
  });
  afterEach(async () => harness.tearDown());

  it('writes both bot states and two audit entries in one round trip', async function () {
    const conversation = await store.put('botstate', 'conversation', { turn: 1 });
    const sent = await statementsOf(() =>
      store.putMany(
        'botstate',
        [
          { key: 'conversation', value: { turn: 2 }, options: { etag: conversation } },
          { key: 'user', value: { name: 'Ada' }, options: { ifAbsent: true } },
        ],
        { audit: [{ actor: 'test:ada', action: 'sms.send', outcome: 'queued' }, { actor: 'test:ada', action: 'verification.start', outcome: 'pending' }] },
      ),
    );
    assert.deepEqual(sent, ['WITH']);
    assert.deepEqual((await store.get('botstate', 'conversation'))?.value, { turn: 2 });
    assert.deepEqual((await store.get('botstate', 'user'))?.value, { name: 'Ada' });
    assert.deepEqual((await store.listAudit()).entries.map((e) => e.action), ['verification.start', 'sms.send']);
  });

  it('writes a botbuilder batch of three items in one round trip', async function () {
    const storage = store.botStorage();
    const sent = await statementsOf(() => storage.write({ a: { n: 1 }, b: { n: 2 }, c: { n: 3 } }));
    assert.deepEqual(sent, ['WITH']);
    const items = await storage.read(['a', 'b', 'c']);
    assert.deepEqual([items.a?.n, items.b?.n, items.c?.n], [1, 2, 3]);
  });

  it('writes none of three items when the second one conflicts, naming that key in botbuilder words', async function () {
    const storage = store.botStorage();
    await storage.write({ b: { n: 1 } });
    const { b } = await storage.read(['b']);
    await storage.write({ b: { n: 2 } });
    await assert.rejects(storage.write({ a: { n: 1 }, b: { n: 3, eTag: b?.eTag }, c: { n: 1 } }), (error: unknown) => {
      assert.ok(error instanceof StoreConflictError);
      assert.equal(error.message, 'Storage: error writing "b" due to eTag conflict.');
      return true;
    });
    const items = await storage.read(['a', 'b', 'c']);
    assert.deepEqual(Object.keys(items), ['b']);
    assert.equal(items.b?.n, 2);
  });

  it('names the first write in order whose check failed when several fail', async function () {
    await store.put('meta', 'taken', 1);
    await store.put('meta', 'moved', 1);
    await assert.rejects(
      store.putMany('meta', [
        { key: 'free', value: 2, options: { ifAbsent: true } },
        { key: 'taken', value: 2, options: { ifAbsent: true } },
        { key: 'moved', value: 2, options: { etag: 'stale' } },
      ]),
      (error: unknown) => error instanceof StoreConflictError && /"taken"/.test(error.message),
    );
    assert.equal(await store.get('meta', 'free'), undefined);
  });

  it('refuses an etag for a document that does not exist, writing nothing', async function () {
    await assert.rejects(
      store.putMany('meta', [
        { key: 'a', value: 1 },
        { key: 'missing', value: 1, options: { etag: 'some-etag' } },
      ]),
      (error: unknown) => error instanceof StoreConflictError && /"missing"/.test(error.message),
    );
    assert.equal(await store.get('meta', 'a'), undefined);
  });

  it('replaces an expired document with ifAbsent inside a batch, and refuses a live one', async function () {
    await store.put('meta', 'expired', 'old', { expiresAt: new Date(Date.now() - 60_000) });
    await store.put('meta', 'live', 'old', { expiresAt: new Date(Date.now() + 60_000) });
    await store.putMany('meta', [
      { key: 'expired', value: 'new', options: { ifAbsent: true } },
      { key: 'other', value: 'new' },
    ]);
    assert.equal((await store.get('meta', 'expired'))?.value, 'new');
    await assert.rejects(
      store.putMany('meta', [
        { key: 'other', value: 'newer' },
        { key: 'live', value: 'new', options: { ifAbsent: true } },
      ]),
      StoreConflictError,
    );
    assert.equal((await store.get('meta', 'other'))?.value, 'new');
  });

  it('keeps the expiry and the overwrite of each document of a batch', async function () {
    const expiresAt = new Date(Date.now() + 3_600_000);
    await store.put('meta', 'b', 'old', { etag: undefined });
    await store.putMany('meta', [
      { key: 'a', value: { x: 1 }, options: { expiresAt } },
      { key: 'b', value: { y: 'two' } },
    ]);
    const rows = await harness.query<{ key: string; value: string; expires_at: Date | null }>(
      "SELECT key, value, expires_at FROM documents WHERE namespace = 'meta' ORDER BY key",
    );
    assert.deepEqual(
      rows.map((r) => [r.key, r.value, r.expires_at?.getTime() ?? null]),
      [
        ['a', '{"x":1}', expiresAt.getTime()],
        ['b', '{"y":"two"}', null],
      ],
    );
  });

  it('lets exactly one of two instances commit a batch written with the same etags', async function () {
    const other = await harness.open();
    const a = await store.put('botstate', 'a', { n: 0 });
    const b = await store.put('botstate', 'b', { n: 0 });
    const write = (s: Store, n: number) =>
      s.putMany('botstate', [
        { key: 'a', value: { n }, options: { etag: a } },
        { key: 'b', value: { n }, options: { etag: b } },
      ]).then(
        () => 'written',
        (error: unknown) => (error instanceof StoreConflictError ? 'conflict' : String(error)),
      );
    const outcomes = await Promise.all([write(store, 1), write(other, 2), write(store, 3), write(other, 4)]);
    assert.deepEqual(outcomes.filter((o) => o === 'written').length, 1, outcomes.join(', '));
    assert.deepEqual(outcomes.filter((o) => o === 'conflict').length, 3, outcomes.join(', '));
    const n = (await store.get<{ n: number }>('botstate', 'a'))?.value.n;
    assert.equal((await store.get<{ n: number }>('botstate', 'b'))?.value.n, n, 'both documents come from the same batch');
  });

  it('loses no increment when loops on two instances race read-modify-write batches of two keys', async function () {
    const other = await harness.open();
    await store.putMany('meta', [
      { key: 'x', value: 0 },
      { key: 'y', value: 0 },
    ]);
    const loop = async (s: Store) => {
      for (let done = 0; done < 10; ) {
        const [x, y] = [await s.get<number>('meta', 'x'), await s.get<number>('meta', 'y')];
        if (!x || !y) throw new Error('the counters exist');
        try {
          await s.putMany('meta', [
            { key: 'x', value: x.value + 1, options: { etag: x.etag } },
            { key: 'y', value: y.value + 1, options: { etag: y.etag } },
          ]);
          done++;
        } catch (error) {
          if (!(error instanceof StoreConflictError)) throw error;
        }
      }
    };
    await Promise.all([loop(store), loop(other), loop(store), loop(other)]);
    assert.equal((await store.get('meta', 'x'))?.value, 40);
    assert.equal((await store.get('meta', 'y'))?.value, 40);
  });

  it('lists audit entries newest first in the order of their ids, past entry 9', async function () {
    for (let i = 1; i <= 12; i++) await store.appendAudit({ actor: 'test:ada', action: `act${i}`, outcome: 'ok' });
    const first = await store.listAudit({ limit: 5 });
    assert.deepEqual(first.entries.map((e) => e.action), ['act12', 'act11', 'act10', 'act9', 'act8']);
    const second = await store.listAudit({ limit: 5, cursor: first.nextCursor });
    assert.deepEqual(second.entries.map((e) => e.action), ['act7', 'act6', 'act5', 'act4', 'act3']);
  });

  it('asks each of its connections for generic plans before its first statement there', async function () {
    let other: Store | undefined;
    const sent = await statementsOf(async () => {
      other = await harness.open();
      await Promise.all([other.get('meta', 'a'), other.list('meta'), other.put('meta', 'b', 1)]);
    }, true);
    const sets = sent.filter((text) => text === 'SET plan_cache_mode = force_generic_plan').length;
    const connections = sent.filter((text) => text.startsWith('SET plan_cache_mode')).length;
    assert.ok(sets >= 2, `a SET on each connection: ${sent.join(' / ')}`);
    assert.equal(sets, connections);
    assert.equal(sent[0], 'SET plan_cache_mode = force_generic_plan');
  });

  describe('group commit', function () {
    it('commits the writes of several callers issued in one tick in one round trip, each answered on its own', async function () {
      const kept = await store.put('profiles', 'kept', { v: 0 });
      const gone = await store.put('profiles', 'gone', { v: 0 });
      await store.put('profiles', 'moved', { v: 0 });
      let outcomes: PromiseSettledResult<unknown>[] = [];
      const sent = await statementsOf(async () => {
        outcomes = await Promise.allSettled([
          store.put('profiles', 'new', { v: 1 }),
          store.put('profiles', 'kept', { v: 1 }, { etag: kept }),
          store.put('profiles', 'moved', { v: 1 }, { etag: 'stale' }),
          store.delete('profiles', 'gone', { etag: gone }),
          store.delete('profiles', 'never'),
          store.botStorage().write({ a: { n: 1 }, b: { n: 1 } }),
        ]);
      });
      assert.deepEqual(sent, ['WITH']);
      assert.deepEqual(
        outcomes.map((o) => (o.status === 'fulfilled' ? typeof o.value : o.reason instanceof StoreConflictError ? 'conflict' : String(o.reason))),
        ['string', 'string', 'conflict', 'boolean', 'boolean', 'undefined'],
      );
      assert.deepEqual(
        outcomes.slice(3).map((o) => o.status === 'fulfilled' && o.value),
        [true, false, undefined],
      );
      const docs = await store.list<{ v: number }>('profiles');
      assert.deepEqual(
        docs.map((d) => [d.key, d.value.v]),
        [
          ['kept', 1],
          ['moved', 0],
          ['new', 1],
        ],
      );
    });

    it('hands each caller the etag its document now has', async function () {
      const [a, b] = await Promise.all([store.put('profiles', 'a', 1), store.put('profiles', 'b', 2)]);
      assert.equal((await store.get('profiles', 'a'))?.etag, a);
      assert.equal((await store.get('profiles', 'b'))?.etag, b);
    });

    it('reports a stale etag of a delete in the group as a conflict and keeps the document', async function () {
      await store.put('profiles', 'p', 1);
      const outcomes = await Promise.allSettled([store.put('profiles', 'other', 1), store.delete('profiles', 'p', { etag: 'stale' })]);
      assert.equal(outcomes[0]?.status, 'fulfilled');
      assert.ok(outcomes[1]?.status === 'rejected' && outcomes[1].reason instanceof StoreConflictError);
      assert.equal((await store.get('profiles', 'p'))?.value, 1);
    });

    it('writes the audit entries of the callers whose writes were committed, not of one whose etag was stale', async function () {
      await store.put('botstate', 'mine', { turn: 1 });
      const outcomes = await Promise.allSettled([
        store.putMany('botstate', [{ key: 'theirs', value: { turn: 1 } }], { audit: [{ actor: 'test:bob', action: 'sms.send', outcome: 'queued' }] }),
        store.putMany('botstate', [{ key: 'mine', value: { turn: 2 }, options: { etag: 'stale' } }], {
          audit: [{ actor: 'test:ada', action: 'verification.start', outcome: 'pending' }],
        }),
        store.putMany('botstate', [], { audit: [{ actor: 'test:eve', action: 'verification.check', outcome: 'approved' }] }),
      ]);
      assert.deepEqual(
        outcomes.map((o) => o.status),
        ['fulfilled', 'rejected', 'fulfilled'],
      );
      assert.deepEqual((await store.listAudit()).entries.map((e) => e.actor), ['test:eve', 'test:bob']);
    });

    it('applies two writes of one document issued in one tick in order, in two statements', async function () {
      let outcomes: PromiseSettledResult<unknown>[] = [];
      const sent = await statementsOf(async () => {
        outcomes = await Promise.allSettled([store.put('turnlocks', 'c', { owner: 'a' }, { ifAbsent: true }), store.delete('turnlocks', 'c')]);
      });
      assert.deepEqual(sent, ['INSERT', 'DELETE']);
      assert.deepEqual(
        outcomes.map((o) => o.status === 'fulfilled' && typeof o.value),
        ['string', 'boolean'],
      );
      assert.equal(await store.get('turnlocks', 'c'), undefined);
    });
  });

  describe('reads of one tick', function () {
    it('answers the reads of several callers issued in one tick with one query, each with its own documents', async function () {
      await store.putMany('botstate', [
        { key: 'conversation', value: { turn: 1 } },
        { key: 'user', value: { name: 'Ada' } },
      ]);
      await store.put('profiles', 'p', { v: 1 });
      await store.put('profiles', 'expired', { v: 1 }, { expiresAt: new Date(Date.now() - 1000) });
      let answers: unknown[] = [];
      const sent = await statementsOf(async () => {
        answers = await Promise.all([
          store.botStorage().read(['conversation', 'user', 'missing', 'conversation']),
          store.get('profiles', 'p'),
          store.get('profiles', 'expired'),
          store.get('botstate', 'p'),
          store.botStorage().read(['user']),
        ]);
      }, true);
      assert.equal(sent.length, 1);
      assert.match(sent[0] ?? '', /^SELECT r\.grp, .* FROM unnest\(/);
      const [state, p, expired, otherNamespace, user] = answers as [Record<string, Record<string, unknown>>, { value: unknown } | undefined, unknown, unknown, Record<string, Record<string, unknown>>];
      assert.deepEqual(Object.keys(state).sort(), ['conversation', 'user']);
      assert.equal(state.conversation?.turn, 1);
      assert.deepEqual(p?.value, { v: 1 });
      assert.equal(expired, undefined);
      assert.equal(otherNamespace, undefined);
      assert.equal(user.user?.name, 'Ada');
    });

    it('answers the reads issued just before close, then closes', async function () {
      await store.put('profiles', 'p', { v: 1 });
      const reads = Promise.all([store.get('profiles', 'p'), store.botStorage().read(['missing'])]);
      await store.close();
      const [p, state] = await reads;
      assert.deepEqual(p?.value, { v: 1 });
      assert.deepEqual(state, {});
    });

    it('reads with the query it always used when a read is alone in its tick', async function () {
      await store.put('profiles', 'p', { v: 1 });
      const sent = await statementsOf(() => store.get('profiles', 'p'), true);
      assert.deepEqual(sent, ['SELECT key, value, etag FROM documents WHERE namespace = $1 AND key = ANY($2::text[]) AND (expires_at IS NULL OR expires_at > $3)']);
    });
  });

  describe('a document another connection creates during the batch', function () {
    let locker: pg.Client;
    let applicationName: string;

    beforeEach(async () => {
      await store.close();
      // This store's connections, told apart from any other process's on the shared server.
      applicationName = `tva-test-batch-${randomBytes(6).toString('hex')}`;
      const url = new URL(databaseUrl ?? '');
      url.searchParams.set('application_name', applicationName);
      store = await harness.open({ databaseUrl: url.toString() });
      locker = new pg.Client({ connectionString: databaseUrl, options: `-c search_path=${harness.options().schema}` });
      await locker.connect();
      await locker.query('BEGIN');
    });
    afterEach(async () => {
      await locker.end();
    });

    /** Resolves once a statement of the store waits for a lock another session holds. */
    const storeWaits = async () => {
      for (;;) {
        const rows = await harness.query("SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'", [applicationName]);
        if (rows.length > 0) return;
      }
    };

    it('is a conflict of an ifAbsent write when it commits, and nothing of the batch is written', async function () {
      await locker.query("INSERT INTO documents (namespace, key, value, etag, updated_at) VALUES ('botstate', 'user', '{}', 'theirs', now())");
      const writing = store
        .putMany('botstate', [
          { key: 'conversation', value: { turn: 1 }, options: { ifAbsent: true } },
          { key: 'user', value: { name: 'Ada' }, options: { ifAbsent: true } },
        ])
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      await storeWaits();
      await locker.query('COMMIT');
      const error = await writing;
      assert.ok(error instanceof StoreConflictError, String(error));
      assert.match(error.message, /"user"/);
      assert.equal(await store.get('botstate', 'conversation'), undefined);
      assert.equal((await store.get('botstate', 'user'))?.etag, 'theirs');
    });

    it('lets the batch through when that creation is rolled back', async function () {
      await locker.query("INSERT INTO documents (namespace, key, value, etag, updated_at) VALUES ('botstate', 'user', '{}', 'theirs', now())");
      const writing = store.putMany('botstate', [
        { key: 'conversation', value: { turn: 1 }, options: { ifAbsent: true } },
        { key: 'user', value: { name: 'Ada' }, options: { ifAbsent: true } },
      ]);
      await storeWaits();
      await locker.query('ROLLBACK');
      await writing;
      assert.deepEqual((await store.get('botstate', 'user'))?.value, { name: 'Ada' });
      assert.deepEqual((await store.get('botstate', 'conversation'))?.value, { turn: 1 });
    });

    it('fails only the caller whose document was created meanwhile when several callers share the statement', async function () {
      await locker.query("INSERT INTO documents (namespace, key, value, etag, updated_at) VALUES ('turnlocks', 'x', '{}', 'theirs', now())");
      const outcomes = Promise.allSettled([
        store.put('turnlocks', 'x', { owner: 'me' }, { ifAbsent: true }),
        store.put('turnlocks', 'y', { owner: 'me' }, { ifAbsent: true }),
      ]);
      await storeWaits();
      await locker.query('COMMIT');
      const [x, y] = await outcomes;
      assert.ok(x?.status === 'rejected' && x.reason instanceof StoreConflictError, String(x?.status));
      assert.equal(y?.status, 'fulfilled');
      assert.equal((await store.get('turnlocks', 'x'))?.etag, 'theirs');
      assert.deepEqual((await store.get('turnlocks', 'y'))?.value, { owner: 'me' });
    });

    it('does not commit a write of the tick issued after one that failed with its connection', async function () {
      await store.put('turnlocks', 'k', { owner: 'old' });
      await locker.query("SELECT 1 FROM documents WHERE namespace = 'turnlocks' AND key = 'k' FOR UPDATE");
      // Two writes of one document: two statements, the second sent only once the first answered.
      const outcomes = Promise.allSettled([store.put('turnlocks', 'k', { owner: 'new' }), store.delete('turnlocks', 'k')]);
      await storeWaits();
      await harness.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'", [applicationName]);
      const [put, removed] = await outcomes;
      assert.ok(put?.status === 'rejected' && /terminat/.test(String(put.reason)), String(put?.status));
      assert.ok(removed?.status === 'rejected' && /terminat/.test(String(removed.reason)), String(removed?.status));
      await locker.query('ROLLBACK');
      assert.deepEqual((await store.get('turnlocks', 'k'))?.value, { owner: 'old' });
    });

    it('is a botbuilder eTag conflict of a state item that was missing, and the other item is not written', async function () {
      const storage = store.botStorage();
      await storage.write({ conversation: { turn: 1 } });
      const { conversation } = await storage.read(['conversation']);
      await store.delete('botstate', 'conversation');
      await locker.query("INSERT INTO documents (namespace, key, value, etag, updated_at) VALUES ('botstate', 'conversation', '{}', 'theirs', now())");
      const writing = storage.write({ conversation: { turn: 2, eTag: conversation?.eTag }, user: { name: 'Ada' } }).then(
        () => undefined,
        (error: unknown) => error,
      );
      await storeWaits();
      await locker.query('COMMIT');
      const error = await writing;
      assert.ok(error instanceof StoreConflictError, String(error));
      assert.equal(error.message, 'Storage: error writing "conversation" due to eTag conflict.');
      assert.equal((await store.get('botstate', 'conversation'))?.etag, 'theirs');
      assert.equal(await store.get('botstate', 'user'), undefined);
    });

    it('overwrites a document another connection changed while the batch waited for it, as a plain put must', async function () {
      await store.put('profiles', 'x', { v: 'old' });
      await locker.query("UPDATE documents SET value = '{\"v\":\"theirs\"}', etag = 'theirs' WHERE namespace = 'profiles' AND key = 'x'");
      const writing = Promise.all([store.put('profiles', 'x', { v: 'mine' }), store.put('profiles', 'y', { v: 'mine' })]);
      await storeWaits();
      await locker.query('COMMIT');
      const [etag] = await writing;
      const x = await store.get('profiles', 'x');
      assert.deepEqual(x?.value, { v: 'mine' });
      assert.equal(x?.etag, etag);
    });

    it('deletes a document another connection changed while the batch waited for it, as a plain delete must', async function () {
      await store.put('profiles', 'x', { v: 'old' });
      await locker.query("UPDATE documents SET value = '{\"v\":\"theirs\"}', etag = 'theirs' WHERE namespace = 'profiles' AND key = 'x'");
      const writing = Promise.all([store.delete('profiles', 'x'), store.put('profiles', 'y', { v: 'mine' })]);
      await storeWaits();
      await locker.query('COMMIT');
      const [deleted] = await writing;
      assert.equal(deleted, true);
      assert.equal(await store.get('profiles', 'x'), undefined);
    });
  });
});
