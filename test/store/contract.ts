import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ConversationState, MemoryStorage, TestAdapter, type Storage, type StoreItems } from 'botbuilder';
import {
  StoreConflictError,
  StoreOpenError,
  StoreValidationError,
  STORE_SCHEMA_VERSION,
  migrationsFor,
  type Store,
} from '../../src/store';
import { startStoreChild } from './children';
import type { CrashDocument } from './fixtures/crash-writer';
import type { StoreHarness } from './harness';

/** The schema versions a backend records, oldest first. */
function versionsOf(harness: StoreHarness): number[] {
  return migrationsFor(harness.backend).map((m) => m.version);
}

const FIXED_NOW = new Date('2030-01-02T03:04:05.678Z');

async function rejectsWith(promise: Promise<unknown>, type: new (...args: never[]) => Error, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    if (message) assert.match(error.message, message);
    return true;
  });
}

/** Increments {count} under `key` once, retrying on conflicts; returns how many conflicts it met. */
async function incrementWithRetry(store: Store, key: string): Promise<number> {
  for (let conflicts = 0; ; conflicts += 1) {
    const doc = await store.get<{ count: number }>('meta', key);
    assert.ok(doc, 'the counter exists');
    try {
      await store.put('meta', key, { count: doc.value.count + 1 }, { etag: doc.etag });
      return conflicts;
    } catch (error) {
      if (!(error instanceof StoreConflictError)) throw error;
    }
  }
}

async function runIncrementers(stores: Store[], loops: number, perLoop: number): Promise<number> {
  const conflicts = await Promise.all(
    Array.from({ length: loops }, async (_, i) => {
      const store = stores[i % stores.length];
      assert.ok(store);
      let met = 0;
      for (let n = 0; n < perLoop; n += 1) met += await incrementWithRetry(store, 'counter');
      return met;
    }),
  );
  return conflicts.reduce((a, b) => a + b, 0);
}

/** A botbuilder Storage scenario; returns what a caller could observe, with eTags reduced to "present". */
async function botStorageScenario(storage: Storage): Promise<unknown[]> {
  const seen: unknown[] = [];
  const observe = (items: StoreItems): void => {
    seen.push(
      Object.fromEntries(
        Object.entries(items).map(([key, item]: [string, Record<string, unknown>]) => [
          key,
          { ...item, eTag: typeof item.eTag === 'string' && item.eTag.length > 0 ? 'present' : item.eTag },
        ]),
      ),
    );
  };
  const attempt = async (changes: StoreItems): Promise<void> => {
    try {
      await storage.write(changes);
      seen.push('written');
    } catch (error) {
      seen.push(/eTag conflict/.test((error as Error).message) ? 'eTag conflict' : (error as Error).message);
    }
  };
  observe(await storage.read(['a', 'b']));
  await attempt({ a: { n: 1 } });
  const first = await storage.read(['a']);
  observe(first);
  const firstEtag = (first.a as { eTag: string }).eTag;
  await attempt({ a: { n: 2, eTag: firstEtag } });
  await attempt({ a: { n: 3, eTag: firstEtag } });
  observe(await storage.read(['a']));
  await attempt({ a: { n: 4, eTag: '*' } });
  await attempt({ a: { n: 5, eTag: '' } });
  observe(await storage.read(['a']));
  await storage.delete(['a', 'never-written']);
  observe(await storage.read(['a']));
  await attempt({ a: { n: 6, eTag: firstEtag } });
  observe(await storage.read(['a', 'b']));
  return seen;
}

/**
 * The behaviour every Store backend must have. Each test gets a fresh, empty database from the harness.
 * `skipReason` (e.g. no PostgreSQL available) skips the whole suite visibly.
 */
