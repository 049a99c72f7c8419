import assert from 'node:assert/strict';
import { redactDigits, redactForLog } from '../../src/dialogs';

describe('log redaction', () => {
  const rows: [string, string][] = [
    ['my code is 123456', 'my code is ***'],
    ['1234', '***'],
    ['123 456', '***'],
    ['12-34-56-78-90', '***'],
    ['123', '123'],
    ['+14155550123', '+14155550123'],
    ['attempt 2 of 5', 'attempt 2 of 5'],
    ['codes 4321 and 98765432', 'codes *** and ***'],
  ];
  for (const [text, expected] of rows) {
    it(`turns ${JSON.stringify(text)} into ${JSON.stringify(expected)}`, () => assert.equal(redactDigits(text), expected));
  }

  it('redacts nested strings and code-like numbers but keeps small counters and error codes', () => {
    assert.deepStrictEqual(
      redactForLog({ text: 'code 654321', nested: { list: ['0042', 'ok'] }, attempts: 3, code: 60202, typed: 654321 }),
      { text: 'code ***', nested: { list: ['***', 'ok'] }, attempts: 3, code: 60202, typed: '***' },
    );
  });
});
