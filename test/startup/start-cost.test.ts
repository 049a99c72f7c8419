/** What `npm start` loads: what only costs start time and no turn uses stays out (issue 11, start time). */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const root = path.join(__dirname, '..', '..');

/** The files under node_modules a fresh process holds after requiring `module` (src/ through tsx). */
function loadedBy(module: string): string[] {
  const script = `require(${JSON.stringify(module)}); process.stdout.write(JSON.stringify(Object.keys(require.cache)));`;
  const out = execFileSync(process.execPath, ['--no-deprecation', '-r', 'tsx/cjs', '-e', script], { cwd: root, encoding: 'utf8' });
  return (JSON.parse(out) as string[]).map((file) => path.relative(root, file));
}

describe('what loading the product costs', () => {
  it("loads none of botbuilder-dialogs' prompts nor the text recognizers behind them", () => {
    const loaded = loadedBy('./src/startup/program.ts');
    assert.ok(loaded.some((file) => file.includes(`botbuilder-dialogs${path.sep}lib${path.sep}dialogSet.js`)), 'the dialogs are loaded');
    assert.deepEqual(
      loaded.filter((file) => file.includes('@microsoft/recognizers-text') || file.includes(`botbuilder-dialogs${path.sep}lib${path.sep}prompts`)),
      [],
    );
  });

  it("loads none of Ajv's compiler: validators are made on first use, from the build's generated code when it has it", () => {
    const loaded = loadedBy('./src/startup/program.ts');
    assert.deepEqual(
      loaded.filter((file) => /node_modules[\\/]ajv[\\/]dist[\\/](core|ajv|2020|compile)/.test(file) || file.includes(`${path.sep}ajv-formats${path.sep}dist${path.sep}index.js`)),
      [],
    );
  });

  it('loads nothing of the program on importing src/main.ts: a run as a program may take it from the bundle instead', () => {
    const loaded = loadedBy('./src/main.ts').filter((file) => !/node_modules[\\/](tsx|esbuild)[\\/]/.test(file)); // tsx's own
    assert.deepEqual(loaded, [path.join('src', 'main.ts'), path.join('src', 'startup', 'bundle.ts')]);
  });
});
