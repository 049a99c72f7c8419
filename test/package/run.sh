#!/usr/bin/env bash
# The package as a bot developer gets it: `npm pack`, installed into a scratch project in a temporary directory
# (offline: its dependencies come from the npm cache that `npm ci` filled), `npx tva templates install --all` writes
# that project's dialogs/, and the README's bot.js runs there against `tva emulator --configure-action`: an SMS sent
# through the bot over HTTP must reach the emulator's outbox (test/package/scratch-bot.mjs).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$repo"
# npm pack runs `prepare` (the build); when dist/ and public/ are already built (CI built them), skip it.
if [ -f dist/src/index.js ] && [ -f dist/src/cli/main.js ] && [ -f public/chat.js ] && [ -f public/admin/console.js ]; then
  npm pack --ignore-scripts --loglevel=warn --pack-destination "$work" >/dev/null
else
  npm pack --loglevel=warn --pack-destination "$work" >/dev/null
fi
tarball=$(ls "$work"/twilio-verify-action-*.tgz)
echo "package: packed $(basename "$tarball") ($(tar -tzf "$tarball" | wc -l) files)"

mkdir "$work/app"
cd "$work/app"
npm init -y >/dev/null
# The README's install line, with the tarball in place of the registry's twilio-verify-action.
JOBS=max npm install --prefer-offline --no-audit --no-fund --loglevel=error "$tarball" botbuilder@4.23 botbuilder-dialogs@4.23 restify@11.1
npx tva templates install --all
count=$(ls dialogs/*.json | wc -l)
[ "$count" -ge 6 ] || { echo "package: tva templates install --all wrote $count dialogs" >&2; exit 1; }

# bot.js is the README's snippet, taken from the README itself.
node -e '
  const text = require("fs").readFileSync(process.argv[1], "utf8");
  const m = /<!-- bot\.js:[^\n]*-->\n```js\n([\s\S]*?)```/.exec(text);
  if (!m) { console.error("package: no bot.js snippet in README.md"); process.exit(1); }
  require("fs").writeFileSync("bot.js", m[1]);
' "$repo/README.md"
node "$repo/test/package/scratch-bot.mjs" "$work/app"
echo "package: installed from the tarball, templates installed, README bot sent an SMS to the emulator"