export function describeStoreContract(name: string, factory: () => StoreHarness, skipReason?: string): void {
  describe(skipReason ? `${name} store contract (skipped: ${skipReason})` : `${name} store contract`, function () {
    let harness: StoreHarness;
    let store: Store;

    before(function () {
      if (skipReason) this.skip();
      harness = factory();
    });

    beforeEach(async function () {
      await harness.setUp();
      store = await harness.open({ now: () => FIXED_NOW });
    });

    afterEach(async function () {
      await harness.tearDown();
    });

    describe('documents', function () {
      it('returns undefined for a document that was never written', async function () {
        assert.equal(await store.get('profiles', 'nobody'), undefined);
      });

      it('returns a written value with the etag that put returned', async function () {
        const etag = await store.put('profiles', 'p1', { name: 'Support', tenancy: false });
        assert.deepEqual(await store.get('profiles', 'p1'), {
          key: 'p1',
          value: { name: 'Support', tenancy: false },
          etag,
        });
      });

      it('round-trips every kind of JSON value exactly', async function () {
        const values: unknown[] = [
          null,
          true,
          0,
          -1.5e300,
          'plain',
          'nul \u0000, emoji 😀, accents é, quote " and backslash \\',
          [],
          [1, 'two', { three: [3] }],
          { z: 1, a: { nested: [null, false] } },
        ];
        for (const [i, value] of values.entries()) await store.put('meta', `v${i}`, value);
        for (const [i, value] of values.entries()) assert.deepEqual((await store.get('meta', `v${i}`))?.value, value);
      });

      it('keeps the key order of stored objects', async function () {
        await store.put('meta', 'ordered', { z: 1, a: 2, m: 3 });
        assert.deepEqual(Object.keys((await store.get<Record<string, number>>('meta', 'ordered'))?.value ?? {}), ['z', 'a', 'm']);
      });

      it('accepts keys with slashes, pipes, spaces and non-ASCII characters', async function () {
        const keys = ['emulator/conversations/abc|def', 'msteams/users/29:1a b', 'ключ/😀', "quote'and\"percent%_"];
        for (const key of keys) await store.put('botstate', key, { key });
        for (const key of keys) assert.deepEqual((await store.get('botstate', key))?.value, { key });
      });

      it('keeps namespaces apart', async function () {
        await store.put('profiles', 'same', 'profile');
        await store.put('credentials', 'same', 'credential');
        assert.equal((await store.get('profiles', 'same'))?.value, 'profile');
        assert.equal((await store.get('credentials', 'same'))?.value, 'credential');
      });

      it('gives every write a new etag', async function () {
        const first = await store.put('meta', 'k', 1);
        const second = await store.put('meta', 'k', 1);
        assert.notEqual(first, second);
        assert.equal((await store.get('meta', 'k'))?.etag, second);
      });

      it('replaces a document when put is given its current etag', async function () {
        const etag = await store.put('meta', 'k', 'old');
        const next = await store.put('meta', 'k', 'new', { etag });
        assert.deepEqual(await store.get('meta', 'k'), { key: 'k', value: 'new', etag: next });
      });

      it('throws StoreConflictError and keeps the document when put is given a stale etag', async function () {
        const stale = await store.put('meta', 'k', 'v1');
        const current = await store.put('meta', 'k', 'v2');
        await rejectsWith(store.put('meta', 'k', 'v3', { etag: stale }), StoreConflictError, /stale etag/);
        assert.deepEqual(await store.get('meta', 'k'), { key: 'k', value: 'v2', etag: current });
      });

      it('names the namespace and key in a StoreConflictError', async function () {
        await store.put('meta', 'k', 'v1');
        const error = await store.put('meta', 'k', 'v2', { etag: 'stale' }).catch((e: unknown) => e);
        assert.ok(error instanceof StoreConflictError);
        assert.equal(error.namespace, 'meta');
        assert.equal(error.key, 'k');
      });

      it('throws StoreConflictError and creates nothing when put is given an etag for a missing document', async function () {
        await rejectsWith(store.put('meta', 'ghost', 'v', { etag: 'anything' }), StoreConflictError);
        assert.equal(await store.get('meta', 'ghost'), undefined);
      });

      it('overwrites whatever is stored when put is given the etag "*"', async function () {
        await store.put('meta', 'k', 'v1');
        await store.put('meta', 'k', 'v2', { etag: '*' });
        await store.put('meta', 'new', 'created', { etag: '*' });
        assert.equal((await store.get('meta', 'k'))?.value, 'v2');
        assert.equal((await store.get('meta', 'new'))?.value, 'created');
      });

      it('deletes a document and reports whether there was one', async function () {
        await store.put('meta', 'k', 'v');
        assert.equal(await store.delete('meta', 'k'), true);
        assert.equal(await store.get('meta', 'k'), undefined);
        assert.equal(await store.delete('meta', 'k'), false);
      });

      it('deletes a document when delete is given its current etag', async function () {
        const etag = await store.put('meta', 'k', 'v');
        assert.equal(await store.delete('meta', 'k', { etag }), true);
        assert.equal(await store.get('meta', 'k'), undefined);
      });

      it('throws StoreConflictError and keeps the document when delete is given a stale etag', async function () {
        const stale = await store.put('meta', 'k', 'v1');
        await store.put('meta', 'k', 'v2');
        await rejectsWith(store.delete('meta', 'k', { etag: stale }), StoreConflictError);
        assert.equal((await store.get('meta', 'k'))?.value, 'v2');
      });

      it('returns false when delete is given an etag for a missing document', async function () {
        assert.equal(await store.delete('meta', 'ghost', { etag: 'anything' }), false);
      });

      it('lists a namespace ordered by the bytes of the keys', async function () {
        const keys = ['b', 'a/2', 'B', 'a', 'é', '😀', 'a/10', 'Z'];
        for (const key of keys) await store.put('profiles', key, key);
        await store.put('meta', 'other', 'not listed');
        const listed = await store.list('profiles');
        const expected = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
        assert.deepEqual(listed.map((doc) => doc.key), expected);
        assert.deepEqual(listed.map((doc) => doc.value), expected);
      });

      it('lists documents with their etags', async function () {
        const etag = await store.put('profiles', 'p', { a: 1 });
        assert.deepEqual(await store.list('profiles'), [{ key: 'p', value: { a: 1 }, etag }]);
      });

      it('lists only keys that start with the prefix, case-sensitively', async function () {
        for (const key of ['user/1', 'user/2', 'User/3', 'users', 'admin/1']) await store.put('meta', key, key);
        assert.deepEqual((await store.list('meta', { prefix: 'user/' })).map((d) => d.key), ['user/1', 'user/2']);
      });

      it('treats % and _ in a prefix as plain characters', async function () {
        for (const key of ['a%b', 'axb', 'a_c', 'abc']) await store.put('meta', key, key);
        assert.deepEqual((await store.list('meta', { prefix: 'a%' })).map((d) => d.key), ['a%b']);
        assert.deepEqual((await store.list('meta', { prefix: 'a_' })).map((d) => d.key), ['a_c']);
      });

      it('lists an empty namespace as an empty array', async function () {
        assert.deepEqual(await store.list('authlinks'), []);
      });

      it('takes a document: returns its value and deletes it', async function () {
        await store.put('authlinks', 'token', { user: 'u1' });
        assert.deepEqual(await store.take('authlinks', 'token'), { user: 'u1' });
        assert.equal(await store.get('authlinks', 'token'), undefined);
        assert.equal(await store.take('authlinks', 'token'), undefined);
      });

      it('gives the value to exactly one of many concurrent takes of one key', async function () {
        await store.put('authlinks', 'once', { user: 'u1' });
        const other = await harness.open();
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => (i % 2 ? other : store).take('authlinks', 'once')),
        );
        assert.equal(results.filter((r) => r !== undefined).length, 1);
      });

      it('deletes a whole namespace, returns the count and leaves other namespaces alone', async function () {
        for (const key of ['1', '2', '3']) await store.put('credentials', key, key);
        await store.put('profiles', '1', 'kept');
        assert.equal(await store.deleteNamespace('credentials'), 3);
        assert.deepEqual(await store.list('credentials'), []);
        assert.equal((await store.get('profiles', '1'))?.value, 'kept');
        assert.equal(await store.deleteNamespace('credentials'), 0);
      });
    });

    describe('several writes at once', function () {
      it('writes several documents atomically with putMany and returns their etags in order', async function () {
        const old = await store.put('botstate', 'conversation', { turn: 1 });
        const etags = await store.putMany('botstate', [
          { key: 'conversation', value: { turn: 2 }, options: { etag: old } },
          { key: 'user', value: { name: 'Ada' }, options: { ifAbsent: true } },
        ]);
        assert.equal(etags.length, 2);
        assert.deepEqual(await store.get('botstate', 'conversation'), { key: 'conversation', value: { turn: 2 }, etag: etags[0] });
        assert.deepEqual(await store.get('botstate', 'user'), { key: 'user', value: { name: 'Ada' }, etag: etags[1] });
      });

      it('writes nothing of a putMany when one of its etags is stale', async function () {
        const conversation = await store.put('botstate', 'conversation', { turn: 1 });
        await store.put('botstate', 'user', { name: 'Ada' });
        await assert.rejects(
          store.putMany('botstate', [
            { key: 'conversation', value: { turn: 2 }, options: { etag: conversation } },
            { key: 'user', value: { name: 'Bob' }, options: { etag: 'stale' } },
          ]),
          StoreConflictError,
        );
        assert.deepEqual((await store.get('botstate', 'conversation'))?.value, { turn: 1 });
        assert.deepEqual((await store.get('botstate', 'user'))?.value, { name: 'Ada' });
      });

      it('commits the audit entries of a putMany together with its documents', async function () {
        const old = await store.put('botstate', 'conversation', { turn: 1 });
        await store.putMany('botstate', [{ key: 'conversation', value: { turn: 2 }, options: { etag: old } }], {
          audit: [
            { actor: 'test:ada', action: 'sms.send', target: '…0123', outcome: 'queued' },
            { actor: 'test:ada', action: 'verification.start', outcome: 'pending', details: { channel: 'sms' } },
          ],
        });
        assert.deepEqual((await store.get('botstate', 'conversation'))?.value, { turn: 2 });
        const { entries } = await store.listAudit();
        assert.deepEqual(
          entries.map((e) => [e.action, e.target, e.outcome, e.details]),
          [
            ['verification.start', null, 'pending', { channel: 'sms' }],
            ['sms.send', '…0123', 'queued', null],
          ],
        );
      });

      it('writes no audit entry of a putMany whose etag is stale', async function () {
        await store.put('botstate', 'conversation', { turn: 1 });
        await assert.rejects(
          store.putMany('botstate', [{ key: 'conversation', value: { turn: 2 }, options: { etag: 'stale' } }], {
            audit: [{ actor: 'test:ada', action: 'sms.send', outcome: 'queued' }],
          }),
          StoreConflictError,
        );
        assert.deepEqual((await store.listAudit()).entries, []);
      });

      it('writes the audit entries of a putMany with no documents', async function () {
        await store.putMany('botstate', [], { audit: [{ actor: 'test:ada', action: 'sms.send', outcome: 'queued' }] });
        assert.deepEqual((await store.listAudit()).entries.map((e) => e.action), ['sms.send']);
      });

      it('refuses a putMany with an invalid audit entry, writing nothing', async function () {
        await assert.rejects(
          store.putMany('botstate', [{ key: 'conversation', value: { turn: 1 } }], { audit: [{ actor: '', action: 'sms.send', outcome: 'ok' }] }),
          StoreValidationError,
        );
        assert.equal(await store.get('botstate', 'conversation'), undefined);
      });

      it('refuses a putMany that names one key twice', async function () {
        await assert.rejects(
          store.putMany('botstate', [
            { key: 'k', value: 1 },
            { key: 'k', value: 2 },
          ]),
          StoreValidationError,
        );
      });

      it('answers each of many concurrent writes on its own: a conflict fails only its caller', async function () {
        const etag = await store.put('profiles', 'p', { v: 0 });
        const outcomes = await Promise.allSettled([
          store.put('profiles', 'a', { v: 1 }),
          store.put('profiles', 'p', { v: 2 }, { etag: 'stale' }),
          store.put('profiles', 'p', { v: 3 }, { etag }),
          store.delete('profiles', 'a'),
          store.appendAudit({ actor: 'test', action: 'write', outcome: 'ok' }),
        ]);
        assert.deepEqual(
          outcomes.map((o) => o.status),
          ['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled'],
        );
        const [, conflict] = outcomes;
        assert.ok(conflict?.status === 'rejected' && conflict.reason instanceof StoreConflictError);
        assert.deepEqual((await store.get('profiles', 'p'))?.value, { v: 3 });
        if (store.groupCommit) assert.equal(await store.get('profiles', 'a'), undefined, 'issued in one tick, applied in order');
      });

      it('with group commit, commits the writes queued when close is called before closing', async function () {
        if (!store.groupCommit) this.skip();
        const writes = [store.put('profiles', 'x', 1), store.put('profiles', 'y', 2)];
        await store.close();
        await Promise.all(writes);
        const reopened = await harness.open();
        assert.deepEqual((await reopened.list('profiles')).map((d) => d.value), [1, 2]);
      });
    });

    describe('create-only writes and expiry', function () {
      let clock: Date;
      let timed: Store;

      beforeEach(async function () {
        clock = new Date('2030-01-02T03:00:00.000Z');
        timed = await harness.open({ now: () => clock });
      });

      const later = (seconds: number) => new Date(clock.getTime() + seconds * 1000);

      it('creates a document with ifAbsent when the key is free', async function () {
        const etag = await timed.put('turnlocks', 'c1', { owner: 'a' }, { ifAbsent: true });
        assert.deepEqual(await timed.get('turnlocks', 'c1'), { key: 'c1', value: { owner: 'a' }, etag });
      });

      it('refuses ifAbsent with StoreConflictError and keeps the document when the key is taken', async function () {
        await timed.put('turnlocks', 'c1', { owner: 'a' });
        await rejectsWith(timed.put('turnlocks', 'c1', { owner: 'b' }, { ifAbsent: true }), StoreConflictError);
        assert.deepEqual((await timed.get('turnlocks', 'c1'))?.value, { owner: 'a' });
      });

      it('gives the key to exactly one of many concurrent ifAbsent writes through two store instances', async function () {
        const other = await harness.open({ now: () => clock });
        const outcomes = await Promise.allSettled(
          Array.from({ length: 10 }, (_, i) => (i % 2 ? other : timed).put('turnlocks', 'race', { i }, { ifAbsent: true })),
        );
        assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
        for (const o of outcomes) if (o.status === 'rejected') assert.ok(o.reason instanceof StoreConflictError);
      });

      it('reads a document as absent from its expiry on, in get, list and take', async function () {
        await timed.put('intents', 'soon', { n: 1 }, { expiresAt: later(60) });
        await timed.put('intents', 'kept', { n: 2 });
        assert.deepEqual((await timed.get('intents', 'soon'))?.value, { n: 1 });
        clock = later(60);
        assert.equal(await timed.get('intents', 'soon'), undefined);
        assert.deepEqual((await timed.list('intents')).map((d) => d.key), ['kept']);
        assert.equal(await timed.take('intents', 'soon'), undefined);
      });

      it('lets ifAbsent replace an expired document', async function () {
        await timed.put('turnlocks', 'c1', { owner: 'crashed' }, { expiresAt: later(15) });
        clock = later(16);
        await timed.put('turnlocks', 'c1', { owner: 'next' }, { ifAbsent: true, expiresAt: later(15) });
        assert.deepEqual((await timed.get('turnlocks', 'c1'))?.value, { owner: 'next' });
      });

      it('renews an expiry when a document is written again with its etag', async function () {
        const etag = await timed.put('turnlocks', 'c1', { owner: 'a' }, { expiresAt: later(10) });
        await timed.put('turnlocks', 'c1', { owner: 'a' }, { etag, expiresAt: later(30) });
        clock = later(20);
        assert.deepEqual((await timed.get('turnlocks', 'c1'))?.value, { owner: 'a' });
      });

      it('sweeps expired documents and only those, and counts them', async function () {
        await timed.put('intents', 'a', 1, { expiresAt: later(5) });
        await timed.put('botstate', 'b', { x: 1 }, { expiresAt: later(5) });
        await timed.put('intents', 'c', 3, { expiresAt: later(50) });
        await timed.put('intents', 'd', 4);
        clock = later(10);
        assert.equal(await timed.sweepExpired(), 2);
        assert.deepEqual((await timed.list('intents')).map((d) => d.key), ['c', 'd']);
        assert.equal(await timed.sweepExpired(), 0);
      });

      it('rejects ifAbsent together with an etag, and an invalid expiry', async function () {
        await rejectsWith(timed.put('intents', 'x', 1, { ifAbsent: true, etag: 'abc' }), StoreValidationError, /ifAbsent/);
        await rejectsWith(timed.put('intents', 'x', 1, { expiresAt: new Date('nope') }), StoreValidationError, /expiresAt/);
      });
    });

    describe('validation', function () {
      it('rejects namespaces that are empty, uppercase, too long or not strings', async function () {
        for (const ns of ['', 'Profiles', 'a'.repeat(64), 'has space', '1abc', 42]) {
          await rejectsWith(store.get(ns as string, 'k'), StoreValidationError, /namespace/);
        }
      });

      it('rejects keys that are empty, longer than 1024 characters, hold NUL or a lone surrogate', async function () {
        for (const key of ['', 'k'.repeat(1025), 'a\u0000b', 'lone \ud800 surrogate']) {
          await rejectsWith(store.put('meta', key, 1), StoreValidationError, /store key/);
        }
      });

      it('accepts a key of exactly 1024 characters', async function () {
        const key = 'k'.repeat(1024);
        await store.put('meta', key, 1);
        assert.equal((await store.get('meta', key))?.value, 1);
      });

      it('rejects values JSON cannot represent', async function () {
        const cyclic: Record<string, unknown> = {};
        cyclic.self = cyclic;
        for (const value of [undefined, () => 1, 10n, cyclic]) {
          await rejectsWith(store.put('meta', 'k', value), StoreValidationError, /store value/);
        }
        assert.equal(await store.get('meta', 'k'), undefined);
      });

      it('rejects an empty etag', async function () {
        await rejectsWith(store.put('meta', 'k', 1, { etag: '' }), StoreValidationError, /etag/);
      });

      it('refuses calls after close', async function () {
        await store.close();
        await assert.rejects(store.get('meta', 'k'), /store is closed/);
      });
    });

    describe('botbuilder Storage', function () {
      it('reads nothing for keys that were never written', async function () {
        assert.deepEqual(await store.botStorage().read(['missing']), {});
      });

      it('reads back written items with an eTag and keeps them in the botstate namespace', async function () {
        const storage = store.botStorage();
        await storage.write({ 'emulator/conversations/abc|def': { dialogStack: [{ id: 'main' }] } });
        const items = await storage.read(['emulator/conversations/abc|def']);
        const doc = await store.get('botstate', 'emulator/conversations/abc|def');
        assert.deepEqual(items, {
          'emulator/conversations/abc|def': { dialogStack: [{ id: 'main' }], eTag: doc?.etag },
        });
        assert.deepEqual(doc?.value, { dialogStack: [{ id: 'main' }] });
      });

      it('writes an item with its current eTag and gives it a new one', async function () {
        const storage = store.botStorage();
        await storage.write({ k: { n: 1 } });
        const { k } = await storage.read(['k']);
        await storage.write({ k: { n: 2, eTag: k.eTag } });
        const after = await storage.read(['k']);
        assert.equal(after.k.n, 2);
        assert.notEqual(after.k.eTag, k.eTag);
      });

      it('rejects a write with a stale eTag with an eTag conflict error and keeps the stored item', async function () {
        const storage = store.botStorage();
        await storage.write({ k: { n: 1 } });
        const { k } = await storage.read(['k']);
        await storage.write({ k: { n: 2, eTag: k.eTag } });
        await rejectsWith(storage.write({ k: { n: 3, eTag: k.eTag } }), StoreConflictError, /"k" due to eTag conflict/);
        assert.equal((await storage.read(['k'])).k.n, 2);
      });

      it('overwrites on a write whose eTag is "*" or missing', async function () {
        const storage = store.botStorage();
        await storage.write({ k: { n: 1 } });
        await storage.write({ k: { n: 2, eTag: '*' } });
        assert.equal((await storage.read(['k'])).k.n, 2);
        await storage.write({ k: { n: 3 } });
        assert.equal((await storage.read(['k'])).k.n, 3);
      });

      it('does not change the items passed to write', async function () {
        const item = { n: 1, eTag: '*' };
        await store.botStorage().write({ k: item });
        assert.deepEqual(item, { n: 1, eTag: '*' });
      });

      it('writes nothing of a batch in which one item conflicts', async function () {
        const storage = store.botStorage();
        await storage.write({ stale: { n: 1 } });
        const { stale } = await storage.read(['stale']);
        await storage.write({ stale: { n: 2 } });
        await rejectsWith(storage.write({ fresh: { n: 1 }, stale: { n: 3, eTag: stale.eTag } }), StoreConflictError);
        assert.deepEqual(Object.keys(await storage.read(['fresh', 'stale'])), ['stale']);
      });

      it('deletes items, ignoring keys that do not exist', async function () {
        const storage = store.botStorage();
        await storage.write({ a: { n: 1 }, b: { n: 2 } });
        await storage.delete(['a', 'missing']);
        assert.deepEqual(Object.keys(await storage.read(['a', 'b'])), ['b']);
      });

      it('behaves as botbuilder MemoryStorage does in a scenario of reads, writes, conflicts and deletes', async function () {
        const reference = await botStorageScenario(new MemoryStorage());
        assert.deepEqual(await botStorageScenario(store.botStorage()), reference);
      });

      it('keeps ConversationState across turns and across a reopened store', async function () {
        const replies: string[] = [];
        const runTurns = async (storage: Storage, texts: string[]): Promise<void> => {
          const state = new ConversationState(storage);
          const count = state.createProperty<number>('count');
          const adapter = new TestAdapter(async (context) => {
            const next = (await count.get(context, 0)) + 1;
            await count.set(context, next);
            await state.saveChanges(context);
            replies.push(`${context.activity.text} ${next}`);
          });
          for (const text of texts) await adapter.send(text);
        };
        await runTurns(store.botStorage(), ['one', 'two']);
        await store.close();
        await runTurns((await harness.open()).botStorage(), ['three']);
        assert.deepEqual(replies, ['one 1', 'two 2', 'three 3']);
      });
    });

    describe('check', function () {
      it('reports a sound store as ok', async function () {
        await store.put('meta', 'k', { v: 1 });
        await store.appendAudit({ actor: 'a', action: 'act', outcome: 'success' });
        assert.deepEqual(await store.check(), { ok: true });
      });

      it('reports a damaged audit table instead of throwing, while documents still answer', async function () {
        await store.put('meta', 'k', { v: 1 });
        for (let i = 0; i < 300; i += 1) {
          await store.appendAudit({ actor: 'a', action: `act${i}`, outcome: 'success', details: { note: 'x'.repeat(200) } });
        }
        await harness.damageAuditTable();
        const reopened = await harness.open();
        assert.deepEqual((await reopened.get('meta', 'k'))?.value, { v: 1 }, 'documents still answer');
        const result = await reopened.check();
        assert.equal(result.ok, false);
        const expected = harness.label === 'SQLite' ? /store\.sqlite is corrupted \(.+\): restore it from a backup/ : /table audit_log: /;
        assert.match(result.ok ? '' : result.problem, expected);
      });

      it('reports a closed store as not ok', async function () {
        await store.close();
        assert.deepEqual(await store.check(), { ok: false, problem: 'The store is closed.' });
      });
    });

    describe('audit log', function () {
      it('returns the appended entry with an id and the clock time', async function () {
        const entry = await store.appendAudit({
          actor: 'admin',
          action: 'action.enable',
          target: 'twilio-verify',
          outcome: 'success',
          details: { check: 'passed' },
        });
        assert.match(entry.id, /^\d+$/);
        assert.deepEqual(entry, {
          id: entry.id,
          at: FIXED_NOW.toISOString(),
          actor: 'admin',
          action: 'action.enable',
          target: 'twilio-verify',
          outcome: 'success',
          details: { check: 'passed' },
        });
      });

      it('stores a missing target and details as null', async function () {
        const entry = await store.appendAudit({ actor: 'system', action: 'store.open', outcome: 'success' });
        assert.equal(entry.target, null);
        assert.equal(entry.details, null);
        assert.deepEqual((await store.listAudit()).entries, [entry]);
      });

      it('lists entries newest first, a page at a time, until there is no next cursor', async function () {
        for (let i = 1; i <= 7; i += 1) await store.appendAudit({ actor: 'a', action: `act${i}`, outcome: 'success' });
        const pages: string[][] = [];
        let cursor: string | undefined;
        do {
          const page = await store.listAudit({ limit: 3, cursor });
          pages.push(page.entries.map((e) => e.action));
          cursor = page.nextCursor;
        } while (cursor);
        assert.deepEqual(pages, [['act7', 'act6', 'act5'], ['act4', 'act3', 'act2'], ['act1']]);
      });

      it('gives no next cursor when the last page is exactly full', async function () {
        for (let i = 1; i <= 2; i += 1) await store.appendAudit({ actor: 'a', action: `act${i}`, outcome: 'success' });
        assert.equal((await store.listAudit({ limit: 2 })).nextCursor, undefined);
      });

      it('continues a cursor where it stopped even after newer entries arrive', async function () {
        for (let i = 1; i <= 4; i += 1) await store.appendAudit({ actor: 'a', action: `act${i}`, outcome: 'success' });
        const first = await store.listAudit({ limit: 2 });
        await store.appendAudit({ actor: 'a', action: 'newer', outcome: 'success' });
        const second = await store.listAudit({ limit: 2, cursor: first.nextCursor });
        assert.deepEqual(second.entries.map((e) => e.action), ['act2', 'act1']);
      });

      it('returns 50 entries by default', async function () {
        for (let i = 0; i < 51; i += 1) await store.appendAudit({ actor: 'a', action: 'x', outcome: 'success' });
        const page = await store.listAudit();
        assert.equal(page.entries.length, 50);
        assert.ok(page.nextCursor);
      });

      it('rejects a limit outside 1..200 and a cursor it did not issue', async function () {
        for (const limit of [0, 201, 1.5]) await rejectsWith(store.listAudit({ limit }), StoreValidationError, /limit/);
        for (const cursor of ['', 'garbage', Buffer.from('v1:-1').toString('base64url')]) {
          await rejectsWith(store.listAudit({ cursor }), StoreValidationError, /cursor/);
        }
      });

      it('rejects an entry without actor, action or outcome', async function () {
        await rejectsWith(store.appendAudit({ actor: '', action: 'x', outcome: 'success' }), StoreValidationError, /actor/);
        await rejectsWith(store.appendAudit({ actor: 'a', action: 'x', outcome: '' }), StoreValidationError, /outcome/);
      });
    });

    describe('concurrency', function () {
      it('loses no increment when 20 read-modify-write loops race on one key and detects their conflicts', async function () {
        await store.put('meta', 'counter', { count: 0 });
        const conflicts = await runIncrementers([store], 20, 10);
        assert.equal((await store.get<{ count: number }>('meta', 'counter'))?.value.count, 200);
        assert.ok(conflicts > 0, 'the racing loops met conflicts');
      });

      it('loses no increment when loops race through two store instances', async function () {
        await store.put('meta', 'counter', { count: 0 });
        const conflicts = await runIncrementers([store, await harness.open()], 20, 10);
        assert.equal((await store.get<{ count: number }>('meta', 'counter'))?.value.count, 200);
        assert.ok(conflicts > 0, 'the racing loops met conflicts');
      });

      it('loses no increment when two processes race on one key', async function () {
        await store.put('meta', 'counter', { count: 0 });
        const children = [1, 2].map(() => startStoreChild('counter-worker', harness.options(), 'meta', 'counter', '150'));
        const results = await Promise.all(children.map((child) => child.exited));
        for (const result of results) assert.equal(result.code, 0, result.stderr);
        assert.equal((await store.get<{ count: number }>('meta', 'counter'))?.value.count, 300);
      });
    });

    describe('crash safety', function () {
      it('is consistent, complete and writable after a writer process is killed with SIGKILL', async function () {
        await store.close();
        const child = startStoreChild('crash-writer', harness.options());
        await child.waitForLine((line) => line === 'committed 30');
        child.process.kill('SIGKILL');
        const { signal } = await child.exited;
        assert.equal(signal, 'SIGKILL');
        const committed = child.lines.filter((l) => l.startsWith('committed ')).map((l) => Number(l.split(' ')[1]));

        const reopened = await harness.open();
        assert.equal(await harness.integrityCheck(), 'ok');
        const docs = await reopened.list<CrashDocument>('meta', { prefix: 'doc-' });
        for (const { value } of docs) {
          assert.equal(createHash('sha256').update(value.payload).digest('hex'), value.sha256, `doc ${value.seq} is intact`);
        }
        const present = new Set(docs.map((d) => d.value.seq));
        for (const seq of committed) assert.ok(present.has(seq), `committed document ${seq} survived`);
        const latest = await reopened.get<{ seq: number }>('meta', 'latest');
        assert.ok(latest && latest.value.seq >= Math.max(...committed));
        await reopened.put('meta', 'latest', { seq: -1 }, { etag: latest.etag });
        assert.equal((await reopened.get<{ seq: number }>('meta', 'latest'))?.value.seq, -1);
      });
    });

    describe('migrations', function () {
      it('records each migration once and applies nothing when an existing database is reopened', async function () {
        const before = await harness.appliedMigrations();
        assert.deepEqual(before.map((m) => m.version), versionsOf(harness));
        const applied: number[] = [];
        await harness.open({ onMigrationApplied: (m) => applied.push(m.version) });
        assert.deepEqual(applied, []);
        assert.deepEqual(await harness.appliedMigrations(), before);
      });

      it('keeps documents across a reopen', async function () {
        await store.put('action', 'config', { enabled: true });
        await store.close();
        assert.deepEqual((await (await harness.open()).get('action', 'config'))?.value, { enabled: true });
      });

      it('marks the uncertain intents of a database an older release wrote, and only those, when it upgrades it', async function () {
        const expiresAt = new Date(Date.now() + 3600_000);
        const intent = (state: string) => ({ state, operation: 'sendSms', fingerprint: 'f', startedAt: '2030-01-01T00:00:00.000Z' });
        await store.put('intents', 'person/a', intent('uncertain'), { expiresAt });
        await store.put('intents', 'person/b', intent('performed'));
        await store.put('intents', 'person/c', intent('pending'));
        for (let version = STORE_SCHEMA_VERSION; version >= 3; version -= 1) await harness.forgetMigration(version);
        const upgraded = await harness.open();
        const marks = await upgraded.list<unknown>('intents', { prefix: 'open/' });
        assert.deepEqual(marks.map((m) => [m.key, m.value]), [['open/person/a', { since: '2030-01-01T00:00:00.000Z' }]]);
        assert.equal((await upgraded.list('intents', { prefix: 'open/' })).length, 1);
        assert.deepEqual((await harness.appliedMigrations()).map((m) => m.version), versionsOf(harness));
      });

      it('refuses a database whose schema is newer than the code, saying what to do', async function () {
        await harness.recordFutureMigration(STORE_SCHEMA_VERSION + 1);
        await rejectsWith(harness.open(), StoreOpenError, /schema version \d+.*Upgrade twilio-verify-action/);
      });
    });
  });
}

