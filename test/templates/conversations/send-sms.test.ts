import assert from 'node:assert/strict';
import nock from 'nock';
import { MESSAGES } from '../../../src/dialogs';
import { ACCOUNT_SID, TaskChat, gatewayFor, MG_SID, play, templateTask, TestRuntime, type Transcript } from '../../support/conversation';

const TO = '+14155550123';
const FROM = '+15005550006';
const MESSAGES_PATH = `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`;

function accepted(body: Record<string, string>) {
  return {
    sid: `SM${'4'.repeat(32)}`,
    account_sid: ACCOUNT_SID,
    status: 'queued',
    to: body['To'],
    from: body['From'] ?? null,
    messaging_service_sid: body['MessagingServiceSid'] ?? null,
    body: body['Body'],
    num_segments: '1',
    date_created: 'Sun, 01 Mar 2026 09:00:00 +0000',
    error_code: null,
    error_message: null,
  };
}

const twilioError = (status: number, code: number, message: string) => ({
  code,
  message,
  more_info: `https://www.twilio.com/docs/errors/${code}`,
  status,
});

/** nock for POST Messages.json: checks the form body, answers with `reply`. */
function expectSms(expected: Record<string, string>, reply: [number, object] | 'accept') {
  return nock('https://api.twilio.com')
    .post(MESSAGES_PATH, (body: Record<string, string>) => Object.entries(expected).every(([k, v]) => body[k] === v))
    .reply((_uri, body) => {
      const form = Object.fromEntries(new URLSearchParams(String(body)));
      const [status, json] = reply === 'accept' ? [201, accepted(form)] : reply;
      const text = JSON.stringify(json);
      return [status, text, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) }];
    });
}

const ASK_TO = 'Which phone number should I text?';
const ASK_BODY = 'What should the message say?';
const ASK_FROM =
  'Which number or Messaging Service should I send it from? Give a Twilio number like +14155550123 or a Messaging Service SID (MG…).';

interface SmsConversation extends Transcript {
  nock: () => nock.Scope[];
}

