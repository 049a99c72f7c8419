import assert from 'node:assert/strict';
import { evaluateExpression, validateDialogTask } from '../../src/dialogs';
import { OPERATION_NAMES, VERIFY_LOCALES, verifyLocaleFor } from '../../src/twilio';
import { TaskChat, task, TestRuntime } from '../support/conversation';

describe("a user's language tag as a Twilio Verify Locale", () => {
  const cases: [tag: unknown, locale: string | null][] = [
    ['en', 'en'],
    ['en-US', 'en'],
    ['en-us', 'en'],
    ['en-GB', 'en-GB'],
    ['en-gb', 'en-GB'],
    ['es-ES', 'es'],
    ['es-419', 'es'],
    ['fr-CA', 'fr'],
    ['de-AT', 'de'],
    ['pt-BR', 'pt-BR'],
    ['pt_BR', 'pt-BR'],
    ['pt-PT', 'pt'],
    ['ja-JP', 'ja'],
    ['zh-HK', 'zh-HK'],
    ['zh-Hant-HK', 'zh-HK'],
    ['zh-Hant-TW', 'zh-HK'],
    ['zh-TW', 'zh-HK'],
    ['zh-MO', 'zh-HK'],
    ['zh-Hant', 'zh-HK'],
    ['zh-Hans-HK', 'zh'],
    ['zh-Hans-CN', 'zh-CN'],
    ['zh-SG', 'zh'],
    ['zh-CN', 'zh-CN'],
    ['no-NO', 'nb'],
    ['iw', 'he'],
    ['fil-PH', 'tl'],
    ['tlh', null],
    ['xx-YY', null],
    ['English', null],
    ['', null],
    [null, null],
    [42, null],
    ['e'.repeat(100), null],
  ];
  for (const [tag, locale] of cases) {
    it(`${JSON.stringify(tag)} -> ${JSON.stringify(locale)}`, () => {
      assert.equal(verifyLocaleFor(tag), locale);
    });
  }

  it('only ever answers a locale Twilio lists', () => {
    for (const tag of ['en-AU', 'es-MX', 'pt-AO', 'zh-SG', 'sr-Latn-RS', 'nb-NO', 'it-CH']) {
      const locale = verifyLocaleFor(tag);
      assert.ok(locale === null || (VERIFY_LOCALES as readonly string[]).includes(locale), `${tag} -> ${String(locale)}`);
    }
  });

  it('is the expression function verifyLocale(), which reads the turn scope', () => {
    assert.equal(evaluateExpression('verifyLocale(turn.locale)', { turn: { locale: 'pt-BR' } }), 'pt-BR');
    assert.equal(evaluateExpression('verifyLocale(context.locale || turn.locale)', { context: { locale: 'ja' }, turn: { locale: 'en-US' } }), 'ja');
    assert.equal(evaluateExpression('verifyLocale(turn.locale)', {}), null);
  });
});

describe('the turn scope of expressions', () => {
  const echo = task({
    id: 'echo',
    name: 'Echo',
    description: 'Says what the turn scope holds.',
    start: 'intent',
    nodes: [
      { id: 'intent', type: 'intent', utterances: ['what is my locale'], next: 'say' },
      { id: 'say', type: 'message', text: 'locale={{turn.locale}} channel={{turn.channelId}} text=[{{turn.text}}] from=[{{turn.from}}]' },
    ],
  });

  it("shows the activity's locale and channel, and nothing else of the activity", async () => {
    const chat = new TaskChat({ tasks: [echo], runtime: new TestRuntime({ kind: 'not-configured' }) });
    chat.adapter.template.locale = 'es-ES';
    assert.deepEqual(await chat.say('what is my locale'), ['locale=es-ES channel=test text=[] from=[]']);
  });

  it('cannot be written by a logic node', () => {
    const result = validateDialogTask(
      {
        id: 'writes-turn',
        name: 'Writes turn',
        description: 'Tries to set the locale.',
        start: 'intent',
        nodes: [
          { id: 'intent', type: 'intent', utterances: ['go'], next: 'set' },
          { id: 'set', type: 'logic', set: { 'turn.locale': "'fr'" }, next: 'done' },
          { id: 'done', type: 'message', text: 'Done.' },
        ],
      },
      { operations: OPERATION_NAMES },
    );
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.problems.some((p) => p.pointer.startsWith('/nodes/1/set')), JSON.stringify(!result.ok && result.problems));
  });
});
