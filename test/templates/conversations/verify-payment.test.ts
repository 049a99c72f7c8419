import assert from 'node:assert/strict';
import { ConversationState, MemoryStorage, UserState } from 'botbuilder';
import { DialogSet, type DialogState } from 'botbuilder-dialogs';
import { DialogTaskDialog, MESSAGES, type DialogTaskResult } from '../../../src/dialogs';
import { runOperation } from '../../../src/twilio';
import { gatewayFor, TaskChat, TestConversation, TestRuntime, play, templateTask, type Transcript } from '../../support/conversation';
import { EmulatorFixture } from '../../support/emulator';

const PHONE = '+14155550123';
const ASK_AMOUNT = 'How much is the payment? Give the amount with its currency, e.g. €39.99.';
const ASK_PAYEE = 'Who is the payment to?';
const ASK_PHONE = "What's your mobile number? I'll text you a code to confirm the payment. Use the international format, e.g. +14155550123.";
const PROMPT_CODE = 'What\'s the code? (Say "resend" if it didn\'t arrive, or "cancel" to stop without confirming the payment.)';
const SENT = `I texted a code to ${PHONE} to confirm paying €39.99 to Acme Corp. The text shows the amount and payee: check them before you type the code. It's valid for 10 minutes.`;
const CONFIRMED = 'Thanks: you confirmed paying €39.99 to Acme Corp.';

/** A conversation table spoken in a language (the activities' locale). */
type PaymentTranscript = Transcript & { locale?: string };

