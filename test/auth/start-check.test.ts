/** The start check's retry schedule and its verdicts, with a scripted attempt, a manual sleep and a fixed clock. */
import assert from 'node:assert/strict';
import {
  isTransientCheckFailure,
  StartCheck,
  startRetryDelayMs,
  type StartAttemptResult,
  type StartCheckState,
} from '../../src/auth';
import { ManualSleep } from '../support/manual-sleep';

const T0 = new Date('2026-01-01T00:00:00Z');
const REFUSED: StartAttemptResult = {
  kind: 'failed',
  failure: { code: 'connection_refused', message: 'The connection to Twilio was refused (ECONNREFUSED)' },
  transient: true,
};

function scripted(results: StartAttemptResult[]): { attempt: () => Promise<StartAttemptResult>; calls: () => number } {
  let calls = 0;
  return {
    attempt: async () => {
      calls += 1;
      return results[Math.min(calls, results.length) - 1] ?? REFUSED;
    },
    calls: () => calls,
  };
}

describe('the start check', () => {
  it('waits 1 s, 2 s, 4 s … and never more than 5 minutes between attempts', async () => {
    assert.deepEqual(
      Array.from({ length: 12 }, (_, i) => startRetryDelayMs(i + 1)),
      [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000, 300_000, 300_000],
    );
    const sleeper = new ManualSleep();
    const check = new StartCheck(scripted([REFUSED]).attempt, { sleep: sleeper.sleep, now: () => T0 });
    await check.start();
    for (let n = 1; n <= 11; n += 1) {
      await sleeper.asleep(n);
      sleeper.wake();
    }
    await sleeper.asleep(12);
    assert.deepEqual(sleeper.waits, [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000, 300_000, 300_000]);
    await check.stop();
    assert.deepEqual(check.state(), { kind: 'stopped' });
  });

  it('answers after the first attempt with the retry it will make, then enables once Twilio answers', async () => {
    const sleeper = new ManualSleep();
    const seen: StartCheckState[] = [];
    const script = scripted([REFUSED, REFUSED, { kind: 'enabled' }]);
    const check = new StartCheck(script.attempt, { sleep: sleeper.sleep, now: () => T0, onChange: (s) => seen.push(s) });
    const first = await check.start();
    assert.deepEqual(first, { kind: 'retrying', attempt: 2, lastFailure: REFUSED.failure, retryAt: new Date(T0.getTime() + 1_000) });
    assert.deepEqual(check.pending(), first);
    sleeper.wake();
    await sleeper.asleep(2);
    assert.deepEqual(check.state(), { kind: 'retrying', attempt: 3, lastFailure: REFUSED.failure, retryAt: new Date(T0.getTime() + 2_000) });
    sleeper.wake();
    assert.deepEqual(await check.settled(), { kind: 'enabled' });
    assert.equal(check.pending(), undefined);
    assert.equal(script.calls(), 3);
    assert.deepEqual(
      seen.map((s) => s.kind),
      ['retrying', 'checking', 'retrying', 'checking', 'enabled'],
    );
  });

  it('stops at once, without a wait, when Twilio rejects the credentials', async () => {
    const sleeper = new ManualSleep();
    const rejected: StartAttemptResult = { kind: 'failed', failure: { code: 20003, message: 'Authenticate' }, transient: false };
    const script = scripted([rejected]);
    const check = new StartCheck(script.attempt, { sleep: sleeper.sleep, now: () => T0 });
    assert.deepEqual(await check.start(), { kind: 'rejected', failure: { code: 20003, message: 'Authenticate' } });
    assert.deepEqual(await check.settled(), { kind: 'rejected', failure: { code: 20003, message: 'Authenticate' } });
    assert.deepEqual(sleeper.waits, []);
    assert.equal(script.calls(), 1);
  });

  it('retries when an attempt throws (the store, not Twilio, failed), and ends when superseded', async () => {
    const sleeper = new ManualSleep();
    let calls = 0;
    const check = new StartCheck(
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('database is locked');
        return { kind: 'superseded' };
      },
      { sleep: sleeper.sleep, now: () => T0 },
    );
    const first = await check.start();
    assert.equal(first.kind, 'retrying');
    assert.deepEqual(first.kind === 'retrying' ? first.lastFailure : undefined, { code: 'start_check_failed', message: 'database is locked' });
    sleeper.wake();
    assert.deepEqual(await check.settled(), { kind: 'superseded' });
  });

  it('tells failures worth a retry from answers about the credentials', () => {
    const transient = ['timeout', 'connection_refused', 'network_error', 'malformed_response', 20429, 20500, 20503, 'http_502', 'http_429'];
    const final = [20003, 20404, 60200, 'profile_not_found', 'invalid_base_url', 'http_401', 'http_404'];
    for (const code of transient) assert.equal(isTransientCheckFailure({ code }), true, `${code} is worth a retry`);
    for (const code of final) assert.equal(isTransientCheckFailure({ code }), false, `${code} is final`);
  });
});
