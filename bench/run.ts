/**
 * The benchmark's core: starts the whole product (`start()` from src/main, with an in-process emulator, a temp
 * DATA_DIR and DIALOGS_DIR, a silent logger) and a bare echo bot, then drives each in turn with N virtual users over
 * `POST /api/messages` (expectReplies) and the same keep-alive client, and tears everything down again.
 */
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { BotClient } from '../src/chat';
import { createEmulator } from '../src/emulator';
import { REQUIRED_TEMPLATES, start } from '../src/main';
import { DialogInstaller, defaultTemplatesDir } from '../src/templates';
import { startEchoBot } from './echo-bot';
import { keepAliveFetch } from './http';
import {
  echoScenario,
  sendSmsScenario,
  startCheckScenario,
  verifyPhoneNumberScenario,
  VerificationNumbers,
  type Scenario,
  type ScenarioId,
} from './scenarios';
import { nsToMs, summarize, type LatencySummary } from './stats';

export interface BenchOptions {
  /** Virtual users per target, each with its own user and conversation ids. */
  users: number;
  /** Measured seconds per target. */
  seconds: number;
  /** Unmeasured seconds per target before measuring; 0 skips the warmup. */
  warmup: number;
  /** Most dialogs one user runs per phase: with `seconds`, the second bound of every loop. */
  maxDialogs: number;
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

export interface TargetResult {
  id: ScenarioId;
  label: string;
  turnsPerDialog: number;
  /** Successful turns measured: one POST /api/messages with its reply each. */
  turns: number;
  /** Dialogs completed and checked. */
  dialogs: number;
  /** Dialogs that went wrong (wrong answer, HTTP error, missing SMS or code), warmup included. */
  failures: number;
  /** True when a phase gave up after too many failures. */
  gaveUp: boolean;
  seconds: number;
  turnsPerSecond: number;
  dialogsPerSecond: number;
  latencyMs: LatencySummary;
}

/** How a dialog target compares with the echo bot of the same run. */
export interface Comparison {
  id: ScenarioId;
  /** Echo turns/s ÷ this target's turns/s: how many times more turns the bare bot handles. */
  throughputRatio: number;
  /** This target's p50 ÷ the echo's p50. */
  p50Ratio: number;
}

/** One failed dialog, for the report. */
export interface FailureSample {
  target: ScenarioId;
  phase: 'warmup' | 'measure';
  user: number;
  step: number;
  said: string;
  reason: string;
}

export interface BenchResult {
  machine: MachineInfo;
  options: Omit<BenchOptions, 'signal'>;
  targets: TargetResult[];
  comparisons: Comparison[];
  failures: FailureSample[];
}

/** A phase stops early after this many failed dialogs: the figures would measure errors. */
const MAX_FAILURES_PER_PHASE = 50;
/** Failures kept for the report, per target. */
const MAX_FAILURE_SAMPLES = 4;
const TURN_TIMEOUT_MS = 15_000;

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

interface Target {
  scenario: Scenario;
  baseUrl: string;
}

interface PhaseOutcome {
  latenciesMs: number[];
  turns: number;
  dialogs: number;
  failures: number;
  gaveUp: boolean;
  elapsedNs: bigint;
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

/** Runs one phase: every user runs complete dialogs until the time is up, its count is reached, or it is stopped. */
async function runPhase(
  target: Target,
  phase: FailureSample['phase'],
  seconds: number,
  options: BenchOptions,
  fetchImpl: typeof fetch,
  failureSamples: FailureSample[],
): Promise<PhaseOutcome> {
  const { scenario } = target;
  const outcome: PhaseOutcome = { latenciesMs: [], turns: 0, dialogs: 0, failures: 0, gaveUp: false, elapsedNs: 0n };
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(Math.round(seconds * 1e9));
  let conversations = 0;
  const clientFor = (user: number) =>
    new BotClient({
      baseUrl: target.baseUrl,
      channelId: 'bench',
      userId: `bench-user-${user}`,
      userName: `Bench user ${user}`,
      conversationId: `bench-${scenario.id}-${user}-${++conversations}`,
      timeoutMs: TURN_TIMEOUT_MS,
      fetch: fetchImpl,
    });

  const virtualUser = async (user: number) => {
    let client = clientFor(user);
    for (let seq = 1; seq <= options.maxDialogs; seq++) {
      if (process.hrtime.bigint() >= deadline || options.signal?.aborted || outcome.gaveUp) return;
      const script = scenario.script({ user, seq });
      let step = 0;
      let said = '';
      try {
        for (const [index, { say, expect }] of script.steps.entries()) {
          step = index + 1;
          said = typeof say === 'string' ? say : say();
          const t0 = process.hrtime.bigint();
          const replies = await client.say(said);
          const elapsed = process.hrtime.bigint() - t0;
          outcome.latenciesMs.push(nsToMs(elapsed));
          outcome.turns++;
          const texts = replies.map((r) => r.text ?? '').filter((t) => t !== '');
          const joined = texts.join('\n');
          const missing = expect.find((pattern) => !pattern.test(joined));
          if (missing) throw new DialogFailure(step, said, `expected ${String(missing)}, got ${describeReply(texts)}`);
        }
        const problem = script.after?.();
        if (problem) throw new DialogFailure(step, said, problem);
        outcome.dialogs++;
      } catch (err) {
        outcome.failures++;
        if (failureSamples.filter((f) => f.target === scenario.id).length < MAX_FAILURE_SAMPLES) {
          failureSamples.push({
            target: scenario.id,
            phase,
            user,
            step: err instanceof DialogFailure ? err.step : step,
            said: err instanceof DialogFailure ? err.said : said,
            reason: err instanceof Error ? err.message : String(err),
          });
        }
        if (outcome.failures >= MAX_FAILURES_PER_PHASE) outcome.gaveUp = true;
        // The old conversation may be stuck mid-dialog: carry on in a fresh one.
        client = clientFor(user);
      }
    }
  };

  await Promise.all(Array.from({ length: options.users }, (_, user) => virtualUser(user)));
  outcome.elapsedNs = process.hrtime.bigint() - started;
  return outcome;
}

async function measureTarget(target: Target, options: BenchOptions, fetchImpl: typeof fetch, failures: FailureSample[]): Promise<TargetResult> {
  let warmupFailures = 0;
  let gaveUp = false;
  if (options.warmup > 0) {
    const warm = await runPhase(target, 'warmup', options.warmup, options, fetchImpl, failures);
    warmupFailures = warm.failures;
    gaveUp = warm.gaveUp;
  }
  const measured = gaveUp
    ? { latenciesMs: [], turns: 0, dialogs: 0, failures: 0, gaveUp: true, elapsedNs: 0n }
    : await runPhase(target, 'measure', options.seconds, options, fetchImpl, failures);
  if (options.signal?.aborted) throw new BenchmarkAborted();
  const seconds = Number(measured.elapsedNs) / 1e9;
  const perSecond = (n: number) => (seconds > 0 ? n / seconds : 0);
  return {
    id: target.scenario.id,
    label: target.scenario.label,
    turnsPerDialog: target.scenario.turnsPerDialog,
    turns: measured.turns,
    dialogs: measured.dialogs,
    failures: warmupFailures + measured.failures,
    gaveUp: measured.gaveUp,
    seconds,
    turnsPerSecond: perSecond(measured.turns),
    dialogsPerSecond: perSecond(measured.dialogs),
    latencyMs: summarize(measured.latenciesMs),
  };
}

/** Each dialog target against the echo baseline (the first target). */
export function compare(targets: readonly TargetResult[]): Comparison[] {
  const [echo, ...dialogs] = targets;
  if (!echo) return [];
  return dialogs.map((t) => ({
    id: t.id,
    throughputRatio: t.turnsPerSecond > 0 ? echo.turnsPerSecond / t.turnsPerSecond : Number.POSITIVE_INFINITY,
    p50Ratio: echo.latencyMs.p50 > 0 ? t.latencyMs.p50 / echo.latencyMs.p50 : Number.POSITIVE_INFINITY,
  }));
}

/** Installs the dialogs the benchmark drives; returns whether Verify Phone Number is among them. */
async function installDialogs(dialogsDir: string): Promise<boolean> {
  const installer = new DialogInstaller({ templatesDir: defaultTemplatesDir(), dialogsDir });
  const available = new Set((await installer.list()).map((t) => t.id));
  const wanted: string[] = [...REQUIRED_TEMPLATES, 'verify-phone-number'].filter((id) => available.has(id));
  for (const id of wanted) await installer.install(id);
  return wanted.includes('verify-phone-number');
}

/**
 * Runs the whole benchmark: echo bot, Send SMS, then the OTP flow, one after the other in this process. Cleans up
 * its servers, emulator and temp directory whatever happens; throws `BenchmarkAborted` when `signal` fired.
 */
export async function runBenchmark(options: BenchOptions): Promise<BenchResult> {
  const machine = machineInfo();
  const cleanups: Array<() => Promise<unknown>> = [];
  const tempDir = await mkdtemp(path.join(os.tmpdir(), 'tva-bench-'));
  cleanups.push(() => rm(tempDir, { recursive: true, force: true }));
  try {
    const dialogsDir = path.join(tempDir, 'dialogs');
    const withVerifyPhoneNumber = await installDialogs(dialogsDir);

    const emulator = createEmulator();
    await emulator.listen(0, '127.0.0.1');
    cleanups.push(() => emulator.close());
    // A clean environment: no TWILIO_* variables from the shell, so the product always talks to this emulator.
    const product = await start({
      env: { HOST: '127.0.0.1', PORT: '0', DATA_DIR: path.join(tempDir, 'data'), DIALOGS_DIR: dialogsDir },
      emulator,
      logger: pino({ level: 'silent' }),
      print: () => undefined,
    });
    cleanups.push(() => product.close());
    const echo = await startEchoBot();
    cleanups.push(() => echo.close());
    // Closed first, so the servers have no keep-alive connections left to wait for.
    const agent = new http.Agent({ keepAlive: true, maxSockets: options.users });
    cleanups.push(async () => agent.destroy());

    const numbers = new VerificationNumbers();
    const targets: Target[] = [
      { scenario: echoScenario(), baseUrl: echo.url },
      { scenario: sendSmsScenario(emulator), baseUrl: product.url },
      {
        scenario: withVerifyPhoneNumber ? verifyPhoneNumberScenario(emulator, numbers) : startCheckScenario(emulator, numbers),
        baseUrl: product.url,
      },
    ];
    const fetchImpl = keepAliveFetch(agent);
    const failures: FailureSample[] = [];
    const results: TargetResult[] = [];
    for (const target of targets) {
      if (options.signal?.aborted) throw new BenchmarkAborted();
      results.push(await measureTarget(target, options, fetchImpl, failures));
    }
    const { signal: _signal, ...plain } = options;
    return { machine, options: plain, targets: results, comparisons: compare(results), failures };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}