describe('template verify-payment: conversations (Twilio = the emulator with a PSD2 Verify Service)', () => {
  const fx = new EmulatorFixture();
  let psd2ServiceSid = '';
  before(async () => {
    await fx.start();
    const service = (await runOperation(fx.gateway, 'createService', { friendlyName: 'Shop', psd2Enabled: true })) as { sid: string };
    psd2ServiceSid = service.sid;
  });
  after(() => fx.stop());

  const sms = () => fx.emulator.outbox().filter((m) => m.to === PHONE).at(-1)?.body ?? '';
  const wrong = (n: number) => (n === 1 ? "That code isn't right. You have 1 attempt left." : `That code isn't right. You have ${n} attempts left.`);
  const askedAndSent: PaymentTranscript['turns'] = [
    ['verify a payment', [ASK_AMOUNT]],
    ['€39.99', [ASK_PAYEE]],
    ['Acme Corp', [ASK_PHONE]],
    [PHONE, [SENT, PROMPT_CODE]],
  ];

  const conversations: PaymentTranscript[] = [
    {
      title: 'happy path: amount, payee, number; the SMS shows the amount and payee; the code confirms the payment',
      locale: 'en-US',
      turns: [
        ...askedAndSent,
        [() => assert.match(sms(), /^Your Shop verification code is: \d{6} to pay €39\.99 to Acme Corp$/)],
        [() => fx.lastCode(PHONE), [CONFIRMED]],
      ],
      status: 'completed',
      after: (chat) => {
        const context = chat.results.at(-1)?.context ?? {};
        assert.equal(context['paymentConfirmed'], true);
        assert.equal(context['confirmedAmount'], '€39.99');
        assert.equal(context['confirmedPayee'], 'Acme Corp');
        assert.equal(context['confirmedAt'], fx.clock.now().toISOString());
      },
    },
    {
      title: 'in Spanish (locale es-ES): the SMS is in Spanish, with the amount and payee, and its code confirms the payment',
      locale: 'es-ES',
      turns: [
        ...askedAndSent,
        [() => assert.match(sms(), /^Tu código de verificación de Shop es: \d{6} para pagar €39\.99 a Acme Corp$/)],
        [() => fx.lastCode(PHONE), [CONFIRMED]],
      ],
      status: 'completed',
    },
    {
      title: 'in Japanese (locale ja-JP): the SMS is in Japanese, with the amount and payee, and its code confirms the payment',
      locale: 'ja-JP',
      turns: [
        ...askedAndSent,
        [() => assert.match(sms(), /^Shopの認証コード: \d{6}（Acme Corpへの€39\.99のお支払い）$/)],
        [() => fx.lastCode(PHONE), [CONFIRMED]],
      ],
      status: 'completed',
    },
    {
      title: 'a language Verify does not know (tlh) is left out: the start does not fail, and the SMS is in English',
      locale: 'tlh',
      turns: [
        ...askedAndSent,
        [() => assert.match(sms(), /^Your Shop verification code is: \d{6} to pay €39\.99 to Acme Corp$/)],
      ],
      status: 'waiting',
    },
    {
      title: 'wrong codes count down the attempts left, then the right code confirms',
      turns: [...askedAndSent, [() => fx.wrongCode(PHONE), [wrong(4), PROMPT_CODE]], [() => fx.wrongCode(PHONE), [wrong(3), PROMPT_CODE]], [() => fx.lastCode(PHONE), [CONFIRMED]]],
      status: 'completed',
    },
    {
      title: '"resend" sends the same code again while it is valid',
      turns: [
        ...askedAndSent,
        [() => void codes.push(fx.lastCode(PHONE))],
        ['resend', [`I sent the code to ${PHONE} again. While it's valid it's the same code, so any of the texts will do.`, PROMPT_CODE]],
        [() => assert.equal(fx.lastCode(PHONE), codes[0])],
        [() => fx.lastCode(PHONE), [CONFIRMED]],
      ],
      status: 'completed',
    },
    {
      title: 'an expired code is answered clearly; a new code for the same payment is sent and confirms it',
      turns: [
        ...askedAndSent,
        [() => fx.clock.advance(601)],
        [() => fx.lastCode(PHONE), ['That code has expired: codes are valid for 10 minutes.', 'Do you want me to text a new code to confirm paying €39.99 to Acme Corp?']],
        ['yes', [`I texted a new code to ${PHONE} to confirm paying €39.99 to Acme Corp. It's valid for 10 minutes.`, PROMPT_CODE]],
        [() => assert.match(sms(), /to pay €39\.99 to Acme Corp$/)],
        [() => fx.lastCode(PHONE), [CONFIRMED]],
      ],
      status: 'completed',
    },
    {
      title: 'five wrong codes end that code; declining a new one leaves the payment unconfirmed',
      turns: [
        ...askedAndSent,
        [() => fx.wrongCode(PHONE), [wrong(4), PROMPT_CODE]],
        [() => fx.wrongCode(PHONE), [wrong(3), PROMPT_CODE]],
        [() => fx.wrongCode(PHONE), [wrong(2), PROMPT_CODE]],
        [() => fx.wrongCode(PHONE), [wrong(1), PROMPT_CODE]],
        [() => fx.wrongCode(PHONE), ["That code isn't right either, and that was the last try: this code no longer works.", 'Do you want me to text a new code to confirm paying €39.99 to Acme Corp?']],
        ['no', ["OK, the payment of €39.99 to Acme Corp isn't confirmed."]],
      ],
      status: 'cancelled',
      after: (chat) => assert.equal(chat.results.at(-1)?.context['paymentConfirmed'], false),
    },
    {
      title: '"cancel" at the code cancels it at Twilio: the code no longer works and the payment is not confirmed',
      turns: [
        ...askedAndSent,
        [() => void codes.push(fx.lastCode(PHONE))],
        ['cancel', ["OK, I stopped: the code I sent won't work anymore, and the payment of €39.99 to Acme Corp isn't confirmed."]],
      ],
      status: 'cancelled',
      after: async () => {
        await assert.rejects(
          runOperation(fx.gateway, 'checkVerification', { serviceSid: psd2ServiceSid, to: PHONE, code: codes[0] ?? '', amount: '€39.99', payee: 'Acme Corp' }),
          (err: { code?: unknown }) => err.code === 20404,
        );
      },
    },
  ];

  const codes: string[] = [];
  for (const conversation of conversations) {
    it(conversation.title, async () => {
      codes.length = 0;
      fx.emulator.clearOutbox();
      fx.clock.advance(3600);
      const chat = new TaskChat({ tasks: [await templateTask('verify-payment')], runtime: fx.runtime({ verifyServiceSid: psd2ServiceSid }), clock: fx.clock });
      if (conversation.locale !== undefined) chat.adapter.template.locale = conversation.locale;
      await play(chat, conversation);
    });
  }

  it('says PSD2 is off, how an admin turns it on, and sends nothing, when the Verify Service has no PSD2', async () => {
    fx.emulator.clearOutbox();
    const chat = new TaskChat({ tasks: [await templateTask('verify-payment')], runtime: fx.runtime(), clock: fx.clock });
    await play(chat, {
      title: 'no PSD2',
      turns: [
        [
          'verify a payment',
          [
            `I can't confirm payments with the Verify Service ${fx.serviceSid}: PSD2 isn't enabled on it, so its codes wouldn't be tied to the amount and payee. An admin can turn it on with "npx tva services update ${fx.serviceSid} --psd2" (Twilio Support enables PSD2 for the account first), or configure a Verify Service that has it.`,
          ],
        ],
      ],
      status: 'failed',
    });
    assert.deepEqual(fx.emulator.outbox(), []);
  });

  it('answers "not authorized", not "PSD2 is off", when Twilio rejects the stored credentials (20003)', async () => {
    const runtime = new TestRuntime({ kind: 'ready', gateway: gatewayFor(fx.emulator.url, fx.emulator.accountSid, '0'.repeat(32)) }, { verifyServiceSid: psd2ServiceSid });
    const chat = new TaskChat({ tasks: [await templateTask('verify-payment')], runtime, clock: fx.clock });
    await play(chat, { title: '20003', turns: [['verify a payment', [MESSAGES.notAuthorized]]], status: 'failed' });
    assert.deepEqual(runtime.authFailures.map((f) => f.code), [20003]);
  });

  it('does not approve the right code with another amount than the one texted (the check carries amount and payee)', async () => {
    fx.clock.advance(3600);
    await runOperation(fx.gateway, 'startVerification', { serviceSid: psd2ServiceSid, to: PHONE, amount: '€39.99', payee: 'Acme Corp' });
    const code = fx.lastCode(PHONE);
    const other = (await runOperation(fx.gateway, 'checkVerification', { serviceSid: psd2ServiceSid, to: PHONE, code, amount: '€3999.00', payee: 'Acme Corp' })) as { status: string };
    assert.equal(other.status, 'pending');
    const same = (await runOperation(fx.gateway, 'checkVerification', { serviceSid: psd2ServiceSid, to: PHONE, code, amount: '€39.99', payee: 'Acme Corp' })) as { status: string };
    assert.equal(same.status, 'approved');
  });

  it("takes the amount, payee and locale from the calling dialog's context and the number from user.verifiedPhone", async () => {
    fx.emulator.clearOutbox();
    fx.clock.advance(3600);
    const storage = new MemoryStorage();
    const conversationState = new ConversationState(storage);
    const userState = new UserState(storage);
    const profile = userState.createProperty<Record<string, unknown>>('twilioVerify');
    const dialogs = new DialogSet(conversationState.createProperty<DialogState>('dialogState'));
    dialogs.add(new DialogTaskDialog({ task: await templateTask('verify-payment'), runtime: fx.runtime({ verifyServiceSid: psd2ServiceSid }), userState: profile, clock: fx.clock }));
    const results: DialogTaskResult[] = [];
    const chat = new TestConversation(async (turn) => {
      const dc = await dialogs.createContext(turn);
      let result = await dc.continueDialog();
      if (result.status === 'empty') {
        await profile.set(turn, { verifiedPhone: PHONE });
        result = await dc.beginDialog('verify-payment', { context: { amount: '€120.00', payee: 'Boulangerie Paul', locale: 'fr' } });
      }
      if (result.status === 'complete') results.push(result.result as DialogTaskResult);
      await conversationState.saveChanges(turn);
      await userState.saveChanges(turn);
    });
    assert.deepEqual(await chat.say('pay the bakery'), [
      `I texted a code to ${PHONE} to confirm paying €120.00 to Boulangerie Paul. The text shows the amount and payee: check them before you type the code. It's valid for 10 minutes.`,
      PROMPT_CODE,
    ]);
    assert.match(sms(), /^Votre code de vérification Shop est : \d{6} pour payer €120\.00 à Boulangerie Paul$/);
    assert.deepEqual(await chat.say(fx.lastCode(PHONE)), ['Thanks: you confirmed paying €120.00 to Boulangerie Paul.']);
    assert.equal(results.at(-1)?.context['paymentConfirmed'], true);
  });
});

