import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { entitiesInUtterance, regionOfLocale, utteranceWithoutValues, type DialogTask } from '../../src/dialogs';

function task(id: string): DialogTask {
  const template = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'templates', `${id}.json`), 'utf8')) as { dialog: DialogTask };
  return template.dialog;
}

describe('values named in the opening utterance', () => {
  const cases: [string, string, Record<string, string>][] = [
    ['send-sms', 'text +14155550123 saying hi', { receiver: '+14155550123', message: 'hi' }],
    ['send-sms', 'send an sms to +1 (415) 555-0123 saying "Dinner at 8, bring the salad."', { receiver: '+1 (415) 555-0123', message: 'Dinner at 8, bring the salad.' }],
    ['send-sms', 'send an sms', {}],
    ['send-sms', 'send a text with the message: see you soon', { message: 'see you soon' }],
    ['check-verification', 'check my code 123456', { code: '123456' }],
    ['check-verification', 'check code 123456 for +14155550123', { receiver: '+14155550123', code: '123456' }],
    ['start-verification', 'send me a code at +14155550123', { receiver: '+14155550123' }],
  ];
  for (const [id, utterance, expected] of cases) {
    it(`${id}: "${utterance}" offers ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(entitiesInUtterance(task(id), utterance), expected);
    });
  }

  it('never offers words to an entity whose default comes from configuration', () => {
    assert.deepEqual(entitiesInUtterance(task('cancel-verification'), 'cancel saying VA123'), {});
  });

  it('leaves out the values when recognizing which dialog is asked for', () => {
    assert.equal(utteranceWithoutValues('text +14155550123 saying hi'), 'text');
    assert.equal(utteranceWithoutValues('check my code 123456'), 'check my code');
    assert.equal(utteranceWithoutValues('mail ada@example.com please'), 'mail please');
  });
});

describe("the country of the user's locale", () => {
  for (const [locale, region] of [['en-US', 'US'], ['pt-BR', 'BR'], ['zh-Hant-TW', 'TW'], ['en', undefined], ['', undefined], [undefined, undefined], ['xx-ZZ', undefined]] as const) {
    it(`${String(locale)} -> ${String(region)}`, () => {
      assert.equal(regionOfLocale(locale), region);
    });
  }
});
