import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import nock from 'nock';
import { BotClient, BotClientError, choiceOf, messageTextOf, normalizeBotUrl, suggestedActionsOf, type CardAction } from '../../src/chat';
import { startWorld, type ChatWorld } from '../support/world';

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address && typeof address === 'object');
  return address.port;
}

async function rejection(promise: Promise<unknown>): Promise<BotClientError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof BotClientError, `expected a BotClientError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to fail');
}

const texts = (activities: { type: string; text?: string }[]): string[] =>
  activities.filter((a) => a.type === 'message').map((a) => a.text ?? '');

describe('BotClient against a CloudAdapter bot', () => {
  let bot: ChatWorld;
  before(async () => {
    bot = await startWorld({ stack: 'chat' });
  });
  after(() => bot.close());

  it('starts a conversation, and the bot greets the user', async () => {
    const client = new BotClient({ baseUrl: bot.url, userId: 'alice' });
    const replies = await client.start();
    assert.deepEqual(texts(replies), ['Hello! I am the fixture bot. Type "menu" to see what I can do.']);
    const first = bot.received.find((a) => a.conversationId === client.conversationId);
    assert.deepEqual(first, {
      type: 'conversationUpdate',
      text: undefined,
      name: undefined,
      channelId: 'tva-chat',
      conversationId: client.conversationId,
      userId: 'alice',
    });
  });

  it('sends text and returns every reply of the turn in order (typing included)', async () => {
    const client = new BotClient({ baseUrl: bot.url });
    assert.deepEqual(texts(await client.say('hello')), ['You said: hello']);
    const slow = await client.say('slow');
    assert.deepEqual(
      slow.map((a) => a.type),
      ['typing', 'message'],
    );
  });

  it('returns suggested actions as validated card actions', async () => {
    const client = new BotClient({ baseUrl: bot.url });
    const [reply] = await client.say('menu');
    assert.ok(reply);
    assert.deepEqual(suggestedActionsOf(reply), [
      { type: 'imBack', title: 'Send an SMS', value: 'send sms' },
      { type: 'postBack', title: 'Verify my number', value: 'verify' },
    ]);
  });

  it('sends events by name', async () => {
    const client = new BotClient({ baseUrl: bot.url });
    assert.deepEqual(texts(await client.event('authorization/completed')), ['Thanks, you are authorized. Let us continue.']);
    assert.equal(bot.received.at(-1)?.name, 'authorization/completed');
  });

  it('sends a complete activity: ids, addresses, expectReplies', async () => {
    let sent: Record<string, unknown> = {};
    const spy: typeof fetch = async (input, init) => {
      sent = JSON.parse(String(init?.body)) as Record<string, unknown>;
      return fetch(input, init);
    };
    const client = new BotClient({ baseUrl: `${bot.url}/`, channelId: 'bench', userId: 'u1', userName: 'Una', conversationId: 'c1', fetch: spy });
    await client.say('hi');
    assert.equal(sent.deliveryMode, 'expectReplies');
    assert.equal(sent.channelId, 'bench');
    assert.equal(sent.serviceUrl, bot.url);
    assert.deepEqual(sent.conversation, { id: 'c1' });
    assert.deepEqual(sent.from, { id: 'u1', name: 'Una', role: 'user' });
    assert.deepEqual(sent.recipient, { id: 'bot', name: 'Bot' });
    assert.equal(sent.locale, 'en-US');
    assert.match(String(sent.id), /^[0-9a-f-]{36}$/);
    assert.ok(!Number.isNaN(Date.parse(String(sent.timestamp))));
  });

  it('restart() moves to a new conversation and greets again', async () => {
    const client = new BotClient({ baseUrl: bot.url });
    const before = client.conversationId;
    const replies = await client.restart();
    assert.notEqual(client.conversationId, before);
    assert.equal(texts(replies).length, 1);
  });

  it('reports a 500 without the server error text', async () => {
    const client = new BotClient({ baseUrl: bot.url });
    const err = await rejection(client.say('fail'));
    assert.equal(err.kind, 'http_error');
    assert.equal(err.status, 500);
    assert.equal(err.message, `The bot at ${bot.url} failed to answer (HTTP 500). Check its log, then try again.`);
  });
});

describe('BotClient errors', () => {
  afterEach(() => nock.cleanAll());

  it('says how to fix a refused connection', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const err = await rejection(new BotClient({ baseUrl: url }).start());
    assert.equal(err.kind, 'unreachable');
    assert.equal(err.message, `Cannot reach the bot at ${url} (ECONNREFUSED): is \`npm start\` running?`);
  });

  const cases: { name: string; status: number; body: string; type?: string; kind: string; message: RegExp }[] = [
    { name: 'an HTML page', status: 200, body: '<html>hi</html>', type: 'text/html', kind: 'malformed_reply', message: /not JSON \(HTTP 200, text\/html\)\. Is that URL a bot\?/ },
    { name: 'JSON without activities', status: 200, body: '{"foo":1}', kind: 'malformed_reply', message: /cannot be read: the reply has no "activities" list\./ },
    { name: 'an activity without a type', status: 200, body: '{"activities":[{"text":"x"}]}', kind: 'malformed_reply', message: /an activity has no "type"/ },
    { name: 'a JSON array', status: 200, body: '[]', kind: 'malformed_reply', message: /the reply is not a JSON object/ },
    { name: 'an empty 200', status: 200, body: '', kind: 'malformed_reply', message: /HTTP 200 with an empty body/ },
    { name: 'a 404', status: 404, body: 'Not found', kind: 'http_error', message: /no bot endpoint at http:\/\/127\.0\.0\.1:9\/api\/messages \(HTTP 404\)/ },
    { name: 'a 401', status: 401, body: 'Unauthorized', kind: 'http_error', message: /requires Bot Framework authentication/ },
    { name: 'a 400', status: 400, body: 'bad', kind: 'http_error', message: /rejected the message \(HTTP 400\)/ },
  ];
  for (const c of cases) {
    it(`rejects ${c.name} with a clear message`, async () => {
      const scope = nock('http://127.0.0.1:9')
        .post('/api/messages')
        .reply(c.status, c.body, { 'content-type': c.type ?? 'application/json' });
      const err = await rejection(new BotClient({ baseUrl: 'http://127.0.0.1:9' }).say('hi'));
      assert.equal(err.kind, c.kind);
      assert.match(err.message, c.message);
      assert.ok(scope.isDone());
    });
  }

  it('accepts a 202 with no body as no replies (a bot without expectReplies)', async () => {
    nock('http://127.0.0.1:9').post('/api/messages').reply(202);
    assert.deepEqual(await new BotClient({ baseUrl: 'http://127.0.0.1:9' }).say('hi'), []);
  });

  it('drops malformed suggested actions and keeps the rest', async () => {
    nock('http://127.0.0.1:9')
      .post('/api/messages')
      .reply(200, { activities: [{ type: 'message', text: 7, suggestedActions: { actions: [null, { type: 'imBack', value: 'go' }] } }] });
    const [reply] = await new BotClient({ baseUrl: 'http://127.0.0.1:9' }).say('hi');
    assert.ok(reply);
    assert.equal(reply.text, undefined);
    assert.deepEqual(reply.suggestedActions, { actions: [{ type: 'imBack', title: 'go', value: 'go' }] });
  });

  it('gives up after its time limit', async () => {
    nock('http://127.0.0.1:9').post('/api/messages').delay(500).reply(200, { activities: [] });
    const err = await rejection(new BotClient({ baseUrl: 'http://127.0.0.1:9', timeoutMs: 50 }).say('hi'));
    assert.equal(err.kind, 'timeout');
    assert.equal(err.message, 'The bot at http://127.0.0.1:9 did not answer within 0.05 s.');
  });
});

