// The benchmark's core with tiny numbers: its shape and its correctness checks, never its timings.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CommanderError } from 'commander';
import { readFileSync, statSync } from 'node:fs';
import { measureDiskFlush } from '../../bench/disk';
import { echoOf, startEchoBot } from '../../bench/echo-bot';
import { compare, parseCompareEnv, runBenchmark, type TargetResult } from '../../bench/run';
import { codeFor, localOutbox, smsNumberOf, VerificationNumbers } from '../../bench/scenarios';
import { percentile, summarize } from '../../bench/stats';
import { DEFAULTS, floorLines, formatReport, parseOptions } from '../../bench/turns';
import { BotClient } from '../../src/chat';

function silentOutput() {
  const err: string[] = [];
  return { err, output: { writeOut: () => undefined, writeErr: (s: string) => void err.push(s) } };
}

describe('bench/turns', () => {
  it('runs every bot end to end in its own process: one at a time, three conversations each in slices, no failures', async function () {
    this.timeout(180_000);
    const databaseUrl = process.env.TEST_DATABASE_URL || undefined;
    const diskFlush = { count: 3, gapMs: 1, pages: 2 };
    // Three conversations in slices of two: every bot's row is put together from two slices, the bots taking turns.
    const result = await runBenchmark({ concurrency: [1], conversations: 3, slice: 2, warmup: 0, diskFlush, ...(databaseUrl ? { databaseUrl } : {}) });

    const products = databaseUrl ? ['product', 'product-standalone', 'product-postgres', 'product-postgres-2'] : ['product', 'product-standalone'];
    const bots = ['handwritten', ...products];
    assert.deepEqual(
      result.targets.map((t) => `${t.bot}/${t.flow}`),
      ['echo/echo', 'echo-durable/echo', ...bots.map((b) => `${b}/send-sms`), ...bots.map((b) => `${b}/otp`)],
    );
    assert.deepEqual(result.failures, []);
    for (const t of result.targets) {
      assert.equal(t.failures, 0, `${t.label} failures`);
      assert.equal(t.dialogs, 3, `${t.label} dialogs`);
      assert.equal(t.turns, 3 * t.turnsPerDialog, `${t.label} turns`);
      assert.ok(t.turnsPerSecond > 0);
      const { p50, p90, p99, max } = t.latencyMs;
      assert.ok(p50 > 0 && p50 <= p90 && p90 <= p99 && p99 <= max, `${t.label} latencies ordered`);
      assert.ok(t.rssMb === undefined || t.rssMb > 0);
      assert.ok(t.cpuMsPerTurn === undefined || t.cpuMsPerTurn >= 0, `${t.label} CPU per turn`);
      if (t.bot !== 'echo') assert.ok(t.echoTimes !== undefined && Number.isFinite(t.echoTimes), `${t.label} compared with echo`);
      if (products.includes(t.bot)) assert.ok(t.vsHandwritten !== undefined && Number.isFinite(t.vsHandwritten.throughput), `${t.label} compared with the hand-written bot`);
    }
    assert.equal(result.machine.node, process.version);
    assert.deepEqual({ count: result.diskFlush.count, gapMs: result.diskFlush.gapMs, pages: result.diskFlush.pages }, diskFlush);
    assert.ok(result.diskFlush.spacedMs.p50 > 0 && result.diskFlush.backToBackMs.p50 > 0, 'disk flushes measured');

    const report = formatReport(result).join('\n');
    assert.match(report, /echo bot/);
    assert.match(report, /hand-written \(MemoryStorage\): Send SMS/);
    assert.match(report, /product, emulator process \(SQLite\): OTP: Verify Phone Number/);
    assert.match(report, /turns\/s ÷ hand/);
    assert.match(report, /CPU ms\/turn/);
    assert.match(report, /0 failures/);
    assert.match(report, /vary/);
    assert.match(report, /^Disk flush \(fsync of 2 pages where the stores are, 3 each way\): p50 [\d.]+ ms back to back, [\d.]+ ms \(p90 [\d.]+\) with 1 ms between/m);
    for (const t of result.targets) {
      assert.equal(t.turnP50Ms.length, t.turnsPerDialog, `${t.label}: a p50 for each turn`);
      assert.ok(t.turnP50Ms.every((p50) => p50 > 0 && p50 <= t.latencyMs.max), `${t.label}: each turn's p50 is one of its latencies`);
      if (products.includes(t.bot)) assert.equal(t.vsHandwritten?.turnP50.length, t.turnsPerDialog, `${t.label}: each turn compared`);
    }
    assert.match(report, /p50 ms of each turn \(÷ hand-written\)\s+at once\s+turn 1\s+turn 2\s+turn 3/);
    assert.match(report, /^product, emulator process \(SQLite\): Send SMS\s+1\s+[\d.]+ \([\d.]+x\)\s+[\d.]+ \([\d.]+x\)\s+[\d.]+ \([\d.]+x\)$/m);
    assert.match(report, /^Send SMS: turn 1 asks for the number, turn 2 asks for the text, turn 3 sends the SMS \(Twilio\)\.$/m);
    assert.match(report, /^OTP: Verify Phone Number: turn 1 asks for the number, turn 2 starts the verification \(Twilio\), turn 3 checks the code \(Twilio\)\.$/m);
    assert.match(report, /^echo bot, one disk flush per turn\s+1\s+3\s/m);
    assert.match(report, /^Floor one at a time: the echo bot flushing once per turn answers in p50 [\d.]+ ms \(without the flush [\d.]+ ms\): a bot on the same stack \(restify, CloudAdapter\) that waits for a flush each turn answers no faster\.$/m);
  });

  it('has the durable echo bot write each activity to its file and flush it before answering, alone on the event loop', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tva-echo-'));
    const file = path.join(dir, 'turns.flush');
    const flushes: Array<{ alone: boolean; onDisk: string }> = [];
    // The file as it stands when each flush is asked for: the turn's activity must already be in it.
    const flusher = { flush: (_fd: number, alone: boolean) => void flushes.push({ alone, onDisk: readFileSync(file, 'latin1') }) };
    const bot = await startEchoBot({ flushFile: file, flusher });
    try {
      const client = new BotClient({ baseUrl: bot.url, channelId: 'bench', userId: 'u1', conversationId: 'c1' });
      const replies = [await client.say('first turn'), await client.say('second turn')];
      assert.deepEqual(replies.map((r) => r.map((a) => a.text)), [[echoOf('first turn')], [echoOf('second turn')]]);
      // One flush when the file is made, then one per turn.
      assert.equal(flushes.length, 3);
      assert.equal(bot.flushes(), 2);
      assert.deepEqual(flushes.map((f) => f.alone), [true, true, true]);
      assert.match(flushes[1]?.onDisk ?? '', /"text":"first turn"/);
      assert.doesNotMatch(flushes[1]?.onDisk ?? '', /second turn/);
      assert.match(flushes[2]?.onDisk ?? '', /"text":"second turn"/);
      assert.equal(statSync(file).size, 64 * 4096, 'the file keeps its size: pages are rewritten in turn');
    } finally {
      await bot.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('measures the disk flush in the given directory and leaves no file there', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tva-disk-'));
    try {
      const flush = await measureDiskFlush(dir, { count: 4, gapMs: 1, pages: 1 });
      assert.equal(flush.count, 4);
      for (const summary of [flush.backToBackMs, flush.spacedMs]) {
        assert.ok(summary.p50 > 0 && summary.p50 <= summary.max, 'four flushes timed');
      }
      assert.deepEqual(await readdir(dir), []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stops at once when its signal has fired, and says so', async function () {
    this.timeout(60_000);
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(runBenchmark({ concurrency: [1], conversations: 1, warmup: 0, signal: controller.signal }), {
      name: 'BenchmarkAborted',
    });
  });

  describe('options', () => {
    it('has defaults and reads every option', () => {
      assert.deepEqual(parseOptions([]), { concurrency: [1, 50], conversations: DEFAULTS.conversations, warmup: DEFAULTS.warmup, json: false });
      assert.deepEqual(parseOptions(['--concurrency', '1,8,50', '--conversations', '30', '--warmup', '0', '--json']), {
        concurrency: [1, 8, 50],
        conversations: 30,
        warmup: 0,
        json: true,
      });
    });

    for (const [args, message] of [
      [['--concurrency', '0'], /concurrency must be whole numbers from 1 to 256/],
      [['--concurrency', '1,many'], /concurrency must be whole numbers/],
      [['--concurrency', '2.5'], /concurrency must be whole numbers/],
      [['--conversations', '0'], /conversations must be a whole number from 1/],
      [['--warmup', '-1'], /warmup must be a whole number from 0/],
      [['--frobnicate'], /unknown option '--frobnicate'/],
    ] as const) {
      it(`refuses ${args.join(' ')} with a clear message`, () => {
        const { err, output } = silentOutput();
        assert.throws(() => parseOptions([...args], output), CommanderError);
        assert.match(err.join(''), message);
      });
    }
  });

  describe('BENCH_COMPARE_ENV', () => {
    it('reads NAME=value pairs separated by commas, values kept whole', () => {
      assert.deepEqual(parseCompareEnv(' SQLITE_SYNCHRONOUS=normal, LOG_LEVEL=warn ,NODE_OPTIONS=--max-semi-space-size=32'), {
        SQLITE_SYNCHRONOUS: 'normal',
        LOG_LEVEL: 'warn',
        NODE_OPTIONS: '--max-semi-space-size=32',
      });
      assert.deepEqual(parseCompareEnv(undefined), {});
    });

    it('refuses a part that is not NAME=value, with an example', () => {
      assert.throws(() => parseCompareEnv('SQLITE_SYNCHRONOUS'), /"SQLITE_SYNCHRONOUS" is not NAME=value; write e\.g\. BENCH_COMPARE_ENV=/);
    });
  });

  describe('helpers', () => {
    it('gives every verification a fresh, valid-looking number, and every user its own SMS number', () => {
      const numbers = new VerificationNumbers();
      const taken = Array.from({ length: 10_002 }, () => numbers.take());
      assert.equal(new Set(taken).size, taken.length);
      assert.equal(taken[0], '+14155550000');
      assert.equal(taken[10_000], '+16285550000');
      assert.notEqual(smsNumberOf(0), smsNumberOf(1));
    });

    it('reads the newest code for a number from the outbox, and fails loudly when there is none', async () => {
      const message = (to: string, body: string) => ({ sid: 'x', to, from: 'VA', channel: 'sms', body, date_created: '' });
      const outbox = localOutbox({
        outbox: () => [
          message('+14155550000', 'Your Twilio Verify verification code is: 111111'),
          message('+14155550001', 'Your Twilio Verify verification code is: 222222'),
          message('+14155550000', 'Your Twilio Verify verification code is: 333333'),
        ],
      });
      assert.equal(await codeFor(outbox, '+14155550000'), '333333');
      await assert.rejects(codeFor(outbox, '+14155550009'), /no code for \+14155550009/);
    });

    it('computes nearest-rank percentiles', () => {
      const values = Array.from({ length: 100 }, (_, i) => i + 1);
      assert.equal(percentile(values, 50), 50);
      assert.equal(percentile(values, 99), 99);
      assert.deepEqual(summarize([3, 1, 2]), { p50: 2, p90: 3, p99: 3, max: 3, mean: 2 });
      assert.deepEqual(summarize([]), { p50: 0, p90: 0, p99: 0, max: 0, mean: 0 });
    });

    it('names the hand-written turns faster than the durable echo bot, one at a time only', () => {
      const row = (bot: TargetResult['bot'], flow: TargetResult['flow'], concurrency: number, p50: number, turnP50Ms: number[], flowLabel: string): TargetResult => ({
        bot,
        flow,
        label: bot,
        concurrency,
        turnsPerDialog: turnP50Ms.length,
        flowLabel,
        turnNames: turnP50Ms.map(() => 'answers'),
        turnP50Ms,
        turns: 1,
        dialogs: 1,
        failures: 0,
        gaveUp: false,
        seconds: 1,
        turnsPerSecond: 1,
        latencyMs: { p50, p90: p50, p99: p50, max: p50, mean: p50 },
        rssMb: undefined,
        cpuMsPerTurn: undefined,
      });
      const rows = [
        row('echo', 'echo', 1, 1.5, [1.5], 'echo'),
        row('echo-durable', 'echo', 1, 2.25, [2.25], 'echo'),
        row('handwritten', 'send-sms', 1, 3, [3, 2, 5], 'Send SMS'),
        row('handwritten', 'otp', 1, 3, [1.9, 3.5, 4], 'OTP'),
        row('handwritten', 'otp', 50, 3, [1, 1, 1], 'OTP'),
        row('product', 'otp', 1, 3, [1, 1, 1], 'OTP'),
      ];
      assert.deepEqual(floorLines(rows), [
        '',
        'Floor one at a time: the echo bot flushing once per turn answers in p50 2.25 ms (without the flush 1.50 ms): a bot on the same stack (restify, CloudAdapter) that waits for a flush each turn answers no faster.',
        'Turns of the hand-written bot faster than that floor, which no durable bot on that stack can match on this disk: Send SMS turn 2 (2.00 ms), OTP turn 1 (1.90 ms).',
      ]);
      assert.equal(floorLines(rows.map((r) => (r.bot === 'echo-durable' ? { ...r, latencyMs: { ...r.latencyMs, p50: 1.8 } } : r)))[2], 'Every turn of the hand-written bot takes longer than that floor.');
      assert.deepEqual(floorLines(rows.filter((r) => r.bot !== 'echo-durable')), []);
    });

    it('compares product rows with the hand-written bot and every row with the echo bot, at the same concurrency', () => {
      const target = (bot: TargetResult['bot'], flow: TargetResult['flow'], concurrency: number, turnsPerSecond: number, p50: number, rssMb: number, cpuMsPerTurn = 1): TargetResult => ({
        bot,
        flow,
        label: bot,
        concurrency,
        turnsPerDialog: 1,
        flowLabel: flow,
        turnNames: ['answers'],
        turnP50Ms: [p50],
        turns: 1,
        dialogs: 1,
        failures: 0,
        gaveUp: false,
        seconds: 1,
        turnsPerSecond,
        latencyMs: { p50, p90: p50, p99: p50 * 2, max: p50 * 2, mean: p50 },
        rssMb,
        cpuMsPerTurn,
      });
      const [echo, hand, product, other] = compare([
        target('echo', 'echo', 50, 1000, 1, 80),
        target('handwritten', 'send-sms', 50, 200, 4, 200, 2),
        target('product', 'send-sms', 50, 300, 2, 100, 1.5),
        target('product', 'send-sms', 1, 300, 2, 100),
      ]);
      assert.equal(echo?.echoTimes, undefined);
      assert.equal(hand?.echoTimes, 5);
      assert.equal(hand?.vsHandwritten, undefined);
      assert.deepEqual(product?.vsHandwritten, { throughput: 1.5, p50: 0.5, p99: 0.5, rss: 0.5, cpu: 0.75, turnP50: [0.5] });
      assert.equal(other?.vsHandwritten, undefined);
    });
  });
});
