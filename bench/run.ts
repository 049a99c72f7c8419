/**
 * The benchmark's core. Every bot runs in a process of its own (so its memory can be read), started the same way:
 * the bare echo bot (also once flushing each turn to disk: the floor of a durable bot), the hand-written Send SMS / Verify Phone Number bot (botbuilder-dialogs, MemoryStorage, the
 * twilio SDK) against a standalone `tva emulator` process, and the product twice: zero-config (its own embedded
 * emulator, SQLite, what `npm start` gives) and against the standalone emulator; with a database URL also on
 * PostgreSQL, one instance and two sharing it. Each row drives a fixed number of conversations over
 * `POST /api/messages` (expectReplies) with N at once, through one keep-alive client, and checks every dialog (the
 * SMS reached the outbox, the code was approved). All rows take turns, a slice of conversations each, so that the
 * machine's load changing during the run moves all of their figures alike.
 */
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { BotClient } from '../src/chat';
import { DialogInstaller, defaultTemplatesDir } from '../src/templates';
import { DISK_FLUSH_DEFAULTS, measureDiskFlush, type DiskFlush, type DiskFlushOptions } from './disk';
import { keepAliveFetch } from './http';
import { freePort, spawnServer, type ServerProcess } from './processes';
import {
  echoScenario,
  RemoteOutbox,
  sendSmsScenario,
  verifyPhoneNumberScenario,
  VerificationNumbers,
  type Scenario,
  type ScenarioId,
} from './scenarios';
import { nsToMs, summarize, type LatencySummary } from './stats';

export interface BenchOptions {
  /** Conversations in flight at once; one set of rows per entry. */
  concurrency: number[];
  /** Conversations (complete dialogs) measured per row. */
  conversations: number;
  /** Unmeasured conversations per row before measuring. */
  warmup: number;
  /** PostgreSQL rows (one instance, two instances) when given. */
  databaseUrl?: string;
  /** Conversations a bot runs before the next bot of its flow takes over (sliceFor(concurrency) when absent). */
  slice?: number;
  /** How the disk flush is measured (DISK_FLUSH_DEFAULTS when absent). */
  diskFlush?: DiskFlushOptions;
  /** Stops every loop early (Ctrl-C); the setup is still torn down. */
  signal?: AbortSignal;
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
  /** One-minute load average when the run started (0 on Windows). */
  loadAverage: number;
}

/** Which bot served a row. */
export type BotId = 'echo' | 'echo-durable' | 'handwritten' | 'product' | 'product-standalone' | 'product-postgres' | 'product-postgres-2' | 'product-compare';

export interface TargetResult {
  bot: BotId;
  flow: ScenarioId;
  label: string;
  concurrency: number;
  turnsPerDialog: number;
  /** The flow's own name (the scenario's label, without the bot's). */
  flowLabel: string;
  /** What the bot does on each turn of the dialog, in order (the scenario's). */
  turnNames: string[];
  /** p50 latency of each turn of the dialog, in order, ms: where a flow's time goes (a turn that calls Twilio, one that only asks). */
  turnP50Ms: number[];
  /** Successful turns measured: one POST /api/messages with its reply each. */
  turns: number;
  /** Dialogs completed and checked. */
  dialogs: number;
  /** Dialogs that went wrong (wrong answer, HTTP error, missing SMS or code), warmup included. */
  failures: number;
  /** True when the row gave up after too many failures. */
  gaveUp: boolean;
  seconds: number;
  turnsPerSecond: number;
  latencyMs: LatencySummary;
  /** Resident memory of the bot's process(es) after the row, MB; undefined where /proc cannot tell. */
  rssMb: number | undefined;
  /**
   * CPU time (user + system) the bot's process(es) used per measured turn, ms, from /proc: what a turn costs, moved
   * much less than turns/s by other work on the machine. Undefined where /proc cannot tell.
   */
  cpuMsPerTurn: number | undefined;
  /** This row's turns/s ÷ the hand-written bot's on the same flow and concurrency (product rows). */
  vsHandwritten?: { throughput: number; p50: number; p99: number; rss: number | undefined; cpu: number | undefined; turnP50: number[] };
  /** The echo bot's turns/s ÷ this row's, at the same concurrency. */
  echoTimes?: number;
}

