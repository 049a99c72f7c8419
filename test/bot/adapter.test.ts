/**
 * The product's CloudAdapter: one connector client per bot identity, service URL and audience, and one user token
 * client per bot identity, reused by every turn (botbuilder would build both per turn, even for expectReplies turns
 * that never call the channel); the route hands it checked activities and sends its answer itself.
 */
import assert from 'node:assert/strict';
import type { Activity, TurnContext } from 'botbuilder';
import { AuthenticationError } from 'botframework-connector';
import { createBotAdapter } from '../../src/bot/adapter';

function activity(id: string, serviceUrl: string): Activity {
  return {
    type: 'message',
    id,
    text: 'hi',
    channelId: 'test',
    serviceUrl,
    deliveryMode: 'expectReplies',
    conversation: { id: 'conv-1', isGroup: false, conversationType: 'personal', name: '' },
    from: { id: 'user-1', name: 'User' },
    recipient: { id: 'bot', name: 'Bot' },
  } as Activity;
}

describe('bot adapter', () => {
  it('reuses one connector client for the turns of one service URL, and builds another for another URL', async () => {
    const adapter = createBotAdapter();
    const clients: unknown[] = [];
    const run = async (id: string, serviceUrl: string) =>
      adapter.processActivityDirect('', activity(id, serviceUrl), async (turn: TurnContext) => {
        clients.push(turn.turnState.get(adapter.ConnectorClientKey));
      });
    await run('a1', 'http://127.0.0.1:1/');
    await run('a2', 'http://127.0.0.1:1/');
    await run('a3', 'http://127.0.0.1:2/');
    assert.ok(clients[0] !== undefined);
    assert.equal(clients[1], clients[0]);
    assert.notEqual(clients[2], clients[0]);
  });

  it('reuses one user token client for the turns of one bot identity', async () => {
    const adapter = createBotAdapter();
    const clients: unknown[] = [];
    for (const id of ['b1', 'b2']) {
      await adapter.handle('', activity(id, 'http://127.0.0.1:1/'), async (turn: TurnContext) => {
        clients.push(turn.turnState.get(adapter.UserTokenClientKey));
      });
    }
    assert.ok(clients[0] !== undefined);
    assert.equal(clients[1], clients[0]);
  });

  it("answers an expectReplies turn with its replies, the activity's timestamps read as dates", async () => {
    const adapter = createBotAdapter();
    let seen: unknown;
    const incoming = { ...activity('c1', 'http://127.0.0.1:1/'), timestamp: '2026-12-01T05:00:00.000Z' } as unknown as Activity;
    const answer = await adapter.handle('', incoming, async (turn: TurnContext) => {
      seen = turn.activity.timestamp;
      await turn.sendActivity('hello');
    });
    assert.ok(seen instanceof Date && seen.toISOString() === '2026-12-01T05:00:00.000Z');
    assert.equal(answer?.status, 200);
    const body = answer?.body as { activities: Array<{ text?: string }> };
    assert.deepEqual(body.activities.map((a) => a.text), ['hello']);
  });

  it('refuses a request without a valid token when the bot has an app id, with botbuilder\'s AuthenticationError', async () => {
    const adapter = createBotAdapter({ MicrosoftAppId: '00000000-0000-0000-0000-000000000001', MicrosoftAppPassword: 'not-a-real-secret' });
    let ran = false;
    await assert.rejects(
      adapter.handle('', activity('d1', 'https://smba.trafficmanager.net/teams/'), async () => {
        ran = true;
      }),
      (err: unknown) => err instanceof AuthenticationError,
    );
    assert.equal(ran, false);
  });
});
