import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadDialogDirectory, validateDialogTask, type DialogProblem } from '../../src/dialogs';
import { OPERATION_NAMES } from '../../src/twilio';
import { CONFIG_FIELDS, copy, OPERATIONS, sendSmsTask } from './fixtures';

type Json = Record<string, unknown> & { nodes: Record<string, unknown>[] };

function broken(edit: (task: Json) => void): Json {
  const task = copy(sendSmsTask()) as unknown as Json;
  edit(task);
  return task;
}

function node(task: Json, i: number): Record<string, unknown> {
  const found = task.nodes[i];
  if (!found) throw new Error(`no node ${i}`);
  return found;
}

function problemsOf(json: unknown, configFields?: string[]): DialogProblem[] {
  const result = validateDialogTask(json, { operations: OPERATIONS, ...(configFields ? { configFields } : {}) });
  return result.ok ? [] : result.problems;
}

describe('dialog validation', () => {
  it('accepts the send-sms dialog of docs/DIALOGS.md and returns it typed', () => {
    const result = validateDialogTask(sendSmsTask(), { operations: OPERATIONS, configFields: CONFIG_FIELDS });
    assert.deepStrictEqual(result.ok ? [] : result.problems, []);
    assert.ok(result.ok);
    assert.equal(result.task.nodes.length, 7);
  });

  it('refuses a wrong input key when a dialog directory is loaded, with its file and pointer', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tva-input-'));
    try {
      const task = broken((t) => ((node(t, 4)['input'] as Record<string, unknown>)['recipient'] = 'entities.receiver'));
      await writeFile(path.join(dir, 'send-sms.json'), JSON.stringify(task));
      const loaded = await loadDialogDirectory(dir, { operations: OPERATION_NAMES });
      assert.deepEqual(loaded.tasks, []);
      assert.deepEqual(loaded.problems.map((p) => [p.file, p.pointer]), [['send-sms.json', '/nodes/4/input/recipient']]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('accepts the gateway operation registry names', () => {
    assert.ok(validateDialogTask(sendSmsTask(), { operations: OPERATION_NAMES }).ok);
  });

  const cases: [title: string, dialog: unknown, pointer: string, message: RegExp, configFields?: string[]][] = [
    ['a dialog that is not an object', 'send-sms', '', /must be object/],
    ['a missing name', broken((t) => delete t['name']), '', /Missing required property "name"/],
    ['an id that is not a file name', broken((t) => (t['id'] = '../etc')), '/id', /pattern/],
    ['an unknown top-level property', broken((t) => (t['author'] = 'me')), '', /Unknown property "author"/],
    ['an unknown node type', broken((t) => (node(t, 3)['type'] = 'webhook')), '/nodes/3/type', /Unknown node type "webhook"/],
    ['a node without a type', broken((t) => delete node(t, 3)['type']), '/nodes/3', /Missing required property "type"/],
    ['an unknown entity type', broken((t) => (node(t, 1)['entityType'] = 'date')), '/nodes/1/entityType', /Must be one of: phone, email/],
    ['an unknown node property', broken((t) => (node(t, 5)['colour'] = 'red')), '/nodes/5', /Unknown property "colour"/],
    ['a bad node id', broken((t) => (node(t, 6)['id'] = '1sent')), '/nodes/6/id', /pattern/],
    ['retries above 10', broken((t) => (node(t, 1)['retries'] = 11)), '/nodes/1/retries', /must be <= 10/],
    ['an input that is neither expression nor object', broken((t) => ((node(t, 4)['input'] as Record<string, unknown>)['to'] = 5)), '/nodes/4/input/to', /expression/],
    ['a logic target outside context and user', broken((t) => t.nodes.push({ id: 'x', type: 'logic', set: { 'config.sender': '1' }, next: 'sent' })), '/nodes/7/set', /config\.sender/],
    ['no nodes', broken((t) => (t.nodes = [])), '/nodes', /must NOT have fewer than 1 items/],
    ['an unknown operation', broken((t) => (node(t, 4)['operation'] = 'sendFax')), '/nodes/4/operation', /Unknown operation "sendFax": use one of/],
    ['an input key the operation does not take', broken((t) => ((node(t, 4)['input'] as Record<string, unknown>)['To'] = 'entities.receiver')), '/nodes/4/input/To', /"To" is not an input of sendSms: use one of to, from, /],
    ['an object of expressions for a one-value input', broken((t) => ((node(t, 4)['input'] as Record<string, unknown>)['to'] = { number: 'entities.receiver' })), '/nodes/4/input/to', /"to" of sendSms is one value/],
    ['a duplicate node id', broken((t) => (node(t, 6)['id'] = 'badNumber')), '/nodes/6/id', /Duplicate node id "badNumber" \(first used at \/nodes\/5\)/],
    ['a start that names no node', broken((t) => (t['start'] = 'begin')), '/start', /"begin" does not exist/],
    ['a start that is not the intent node', broken((t) => (t['start'] = 'receiver')), '/start', /must be the dialog's intent node/],
    ['a second intent node', broken((t) => t.nodes.push({ id: 'again', type: 'intent', utterances: ['again'], next: 'sent' })), '/nodes/7/type', /exactly one intent node/],
    ['a dangling next', broken((t) => (node(t, 2)['next'] = 'nowhere')), '/nodes/2/next', /"nowhere" names no node/],
    ['a dangling transition', broken((t) => (node(t, 4)['transitions'] = [{ if: 'true', then: 'ghost' }])), '/nodes/4/transitions/0/then', /"ghost" names no node/],
    ['a dangling onFailure', broken((t) => (node(t, 1)['onFailure'] = 'ghost')), '/nodes/1/onFailure', /"ghost" names no node/],
    ['a dangling command target', broken((t) => (node(t, 2)['commands'] = [{ utterances: ['back'], then: 'ghost' }])), '/nodes/2/commands/0/then', /"ghost" names no node/],
    ['a missing next', broken((t) => delete node(t, 2)['next']), '/nodes/2', /has no "next"/],
    ['an unreachable node', broken((t) => t.nodes.push({ id: 'orphan', type: 'message', text: 'Nobody gets here.' })), '/nodes/7', /"orphan" is unreachable from "intent"/],
    [
      'a loop without an entity node',
      broken((t) => {
        node(t, 5)['next'] = 'again';
        t.nodes.push({ id: 'again', type: 'logic', set: { 'context.tries': '1' }, next: 'badNumber' });
      }),
      '/nodes/5',
      /Nodes "badNumber", "again" form a loop with no entity node/,
    ],
    ['a message that loops to itself', broken((t) => (node(t, 6)['next'] = 'sent')), '/nodes/6', /"sent" form a loop with no entity node/],
    ['a transition condition that does not parse', broken((t) => (node(t, 4)['transitions'] = [{ if: 'error.code ==', then: 'badNumber' }])), '/nodes/4/transitions/0/if', /does not parse/],
    ['an input expression with an unknown name', broken((t) => ((node(t, 4)['input'] as Record<string, unknown>)['to'] = 'entity.receiver')), '/nodes/4/input/to', /Unknown name "entity"/],
    ['an unsafe expression', broken((t) => (node(t, 3)['default'] = 'config.constructor')), '/nodes/3/default', /cannot be read/],
    ['a placeholder that is never closed', broken((t) => (node(t, 6)['text'] = 'Done {{result.status')), '/nodes/6/text', /never closed/],
    ['a prompt placeholder calling an unknown function', broken((t) => (node(t, 1)['prompt'] = 'Number? {{fetch("x")}}')), '/nodes/1/prompt', /Only these functions/],
    ['an unknown configuration field', broken((t) => (node(t, 3)['default'] = 'config.senderNumber')), '/nodes/3/default', /Unknown configuration field "config.senderNumber"/, CONFIG_FIELDS],
    ['an enum entity without values', broken((t) => (node(t, 2)['entityType'] = 'enum')), '/nodes/2', /needs "values"/],
    ['a length bound on a phone entity', broken((t) => (node(t, 1)['maxLength'] = 12)), '/nodes/1/maxLength', /applies only to digits and text/],
  ];

  for (const [title, dialog, pointer, message, configFields] of cases) {
    it(`rejects ${title} at ${pointer === '' ? '(root)' : pointer}`, () => {
      const problems = problemsOf(dialog, configFields);
      assert.ok(
        problems.some((p) => p.pointer === pointer && message.test(p.message)),
        `expected a problem at "${pointer}" matching ${String(message)}, got ${JSON.stringify(problems, null, 2)}`,
      );
    });
  }

  it('reports every problem of a dialog at once, each with its own pointer', () => {
    const dialog = broken((t) => {
      node(t, 2)['next'] = 'nowhere';
      node(t, 4)['operation'] = 'sendFax';
      node(t, 6)['text'] = '{{ 1 + }}';
    });
    const pointers = problemsOf(dialog).map((p) => p.pointer);
    assert.deepStrictEqual(pointers.sort(), ['/nodes/2/next', '/nodes/4/operation', '/nodes/6/text']);
  });

  it('allows a loop that passes through an entity node', () => {
    // badNumber -> receiver (entity) -> ... -> send -> badNumber is the send-sms dialog's own retry loop.
    assert.deepStrictEqual(problemsOf(sendSmsTask()), []);
  });
});

describe('loading a dialogs directory', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tva-dialogs-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads the valid files and reports each broken one by file name and pointer', async () => {
    const good = sendSmsTask();
    const other = { ...copy(good), id: 'send-another' };
    await writeFile(path.join(dir, 'send-sms.json'), JSON.stringify(good));
    await writeFile(path.join(dir, 'send-another.json'), JSON.stringify(other));
    await writeFile(path.join(dir, 'misnamed.json'), JSON.stringify(good));
    await writeFile(path.join(dir, 'truncated.json'), '{"id": "truncated", ');
    await writeFile(path.join(dir, 'dangling.json'), JSON.stringify(broken((t) => {
      t['id'] = 'dangling';
      node(t, 2)['next'] = 'nowhere';
    })));
    await writeFile(path.join(dir, 'notes.txt'), 'not a dialog');

    const { tasks, problems } = await loadDialogDirectory(dir, { operations: OPERATIONS, configFields: CONFIG_FIELDS });
    assert.deepStrictEqual(tasks.map((t) => t.id).sort(), ['send-another', 'send-sms']);
    assert.deepStrictEqual(
      problems.map((p) => [p.file, p.pointer]),
      [['dangling.json', '/nodes/2/next'], ['misnamed.json', '/id'], ['truncated.json', '']],
    );
    assert.match(problems[1]?.message ?? '', /must equal the file name "misnamed"/);
    assert.match(problems[2]?.message ?? '', /Not readable JSON/);
  });

  it('treats a missing directory as one without dialogs', async () => {
    assert.deepStrictEqual(await loadDialogDirectory(path.join(dir, 'absent'), { operations: OPERATIONS }), {
      tasks: [],
      problems: [],
    });
  });
});
