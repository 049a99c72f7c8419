/**
 * The build's bundle of the program (scripts/build-bundle.cjs, src/startup/bundle.ts): used only while every file it
 * was made from is unchanged, and, after `npm run build`, what `node dist/src/main.js` runs, a whole verification.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleFiles, compileBundle, freshBundle, loadBundle, runBundle, type BundleRecord } from '../../src/startup/bundle';
import { freePort } from '../support/http';
import { baseEnv } from '../support/processes';

const root = path.join(__dirname, '..', '..');

describe('the bundle of the program', () => {
  let dir: string;
  let distSrc: string;

  /** A package with dist/src/a.js and the dependency node_modules/dep bundled into dist/src/program.bundle.js. */
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tva-bundle-'));
    distSrc = path.join(dir, 'dist', 'src');
    mkdirSync(distSrc, { recursive: true });
    mkdirSync(path.join(dir, 'node_modules', 'dep'), { recursive: true });
    writeFileSync(path.join(distSrc, 'a.js'), 'exports.a = 1;\n');
    writeFileSync(path.join(dir, 'node_modules', 'dep', 'package.json'), '{"name":"dep","version":"1.0.0"}');
    const { bundle, record } = bundleFiles(distSrc);
    writeFileSync(bundle, "exports.a = require('./a.js').a; exports.dep = 1; exports.file = __filename;\n");
    const stamp = (file: string): [string, number, number] => {
      const stats = statSync(path.join(dir, file));
      return [file, stats.size, stats.mtimeMs];
    };
    const bundleStats = statSync(bundle);
    const written: BundleRecord = {
      format: 1,
      bundle: { size: bundleStats.size, mtimeMs: bundleStats.mtimeMs },
      inputs: [stamp('dist/src/a.js'), stamp('node_modules/dep/package.json')],
    };
    writeFileSync(record, JSON.stringify(written));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Writes the code cache of the fixture's bundle and records it, as the build does. */
  const writeCache = (): void => {
    const { bundle, cache, record } = bundleFiles(distSrc);
    const script = compileBundle(bundle);
    runBundle(script, bundle);
    writeFileSync(cache, script.createCachedData());
    const stats = statSync(cache);
    const written = JSON.parse(readFileSync(record, 'utf8')) as BundleRecord;
    writeFileSync(record, JSON.stringify({ ...written, cache: { size: stats.size, mtimeMs: stats.mtimeMs } }));
  };

  it('is used while every file it was made from has the size and modification time the build recorded', () => {
    assert.deepEqual(freshBundle(distSrc), { file: bundleFiles(distSrc).bundle });
  });

  it('comes with its code cache while that is the one the build recorded', () => {
    writeCache();
    assert.deepEqual(freshBundle(distSrc), { file: bundleFiles(distSrc).bundle, cache: bundleFiles(distSrc).cache });
  });

  it('comes without a code cache that changed since the build recorded it', () => {
    writeCache();
    writeFileSync(bundleFiles(distSrc).cache, 'not a code cache');
    assert.deepEqual(freshBundle(distSrc), { file: bundleFiles(distSrc).bundle });
  });

  it('runs as a CommonJS module of its own directory, and V8 takes the code cache the build made', () => {
    writeCache();
    const { bundle, cache } = bundleFiles(distSrc);
    const script = compileBundle(bundle, readFileSync(cache));
    assert.equal(script.cachedDataRejected, false);
    assert.deepEqual(runBundle(script, bundle), { a: 1, dep: 1, file: bundle });
  });

  it('runs all the same when V8 refuses the code cache (another node, other V8 flags)', () => {
    writeCache();
    writeFileSync(bundleFiles(distSrc).cache, 'not a code cache');
    assert.deepEqual(loadBundle({ file: bundleFiles(distSrc).bundle, cache: bundleFiles(distSrc).cache }), { a: 1, dep: 1, file: bundleFiles(distSrc).bundle });
  });

  it('is not used once one of our modules was rebuilt since (an edit and `npx tsc` alone)', () => {
    const later = new Date(statSync(path.join(distSrc, 'a.js')).mtimeMs + 1000);
    utimesSync(path.join(distSrc, 'a.js'), later, later);
    assert.equal(freshBundle(distSrc), undefined);
  });

  it('is not used once npm changed a dependency it holds (an update to a version of the same length included)', () => {
    const file = path.join(dir, 'node_modules', 'dep', 'package.json');
    const before = statSync(file).mtimeMs;
    writeFileSync(file, '{"name":"dep","version":"1.0.1"}');
    utimesSync(file, new Date(before + 1000), new Date(before + 1000));
    assert.equal(freshBundle(distSrc), undefined);
  });

  it('is not used once a file it was made from is gone', () => {
    rmSync(path.join(dir, 'node_modules', 'dep'), { recursive: true });
    assert.equal(freshBundle(distSrc), undefined);
  });

  it('is not used when the bundle itself changed since the build recorded it', () => {
    writeFileSync(bundleFiles(distSrc).bundle, 'exports.changed = true;\n');
    assert.equal(freshBundle(distSrc), undefined);
  });

  it('is not used where the build made none (tests from src/, a build without it)', () => {
    rmSync(bundleFiles(distSrc).record);
    assert.equal(freshBundle(distSrc), undefined);
  });
});

