import assert from 'node:assert/strict';
import { WalFlusher, type WalFlushPolicy } from '../../src/store/wal-flush';

/**
 * A flusher over fake system calls: each inline fsync "takes" the next duration of `inlineMs` on a clock that only
 * moves when told to; every call is recorded.
 */
function fakeFlusher(inlineMs: number[], policy: WalFlushPolicy = { inlineLimitMs: 1, pooledForMs: 10_000, stallMs: 20, stalledForMs: 60_000 }) {
  let now = 0;
  const calls: string[] = [];
  const durations = [...inlineMs];
  const flusher = new WalFlusher(policy, {
    inline: (fd) => {
      calls.push(`inline ${fd}`);
      now += durations.shift() ?? 0.1;
    },
    pooled: async (fd) => {
      calls.push(`pooled ${fd}`);
    },
    nowMs: () => now,
  });
  return {
    flusher,
    calls,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('WAL flusher (where the SQLite store fsyncs)', function () {
  it('flushes inline, done when flush returns, while the disk is fast', function () {
    const { flusher, calls } = fakeFlusher([0.2, 0.3, 0.2, 0.4, 0.1]);
    for (let i = 0; i < 5; i++) assert.equal(flusher.flush(7), undefined);
    assert.deepEqual(calls, Array(5).fill('inline 7'));
    assert.equal(flusher.inline, true);
  });

  it('moves fsyncs to the thread pool once the median of the recent inline ones exceeds the limit', async function () {
    const { flusher, calls } = fakeFlusher([4, 5, 6]);
    flusher.flush(3);
    flusher.flush(3);
    assert.equal(flusher.inline, true, 'two slow fsyncs are not yet enough to judge the disk');
    flusher.flush(3);
    assert.equal(flusher.inline, false);
    const pooled = flusher.flush(3);
    assert.ok(pooled instanceof Promise, 'a pooled flush answers with a promise');
    await pooled;
    assert.deepEqual(calls, ['inline 3', 'inline 3', 'inline 3', 'pooled 3']);
  });

  it('keeps flushing inline through a few slow fsyncs among fast ones (a checkpoint, another program writing)', function () {
    const { flusher, calls } = fakeFlusher([0.2, 0.2, 9, 0.2, 12, 0.2, 0.3, 0.2, 19]);
    for (let i = 0; i < 9; i++) flusher.flush(1);
    assert.equal(flusher.inline, true);
    assert.ok(calls.every((call) => call === 'inline 1'));
  });

  it('tries inline again after the pooled period, and stays inline when the disk got fast', function () {
    const { flusher, calls, advance } = fakeFlusher([3, 3, 3, 0.2, 0.2, 0.2, 0.2]);
    for (let i = 0; i < 3; i++) flusher.flush(1);
    void flusher.flush(1);
    advance(9_999);
    void flusher.flush(1);
    assert.deepEqual(calls.slice(3), ['pooled 1', 'pooled 1'], 'pooled for the whole period');
    advance(1);
    for (let i = 0; i < 4; i++) assert.equal(flusher.flush(1), undefined);
    assert.deepEqual(calls.slice(5), Array(4).fill('inline 1'));
    assert.equal(flusher.inline, true, 'the slow fsyncs before the pooled period are not counted again');
  });

  it('goes back to the thread pool when the retry finds the disk still slow', function () {
    const { flusher, calls, advance } = fakeFlusher([3, 3, 3, 3, 3, 3]);
    for (let i = 0; i < 3; i++) flusher.flush(1);
    advance(10_000);
    for (let i = 0; i < 3; i++) flusher.flush(1);
    assert.equal(flusher.inline, false);
    void flusher.flush(1);
    assert.deepEqual(calls, [...Array(6).fill('inline 1'), 'pooled 1']);
  });

  it('flushes on the thread pool while other turns run, however fast the disk, without counting it as a measurement', async function () {
    const { flusher, calls } = fakeFlusher([0.1, 0.1, 0.1]);
    const pooled = flusher.flush(5, false);
    assert.ok(pooled instanceof Promise);
    await pooled;
    assert.equal(flusher.flush(5), undefined);
    assert.deepEqual(calls, ['pooled 5', 'inline 5']);
  });

  it('moves fsyncs to the thread pool at once after one stall, for a minute, then tries inline again', async function () {
    const { flusher, calls, advance } = fakeFlusher([0.2, 0.2, 0.2, 0.2, 3000, 0.2]);
    for (let i = 0; i < 5; i++) assert.equal(flusher.flush(1), undefined);
    assert.equal(flusher.inline, false, 'the 3 s fsync held the event loop once: not again');
    await flusher.flush(1);
    advance(59_000);
    await flusher.flush(1);
    assert.deepEqual(calls.slice(5), ['pooled 1', 'pooled 1']);
    advance(1_000);
    assert.equal(flusher.flush(1), undefined);
    assert.equal(calls.at(-1), 'inline 1');
  });

  it('throws an inline fsync failure to its caller', function () {
    const flusher = new WalFlusher(undefined, {
      inline: () => {
        throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
      },
      pooled: async () => undefined,
      nowMs: () => 0,
    });
    assert.throws(() => flusher.flush(1), /EIO/);
  });
});
