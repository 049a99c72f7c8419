/**
 * The product's CloudAdapter: one connector client per bot identity, service URL and audience, reused by every turn
 * (botbuilder would build one per turn, even for expectReplies turns that never call the channel).
 */
import assert from 'node:assert/strict';
import type { Activity, TurnContext } from 'botbuilder';
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
});