/** One failed dialog, for the report. */
export interface FailureSample {
  label: string;
  concurrency: number;
  user: number;
  step: number;
  said: string;
  reason: string;
}

export interface BenchResult {
  machine: MachineInfo;
  options: Omit<BenchOptions, 'signal' | 'databaseUrl'> & { postgres: boolean };
  /** Idle resident memory of each bot process right after it started, MB. */
  idleRssMb: Partial<Record<BotId, number>>;
  /** fsync where the products' stores are, measured before the rows, with every bot started and idle. */
  diskFlush: DiskFlush;
  targets: TargetResult[];
  failures: FailureSample[];
}

/** A row stops early after this many failed dialogs: the figures would measure errors. */
const MAX_FAILURES_PER_ROW = 50;
/** Failures kept for the report, per row. */
const MAX_FAILURE_SAMPLES = 3;
const TURN_TIMEOUT_MS = 15_000;
/** The emulator's (and Twilio's test) valid sender. */
const SENDER = '+15005550006';
const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
const READY = /Chat:\s+(http:\/\/127\.0\.0\.1:\d+)\//;

export class BenchmarkAborted extends Error {
  override readonly name = 'BenchmarkAborted';
  constructor() {
    super('The benchmark was stopped before it finished.');
  }
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverage: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
  };
}

/** A bot to measure: its processes (two for the two-instance row) and their URLs, users spread over them. */
interface Bot {
  id: BotId;
  label: string;
  servers: ServerProcess[];
}

interface RowOutcome {
  latenciesMs: number[];
  /** The same latencies by turn of the dialog: [turn index][sample]. */
  byTurnMs: number[][];
  turns: number;
  dialogs: number;
  failures: number;
  gaveUp: boolean;
  elapsedNs: bigint;
}

function emptyOutcome(scenario: Scenario): RowOutcome {
  return { latenciesMs: [], byTurnMs: scenario.turns.map(() => []), turns: 0, dialogs: 0, failures: 0, gaveUp: false, elapsedNs: 0n };
}

/** A failed check, with the step it happened at. */
class DialogFailure extends Error {
  constructor(
    readonly step: number,
    readonly said: string,
    message: string,
  ) {
    super(message);
  }
}

function describeReply(texts: string[]): string {
  const joined = texts.join(' | ');
  return joined === '' ? 'no reply text' : JSON.stringify(joined.length > 200 ? `${joined.slice(0, 200)}…` : joined);
}

let conversationSeq = 0;

