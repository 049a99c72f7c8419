/** Conversations of start-verification, check-verification, cancel-verification and verification-status. */
import assert from 'node:assert/strict';
import nock from 'nock';
import { runOperation } from '../../../src/twilio';
import { TaskChat, gatewayFor, play, SERVICE_SID, templateTask, TestRuntime, type Transcript } from '../../support/conversation';
import { EmulatorFixture, OTP_MODES_UNDER_TEST, type OtpModeUnderTest } from '../../support/emulator';

const PHONE = '+14155550123';
const EMAIL = 'ada@example.com';
const ASK_RECEIVER =
  'Which phone number should I send the code to? (Say "email" to get it by email, or "another channel" for a call or WhatsApp.)';
const ASK_CHANNEL = 'How should I send the code: SMS, a voice call, WhatsApp or email?';
const ASK_CHECK_RECEIVER = 'Which phone number did the code go to? (Say "email" if it came by email.)';
const OTHER = '+14155550199';
/** The code prompt names where the code went: the pending verification's number, or the one the user gave. */
const askCode = (to = PHONE) => `What's the code I sent to ${to}?`;
const ASK_CODE = askCode();
const NOTHING_PENDING = (what: string) =>
  `I haven't sent you a code that's still waiting, so there's nothing to ${what}. Say "send me a code" to get one.`;

/** A row of the table, in both modes unless `modes` names the ones whose behaviour it shows. */
type Row = Transcript & { modes?: readonly OtpModeUnderTest[] };

