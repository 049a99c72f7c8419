/**
 * The library path of a reusable verification: a developer's WaterfallDialog (examples/verified-number.ts) begins
 * `verify-phone-number` with `{ to }` and gets its typed result, one row per outcome, against the emulator.
 */
import assert from 'node:assert/strict';
import { ConversationState, MemoryStorage, UserState } from 'botbuilder';
import { DialogSet, DialogTurnStatus, WaterfallDialog, type DialogState } from 'botbuilder-dialogs';
import { PAYOUT_NUMBER_DIALOG_ID, PayoutNumberDialog, type PayoutNumberResult } from '../../examples/verified-number';
import { runTwilioVerify, TwilioVerifyDialogs, type TwilioVerifyResult } from '../../src/bot';
import { updateContactTask } from '../dialogs/fixtures';
import { isVerifyPhoneNumberResult } from '../../src';
import { task, TestConversation, templateTask, type Reply } from '../support/conversation';
import { EmulatorFixture } from '../support/emulator';

const PHONE = '+14155550123';
const SENT = `I texted a code to ${PHONE}. It's valid for 10 minutes.`;
const PROMPT_CODE = 'What\'s the code? (Say "resend" if it didn\'t arrive, "change number" to use another number, or "cancel" to stop.)';
const OFFER = `Do you want me to text a new code to ${PHONE}?`;
const NOT_VERIFIED = 'OK, your number isn\'t verified yet. Say "verify my phone number" whenever you want to try again.';

