/** Dialog tasks shared by the dialog tests (the send-sms example of docs/DIALOGS.md and small variations). */
import type { DialogTask } from '../../src/dialogs';

export const OPERATIONS = [
  'sendSms',
  'startVerification',
  'checkVerification',
  'fetchVerification',
  'updateVerification',
  'twilioRequest',
];
export const CONFIG_FIELDS = ['verifyServiceSid', 'sender', 'messageTemplates'];

/** The send-sms dialog exactly as docs/DIALOGS.md shows it. */
export function sendSmsTask(): DialogTask {
  return {
    $schema: '../schemas/dialog.schema.json',
    id: 'send-sms',
    name: 'Send SMS',
    description: 'Sends a text message to a phone number.',
    help: 'I can text a phone number for you. Say "send an SMS".',
    start: 'intent',
    nodes: [
      { id: 'intent', type: 'intent', utterances: ['send an sms', 'send a text', 'text someone'], next: 'receiver' },
      {
        id: 'receiver',
        type: 'entity',
        entity: 'receiver',
        entityType: 'phone',
        prompt: 'Which phone number should I text?',
        errorPrompt: "That doesn't look like a phone number. Use the international format, e.g. +14155550123.",
        help: 'Type the number with its country code, e.g. +14155550123.',
        retries: 3,
        next: 'message',
      },
      {
        id: 'message',
        type: 'entity',
        entity: 'message',
        entityType: 'text',
        maxLength: 1600,
        prompt: 'What should the message say?',
        next: 'sender',
      },
      {
        id: 'sender',
        type: 'entity',
        entity: 'sender',
        entityType: 'text',
        default: 'config.sender',
        prompt: 'Which number or Messaging Service should I send from?',
        next: 'send',
      },
      {
        id: 'send',
        type: 'service',
        operation: 'sendSms',
        input: { to: 'entities.receiver', from: 'entities.sender', body: 'entities.message' },
        transitions: [{ if: 'error.code == 21211', then: 'badNumber' }],
        next: 'sent',
      },
      { id: 'badNumber', type: 'message', text: '{{error.userMessage}}', next: 'receiver' },
      { id: 'sent', type: 'message', text: 'Done: your message to {{entities.receiver}} is {{result.status}}.' },
    ],
    installedFrom: { template: 'send-sms', version: '1.0.0', hash: 'sha256-abc' },
  };
}

/** A JSON deep copy, so a test can break a dialog without touching the shared one. */
export function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * A parent dialog (a test fixture, not a template) that needs a verified number before it saves it: its dialog
 * node runs verify-phone-number with the number the user gave and branches on the typed outcome. docs/DIALOGS.md,
 * "Dialogs that run dialogs", shows the same dialog.
 */
export function updateContactTask(): DialogTask {
  return {
    id: 'update-contact',
    name: 'Update Contact Number',
    description: 'Saves a new contact number once it is verified.',
    start: 'intent',
    nodes: [
      { id: 'intent', type: 'intent', utterances: ['update my contact number'], next: 'number' },
      { id: 'number', type: 'entity', entity: 'number', entityType: 'phone', prompt: 'Which number should we reach you at?', next: 'verify' },
      {
        id: 'verify',
        type: 'dialog',
        dialog: 'verify-phone-number',
        input: { to: 'entities.number' },
        resultAs: 'verification',
        transitions: [
          { if: "result.outcome == 'approved'", then: 'save' },
          { if: "result.outcome == 'max_attempts'", then: 'tooManyAttempts' },
          { if: "result.outcome == 'expired'", then: 'expired' },
          { if: "result.outcome == 'canceled'", then: 'canceled' },
        ],
        next: 'failed',
      },
      { id: 'save', type: 'logic', set: { 'user.contactNumber': 'result.to' }, next: 'saved' },
      { id: 'saved', type: 'message', text: 'Saved {{user.contactNumber}} as your contact number.' },
      { id: 'tooManyAttempts', type: 'message', text: 'Too many attempts, so I did not save the number.', status: 'failed' },
      { id: 'expired', type: 'message', text: 'The code expired, so I did not save the number.', status: 'failed' },
      { id: 'canceled', type: 'message', text: 'OK, I did not save the number.', status: 'cancelled' },
      { id: 'failed', type: 'message', text: 'The number could not be verified ({{result.outcome}}), so I did not save it.', status: 'failed' },
    ],
  };
}

/**
 * Raw API calls as service nodes (twilioRequest): look up a message by its SID (a GET on the api domain, 20404
 * answered), or count the Verify Services (a GET on the verify domain). docs/DIALOGS.md, "Raw API calls", shows it.
 */
export function messageLookupTask(): DialogTask {
  return {
    id: 'message-lookup',
    name: 'Message Lookup',
    description: "Looks up a message's status by its SID, or counts the Verify Services.",
    start: 'intent',
    nodes: [
      { id: 'intent', type: 'intent', utterances: ['look up a message', 'count my verify services'], next: 'what' },
      {
        id: 'what',
        type: 'entity',
        entity: 'what',
        entityType: 'enum',
        values: [{ value: 'message' }, { value: 'services' }],
        prompt: 'A message or the Verify Services?',
        transitions: [{ if: "entities.what == 'services'", then: 'listServices' }],
        next: 'sid',
      },
      { id: 'sid', type: 'entity', entity: 'sid', entityType: 'text', maxLength: 34, prompt: 'Which message? Give its SID (SM…).', next: 'fetch' },
      {
        id: 'fetch',
        type: 'service',
        operation: 'twilioRequest',
        input: { method: "'GET'", domain: "'api'", path: "'/2010-04-01/Accounts/{AccountSid}/Messages/' + entities.sid + '.json'" },
        transitions: [
          { if: 'error.code == 20404', then: 'notFound' },
          { if: 'error != null', then: 'failed' },
        ],
        next: 'found',
      },
      { id: 'found', type: 'message', text: 'The message to {{mask(result.body.to)}} is {{result.body.status}} (HTTP {{result.status}}).' },
      { id: 'notFound', type: 'message', text: 'Twilio has no message {{entities.sid}}.', next: 'sid' },
      {
        id: 'listServices',
        type: 'service',
        operation: 'twilioRequest',
        input: { method: "'GET'", domain: "'verify'", path: "'/v2/Services'", params: { PageSize: '20' } },
        transitions: [{ if: 'error != null', then: 'failed' }],
        next: 'services',
      },
      { id: 'services', type: 'message', text: 'You have {{len(result.body.services)}} Verify Service(s), the first "{{result.body.services[0].friendly_name}}".' },
      { id: 'failed', type: 'message', text: 'That did not work: {{error.userMessage}}', status: 'failed' },
    ],
  };
}