describe('normalizeBotUrl', () => {
  it('keeps http and https URLs, without a trailing slash', () => {
    assert.equal(normalizeBotUrl('http://127.0.0.1:3978/'), 'http://127.0.0.1:3978');
    assert.equal(normalizeBotUrl('https://bot.example.com/base/'), 'https://bot.example.com/base');
  });
  for (const bad of ['ftp://127.0.0.1', 'file:///etc/passwd', 'javascript:alert(1)', '127.0.0.1:3978', 'not a url', 'http://u:p@127.0.0.1', 'http://127.0.0.1/?x=1']) {
    it(`rejects ${bad}`, () => {
      assert.throws(() => normalizeBotUrl(bad), (err: unknown) => err instanceof BotClientError && err.kind === 'invalid_url' && /e\.g\. http:\/\/127\.0\.0\.1:3978/.test(err.message));
    });
  }
});

describe('choiceOf', () => {
  const table: [CardAction, ReturnType<typeof choiceOf>][] = [
    [{ type: 'imBack', title: 'Send an SMS', value: 'send sms' }, { text: 'send sms', display: 'send sms' }],
    [{ type: 'imBack', title: 'Help' }, { text: 'Help', display: 'Help' }],
    [{ type: 'postBack', title: 'Verify', value: 'verify' }, { text: 'verify', display: 'Verify', value: 'verify' }],
    [{ type: 'postBack', title: 'Pick', value: { id: 3 } }, { text: 'Pick', display: 'Pick', value: { id: 3 } }],
    [{ type: 'messageBack', title: 'Yes', text: 'yes', displayText: 'Yes please', value: { ok: true } }, { text: 'yes', display: 'Yes please', value: { ok: true } }],
    [{ type: 'openUrl', title: 'Docs', value: 'https://example.com' }, undefined],
    // An empty string counts as absent; nothing to send, no choice (the chat page offered no button for these).
    [{ type: 'imBack', title: 'Fallback', value: '' }, { text: 'Fallback', display: 'Fallback' }],
    [{ type: 'imBack', title: '' }, undefined],
    [{ type: 'postBack', title: '', value: { id: 3 } }, undefined],
    [{ type: 'messageBack', title: '', value: 'v' }, { text: 'v', display: 'v', value: 'v' }],
  ];
  for (const [action, expected] of table) {
    it(`${action.type} "${action.title}"`, () => assert.deepEqual(choiceOf(action), expected));
  }
});

describe('messageTextOf', () => {
  const table: [string, Record<string, unknown>, string][] = [
    ['text alone', { type: 'message', text: 'Hello' }, 'Hello'],
    ['nothing', { type: 'message' }, ''],
    ['text, then a card', { type: 'message', text: 'Hi', attachments: [{ content: { title: 'T', subtitle: '', text: 'Body' } }] }, 'Hi\n\nT\nBody'],
    ['a card it cannot read', { type: 'message', attachments: [null, { content: [] }] }, '(This message holds a card that this page cannot show.)\n\n(This message holds a card that this page cannot show.)'],
  ];
  for (const [name, activity, expected] of table) {
    it(name, () => assert.equal(messageTextOf({ ...activity, type: 'message' }), expected));
  }
});
