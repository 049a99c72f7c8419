/**
 * Load-time checks of the dialog language's contracts between dialogs: dialog nodes (unknown dialog, inputs it does
 * not declare, dialogs that run each other), declared inputs and typed results, and raw API calls (twilioRequest)
 * that must say where they go.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { dialogSetProblems, loadDialogDirectory, validateDialogTask, type DialogProblem, type DialogTask } from '../../src/dialogs';
import { OPERATION_NAMES } from '../../src/twilio';
import { nodeRows } from '../../src/templates/installer';
import { templateTask, task } from '../support/conversation';
import { copy, OPERATIONS, sendSmsTask, updateContactTask } from './fixtures';

function problemsOf(json: unknown): DialogProblem[] {
  const result = validateDialogTask(json, { operations: OPERATIONS });
  return result.ok ? [] : result.problems;
}

/** A small dialog that runs `child` with `input`. */
function runner(id: string, child: string, input: Record<string, string> = {}): DialogTask {
  return task(runnerJson(id, child, input));
}

function runnerJson(id: string, child: string, input: Record<string, string> = {}): unknown {
  return {
    id,
    name: id,
    description: `Runs ${child}.`,
    start: 'intent',
    nodes: [
      { id: 'intent', type: 'intent', utterances: [`run ${id}`], next: 'run' },
      { id: 'run', type: 'dialog', dialog: child, input, next: 'done' },
      { id: 'done', type: 'message', text: 'Done: {{result.outcome}}.' },
    ],
  };
}

/** A raw API call node with the given input expressions. */
function rawCall(input: Record<string, string>): unknown {
  return {
    id: 'raw',
    name: 'Raw',
    description: 'A raw API call.',
    start: 'intent',
    nodes: [
      { id: 'intent', type: 'intent', utterances: ['raw'], next: 'call' },
      { id: 'call', type: 'service', operation: 'twilioRequest', input, next: 'done' },
      { id: 'done', type: 'message', text: 'Done.' },
    ],
  };
}