/** Runs `count` conversations of `scenario`, `concurrency` at once, each in a fresh conversation. */
async function drive(
  bot: Bot,
  scenario: Scenario,
  count: number,
  concurrency: number,
  fetchImpl: typeof fetch,
  onFailure: (sample: Omit<FailureSample, 'label' | 'concurrency'>) => void,
  signal: AbortSignal | undefined,
): Promise<RowOutcome> {
  const outcome = emptyOutcome(scenario);
  const started = process.hrtime.bigint();
  let next = 0;
  const virtualUser = async (user: number) => {
    const server = bot.servers[user % bot.servers.length];
    if (server === undefined) return;
    for (let seq = 1; ; seq++) {
      if (next >= count || signal?.aborted || outcome.gaveUp) return;
      next++;
      const client = new BotClient({
        baseUrl: server.url,
        channelId: 'bench',
        userId: `bench-user-${user}`,
        userName: `Bench user ${user}`,
        conversationId: `bench-${bot.id}-${scenario.id}-${user}-${++conversationSeq}`,
        timeoutMs: TURN_TIMEOUT_MS,
        fetch: fetchImpl,
      });
      const script = scenario.script({ user, seq });
      let step = 0;
      let said = '';
      try {
        for (const [index, { say, expect }] of script.steps.entries()) {
          step = index + 1;
          said = typeof say === 'string' ? say : await say();
          const t0 = process.hrtime.bigint();
          const replies = await client.say(said);
          const tookMs = nsToMs(process.hrtime.bigint() - t0);
          outcome.latenciesMs.push(tookMs);
          outcome.byTurnMs[index]?.push(tookMs);
          outcome.turns++;
          const texts = replies.map((r) => r.text ?? '').filter((t) => t !== '');
          const missing = expect.find((pattern) => !pattern.test(texts.join('\n')));
          if (missing) throw new DialogFailure(step, said, `expected ${String(missing)}, got ${describeReply(texts)}`);
        }
        const problem = await script.after?.();
        if (problem) throw new DialogFailure(step, said, problem);
        outcome.dialogs++;
      } catch (err) {
        outcome.failures++;
        onFailure({
          user,
          step: err instanceof DialogFailure ? err.step : step,
          said: err instanceof DialogFailure ? err.said : said,
          reason: err instanceof Error ? err.message : String(err),
        });
        if (outcome.failures >= MAX_FAILURES_PER_ROW) outcome.gaveUp = true;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, user) => virtualUser(user)));
  outcome.elapsedNs = process.hrtime.bigint() - started;
  return outcome;
}

function cpuOf(bot: Bot): number | undefined {
  let total = 0;
  for (const server of bot.servers) {
    const cpu = server.cpuMs();
    if (cpu === undefined) return undefined;
    total += cpu;
  }
  return total;
}

function rssOf(bot: Bot): number | undefined {
  let total = 0;
  for (const server of bot.servers) {
    const rss = server.rssMb();
    if (rss === undefined) return undefined;
    total += rss;
  }
  return total;
}

/**
 * Conversations each row runs before the next row takes over: rows are measured in slices, taking turns, so that a machine getting busier or quieter during the run moves every bot's figures alike instead
 * of the one whose row was running then.
 */
export function sliceFor(concurrency: number): number {
  return Math.max(50, concurrency * 4);
}

/** One bot's row being measured, slice after slice. */
interface Row {
  bot: Bot;
  scenario: Scenario;
  label: string;
  onFailure: (sample: Omit<FailureSample, 'label' | 'concurrency'>) => void;
  warmFailures: number;
  measured: RowOutcome;
  /** CPU ms of the bot's processes over the measured slices; undefined where /proc cannot tell. */
  cpuMs: number | undefined;
}

/**
 * Measures each bot on its scenario at `concurrency`: each row's warmup, then `options.conversations` each, in slices
 * of sliceFor(concurrency), the rows taking turns (a bot with two rows, one per flow, runs them in turn). Turns/s is
 * the measured turns over the time of the row's own slices; CPU is summed over them; RSS is read after the last
 * slice of all.
 */
