/**
 * 'verify-phone-number' run by another dialog's dialog node: one conversation per typed outcome, against the
 * emulator. The parent (test/dialogs/fixtures.ts, updateContactTask) saves the number only when it was approved.
 */
import assert from 'node:assert/strict';
import { suggestions, TaskChat, play, task, templateTask, type Transcript } from '../../support/conversation';
import { EmulatorFixture } from '../../support/emulator';
import { updateContactTask } from '../../dialogs/fixtures';
import { VERIFY_PHONE_NUMBER_OUTCOMES } from '../../../src/templates';

const PHONE = '+14155550123';
const PROMPT_CODE = 'What\'s the code? (Say "resend" if it didn\'t arrive, "change number" to use another number, or "cancel" to stop.)';
const ASK_NUMBER = 'Which number should we reach you at?';
const SENT = `I texted a code to ${PHONE}. It's valid for 10 minutes.`;
const NOT_VERIFIED = 'OK, your number isn\'t verified yet. Say "verify my phone number" whenever you want to try again.';

describe('template verify-phone-number as a step of another dialog: one conversation per outcome (the emulator)', () => {
  const fx = new EmulatorFixture();
  before(() => fx.start());
  after(() => fx.stop());

  const wrongFiveTimes = (): Transcript['turns'] => [
    [() => fx.wrongCode(PHONE), [/4 attempts left/, PROMPT_CODE]],
    [() => fx.wrongCode(PHONE), [/3 attempts left/, PROMPT_CODE]],
    [() => fx.wrongCode(PHONE), [/2 attempts left/, PROMPT_CODE]],
    [() => fx.wrongCode(PHONE), [/1 attempt left/, PROMPT_CODE]],
    [() => fx.wrongCode(PHONE), [/that was the last try/, `Do you want me to text a new code to ${PHONE}?`]],
  ];

  /** `outcome` and `childStatus`: the typed result the parent's dialog node got. */
  const conversations: (Transcript & { outcome: string; childStatus: string })[] = [
    {
      title: 'approved: the number given as input gets a code at once (no question), and the parent saves it',
      outcome: 'approved',
      childStatus: 'completed',
      turns: [
        ['update my contact number', [ASK_NUMBER]],
        ['+1 415 555 0123', [SENT, PROMPT_CODE]],
        [() => fx.lastCode(PHONE), [`Thanks: ${PHONE} is verified.`, `Saved ${PHONE} as your contact number.`]],
      ],
      status: 'completed',
      after: async (chat) => {
        const user = await chat.user();
        assert.equal(user['contactNumber'], PHONE);
        assert.equal(user['verifiedPhone'], PHONE);
      },
    },
    {
      title: 'max_attempts: five wrong codes and no new code',
      outcome: 'max_attempts',
      childStatus: 'cancelled',
      turns: [
        ['update my contact number', [ASK_NUMBER]],
        [PHONE, [SENT, PROMPT_CODE]],
        ...wrongFiveTimes(),
        ['no', [NOT_VERIFIED, 'Too many attempts, so I did not save the number.']],
      ],
      status: 'failed',
    },
    {
      title: 'max_attempts: Twilio refuses a sixth code to the number within 10 minutes (60203)',
      outcome: 'max_attempts',
      childStatus: 'failed',
      turns: [
        ['update my contact number', [ASK_NUMBER]],
        [PHONE, [SENT, PROMPT_CODE]],
        ['resend', [/again/, PROMPT_CODE]],
        ['resend', [/again/, PROMPT_CODE]],
        ['resend', [/again/, PROMPT_CODE]],
        ['resend', [/again/, PROMPT_CODE]],
        ['cancel', [/^OK, I stopped the verification/, 'OK, I did not save the number.']],
        ['update my contact number', [ASK_NUMBER]],
        [
          PHONE,
          [`I've already sent too many codes to ${PHONE} in the last 10 minutes. Please try again in 10 minutes.`, 'Too many attempts, so I did not save the number.'],
        ],
      ],
      status: 'failed',
    },
    {
      title: 'expired: the code expired and the user declined a new one',
      outcome: 'expired',
      childStatus: 'cancelled',
      turns: [
        ['update my contact number', [ASK_NUMBER]],
        [PHONE, [SENT, PROMPT_CODE]],
        [() => fx.clock.advance(601)],
        [() => fx.lastCode(PHONE), ['That code has expired: codes are valid for 10 minutes.', `Do you want me to text a new code to ${PHONE}?`]],
        ['no', [NOT_VERIFIED, 'The code expired, so I did not save the number.']],
      ],
      status: 'failed',
    },
    {
      title: 'canceled: the user cancels at the code prompt (the pending code is cancelled at Twilio)',
      outcome: 'canceled',
      childStatus: 'cancelled',
      turns: [
        ['update my contact number', [ASK_NUMBER]],
        [PHONE, [SENT, PROMPT_CODE]],
        ['cancel', ["OK, I stopped the verification: the code I sent won't work anymore. Your number isn't verified.", 'OK, I did not save the number.']],
      ],
      status: 'cancelled',
    },
    {
      title: "failed: Twilio can't text the number (a trial account, 21608)",
      outcome: 'failed',
      childStatus: 'failed',
      turns: [
        ['update my contact number', [ASK_NUMBER]],
        ['+15005550013', [/^I couldn't text \+15005550013: this Twilio account is a trial account/, 'The number could not be verified (failed), so I did not save it.']],
      ],
      status: 'failed',
    },
  ];

  const chatFor = async (): Promise<TaskChat> =>
    new TaskChat({ tasks: [task(updateContactTask()), await templateTask('verify-phone-number')], runtime: fx.runtime(), clock: fx.clock });

  for (const conversation of conversations) {
    it(conversation.title, async () => {
      fx.emulator.clearOutbox();
      fx.clock.advance(3600);
      const chat = await chatFor();
      await play(chat, conversation);
      const ended = chat.results.at(-1);
      assert.deepEqual(ended?.context['verification'], {
        status: conversation.childStatus,
        outcome: conversation.outcome,
        to: conversation.outcome === 'failed' ? '+15005550013' : PHONE,
        channel: 'sms',
      });
    });
  }

  it('declares exactly the outcomes the library types (VerifyPhoneNumberResult)', async () => {
    const declared = (await templateTask('verify-phone-number')).result;
    assert.deepEqual(declared?.outcomes, [...VERIFY_PHONE_NUMBER_OUTCOMES]);
    assert.deepEqual(declared?.fields, { to: 'entities.phone', channel: "'sms'" });
  });

  it("keeps the child's entities (the code) out of the parent: its result holds the outcome and declared fields only", async () => {
    fx.clock.advance(3600);
    const chat = await chatFor();
    await play(chat, {
      title: 'approved',
      turns: [
        ['update my contact number', [ASK_NUMBER]],
        [PHONE, [SENT, PROMPT_CODE]],
        [() => fx.lastCode(PHONE), [/is verified/, /^Saved/]],
      ],
      status: 'completed',
    });
    assert.deepEqual(Object.keys(chat.results.at(-1)?.entities ?? {}), ['number']);
    assert.doesNotMatch(JSON.stringify(chat.results.at(-1)), /"code"/);
  });

  it('shows no "what next" buttons on the ending of the nested dialog: the parent goes on', async () => {
    fx.clock.advance(3600);
    const chat = await chatFor();
    await chat.say('update my contact number');
    await chat.say(PHONE);
    const replies = await chat.send(fx.lastCode(PHONE));
    assert.deepEqual(suggestions(replies), []);
  });

  it('answers a number from the parent that is not valid, then asks for one', async () => {
    fx.clock.advance(3600);
    const parent = updateContactTask();
    parent.nodes = parent.nodes.map((node) => (node.type === 'dialog' ? { ...node, input: { to: "'+1 555'" } } : node));
    const chat = new TaskChat({ tasks: [task(parent), await templateTask('verify-phone-number')], runtime: fx.runtime(), clock: fx.clock });
    await play(chat, {
      title: 'invalid input',
      turns: [
        ['update my contact number', [ASK_NUMBER]],
        [
          PHONE,
          [
            'I can\'t use "+1 555" here: That number is too short.',
            "What's your mobile number? I'll text you a code. Use the international format, e.g. +14155550123.",
          ],
        ],
        [PHONE, [SENT, PROMPT_CODE]],
        [() => fx.lastCode(PHONE), [`Thanks: ${PHONE} is verified.`, `Saved ${PHONE} as your contact number.`]],
      ],
      status: 'completed',
    });
  });

  it('reaches the same outcome when the user says "cancel" at the nested dialog\'s own question', async () => {
    fx.clock.advance(3600);
    const parent = updateContactTask();
    parent.nodes = parent.nodes.map((node) => (node.type === 'dialog' ? { ...node, input: {} } : node));
    const chat = new TaskChat({ tasks: [task(parent), await templateTask('verify-phone-number')], runtime: fx.runtime(), clock: fx.clock });
    await play(chat, {
      title: 'cancel at the phone prompt',
      turns: [
        ['update my contact number', [ASK_NUMBER]],
        [PHONE, ["What's your mobile number? I'll text you a code. Use the international format, e.g. +14155550123."]],
        ['cancel', ['OK, I\'ve cancelled "Verify Phone Number".', 'OK, I did not save the number.']],
      ],
      status: 'cancelled',
    });
    assert.equal((chat.results.at(-1)?.context['verification'] as { outcome?: string } | undefined)?.outcome, 'canceled');
  });
});
