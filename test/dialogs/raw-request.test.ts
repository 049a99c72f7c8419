/**
 * The raw API call (twilioRequest) as a dialog's service node, against the emulator: the gateway's credentials
 * fill {AccountSid}, results and Twilio errors (20404) branch the dialog, and each call is audited as
 * `twilio.request` with its method, domain and path only.
 */
import assert from 'node:assert/strict';
import { runOperation } from '../../src/twilio';
import { TaskChat, play, task, type TestRuntime, type Transcript } from '../support/conversation';
import { EmulatorFixture } from '../support/emulator';
import { messageLookupTask } from './fixtures';

describe('a raw API call (twilioRequest) as a dialog service node: conversations against the emulator', () => {
  const fx = new EmulatorFixture();
  before(() => fx.start());
  after(() => fx.stop());

  let sid = '';
  let runtime: TestRuntime;
  beforeEach(async () => {
    const sent = (await runOperation(fx.gateway, 'sendSms', { to: '+14155550123', from: '+15005550006', body: 'Hello' })) as { sid: string };
    sid = sent.sid;
    runtime = fx.runtime();
  });

  const rows: (Transcript & { audits: () => Record<string, unknown>[] })[] = [
    {
      title: 'GET a Message by its SID on the api domain ({AccountSid} filled in from the credentials)',
      turns: [
        ['look up a message', ['A message or the Verify Services?']],
        ['message', ['Which message? Give its SID (SM…).']],
        [() => sid, [/^The message to …0123 is (queued|sent|delivered) \(HTTP 200\)\.$/]],
      ],
      status: 'completed',
      audits: () => [{ method: 'GET', domain: 'api', path: `/2010-04-01/Accounts/{AccountSid}/Messages/${sid}.json`, outcome: 'ok' }],
    },
    {
      title: "a SID Twilio doesn't know (20404) branches to its own answer and asks again",
      turns: [
        ['look up a message', ['A message or the Verify Services?']],
        ['message', ['Which message? Give its SID (SM…).']],
        [`SM${'0'.repeat(32)}`, [`Twilio has no message SM${'0'.repeat(32)}.`, 'Which message? Give its SID (SM…).']],
        ['cancel', ['OK, I\'ve cancelled "Message Lookup".']],
      ],
      status: 'cancelled',
      audits: () => [{ method: 'GET', domain: 'api', path: `/2010-04-01/Accounts/{AccountSid}/Messages/SM${'0'.repeat(32)}.json`, outcome: 'error:20404' }],
    },
    {
      title: 'a value that would climb out of its segment (.. from what the user typed) is an error the dialog handles, not a call',
      turns: [
        ['look up a message', ['A message or the Verify Services?']],
        ['message', ['Which message? Give its SID (SM…).']],
        ['../../Calls', [/^That did not work: /]],
      ],
      status: 'failed',
      audits: () => [{ method: 'GET', domain: 'api', path: null, outcome: 'error:invalid_input' }],
    },
    {
      title: 'a value holding a "/" (a deeper resource the dialog never named) is refused, not called',
      turns: [
        ['look up a message', ['A message or the Verify Services?']],
        ['message', ['Which message? Give its SID (SM…).']],
        [`SM${"1".repeat(10)}/Media`, [/^That did not work: /]],
      ],
      status: 'failed',
      audits: () => [{ method: 'GET', domain: 'api', path: null, outcome: 'error:invalid_input' }],
    },
    {
      title: 'list Verify Services on the verify domain, with a query parameter',
      turns: [
        ['count my verify services', ['A message or the Verify Services?']],
        ['services', [/^You have [1-9]\d* Verify Service\(s\), the first "Acme"\.$/]],
      ],
      status: 'completed',
      audits: () => [{ method: 'GET', domain: 'verify', path: '/v2/Services', outcome: 'ok' }],
    },
  ];

  for (const row of rows) {
    it(row.title, async () => {
      const chat = new TaskChat({ tasks: [task(messageLookupTask())], runtime, clock: fx.clock });
      await play(chat, row);
      assert.deepEqual(
        runtime.audits.map((a) => ({ action: a.action, target: a.target, outcome: a.outcome, details: a.details })),
        row.audits().map(({ outcome, ...where }) => ({
          action: 'twilio.request',
          target: undefined,
          outcome,
          details: { dialog: 'message-lookup', node: where['domain'] === 'verify' ? 'listServices' : 'fetch', ...where },
        })),
      );
    });
  }

  it('never audits the parameters of a raw call', async () => {
    const chat = new TaskChat({ tasks: [task(messageLookupTask())], runtime, clock: fx.clock });
    await chat.say('count my verify services');
    await chat.say('services');
    assert.doesNotMatch(JSON.stringify(runtime.audits), /PageSize/);
  });
});
