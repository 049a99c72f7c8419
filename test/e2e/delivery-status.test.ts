/**
 * Delivery you can see, end to end over HTTP: the bot asks Twilio (the emulator) for status callbacks, the emulator
 * posts them signed to /twilio/status, and the user hears the outcome (at the next turn with expectReplies,
 * proactively with a serviceUrl); the admin sees it in the audit log and /api/admin/messages.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ALICE_PHONE, startWorld, textOf, type World } from '../support/world';
import type { FakeChannel } from '../support/http';

const UNREACHABLE = '+15005550030';

describe('end to end: delivery status callbacks', function () {
  this.timeout(30_000);
  let world: World;

  beforeEach(async () => {
    world = await startWorld();
  });
  afterEach(async () => {
    await world.close();
  });

  async function sendSms(userId: string, to: string, body: string): Promise<string> {
    const chat = world.client(userId);
    await chat.say('send an sms');
    await chat.say(to);
    return textOf(await chat.say(body));
  }

  /** Twilio's clock moves past the message's end, and its callbacks reach the bot. */
  async function deliveryHappens(): Promise<void> {
    world.clock.advance(5);
    await world.emulator.deliverStatusCallbacks();
  }

  it('tells the user at their next turn that the SMS was delivered (expectReplies)', async () => {
    const chat = world.client('dana');
    await chat.say('send an sms');
    await chat.say(ALICE_PHONE);
    assert.match(textOf(await chat.say('Dinner at 8.')), /is on its way/);
    await deliveryHappens();
    const next = await chat.say('hi');
    assert.equal(next[0]?.text, 'Your message to …0123 was delivered.');
    assert.equal(textOf(await chat.say('hi')).includes('was delivered'), false, 'told once');
    const log = world.logLines.join('\n');
    assert.doesNotMatch(log, /Dinner at 8/, 'no message body in the log');
    assert.equal(log.includes(world.emulator.authToken), false, 'no Auth Token in the log');
  });

  it('says why an SMS was not delivered, and the admin sees it in the audit log and /api/admin/messages', async () => {
    const chat = world.client('erik');
    await chat.say('send an sms');
    await chat.say(UNREACHABLE);
    await chat.say('Are you there?');
    await deliveryHappens();
    assert.match(textOf(await chat.say('hi')), /Your message to …0030 wasn't delivered: the recipient's phone is unreachable/);

    const listed = await world.admin('GET', '/api/admin/messages');
    assert.equal(listed.status, 200);
    const messages = (listed.body as { messages: { to: string; status: string; errorCode: number | null; history: { status: string }[] }[] }).messages;
    assert.deepEqual(messages.map((m) => [m.to, m.status, m.errorCode]), [['…0030', 'undelivered', 30003]]);
    assert.deepEqual(messages[0]?.history.map((h) => h.status), ['queued', 'sent', 'undelivered']);
    assert.doesNotMatch(JSON.stringify(listed.body), /Are you there|5005550030/);

    const audit = await world.admin('GET', '/api/admin/audit');
    const entries = (audit.body as { entries: { action: string; outcome: string; target: string | null }[] }).entries;
    assert.deepEqual(entries.filter((e) => e.action === 'sms.delivery').map((e) => [e.outcome, e.target]), [['undelivered', '…0030']]);
  });

  it('answers every status callback the emulator sent with 200', async () => {
    await sendSms('fay', ALICE_PHONE, 'Counting answers.');
    await deliveryHappens();
    assert.deepEqual(world.emulator.statusCallbacks().map((c) => [c.status, c.answer]), [['sent', 200], ['delivered', 200]]);
  });

  it('refuses a forged status callback with 403 and changes nothing', async () => {
    await sendSms('gus', ALICE_PHONE, 'Not forged.');
    const [message] = world.emulator.outbox();
    const forged = await fetch(`${world.url}/twilio/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' },
      body: new URLSearchParams({ MessageSid: message?.sid ?? '', AccountSid: world.emulator.accountSid, MessageStatus: 'undelivered', ErrorCode: '30007' }).toString(),
    });
    assert.equal(forged.status, 403);
    const unsigned = await fetch(`${world.url}/twilio/status`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'MessageSid=x' });
    assert.equal(unsigned.status, 403);
    const listed = await world.admin('GET', '/api/admin/messages');
    assert.deepEqual((listed.body as { messages: { status: string }[] }).messages.map((m) => m.status), ['queued']);
  });
});

describe('end to end: /twilio/status refuses what is not a status callback', function () {
  this.timeout(30_000);
  let world: World;

  before(async () => {
    world = await startWorld();
  });
  after(async () => {
    await world.close();
  });

  const post = (body: string, type: string) =>
    fetch(`${world.url}/twilio/status`, { method: 'POST', headers: { 'content-type': type, 'x-twilio-signature': 'c2lnbmVk' }, body });

  it('answers 415 to a body that is not a form', async () => {
    const res = await post(JSON.stringify({ MessageSid: 'SM' }), 'application/json');
    assert.equal(res.status, 415);
    assert.match(await res.text(), /application\/x-www-form-urlencoded/);
  });

  it('answers 413 to an oversized body without reading it all', async () => {
    const res = await post(`MessageSid=${'x'.repeat(20_000)}`, 'application/x-www-form-urlencoded');
    assert.equal(res.status, 413);
  });

  it('answers 400 to a form that repeats a field', async () => {
    const res = await post('MessageSid=a&MessageSid=b', 'application/x-www-form-urlencoded');
    assert.equal(res.status, 400);
    assert.match(await res.text(), /repeats MessageSid/);
  });
});

describe('end to end: delivery told proactively (serviceUrl channels)', function () {
  this.timeout(30_000);
  let world: World;
  let channel: FakeChannel;

  beforeEach(async () => {
    world = await startWorld({ channel: true });
    channel = world.channel;
  });
  afterEach(async () => {
    await world.close();
  });

  it('tells the user in the conversation as soon as the SMS was delivered', async () => {
    const conversation = `conv-${randomUUID()}`;
    const say = async (text: string) => {
      const res = await fetch(`${world.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          type: 'message',
          id: randomUUID(),
          text,
          channelId: 'emulator',
          serviceUrl: channel.url,
          from: { id: 'hana' },
          recipient: { id: 'bot' },
          conversation: { id: conversation },
        }),
      });
      assert.ok(res.status < 300, `HTTP ${res.status}`);
    };
    await say('send an sms');
    await channel.waitFor(1);
    await say(ALICE_PHONE);
    await channel.waitFor(2);
    await say('Proactive, please.');
    await channel.waitFor(3);
    world.clock.advance(5);
    await world.emulator.deliverStatusCallbacks();
    await channel.waitFor(4);
    assert.equal(channel.received[3]?.body.text, 'Your message to …0123 was delivered.');
  });
});
