// `npm run build` (after tsc): bundles the built program (dist/src/startup/program.js and every module it loads)
// into dist/src/program.bundle.js with esbuild, and records each input's size and mtime in program.bundle.json.
// src/main.ts runs the bundle only while every input is unchanged (src/startup/bundle.ts), so it never runs stale
// code; src/startup/bundle.ts says what it saves.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist', 'src');
const BUNDLE = path.join(DIST, 'program.bundle.js');
const RECORD = path.join(DIST, 'program.bundle.json');

/**
 * A lazy `createRequire(__filename)('./x')` in our modules (the store loads its PostgreSQL half so) would resolve
 * against the bundle's directory: it becomes a plain `require('./x')`, bundled and still run only when reached.
 */
const lazyRequires = {
  name: 'lazy-relative-requires',
  setup(build) {
    build.onLoad({ filter: /[\\/]dist[\\/]src[\\/].*\.js$/ }, (args) => {
      const source = fs.readFileSync(args.path, 'utf8');
      return { contents: source.replace(/\(0,\s*[\w$]+\.createRequire\)\(__filename\)\(/g, 'require('), loader: 'js' };
    });
  },
};

async function main() {
  fs.rmSync(RECORD, { force: true }); // no record, no bundle used: a failed build leaves the modules in charge
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: [path.join(DIST, 'startup', 'program.js')],
    outfile: BUNDLE,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    keepNames: true, // class and function names as in the modules (errors, logs)
    // A native addon and optional native modules stay outside, loaded from node_modules as before.
    external: ['better-sqlite3', 'pg-native', 'dtrace-provider'],
    metafile: true,
    logLevel: 'warning',
    plugins: [lazyRequires],
  });
  const stat = (file) => fs.statSync(file);
  const inputs = Object.keys(result.metafile.inputs).map((file) => {
    const { size, mtimeMs } = stat(path.resolve(ROOT, file));
    return [file, size, mtimeMs];
  });
  const bundle = stat(BUNDLE);
  fs.writeFileSync(RECORD, JSON.stringify({ format: 1, bundle: { size: bundle.size, mtimeMs: bundle.mtimeMs }, inputs }));
}

main().catch((err) => {
  process.stderr.write(`build-bundle: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
