#!/usr/bin/env node
'use strict';
// The `tva` command: runs the compiled CLI (built by `npm install` through the `prepare` script).
const { exitQuietlyOnBrokenPipe } = require('../dist/src/cli/cli-io.js');
exitQuietlyOnBrokenPipe(process.stdout);
exitQuietlyOnBrokenPipe(process.stderr);
require('../dist/src/cli/main.js').main(process.argv).catch((err) => {
  process.stderr.write(`tva: ${err && err.message ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
