/**
 * A dialog node whose dialog ends at once, in a loop through an entity node that does not wait (its default fills
 * it): the engine's step budget is the turn's, across the dialogs a dialog node begins, so the loop stops.
 */
import assert from 'node:assert/strict';
import { MemoryStorage } from 'botbuilder';
import { TaskChat, TestRuntime, task } from '../support/conversation';

const STUCK = "This dialog went round in circles, so I stopped it. Ask the bot's developer to check it.";

function looping(): ReturnType<typeof task>[] {
  const child = task({
    id: 'child',
    name: 'Child',
    description: 'Ends at once.',
    start: 'intent',
    nodes: [
      { id: 'intent', type: 'intent', utterances: ['run the child'], next: 'done' },
      { id: 'done', type: 'message', text: 'Child done.' },
    ],
  });
  const parent = task({
    id: 'parent',
    name: 'Parent',
    description: 'Runs the child again and again.',
    start: 'intent',
    nodes: [
      { id: 'intent', type: 'intent', utterances: ['run the parent'], next: 'ask' },
      { id: 'ask', type: 'entity', entity: 'word', entityType: 'text', default: "'again'", prompt: 'Which word?', next: 'run' },
      { id: 'run', type: 'dialog', dialog: 'child', next: 'ask' },
    ],
  });
  return [parent, child];
}

describe('dialog nodes: the step budget of a turn', () => {
  it('stops a parent that begins an at-once-ending dialog in a loop through a defaulted entity, within the turn budget', async () => {
    const chat = new TaskChat({ tasks: looping(), runtime: new TestRuntime({ kind: 'disabled' }), storage: new MemoryStorage() });
    const replies = await chat.say('run the parent');
    assert.ok(replies.length <= 51, `the loop sent ${replies.length} replies`);
    assert.equal(replies.at(-1), STUCK);
    assert.equal(chat.status, 'failed');
  });
});
