import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { dialogSchema, loadDialogDirectory, validateDialogTask } from '../../src/dialogs';
import { configFieldNames, REQUIRED_TEMPLATES } from '../../src/definition';
import {
  defaultValidationOptions,
  dialogHash,
  renderInstalledDialog,
  TemplateCatalog,
  templateSchema,
  validateTemplate,
  type Template,
} from '../../src/templates';

const root = path.resolve(__dirname, '../..');
const jsonFiles = (dir: string) => readdirSync(path.join(root, dir)).filter((f) => f.endsWith('.json')).sort();
const readJson = (file: string): unknown => JSON.parse(readFileSync(path.join(root, file), 'utf8'));
const options = defaultValidationOptions();

describe('templates/ and dialogs/ files', () => {
  const ajv = new Ajv2020({ allErrors: true, discriminator: true });
  ajv.addSchema(readJson('schemas/dialog.schema.json') as object);
  const validateTemplateFile = ajv.compile(readJson('schemas/template.schema.json') as object);

  it('ships the required templates, and at least six', () => {
    const files = jsonFiles('templates');
    for (const id of REQUIRED_TEMPLATES) assert.ok(files.includes(`${id}.json`), id);
    assert.ok(files.length >= 6, 'at least the six templates');
  });

  for (const file of jsonFiles('templates')) {
    it(`templates/${file} names its schema and validates against it, the engine validator and the manifest's config fields`, () => {
      const json = readJson(`templates/${file}`) as Record<string, unknown>;
      assert.equal(json['$schema'], '../schemas/template.schema.json');
      assert.ok(validateTemplateFile(json), JSON.stringify(validateTemplateFile.errors, null, 2));
      const result = validateTemplate(json, file.replace(/\.json$/, ''), options);
      assert.ok(result.ok, JSON.stringify(!result.ok && result.problems, null, 2));
      const dialog = validateDialogTask(json['dialog'], { operations: options.operations, configFields: configFieldNames() });
      assert.ok(dialog.ok);
    });
  }

  for (const file of jsonFiles('dialogs')) {
    it(`dialogs/${file} names its schema, validates, and is the unedited install of its template`, async () => {
      const json = readJson(`dialogs/${file}`) as Record<string, unknown>;
      assert.equal(json['$schema'], '../schemas/dialog.schema.json');
      const result = validateDialogTask(json, { operations: options.operations, configFields: configFieldNames() });
      assert.ok(result.ok, JSON.stringify(!result.ok && result.problems, null, 2));
      const template = await new TemplateCatalog().load(file.replace(/\.json$/, ''));
      assert.equal(readFileSync(path.join(root, 'dialogs', file), 'utf8'), renderInstalledDialog(template));
      assert.equal((json['installedFrom'] as { hash: string }).hash, dialogHash(json));
    });
  }

  it('dialogs/ loads in the engine with no problem reported', async () => {
    const loaded = await loadDialogDirectory(path.join(root, 'dialogs'), { operations: options.operations, configFields: configFieldNames() });
    assert.deepEqual(loaded.problems, []);
    assert.equal(loaded.tasks.length, jsonFiles('dialogs').length);
  });

  it('the template schema refers to the dialog schema by its $id', () => {
    assert.deepEqual(templateSchema.properties.dialog, { $ref: dialogSchema.$id });
  });
});

type Mutation = (t: Record<string, unknown> & { dialog: Record<string, unknown> & { nodes: Record<string, unknown>[] } }) => void;

function baseTemplate(): Template {
  return readJson('templates/send-sms.json') as Template;
}

function nodeIndex(t: { dialog: { nodes: Record<string, unknown>[] } }, id: string): number {
  const i = t.dialog.nodes.findIndex((n) => n['id'] === id);
  assert.ok(i >= 0, id);
  return i;
}

const node = (t: { dialog: { nodes: Record<string, unknown>[] } }, id: string): Record<string, unknown> => {
  const found = t.dialog.nodes[nodeIndex(t, id)];
  assert.ok(found);
  return found;
};

