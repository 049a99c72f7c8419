import assert from 'node:assert/strict';
import type { Activity } from 'botbuilder';
import restify from 'restify';
import { registerBotRoutes } from '../../src/bot';
import type { ActionRuntime } from '../../src/dialogs';
import { closeServer, listen, memoryBot, ROUTING_TASKS } from './harness';

const idleRuntime: ActionRuntime = {
  resolveGateway: async () => ({ kind: 'not-configured' }),
  publicConfig: async () => ({}),
  requestUserAuthorization: async () => {},
  reportAuthFailure: async () => {},
  audit: async () => {},
};

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

describe('POST /api/messages', () => {
  let server: restify.Server;
  let url: string;

  beforeEach(async () => {
    server = restify.createServer({ name: 'bot-endpoint-test', handleUncaughtExceptions: false });
    registerBotRoutes(server, { bot: memoryBot({ runtime: idleRuntime, dialogs: ROUTING_TASKS }) });
    url = await listen(server);
  });
  afterEach(async () => closeServer(server));

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

  it('refuses unauthenticated requests when a Microsoft App Id is configured', async () => {
    const secured = restify.createServer({ name: 'bot-endpoint-secured' });
    registerBotRoutes(secured, {
      bot: memoryBot({ runtime: idleRuntime, dialogs: ROUTING_TASKS }),
      auth: { MicrosoftAppId: '00000000-0000-0000-0000-000000000001', MicrosoftAppPassword: 'not-a-real-secret' },
    });
    const securedUrl = await listen(secured);
    try {
      const res = await fetch(`${securedUrl}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(activity('help', { deliveryMode: 'expectReplies', serviceUrl: 'http://127.0.0.1:9' })),
      });
      assert.equal(res.status, 401);
    } finally {
      await closeServer(secured);
    }
  });
});
