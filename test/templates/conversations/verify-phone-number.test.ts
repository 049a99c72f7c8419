import assert from 'node:assert/strict';
import { MESSAGES } from '../../../src/dialogs';
import { TaskChat, gatewayFor, play, templateTask, TestRuntime, type Transcript } from '../../support/conversation';
import { EmulatorFixture, OTP_MODES_UNDER_TEST, TEST_SENDER, TEST_TEMPLATES, type OtpModeUnderTest } from '../../support/emulator';

const PHONE = '+14155550123';
const OTHER = '+14155550188';
const PROMPT_CODE = 'What\'s the code? (Say "resend" if it didn\'t arrive, "change number" to use another number, or "cancel" to stop.)';
const ASK_PHONE = "What's your mobile number? I'll text you a code. Use the international format, e.g. +14155550123.";

/** A row of the table, in both modes unless `modes` names the ones whose behaviour it shows. */
type Row = Transcript & { modes?: readonly OtpModeUnderTest[] };

for (const mode of OTP_MODES_UNDER_TEST) describe(`template verify-phone-number: conversations in the ${mode} mode (Twilio = the emulator, injected clock)`, () => {
  const fx = new EmulatorFixture(mode);
  before(() => fx.start());
  after(() => fx.stop());

  const wrong = (n: number) => (n === 1 ? 'That code isn\'t right. You have 1 attempt left.' : `That code isn't right. You have ${n} attempts left.`);

  const conversations: Row[] = [
    {
      title: 'happy path: number, code, verified; the number and time are kept in user state',
      turns: [
        ['verify my phone number', [ASK_PHONE]],
        ['+1 (415) 555-0123', [`I texted a code to ${PHONE}. It's valid for 10 minutes.`, PROMPT_CODE]],
        [() => fx.lastCode(PHONE), [`Thanks: ${PHONE} is verified.`]],
      ],
      status: 'completed',
      after: async (bot) => {
        const user = await bot.user();
        assert.equal(user['verifiedPhone'], PHONE);
        assert.equal(user['verifiedAt'], fx.clock.now().toISOString());
      },
    },
    {
      title: 'wrong codes count down the attempts left, then the right code is approved',
      turns: [
        ['verify my number', [ASK_PHONE]],
        [PHONE, [/^I texted a code/, PROMPT_CODE]],
        [() => fx.wrongCode(PHONE), [wrong(4), PROMPT_CODE]],
        [() => fx.wrongCode(PHONE), [wrong(3), PROMPT_CODE]],
        [() => fx.lastCode(PHONE), [`Thanks: ${PHONE} is verified.`]],
      ],
      status: 'completed',
    },
    {
      title: '"resend" / "I didn\'t get it" sends the code again; the newest text\'s code verifies the number',
      turns: [
        ['verify my phone', [ASK_PHONE]],
        [PHONE, [/^I texted a code/, PROMPT_CODE]],
        [
          async () => {
            codes.push(fx.lastCode(PHONE));
          },
        ],
        ['resend', [`I sent a code to ${PHONE} again. If more than one text arrives, type the code from the newest one.`, PROMPT_CODE]],
        ["I didn't get it", [/^I sent a code to \+14155550123 again/, PROMPT_CODE]],
        [() => assert.equal(fx.deliveries(PHONE), 3)],
        [() => fx.lastCode(PHONE), [`Thanks: ${PHONE} is verified.`]],
      ],
      status: 'completed',
    },
    {
      title: 'with Twilio Verify a resend while the code is valid texts the same code, so any of the texts will do',
      modes: ['verify'],
      turns: [
        ['verify my phone', [ASK_PHONE]],
        [PHONE, [/^I texted a code/, PROMPT_CODE]],
        [() => codes.push(fx.lastCode(PHONE))],
        ['resend', [/again/, PROMPT_CODE]],
        [() => assert.equal(fx.lastCode(PHONE), codes[0])],
        [() => codes[0] ?? '', [`Thanks: ${PHONE} is verified.`]],
      ],
      status: 'completed',
    },
    {
      title: 'with message templates a resend texts a new code from the register template, and the old code stops working',
      modes: ['messageTemplates'],
      turns: [
        ['verify my phone', [ASK_PHONE]],
        [PHONE, [/^I texted a code/, PROMPT_CODE]],
        [() => codes.push(fx.lastCode(PHONE))],
        ['resend', [/again/, PROMPT_CODE]],
        [
          () => {
            const [first, second] = fx.emulator.outbox().filter((m) => m.to === PHONE);
            assert.equal(second?.body, TEST_TEMPLATES.register.replace('{{code}}', fx.lastCode(PHONE)));
            assert.equal(first?.body, TEST_TEMPLATES.register.replace('{{code}}', codes[0] ?? ''));
            assert.equal(second?.from, TEST_SENDER);
            assert.notEqual(fx.lastCode(PHONE), codes[0]);
          },
        ],
        [() => codes[0] ?? '', ["That code isn't right. You have 4 attempts left.", PROMPT_CODE]],
        [() => fx.lastCode(PHONE), [`Thanks: ${PHONE} is verified.`]],
      ],
      status: 'completed',
    },
    {
      title: 'an expired code (after 10 minutes) is answered clearly and a new code offered and sent',
      turns: [
        ['verify my phone number', [ASK_PHONE]],
        [PHONE, [/^I texted a code/, PROMPT_CODE]],
        [() => fx.clock.advance(601)],
        [() => fx.lastCode(PHONE), ["That code has expired: codes are valid for 10 minutes.", `Do you want me to text a new code to ${PHONE}?`]],
        ['yes', [`I texted a new code to ${PHONE}. It's valid for 10 minutes.`, PROMPT_CODE]],
        [() => fx.lastCode(PHONE), [`Thanks: ${PHONE} is verified.`]],
      ],
      status: 'completed',
    },
    {
      title: 'five wrong codes end that code (60202 territory); a new code can be sent and works',
      turns: [
        ['verify my phone number', [ASK_PHONE]],
        [PHONE, [/^I texted a code/, PROMPT_CODE]],
        [() => fx.wrongCode(PHONE), [wrong(4), PROMPT_CODE]],
        [() => fx.wrongCode(PHONE), [wrong(3), PROMPT_CODE]],
        [() => fx.wrongCode(PHONE), [wrong(2), PROMPT_CODE]],
        [() => fx.wrongCode(PHONE), [wrong(1), PROMPT_CODE]],
        [
          () => fx.wrongCode(PHONE),
          ["That code isn't right either, and that was the last try: this code no longer works.", `Do you want me to text a new code to ${PHONE}?`],
        ],
        ['yes please', [/^I texted a new code to \+14155550123/, PROMPT_CODE]],
        [() => fx.lastCode(PHONE), [`Thanks: ${PHONE} is verified.`]],
      ],
      status: 'completed',
    },
    {
      title: 'declining a new code ends the dialog, not verified',
      turns: [
        ['verify my phone number', [ASK_PHONE]],
        [PHONE, [/^I texted a code/, PROMPT_CODE]],
        [() => fx.clock.advance(700)],
        ['123456', ['That code has expired: codes are valid for 10 minutes.', /^Do you want me/]],
        ['no', ['OK, your number isn\'t verified yet. Say "verify my phone number" whenever you want to try again.']],
      ],
      status: 'cancelled',
    },
    {
      title: '"change number" cancels the pending code and asks for another number',
      turns: [
        ['verify my phone number', [ASK_PHONE]],
        [PHONE, [/^I texted a code/, PROMPT_CODE]],
        [() => codes.push(fx.lastCode(PHONE))],
        ['change number', [`OK, the code I sent to ${PHONE} won't work anymore. Let's use another number.`, ASK_PHONE]],
        [OTHER, [`I texted a code to ${OTHER}. It's valid for 10 minutes.`, PROMPT_CODE]],
        [() => fx.lastCode(OTHER), [`Thanks: ${OTHER} is verified.`]],
      ],
      status: 'completed',
    },
    {
      title: '"cancel verification" cancels the code at Twilio and ends the dialog',
      turns: [
        ['verify my phone number', [ASK_PHONE]],
        [PHONE, [/^I texted a code/, PROMPT_CODE]],
        ['cancel verification', ["OK, I stopped the verification: the code I sent won't work anymore. Your number isn't verified."]],
      ],
      status: 'cancelled',
    },
    {
      title: 'a plain "cancel" at the code prompt also cancels the code at Twilio',
      turns: [
        ['verify my phone number', [ASK_PHONE]],
        [PHONE, [/^I texted a code/, PROMPT_CODE]],
        ['cancel', ["OK, I stopped the verification: the code I sent won't work anymore. Your number isn't verified."]],
      ],
      status: 'cancelled',
    },
    {
      title: '"cancel" at any prompt ends the dialog (the engine)',
      turns: [
        ['verify my phone number', [ASK_PHONE]],
        ['cancel', ['OK, I\'ve cancelled "Verify Phone Number".']],
      ],
      status: 'cancelled',
    },
    {
      title: 'a sixth send within 10 minutes is refused (60203), and the code already sent still verifies the number',
      turns: [
        ['verify my phone number', [ASK_PHONE]],
        [PHONE, [/^I texted a code/, PROMPT_CODE]],
        ['resend', [/again/, PROMPT_CODE]],
        ['resend', [/again/, PROMPT_CODE]],
        ['resend', [/again/, PROMPT_CODE]],
        ['resend', [/again/, PROMPT_CODE]],
        [
          'resend',
          [
            `I can't send more codes to ${PHONE} right now: only 5 codes can be sent in 10 minutes. The code I already sent still works until it expires, so type it when it arrives, or say "change number" or "cancel".`,
            PROMPT_CODE,
          ],
        ],
        [() => fx.lastCode(PHONE), [`Thanks: ${PHONE} is verified.`]],
      ],
      status: 'completed',
    },
    {
      title: 'a new verification of a number that already got 5 codes in 10 minutes is refused (60203) with when to try again',
      turns: [
        ['verify my phone number', [ASK_PHONE]],
        [PHONE, [/^I texted a code/, PROMPT_CODE]],
        ['resend', [/again/, PROMPT_CODE]],
        ['resend', [/again/, PROMPT_CODE]],
        ['resend', [/again/, PROMPT_CODE]],
        ['resend', [/again/, PROMPT_CODE]],
        ['cancel', [/^OK, I stopped the verification/]],
        ['verify my phone number', [ASK_PHONE]],
        [PHONE, [`I've already sent too many codes to ${PHONE} in the last 10 minutes. Please try again in 10 minutes.`]],
      ],
      status: 'failed',
    },
    {
      title: 'the pending verification is kept in user state for the status and cancel dialogs, and forgotten once approved',
      turns: [
        ['verify my phone number', [ASK_PHONE]],
        [PHONE, [/^I texted a code/, PROMPT_CODE]],
        [
          async () => {
            const user = await currentBot.user();
            assert.match(String(user['pendingVerificationSid']), /^VE[0-9a-f]{32}$/);
            assert.equal(user['pendingVerificationTo'], PHONE);
          },
        ],
        [() => fx.lastCode(PHONE), [`Thanks: ${PHONE} is verified.`]],
      ],
      status: 'completed',
      after: async (bot) => {
        const user = await bot.user();
        assert.equal(user['pendingVerificationSid'], null);
        assert.equal(user['verifiedPhone'], PHONE);
      },
    },
    {
      title: 'cancelling forgets the pending verification',
      turns: [
        ['verify my phone number', [ASK_PHONE]],
        [PHONE, [/^I texted a code/, PROMPT_CODE]],
        ['cancel', [/^OK, I stopped the verification/]],
      ],
      status: 'cancelled',
      after: async (bot) => assert.equal((await bot.user())['pendingVerificationSid'], null),
    },
    {
      title: "Twilio's fraud guard (60410) is explained and another number asked",
      modes: ['verify'],
      turns: [
        ['verify my phone number', [ASK_PHONE]],
        ['+15005550011', [`Twilio's fraud protection is blocking codes to +15005550011 for now. Let's try another number, or say "cancel" and try again later.`, ASK_PHONE]],
        [PHONE, [/^I texted a code/, PROMPT_CODE]],
      ],
      status: 'waiting',
    },
    {
      title: "a country outside the Verify Service's geo permissions (60605) is explained and another number asked",
      modes: ['verify'],
      turns: [
        ['verify my phone number', [ASK_PHONE]],
        ['+15005550012', [/^This bot isn't allowed to send codes to \+15005550012's country\. Let's try a number from another country/, ASK_PHONE]],
        ['cancel', [/cancelled/]],
      ],
      status: 'cancelled',
    },
    {
      title: 'a number Twilio rejects (60200) is explained and asked again',
      turns: [
        ['verify my phone number', [ASK_PHONE]],
        ['+15005550001', ["Twilio says +15005550001 isn't a valid phone number. Let's try another one.", ASK_PHONE]],
        [PHONE, [/^I texted a code/, PROMPT_CODE]],
      ],
      status: 'waiting',
    },
    {
      title: 'a landline (60205) is explained and another number asked',
      modes: ['verify'],
      turns: [
        ['verify my phone number', [ASK_PHONE]],
        ['+15005550010', ["+15005550010 can't receive texts (it isn't a mobile number). Let's try a mobile number.", ASK_PHONE]],
        ['cancel', [/cancelled/]],
      ],
      status: 'cancelled',
    },
    {
      title: 'a number Messaging cannot text (21614) is explained and another number asked',
      modes: ['messageTemplates'],
      turns: [
        ['verify my phone number', [ASK_PHONE]],
        ['+15005550009', ["+15005550009 can't receive texts (it isn't a mobile number). Let's try a mobile number.", ASK_PHONE]],
        [PHONE, [/^I texted a code/, PROMPT_CODE]],
      ],
      status: 'waiting',
    },
    {
      title: 'an unverified number on a trial account (21608) says what to do',
      turns: [
        ['verify my phone number', [ASK_PHONE]],
        ['+15005550013', [/^I couldn't text \+15005550013: this Twilio account is a trial account.*Verified Caller IDs\) or upgrade the account/]],
      ],
      status: 'failed',
    },
    {
      title: 'an unsubscribed number (21610) is told how to opt back in',
      turns: [
        ['verify my phone number', [ASK_PHONE]],
        ['+15005550004', [/opted out.*Text START to opt back in/]],
      ],
      status: 'failed',
    },
    {
      title: 'a reply that is not a code is asked again with the error prompt',
      turns: [
        ['verify my phone number', [ASK_PHONE]],
        [PHONE, [/^I texted a code/, PROMPT_CODE]],
        ['twelve', [/^A verification code is 4 to 10 digits, e\.g\. 123456\./]],
        [() => fx.lastCode(PHONE), [/is verified/]],
      ],
      status: 'completed',
    },
  ];

  const codes: string[] = [];
  let currentBot: TaskChat;
  for (const conversation of conversations.filter((c) => c.modes === undefined || c.modes.includes(mode))) {
    it(conversation.title, async () => {
      codes.length = 0;
      fx.emulator.clearOutbox();
      fx.clock.advance(3600);
      const bot = new TaskChat({ tasks: [await templateTask('verify-phone-number')], runtime: fx.runtime(), clock: fx.clock });
      currentBot = bot;
      await play(bot, conversation);
    });
  }

  if (mode === 'messageTemplates') {
    it('never asks for a Verify Service, and the code SMS comes from the sender with the register template', async () => {
      const bot = new TaskChat({ tasks: [await templateTask('verify-phone-number')], runtime: fx.runtime(), clock: fx.clock });
      fx.emulator.clearOutbox();
      await play(bot, {
        title: 'no Verify Service',
        turns: [
          ['verify my phone number', [ASK_PHONE]],
          [PHONE, [/^I texted a code/, PROMPT_CODE]],
        ],
        status: 'waiting',
      });
      const [sms] = fx.emulator.outbox();
      assert.equal(sms?.from, TEST_SENDER);
      assert.match(sms?.body ?? '', /^Acme: use \d{6} to confirm your phone number\. It expires in 10 minutes\.$/);
    });
  }

  if (mode === 'verify') it('asks for the Verify Service when none is configured', async () => {
    const runtime = new TestRuntime({ kind: 'ready', gateway: fx.gateway }, {});
    const bot = new TaskChat({ tasks: [await templateTask('verify-phone-number')], runtime, clock: fx.clock });
    await play(bot, {
      title: 'no configured service',
      turns: [
        ['verify my phone number', [/^Which Verify Service should send the code\? Give its SID: VA followed by 32 characters/]],
        [fx.serviceSid, [ASK_PHONE]],
      ],
      status: 'waiting',
    });
  });

  it('answers "this integration is disabled" from the engine at once when the action is disabled', async () => {
    const runtime = new TestRuntime({ kind: 'disabled' }, { verifyServiceSid: fx.serviceSid });
    const bot = new TaskChat({ tasks: [await templateTask('verify-phone-number')], runtime });
    await play(bot, {
      title: 'disabled',
      turns: [['verify my phone number', [MESSAGES.disabled]]],
      status: 'failed',
    });
  });

  it('answers "not authorized" when Twilio rejects the stored credentials (20003)', async () => {
    const runtime = fx.runtime();
    runtime.resolution = { kind: 'ready', gateway: gatewayFor(fx.emulator.url, fx.emulator.accountSid, '0'.repeat(32)) };
    const bot = new TaskChat({ tasks: [await templateTask('verify-phone-number')], runtime });
    await play(bot, {
      title: '20003',
      turns: [
        ['verify my phone number', [ASK_PHONE]],
        [PHONE, [MESSAGES.notAuthorized]],
      ],
      status: 'failed',
    });
  });
});
