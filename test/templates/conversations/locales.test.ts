/** The user's language reaches Verify from every template that sends a code (Twilio = the emulator). */
import assert from 'node:assert/strict';
import { TaskChat, templateTask } from '../../support/conversation';
import { EmulatorFixture } from '../../support/emulator';

const US = '+14155550123';
const SPAIN = '+34612345678';

describe("templates: the activity's locale picks the language of the code SMS", () => {
  const fx = new EmulatorFixture();
  before(() => fx.start());
  after(() => fx.stop());
  beforeEach(() => {
    fx.emulator.clearOutbox();
    fx.clock.advance(3600);
  });

  const sms = (to: string) => fx.emulator.outbox().filter((m) => m.to === to).at(-1)?.body ?? '';

  async function verifyNumber(locale: string | undefined, to: string, templateId = 'verify-phone-number', opening = 'verify my phone number'): Promise<TaskChat> {
    const chat = new TaskChat({ tasks: [await templateTask(templateId)], runtime: fx.runtime(), clock: fx.clock });
    if (locale !== undefined) chat.adapter.template.locale = locale;
    await chat.say(opening);
    const replies = await chat.say(to);
    assert.match(replies[0] ?? '', /^I (texted|sent) .*code/, JSON.stringify(replies));
    return chat;
  }

  const table: [locale: string, message: RegExp][] = [
    ['en-US', /^Your Acme verification code is: \d{6}$/],
    ['es-MX', /^Tu código de verificación de Acme es: \d{6}$/],
    ['fr-FR', /^Votre code de vérification Acme est : \d{6}$/],
    ['de-DE', /^Ihr Acme Bestätigungscode lautet: \d{6}$/],
    ['pt-BR', /^Seu código de verificação Acme é: \d{6}$/],
    ['ja-JP', /^Acmeの認証コード: \d{6}$/],
  ];
  for (const [locale, message] of table) {
    it(`Verify Phone Number in ${locale}: the SMS is in that language and its code verifies the number`, async () => {
      const chat = await verifyNumber(locale, US);
      assert.match(sms(US), message);
      assert.deepEqual(await chat.say(fx.lastCode(US)), [`Thanks: ${US} is verified.`]);
    });
  }

  it("Start Verification passes the locale too (de-AT -> de)", async () => {
    await verifyNumber('de-AT', US, 'start-verification', 'send me a code');
    assert.match(sms(US), /^Ihr Acme Bestätigungscode lautet: \d{6}$/);
  });

  it("an English chat overrides a Spanish number's country: the SMS is in English", async () => {
    await verifyNumber('en-GB', SPAIN);
    assert.match(sms(SPAIN), /^Your Acme verification code is: \d{6}$/);
  });

  it('a language Verify does not list is left out, so Verify picks by the number: Spanish for a Spanish number', async () => {
    await verifyNumber('xx-YY', SPAIN);
    assert.match(sms(SPAIN), /^Tu código de verificación de Acme es: \d{6}$/);
  });

  it('no locale on the activity: Verify picks by the number, English for a US number', async () => {
    await verifyNumber(undefined, US);
    assert.match(sms(US), /^Your Acme verification code is: \d{6}$/);
  });
});
