/**
 * The disk flush a durable turn waits for, measured where the product's store lives: a file written like a WAL
 * (a few pages appended per commit, the file reused from its start) and fsynced, back to back and then with a pause
 * between flushes as long as one conversation at a time leaves between its turns. On this project's VM the spaced
 * flushes take twice as long as back-to-back ones, so a figure taken in a tight loop understates what a turn waits.
 */
import { closeSync, fsyncSync, openSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { nsToMs, summarize, type LatencySummary } from './stats';

export interface DiskFlushOptions {
  /** Flushes measured in each way. */
  count: number;
  /** Pause between spaced flushes, ms (the event loop idles, as a server's does between two turns). */
  gapMs: number;
  /** 4 KiB pages written before each flush (a turn's commit writes 6-12). */
  pages: number;
}

export interface DiskFlush extends DiskFlushOptions {
  backToBackMs: LatencySummary;
  spacedMs: LatencySummary;
}

export const DISK_FLUSH_DEFAULTS: DiskFlushOptions = { count: 200, gapMs: 2, pages: 8 };

/** Measures fsync in `dir` (a file of its own, removed after). */
export async function measureDiskFlush(dir: string, options: DiskFlushOptions = DISK_FLUSH_DEFAULTS): Promise<DiskFlush> {
  const file = path.join(dir, 'disk-flush.bench');
  const page = Buffer.alloc(options.pages * 4096, 0x5a);
  // Like a WAL in use: written in full once, then rewritten from its start, so flushes do not grow the file.
  const slots = 64;
  const fd = openSync(file, 'w');
  try {
    for (let i = 0; i < slots; i++) writeSync(fd, page, 0, page.length, i * page.length);
    fsyncSync(fd);
    let slot = 0;
    const flushOnce = (): number => {
      writeSync(fd, page, 0, page.length, (slot++ % slots) * page.length);
      const started = process.hrtime.bigint();
      fsyncSync(fd);
      return nsToMs(process.hrtime.bigint() - started);
    };
    const backToBack: number[] = [];
    for (let i = 0; i < options.count; i++) backToBack.push(flushOnce());
    const spaced: number[] = [];
    for (let i = 0; i < options.count; i++) {
      await sleep(options.gapMs);
      spaced.push(flushOnce());
    }
    return { ...options, backToBackMs: summarize(backToBack), spacedMs: summarize(spaced) };
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
}
