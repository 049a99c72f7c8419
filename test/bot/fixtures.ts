/** Dialog fixtures of the bot tests: small valid dialog tasks, and the bot over in-memory state running them. */
import assert from 'node:assert/strict';
import { ConversationState, MemoryStorage, UserState, type TurnContext } from 'botbuilder';
import { TwilioVerifyBot } from '../../src/bot';
import { turnEffectsOf, type ActionRuntime, type DialogLogger, type DialogTask, type ServiceCall } from '../../src/dialogs';
import { createTwilioClient } from '../../src/twilio';
import { task } from '../support/conversation';

/** A runtime for dialogs that never reach a service node. */
export const IDLE_RUNTIME: ActionRuntime = {
  resolveGateway: async () => ({ kind: 'not-configured' }),
  publicConfig: async () => ({}),
  requestUserAuthorization: async () => {},
  reportAuthFailure: async () => {},
  audit: async () => {},
};

/**
 * An SMS send as a dialog's service node hands it to the turn guard, for `userId` on channel `test`. Its gateway
 * points where nothing listens: Twilio can neither be called through it nor asked what became of a send.
 */
export function unreachableSmsCall(userId: string, body = 'hello'): ServiceCall {
  return {
    ref: { channelId: 'test', userId },
    dialog: 'send-sms',
    node: 'send',
    occurrence: 0,
    operation: 'sendSms',
    input: { to: '+14155550123', body },
    gateway: createTwilioClient({ kind: 'auth-token', accountSid: `AC${'0'.repeat(32)}`, authToken: 'x'.repeat(32) }, { baseUrl: 'http://127.0.0.1:9' }),
  };
}

/** Performs `call` through the effects the turn guard gave the turn; `run` stands for the request to Twilio. */
export function performIn(turn: TurnContext, call: ServiceCall, run: () => Promise<unknown>): Promise<unknown> {
  const effects = turnEffectsOf(turn);
  assert.ok(effects, 'the guard hands the turn its effects');
  return effects.perform(call, run);
}

/** Three dialogs without Twilio calls, for routing: each asks one question, then confirms. */
export const ROUTING_TASKS: DialogTask[] = [
  task({
    id: 'send-sms',
    name: 'Send SMS',
    description: 'Sends a text message to a phone number.',
    start: 'intent',
    nodes: [
      { id: 'intent', type: 'intent', utterances: ['send an sms', 'send a text', 'text someone'], next: 'receiver' },
      {
        id: 'receiver',
        type: 'entity',
        entity: 'receiver',
        entityType: 'phone',
        prompt: 'Which phone number should I text?',
        help: 'Type the number with its country code, e.g. +14155550123.',
        next: 'done',
      },
      { id: 'done', type: 'message', text: 'I would text {{entities.receiver}}.' },
    ],
  }),
  task({
    id: 'start-verification',
    name: 'Start Verification',
    description: 'Sends a one-time code.',
    start: 'intent',
    nodes: [
      { id: 'intent', type: 'intent', utterances: ['start verification', 'verify my phone'], next: 'receiver' },
      { id: 'receiver', type: 'entity', entity: 'receiver', entityType: 'phone', prompt: 'Which number should I verify?', next: 'done' },
      { id: 'done', type: 'message', text: 'Code sent.' },
    ],
  }),
  task({
    id: 'check-verification',
    name: 'Check Verification',
    description: 'Checks a one-time code.',
    start: 'intent',
    nodes: [
      { id: 'intent', type: 'intent', utterances: ['check verification', 'check my code'], next: 'code' },
      { id: 'code', type: 'entity', entity: 'code', entityType: 'digits', minLength: 4, maxLength: 10, prompt: 'What is the code?', next: 'done' },
      { id: 'done', type: 'message', text: 'Checked.' },
    ],
  }),
];

/** A dialog that calls Twilio (fetchAccount) with the user's credentials. */
export const ACCOUNT_TASK: DialogTask = task({
  id: 'account',
  name: 'Show Account',
  description: 'Shows your Twilio account.',
  start: 'intent',
  nodes: [
    { id: 'intent', type: 'intent', utterances: ['show my account'], next: 'fetch' },
    { id: 'fetch', type: 'service', operation: 'fetchAccount', input: {}, next: 'shown' },
    { id: 'shown', type: 'message', text: 'Your Twilio account {{result.sid}} is {{result.status}}.' },
  ],
});

/** The bot over in-memory state with a given runtime and dialogs. */
export function memoryBot(options: {
  runtime: ConstructorParameters<typeof TwilioVerifyBot>[0]['runtime'];
  dialogs: DialogTask[];
  logger?: DialogLogger;
}): TwilioVerifyBot {
  const storage = new MemoryStorage();
  return new TwilioVerifyBot({
    conversationState: new ConversationState(storage),
    userState: new UserState(storage),
    dialogs: options.dialogs,
    runtime: options.runtime,
    ...(options.logger ? { logger: options.logger } : {}),
  });
}
