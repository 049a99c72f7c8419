/**
 * The chat page bundles src/chat: nothing it reaches may import a Node-only module, or `npm run build` breaks (and the
 * page with it). esbuild refuses `node:` imports on the browser platform, so a bundle without errors proves it.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { buildSync } from 'esbuild';

describe('the chat page bundle', () => {
  it('builds for the browser from src/pages/chat, src/chat included, with no Node-only import', () => {
    const result = buildSync({
      entryPoints: [path.resolve(__dirname, '../../src/pages/chat/main.ts')],
      bundle: true,
      platform: 'browser',
      format: 'iife',
      write: false,
      logLevel: 'silent',
      metafile: true,
    });
    assert.deepEqual(result.errors, []);
    const inputs = Object.keys(result.metafile.inputs);
    assert.ok(inputs.some((file) => file.endsWith('src/chat/activity.ts')), `src/chat is not shared: ${inputs.join(', ')}`);
    assert.ok(inputs.every((file) => !file.startsWith('node:') && !file.includes('node_modules')), inputs.join(', '));
  });
});
