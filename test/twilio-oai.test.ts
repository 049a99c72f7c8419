/**
 * The vendored OpenAPI subset (test/fixtures/twilio-oai) is what the tests validate the emulator against; it must
 * stay exactly what the vendoring script extracts from Twilio's full specs. Runs where the full specs are at hand.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_SOURCE_DIR, VENDORED_DIR, VENDORED_PATHS, vendoredText } from './support/vendor-twilio-oai';

describe('vendored Twilio OpenAPI specs', function () {
  before(function () {
    if (!existsSync(DEFAULT_SOURCE_DIR)) this.skip();
  });

  for (const file of Object.keys(VENDORED_PATHS)) {
    it(`${file} is exactly the emulator's paths extracted from the full spec`, () => {
      assert.equal(readFileSync(path.join(VENDORED_DIR, file), 'utf8'), vendoredText(DEFAULT_SOURCE_DIR, file));
    });
  }

  it('carries the MIT licence of the specs', () => {
    assert.equal(readFileSync(path.join(VENDORED_DIR, 'LICENSE'), 'utf8'), readFileSync(path.join(DEFAULT_SOURCE_DIR, 'LICENSE'), 'utf8'));
  });
});
