import assert from 'node:assert/strict';
import { codeInMessage, rejectsWith, startHarness, type Harness } from '../support/emulator';

const US = '+14155550123';
const SPAIN = '+34612345678';
const JAPAN = '+819012345678';
const BRAZIL = '+5511987654321';

describe('emulator: the language of Verify code messages (Locale, country, fallback)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
    assert.deepEqual(h.problems, []);
  });

  const lastBody = (to: string): string => h.emulator.outbox().filter((m) => m.to === to).at(-1)?.body ?? '';

  const languages: [locale: string, plain: RegExp, psd2WithWarning: RegExp][] = [
    ['en', /^Your Acme verification code is: \d{6}$/, /^Your Shop verification code is: \d{6} to pay €1250\.00 to Acme Corp\. Don't share this code with anyone; our employees will never ask for the code$/],
    ['es', /^Tu código de verificación de Acme es: \d{6}$/, /^Tu código de verificación de Shop es: \d{6} para pagar €1250\.00 a Acme Corp\. No compartas este código con nadie; nuestros empleados nunca te lo pedirán$/],
    ['fr', /^Votre code de vérification Acme est : \d{6}$/, /^Votre code de vérification Shop est : \d{6} pour payer €1250\.00 à Acme Corp\. Ne partagez ce code avec personne ; nos employés ne vous le demanderont jamais$/],
    ['de', /^Ihr Acme Bestätigungscode lautet: \d{6}$/, /^Ihr Shop Bestätigungscode lautet: \d{6} für die Zahlung von €1250\.00 an Acme Corp\. Geben Sie diesen Code an niemanden weiter; unsere Mitarbeiter werden nie danach fragen$/],
    ['pt', /^Seu código de verificação Acme é: \d{6}$/, /^Seu código de verificação Shop é: \d{6} para pagar €1250\.00 a Acme Corp\. Não compartilhe este código com ninguém; nossos funcionários nunca pedirão o código$/],
    ['ja', /^Acmeの認証コード: \d{6}$/, /^Shopの認証コード: \d{6}（Acme Corpへの€1250\.00のお支払い）。このコードは誰にも教えないでください。当社の従業員がコードを尋ねることはありません$/],
  ];

  for (const [locale, plain, psd2] of languages) {
    it(`writes the code message in the Locale's language: ${locale}`, async () => {
      const service = await h.client.verify.v2.services.create({ friendlyName: 'Acme' });
      await h.client.verify.v2.services(service.sid).verifications.create({ to: US, channel: 'sms', locale });
      assert.match(lastBody(US), plain);
    });

    it(`writes the PSD2 amount, payee and do-not-share warning in ${locale}, the code still readable after its colon`, async () => {
      const service = await h.client.verify.v2.services.create({ friendlyName: 'Shop', psd2Enabled: true, doNotShareWarningEnabled: true });
      const verifications = h.client.verify.v2.services(service.sid).verifications;
      await verifications.create({ to: US, channel: 'sms', locale, amount: '€1250.00', payee: 'Acme Corp' });
      assert.match(lastBody(US), psd2);
      const code = h.lastCode(US);
      assert.match(code, /^\d{6}$/);
      const check = await h.client.verify.v2.services(service.sid).verificationChecks.create({ to: US, code, amount: '€1250.00', payee: 'Acme Corp' });
      assert.equal(check.status, 'approved');
    });
  }

  it('matches a listed Locale without regard to case and writes pt-BR in Portuguese', async () => {
    const service = await h.client.verify.v2.services.create({ friendlyName: 'Acme' });
    await h.client.verify.v2.services(service.sid).verifications.create({ to: US, channel: 'sms', locale: 'pt-br' });
    assert.match(lastBody(US), /^Seu código de verificação Acme é: \d{6}$/);
  });

  it('falls back to English for a Locale Twilio lists but the emulator has no text for (it, en-GB, zh-HK)', async () => {
    const service = await h.client.verify.v2.services.create({ friendlyName: 'Acme' });
    for (const locale of ['it', 'en-GB', 'zh-HK']) {
      await h.client.verify.v2.services(service.sid).verifications.create({ to: US, channel: 'sms', locale });
      assert.match(lastBody(US), /^Your Acme verification code is: \d{6}$/, locale);
    }
  });

  it('answers 404 to a well-formed Locale Twilio does not list (en-US, xx), and sends nothing', async () => {
    const service = await h.client.verify.v2.services.create({ friendlyName: 'Acme' });
    for (const locale of ['en-US', 'xx']) {
      await rejectsWith(h.client.verify.v2.services(service.sid).verifications.create({ to: US, channel: 'sms', locale }), 20404, 404);
    }
    assert.equal(h.emulator.outbox().length, 0);
  });

  it('answers 60200 Locale to a Locale that is not a language tag', async () => {
    const service = await h.client.verify.v2.services.create({ friendlyName: 'Acme' });
    await rejectsWith(
      h.client.verify.v2.services(service.sid).verifications.create({ to: US, channel: 'sms', locale: 'English' }),
      60200,
      400,
      'Invalid parameter: Locale',
    );
  });

  const countries: [to: string, message: RegExp][] = [
    [SPAIN, /^Tu código de verificación de Acme es: \d{6}$/],
    [JAPAN, /^Acmeの認証コード: \d{6}$/],
    [BRAZIL, /^Seu código de verificação Acme é: \d{6}$/],
    [US, /^Your Acme verification code is: \d{6}$/],
  ];
  for (const [to, message] of countries) {
    it(`without a Locale, picks the language from the country of ${to}`, async () => {
      const service = await h.client.verify.v2.services.create({ friendlyName: 'Acme' });
      await h.client.verify.v2.services(service.sid).verifications.create({ to, channel: 'sms' });
      assert.match(lastBody(to), message);
    });
  }

  it('lets a Locale override the country: a Spanish number with Locale=en gets English', async () => {
    const service = await h.client.verify.v2.services.create({ friendlyName: 'Acme' });
    await h.client.verify.v2.services(service.sid).verifications.create({ to: SPAIN, channel: 'sms', locale: 'en' });
    assert.match(lastBody(SPAIN), /^Your Acme verification code is: \d{6}$/);
  });

  it('writes e-mail codes in English whatever the Locale, as Twilio does not translate e-mail', async () => {
    const service = await h.client.verify.v2.services.create({ friendlyName: 'Acme' });
    await h.client.verify.v2.services(service.sid).verifications.create({ to: 'ada@example.com', channel: 'email', locale: 'ja' });
    assert.match(lastBody('ada@example.com'), /^Your Acme verification code is: \d{6}$/);
  });
});

