/**
 * The bot behind the chat surfaces' tests (the chat page, `BotClient`, `tva chat`): a small `TurnRunner` served by the
 * real `createServer`, so the page, its assets, its security headers, the dev endpoints and the bot route are the
 * product's own. It greets on membersAdded, echoes text, and knows a few words: "menu" (suggested actions), "slow"
 * (typing, then the answer once the test releases it, when held), "auth" (an authorization link), "fail" (a turn that throws: HTTP 500),
 * "lines" (multi-line text with links); the event "authorization/completed" is thanked for.
 */
import { ActivityHandler, MessageFactory } from 'botbuilder';
import type { TurnRunner } from '../../src/bot';

/** What the bot received, one entry per activity, in order. */
export interface ReceivedActivity {
  type: string;
  text?: string;
  name?: string;
  channelId: string;
  conversationId: string;
  userId: string;
}

export const CHAT_BOT_GREETING = 'Hello! I am the fixture bot. Type "menu" to see what I can do.';

/** The authorization link's path; the chat world serves a stand-in page there that reports success. */
export const CHAT_BOT_AUTH_PATH = '/auth/fixture-token';

export class ScriptedChatBot extends ActivityHandler implements TurnRunner {
  readonly received: ReceivedActivity[] = [];
  private releaseGate: () => void = () => undefined;
  private readonly gate = new Promise<void>((resolve) => {
    this.releaseGate = resolve;
  });

  /** `holdSlow`: the "slow" answer waits, after its typing indicator, until {@link releaseSlow}; else it comes at once. */
  constructor(holdSlow: boolean) {
    super();
    if (!holdSlow) this.releaseSlow();
    this.onTurn(async (context, next) => {
      const a = context.activity;
      this.received.push({
        type: a.type,
        text: a.text,
        name: a.name,
        channelId: a.channelId,
        conversationId: a.conversation.id,
        userId: a.from.id,
      });
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      for (const member of context.activity.membersAdded ?? []) {
        if (member.id !== context.activity.recipient.id) await context.sendActivity(CHAT_BOT_GREETING);
      }
      await next();
    });
    this.onMessage(async (context, next) => {
      const text = (context.activity.text ?? '').trim();
      switch (text.toLowerCase()) {
        case 'menu':
          await context.sendActivity(
            MessageFactory.suggestedActions(
              [
                { type: 'imBack', title: 'Send an SMS', value: 'send sms' },
                { type: 'postBack', title: 'Verify my number', value: 'verify' },
              ],
              'What would you like to do?',
            ),
          );
          break;
        case 'slow':
          await context.sendActivity({ type: 'typing' });
          await this.gate;
          await context.sendActivity('Sorry for the wait.');
          break;
        case 'auth':
          await context.sendActivity(
            `To continue, authorize Twilio here: ${context.activity.serviceUrl}${CHAT_BOT_AUTH_PATH}\nThe link expires in 10 minutes.`,
          );
          break;
        case 'lines':
          await context.sendActivity('Line one\nLine two <b>not bold</b>\nDocs: https://example.com/docs. javascript:alert(1)');
          break;
        case 'fail': {
          // A bot that crashes: the server must answer 500 without this text, and clients must not show it. The
          // short stack keeps botbuilder's console.error of it to two lines in the test output.
          const crash = new Error('fixture failure');
          crash.stack = 'Error: fixture failure\n    at ScriptedChatBot.onMessage (chat-bot.ts:1:1)';
          throw crash;
        }
        default:
          await context.sendActivity(`You said: ${text}`);
      }
      await next();
    });
    this.onEvent(async (context, next) => {
      if (context.activity.name === 'authorization/completed') {
        await context.sendActivity('Thanks, you are authorized. Let us continue.');
      }
      await next();
    });
  }

  /** Lets held "slow" answers (and every later one) go out. */
  releaseSlow(): void {
    this.releaseGate();
  }
}
