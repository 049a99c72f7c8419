// `npm start`: builds when something the build reads changed (build-if-changed.cjs), then runs the server in this
// same process: one node start fewer than `node build-if-changed.cjs && node dist/src/main.js` (measured with
// `npm run bench:start`). main() runs the build's bundle of the program when it is fresh (src/startup/bundle.ts).
'use strict';
process.noDeprecation = true; // as `node --no-deprecation`: botbuilder's dependencies warn on every start
require('./build-if-changed.cjs');
require('../dist/src/main.js').main();
