import assert from 'node:assert/strict';
import { describeEntity, recognizeEntity, type EntitySpec } from '../../src/dialogs';

type Row = [input: string, expected: string | number | boolean | RegExp];

/** A string/number/boolean is the expected value; a RegExp is the expected failure reason. */
function table(title: string, spec: EntitySpec, rows: Row[], options: { defaultRegion?: 'US' | 'GB' } = {}): void {
  describe(title, () => {
    for (const [input, expected] of rows) {
      const verb = expected instanceof RegExp ? 'rejects' : 'accepts';
      it(`${verb} ${JSON.stringify(input)}`, () => {
        const got = recognizeEntity(spec, input, options);
        if (expected instanceof RegExp) {
          assert.equal(got.ok, false, `expected a failure, got ${JSON.stringify(got)}`);
          if (!got.ok) assert.match(got.reason, expected);
        } else {
          assert.deepStrictEqual(got, { ok: true, value: expected });
        }
      });
    }
  });
}

describe('entity recognizers', () => {
  table('phone', { entityType: 'phone' }, [
    ['+1 (415) 555-0123', '+14155550123'],
    ['+14155550123', '+14155550123'],
    [' +44 20 7946 0958 ', '+442079460958'],
    ['+15005550006', '+15005550006'],
    ['00 44 20 7946 0958', '+442079460958'],
    ['0033612345678', '+33612345678'],
    ['00', /too short|country code/],
    ['4155550123', /country code/],
    ['hello', /no phone number/],
    ['+1415', /too short/],
    ['+1415555012345678', /too long/],
    ['+1 415 000 0000', /numbering plan/],
    ['+14155550123 ext. 5', /has an extension \(ext\. 5\); a text message can't reach an extension/],
    ['+1 415 555 0123 x12', /extension \(ext\. 12\)/],
    ['+44 20 7946 0958 extension 204', /extension \(ext\. 204\)/],
  ]);
  table('phone with a default region', { entityType: 'phone' }, [
    ['(415) 555-0123', '+14155550123'],
    ['+33 6 12 34 56 78', '+33612345678'],
    ['00 33 6 12 34 56 78', '+33612345678'],
  ], { defaultRegion: 'US' });

  table('email', { entityType: 'email' }, [
    ['ada@example.com', 'ada@example.com'],
    ['  first.last+tag@mail.example.org ', 'first.last+tag@mail.example.org'],
    ['ada@example', /email address/],
    ['ada example.com', /email address/],
    ['a@b@c.com', /email address/],
    ['', /email address/],
  ]);

  table('digits 4..10', { entityType: 'digits', minLength: 4, maxLength: 10 }, [
    ['123456', '123456'],
    ['123 456', '123456'],
    ['12-34-56', '123456'],
    ['0042', '0042'],
    ['123', /4 to 10 digits; that was 3/],
    ['12345678901', /that was 11/],
    ['12a456', /digits only/],
    ['   ', /any digits/],
  ]);
  table('digits of exactly 6', { entityType: 'digits', minLength: 6, maxLength: 6 }, [
    ['654321', '654321'],
    ['65432', /I need 6 digits/],
  ]);

  table('text', { entityType: 'text', maxLength: 10 }, [
    ['  hello you ', 'hello you'],
    ['0123456789', '0123456789'],
    ['01234567890', /11 characters; the limit is 10/],
    ['   ', /any text/],
  ]);
  table('text with the default limit', { entityType: 'text' }, [
    ['x'.repeat(1600), 'x'.repeat(1600)],
    ['x'.repeat(1601), /1601 characters; the limit is 1600/],
    ['😀'.repeat(900), '😀'.repeat(900)],
    ['😀'.repeat(1600), '😀'.repeat(1600)],
    ['😀'.repeat(1601), /1601 characters; the limit is 1600/],
    ['👍🏽'.repeat(800), '👍🏽'.repeat(800)],
    [' \n\t ', /empty/],
    [' '.repeat(2000), /empty/],
    ['line 1\nline 2\ttab', 'line 1\nline 2\ttab'],
    ['a\u0000b', /invisible control character \(U\+0000\)/],
    ['red \u001b[31m', /U\+001B/],
    ['\u0007ring', /U\+0007/],
  ]);
  table('text of at least 3 characters', { entityType: 'text', minLength: 3 }, [
    ['😀😀😀', '😀😀😀'],
    ['😀😀', /too short: at least 3/],
  ]);

  const channels: EntitySpec = {
    entityType: 'enum',
    values: [
      { value: 'sms', synonyms: ['text', 'text message'] },
      { value: 'call', synonyms: ['voice', 'phone call'] },
      { value: 'email' },
    ],
  };
  table('enum with synonyms', channels, [
    ['sms', 'sms'],
    ['SMS', 'sms'],
    ['Text message.', 'sms'],
    ['  phone   call ', 'call'],
    ['Email!', 'email'],
    ['whatsapp', /Pick one of: sms, call, email/],
  ]);

  table('number', { entityType: 'number', min: 1, max: 1000 }, [
    ['42', 42],
    ['3.5', 3.5],
    ['1,000', 1000],
    [' 7 ', 7],
    ['0', /from 1 to 1000/],
    ['1001', /from 1 to 1000/],
    ['seven', /isn't a number/],
    ['1e3', /isn't a number/],
  ]);
  table('number with no bounds', { entityType: 'number' }, [
    ['-12', -12],
    ['12.', 12],
  ]);

  table('yes/no', { entityType: 'yesno' }, [
    ['yes', true],
    ['Y', true],
    ['Yeah!', true],
    ['sure', true],
    ['OK', true],
    ['no', false],
    ['Nope.', false],
    ['n', false],
    ['maybe', /yes or no/],
  ]);

  describe('generated help', () => {
    const rows: [EntitySpec, RegExp][] = [
      [{ entityType: 'phone' }, /phone number with its country code/],
      [{ entityType: 'email' }, /email address/],
      [{ entityType: 'digits', minLength: 4, maxLength: 10 }, /4 to 10 digits; spaces and dashes are fine/],
      [{ entityType: 'text', maxLength: 160 }, /up to 160 characters/],
      [channels, /Choose one of: sms, call, email/],
      [{ entityType: 'number', min: 1, max: 5 }, /from 1 to 5/],
      [{ entityType: 'yesno' }, /yes or no/],
    ];
    for (const [spec, expected] of rows) {
      it(`explains a ${spec.entityType} entity`, () => assert.match(describeEntity(spec), expected));
    }
  });
});
