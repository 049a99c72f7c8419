/**
 * The validators the build generates (src/validators, scripts/build-validators.cjs) answer as the compiled ones, and
 * one is only ever used for the very schema, options and Ajv it was generated from.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ValidateFunction } from 'ajv';
import '../../src/startup/program';
import '../../src/index';
import '../../src/otp';
import '../../src/server';
import { definedKinds, registeredSchemas, validatorKey, type AjvKind } from '../../src/validators';
import { generateValidatorModules } from '../../src/validators/generate';
import { actionConfigSchema } from '../../src/auth/schemas';

const root = path.join(__dirname, '..', '..');

interface Outcome {
  valid: boolean;
  errors: unknown;
  /** The value after validation: the gateway's Ajv writes defaults into it. */
  data: unknown;
}

/** Values that exercise a schema's every branch a little: wrong types, unknown and missing fields, empty strings. */
function probes(schema: object): unknown[] {
  const properties = Object.keys((schema as { properties?: object }).properties ?? {});
  const each = (value: unknown) => Object.fromEntries(properties.map((p) => [p, value]));
  return [
    undefined,
    null,
    0,
    'x',
    [],
    {},
    { unknownField: true },
    each(12345),
    each('x'),
    each(''),
    each(' '),
    each(true),
    each([{}]),
    each({ type: 'message', id: 'x' }),
    { ...each('x'), unknownField: 1 },
  ];
}

/** The templates shipped in templates/ and their dialogs, whole and with parts missing: what the dialogs' Ajv reads. */
function templateProbes(): unknown[] {
  const out: unknown[] = [];
  for (const file of readdirSync(path.join(root, 'templates')).filter((f) => f.endsWith('.json'))) {
    const template = JSON.parse(readFileSync(path.join(root, 'templates', file), 'utf8')) as Record<string, unknown>;
    const dialog = template['dialog'] as Record<string, unknown>;
    out.push(template, dialog);
    for (const key of Object.keys(template)) out.push({ ...template, [key]: undefined });
    for (const key of Object.keys(dialog)) out.push({ ...dialog, [key]: 42 });
    const nodes = dialog['nodes'];
    if (Array.isArray(nodes)) out.push({ ...dialog, nodes: nodes.map((n: object) => ({ ...n, type: 'nonsense' })) }, { ...dialog, nodes: nodes.map(() => ({})) });
  }
  return out;
}

describe('the validators the build generates', () => {
  let dir: string;
  let generated: Map<AjvKind, Record<string, ValidateFunction | undefined>>;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tva-precompiled-'));
    symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir'); // the code requires ajv's runtime
    generated = new Map();
    for (const [kind, { code }] of generateValidatorModules()) {
      const file = path.join(dir, `${kind}.js`);
      writeFileSync(file, code);
      generated.set(kind, require(file) as Record<string, ValidateFunction | undefined>); // eslint-disable-line @typescript-eslint/no-require-imports
    }
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('include one for every schema the product validates with', () => {
    const schemas = registeredSchemas();
    assert.ok(schemas.length >= 40, `the product's modules register their schemas (${schemas.length})`);
    const missing = schemas.filter(({ kind, schema }) => generated.get(kind)?.[validatorKey(kind, schema)] === undefined);
    assert.deepEqual(missing, []);
  });

  it('answer every probe as the validator Ajv compiles at run time, errors and applied defaults included', () => {
    let compared = 0;
    for (const { kind, schema } of registeredSchemas()) {
      const compiled = definedKinds().get(kind)?.create().compile(schema);
      const standalone = generated.get(kind)?.[validatorKey(kind, schema)];
      assert.ok(compiled && standalone);
      const values = [...probes(schema), ...(kind === 'dialog' ? templateProbes() : [])];
      for (const value of values) {
        const [a, b] = [structuredClone(value), structuredClone(value)];
        const validCompiled: boolean = compiled(a);
        const validStandalone: boolean = standalone(b);
        const expected: Outcome = { valid: validCompiled, errors: compiled.errors ?? null, data: a };
        const actual: Outcome = { valid: validStandalone, errors: standalone.errors ?? null, data: b };
        assert.deepEqual(actual, expected, `${kind} ${JSON.stringify(schema).slice(0, 80)} on ${JSON.stringify(value)?.slice(0, 80)}`);
        compared += 1;
      }
    }
    assert.ok(compared > 500);
  });

  it('are filed under a key that changes with the schema, so an edit made since the build is compiled instead', () => {
    const edited = { ...actionConfigSchema, description: 'edited since the build' };
    assert.notEqual(validatorKey('strict', edited), validatorKey('strict', actionConfigSchema));
  });

  it("are filed under a key that changes with the Ajv they are meant for, so one kind's never serves another", () => {
    const schema = { type: 'object', properties: { to: { type: 'string' } } };
    const keys = new Set((['strict', 'gateway', 'dialog'] as const).map((kind) => validatorKey(kind, schema)));
    assert.equal(keys.size, 3);
  });
});