describe("the bundle's share of twilio", () => {
  it('holds every twilio API domain the product reads (scripts/build-bundle.cjs leaves the others out of it)', () => {
    const twilioClient = readFileSync(path.join(root, 'node_modules', 'twilio', 'lib', 'rest', 'Twilio.js'), 'utf8');
    const domains = new Set([...twilioClient.matchAll(/\bget ([a-z][A-Za-z]*)\(\) \{[^}]*?require\("\.\/[A-Z]/g)].map((m) => m[1]));
    assert.ok(domains.has('api') && domains.has('messaging') && domains.size > 20, `the domains of twilio's client: ${[...domains].join(', ')}`);
    const read = new Set<string>();
    for (const file of readdirSync(path.join(root, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))) {
      for (const m of readFileSync(path.join(root, 'src', file), 'utf8').matchAll(/\bclient\.([a-z][A-Za-z]*)/g)) if (m[1] && domains.has(m[1])) read.add(m[1]);
    }
    assert.deepEqual([...read].sort(), ['api', 'verify']); // TWILIO_DOMAINS_USED in scripts/build-bundle.cjs
  });
});

describe('node dist/src/main.js from the bundle `npm run build` made', function () {
  this.timeout(60_000);
  let child: ChildProcess | undefined;
  let dataDir: string;

  before(function () {
    // CI builds before it tests; a checkout tested without a build (or after `npx tsc` alone) has no fresh bundle.
    if (freshBundle(path.join(root, 'dist', 'src')) === undefined) this.skip();
  });

  afterEach(() => {
    child?.kill('SIGKILL');
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("watches each of our modules in it and each bundled dependency's package.json, with npm's record of node_modules", () => {
    const record = JSON.parse(readFileSync(bundleFiles(path.join(root, 'dist', 'src')).record, 'utf8')) as BundleRecord;
    const files = record.inputs.map(([file]) => file.split(path.sep).join('/'));
    assert.ok(files.includes('dist/src/startup/program.js') && files.includes('dist/src/store/postgres.js'));
    assert.ok(files.some((f) => f.endsWith('node_modules/twilio/package.json')) && files.some((f) => f.endsWith('node_modules/.package-lock.json')));
    assert.deepEqual(
      files.filter((f) => f.includes('node_modules/') && !f.endsWith('/package.json') && !f.endsWith('/.package-lock.json')),
      [],
    );
  });

  it('keeps the names of classes and functions as the modules have them, defining a name only where it differs', () => {
    const bundle = freshBundle(path.join(root, 'dist', 'src'));
    assert.ok(bundle);
    assert.match(readFileSync(bundle.file, 'utf8'), /var __name = \(target, value\) => \(target\.name === value \? target : __defProp\(target, "name"/);
    const program = loadBundle(bundle) as { StartupError: unknown; createLogger: unknown };
    assert.equal((program.StartupError as { name: string }).name, 'StartupError');
    assert.equal((program.createLogger as { name: string }).name, 'createLogger');
  });

  it('comes with a code cache that this node takes', () => {
    const bundle = freshBundle(path.join(root, 'dist', 'src'));
    assert.ok(bundle?.cache, 'the build made a code cache');
    assert.equal(compileBundle(bundle.file, readFileSync(bundle.cache)).cachedDataRejected, false);
  });

  it('starts zero-config and verifies a phone number with the code the emulator delivered', async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'tva-bundle-run-'));
    cpSync(path.join(root, 'dialogs'), path.join(dataDir, 'dialogs'), { recursive: true }); // with Verify Phone Number
    const [port, emulatorPort] = [await freePort(), await freePort()];
    const env = { ...baseEnv(), PORT: String(port), EMULATOR_PORT: String(emulatorPort), DATA_DIR: dataDir, DIALOGS_DIR: path.join(dataDir, 'dialogs'), LOG_LEVEL: 'warn' };
    const started = spawn(process.execPath, ['--no-deprecation', path.join(root, 'dist', 'src', 'main.js')], { cwd: dataDir, env, stdio: 'ignore' });
    child = started;
    const url = `http://127.0.0.1:${port}`;
    for (let ready = false; !ready; ) {
      assert.equal(started.exitCode, null, 'the server exited');
      ready = await fetch(`${url}/healthz`).then((res) => res.status === 200, () => false);
      if (!ready) await new Promise((resolve) => setImmediate(resolve));
    }
    const say = async (text: string): Promise<string> => {
      const body = {
        type: 'message',
        text,
        channelId: 'webchat',
        serviceUrl: 'http://127.0.0.1:9',
        deliveryMode: 'expectReplies',
        from: { id: 'bundle-user' },
        recipient: { id: 'bot' },
        conversation: { id: 'bundle-conversation' },
        id: `activity-${text.length}-${Date.now()}`,
      };
      const res = await fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal(res.status, 200);
      const { activities = [] } = (await res.json()) as { activities?: { text?: string }[] };
      return activities.map((a) => a.text ?? '').join(' | ');
    };
    assert.match(await say('verify my phone number +14155550123'), /I texted a code to \+14155550123/);
    const outbox = (await (await fetch(`${url}/api/dev/outbox`)).json()) as { messages: { to: string; body: string }[] };
    const code = /code is: (\d+)/.exec(outbox.messages.find((m) => m.to === '+14155550123')?.body ?? '')?.[1];
    assert.ok(code, `the emulator delivered a code: ${JSON.stringify(outbox)}`);
    assert.match(await say(code), /verified/i);
  });
});
