import assert from 'node:assert/strict';
import {
  checkExpression,
  configFieldsOfExpression,
  configFieldsOfTemplate,
  evaluateExpression,
  evaluatePath,
  ExpressionError,
  renderTemplate,
  type ExpressionScope,
} from '../../src/dialogs';

const scope: ExpressionScope = {
  entities: { receiver: '+14155550123', code: '123456', name: 'Ada', count: 3, items: ['a', 'b'] },
  context: { flag: true, nested: { deep: { value: 7 } } },
  config: { sender: '+15005550006', verifyServiceSid: 'VA00000000000000000000000000000000' },
  result: { status: 'pending', valid: false },
  error: { code: 60202, status: 429, userMessage: 'Too many wrong codes.', retryAfterSeconds: 90 },
  user: { verifiedPhone: '+14155550123' },
  dialog: { retries: 2, attempts: 1 },
};

const now = () => new Date('2026-01-01T10:00:00Z');

describe('expressions', () => {
  const cases: [string, unknown][] = [
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 / 4', 2.5],
    ['1 / 0', null],
    ['-entities.count', -3],
    ['"a" + "b"', 'ab'],
    ["'code: ' + entities.code", 'code: 123456'],
    ['entities.name + context.missing', 'Ada'],
    ['entities.receiver', '+14155550123'],
    ['entities.items[1]', 'b'],
    ['entities.items[5]', null],
    ['context.nested.deep.value', 7],
    ['context["nested"]["deep"].value', 7],
    ['context.missing.deeper.still', null],
    ['entities.nothing', null],
    ['error.code == 60202', true],
    ['error.code == "60202"', true],
    ['error.code != 60203', true],
    ['entities.code == 123456', true],
    ['entities.count >= 3 && entities.count < 4', true],
    ['"abc" < "abd"', true],
    ['null < 1', false],
    ['!result.valid', true],
    ['result.valid || "fallback"', 'fallback'],
    ['config.sender && "yes"', 'yes'],
    ['result.status == "approved" ? "ok" : "not yet"', 'not yet'],
    ['len(entities.code)', 6],
    ['len(entities.items)', 2],
    ['len(context.missing)', 0],
    ['lower("HeLLo")', 'hello'],
    ['upper(entities.name)', 'ADA'],
    ['mask(entities.receiver)', '…0123'],
    ['mask("123")', '…'],
    ['now()', '2026-01-01T10:00:00.000Z'],
    ['minutes(error.retryAfterSeconds)', 2],
    ['minutes(600)', 10],
    ['user.verifiedPhone == entities.receiver', true],
    ['dialog.retries', 2],
    ['true', true],
    ['null', null],
  ];
  for (const [source, expected] of cases) {
    it(`evaluates ${source} to ${JSON.stringify(expected)}`, () => {
      assert.deepStrictEqual(evaluateExpression(source, scope, { now }), expected);
    });
  }

  const rejected: [string, RegExp][] = [
    ['entities.constructor', /"constructor" cannot be read/],
    ['entities.__proto__', /"__proto__" cannot be read/],
    ['entities["constructor"]', /"constructor" cannot be read/],
    ['context.prototype', /"prototype" cannot be read/],
    ['eval("1")', /Only these functions can be called/],
    ['entities.name.toString()', /Only these functions can be called/],
    ['Function("return 1")()', /Only these functions can be called/],
    ['process.exit(1)', /Only these functions can be called/],
    ['process.env', /Unknown name "process"/],
    ['globalThis', /Unknown name "globalThis"/],
    ['this.x', /"this" is not part/],
    ['len(1, 2)', /len\(\) takes 1 argument, not 2/],
    ['now(1)', /now\(\) takes 0 arguments/],
    ['a = 1', /does not parse|not allowed|Unknown name/],
    ['1 === 1', /operator "===" is not allowed/],
    ['1 % 2', /operator "%" is not allowed/],
    ['~1', /operator "~" is not allowed/],
    ['[1, 2]', /array literal/],
    ['1, 2', /sequence/],
    ['entities.', /does not parse/],
    ['(1 + ', /does not parse/],
    ['', /empty/],
    ['x'.repeat(1001), /longer than 1000/],
  ];
  for (const [source, message] of rejected) {
    it(`rejects ${source.length > 40 ? `${source.slice(0, 20)}…` : JSON.stringify(source)}`, () => {
      assert.throws(() => evaluateExpression(source, scope), (err: unknown) => err instanceof ExpressionError && message.test(err.message));
      assert.equal(checkExpression(source).ok, false);
    });
  }

  it('never reads inherited or computed dangerous members at run time', () => {
    const tricky: ExpressionScope = { entities: { key: '__proto__', other: 'constructor', list: [1] } };
    assert.equal(evaluateExpression('context[entities.key]', { ...tricky, context: {} }), null);
    assert.equal(evaluateExpression('entities[entities.other]', tricky), null);
    assert.equal(evaluateExpression('entities.toString', tricky), null);
    assert.equal(evaluateExpression('entities.list["length"]', tricky), null);
  });

  it('reads functions and class instances in the scope as null', () => {
    const odd: ExpressionScope = { context: { fn: () => 1, date: new Date(0), map: new Map([['a', 1]]) } };
    assert.equal(evaluateExpression('context.fn', odd), null);
    assert.equal(evaluateExpression('context.date', odd), null);
    assert.equal(evaluateExpression('context.map.a', odd), null);
  });

  it('stops strings from growing without bound', () => {
    const big: ExpressionScope = { context: { s: 'x'.repeat(6000) } };
    assert.throws(() => evaluateExpression('context.s + context.s', big), /longer than 10000/);
  });

  it('renders templates with placeholders, rendering null as empty text', () => {
    assert.equal(renderTemplate('Hi {{entities.name}}!', scope), 'Hi Ada!');
    assert.equal(renderTemplate('Sent to {{ mask(entities.receiver) }}; {{context.none}}.', scope), 'Sent to …0123; .');
    assert.equal(renderTemplate('Retry in {{minutes(error.retryAfterSeconds)}} minutes', scope), 'Retry in 2 minutes');
    assert.equal(renderTemplate('no placeholders', scope), 'no placeholders');
    assert.throws(() => renderTemplate('Hi {{entities.name', scope), /never closed/);
    assert.throws(() => renderTemplate('Hi {{ entities.constructor }}', scope), /cannot be read/);
  });

  it('does not evaluate placeholders that arrive inside values', () => {
    const sneaky: ExpressionScope = { entities: { name: '{{config.sender}}' }, config: { sender: 'secret' } };
    assert.equal(renderTemplate('Hi {{entities.name}}', sneaky), 'Hi {{config.sender}}');
  });

  it('lists the configuration fields an expression or template reads', () => {
    assert.deepStrictEqual(configFieldsOfExpression('config.sender || config["verifyServiceSid"]'), ['sender', 'verifyServiceSid']);
    assert.deepStrictEqual(configFieldsOfTemplate('From {{config.sender}} via {{lower(config.region)}}'), ['sender', 'region']);
    assert.deepStrictEqual(configFieldsOfExpression('entities.config'), []);
  });
});

describe("evaluatePath: a raw API call's path", () => {
  const scope = { entities: { sid: 'SM0123', climb: '../Calls', deeper: 'SM1/Media', empty: '', dotted: 'a.b' } };
  const rows: [source: string, want: { path: string } | RegExp][] = [
    ["'/v2/Services'", { path: '/v2/Services' }],
    ["'/2010-04-01/Accounts/{AccountSid}/Messages/' + entities.sid + '.json'", { path: '/2010-04-01/Accounts/{AccountSid}/Messages/SM0123.json' }],
    ["'/x/' + entities.dotted", { path: '/x/a.b' }],
    ["'/x/' + entities.climb", /one segment/],
    ["'/x/' + entities.deeper", /one segment/],
    ["'/x/' + entities.empty", /one segment/],
    ["'/x/' + entities.missing", /one segment/],
  ];
  for (const [source, want] of rows) {
    it(`${source} ${want instanceof RegExp ? 'is refused' : `is ${want.path}`}`, () => {
      const got = evaluatePath(source, scope);
      if (want instanceof RegExp) assert.match('problem' in got ? got.problem : '', want);
      else assert.deepEqual(got, want);
    });
  }
});
