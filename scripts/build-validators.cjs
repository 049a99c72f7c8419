// `npm run build` (after tsc): writes the standalone code of every Ajv validator the product defines, so that a start
// loads validators instead of compiling schemas (src/validators/index.ts says how they are found, and why a stale
// one is never used). The schemas stay where they are: this loads every built module (each lazyValidator registers
// its schema; importing compiles nothing), then writes dist/src/precompiled/<kind>.js.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

process.noDeprecation = true; // botbuilder's dependencies warn when loaded
const DIST = path.resolve(__dirname, '..', 'dist', 'src');
/** Browser code (the pages) and the generated code itself define no validator. */
const SKIPPED = new Set([path.join(DIST, 'pages'), path.join(DIST, 'precompiled')]);

function modules(dir) {
  const files = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory() && !SKIPPED.has(file)) files.push(...modules(file));
    else if (entry.isFile() && entry.name.endsWith('.js') && !entry.name.endsWith('.bundle.js')) files.push(file); // the program's bundle holds copies
  }
  return files;
}

for (const file of modules(DIST)) require(file);
const { generateValidatorModules } = require(path.join(DIST, 'validators', 'generate.js'));
const out = path.join(DIST, 'precompiled');
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
for (const [kind, { code }] of generateValidatorModules()) fs.writeFileSync(path.join(out, `${kind}.js`), code);
