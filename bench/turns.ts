/**
 * `npm run bench -- [--concurrency 1,50] [--conversations 800] [--warmup 50] [--json]`
 *
 * Turns per second, latency percentiles and memory of the product's Send SMS dialog and OTP flow (Verify Phone
 * Number), next to the same dialogs written by hand on botbuilder-dialogs with MemoryStorage and next to a bare echo
 * bot, all measured in one run, every bot in its own process. With DATABASE_URL or TEST_DATABASE_URL set, also on
 * PostgreSQL (one instance, two instances). Every dialog is checked; any failure is printed and the exit code is 1.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { BenchmarkAborted, runBenchmark, type BenchOptions, type BenchResult, type TargetResult } from './run';

/** Defaults of the command-line options. */
export const DEFAULTS = { concurrency: [1, 50], conversations: 800, warmup: 50 } as const;

function wholeNumber(name: string, min: number, max: number, example: number) {
  return (text: string): number => {
    const n = Number(text);
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}, e.g. --${name} ${example}.`);
    }
    return n;
  };
}

function concurrencyList(text: string): number[] {
  const parse = wholeNumber('concurrency', 1, 256, 50);
  const list = text.split(',').map((part) => {
    try {
      return parse(part);
    } catch {
      throw new InvalidArgumentError('concurrency must be whole numbers from 1 to 256 separated by commas, e.g. --concurrency 1,50.');
    }
  });
  return [...new Set(list)];
}

/** The command line, without running anything (tests parse with it). */
export function buildCommand(): Command {
  return new Command('bench/turns')
    .description('Turns/s, latency and memory of the product against a hand-written botbuilder-dialogs bot and a bare echo bot.')
    .option('--concurrency <list>', 'conversations at once; one set of rows each (comma-separated)', concurrencyList, [...DEFAULTS.concurrency])
    .option('--conversations <n>', 'conversations measured per row', wholeNumber('conversations', 1, 1_000_000, DEFAULTS.conversations), DEFAULTS.conversations)
    .option('--warmup <n>', 'unmeasured conversations per row before measuring (0: none)', wholeNumber('warmup', 0, 100_000, DEFAULTS.warmup), DEFAULTS.warmup)
    .option('--json', 'print the result as JSON instead of a table')
    .showHelpAfterError('(add --help for the options)')
    .allowExcessArguments(false);
}

export interface CliOptions extends Omit<BenchOptions, 'signal' | 'databaseUrl'> {
  json: boolean;
}

/** Parses argv (without node and the script); throws `CommanderError` after commander printed the problem. */
export function parseOptions(args: string[], output?: { writeOut(s: string): void; writeErr(s: string): void }): CliOptions {
  const command = buildCommand().exitOverride();
  if (output) command.configureOutput(output);
  command.parse(args, { from: 'user' });
  const opts = command.opts<{ concurrency: number[]; conversations: number; warmup: number; json?: boolean }>();
  return { concurrency: opts.concurrency, conversations: opts.conversations, warmup: opts.warmup, json: opts.json === true };
}

const fixed = (n: number | undefined, digits: number) => (n === undefined ? '-' : Number.isFinite(n) ? n.toFixed(digits) : '∞');

function row(cells: string[], widths: number[]): string {
  return cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ').trimEnd();
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [row(header, widths), row(widths.map((w) => '-'.repeat(w)), widths), ...rows.map((r) => row(r, widths))];
}

const times = (n: number | undefined) => (n === undefined ? '-' : `${fixed(n, 2)}x`);

function cells(t: TargetResult): string[] {
  return [
    t.label,
    String(t.concurrency),
    String(t.turns),
    fixed(t.turnsPerSecond, 0),
    fixed(t.latencyMs.p50, 2),
    fixed(t.latencyMs.p90, 2),
    fixed(t.latencyMs.p99, 2),
    fixed(t.rssMb, 0),
    fixed(t.cpuMsPerTurn, 2),
    times(t.vsHandwritten?.throughput),
    times(t.vsHandwritten?.p50),
    times(t.vsHandwritten?.p99),
    times(t.vsHandwritten?.rss),
    times(t.vsHandwritten?.cpu),
    times(t.echoTimes),
    `${t.failures}${t.gaveUp ? ' (gave up)' : ''}`,
  ];
}

/**
 * p50 of each turn of the dialog, with its ratio to the hand-written bot's same turn: one row per bot and flow
 * (the echo bot has one turn and no such table), then what each turn of each flow does.
 */
function byTurn(targets: TargetResult[]): string[] {
  const rows = targets.filter((t) => t.flow !== 'echo' && t.turnP50Ms.length > 0);
  if (rows.length === 0) return [];
  const most = Math.max(...rows.map((t) => t.turnP50Ms.length));
  const header = ['p50 ms of each turn (÷ hand-written)', 'at once', ...Array.from({ length: most }, (_, i) => `turn ${i + 1}`)];
  const cellsOf = (t: TargetResult) => [
    t.label,
    String(t.concurrency),
    ...Array.from({ length: most }, (_, i) => {
      const p50 = t.turnP50Ms[i];
      if (p50 === undefined) return '';
      const vs = t.vsHandwritten?.turnP50[i];
      return vs === undefined ? fixed(p50, 2) : `${fixed(p50, 2)} (${times(vs)})`;
    }),
  ];
  const flows = new Map<string, string[]>();
  for (const t of rows) flows.set(t.flowLabel, t.turnNames);
  return [
    '',
    ...table(header, rows.map(cellsOf)),
    ...[...flows].map(([flow, names]) => `${flow}: ${names.map((name, i) => `turn ${i + 1} ${name}`).join(', ')}.`),
  ];
}

/**
 * One at a time, the least a turn can take when it waits for one disk flush: the echo bot flushing once per turn
 * (no state, dialog or Twilio call), and the hand-written bot's turns that are faster than that, which no bot on
 * the same stack keeping its state on this disk can match. Every row takes turns with the others (measureTogether),
 * so the floor and the hand-written bot's turns saw the same load.
 */
export function floorLines(targets: TargetResult[]): string[] {
  const floor = targets.find((t) => t.bot === 'echo-durable' && t.concurrency === 1);
  if (floor === undefined) return [];
  const echo = targets.find((t) => t.bot === 'echo' && t.concurrency === 1);
  const below: string[] = [];
  for (const hand of targets.filter((t) => t.bot === 'handwritten' && t.concurrency === 1)) {
    hand.turnP50Ms.forEach((p50, i) => {
      if (p50 < floor.latencyMs.p50) below.push(`${hand.flowLabel} turn ${i + 1} (${fixed(p50, 2)} ms)`);
    });
  }
  return [
    '',
    `Floor one at a time: the echo bot flushing once per turn answers in p50 ${fixed(floor.latencyMs.p50, 2)} ms` +
      `${echo ? ` (without the flush ${fixed(echo.latencyMs.p50, 2)} ms)` : ''}: a bot on the same stack (restify, CloudAdapter) that waits for a flush each turn answers no faster.`,
    below.length === 0
      ? "Every turn of the hand-written bot takes longer than that floor."
      : `Turns of the hand-written bot faster than that floor, which no durable bot on that stack can match on this disk: ${below.join(', ')}.`,
  ];
}

/** The human-readable report. */
export function formatReport(result: BenchResult): string[] {
  const { machine, options } = result;
  const idle = Object.entries(result.idleRssMb)
    .map(([bot, mb]) => `${bot} ${fixed(mb, 0)} MB`)
    .join(', ');
  const lines = [
    'Twilio Verify Action: turns over POST /api/messages (expectReplies), every bot in its own process',
    `Machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, ${machine.platform}, node ${machine.node}, load ${machine.loadAverage} at start`,
    `Run: ${options.conversations} conversations per row after ${options.warmup} unmeasured, at ${options.concurrency.join(' and ')} at once${options.postgres ? ', PostgreSQL rows included' : ' (set DATABASE_URL for PostgreSQL rows)'}`,
    'Figures vary from machine to machine and with its load (shared or CI machines especially): compare rows of one run.',
    'Product rows: state committed durably (SQLite: WAL fsynced; PostgreSQL: committed) before each reply; the hand-written bot keeps it in memory.',
    `Idle RSS: ${idle}`,
    `Disk flush (fsync of ${result.diskFlush.pages} pages where the stores are, ${result.diskFlush.count} each way): p50 ${fixed(result.diskFlush.backToBackMs.p50, 2)} ms back to back, ${fixed(result.diskFlush.spacedMs.p50, 2)} ms (p90 ${fixed(result.diskFlush.spacedMs.p90, 2)}) with ${result.diskFlush.gapMs} ms between, as one conversation at a time; a durable SQLite turn waits for one, a turn that sends for two.`,
    '',
    ...table(
      ['bot: flow', 'at once', 'turns', 'turns/s', 'p50 ms', 'p90 ms', 'p99 ms', 'RSS MB', 'CPU ms/turn', 'turns/s ÷ hand', 'p50 ÷ hand', 'p99 ÷ hand', 'RSS ÷ hand', 'CPU ÷ hand', 'echo ÷ turns/s', 'failures'],
      result.targets.map(cells),
    ),
    ...byTurn(result.targets),
    ...floorLines(result.targets),
  ];
  const failed = result.targets.reduce((n, t) => n + t.failures, 0);
  if (failed > 0) {
    lines.push('', `${failed} dialog(s) FAILED, so the figures above partly measure errors. First failures of each row:`);
    for (const f of result.failures) {
      lines.push(`  ${f.label} at ${f.concurrency}, user ${f.user}, turn ${f.step} saying ${JSON.stringify(f.said)}: ${f.reason}`);
    }
  } else {
    lines.push('', "Every dialog was checked: each SMS reached the emulator's outbox and each verification was approved; 0 failures.");
  }
  return lines;
}

async function main(argv: string[]): Promise<number> {
  let options: CliOptions;
  try {
    options = parseOptions(argv);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    throw err;
  }
  const controller = new AbortController();
  const interrupt = () => {
    process.stderr.write('Stopping: finishing the turns in flight and cleaning up (Ctrl-C again to quit at once)…\n');
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  const databaseUrl = process.env.DATABASE_URL || process.env.TEST_DATABASE_URL || undefined;
  if (!options.json) process.stderr.write(`Running ${options.conversations} conversations per row at ${options.concurrency.join(' and ')} at once…\n`);
  try {
    const { json, ...benchOptions } = options;
    const result = await runBenchmark({ ...benchOptions, ...(databaseUrl ? { databaseUrl } : {}), signal: controller.signal });
    process.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : `${formatReport(result).join('\n')}\n`);
    return result.targets.some((t) => t.failures > 0) ? 1 : 0;
  } catch (err) {
    if (err instanceof BenchmarkAborted) {
      process.stderr.write(`${err.message} Servers, emulator and temp directory are cleaned up.\n`);
      return 130;
    }
    process.stderr.write(`bench/turns: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    process.removeListener('SIGINT', interrupt);
    process.removeListener('SIGTERM', interrupt);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`bench/turns: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
