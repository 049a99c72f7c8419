/** Dialog fixtures of the bot tests: small valid dialog tasks, and the bot over in-memory state running them. */
import { ConversationState, MemoryStorage, UserState } from 'botbuilder';
import { TwilioVerifyBot } from '../../src/bot';
import type { DialogLogger, DialogTask } from '../../src/dialogs';
import { task } from '../support/conversation';

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