for (const mode of OTP_MODES_UNDER_TEST) describe(`templates start/check/cancel-verification and verification-status: conversations in the ${mode} mode (Twilio = the emulator)`, () => {
  const fx = new EmulatorFixture(mode);
  before(() => fx.start());
  after(() => fx.stop());

  let bot: TaskChat;
  beforeEach(async () => {
    fx.emulator.clearOutbox();
    fx.clock.advance(3600);
    const tasks = await Promise.all(
      ['start-verification', 'check-verification', 'cancel-verification', 'verification-status'].map((id) => templateTask(id)),
    );
    bot = new TaskChat({ tasks, runtime: fx.runtime(), clock: fx.clock });
  });

  const start = (to = PHONE): Transcript['turns'] => [
    ['send me a code', [ASK_RECEIVER]],
    [to, [`I texted a verification code to ${to}. It's valid for 10 minutes: when you have it, say "check my code".`]],
  ];
  /** Right after Start Verification: the pending verification is used, no number asked. */
  const check = (to = PHONE): Transcript['turns'] => [['check my code', [askCode(to)]]];

  const conversations: Row[] = [
    {
      title: 'start by SMS (the default), then check: approved',
      turns: [...start(), ...check(), [() => fx.lastCode(PHONE), [`Approved: the code is correct and ${PHONE} is verified.`]]],
      status: 'completed',
      after: async (b) => assert.equal((await b.user())['pendingVerificationSid'], null),
    },
    {
      title: 'start by email when the user says "email"',
      modes: ['verify'],
      turns: [
        ['send me a code', [ASK_RECEIVER]],
        ['email', ['Which email address should I send the code to?']],
        [EMAIL, [`I emailed a verification code to ${EMAIL}. It's valid for 10 minutes: when you have it, say "check my code".`]],
        ['check my code', [askCode(EMAIL)]],
        [() => fx.lastCode(EMAIL), [`Approved: the code is correct and ${EMAIL} is verified.`]],
      ],
      status: 'completed',
    },
    {
      title: 'another channel: a voice call, chosen by synonym',
      modes: ['verify'],
      turns: [
        ['send a verification code', [ASK_RECEIVER]],
        ['another channel', [ASK_CHANNEL]],
        ['phone call', [ASK_RECEIVER]],
        [PHONE, [/^I'm calling \+14155550123 to read out a verification code\./]],
      ],
      status: 'completed',
      after: async (b) => {
        const user = await b.user();
        assert.deepEqual([user['pendingVerificationTo'], user['pendingVerificationChannel']], [PHONE, 'call']);
        assert.match(String(user['pendingVerificationSid']), /^VE/);
      },
    },
    {
      title: 'check with no pending verification (a code sent elsewhere) asks for the number, or the email',
      turns: [
        [() => fx.op('startVerification', { to: PHONE, channel: 'sms' }).then(() => undefined)],
        ['check my code', [ASK_CHECK_RECEIVER]],
        [PHONE, [ASK_CODE]],
        [() => fx.lastCode(PHONE), [`Approved: the code is correct and ${PHONE} is verified.`]],
        // Email exists only with Twilio Verify.
        ...(mode === 'verify'
          ? ([
              [() => runOperation(fx.gateway, 'startVerification', { serviceSid: fx.serviceSid, to: EMAIL, channel: 'email' }).then(() => undefined)],
              ['check my code', [ASK_CHECK_RECEIVER]],
              ['it came by email', ['Which email address did the code go to?']],
              [EMAIL, [askCode(EMAIL)]],
              [() => fx.lastCode(EMAIL), [`Approved: the code is correct and ${EMAIL} is verified.`]],
            ] satisfies Transcript['turns'])
          : []),
      ],
      status: 'completed',
    },
    {
      title: 'check: "another number" asks for the number instead of the pending one',
      turns: [
        ...start(),
        [() => fx.op('startVerification', { to: OTHER, channel: 'sms' }).then(() => undefined)],
        ['check my code', [ASK_CODE]],
        ['another number', [ASK_CHECK_RECEIVER]],
        [OTHER, [askCode(OTHER)]],
        [() => fx.lastCode(OTHER), [`Approved: the code is correct and ${OTHER} is verified.`]],
      ],
      status: 'completed',
    },
    {
      title: 'check: "resend" sends a new code to the pending number, by the channel it went by',
      modes: ['verify'],
      turns: [
        ['send me a code', [ASK_RECEIVER]],
        ['email', ['Which email address should I send the code to?']],
        [EMAIL, [/^I emailed a verification code/]],
        ['check my code', [askCode(EMAIL)]],
        ['resend', [`I sent a new code to ${EMAIL}. It's valid for 10 minutes.`, askCode(EMAIL)]],
        [() => fx.lastCode(EMAIL), [`Approved: the code is correct and ${EMAIL} is verified.`]],
      ],
      status: 'completed',
      after: async (b) => assert.equal((await b.user())['pendingVerificationChannel'], null),
    },
    {
      title: 'check: "resend" texts a code again to the pending number, and the newest code approves',
      turns: [
        ...start(),
        ...check(),
        ['resend', [`I sent a new code to ${PHONE}. It's valid for 10 minutes.`, ASK_CODE]],
        [() => assert.equal(fx.deliveries(PHONE), 2)],
        [() => fx.lastCode(PHONE), [`Approved: the code is correct and ${PHONE} is verified.`]],
      ],
      status: 'completed',
    },
    {
      title: 'another channel: WhatsApp',
      modes: ['verify'],
      turns: [
        ['send me a code', [ASK_RECEIVER]],
        ['whatsapp', [ASK_CHANNEL]],
        ['whats app', [ASK_RECEIVER]],
        [PHONE, [/^I sent a verification code to \+14155550123 on WhatsApp\./]],
      ],
      status: 'completed',
    },
    {
      title: 'a landline (60205) is offered another channel and the same number is called',
      modes: ['verify'],
      turns: [
        ['send me a code', [ASK_RECEIVER]],
        ['+15005550010', ["+15005550010 can't receive texts (it looks like a landline). Pick another way to get the code.", ASK_CHANNEL]],
        ['call', [/^I'm calling \+15005550010/]],
      ],
      status: 'completed',
    },
    {
      title: 'with message templates another channel is refused: codes go by SMS only, and the user gives a phone number',
      modes: ['messageTemplates'],
      turns: [
        ['send me a code', [ASK_RECEIVER]],
        ['email', ['Which email address should I send the code to?']],
        [EMAIL, ["I can only text codes here (this bot's codes go by SMS). Let's use a phone number.", ASK_RECEIVER]],
        [PHONE, [/^I texted a verification code to \+14155550123/]],
      ],
      status: 'completed',
      after: () => {
        const [sms] = fx.emulator.outbox();
        assert.equal(sms?.body, `${fx.lastCode(PHONE)} is your Acme sign-in code.`);
      },
    },
    {
      title: 'with message templates a voice call is refused, and the code is texted to the number given next',
      modes: ['messageTemplates'],
      turns: [
        ['send me a code', [ASK_RECEIVER]],
        ['another channel', [ASK_CHANNEL]],
        ['call', [ASK_RECEIVER]],
        [PHONE, ["I can only text codes here (this bot's codes go by SMS). Let's use a phone number.", ASK_RECEIVER]],
        [PHONE, [/^I texted a verification code to \+14155550123/]],
      ],
      status: 'completed',
      after: async (b) => assert.equal((await b.user())['pendingVerificationChannel'], 'sms'),
    },
    {
      title: 'a number Twilio rejects (60200) is explained and asked again',
      turns: [
        ['send me a code', [ASK_RECEIVER]],
        ['+15005550001', ["Twilio can't send a code to +15005550001: it isn't a valid phone number. Let's try another one.", ASK_RECEIVER]],
        [PHONE, [/^I texted a verification code to \+14155550123/]],
      ],
      status: 'completed',
    },
    {
      title: 'a trial account (21608) is told to verify the number or upgrade',
      turns: [
        ['send me a code', [ASK_RECEIVER]],
        ['+15005550013', [/trial account.*Verify the number at console\.twilio\.com.*or upgrade the account/]],
      ],
      status: 'failed',
    },
    {
      title: 'a sixth start within 10 minutes (60203) says to try again in 10 minutes',
      turns: [
        ...start(), ...start(), ...start(), ...start(), ...start(),
        ['send me a code', [ASK_RECEIVER]],
        [PHONE, [`I've already sent too many codes to ${PHONE} in the last 10 minutes. Please try again in 10 minutes.`]],
      ],
      status: 'failed',
    },
    {
      title: 'check: a wrong code tells the attempts left, then the right one is approved',
      turns: [
        ...start(),
        ...check(),
        [() => fx.wrongCode(PHONE), ["That code isn't right. You have 4 attempts left.", ASK_CODE]],
        [() => fx.wrongCode(PHONE), ["That code isn't right. You have 3 attempts left.", ASK_CODE]],
        ['12', [/^A verification code is 4 to 10 digits/]],
        [() => fx.lastCode(PHONE), [/^Approved/]],
      ],
      status: 'completed',
    },
    {
      title: 'check: after five wrong codes the code is closed and a new one offered',
      turns: [
        ...start(),
        ...check(),
        [() => fx.wrongCode(PHONE), [/4 attempts left/, ASK_CODE]],
        [() => fx.wrongCode(PHONE), [/3 attempts left/, ASK_CODE]],
        [() => fx.wrongCode(PHONE), [/2 attempts left/, ASK_CODE]],
        [() => fx.wrongCode(PHONE), ["That code isn't right. You have 1 attempt left.", ASK_CODE]],
        [() => fx.wrongCode(PHONE), ["That code isn't right either, and that was the last try: this code no longer works.", `Do you want me to send a new code to ${PHONE}?`]],
        ['yes', [`I sent a new code to ${PHONE}. It's valid for 10 minutes.`, ASK_CODE]],
        [() => fx.lastCode(PHONE), [/^Approved/]],
      ],
      status: 'completed',
    },
    {
      title: 'check: too many attempts (60202) is answered clearly',
      turns: [
        ...start(),
        [
          async () => {
            for (let i = 0; i < 5; i += 1) {
              await fx.op('checkVerification', { to: PHONE, code: fx.wrongCode(PHONE) });
            }
          },
        ],
        ...check(),
        [() => fx.lastCode(PHONE), ["That's too many wrong codes, so this code no longer works.", `Do you want me to send a new code to ${PHONE}?`]],
        ['no', ['OK, no new code. Say "send me a code" whenever you want one.']],
      ],
      status: 'cancelled',
    },
    {
      title: 'check: an expired code (20404) is explained and a new code sent',
      turns: [
        ...start(),
        [() => fx.clock.advance(601)],
        ...check(),
        [() => fx.lastCode(PHONE), [/^There's no pending code for \+14155550123: it has expired \(codes are valid for 10 minutes\)/, /^Do you want me to send a new code/]],
        ['sure', [/^I sent a new code/, ASK_CODE]],
        [() => fx.lastCode(PHONE), [/^Approved/]],
      ],
      status: 'completed',
    },
    {
      title: 'check: an expired code is forgotten, so the next check asks for the number',
      turns: [
        ...start(),
        [() => fx.clock.advance(601)],
        ...check(),
        [() => fx.lastCode(PHONE), [/^There's no pending code for \+14155550123/, /^Do you want me to send a new code/]],
        ['no', ['OK, no new code. Say "send me a code" whenever you want one.']],
        ['check my code', [ASK_CHECK_RECEIVER]],
      ],
      status: 'cancelled',
      after: async (b) => assert.equal((await b.user())['pendingVerificationTo'], null),
    },
    {
      title: 'status of my pending verification, then cancel it, then its status',
      turns: [
        ...start(),
        ['verification status', [/^The verification for \+14155550123 is pending: a code was sent by sms \(1 send\(s\) so far/]],
        ['cancel my verification', [`Done: the verification for ${PHONE} is canceled, and its code no longer works.`]],
        ['verification status', [NOTHING_PENDING('look up')]],
        ['cancel my verification', [NOTHING_PENDING('cancel')]],
      ],
      status: 'completed',
    },
    {
      title: 'an end user with no pending verification is never asked for a VE SID',
      turns: [
        ['verification status', [NOTHING_PENDING('look up')]],
        ['cancel my verification', [NOTHING_PENDING('cancel')]],
      ],
      status: 'completed',
    },
    {
      title: 'a verification that has expired is reported gone once, then forgotten',
      turns: [
        ...start(),
        [() => fx.clock.advance(601)],
        ['verification status', [/^That verification is no longer pending/]],
        ['verification status', [NOTHING_PENDING('look up')]],
      ],
      status: 'completed',
    },
    {
      title: 'a remembered verification SID that is not one is explained and forgotten, for status and for cancel',
      turns: [
        [() => rememberSid('<b>VE123</b>')],
        ['verification status', ['I lost track of that verification: <b>VE123</b> isn\'t a verification SID. Say "send me a code" to get a new code.']],
        ['verification status', [NOTHING_PENDING('look up')]],
        [() => rememberSid("'; DROP TABLE x;--")],
        ['cancel my verification', [/^I lost track of that verification: '; DROP TABLE x;-- isn't a verification SID/]],
      ],
      status: 'failed',
      after: async (b) => assert.equal((await b.user())['pendingVerificationSid'], null),
    },
    {
      title: 'cancel when nothing is pending any more (approved) says so',
      turns: [
        ...start(),
        [
          async () => {
            const user = await bot.user();
            sid = String(user['pendingVerificationSid']);
            await fx.op('checkVerification', { to: PHONE, code: fx.lastCode(PHONE) });
          },
        ],
        ['cancel my verification', [/^There's nothing to cancel: that verification was already approved, has expired/]],
      ],
      status: 'completed',
    },
    {
      title: 'status of a canceled verification named by its SID',
      turns: [
        ...start(),
        [
          async () => {
            sid = String((await bot.user())['pendingVerificationSid']);
            await fx.op('updateVerification', { verificationSid: sid, status: 'canceled' });
          },
        ],
        ['verification status', [/^The verification for \+14155550123 was canceled/]],
      ],
      status: 'completed',
    },
  ];

  let sid = '';
  /** Puts a pending verification SID into the user's state, as a stored (possibly damaged) value. */
  async function rememberSid(value: string): Promise<void> {
    const key = 'test/users/user1/';
    await bot.storage.write({ [key]: { twilioVerify: { pendingVerificationSid: value, pendingVerificationTo: PHONE } } });
  }
  for (const conversation of conversations.filter((c) => c.modes === undefined || c.modes.includes(mode))) {
    it(conversation.title, () => play(bot, conversation));
  }

  if (mode === 'verify') it('a 60203 with Retry-After says when to try again (nock)', async () => {
    const body = JSON.stringify({ code: 60203, message: 'Max send attempts reached', more_info: 'https://www.twilio.com/docs/errors/60203', status: 429 });
    const scope = nock('https://verify.twilio.com')
      .post(`/v2/Services/${SERVICE_SID}/Verifications`, (form: Record<string, string>) => form['To'] === PHONE && form['Channel'] === 'sms')
      .reply(429, body, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), 'Retry-After': '240' });
    const runtime = new TestRuntime({ kind: 'ready', gateway: gatewayFor() }, { verifyServiceSid: SERVICE_SID });
    const b = new TaskChat({ tasks: [await templateTask('start-verification')], runtime });
    await play(b, {
      title: 'retry after',
      turns: [
        ['send me a code', [ASK_RECEIVER]],
        [PHONE, [`I've already sent too many codes to ${PHONE} in the last 10 minutes. Please try again in 4 minutes.`]],
      ],
      status: 'failed',
    });
    assert.ok(scope.isDone());
    nock.cleanAll();
  });
});
