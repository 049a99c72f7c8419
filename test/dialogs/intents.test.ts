import assert from 'node:assert/strict';
import { IntentMatcher, type DialogTask } from '../../src/dialogs';

function task(id: string, utterances: string[]): DialogTask {
  return {
    id,
    name: id.replace(/-/g, ' '),
    description: '',
    start: 'intent',
    nodes: [
      { id: 'intent', type: 'intent', utterances, next: 'done' },
      { id: 'done', type: 'message', text: 'ok' },
    ],
  };
}

const matcher = new IntentMatcher([
  task('send-sms', ['send an sms', 'send a text', 'text someone']),
  task('start-verification', ['start a verification', 'send me a code', 'verify my phone number']),
  task('check-verification', ['check my code', 'check a verification code', 'i have a code']),
  task('verification-status', ['verification status', 'check verification status']),
]);

describe('intent matching', () => {
  const rows: [says: string, best: string | undefined, kind?: string][] = [
    ['send an SMS', 'send-sms', 'exact'],
    ['Send an SMS!', 'send-sms', 'exact'],
    ['please send a text to my mom', 'send-sms', 'contains'],
    ['verify my phone number please', 'start-verification', 'contains'],
    ['check my code', 'check-verification', 'exact'],
    ['what is the verification status', 'verification-status', 'contains'],
    ['can you text someone for me', 'send-sms', 'contains'],
    ['I want to verify my number', 'start-verification', 'overlap'],
    ['the weather tomorrow', undefined],
    ['', undefined],
  ];
  for (const [says, best, kind] of rows) {
    it(`routes ${JSON.stringify(says)} to ${best ?? 'nothing'}`, () => {
      const [first] = matcher.match(says);
      assert.equal(first?.taskId, best);
      if (kind) assert.equal(first?.kind, kind);
    });
  }

  it('ranks candidates best first, one per dialog', () => {
    const candidates = matcher.match('check verification');
    const ids = candidates.map((c) => c.taskId);
    assert.equal(new Set(ids).size, ids.length);
    for (let i = 1; i < candidates.length; i += 1) {
      assert.ok((candidates[i - 1]?.score ?? 0) >= (candidates[i]?.score ?? 0));
    }
    assert.ok(ids.includes('check-verification') && ids.includes('verification-status'));
  });

  it('asks "which one?" when two dialogs fit about equally', () => {
    const decision = matcher.decide('check verification');
    assert.equal(decision.kind, 'ambiguous');
    if (decision.kind === 'ambiguous') {
      assert.deepStrictEqual(decision.candidates.map((c) => c.taskId).sort(), ['check-verification', 'verification-status']);
    }
  });

  it('decides on a single clear winner and on nothing', () => {
    const clear = matcher.decide('send a text');
    assert.equal(clear.kind === 'match' ? clear.candidate.taskId : clear.kind, 'send-sms');
    assert.equal(matcher.decide('good morning').kind, 'none');
  });

  it('matches quickly with many dialogs', () => {
    const many = Array.from({ length: 500 }, (_, i) => task(`dialog-${i}`, [`do thing number ${i}`, `run job ${i} now`]));
    const big = new IntentMatcher(many);
    const started = process.hrtime.bigint();
    for (let i = 0; i < 1000; i += 1) big.match(`please run job ${i % 500} now`);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.equal(big.match('please run job 42 now')[0]?.taskId, 'dialog-42');
    assert.ok(ms < 2000, `1000 matches took ${ms} ms`);
  });
});
