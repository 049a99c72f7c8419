/**
 * The status callback receiver without HTTP: the n8n matrix on a stored message (valid, wrong, missing, tampered,
 * another URL, another account's token), replays and out-of-order statuses, unknown SIDs, and how the sender is told.
 */
import assert from 'node:assert/strict';
import { MessageLedger } from '../../src/delivery/messages';
import { receiveStatusCallback, type StatusCallbackDeps, type StatusCallbackRequest } from '../../src/delivery/receiver';
import { twilioSignature } from '../../src/emulator/callbacks';
import { openStore, type Store } from '../../src/store';

const ACCOUNT = `AC${'a'.repeat(32)}`;
const TOKEN = 'f'.repeat(32);
const SID = `SM${'1'.repeat(32)}`;
const URL_CALLED = 'https://bot.example.com/twilio/status';
const CONVERSATION = { channelId: 'webchat', conversation: { id: 'c1', isGroup: false, conversationType: '', name: '' }, serviceUrl: 'http://127.0.0.1:9' };

describe('status callback receiver', () => {
  let store: Store;
  let ledger: MessageLedger;
  let told: string[];
  let audited: string[];
  let proactiveWorks: boolean;

  const deps = (): StatusCallbackDeps => ({
    ledger,
    authTokenFor: async (sender) => (sender.kind === 'action' ? TOKEN : undefined),
    proactive: async (_conversation, text) => {
      if (proactiveWorks) told.push(text);
      return proactiveWorks;
    },
    audit: async (entry) => {
      audited.push(`${entry.action}:${entry.outcome}:${entry.target ?? ''}`);
    },
  });
  const callback = (status: string, extra: Record<string, string> = {}, token = TOKEN) => {
    const url = URL_CALLED;
    const params = { MessageSid: SID, AccountSid: ACCOUNT, MessageStatus: status, To: '+14155550123', ...extra };
    return { url, params, signature: twilioSignature(token, url, params) };
  };

  beforeEach(async () => {
    store = await openStore({ filename: ':memory:' });
    ledger = new MessageLedger({ store });
    told = [];
    audited = [];
    proactiveWorks = true;
    await ledger.recordSent({ sid: SID, accountSid: ACCOUNT, to: '+14155550123', status: 'queued', sender: { kind: 'action' }, conversation: CONVERSATION, proactive: true });
  });
  afterEach(async () => {
    await store.close();
  });

  it('applies a signed callback', async () => {
    assert.deepEqual(await receiveStatusCallback(deps(), callback('sent')), { status: 200, outcome: 'applied', message: 'Now sent.' });
  });

  const refused: [string, () => StatusCallbackRequest][] = [
    ['a wrong signature', () => ({ ...callback('delivered'), signature: 'bm90IGEgc2lnbmF0dXJl' })],
    ['a missing signature', () => ({ ...callback('delivered'), signature: undefined })],
    ['a body tampered after signing', () => ({ ...callback('delivered'), params: { ...callback('delivered').params, MessageStatus: 'failed' } })],
    ['a URL other than the one signed (a proxy without PUBLIC_BASE_URL)', () => ({ ...callback('delivered'), url: 'http://10.0.0.7:3978/twilio/status' })],
    ["another account's token", () => callback('delivered', {}, 'e'.repeat(32))],
  ];
  for (const [name, request] of refused) {
    it(`refuses ${name} with 403 and changes nothing`, async () => {
      const answer = await receiveStatusCallback(deps(), request());
      assert.equal(answer.status, 403);
      assert.equal((await ledger.get(SID))?.status, 'queued');
      assert.deepEqual(told, []);
    });
  }

  it('answers 200 to an unknown SID and stores nothing', async () => {
    const other = { ...callback('delivered'), params: { ...callback('delivered').params, MessageSid: `SM${'2'.repeat(32)}` } };
    assert.equal((await receiveStatusCallback(deps(), other)).outcome, 'ignored');
    assert.equal(await ledger.get(`SM${'2'.repeat(32)}`), undefined);
  });

  it('answers 400 to a form that names no message or an unknown status', async () => {
    assert.equal((await receiveStatusCallback(deps(), { url: URL_CALLED, params: {}, signature: 'x' })).status, 400);
    assert.equal((await receiveStatusCallback(deps(), callback('exploded'))).status, 400);
  });

  it('tells the sender once, proactively, and audits the outcome, however often and in whatever order callbacks come', async () => {
    await receiveStatusCallback(deps(), callback('delivered'));
    await receiveStatusCallback(deps(), callback('sent'));
    await receiveStatusCallback(deps(), callback('delivered'));
    assert.deepEqual(told, ['Your message to …0123 was delivered.']);
    assert.deepEqual(audited, ['sms.delivery:delivered:…0123']);
    assert.equal((await ledger.get(SID))?.status, 'delivered');
  });

  it('keeps the outcome for the next turn when the proactive message cannot go out, with the reason in words', async () => {
    proactiveWorks = false;
    await receiveStatusCallback(deps(), callback('undelivered', { ErrorCode: '30003' }));
    assert.deepEqual(await ledger.takeNotices(CONVERSATION), [
      "Your message to …0123 wasn't delivered: the recipient's phone is unreachable (switched off or out of coverage); try again later.",
    ]);
  });

  it('refuses callbacks for a message sent with credentials whose Auth Token is unknown (API key)', async () => {
    const sid = `SM${'3'.repeat(32)}`;
    await ledger.recordSent({ sid, accountSid: ACCOUNT, to: '+14155550123', status: 'queued', sender: { kind: 'user', channelId: 'webchat', userId: 'u1' }, conversation: CONVERSATION, proactive: true });
    const params = { ...callback('delivered').params, MessageSid: sid };
    assert.equal((await receiveStatusCallback(deps(), { url: URL_CALLED, params, signature: twilioSignature(TOKEN, URL_CALLED, params) })).status, 403);
  });
});