describe('template verify-payment in the message-templates mode', () => {
  const fx = new EmulatorFixture('messageTemplates');
  let psd2ServiceSid = '';
  before(async () => {
    await fx.start();
    psd2ServiceSid = ((await runOperation(fx.gateway, 'createService', { friendlyName: 'Shop', psd2Enabled: true })) as { sid: string }).sid;
  });
  after(() => fx.stop());

  it("still confirms the payment through Twilio Verify's PSD2 (a code of the action's own is not tied to the amount and payee)", async () => {
    const chat = new TaskChat({ tasks: [await templateTask('verify-payment')], runtime: fx.runtime({ verifyServiceSid: psd2ServiceSid }), clock: fx.clock });
    await play(chat, {
      title: 'payment in the message-templates mode',
      turns: [
        ['verify a payment', [ASK_AMOUNT]],
        ['€39.99', [ASK_PAYEE]],
        ['Acme Corp', [ASK_PHONE]],
        [PHONE, [SENT, PROMPT_CODE]],
        [() => assert.match(fx.emulator.outbox().at(-1)?.body ?? '', /^Your Shop verification code is: \d{6} to pay €39\.99 to Acme Corp$/)],
        [() => fx.lastCode(PHONE), [CONFIRMED]],
      ],
      status: 'completed',
    });
    assert.deepEqual(await fx.otpStore.list('otp'), [], 'the action made no code of its own');
  });
});