async function measureTogether(
  entries: Array<{ bot: Bot; scenario: Scenario }>,
  concurrency: number,
  options: BenchOptions,
  fetchImpl: typeof fetch,
  failures: FailureSample[],
): Promise<TargetResult[]> {
  const rows: Row[] = entries.map(({ bot, scenario }) => {
    const label = scenario.id === 'echo' ? bot.label : `${bot.label}: ${scenario.label}`;
    return {
      bot,
      scenario,
      label,
      onFailure: (sample) => {
        if (failures.filter((f) => f.label === label && f.concurrency === concurrency).length < MAX_FAILURE_SAMPLES) {
          failures.push({ label, concurrency, ...sample });
        }
      },
      warmFailures: 0,
      measured: emptyOutcome(scenario),
      cpuMs: 0,
    };
  });
  for (const row of rows) {
    if (options.warmup === 0) continue;
    const warm = await drive(row.bot, row.scenario, options.warmup, concurrency, fetchImpl, row.onFailure, options.signal);
    row.warmFailures = warm.failures;
    row.measured.gaveUp = warm.gaveUp;
  }
  const slice = options.slice ?? sliceFor(concurrency);
  for (let done = 0; done < options.conversations; done += slice) {
    const count = Math.min(slice, options.conversations - done);
    for (const row of rows) {
      if (row.measured.gaveUp) continue;
      const cpuBefore = cpuOf(row.bot);
      const part = await drive(row.bot, row.scenario, count, concurrency, fetchImpl, row.onFailure, options.signal);
      const cpuAfter = cpuOf(row.bot);
      if (options.signal?.aborted) throw new BenchmarkAborted();
      const into = row.measured;
      into.latenciesMs.push(...part.latenciesMs);
      for (const [i, latencies] of part.byTurnMs.entries()) into.byTurnMs[i]?.push(...latencies);
      into.turns += part.turns;
      into.dialogs += part.dialogs;
      into.failures += part.failures;
      into.gaveUp = part.gaveUp || row.warmFailures + into.failures >= MAX_FAILURES_PER_ROW;
      into.elapsedNs += part.elapsedNs;
      row.cpuMs = row.cpuMs !== undefined && cpuBefore !== undefined && cpuAfter !== undefined ? row.cpuMs + (cpuAfter - cpuBefore) : undefined;
    }
  }
  return rows.map(({ bot, scenario, label, warmFailures, measured, cpuMs }) => {
    const seconds = Number(measured.elapsedNs) / 1e9;
    return {
      bot: bot.id,
      flow: scenario.id,
      label,
      concurrency,
      turnsPerDialog: scenario.turns.length,
      flowLabel: scenario.label,
      turnNames: scenario.turns,
      turnP50Ms: scenario.turns.map((_, i) => summarize(measured.byTurnMs[i] ?? []).p50),
      turns: measured.turns,
      dialogs: measured.dialogs,
      failures: warmFailures + measured.failures,
      gaveUp: measured.gaveUp,
      seconds,
      turnsPerSecond: seconds > 0 ? measured.turns / seconds : 0,
      latencyMs: summarize(measured.latenciesMs),
      rssMb: rssOf(bot),
      cpuMsPerTurn: cpuMs !== undefined && measured.turns > 0 ? cpuMs / measured.turns : undefined,
    };
  });
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : Number.POSITIVE_INFINITY);

/** Fills in each product row's ratios to the hand-written bot and every row's to the echo bot. */
export function compare(targets: TargetResult[]): TargetResult[] {
  return targets.map((t) => {
    const echo = targets.find((e) => e.bot === 'echo' && e.concurrency === t.concurrency);
    const hand = targets.find((h) => h.bot === 'handwritten' && h.flow === t.flow && h.concurrency === t.concurrency);
    const withEcho = echo && t.bot !== 'echo' ? { ...t, echoTimes: ratio(echo.turnsPerSecond, t.turnsPerSecond) } : t;
    if (!hand || t.bot === 'handwritten' || t.bot === 'echo') return withEcho;
    return {
      ...withEcho,
      vsHandwritten: {
        throughput: ratio(t.turnsPerSecond, hand.turnsPerSecond),
        p50: ratio(t.latencyMs.p50, hand.latencyMs.p50),
        p99: ratio(t.latencyMs.p99, hand.latencyMs.p99),
        rss: t.rssMb !== undefined && hand.rssMb !== undefined ? t.rssMb / hand.rssMb : undefined,
        cpu: t.cpuMsPerTurn !== undefined && hand.cpuMsPerTurn !== undefined ? t.cpuMsPerTurn / hand.cpuMsPerTurn : undefined,
        turnP50: t.turnP50Ms.map((p50, i) => ratio(p50, hand.turnP50Ms[i] ?? 0)),
      },
    };
  });
}

