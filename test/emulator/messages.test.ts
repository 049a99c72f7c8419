import assert from 'node:assert/strict';
import { rejectsWith, startHarness, type Harness } from '../support/emulator';

const FROM = '+15005550006';
const TO = '+14155550123';

describe('emulator: 2010 API (account and Messages)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
    assert.ok(h.exchanges.length > 0);
    assert.deepEqual(h.problems, []);
  });

  it('fetches the account (the authorization check) with RFC 2822 dates', async () => {
    const account = await h.client.api.v2010.accounts(h.emulator.accountSid).fetch();
    assert.equal(account.sid, h.emulator.accountSid);
    assert.equal(account.status, 'active');
    assert.equal(account.type, 'Full');
    const body = JSON.parse(h.exchanges.at(-1)?.body ?? '{}') as { date_created: string; uri: string };
    assert.equal(body.date_created, 'Sun, 22 Nov 2026 02:05:36 +0000');
    assert.equal(body.uri, `/2010-04-01/Accounts/${h.emulator.accountSid}.json`);
  });

  it('sends an SMS: queued on create, in the outbox, sent after 1 s and delivered after 3 s on fetch', async () => {
    const message = await h.client.messages.create({ to: TO, from: FROM, body: 'Hello from the bot' });
    assert.match(message.sid, /^SM[0-9a-f]{32}$/);
    assert.equal(message.status, 'queued');
    assert.equal(message.direction, 'outbound-api');
    assert.equal(message.numSegments, '1');
    assert.equal(message.accountSid, h.emulator.accountSid);
    assert.deepEqual(h.emulator.outbox(), [
      { sid: message.sid, to: TO, from: FROM, channel: 'sms', body: 'Hello from the bot', date_created: '2026-11-22T02:05:36Z' },
    ]);
    assert.equal((await h.client.messages(message.sid).fetch()).status, 'queued');
    h.emulator.clock.advance(1);
    assert.equal((await h.client.messages(message.sid).fetch()).status, 'sent');
    h.emulator.clock.advance(2);
    const fetched = await h.client.messages(message.sid).fetch();
    assert.equal(fetched.status, 'delivered');
    assert.equal(fetched.body, 'Hello from the bot');
  });

  it('sends through a Messaging Service SID without From', async () => {
    const mg = `MG${'a'.repeat(32)}`;
    const message = await h.client.messages.create({ to: TO, messagingServiceSid: mg, body: 'Hi' });
    assert.equal(message.messagingServiceSid, mg);
    assert.equal(message.from, null);
    assert.equal(h.emulator.outbox().at(-1)?.from, mg);
  });

  it('counts segments: GSM-7 splits at 153 characters, UCS-2 at 67', async () => {
    const gsm = await h.client.messages.create({ to: TO, from: FROM, body: 'a'.repeat(161) });
    assert.equal(gsm.numSegments, '2');
    const ucs = await h.client.messages.create({ to: TO, from: FROM, body: 'é€😀'.repeat(30) });
    assert.equal(ucs.numSegments, '2');
  });

  it('accepts a body of exactly 1600 characters and rejects 1601 with 21617', async () => {
    await h.client.messages.create({ to: TO, from: FROM, body: 'x'.repeat(1600) });
    await rejectsWith(h.client.messages.create({ to: TO, from: FROM, body: 'x'.repeat(1601) }), 21617, 400);
  });

  it('counts the 1600 limit in characters: 900 emoji are 900 characters in 28 segments; 1601 emoji are too many', async () => {
    const emoji = await h.client.messages.create({ to: TO, from: FROM, body: '😀'.repeat(900) });
    assert.equal(emoji.numSegments, '28');
    await h.client.messages.create({ to: TO, from: FROM, body: '😀'.repeat(1600) });
    await rejectsWith(h.client.messages.create({ to: TO, from: FROM, body: '😀'.repeat(1601) }), 21617, 400);
  });

  it('rejects a message without Body with 21602', async () => {
    const res = await h.raw('POST', `/2010-04-01/Accounts/${h.emulator.accountSid}/Messages.json`, { To: TO, From: FROM });
    assert.equal(res.status, 400);
    assert.equal((res.body as { code: number }).code, 21602);
  });

  it('rejects a message without To (21604) or without From and MessagingServiceSid (21603)', async () => {
    const path = `/2010-04-01/Accounts/${h.emulator.accountSid}/Messages.json`;
    assert.equal(((await h.raw('POST', path, { From: FROM, Body: 'x' })).body as { code: number }).code, 21604);
    assert.equal(((await h.raw('POST', path, { To: TO, Body: 'x' })).body as { code: number }).code, 21603);
  });

  it('rejects a To that is not a phone number with 21211', async () => {
    await rejectsWith(h.client.messages.create({ to: '0415 555 0123', from: FROM, body: 'x' }), 21211, 400);
  });

  const magicTo: Array<[string, number]> = [
    ['+15005550001', 21211],
    ['+15005550002', 21612],
    ['+15005550003', 21408],
    ['+15005550004', 21610],
    ['+15005550009', 21614],
    ['+15005550013', 21608],
  ];
  for (const [to, code] of magicTo) {
    it(`answers ${code} for the magic To ${to} and sends nothing`, async () => {
      await rejectsWith(h.client.messages.create({ to, from: FROM, body: 'x' }), code, 400);
      assert.equal(h.emulator.outbox().length, 0);
    });
  }

  const magicFrom: Array<[string, number]> = [
    ['+15005550001', 21212],
    ['+15005550007', 21606],
    ['+15005550008', 21611],
  ];
  for (const [from, code] of magicFrom) {
    it(`answers ${code} for the magic From ${from}`, async () => {
      await rejectsWith(h.client.messages.create({ to: TO, from, body: 'x' }), code, 400);
    });
  }

  it('answers 20404 for an unknown message', async () => {
    await rejectsWith(h.client.messages(`SM${'0'.repeat(32)}`).fetch(), 20404, 404);
  });

  it('deletes a message with 204', async () => {
    const message = await h.client.messages.create({ to: TO, from: FROM, body: 'bye' });
    assert.equal(await h.client.messages(message.sid).remove(), true);
    await rejectsWith(h.client.messages(message.sid).fetch(), 20404, 404);
  });

  it('lists messages newest first with 2010 paging metadata, and the SDK follows next_page_uri', async () => {
    for (let i = 0; i < 5; i += 1) {
      await h.client.messages.create({ to: TO, from: FROM, body: `m${i}` });
      h.clock.advance(1);
    }
    const path = `/2010-04-01/Accounts/${h.emulator.accountSid}/Messages.json`;
    const page = await h.raw('GET', `${path}?To=${encodeURIComponent(TO)}&PageSize=2&Page=1`);
    const body = page.body as Record<string, unknown> & { messages: Array<{ body: string }> };
    assert.deepEqual(
      body.messages.map((m) => m.body),
      ['m2', 'm1'],
    );
    assert.equal(body['page'], 1);
    assert.equal(body['page_size'], 2);
    assert.equal(body['start'], 2);
    assert.equal(body['end'], 3);
    assert.equal(body['uri'], `${path}?To=%2B14155550123&PageSize=2&Page=1`);
    assert.equal(body['first_page_uri'], `${path}?To=%2B14155550123&PageSize=2&Page=0`);
    assert.match(String(body['next_page_uri']), new RegExp(`^${path.replace(/\./g, '\\.')}\\?To=%2B14155550123&PageSize=2&Page=2&PageToken=PASM[0-9a-f]{32}$`));
    assert.match(String(body['previous_page_uri']), /Page=0&PageToken=PBSM/);
    const all = await h.client.messages.list({ to: TO, pageSize: 2 });
    assert.deepEqual(
      all.map((m) => m.body),
      ['m4', 'm3', 'm2', 'm1', 'm0'],
    );
  });

  it('answers an empty list with start 0, end 0 and no next page', async () => {
    const res = await h.raw('GET', `/2010-04-01/Accounts/${h.emulator.accountSid}/Messages.json`);
    const body = res.body as Record<string, unknown>;
    assert.deepEqual(body['messages'], []);
    assert.equal(body['start'], 0);
    assert.equal(body['end'], 0);
    assert.equal(body['next_page_uri'], null);
    assert.equal(body['previous_page_uri'], null);
  });

  it('filters the list by From', async () => {
    await h.client.messages.create({ to: TO, from: FROM, body: 'one' });
    await h.client.messages.create({ to: TO, from: '+14155559999', body: 'two' });
    const list = await h.client.messages.list({ from: '+14155559999' });
    assert.deepEqual(
      list.map((m) => m.body),
      ['two'],
    );
  });
});