/** Each broken template, the pointer of the problem it must be rejected with, and words of the message. */
const BROKEN: [title: string, mutate: Mutation, pointer: string | ((t: Template) => string), words: RegExp][] = [
  ['without a version', (t) => delete t['version'], '', /Missing required property "version"/],
  ['with a version that is not MAJOR.MINOR.PATCH', (t) => (t['version'] = '1.0'), '/version', /pattern/],
  ['with an upper-case id', (t) => (t['id'] = 'Send-SMS'), '/id', /pattern/],
  ['with an unknown top-level property', (t) => (t['author'] = 'me'), '', /Unknown property "author"/],
  ['requiring an unknown configuration field', (t) => (t['requires'] = { config: ['sender', 'apiKey'] }), '/requires/config/1', /Unknown configuration field "apiKey"/],
  ['reading config.sender without listing it in requires.config', (t) => delete t['requires'], (t) => `/dialog/nodes/${nodeIndex(t, 'sender')}/default`, /requires\.config/],
  ['reading an unknown configuration field', (t) => (node(t, 'sender')['default'] = 'config.from'), (t) => `/dialog/nodes/${nodeIndex(t, 'sender')}/default`, /Unknown configuration field "config\.from"/],
  ['with a node of an unknown type', (t) => (node(t, 'sent')['type'] = 'webhook'), (t) => `/dialog/nodes/${nodeIndex(t, 'sent')}/type`, /Unknown node type "webhook"/],
  ['calling an unknown operation', (t) => (node(t, 'send')['operation'] = 'sendFax'), (t) => `/dialog/nodes/${nodeIndex(t, 'send')}/operation`, /Unknown operation "sendFax"/],
  ['giving an operation an input it does not take', (t) => ((node(t, 'send')['input'] as Record<string, unknown>)['recipient'] = 'entities.receiver'), (t) => `/dialog/nodes/${nodeIndex(t, 'send')}/input/recipient`, /"recipient" is not an input of sendSms/],
  ['with a dangling transition', (t) => (node(t, 'message')['next'] = 'nowhere'), (t) => `/dialog/nodes/${nodeIndex(t, 'message')}/next`, /"nowhere" names no node/],
  ['with an unreachable node', (t) => t.dialog.nodes.push({ id: 'orphan', type: 'message', text: 'Hi' }), (t) => `/dialog/nodes/${t.dialog.nodes.length - 1}`, /unreachable/],
  [
    'with a loop that never waits for the user',
    (t) => {
      node(t, 'badNumber')['next'] = 'send';
    },
    (t) => `/dialog/nodes/${nodeIndex(t, 'send')}`,
    /loop with no entity node/,
  ],
  ['with an expression that does not parse', (t) => ((node(t, 'send')['transitions'] as { if: string }[])[0] = { if: 'error.code ==', then: 'badNumber' } as never), (t) => `/dialog/nodes/${nodeIndex(t, 'send')}/transitions/0/if`, /./],
  ['whose dialog id is not the template id', (t) => (t.dialog['id'] = 'send-text'), '/dialog/id', /must equal the template id/],
  ['whose dialog already carries installedFrom', (t) => (t.dialog['installedFrom'] = { template: 'send-sms', version: '1.0.0', hash: 'x' }), '/dialog/installedFrom', /installer writes it/],
  ['with a start that is not the intent node', (t) => (t.dialog['start'] = 'receiver'), '/dialog/start', /intent node/],
];

describe('broken templates are rejected with the pointer of each problem', () => {
  for (const [title, mutate, pointer, words] of BROKEN) {
    it(`a template ${title}`, () => {
      const template = structuredClone(baseTemplate()) as unknown as Parameters<Mutation>[0];
      mutate(template);
      const result = validateTemplate(template, 'send-sms', options);
      assert.ok(!result.ok, 'accepted');
      const want = typeof pointer === 'string' ? pointer : pointer(template as unknown as Template);
      const hit = result.problems.find((p) => p.path === want && words.test(p.message));
      assert.ok(hit, `no problem at ${JSON.stringify(want)} matching ${String(words)}: ${JSON.stringify(result.problems, null, 2)}`);
    });
  }

  it('a template whose id is not its file name', () => {
    const result = validateTemplate(baseTemplate(), 'send-text', options);
    assert.ok(!result.ok);
    assert.deepEqual(result.problems, [{ path: '/id', message: 'The id "send-sms" must equal the file name "send-text".' }]);
  });

  it('something that is not an object at all', () => {
    const result = validateTemplate([], undefined, options);
    assert.ok(!result.ok);
    assert.equal(result.problems[0]?.path, '');
  });
});
