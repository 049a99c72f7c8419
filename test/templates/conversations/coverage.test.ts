/** Every template in the catalog has a conversation table here: a new template cannot ship without one. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { templateIds } from '../../support/catalog';

describe('template conversation tables', () => {
  it('cover every template of the catalog', async () => {
    const tables = readdirSync(__dirname)
      .filter((file) => file.endsWith('.test.ts') && file !== path.basename(__filename))
      .map((file) => readFileSync(path.join(__dirname, file), 'utf8'))
      .join('\n');
    const missing = (await templateIds()).filter((id) => !tables.includes(`'${id}'`));
    assert.deepEqual(missing, [], `templates without a conversation table in ${__dirname}`);
  });
});