/** `BENCH_COMPARE_ENV`: comma-separated NAME=value pairs; anything else is refused with what to write. */
export function parseCompareEnv(text: string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const part of (text ?? '').split(',')) {
    if (part.trim() === '') continue;
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(part);
    if (!match) throw new Error(`BENCH_COMPARE_ENV: "${part}" is not NAME=value; write e.g. BENCH_COMPARE_ENV="SQLITE_SYNCHRONOUS=normal,LOG_LEVEL=warn".`);
    const [, name = '', value = ''] = match;
    env[name] = value.trim();
  }
  return env;
}

/** Installs the dialogs the benchmark drives (the required ones and Verify Phone Number). */
async function installDialogs(dialogsDir: string): Promise<void> {
  const installer = new DialogInstaller({ templatesDir: defaultTemplatesDir(), dialogsDir });
  for (const id of ['send-sms', 'start-verification', 'check-verification', 'verify-phone-number']) await installer.install(id);
}

/** The test process's environment without anything that would change how a server configures itself. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(TWILIO_|EMULATOR|DATABASE_URL|TEST_DATABASE_URL|SECRETS_KEY|ADMIN_TOKEN|PUBLIC_BASE_URL|Microsoft|LOG_LEVEL|PORT|HOST|DATA_DIR|DIALOGS_DIR|BENCH_)/.test(name)) continue;
    env[name] = value;
  }
  return env;
}

async function createVerifyService(emulatorUrl: string, accountSid: string, authToken: string): Promise<string> {
  const res = await fetch(`${emulatorUrl}/v2/Services`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ FriendlyName: 'Benchmark' }).toString(),
  });
  const body = (await res.json()) as { sid?: unknown };
  if (res.status !== 201 || typeof body.sid !== 'string') throw new Error(`creating a Verify service at the emulator answered ${res.status}`);
  return body.sid;
}

/** Waits until the bot answers a dialog's first prompt (the product enables Twilio credentials in the background). */
async function waitUntilReady(url: string, fetchImpl: typeof fetch): Promise<void> {
  const until = Date.now() + 30_000;
  for (let i = 0; ; i++) {
    const client = new BotClient({ baseUrl: url, channelId: 'bench', userId: 'bench-probe', conversationId: `bench-probe-${i}`, fetch: fetchImpl });
    const texts = (await client.say('send an sms')).map((r) => r.text ?? '').join('\n');
    if (/number/i.test(texts)) return;
    if (Date.now() > until) throw new Error(`${url} did not become ready: ${texts}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A fresh PostgreSQL schema for the product rows, reached through the URL's search_path. */
async function postgresSchema(databaseUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const schema = `bench_${process.pid}_${Date.now()}`;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.end();
  const url = new URL(databaseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    drop: async () => {
      const dropper = new pg.Client({ connectionString: databaseUrl });
      await dropper.connect();
      await dropper.query(`DROP SCHEMA ${schema} CASCADE`);
      await dropper.end();
    },
  };
}

/**
 * Runs the whole benchmark, each concurrency in turn, bots interleaved flow by flow. Cleans up its processes,
 * schema and temp directory whatever happens; throws `BenchmarkAborted` when `signal` fired.
 */
export async function runBenchmark(options: BenchOptions): Promise<BenchResult> {
  const machine = machineInfo();
  const cleanups: Array<() => Promise<unknown>> = [];
  const tempDir = await mkdtemp(path.join(os.tmpdir(), 'tva-bench-'));
  cleanups.push(() => rm(tempDir, { recursive: true, force: true }));
  const failures: FailureSample[] = [];
  try {
    const dialogsDir = path.join(tempDir, 'dialogs');
    await installDialogs(dialogsDir);
    const base = cleanEnv();
    const started = async (proc: Promise<ServerProcess>) => {
      const server = await proc;
      cleanups.push(() => server.stop());
      return server;
    };
    const emulator = await started(spawnServer(path.join('bench', 'serve.ts'), ['emulator', '--port', String(await freePort()), '--quiet'], base, /Outbox\s+(http:\/\/\S+)\/emulator\/messages/));
    const accountSid = /Account SID\s+(AC[0-9a-f]{32})/i.exec(emulator.output())?.[1];
    const authToken = /Auth Token\s+([0-9a-f]{32})/i.exec(emulator.output())?.[1];
    if (accountSid === undefined || authToken === undefined) throw new Error(`the emulator printed no credentials:\n${emulator.output()}`);
    const serviceSid = await createVerifyService(emulator.url, accountSid, authToken);
    const twilioEnv = {
      TWILIO_ACCOUNT_SID: accountSid,
      TWILIO_AUTH_TOKEN: authToken,
      TWILIO_BASE_URL: emulator.url,
      TWILIO_VERIFY_SERVICE_SID: serviceSid,
      TWILIO_SENDER: SENDER,
    };
    const productEnv = async (name: string, extra: NodeJS.ProcessEnv): Promise<NodeJS.ProcessEnv> => ({
      ...base,
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      DATA_DIR: path.join(tempDir, name),
      DIALOGS_DIR: dialogsDir,
      ADMIN_TOKEN,
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'warn',
      ...(process.env.BENCH_PRODUCT_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_PRODUCT_NODE_OPTIONS } : {}),
      ...extra,
    });
    // The product as `npm start` runs it: dist/src/main.js (the build's bundle), built first when a source changed.
    // BENCH_PRODUCT_BUILD=0: the sources under tsx instead.
    const fromSources = process.env.BENCH_PRODUCT_BUILD === '0';
    if (!fromSources) execFileSync(process.execPath, [path.join('scripts', 'build-if-changed.cjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
    const mainScript = fromSources ? path.join('src', 'main.ts') : path.join('dist', 'src', 'main.js');

    const echo = await started(spawnServer(path.join('bench', 'serve.ts'), ['echo'], base, /listening (\S+)/));
    const echoDurable = await started(
      spawnServer(path.join('bench', 'serve.ts'), ['echo-durable'], { ...base, BENCH_ECHO_FLUSH_FILE: path.join(tempDir, 'echo-turns.flush') }, /listening (\S+)/),
    );
    const handwritten = await started(
      spawnServer(path.join('bench', 'serve.ts'), ['handwritten'], {
        ...base,
        BENCH_TWILIO_BASE_URL: emulator.url,
        BENCH_TWILIO_ACCOUNT_SID: accountSid,
        BENCH_TWILIO_AUTH_TOKEN: authToken,
        BENCH_TWILIO_FROM: SENDER,
        BENCH_TWILIO_VERIFY_SERVICE_SID: serviceSid,
      }, /listening (\S+)/),
    );
    const embeddedPort = await freePort();
    const product = await started(spawnServer(mainScript, [], await productEnv('zero-config', { EMULATOR_PORT: String(embeddedPort) }), READY));
    const standalone = await started(spawnServer(mainScript, [], await productEnv('standalone', twilioEnv), READY));
    const bots: Array<Bot & { outbox: RemoteOutbox }> = [];
    // Closed first, so the servers have no keep-alive connections left to wait for.
    const agent = new http.Agent({ keepAlive: true, maxSockets: Math.max(...options.concurrency) * 2 });
    cleanups.push(async () => agent.destroy());
    const fetchImpl = keepAliveFetch(agent);
    const shared = new RemoteOutbox(emulator.url, fetchImpl);
    bots.push({ id: 'handwritten', label: 'hand-written (MemoryStorage)', servers: [handwritten], outbox: shared });
    bots.push({ id: 'product', label: 'product, embedded emulator (SQLite)', servers: [product], outbox: new RemoteOutbox(`http://127.0.0.1:${embeddedPort}`, fetchImpl) });
    bots.push({ id: 'product-standalone', label: 'product, emulator process (SQLite)', servers: [standalone], outbox: shared });
    // BENCH_COMPARE_ROOT=DIR: the product of another checkout (built: DIR/dist/src/main.js), e.g. the commit before a
    // change, in the same run against the same emulator process, for a before/after of like with like.
    // BENCH_COMPARE_ENV="NAME=value,…": settings given to that product only (with BENCH_COMPARE_ROOT=. the same build
    // under another setting).
    const compareRoot = process.env.BENCH_COMPARE_ROOT;
    if (compareRoot) {
      const compareEnv = parseCompareEnv(process.env.BENCH_COMPARE_ENV);
      const other = await started(spawnServer(path.resolve(compareRoot, 'dist', 'src', 'main.js'), [], await productEnv('compare', { ...twilioEnv, ...compareEnv }), READY));
      const settings = Object.entries(compareEnv).map(([name, value]) => `${name}=${value}`).join(' ');
      const of = path.resolve(compareRoot) === path.resolve('.') ? 'this checkout' : path.basename(path.resolve(compareRoot));
      bots.push({ id: 'product-compare', label: `product of ${of}${settings ? ` with ${settings}` : ''}, emulator process (SQLite)`, servers: [other], outbox: shared });
    }
    if (options.databaseUrl) {
      const schema = await postgresSchema(options.databaseUrl);
      cleanups.push(() => schema.drop());
      const one = await started(spawnServer(mainScript, [], await productEnv('pg', { ...twilioEnv, DATABASE_URL: schema.url }), READY));
      bots.push({ id: 'product-postgres', label: 'product, PostgreSQL, 1 instance', servers: [one], outbox: shared });
      // The same DATA_DIR: both instances need the store's secrets key, as instances sharing a database do.
      const two = await started(spawnServer(mainScript, [], await productEnv('pg', { ...twilioEnv, DATABASE_URL: schema.url }), READY));
      bots.push({ id: 'product-postgres-2', label: 'product, PostgreSQL, 2 instances', servers: [one, two], outbox: shared });
    }
    // BENCH_BOTS (comma-separated ids) keeps only those product rows, for quicker runs while iterating.
    const only = process.env.BENCH_BOTS?.split(',').map((id) => id.trim()).filter((id) => id !== '');
    if (only && only.length > 0) bots.splice(0, bots.length, ...bots.filter((bot) => bot.id === 'handwritten' || bot.id === 'product-compare' || only.includes(bot.id)));
    for (const bot of bots) for (const server of bot.servers) await waitUntilReady(server.url, fetchImpl);
    const idleRssMb: Partial<Record<BotId, number>> = {};
    const echoBot: Bot = { id: 'echo', label: 'echo bot (bare botbuilder)', servers: [echo] };
    const echoDurableBot: Bot = { id: 'echo-durable', label: 'echo bot, one disk flush per turn', servers: [echoDurable] };
    for (const bot of [echoBot, echoDurableBot, ...bots]) {
      const rss = rssOf(bot);
      if (rss !== undefined && idleRssMb[bot.id] === undefined) idleRssMb[bot.id] = rss;
    }

    const diskFlush = await measureDiskFlush(tempDir, options.diskFlush ?? DISK_FLUSH_DEFAULTS);

    const numbers = new VerificationNumbers();
    const targets: TargetResult[] = [];
    for (const concurrency of options.concurrency) {
      // Every row takes turns with every other, the echo bots' too: the floor line compares the echo bot flushing
      // once per turn with the hand-written bot's turns, so they must see the same load.
      const entries = [
        { bot: echoBot, scenario: echoScenario() },
        { bot: echoDurableBot, scenario: echoScenario() },
        ...bots.map((bot) => ({ bot, scenario: sendSmsScenario(bot.outbox) })),
        ...bots.map((bot) => ({ bot, scenario: verifyPhoneNumberScenario(bot.outbox, numbers) })),
      ];
      targets.push(...(await measureTogether(entries, concurrency, options, fetchImpl, failures)));
    }
    const { signal: _signal, databaseUrl, diskFlush: _diskFlush, ...plain } = options;
    return { machine, options: { ...plain, postgres: databaseUrl !== undefined }, idleRssMb, diskFlush, targets: compare(targets), failures };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}
