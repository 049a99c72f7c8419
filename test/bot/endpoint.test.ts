import assert from 'node:assert/strict';
import type { Activity } from 'botbuilder';
import restify from 'restify';
import { RecordingLogger } from '../support/conversation';
import { closeServer, listen } from '../support/http';
import { crashingAdapter, startWorld, type BotWorld } from '../support/world';
import { IDLE_RUNTIME, memoryBot, ROUTING_TASKS } from './fixtures';

function activity(text: string, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    type: 'message',
    id: 'incoming-1',
    text,
    channelId: 'emulator',
    from: { id: 'user-1', name: 'User' },
    recipient: { id: 'bot', name: 'Bot' },
    conversation: { id: 'conversation-1' },
    ...extra,
  };
}

const LOOPBACK = { deliveryMode: 'expectReplies', serviceUrl: 'http://127.0.0.1:9' };

describe('POST /api/messages', () => {
  let world: BotWorld;
  let url: string;
  let logger: RecordingLogger;

  beforeEach(async () => {
    logger = new RecordingLogger();
    world = await startWorld({ stack: 'bot', bot: { bot: memoryBot({ runtime: IDLE_RUNTIME, dialogs: ROUTING_TASKS }), logger } });
    url = world.url;
  });

  const post = async (body: unknown) => {
    const res = await fetch(`${url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', text, json: JSON.parse(text || 'null') as unknown };
  };
  const errorOf = (reply: { json: unknown }) => (reply.json as { error: { code: string; message: string; details: Array<{ path: string }> } }).error;
  afterEach(async () => world.close());

  it('answers in the response body with deliveryMode expectReplies', async () => {
    const res = await fetch(`${url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(activity('send an sms', { deliveryMode: 'expectReplies', serviceUrl: 'http://127.0.0.1:9' })),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { activities: Partial<Activity>[] };
    assert.deepEqual(
      body.activities.map((a) => a.text),
      ['Which phone number should I text?'],
    );
  });

  it("posts replies to the activity's serviceUrl in normal delivery", async () => {
    const received: Array<{ path: string; body: Partial<Activity> }> = [];
    const connector = restify.createServer({ name: 'fake-channel' });
    connector.use(restify.plugins.bodyParser({ mapParams: false }));
    connector.post('/v3/conversations/:conversationId/activities/:activityId', async (req, res) => {
      received.push({ path: req.path(), body: req.body as Partial<Activity> });
      res.send(200, { id: `reply-${received.length}` });
    });
    const serviceUrl = await listen(connector);
    try {
      const res = await fetch(`${url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(activity('help', { serviceUrl })),
      });
      assert.ok(res.status >= 200 && res.status < 300, `status ${res.status}`);
      assert.equal(received.length, 1);
      assert.equal(received[0]?.path, '/v3/conversations/conversation-1/activities/incoming-1');
      assert.match(received[0]?.body.text ?? '', /^Here is what I can do:/);
      assert.equal(received[0]?.body.replyToId, 'incoming-1');
    } finally {
      await closeServer(connector);
    }
  });

  it('refuses a body that is not JSON', async () => {
    const res = await fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' });
    assert.equal(res.status, 415);
    const bad = await fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    assert.equal(bad.status, 400);
  });

  it('refuses a numeric text mid-dialog with a 400 and keeps the dialog where it was', async () => {
    const ask = await post(activity('send an sms', LOOPBACK));
    assert.equal(ask.status, 200);
    const bad = await post(activity('', { ...LOOPBACK, text: 4155550100 }));
    assert.equal(bad.status, 400);
    assert.match(bad.type, /^application\/json/);
    assert.equal(errorOf(bad).code, 'invalid_activity');
    assert.match(errorOf(bad).message, /\/text must be string/);
    const next = await post(activity('+14155550100', LOOPBACK));
    assert.deepEqual(
      (next.json as { activities: Partial<Activity>[] }).activities.map((a) => a.text),
      ['I would text +14155550100.'],
    );
  });

  for (const [name, body, fragment] of [
    ['an array', [], 'must be a JSON object'],
    ['null', null, 'must be a JSON object'],
    ['a string', 'hello', 'must be a JSON object'],
    ['no type', { ...activity('hi', LOOPBACK), type: undefined }, '/type is required'],
    ['an empty type', activity('hi', { ...LOOPBACK, type: '' }), '/type must NOT have fewer than 1 characters'],
    ['a numeric conversation id', activity('hi', { ...LOOPBACK, conversation: { id: 7 } }), '/conversation/id must be string'],
    ['no from', { ...activity('hi', LOOPBACK), from: undefined }, '/from is required'],
    ['a numeric channelId', activity('hi', { ...LOOPBACK, channelId: 1 }), '/channelId must be string'],
  ] as const) {
    it(`answers 400 invalid_activity to ${name}, saying what is wrong, without botbuilder's text`, async () => {
      const reply = await post(body);
      assert.equal(reply.status, 400, reply.text);
      assert.equal(errorOf(reply).code, 'invalid_activity');
      assert.ok(errorOf(reply).message.includes(fragment), errorOf(reply).message);
      assert.doesNotMatch(reply.text, /req\.body|middleware|zod/i);
    });
  }

  it('refuses a serviceUrl off loopback in anonymous mode, saying what to set', async () => {
    for (const serviceUrl of ['https://attacker.example', 'http://10.0.0.5:3978', 'http://127.0.0.1.nip.io', 'file:///etc/passwd']) {
      const reply = await post(activity('help', { serviceUrl }));
      assert.equal(reply.status, 400, serviceUrl);
      assert.equal(errorOf(reply).code, 'service_url_not_allowed');
      assert.match(errorOf(reply).message, /MicrosoftAppId/);
    }
    for (const serviceUrl of ['http://localhost:9', 'http://[::1]:9', 'http://127.1.2.3:9']) {
      const reply = await post(activity('help', { deliveryMode: 'expectReplies', serviceUrl }));
      assert.equal(reply.status, 200, `${serviceUrl}: ${reply.text}`);
    }
  });

  it('accepts any serviceUrl in anonymous mode when the replies come back in the body (expectReplies), as a chat page on a public address sends', async () => {
    const reply = await post(activity('help', { deliveryMode: 'expectReplies', serviceUrl: 'https://bot.example.com' }));
    assert.equal(reply.status, 200, reply.text);
    assert.match(reply.text, /Here is what I can do/);
  });

  it('logs a 5xx and answers it in the one error format without the internal text', async () => {
    const failingLogger = new RecordingLogger();
    // An adapter whose last-resort handler gives up: botbuilder then answers 500 with the error's message.
    const failing = await startWorld({
      stack: 'bot',
      bot: {
        bot: {
          run: async () => {
            throw new Error('secret internal detail');
          },
        },
        adapter: crashingAdapter(),
        logger: failingLogger,
      },
    });
    const failingUrl = failing.url;
    try {
      const res = await fetch(`${failingUrl}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(activity('help', LOOPBACK)),
      });
      const text = await res.text();
      assert.equal(res.status, 500);
      assert.doesNotMatch(text, /secret internal detail/);
      assert.equal((JSON.parse(text) as { error: { code: string } }).error.code, 'internal_error');
      assert.ok(failingLogger.lines.some((l) => l.startsWith('error the bot endpoint failed')), failingLogger.lines.join('\n'));
    } finally {
      await failing.close();
    }
  });

  it("logs an invoke answered with a 5xx and answers it in the one error format, without the bot's own body", async () => {
    const failingLogger = new RecordingLogger();
    const invoking = await startWorld({
      stack: 'bot',
      bot: {
        bot: {
          run: async (turn) => {
            await turn.sendActivity({ type: 'invokeResponse', value: { status: 503, body: { detail: 'secret internal detail' } } });
          },
        },
        logger: failingLogger,
      },
    });
    try {
      const res = await fetch(`${invoking.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...activity('', { serviceUrl: 'http://127.0.0.1:9' }), type: 'invoke', name: 'test/ping' }),
      });
      const text = await res.text();
      assert.equal(res.status, 500);
      assert.doesNotMatch(text, /secret internal detail/);
      assert.equal((JSON.parse(text) as { error: { code: string } }).error.code, 'internal_error');
      assert.ok(failingLogger.lines.some((l) => l.startsWith('error the bot endpoint failed')), failingLogger.lines.join('\n'));
    } finally {
      await invoking.close();
    }
  });

  it('refuses unauthenticated requests when a Microsoft App Id is configured', async () => {
    const secured = await startWorld({
      stack: 'bot',
      bot: {
        bot: memoryBot({ runtime: IDLE_RUNTIME, dialogs: ROUTING_TASKS }),
        auth: { MicrosoftAppId: '00000000-0000-0000-0000-000000000001', MicrosoftAppPassword: 'not-a-real-secret' },
      },
    });
    const securedUrl = secured.url;
    try {
      const res = await fetch(`${securedUrl}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(activity('help', { deliveryMode: 'expectReplies', serviceUrl: 'http://127.0.0.1:9' })),
      });
      assert.equal(res.status, 401);
    } finally {
      await secured.close();
    }
  });
});