describe('dialogs that run dialogs, typed results and raw API calls: validation', () => {
  it('accepts the parent fixture and verify-phone-number together', async () => {
    const tasks = [task(updateContactTask()), await templateTask('verify-phone-number')];
    assert.deepEqual(dialogSetProblems(tasks).problems, []);
  });

  it('refuses a dialog node that runs a dialog that is not installed, naming the installed ones', () => {
    const { tasks, problems } = dialogSetProblems([runner('parent', 'verify-phone-number'), runner('other', 'parent')]);
    assert.deepEqual(tasks, []);
    assert.deepEqual(
      problems.map((p) => [p.taskId, p.pointer, p.message]),
      [
        [
          'parent',
          '/nodes/1/dialog',
          'Node "run" runs dialog "verify-phone-number", which is not installed (or did not load): install it (tva templates install verify-phone-number) or name one of other.',
        ],
        ['other', '/nodes/1/dialog', 'Node "run" runs dialog "parent", which is not installed (or did not load): install it (tva templates install parent) or name one of (no other dialogs).'],
      ],
    );
  });

  it('refuses an input the dialog it runs does not declare, naming the ones it does', async () => {
    const { problems } = dialogSetProblems([runner('parent', 'verify-phone-number', { phone: "'+14155550123'" }), await templateTask('verify-phone-number')]);
    assert.deepEqual(problems.map((p) => [p.taskId, p.pointer, p.message]), [
      ['parent', '/nodes/1/input/phone', '"phone" is not an input of "verify-phone-number": use one of to.'],
    ]);
  });

  it('refuses an input to a dialog that declares none', () => {
    const { problems } = dialogSetProblems([runner('parent', 'send-sms', { to: "'+14155550123'" }), task(sendSmsTask())]);
    assert.deepEqual(problems.map((p) => [p.taskId, p.pointer, p.message]), [
      ['parent', '/nodes/1/input/to', '"to" is not an input of "send-sms": it declares no inputs, so it asks the user for everything.'],
    ]);
  });

  it('refuses dialogs that run each other in a loop, on each of them', () => {
    const { tasks, problems } = dialogSetProblems([runner('a', 'b'), runner('b', 'a'), runner('c', 'a')]);
    assert.deepEqual(tasks, []);
    assert.deepEqual(
      problems.map((p) => [p.taskId, p.pointer]),
      [['a', '/nodes/1/dialog'], ['b', '/nodes/1/dialog'], ['c', '/nodes/1/dialog']],
    );
    assert.equal(problems[0]?.message, 'Dialogs "a", "b" run each other in a loop: a dialog node may only run a dialog that does not, in turn, run it.');
    assert.match(problems[2]?.message ?? '', /runs dialog "a", which is not installed \(or did not load\)/);
  });

  it('summarizes a dialog node in "go to dialog" (tva templates show) by the dialog it runs and its inputs', () => {
    const rows = nodeRows(updateContactTask() as unknown as Record<string, unknown>);
    assert.deepEqual(rows.find((r) => r.id === 'verify'), { id: 'verify', type: 'dialog', summary: 'runs verify-phone-number(to) -> failed (+4 transitions)' });
  });

  it('refuses a dialog node that runs its own dialog', () => {
    assert.deepEqual(problemsOf(runnerJson('self', 'self')).map((p) => [p.pointer, p.message]), [
      ['/nodes/1/dialog', 'Node "run" runs its own dialog "self": a dialog can\'t run itself.'],
    ]);
  });

  it('reports the problems of a dialogs directory by file, and loads what is whole', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tva-dialog-node-'));
    try {
      await writeFile(path.join(dir, 'update-contact.json'), JSON.stringify(updateContactTask()));
      await writeFile(path.join(dir, 'a.json'), JSON.stringify(runner('a', 'b')));
      await writeFile(path.join(dir, 'b.json'), JSON.stringify(runner('b', 'a')));
      let loaded = await loadDialogDirectory(dir, { operations: OPERATION_NAMES });
      assert.deepEqual(loaded.tasks.map((t) => t.id), []);
      assert.deepEqual(loaded.problems.map((p) => [p.file, p.pointer]), [
        ['update-contact.json', '/nodes/2/dialog'],
        ['a.json', '/nodes/1/dialog'],
        ['b.json', '/nodes/1/dialog'],
      ]);
      await writeFile(path.join(dir, 'verify-phone-number.json'), JSON.stringify(await templateTask('verify-phone-number')));
      loaded = await loadDialogDirectory(dir, { operations: OPERATION_NAMES });
      assert.deepEqual(loaded.tasks.map((t) => t.id), ['update-contact', 'verify-phone-number']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  /** A pointer into verify-phone-number by node id, so the cases survive nodes added to the template. */
  const at = (id: string, field?: string) => (t: Record<string, unknown>) =>
    `/nodes/${(t['nodes'] as Record<string, unknown>[]).findIndex((n) => n['id'] === id)}${field === undefined ? '' : `/${field}`}`;

  const contractCases: [title: string, edit: (t: Record<string, unknown>) => void, pointer: string | ((t: Record<string, unknown>) => string), message: RegExp][] = [
    [
      'an input that fills no entity of the dialog',
      (t) => (t['inputs'] = { to: { entity: 'receiver' } }),
      '/inputs/to/entity',
      /Input "to" fills entity "receiver", which no entity node of this dialog asks for: use one of verifyService, phone, code, sendNew\./,
    ],
    ['an input named like a begin option', (t) => (t['inputs'] = { utterance: { entity: 'phone' } }), '/inputs/utterance', /can't be an input name/],
    [
      'an onCancel outcome that is not declared',
      (t) => ((t['result'] as Record<string, unknown>)['onCancel'] = 'cancelled'),
      '/result/onCancel',
      /"cancelled" is not one of the declared outcomes: approved, max_attempts, expired, canceled, failed/,
    ],
    ['a result field named like a result property', (t) => ((t['result'] as Record<string, unknown>)['fields'] = { status: "'x'" }), '/result/fields/status', /can't be a result field/],
    ['a result field that does not parse', (t) => ((t['result'] as Record<string, unknown>)['fields'] = { to: 'entities.' }), '/result/fields/to', /does not parse/],
    [
      'an ending that names an undeclared outcome',
      (t) => (nodeById(t, 'approvedMessage')['outcome'] = 'verified'),
      at('approvedMessage', 'outcome'),
      /"verified" is not one of the declared outcomes/,
    ],
    [
      'an ending without an outcome in a dialog with a typed result',
      (t) => delete nodeById(t, 'approvedMessage')['outcome'],
      at('approvedMessage'),
      /Node "approvedMessage" ends the dialog: say which outcome it is/,
    ],
    ['an outcome on a message that does not end the dialog', (t) => (nodeById(t, 'sent')['outcome'] = 'approved'), at('sent', 'outcome'), /does not end the dialog/],
    ['an outcome without a declared result', (t) => delete t['result'], at('approvedMessage', 'outcome'), /An outcome needs a declared result/],
  ];

  function nodeById(t: Record<string, unknown>, id: string): Record<string, unknown> {
    const found = (t['nodes'] as Record<string, unknown>[]).find((n) => n['id'] === id);
    if (!found) throw new Error(`no node ${id}`);
    return found;
  }

  for (const [title, edit, where, message] of contractCases) {
    it(`refuses ${title}`, async () => {
      const json = copy(await templateTask('verify-phone-number')) as unknown as Record<string, unknown>;
      edit(json);
      const pointer = typeof where === 'string' ? where : where(json);
      const problems = problemsOf(json);
      const found = problems.find((p) => p.pointer === pointer);
      assert.ok(found, `no problem at ${pointer}: ${JSON.stringify(problems)}`);
      assert.match(found.message, message);
    });
  }

  it('accepts a raw API call whose method, domain and path prefix are literals, e.g. GET a Message by its SID', () => {
    assert.deepEqual(
      problemsOf(rawCall({ method: "'GET'", domain: "'api'", path: "'/2010-04-01/Accounts/{AccountSid}/Messages/' + entities.sid + '.json'" })),
      [],
    );
  });

  const rawCases: [title: string, input: Record<string, string>, pointer: string, message: RegExp][] = [
    ['an unknown method', { method: "'PUT'", domain: "'api'", path: "'/x'" }, '/nodes/1/input/method', /The method must be one of 'GET', 'POST', 'DELETE'/],
    ['a method from a user', { method: 'entities.method', domain: "'api'", path: "'/x'" }, '/nodes/1/input/method', /quoted: a literal/],
    ['another domain', { method: "'GET'", domain: "'lookups'", path: "'/x'" }, '/nodes/1/input/domain', /raw calls reach only those two/],
    [
      'an absolute URL to another host',
      { method: "'GET'", domain: "'api'", path: "'https://evil.example.com/x'" },
      '/nodes/1/input/path',
      /The path must be relative to the api domain, not a URL \(https:\/\/evil\.example\.com\/x\).*never go to other hosts/,
    ],
    ['a protocol-relative URL', { method: "'GET'", domain: "'api'", path: "'//evil.example.com/x'" }, '/nodes/1/input/path', /must start with a quoted literal beginning with \//],
    ['a path made only from user input', { method: "'GET'", domain: "'api'", path: 'entities.path' }, '/nodes/1/input/path', /must start with a quoted literal/],
    ['a path with ..', { method: "'GET'", domain: "'api'", path: "'/2010-04-01/../x'" }, '/nodes/1/input/path', /can't hold \.\., \? or #/],
    ['a path with a query', { method: "'GET'", domain: "'verify'", path: "'/v2/Services?PageSize=1'" }, '/nodes/1/input/path', /give query parameters under params/],
    ['no method', { domain: "'api'", path: "'/x'" }, '/nodes/1/input', /A raw API call must say its method: add "method": one of 'GET', 'POST', 'DELETE'/],
    ['no domain', { method: "'GET'", path: "'/x'" }, '/nodes/1/input', /A raw API call must say its domain: add "domain": 'api' or 'verify'/],
    ['no path', { method: "'GET'", domain: "'api'" }, '/nodes/1/input', /A raw API call must say its path: add "path": a quoted literal beginning with \//],
  ];
  for (const [title, input, pointer, message] of rawCases) {
    it(`refuses a raw API call with ${title}`, () => {
      const problems = problemsOf(rawCall(input));
      assert.deepEqual(problems.map((p) => p.pointer), [pointer]);
      assert.match(problems[0]?.message ?? '', message);
    });
  }
});
