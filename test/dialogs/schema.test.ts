import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { dialogSchema, DIALOG_SCHEMA_ID } from '../../src/dialogs';

describe('dialog schema', () => {
  it('the shipped schemas/dialog.schema.json is exactly the schema the types are derived from', () => {
    const file: unknown = JSON.parse(readFileSync(path.join(__dirname, '../../schemas/dialog.schema.json'), 'utf8'));
    assert.deepStrictEqual(file, JSON.parse(JSON.stringify(dialogSchema)));
  });

  it('is a draft 2020-12 schema with its own $id', () => {
    assert.equal(dialogSchema.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.equal(dialogSchema.$id, DIALOG_SCHEMA_ID);
  });
});