describe("a developer's WaterfallDialog that requires a verified number (beginDialog('verify-phone-number', { to }))", () => {
  const fx = new EmulatorFixture();
  before(() => fx.start());
  after(() => fx.stop());

  /** A bot whose only dialog is the example's: "payout <number>" begins it; its results are kept. */
  async function payoutBot(): Promise<{ chat: TestConversation; results: PayoutNumberResult[] }> {
    const storage = new MemoryStorage();
    const conversationState = new ConversationState(storage);
    const userState = new UserState(storage);
    const twilioVerify = new TwilioVerifyDialogs({
      runtime: fx.runtime(),
      dialogs: [await templateTask('verify-phone-number')],
      userState,
      clock: fx.clock,
    });
    const dialogs = new DialogSet(conversationState.createProperty<DialogState>('dialogState'));
    dialogs.add(new PayoutNumberDialog(twilioVerify.taskDialog('verify-phone-number')));
    const results: PayoutNumberResult[] = [];
    const chat = new TestConversation(async (turn) => {
      const dc = await dialogs.createContext(turn);
      let result = await dc.continueDialog();
      const asked = /^payout (.*)$/.exec(turn.activity.text ?? '');
      if (result.status === DialogTurnStatus.empty && asked) {
        result = await dc.beginDialog(PAYOUT_NUMBER_DIALOG_ID, asked[1] === 'ask' ? {} : { phone: asked[1] });
      }
      if (result.status === DialogTurnStatus.complete) results.push(result.result as PayoutNumberResult);
      await conversationState.saveChanges(turn);
      await userState.saveChanges(turn);
    });
    return { chat, results };
  }

  const rows: { outcome: string; turns: [string | (() => string), Reply[]][]; payoutNumber: string | null; before?: () => void }[] = [
    {
      outcome: 'approved',
      turns: [
        [`payout ${PHONE}`, [SENT, PROMPT_CODE]],
        [() => fx.lastCode(PHONE), [`Thanks: ${PHONE} is verified.`, `Payouts will go to ${PHONE} from now on.`]],
      ],
      payoutNumber: PHONE,
    },
    {
      outcome: 'max_attempts',
      turns: [
        [`payout ${PHONE}`, [SENT, PROMPT_CODE]],
        [() => fx.wrongCode(PHONE), [/4 attempts left/, PROMPT_CODE]],
        [() => fx.wrongCode(PHONE), [/3 attempts left/, PROMPT_CODE]],
        [() => fx.wrongCode(PHONE), [/2 attempts left/, PROMPT_CODE]],
        [() => fx.wrongCode(PHONE), [/1 attempt left/, PROMPT_CODE]],
        [() => fx.wrongCode(PHONE), [/last try/, OFFER]],
        ['no', [NOT_VERIFIED, 'Too many attempts, so your payout number stays as it was. Try again later.']],
      ],
      payoutNumber: null,
    },
    {
      outcome: 'expired',
      turns: [
        [`payout ${PHONE}`, [SENT, PROMPT_CODE]],
        [
          () => {
            fx.clock.advance(601);
            return fx.lastCode(PHONE);
          },
          ['That code has expired: codes are valid for 10 minutes.', OFFER],
        ],
        ['no', [NOT_VERIFIED, 'The code expired, so your payout number stays as it was.']],
      ],
      payoutNumber: null,
    },
    {
      outcome: 'canceled',
      turns: [
        ['payout ask', ["What's your mobile number? I'll text you a code. Use the international format, e.g. +14155550123."]],
        ['cancel', ['OK, I\'ve cancelled "Verify Phone Number".', 'OK, your payout number stays as it was.']],
      ],
      payoutNumber: null,
    },
    {
      outcome: 'failed',
      turns: [
        ['payout +15005550004', [/opted out/, "I couldn't verify the number, so your payout number stays as it was."]],
      ],
      payoutNumber: null,
    },
  ];

  for (const row of rows) {
    it(`ends with outcome ${row.outcome} and the parent goes on from there`, async () => {
      fx.emulator.clearOutbox();
      fx.clock.advance(3600);
      const { chat, results } = await payoutBot();
      for (const [says, expected] of row.turns) {
        const replies = await chat.say(typeof says === 'function' ? says() : says);
        assert.equal(replies.length, expected.length, JSON.stringify(replies));
        expected.forEach((want, i) => (typeof want === 'string' ? assert.equal(replies[i], want) : assert.match(replies[i] ?? '', want)));
      }
      assert.deepEqual(results, [{ payoutNumber: row.payoutNumber, outcome: row.outcome }]);
    });
  }

  /** A developer's one-step WaterfallDialog that begins verify-phone-number with { to }; `ended` gets what it ends with. */
  async function parentBot(): Promise<{ chat: TestConversation; ended: unknown[] }> {
    fx.emulator.clearOutbox();
    fx.clock.advance(3600);
    const storage = new MemoryStorage();
    const conversationState = new ConversationState(storage);
    const userState = new UserState(storage);
    const twilioVerify = new TwilioVerifyDialogs({ runtime: fx.runtime(), dialogs: [await templateTask('verify-phone-number')], userState, clock: fx.clock });
    const dialogs = new DialogSet(conversationState.createProperty<DialogState>('dialogState'));
    dialogs.add(twilioVerify.taskDialog('verify-phone-number'));
    dialogs.add(
      new WaterfallDialog('parent', [
        async (step) => step.beginDialog('verify-phone-number', { to: PHONE }),
        async (step) => step.endDialog(step.result),
      ]),
    );
    const ended: unknown[] = [];
    const chat = new TestConversation(async (turn) => {
      const dc = await dialogs.createContext(turn);
      const result = await dc.continueDialog();
      if (result.status === DialogTurnStatus.empty) await dc.beginDialog('parent');
      if (result.status === DialogTurnStatus.complete) ended.push(result.result);
      await conversationState.saveChanges(turn);
      await userState.saveChanges(turn);
    });
    return { chat, ended };
  }

  it('resolves beginDialog to the typed result itself: { outcome, to, channel } next to status, entities and context', async () => {
    const { chat, ended } = await parentBot();
    assert.deepEqual(await chat.say('start'), [SENT, PROMPT_CODE]);
    await chat.say(fx.lastCode(PHONE));
    const [result] = ended;
    assert.ok(isVerifyPhoneNumberResult(result));
    assert.deepEqual([result.outcome, result.to, result.channel, result.status], ['approved', PHONE, 'sms', 'completed']);
  });

  it('resolves beginDialog without the verification code the user typed: a parent may keep its result in state', async () => {
    const { chat, ended } = await parentBot();
    await chat.say('start');
    const code = fx.wrongCode(PHONE);
    await chat.say(code);
    const right = fx.lastCode(PHONE);
    assert.deepEqual(await chat.say(right), [`Thanks: ${PHONE} is verified.`]);
    const [result] = ended;
    assert.ok(isVerifyPhoneNumberResult(result));
    assert.equal(result.entities['phone'], PHONE);
    const whole = JSON.stringify(result);
    assert.ok(!whole.includes(right), `the result holds the approved code: ${whole}`);
    assert.ok(!whole.includes(code), `the result holds a wrong code: ${whole}`);
  });

  it('refuses to hand out a dialog that is not installed, saying how to install it', async () => {
    const twilioVerify = new TwilioVerifyDialogs({ runtime: fx.runtime(), dialogs: [], userState: new UserState(new MemoryStorage()) });
    assert.throws(() => twilioVerify.taskDialog('verify-phone-number'), /No dialog "verify-phone-number" is installed \(installed: none\)\. Install it: npx tva templates install verify-phone-number/);
  });

  it('routes to a dialog that runs verify-phone-number and ends with that dialog, not the one it ran', async () => {
    fx.emulator.clearOutbox();
    fx.clock.advance(3600);
    const storage = new MemoryStorage();
    const conversationState = new ConversationState(storage);
    const userState = new UserState(storage);
    const component = new TwilioVerifyDialogs({
      runtime: fx.runtime(),
      dialogs: [task(updateContactTask()), await templateTask('verify-phone-number')],
      userState,
      clock: fx.clock,
    });
    const dialogs = new DialogSet(conversationState.createProperty<DialogState>('dialogState')).add(component);
    const ended: TwilioVerifyResult[] = [];
    const chat = new TestConversation(async (turn) => {
      const result = await runTwilioVerify(await dialogs.createContext(turn));
      if (result.status === DialogTurnStatus.complete) ended.push(result.result as TwilioVerifyResult);
      await conversationState.saveChanges(turn);
      await userState.saveChanges(turn);
    });
    assert.deepEqual(await chat.say('update my contact number'), ['Which number should we reach you at?']);
    assert.deepEqual(await chat.say(PHONE), [SENT, PROMPT_CODE]);
    assert.deepEqual(await chat.say(fx.lastCode(PHONE)), [`Thanks: ${PHONE} is verified.`, `Saved ${PHONE} as your contact number.`]);
    assert.deepEqual(
      ended.map((r) => (r.outcome === 'dialog' ? [r.dialog, r.status] : [r.outcome])),
      [['update-contact', 'completed']],
    );
  });
});