/** Tests that need an empty database before the first open (the contract suite opens one in beforeEach). */
export function describeFreshDatabase(name: string, factory: () => StoreHarness, skipReason?: string): void {
  describe(skipReason ? `${name} fresh database (skipped: ${skipReason})` : `${name} fresh database`, function () {
    let harness: StoreHarness;

    before(function () {
      if (skipReason) this.skip();
      harness = factory();
    });
    beforeEach(async () => harness.setUp());
    afterEach(async () => harness.tearDown());

    it('applies every migration on first open and reports each one', async function () {
      const applied: number[] = [];
      await harness.open({ onMigrationApplied: (m) => applied.push(m.version) });
      assert.deepEqual(applied, versionsOf(harness));
    });

    it('lets several instances open a fresh database at the same time, migrating it once', async function () {
      const applied: number[] = [];
      const stores = await Promise.all(
        Array.from({ length: 4 }, () => harness.open({ onMigrationApplied: (m) => applied.push(m.version) })),
      );
      assert.equal(stores.length, 4);
      assert.deepEqual(applied, versionsOf(harness));
      assert.deepEqual((await harness.appliedMigrations()).map((m) => m.version), versionsOf(harness));
      await stores[0]?.put('meta', 'k', 'v');
      assert.equal((await stores[3]?.get('meta', 'k'))?.value, 'v');
    });

    it('lets two processes open a fresh database at the same time, migrating it once', async function () {
      const children = ['first', 'second'].map((key) => startStoreChild('open-worker', harness.options(), key));
      const results = await Promise.all(children.map((child) => child.exited));
      for (const result of results) assert.equal(result.code, 0, result.stderr);
      const applied = children.map((child) => JSON.parse(child.lines.join('').replace(/^opened /, '')) as number[]);
      assert.deepEqual(applied.flat().sort(), versionsOf(harness));
      const store = await harness.open();
      assert.deepEqual((await store.list('meta')).map((d) => d.key), ['first', 'second']);
    });
  });
}
