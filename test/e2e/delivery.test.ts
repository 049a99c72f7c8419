/**
 * Both delivery modes of `POST /api/messages` on the real server: `expectReplies` (replies in the response body) and
 * normal delivery (replies POSTed to the activity's serviceUrl, as the Bot Framework Emulator and channels use it).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ManualClock } from '../../src/emulator';
import { ALICE_PHONE, delayNextSmsReply, startWorld, type World } from '../support/world';
import type { FakeChannel } from '../support/http';

function activity(conversationId: string, fields: Record<string, unknown>): Record<string, unknown> {
  return {
    id: randomUUID(),
    timestamp: new Date().toISOString(),
    channelId: 'emulator',
    from: { id: 'user-delivery', name: 'Dee', role: 'user' },
    recipient: { id: 'bot', name: 'Bot' },
    conversation: { id: conversationId },
    locale: 'en-US',
    ...fields,
  };
}

async function postActivity(url: string, body: Record<string, unknown>): Promise<{ status: number; text: string }> {
  const res = await fetch(`${url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

describe('end to end: the delivery modes of /api/messages', function () {
  this.timeout(30_000);
  let world: World;
  let channel: FakeChannel;

  beforeEach(async () => {
    world = await startWorld({ channel: true });
    channel = world.channel;
  });
  afterEach(async () => {
    await world?.close();
  });

  it('answers expectReplies with the replies in the response body', async () => {
    const conversation = randomUUID();
    const res = await postActivity(
      world.url,
      activity(conversation, { type: 'message', text: 'send an sms', deliveryMode: 'expectReplies', serviceUrl: 'http://127.0.0.1:9' }),
    );
    assert.equal(res.status, 200);
    const body = JSON.parse(res.text) as { activities: { type: string; text?: string; conversation?: { id: string } }[] };
    assert.equal(body.activities.length, 1);
    assert.equal(body.activities[0]?.type, 'message');
    assert.match(body.activities[0]?.text ?? '', /Which phone number should I text\?/);
    assert.equal(body.activities[0]?.conversation?.id, conversation);
  });

  it('posts the replies to the serviceUrl under /v3/conversations/{id}/activities/ in normal delivery', async () => {
    const conversation = `conv-${randomUUID()}`;
    const greet = activity(conversation, {
      type: 'conversationUpdate',
      membersAdded: [{ id: 'user-delivery', name: 'Dee' }],
      serviceUrl: channel.url,
    });
    const first = await postActivity(world.url, greet);
    assert.ok(first.status >= 200 && first.status < 300, `HTTP ${first.status}: ${first.text}`);
    assert.doesNotMatch(first.text, /activities/, 'normal delivery answers no replies in the body');
    await channel.waitFor(1);

    const ask = activity(conversation, { type: 'message', text: 'send an sms', serviceUrl: channel.url });
    const second = await postActivity(world.url, ask);
    assert.ok(second.status >= 200 && second.status < 300, `HTTP ${second.status}: ${second.text}`);
    await channel.waitFor(2);

    const [greeting, prompt] = channel.received;
    const prefix = `/v3/conversations/${encodeURIComponent(conversation)}/activities/`;
    assert.ok(greeting?.path.startsWith(prefix), `greeting went to ${greeting?.path}`);
    assert.match(String(greeting?.body.text), /I can help you with: .*Send SMS/);
    assert.equal(prompt?.path, `${prefix}${encodeURIComponent(String(ask.id))}`);
    assert.match(String(prompt?.body.text), /Which phone number should I text\?/);
    assert.equal(prompt?.body.replyToId, ask.id);
    assert.deepEqual(prompt?.body.conversation, { id: conversation });
    assert.equal((prompt?.body.recipient as { id?: string } | undefined)?.id, 'user-delivery');
  });
});

describe('end to end: an unknown outcome checked again in the background (serviceUrl channels)', function () {
  this.timeout(30_000);
  let world: World;
  let channel: FakeChannel;

  beforeEach(async () => {
    world = await startWorld({ env: { TURN_BUDGET_MS: '1500', TURN_RECHECK_MS: '300' }, clock: new ManualClock(new Date()), channel: true });
    channel = world.channel;
  });
  afterEach(async () => {
    await world?.close();
  });

  it('says at once that it cannot know yet, then tells the user proactively that Twilio did send it', async () => {
    const conversation = `conv-${randomUUID()}`;
    const say = (text: string) => postActivity(world.url, activity(conversation, { type: 'message', text, serviceUrl: channel.url }));
    await say('send an sms');
    await channel.waitFor(1);
    await say(ALICE_PHONE);
    await channel.waitFor(2);
    delayNextSmsReply(world.emulator, 3_000);
    await say('Slow but sent.');
    await channel.waitFor(4);
    const [, , unknown, update] = channel.received;
    assert.match(String(unknown?.body.text), /didn't confirm whether that went out/);
    assert.equal(String(update?.body.text), 'Update: Twilio confirmed that your message went out.');
    assert.equal(world.emulator.outbox().filter((m) => m.body === 'Slow but sent.').length, 1);
  });
});
