import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { OPERATION_NAMES, operations } from '../src/twilio';
import { manifestSchema, type Manifest } from '../src/definition';
import { buildManifest, SCHEMA_FILES } from '../src/templates';
import { generatedFiles } from '../src/templates/write-manifest';

const root = path.resolve(__dirname, '..');
const readJson = (file: string): unknown => JSON.parse(readFileSync(path.join(root, file), 'utf8'));
const manifest = readJson('manifest.json') as Manifest & { $schema: string };

describe('manifest.json', () => {
  it('names its schema and validates against schemas/manifest.schema.json', () => {
    assert.equal(manifest.$schema, './schemas/manifest.schema.json');
    const validate = new Ajv2020({ allErrors: true }).compile(readJson('schemas/manifest.schema.json') as object);
    assert.ok(validate(manifest), JSON.stringify(validate.errors, null, 2));
  });

  it('is exactly what buildManifest() generates (run `npx tsx src/templates/write-manifest.ts` after a change)', async () => {
    assert.deepEqual(manifest, JSON.parse(JSON.stringify(await buildManifest())));
  });

  it('lists the gateway operations registry: the same names, in order, with the same input and output schemas', () => {
    assert.deepEqual(
      manifest.operations.map((o) => o.name),
      [...OPERATION_NAMES],
    );
    for (const op of manifest.operations) {
      const registered = operations[op.name as keyof typeof operations];
      assert.deepEqual(op.inputSchema, JSON.parse(JSON.stringify(registered.inputSchema)), op.name);
      assert.deepEqual(op.outputSchema, JSON.parse(JSON.stringify(registered.outputSchema)), op.name);
      assert.equal(op.description, registered.description);
    }
  });

  it('lists exactly the files in templates/, each with its id, name and version', () => {
    const files = readdirSync(path.join(root, 'templates')).filter((f) => f.endsWith('.json')).sort();
    assert.deepEqual(manifest.templates.map((t) => t.file), files.map((f) => `templates/${f}`));
    for (const entry of manifest.templates) {
      const template = readJson(entry.file) as { id: string; name: string; version: string };
      assert.deepEqual([entry.id, entry.name, entry.version], [template.id, template.name, template.version]);
    }
  });

  it('declares the id twilio-verify, the package version, both authorization types and the configuration fields', () => {
    const pkg = readJson('package.json') as { version: string };
    assert.equal(manifest.id, 'twilio-verify');
    assert.equal(manifest.version, pkg.version);
    assert.deepEqual(manifest.authorizationTypes.map((a) => a.type), ['pre-authorized', 'user-authorized']);
    const pre = manifest.authorizationTypes[0];
    assert.ok(pre?.type === 'pre-authorized');
    assert.deepEqual(
      pre.credentials.map((c) => [c.kind, c.fields.map((f) => f.name)]),
      [
        ['auth-token', ['accountSid', 'authToken']],
        ['api-key', ['apiKeySid', 'apiKeySecret', 'accountSid']],
      ],
    );
    assert.deepEqual(pre.settings.map((f) => f.name), ['baseUrl']);
    const user = manifest.authorizationTypes[1];
    assert.ok(user?.type === 'user-authorized');
    assert.deepEqual(user.profileFields.map((f) => f.name), ['name', 'description', 'tenancy', 'baseUrl', 'authorizationCheckUrl']);
    assert.deepEqual(manifest.configuration.map((f) => f.name), ['verifyServiceSid', 'sender', 'messageTemplates', 'otpMode', 'codeLength']);
    const secrets = manifest.authorizationTypes.flatMap((a) =>
      a.type === 'pre-authorized' ? a.credentials.flatMap((c) => c.fields) : a.userFields,
    );
    assert.deepEqual(
      secrets.filter((f) => f.secret).map((f) => f.name),
      ['authToken', 'apiKeySecret', 'authToken'],
    );
  });

  it('describes configuration values with the admin API\'s own patterns', () => {
    const byName = new Map(manifest.configuration.map((f) => [f.name, f.schema]));
    const matches = (field: string, value: string) => new RegExp(String(byName.get(field)?.['pattern'])).test(value);
    assert.ok(matches('verifyServiceSid', `VA${'0'.repeat(32)}`));
    assert.ok(!matches('verifyServiceSid', `MG${'0'.repeat(32)}`));
    assert.ok(matches('sender', '+14155550123'));
    assert.ok(matches('sender', `MG${'0'.repeat(32)}`));
    assert.ok(!matches('sender', '4155550123'));
  });
});

describe('shipped schemas', () => {
  it('schemas/template.schema.json and schemas/manifest.schema.json equal their TypeScript sources', () => {
    for (const [name, schema] of Object.entries(SCHEMA_FILES)) {
      assert.deepEqual(readJson(`schemas/${name}`), JSON.parse(JSON.stringify(schema)), name);
    }
  });

  it('every generated file is up to date, byte for byte', async () => {
    for (const [file, text] of Object.entries(await generatedFiles())) {
      assert.equal(readFileSync(path.join(root, file), 'utf8'), text, `${file} is stale: run npx tsx src/templates/write-manifest.ts`);
    }
  });

  it('are draft 2020-12 with an $id', () => {
    for (const schema of [manifestSchema, ...Object.values(SCHEMA_FILES)]) {
      assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
      assert.match(schema.$id, /^https:\/\/.+\.schema\.json$/);
    }
  });
});
