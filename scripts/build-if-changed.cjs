// `npm start` builds only when something the build reads changed since the last build it made (tsc alone takes
// seconds here): sources, the chat page, package.json, tsconfig.json or the build's scripts newer than the stamp it
// leaves in dist/.
'use strict';
const fs = require('node:fs');
const { execSync } = require('node:child_process');

const STAMP = 'dist/.start-built';
const mtime = (file) => fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0;
const inputs = ['package.json', 'tsconfig.json', 'scripts/build-validators.cjs', 'scripts/build-bundle.cjs', 'src', ...fs.readdirSync('src', { recursive: true }).map((f) => `src/${f}`)];
const built = mtime(STAMP);
const fresh = built > 0 && mtime('dist/src/main.js') > 0 && mtime('public/chat.js') > 0 && inputs.every((f) => mtime(f) < built);
if (!fresh) {
  execSync('npm run --silent build', { stdio: 'inherit' });
  fs.writeFileSync(STAMP, '');
}
