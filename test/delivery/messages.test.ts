import assert from 'node:assert/strict';
import { MessageLedger } from '../../src/delivery/messages';
import { openStore, type PutOptions, type Store } from '../../src/store';

const ACCOUNT = `AC${'a'.repeat(32)}`;
const SID = `SM${'1'.repeat(32)}`;
const CONVERSATION = { channelId: 'webchat', conversation: { id: 'c1', isGroup: false, conversationType: '', name: '' }, serviceUrl: 'http://127.0.0.1:9' };

describe('MessageLedger', () => {
  let store: Store;
  let clock: number;
  let ledger: MessageLedger;

  beforeEach(async () => {
    clock = Date.parse('2030-01-01T00:00:00Z');
    store = await openStore({ filename: ':memory:', now: () => new Date(clock) });
    ledger = new MessageLedger({ store, now: () => new Date(clock) });
    await ledger.recordSent({ sid: SID, accountSid: ACCOUNT, to: '+14155550123', status: 'queued', sender: { kind: 'action' }, conversation: CONVERSATION, proactive: false });
  });
  afterEach(async () => {
    await store.close();
  });

  const apply = (status: 'sent' | 'delivered' | 'undelivered' | 'queued', errorCode: number | null = null, accountSid = ACCOUNT, sid = SID) =>
    ledger.applyStatus({ sid, accountSid, status, errorCode });

  it("records a sent SMS without a disk flush of its own (the turn's state commit right after flushes it)", async () => {
    const options: (PutOptions | undefined)[] = [];
    const noting = Object.assign(Object.create(store) as Store, {
      put: (namespace: string, key: string, value: unknown, opts?: PutOptions) => {
        options.push(opts);
        return store.put(namespace, key, value, opts);
      },
    });
    await new MessageLedger({ store: noting, now: () => new Date(clock) }).recordSent({
      sid: `SM${'2'.repeat(32)}`, accountSid: ACCOUNT, to: '+14155550124', status: 'queued', sender: { kind: 'action' }, conversation: CONVERSATION, proactive: false,
    });
    assert.deepEqual(options.map((o) => o?.ephemeral), [true]);
    assert.equal((await ledger.get(`SM${'2'.repeat(32)}`))?.status, 'queued', 'and it reads back at once');
  });

  it('keeps the number masked and no body', async () => {
    const record = await ledger.get(SID);
    assert.equal(record?.to, '…0123');
    assert.doesNotMatch(JSON.stringify(record), /4155550123|body/);
  });

  it('moves forward through sent to delivered and says when it became final', async () => {
    const sent = await apply('sent');
    assert.equal(sent.kind === 'advanced' && sent.final, false);
    const delivered = await apply('delivered');
    assert.equal(delivered.kind === 'advanced' && delivered.final, true);
    assert.deepEqual((await ledger.get(SID))?.history.map((h) => h.status), ['queued', 'sent', 'delivered']);
  });

  it('changes nothing for a repeat or a status that arrives late', async () => {
    await apply('delivered');
    assert.equal((await apply('delivered')).kind, 'unchanged');
    assert.equal((await apply('sent')).kind, 'unchanged');
    assert.equal((await ledger.get(SID))?.status, 'delivered');
  });

  it('ignores an unknown SID and a report for another account', async () => {
    assert.equal((await apply('sent', null, ACCOUNT, `SM${'9'.repeat(32)}`)).kind, 'unknown');
    assert.equal((await apply('sent', null, `AC${'b'.repeat(32)}`)).kind, 'unknown');
    assert.equal((await ledger.get(SID))?.status, 'queued');
  });

  it('keeps the error code of an undelivered message', async () => {
    await apply('undelivered', 30003);
    assert.deepEqual([(await ledger.get(SID))?.status, (await ledger.get(SID))?.errorCode], ['undelivered', 30003]);
  });

  it("hands a queued notice to the conversation's next turn once", async () => {
    await apply('delivered');
    const record = await ledger.get(SID);
    assert.ok(record);
    await ledger.queueNotice(record, 'Your message to …0123 was delivered.');
    assert.deepEqual(await ledger.takeNotices(CONVERSATION), ['Your message to …0123 was delivered.']);
    assert.deepEqual(await ledger.takeNotices(CONVERSATION), []);
    assert.equal((await ledger.get(SID))?.notified, true);
  });

  it('lists recent messages newest first', async () => {
    clock += 1000;
    await ledger.recordSent({ sid: `SM${'2'.repeat(32)}`, accountSid: ACCOUNT, to: '+14155550199', status: 'queued', sender: { kind: 'action' }, conversation: CONVERSATION, proactive: false });
    assert.deepEqual((await ledger.recent()).map((m) => m.to), ['…0199', '…0123']);
  });

  it('forgets messages after the retention time', async () => {
    clock += 31 * 24 * 3600_000;
    assert.equal(await ledger.get(SID), undefined);
  });
});
