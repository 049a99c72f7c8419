// The benchmark's core with tiny numbers: its shape and its correctness checks, never its timings.
import assert from 'node:assert/strict';
import { CommanderError } from 'commander';
import { compare, runBenchmark, type TargetResult } from '../../bench/run';
import { codeFor, smsNumberOf, VerificationNumbers } from '../../bench/scenarios';
import { percentile, summarize } from '../../bench/stats';
import { DEFAULTS, formatReport, parseOptions } from '../../bench/turns';

function silentOutput() {
  const err: string[] = [];
  return { err, output: { writeOut: () => undefined, writeErr: (s: string) => void err.push(s) } };
}

describe('bench/turns', () => {
  it('runs every target end to end: one user, two dialogs each, no failures', async function () {
    this.timeout(60_000);
    const result = await runBenchmark({ users: 1, seconds: 30, warmup: 0, maxDialogs: 2 });

    assert.deepEqual(
      result.targets.map((t) => t.id),
      ['echo', 'send-sms', 'otp'],
    );
    assert.deepEqual(result.failures, []);
    for (const t of result.targets) {
      assert.equal(t.failures, 0, `${t.id} failures`);
      assert.equal(t.gaveUp, false);
      assert.equal(t.dialogs, 2, `${t.id} dialogs`);
      assert.equal(t.turns, 2 * t.turnsPerDialog, `${t.id} turns`);
      assert.ok(t.turnsPerSecond > 0 && t.dialogsPerSecond > 0);
      const { p50, p90, p99, max } = t.latencyMs;
      assert.ok(p50 > 0 && p50 <= p90 && p90 <= p99 && p99 <= max, `${t.id} latencies ordered`);
    }
    assert.deepEqual(
      result.comparisons.map((c) => c.id),
      ['send-sms', 'otp'],
    );
    for (const c of result.comparisons) assert.ok(Number.isFinite(c.throughputRatio) && Number.isFinite(c.p50Ratio));
    assert.equal(result.machine.node, process.version);

    const report = formatReport(result).join('\n');
    assert.match(report, /echo bot/);
    assert.match(report, /Send SMS \(3 turns\)/);
    assert.match(report, /0 failures/);
    assert.match(report, /vary/);
  });

  it('stops at once when its signal has fired, and says so', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(runBenchmark({ users: 1, seconds: 1, warmup: 0, maxDialogs: 1, signal: controller.signal }), {
      name: 'BenchmarkAborted',
    });
  });

  describe('options', () => {
    it('has defaults and reads every option', () => {
      assert.deepEqual(parseOptions([]), { ...DEFAULTS, json: false });
      assert.deepEqual(parseOptions(['--users', '2', '--seconds', '1.5', '--warmup', '0', '--max-dialogs', '3', '--json']), {
        users: 2,
        seconds: 1.5,
        warmup: 0,
        maxDialogs: 3,
        json: true,
      });
    });

    for (const [args, message] of [
      [['--users', '0'], /users must be a whole number from 1 to 256/],
      [['--users', 'many'], /users must be a whole number/],
      [['--users', '2.5'], /users must be a whole number/],
      [['--seconds', '0'], /seconds must be a number of seconds, more than 0/],
      [['--warmup', '-1'], /warmup must be a number of seconds, at least 0/],
      [['--max-dialogs', ''], /max-dialogs must be a whole number/],
      [['--frobnicate'], /unknown option '--frobnicate'/],
    ] as const) {
      it(`refuses ${args.join(' ')} with a clear message`, () => {
        const { err, output } = silentOutput();
        assert.throws(() => parseOptions([...args], output), CommanderError);
        assert.match(err.join(''), message);
      });
    }
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

    it('reads the newest code for a number from the outbox, and fails loudly when there is none', () => {
      const message = (to: string, body: string) => ({ sid: 'x', to, from: 'VA', channel: 'sms', body, date_created: '' });
      const outbox = {
        outbox: () => [
          message('+14155550000', 'Your Twilio Verify verification code is: 111111'),
          message('+14155550001', 'Your Twilio Verify verification code is: 222222'),
          message('+14155550000', 'Your Twilio Verify verification code is: 333333'),
        ],
      };
      assert.equal(codeFor(outbox, '+14155550000'), '333333');
      assert.throws(() => codeFor(outbox, '+14155550009'), /no code for \+14155550009/);
    });

    it('computes nearest-rank percentiles', () => {
      const values = Array.from({ length: 100 }, (_, i) => i + 1);
      assert.equal(percentile(values, 50), 50);
      assert.equal(percentile(values, 99), 99);
      assert.deepEqual(summarize([3, 1, 2]), { p50: 2, p90: 3, p99: 3, max: 3, mean: 2 });
      assert.deepEqual(summarize([]), { p50: 0, p90: 0, p99: 0, max: 0, mean: 0 });
    });

    it('compares each dialog target with the echo bot', () => {
      const target = (id: TargetResult['id'], turnsPerSecond: number, p50: number): TargetResult => ({
        id,
        label: id,
        turnsPerDialog: 1,
        turns: 1,
        dialogs: 1,
        failures: 0,
        gaveUp: false,
        seconds: 1,
        turnsPerSecond,
        dialogsPerSecond: turnsPerSecond,
        latencyMs: { p50, p90: p50, p99: p50, max: p50, mean: p50 },
      });
      assert.deepEqual(compare([target('echo', 1000, 1), target('send-sms', 100, 5)]), [{ id: 'send-sms', throughputRatio: 10, p50Ratio: 5 }]);
    });
  });
});
