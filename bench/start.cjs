// `npm run bench:start [-- --runs N]`: time to ready of the product's start, against a baseline in the same run.
//
// Ready is the first `GET /healthz` answered 200, polled every 5 ms from the moment the process is spawned: the
// server answers /healthz 200 only when the store reads back sound and Twilio (here the embedded emulator) is
// usable, and from then on a message is answerable, so it is what a load balancer or a newcomer waits for. The
// banner line comes earlier and promises less. Each run starts zero-config in a fresh temporary DATA_DIR on free
// ports (PORT and EMULATOR_PORT), then is stopped with SIGTERM before the next one starts (one at a time).
//
// Also printed: the CPU time (user + system) the target's processes had used when it was ready, read from /proc
// (Linux; every process of its process group, including finished children such as npm's): start is CPU-bound, so
// on a busy machine this moves much less than the wall-clock time.
//
// Targets, interleaved run by run so a noisy machine weighs on all of them alike:
// - `node` alone (`node -e` listening with node:http): the floor no Node server goes under;
// - baseline: the bare botbuilder echo bot on restify (bench/start-baseline.cjs);
// - product: `node --no-deprecation dist/src/main.js` (run `npm run build` first);
// - npm start: `npm start` as a newcomer runs it, with nothing changed since the last build;
// - with `--compare DIR`: `node dist/src/main.js` of another checkout (built), e.g. the commit before a change.
'use strict';
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { setTimeout, clearTimeout } = require('node:timers');

const ROOT = path.resolve(__dirname, '..');
const LIMIT_MS = 30_000;

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

const runs = Number(option('runs', '10'));
const only = option('only', '');
const compare = option('compare', '');
if (!Number.isInteger(runs) || runs < 1) {
  process.stderr.write('--runs must be a whole number of at least 1.\n');
  process.exit(2);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on Linux

/** CPU ms used so far by every process of the group `pgid` and its reaped children; undefined off Linux. */
function groupCpuMs(pgid) {
  let entries;
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return undefined;
  }
  let ticks = 0;
  for (const entry of entries) {
    if (!/^[0-9]+$/.test(entry)) continue;
    let stat;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // Fields after the command name (which may hold spaces): state ppid pgrp ... utime(14) stime(15) cutime(16) cstime(17).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) !== pgid) continue;
    ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}

function healthy(port) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once('error', () => resolve(false));
    req.setTimeout(5_000, () => req.destroy());
  });
}

const NODE_ONLY = "require('node:http').createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT), '127.0.0.1'); process.once('SIGTERM', () => process.exit(0));";

const targets = [
  { name: 'node alone', command: process.execPath, args: ['-e', NODE_ONLY] },
  { name: 'baseline (echo bot)', command: process.execPath, args: [path.join(__dirname, 'start-baseline.cjs')] },
  { name: 'node dist/src/main.js', command: process.execPath, args: ['--no-deprecation', 'dist/src/main.js'] },
  { name: 'npm start', command: 'npm', args: ['start', '--silent'] },
  ...(compare ? [{ name: `${path.basename(compare)}: main.js`, command: process.execPath, args: ['--no-deprecation', 'dist/src/main.js'], cwd: path.resolve(compare) }] : []),
].filter((t) => only === '' || t.name.includes(only));

/** Spawns one target (in a process group of its own), waits until /healthz answers 200, stops it; ms to ready and CPU ms. */
async function timeOne(target) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tva-bench-start-'));
  const port = await freePort();
  const emulatorPort = await freePort();
  const env = { ...process.env, PORT: String(port), EMULATOR_PORT: String(emulatorPort), DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  for (const name of ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_API_KEY', 'TWILIO_API_SECRET', 'DATABASE_URL', 'PUBLIC_BASE_URL']) delete env[name];
  let output = '';
  const started = process.hrtime.bigint();
  const child = spawn(target.command, target.args, { cwd: target.cwd ?? ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  let exited = false;
  child.once('exit', () => (exited = true));
  try {
    for (;;) {
      if (await healthy(port)) return { ms: Number(process.hrtime.bigint() - started) / 1e6, cpuMs: groupCpuMs(child.pid) };
      if (exited) throw new Error(`${target.name} exited before it was ready:\n${output}`);
      if (Number(process.hrtime.bigint() - started) / 1e6 > LIMIT_MS) throw new Error(`${target.name} not ready after ${LIMIT_MS} ms:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    if (!exited) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      process.kill(-child.pid, 'SIGTERM');
      const kill = setTimeout(() => process.kill(-child.pid, 'SIGKILL'), 10_000);
      await gone;
      clearTimeout(kill);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function summary(times) {
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  return { min: sorted[0], median, max: sorted[sorted.length - 1] };
}

async function main() {
  if (!fs.existsSync(path.join(ROOT, 'dist/src/main.js'))) {
    process.stderr.write('dist/src/main.js is missing: run `npm run build` first.\n');
    process.exit(2);
  }
  // npm start is timed as it is meant to be fast: nothing changed since the last build (this builds if needed).
  execFileSync(process.execPath, ['scripts/build-if-changed.cjs'], { cwd: ROOT, stdio: 'inherit' });
  const times = new Map(targets.map((t) => [t.name, []]));
  const cpu = new Map(targets.map((t) => [t.name, []]));
  for (const target of targets) await timeOne(target); // one warm-up each (disk cache), not counted
  for (let i = 0; i < runs; i++) {
    for (const target of targets) {
      const { ms, cpuMs } = await timeOne(target);
      times.get(target.name).push(ms);
      if (cpuMs !== undefined) cpu.get(target.name).push(cpuMs);
    }
  }
  const rows = targets.map((t) => ({ name: t.name, ...summary(times.get(t.name)), cpuMedian: cpu.get(t.name).length ? summary(cpu.get(t.name)).median : undefined }));
  const baseline = rows.find((r) => r.name.startsWith('baseline'));
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify({ runs, cpus: os.cpus().length, rows }, null, 2)}\n`);
    return;
  }
  process.stdout.write(`time to ready (GET /healthz 200), ${runs} runs each, ${os.cpus().length} CPUs, ms\n`);
  process.stdout.write(`${'target'.padEnd(24)}${'min'.padStart(7)}${'median'.padStart(8)}${'max'.padStart(7)}${'median/baseline'.padStart(17)}${'CPU median'.padStart(12)}\n`);
  for (const r of rows) {
    const ratio = baseline ? (r.median / baseline.median).toFixed(2) : '';
    const cpuText = r.cpuMedian === undefined ? '' : r.cpuMedian.toFixed(0);
    process.stdout.write(`${r.name.padEnd(24)}${r.min.toFixed(0).padStart(7)}${r.median.toFixed(0).padStart(8)}${r.max.toFixed(0).padStart(7)}${ratio.padStart(17)}${cpuText.padStart(12)}\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
