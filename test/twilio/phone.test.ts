import assert from 'node:assert/strict';
import { isValidEmail, normalizePhoneNumber, readPhone, TwilioActionError, type CountryCode } from '../../src/twilio';

describe('Phone numbers and e-mail addresses', () => {
  const valid: [string, CountryCode | undefined, string][] = [
    ['+14155550123', undefined, '+14155550123'],
    ['+1 (415) 555-0123', undefined, '+14155550123'],
    ['  +1 415.555.0123 ', undefined, '+14155550123'],
    ['tel:+14155550123', undefined, '+14155550123'],
    ['(415) 555-0123', 'US', '+14155550123'],
    ['415 555 0123', 'US', '+14155550123'],
    ['+44 7911 123456', undefined, '+447911123456'],
    ['07911 123456', 'GB', '+447911123456'],
    ['+49 151 12345678', undefined, '+4915112345678'],
    ['+15017122661', 'GB', '+15017122661'],
  ];
  for (const [text, region, e164] of valid) {
    it(`normalises ${JSON.stringify(text)}${region ? ` (region ${region})` : ''} to ${e164}`, () => {
      assert.equal(normalizePhoneNumber(text, region), e164);
    });
  }

  const invalid: [string, CountryCode | undefined][] = [
    ['', undefined],
    ['   ', undefined],
    ['hello', undefined],
    ['(415) 555-0123', undefined],
    ['+1415555012', undefined],
    ['+99912345', undefined],
    ['12345', 'US'],
    ['+1 415 555 0123 4567 8901 2345 6789 0123 4567 8901', undefined],
  ];
  for (const [text, region] of invalid) {
    it(`rejects ${JSON.stringify(text)}${region ? ` (region ${region})` : ''} with invalid_input naming To`, () => {
      assert.throws(
        () => normalizePhoneNumber(text, region),
        (error: unknown) =>
          error instanceof TwilioActionError && error.code === 'invalid_input' && error.param === 'To' && error.userMessage.startsWith('Invalid parameter: To. Use E.164, e.g. +14155550123'),
      );
    });
  }

  for (const text of ['+14155550123 ext. 5', '+1 415 555 0123 x12', '+14155550123;ext=99']) {
    it(`refuses ${JSON.stringify(text)}: a text or a code cannot reach an extension`, () => {
      assert.throws(
        () => normalizePhoneNumber(text),
        (error: unknown) => error instanceof TwilioActionError && error.code === 'invalid_input' && /cannot reach an extension \(ext\. \d+\)/.test(error.userMessage),
      );
    });
  }

  it('reads a number written with + once, whatever the default region asking', () => {
    const typed = readPhone('+16285550175', 'US');
    assert.equal(typed?.number, '+16285550175');
    assert.equal(readPhone('+16285550175'), typed);
    assert.equal(readPhone('+16285550175', 'GB'), typed);
  });

  it("does not take a national number's E.164 form as read the same (a trunk 0 kept in it reads otherwise)", () => {
    const national = readPhone('0036180691', 'BR');
    assert.equal(national?.valid, false);
    assert.equal(readPhone(national?.number ?? '', 'BR')?.valid, true, 'read afresh, not from the national reading');
  });

  it('still reads a national number by its default region', () => {
    assert.equal(readPhone('07911 123457', 'GB')?.number, '+447911123457');
    assert.equal(readPhone('07911 123457', 'GB')?.valid, true);
    assert.equal(readPhone('07911 123457', 'US')?.valid ?? false, false);
  });

  it('names the parameter it was given', () => {
    assert.throws(() => normalizePhoneNumber('nope', undefined, 'From'), (error: unknown) => error instanceof TwilioActionError && error.param === 'From');
  });

  const emails: [string, boolean][] = [
    ['ada@example.com', true],
    ['ada.lovelace+otp@mail.example.co.uk', true],
    ['mail@email.com', true],
    ['ada@example', false],
    ['ada@@example.com', false],
    ['ada example@example.com', false],
    ['@example.com', false],
    ['ada.@example.com', false],
    ['ada@-example.com', false],
    [`${'a'.repeat(65)}@example.com`, false],
    ['', false],
  ];
  for (const [text, expected] of emails) {
    it(`${expected ? 'accepts' : 'rejects'} the e-mail address ${JSON.stringify(text)}`, () => {
      assert.equal(isValidEmail(text), expected);
    });
  }
});