describe('emulator: PSD2 checks carry the amount and payee the code was sent for', () => {
  let h: Harness;
  let serviceSid: string;
  beforeEach(async () => {
    h = await startHarness();
    serviceSid = (await h.client.verify.v2.services.create({ friendlyName: 'Shop', psd2Enabled: true })).sid;
    await h.client.verify.v2.services(serviceSid).verifications.create({ to: US, channel: 'sms', amount: '€39.99', payee: 'Acme Corp' });
  });
  afterEach(async () => {
    await h.close();
    assert.deepEqual(h.problems, []);
  });

  it('approves the right code with the same amount and payee', async () => {
    const check = await h.client.verify.v2.services(serviceSid).verificationChecks.create({ to: US, code: h.lastCode(US), amount: '€39.99', payee: 'Acme Corp' });
    assert.equal(check.status, 'approved');
    assert.equal(check.amount, '€39.99');
    assert.equal(check.payee, 'Acme Corp');
  });

  it('does not approve the right code with another amount: pending, like a wrong code', async () => {
    const checks = h.client.verify.v2.services(serviceSid).verificationChecks;
    const check = await checks.create({ to: US, code: h.lastCode(US), amount: '€3999.00', payee: 'Acme Corp' });
    assert.equal(check.status, 'pending');
    assert.equal(check.valid, false);
  });

  it('does not approve the right code with another payee', async () => {
    const check = await h.client.verify.v2.services(serviceSid).verificationChecks.create({ to: US, code: h.lastCode(US), amount: '€39.99', payee: 'Mallory Ltd' });
    assert.equal(check.status, 'pending');
  });

  it("requires Amount and Payee on a check with Twilio's 60206 ('Amount' & 'Payee' params are required)", async () => {
    const checks = h.client.verify.v2.services(serviceSid).verificationChecks;
    await rejectsWith(checks.create({ to: US, code: h.lastCode(US), payee: 'Acme Corp' }), 60206, 400, "'Amount' & 'Payee' params are required");
    await rejectsWith(checks.create({ to: US, code: h.lastCode(US), amount: '€39.99' }), 60206, 400, "'Amount' & 'Payee' params are required");
  });

  it('sends a new code when the same number starts a verification for another transaction', async () => {
    const first = h.lastCode(US);
    const again = await h.client.verify.v2.services(serviceSid).verifications.create({ to: US, channel: 'sms', amount: '€39.99', payee: 'Acme Corp' });
    assert.equal(h.lastCode(US), first);
    const sent = h.emulator.outbox().length;
    const other = await h.client.verify.v2.services(serviceSid).verifications.create({ to: US, channel: 'sms', amount: '€45.00', payee: 'Acme Corp' });
    // The pending verification now stands for the new transaction: the first code with the first amount no longer
    // approves (asserted this way because two random codes could collide).
    assert.equal(other.amount, '€45.00');
    assert.equal(h.emulator.outbox().length, sent + 1);
    assert.match(h.emulator.outbox().at(-1)?.body ?? '', /€45\.00/);
    assert.equal(again.amount, '€39.99');
    const old = await h.client.verify.v2.services(serviceSid).verificationChecks.create({ to: US, code: first, amount: '€39.99', payee: 'Acme Corp' });
    assert.equal(old.status, 'pending');
  });
});

describe('test helper: the code in a code message', () => {
  const cases: [body: string, code: string][] = [
    ['Your Shop 2024 verification code is: 123456 to pay €1250.00 to Acme 1234', '123456'],
    ['Votre code de vérification Acme est : 98765432', '98765432'],
    ['Shop 24の認証コード: 4321（Acme Corpへの€39.99のお支払い）', '4321'],
    ['Your Acme verification code is: 4B7Z9Q', '4B7Z9Q'],
    ['472551 is your Acme sign-in code.', '472551'],
    ['Acme: use 882413 to confirm your phone number. It expires in 10 minutes.', '882413'],
  ];
  for (const [body, code] of cases) {
    it(`reads ${code} in "${body}"`, () => {
      assert.equal(codeInMessage(body), code);
    });
  }
});
