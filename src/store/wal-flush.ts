import { fsync, fsyncSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/**
 * Where the SQLite store's WAL fsync runs: on the event loop itself when one turn runs alone and the disk flushes
 * fast, else on libuv's thread pool.
 *
 * On the thread pool an fsync costs two wake-ups between threads (the worker's, then the event loop's when it
 * returns): on this project's 2-core VM about 0.15 ms on top of a 0.2 ms fsync, which a conversation waits for on
 * every turn. Inline, the event loop is blocked for the fsync alone: nobody waits behind it while the turn that
 * flushes is the only one running. With other turns running, blocking the loop would hold them all (measured at 50
 * conversations at once with the embedded emulator, whose replies to the bot wait too: p99 135 -> 185 ms), so the
 * fsync goes to the thread pool and the loop serves them meanwhile. A slow disk (a spinning one, a network volume)
 * holds even one turn longer than the wake-ups save: when the median of the last inline fsyncs exceeds
 * `inlineLimitMs`, fsyncs go to the thread pool for `pooledForMs`, and then a few run inline again to see whether the
 * disk got faster (or the slow ones were a moment: a checkpoint, a new WAL file, another program writing). A single
 * stall (an fsync longer than `stallMs`) has held the loop once: the next fsyncs go to the thread pool at once, for
 * `stalledForMs`, so a disk that stalls now and then holds the loop at most once a minute.
 */
export interface WalFlushPolicy {
  /** A median of recent inline fsyncs above this many ms sends the next ones to the thread pool. */
  inlineLimitMs: number;
  /** How long fsyncs stay on the thread pool before inline ones are tried again, ms. */
  pooledForMs: number;
  /**
   * One inline fsync longer than this (a stall: the disk or the VM's host busy) sends the next ones to the thread pool
   * at once, for `stalledForMs`: the event loop was held that long once, not again on the next stall.
   */
  stallMs: number;
  stalledForMs: number;
}

export const DEFAULT_WAL_FLUSH_POLICY: WalFlushPolicy = { inlineLimitMs: 1, pooledForMs: 10_000, stallMs: 20, stalledForMs: 60_000 };

/** The system calls and the clock the flusher uses (tests give their own). */
export interface WalFlushDeps {
  inline: (fd: number) => void;
  pooled: (fd: number) => Promise<void>;
  /** Milliseconds from a monotonic clock. */
  nowMs: () => number;
}

const systemDeps: WalFlushDeps = {
  inline: fsyncSync,
  pooled: (fd) => new Promise<void>((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve()))),
  nowMs: () => performance.now(),
};

/** The median is taken over at most this many of the latest inline fsyncs, and from this many on. */
const WINDOW = 16;
const DECIDE_FROM = 3;

/** What flushes the store's WAL (a WalFlusher, or a test's own); `alone`: at most one turn is running. */
export interface WalFlush {
  flush(fd: number, alone: boolean): Promise<void> | undefined;
}

export class WalFlusher implements WalFlush {
  /** Durations of the latest inline fsyncs (ms), since fsyncs last came back from the thread pool. */
  private samples: number[] = [];
  /** Until when fsyncs run on the thread pool (nowMs clock); 0: inline. */
  private pooledUntil = 0;

  constructor(
    private readonly policy: WalFlushPolicy = DEFAULT_WAL_FLUSH_POLICY,
    private readonly deps: WalFlushDeps = systemDeps,
  ) {}

  /** True while fsyncs run inline (for tests and diagnostics). */
  get inline(): boolean {
    return this.pooledUntil === 0 || this.deps.nowMs() >= this.pooledUntil;
  }

  /**
   * Flushes `fd` to disk. Inline: done (or thrown) when this returns, and the result is undefined. On the thread
   * pool: the returned promise settles when the fsync returned. `alone`: the turn that flushes is the only one
   * running (default true: a process without turns, the CLI).
   */
  flush(fd: number, alone = true): Promise<void> | undefined {
    if (!alone) return this.deps.pooled(fd);
    if (this.pooledUntil !== 0) {
      if (this.deps.nowMs() < this.pooledUntil) return this.deps.pooled(fd);
      this.pooledUntil = 0;
    }
    const started = this.deps.nowMs();
    this.deps.inline(fd);
    const ended = this.deps.nowMs();
    const took = ended - started;
    const samples = this.samples;
    samples.push(took);
    if (samples.length > WINDOW) samples.shift();
    if (took > this.policy.stallMs) {
      this.pooledUntil = ended + this.policy.stalledForMs;
      this.samples = [];
    } else if (samples.length >= DECIDE_FROM && median(samples) > this.policy.inlineLimitMs) {
      this.pooledUntil = ended + this.policy.pooledForMs;
      this.samples = [];
    }
    return undefined;
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const upper = sorted[mid] ?? 0;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] ?? upper) + upper) / 2;
}
