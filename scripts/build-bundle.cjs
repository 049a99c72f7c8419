// `npm run build` (after tsc): bundles the built program (dist/src/startup/program.js and every module it loads)
// into dist/src/program.bundle.js with esbuild, writes V8's code cache of it (program.bundle.cache: the bundle
// compiled and its modules loaded, as a start does before it runs the program), and records in program.bundle.json
// the size and mtime of what tells whether it is still fresh: each of our modules in it, and the package.json of
// each dependency in it (npm rewrites it when it installs, updates or removes a package) with npm's own record of
// node_modules. src/main.ts runs the bundle only while all of them are unchanged (src/startup/bundle.ts, which also
// says what it saves).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist', 'src');
const BUNDLE = path.join(DIST, 'program.bundle.js');
const RECORD = path.join(DIST, 'program.bundle.json');
const CACHE = path.join(DIST, 'program.bundle.cache');

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

/**
 * twilio's client requires each of its ~40 API domains in the getter of that domain (lib/rest/Twilio.js), and
 * esbuild would bundle them all: 6 of the bundle's 17 MB, which node reads and compiles on every start. The product
 * uses two (src/twilio: `client.api`, `client.verify`); any other stays a plain require of the installed twilio,
 * run only if something ever reads that getter.
 */
const TWILIO_DOMAINS_USED = new Set(['Api', 'Verify']);
const twilioDomains = {
  name: 'twilio-unused-domains',
  setup(build) {
    build.onResolve({ filter: /^\.\/[A-Z][A-Za-z]*$/ }, (args) => {
      if (!/[\\/]node_modules[\\/]twilio[\\/]lib[\\/]rest[\\/]Twilio\.js$/.test(args.importer)) return undefined;
      const domain = args.path.slice(2);
      return TWILIO_DOMAINS_USED.has(domain) ? undefined : { path: `twilio/lib/rest/${domain}`, external: true };
    });
  },
};

/**
 * esbuild's keepNames helper as it writes it, and ours: the same result (a function's `name` is defined only where
 * it differs from the name kept), without redefining the name of every closure each time one is created. esbuild
 * wraps every named function expression and arrow function in `__name(...)`, so the helper runs on the hot path:
 * in a CPU profile of the bundle at 50 conversations at once, its `Object.defineProperty` was 8 % of the CPU.
 */
const ESBUILD_NAME_HELPER = 'var __name = (target, value) => __defProp(target, "name", { value, configurable: true });';
const NAME_HELPER = 'var __name = (target, value) => (target.name === value ? target : __defProp(target, "name", { value, configurable: true }));';

function cheapNames(file) {
  const source = fs.readFileSync(file, 'utf8');
  const at = source.indexOf(ESBUILD_NAME_HELPER);
  if (at < 0 || source.indexOf(ESBUILD_NAME_HELPER, at + 1) >= 0) {
    throw new Error("esbuild's __name helper is not the one scripts/build-bundle.cjs replaces (esbuild changed?): update NAME_HELPER");
  }
  fs.writeFileSync(file, source.slice(0, at) + NAME_HELPER + source.slice(at + ESBUILD_NAME_HELPER.length));
}

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
    plugins: [lazyRequires, twilioDomains],
  });
  cheapNames(BUNDLE);
  const watched = new Set();
  for (const input of Object.keys(result.metafile.inputs)) {
    const file = path.resolve(ROOT, input);
    const at = file.lastIndexOf(`${path.sep}node_modules${path.sep}`);
    if (at < 0) {
      watched.add(file);
      continue;
    }
    const [scopeOrName, name] = file.slice(at + `${path.sep}node_modules${path.sep}`.length).split(path.sep);
    const packageDir = path.join(file.slice(0, at), 'node_modules', scopeOrName.startsWith('@') ? path.join(scopeOrName, name) : scopeOrName);
    watched.add(path.join(packageDir, 'package.json'));
    const lockfile = path.join(file.slice(0, at), 'node_modules', '.package-lock.json');
    if (fs.existsSync(lockfile)) watched.add(lockfile);
  }
  const inputs = [...watched].map((file) => {
    const { size, mtimeMs } = fs.statSync(file);
    return [path.relative(ROOT, file), size, mtimeMs];
  });
  // The code cache: what V8 compiled while loading the bundle's modules (not running the program), as src/main.ts
  // loads it (src/startup/bundle.ts).
  const { compileBundle, runBundle } = require(path.join(DIST, 'startup', 'bundle.js'));
  const script = compileBundle(BUNDLE);
  runBundle(script, BUNDLE);
  fs.writeFileSync(CACHE, script.createCachedData());
  const stamp = (file) => {
    const { size, mtimeMs } = fs.statSync(file);
    return { size, mtimeMs };
  };
  fs.writeFileSync(RECORD, JSON.stringify({ format: 1, bundle: stamp(BUNDLE), cache: stamp(CACHE), inputs }));
}

process.noDeprecation = true; // botbuilder's dependencies warn when loaded
main().then(
  () => process.exit(0), // the loaded modules may hold handles open
  (err) => {
    process.stderr.write(`build-bundle: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
