/**
 * The buttons (suggested actions) the templates offer: every question with a few possible answers offers them, and
 * every ending offers the next likely step. One table over all the templates, since the next step of one is often
 * another (a code sent offers "Check my code").
 */
import assert from 'node:assert/strict';
import type { Activity } from 'botbuilder';
import { TaskChat, templateTask } from '../../support/conversation';
import { EmulatorFixture } from '../../support/emulator';

const PHONE = '+14155550123';
const SENDER = '+15005550006';
const TEMPLATES = ['verify-phone-number', 'send-sms', 'start-verification', 'check-verification', 'verification-status', 'cancel-verification'];

/** What the user says (or a function computing it), the buttons of the bot's last reply, and maybe its first reply. */
type ButtonTurn = [says: string | (() => string), buttons: string[], firstReply?: string];

interface ButtonTable {
  title: string;
  turns: ButtonTurn[];
}

/** The buttons of the last reply: the ones a chat client shows after this turn. */
function lastButtons(replies: Partial<Activity>[]): string[] {
  return (replies.at(-1)?.suggestedActions?.actions ?? []).map((action) => String(action.title));
}

describe('templates: buttons on prompts and endings (Twilio = the emulator)', () => {
  const fx = new EmulatorFixture();
  before(() => fx.start());
  after(() => fx.stop());

  let bot: TaskChat;
  beforeEach(async () => {
    fx.emulator.clearOutbox();
    fx.clock.advance(3600);
    const tasks = await Promise.all(TEMPLATES.map((id) => templateTask(id)));
    bot = new TaskChat({ tasks, runtime: fx.runtime({ sender: SENDER }), clock: fx.clock });
  });

  const tables: ButtonTable[] = [
    {
      title: 'Send SMS: "Done…" offers to send another, which starts it again',
      turns: [
        ['send an sms', []],
        [PHONE, []],
        ['hello', ['Send another SMS']],
        ['Send another SMS', [], 'Which phone number should I text?'],
      ],
    },
    {
      title: 'Start Verification: the number prompt offers email and another channel; the channel its values; a sent code "Check my code"',
      turns: [
        ['send me a code', ['Email', 'Another channel']],
        ['Another channel', ['SMS', 'Call', 'WhatsApp', 'Email']],
        ['SMS', ['Email', 'Another channel']],
        [PHONE, ['Check my code']],
      ],
    },
    {
      title: 'Check Verification: the code prompt offers resend, another number and cancel; a new-code question yes and no',
      turns: [
        ['send me a code', ['Email', 'Another channel']],
        [PHONE, ['Check my code']],
        ['Check my code', ['Resend', 'Another number', 'Cancel']],
        ['Resend', ['Resend', 'Another number', 'Cancel']],
        ['Another number', ['Email']],
        [PHONE, ['Resend', 'Another number', 'Cancel']],
        ...Array.from({ length: 4 }, (): ButtonTurn => [() => fx.wrongCode(PHONE), ['Resend', 'Another number', 'Cancel']]),
        [() => fx.wrongCode(PHONE), ['Yes', 'No']],
        ['No', ['Send me a code']],
      ],
    },
    {
      title: 'Check Verification: approved offers the next thing people do',
      turns: [
        ['send me a code', ['Email', 'Another channel']],
        [PHONE, ['Check my code']],
        ['Check my code', ['Resend', 'Another number', 'Cancel']],
        [() => fx.lastCode(PHONE), ['Send an SMS']],
      ],
    },
    {
      title: 'Verify Phone Number: the OTP wait offers resend, change number and cancel; a cancel offers what people come for',
      turns: [
        ['verify my number', []],
        [PHONE, ['Resend', 'Change number', 'Cancel']],
        ['Resend', ['Resend', 'Change number', 'Cancel']],
        ['Cancel', ['Verify my number', 'Send an SMS']],
        ['Verify my number', [], "What's your mobile number? I'll text you a code. Use the international format, e.g. +14155550123."],
      ],
    },
    {
      title: 'Verification Status and Cancel Verification: a pending code offers checking it; nothing pending offers a code',
      turns: [
        ['verification status', ['Send me a code']],
        ['cancel my verification', ['Send me a code']],
        ['Send me a code', ['Email', 'Another channel']],
        [PHONE, ['Check my code']],
        ['verification status', ['Check my code']],
        ['cancel my verification', ['Send me a code']],
      ],
    },
  ];

  for (const table of tables) {
    it(table.title, async () => {
      for (const [index, [says, buttons, firstReply]] of table.turns.entries()) {
        const input = typeof says === 'function' ? says() : says;
        const replies = await bot.send(input);
        const label = `turn ${index + 1} (${JSON.stringify(input)}): ${JSON.stringify(replies.map((r) => r.text))}`;
        assert.deepEqual(lastButtons(replies), buttons, label);
        if (firstReply !== undefined) assert.equal(replies[0]?.text, firstReply, label);
      }
    });
  }
});