const conversations: SmsConversation[] = [
  {
    title: 'happy path: number, message, sent from the configured number',
    config: { sender: FROM },
    nock: () => [expectSms({ To: TO, From: FROM, Body: 'See you at 6' }, 'accept')],
    turns: [
      ['send an sms', [ASK_TO]],
      ['+1 415-555-0123', [ASK_BODY]],
      ['See you at 6', [`Done: your message to ${TO} is on its way (status: queued; 1 segment).`]],
    ],
    status: 'completed',
  },
  {
    title: 'a configured Messaging Service SID is sent as MessagingServiceSid',
    config: { sender: MG_SID },
    nock: () => [expectSms({ To: TO, MessagingServiceSid: MG_SID, Body: 'Hello' }, 'accept')],
    turns: [
      ['send a text', [ASK_TO]],
      [TO, [ASK_BODY]],
      ['Hello', [/^Done: your message to \+14155550123 is on its way/]],
    ],
    status: 'completed',
  },
  {
    title: 'with no configured sender, the sender is asked',
    config: {},
    nock: () => [expectSms({ To: TO, From: FROM, Body: 'Hi' }, 'accept')],
    turns: [
      ['text someone', [ASK_TO]],
      [TO, [ASK_BODY]],
      ['Hi', [ASK_FROM]],
      [FROM, [/^Done/]],
    ],
    status: 'completed',
  },
  {
    title: 'a number that is not a phone number is asked again with the error prompt',
    config: { sender: FROM },
    nock: () => [],
    turns: [
      ['send an sms', [ASK_TO]],
      ['my mom', [/^That doesn't look like a phone number\. Type it with its country code, e\.g\. \+14155550123\./]],
      ['cancel', ['OK, I\'ve cancelled "Send SMS".']],
    ],
    status: 'cancelled',
  },
  {
    title: 'a message over 1600 characters is refused and asked again',
    config: { sender: FROM },
    nock: () => [expectSms({ To: TO, Body: 'short' }, 'accept')],
    turns: [
      ['send an sms', [ASK_TO]],
      [TO, [ASK_BODY]],
      ['x'.repeat(1601), ["That's 1601 characters; the limit is 1600. What should the message say?"]],
      ['short', [/^Done/]],
    ],
    status: 'completed',
  },
  {
    title: 'a message of only spaces is called empty, not too long, and asked again',
    config: { sender: FROM },
    nock: () => [expectSms({ To: TO, Body: 'not empty' }, 'accept')],
    turns: [
      ['send an sms', [ASK_TO]],
      [TO, [ASK_BODY]],
      ['     ', ["That's empty: I didn't get any text. What should the message say?"]],
      ['not empty', [/^Done/]],
    ],
    status: 'completed',
  },
  {
    title: "Twilio's 21211 (invalid To) is explained and the number asked again",
    config: { sender: FROM },
    nock: () => [
      expectSms({ To: '+15005550001' }, [400, twilioError(400, 21211, "The 'To' number +15005550001 is not a valid phone number.")]),
      expectSms({ To: TO }, 'accept'),
    ],
    turns: [
      ['send an sms', [ASK_TO]],
      ['+15005550001', [ASK_BODY]],
      ['Hi', ["Twilio says +15005550001 isn't a valid phone number. Let's try another one.", ASK_TO]],
      [TO, [/^Done: your message to \+14155550123/]],
    ],
    status: 'completed',
  },
  {
    title: "Twilio's 21614 (not a mobile number) is explained and another number asked",
    config: { sender: FROM },
    nock: () => [expectSms({ To: '+15005550009' }, [400, twilioError(400, 21614, "'To' number +15005550009 is not a valid mobile number")])],
    turns: [
      ['send an sms', [ASK_TO]],
      ['+15005550009', [ASK_BODY]],
      ['Hi', ["+15005550009 isn't a mobile number, so it can't receive texts. Let's try another one.", ASK_TO]],
    ],
    status: 'waiting',
  },
  {
    title: "Twilio's 21612 (number not reachable by SMS) is explained and another number asked",
    config: { sender: FROM },
    nock: () => [
      expectSms({ To: '+15005550002' }, [400, twilioError(400, 21612, "The 'To' phone number: +15005550002, is not currently reachable using the 'From' phone number: +15005550006 via SMS.")]),
      expectSms({ To: TO }, 'accept'),
    ],
    turns: [
      ['send an sms', [ASK_TO]],
      ['+15005550002', [ASK_BODY]],
      ['Hi', ["Twilio can't reach +15005550002 by SMS from this sender (the carrier doesn't route texts to it). Let's try another number.", ASK_TO]],
      [TO, [/^Done: your message to \+14155550123/]],
    ],
    status: 'completed',
  },
  {
    title: 'a trial account (21608) is told to verify the number in the console or upgrade',
    config: { sender: FROM },
    nock: () => [expectSms({ To: TO }, [400, twilioError(400, 21608, 'The number is unverified. Trial accounts cannot send messages to unverified numbers.')])],
    turns: [
      ['send an sms', [ASK_TO]],
      [TO, [ASK_BODY]],
      ['Hi', [/^I couldn't text \+14155550123: this Twilio account is a trial account, .*Verify the number at console\.twilio\.com \(Phone Numbers > Verified Caller IDs\) or upgrade the account, then try again\.$/]],
    ],
    status: 'failed',
  },
  {
    title: 'an unsubscribed recipient (21610) is explained',
    config: { sender: FROM },
    nock: () => [expectSms({ To: TO }, [400, twilioError(400, 21610, 'Attempt to send to unsubscribed recipient')])],
    turns: [
      ['send an sms', [ASK_TO]],
      [TO, [ASK_BODY]],
      ['Hi', [/opted out of messages from this sender \(it replied STOP\)\. It can text START to opt back in\.$/]],
    ],
    status: 'failed',
  },
  {
    title: 'a sender Twilio refuses (21606) points the admin at the configuration',
    config: { sender: '+15005550007' },
    nock: () => [expectSms({ From: '+15005550007' }, [400, twilioError(400, 21606, "The 'From' phone number provided is not a valid message-capable Twilio phone number.")])],
    turns: [
      ['send an sms', [ASK_TO]],
      [TO, [ASK_BODY]],
      ['Hi', [/^I couldn't send from \+15005550007: .*set a valid sender/]],
    ],
    status: 'failed',
  },
  {
    title: 'Twilio being busy (20429) says to try again in a minute',
    config: { sender: FROM },
    nock: () => [expectSms({ To: TO }, [429, twilioError(429, 20429, 'Too Many Requests')])],
    turns: [
      ['send an sms', [ASK_TO]],
      [TO, [ASK_BODY]],
      ['Hi', ["Twilio is getting too many requests right now, so your message wasn't sent. Please try again in a minute."]],
    ],
    status: 'failed',
  },
  {
    title: 'any other Twilio error is told in words a person can read',
    config: { sender: FROM },
    nock: () => [expectSms({ To: TO }, [500, twilioError(500, 20500, 'Internal Server Error')])],
    turns: [
      ['send an sms', [ASK_TO]],
      [TO, [ASK_BODY]],
      ['Hi', [/^I couldn't send the message: .+/]],
    ],
    status: 'failed',
  },
  {
    title: 'rejected credentials (20003) get the engine\'s "not authorized" answer',
    config: { sender: FROM },
    nock: () => [expectSms({ To: TO }, [401, twilioError(401, 20003, 'Authenticate')])],
    turns: [
      ['send an sms', [ASK_TO]],
      [TO, [ASK_BODY]],
      ['Hi', [MESSAGES.notAuthorized]],
    ],
    status: 'failed',
  },
];

describe('template send-sms: conversations (Twilio = nock)', () => {
  afterEach(() => nock.cleanAll());

  for (const conversation of conversations) {
    it(conversation.title, async () => {
      const scopes = conversation.nock();
      const runtime = new TestRuntime({ kind: 'ready', gateway: gatewayFor() }, conversation.config ?? {});
      const bot = new TaskChat({ tasks: [await templateTask('send-sms')], runtime });
      await play(bot, conversation);
      for (const scope of scopes) assert.ok(scope.isDone(), `nock not called: ${scope.pendingMocks().join(', ')}`);
    });
  }

  it('answers "this integration is disabled" at once, without asking anything or calling Twilio', async () => {
    const bot = new TaskChat({ tasks: [await templateTask('send-sms')], runtime: new TestRuntime({ kind: 'disabled' }, { sender: FROM }) });
    await play(bot, {
      title: 'disabled',
      turns: [['send an sms', [MESSAGES.disabled]]],
      status: 'failed',
    });
  });

  it('answers "this integration is disabled" when an admin disables it in the middle of the dialog', async () => {
    const runtime = new TestRuntime({ kind: 'ready', gateway: gatewayFor() }, { sender: FROM });
    const bot = new TaskChat({ tasks: [await templateTask('send-sms')], runtime });
    await play(bot, {
      title: 'disabled mid-dialog',
      turns: [
        ['send an sms', [ASK_TO]],
        [TO, [ASK_BODY]],
        [
          () => {
            runtime.resolution = { kind: 'disabled' };
          },
        ],
        ['Hi', [MESSAGES.disabled]],
      ],
      status: 'failed',
    });
  });

  it('sends a user-authorized user an authorization link instead of calling Twilio', async () => {
    const bot = new TaskChat({
      tasks: [await templateTask('send-sms')],
      runtime: new TestRuntime({ kind: 'needs-user-authorization', profile: 'default' }, { sender: FROM }),
    });
    await play(bot, {
      title: 'needs authorization',
      turns: [
        ['send an sms', [ASK_TO]],
        [TO, [ASK_BODY]],
        ['Hi', ['Please authorize Twilio for me: https://bot.example/authorize/1']],
      ],
      status: 'waiting',
    });
  });
});
