import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ADMIN_SCHEMAS } from '../../src/auth';

// The TypeScript schemas are the source; schemas/admin/*.json are written from them. After changing a schema run:
//   UPDATE_ADMIN_SCHEMAS=1 npx mocha test/auth/schemas.test.ts
const dir = path.join(__dirname, '..', '..', 'schemas', 'admin');

describe('admin JSON Schemas', () => {
  if (process.env.UPDATE_ADMIN_SCHEMAS === '1') {
    for (const [name, schema] of Object.entries(ADMIN_SCHEMAS)) writeFileSync(path.join(dir, name), `${JSON.stringify(schema, null, 2)}\n`);
  }

  it('ships exactly the schemas the code validates with', () => {
    assert.deepEqual(readdirSync(dir).sort(), Object.keys(ADMIN_SCHEMAS).sort());
    for (const [name, schema] of Object.entries(ADMIN_SCHEMAS)) {
      assert.deepEqual(JSON.parse(readFileSync(path.join(dir, name), 'utf8')), schema, `schemas/admin/${name} is stale`);
    }
  });

  it('closes every object schema to unknown fields', () => {
    const visit = (node: unknown, where: string): void => {
      if (typeof node !== 'object' || node === null) return;
      const n = node as Record<string, unknown>;
      if (n.type === 'object' && !('oneOf' in n)) assert.equal(n.additionalProperties, false, where);
      for (const [k, v] of Object.entries(n)) visit(v, `${where}/${k}`);
    };
    for (const [name, schema] of Object.entries(ADMIN_SCHEMAS)) visit(schema, name);
  });
});
