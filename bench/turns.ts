/**
 * `npx tsx bench/turns.ts [--users 8] [--seconds 10] [--warmup 2] [--max-dialogs N] [--json]`
 *
 * Turns per second and turn latency of the Send SMS dialog and of the whole OTP flow over `POST /api/messages`,
 * against the in-process Twilio emulator, next to a bare botbuilder echo bot measured in the same run. Every dialog
 * is checked (the SMS reached the outbox, the code was approved); any failure is printed and the exit code is 1.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { BenchmarkAborted, runBenchmark, type BenchOptions, type BenchResult, type TargetResult } from './run';

/** Defaults of the command-line options. */
export const DEFAULTS = { users: 8, seconds: 10, warmup: 2, maxDialogs: 100_000 } as const;

function wholeNumber(name: string, min: number, max: number, example: number) {
  return (text: string): number => {
    const n = Number(text);
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}, e.g. --${name} ${example}.`);
    }
    return n;
  };
}

function seconds(name: string, min: number, max: number, exclusiveMin: boolean, example: number) {
  return (text: string): number => {
    const n = Number(text);
    const tooSmall = exclusiveMin ? n <= min : n < min;
    if (text.trim() === '' || !Number.isFinite(n) || tooSmall || n > max) {
      const low = exclusiveMin ? `more than ${min}` : `at least ${min}`;
      throw new InvalidArgumentError(`${name} must be a number of seconds, ${low} and at most ${max}, e.g. --${name} ${example}.`);
    }
    return n;
  };
}

/** The command line, without running anything (tests parse with it). */
export function buildCommand(): Command {
  return new Command('bench/turns')
    .description('Turns per second and latency of the Send SMS dialog and the OTP flow, against a bare botbuilder echo bot.')
    .option('--users <n>', 'virtual users per target, each in its own conversation', wholeNumber('users', 1, 256, DEFAULTS.users), DEFAULTS.users)
    .option('--seconds <s>', 'measured seconds per target', seconds('seconds', 0, 600, true, DEFAULTS.seconds), DEFAULTS.seconds)
    .option('--warmup <s>', 'unmeasured seconds per target before measuring (0: none)', seconds('warmup', 0, 120, false, DEFAULTS.warmup), DEFAULTS.warmup)
    .option('--max-dialogs <n>', 'most dialogs one user runs per phase', wholeNumber('max-dialogs', 1, 10_000_000, 1000), DEFAULTS.maxDialogs)
    .option('--json', 'print the result as JSON instead of a table')
    .showHelpAfterError('(add --help for the options)')
    .allowExcessArguments(false);
}

export interface CliOptions extends Omit<BenchOptions, 'signal'> {
  json: boolean;
}

/** Parses argv (without node and the script); throws `CommanderError` after commander printed the problem. */
export function parseOptions(args: string[], output?: { writeOut(s: string): void; writeErr(s: string): void }): CliOptions {
  const command = buildCommand().exitOverride();
  if (output) command.configureOutput(output);
  command.parse(args, { from: 'user' });
  const opts = command.opts<{ users: number; seconds: number; warmup: number; maxDialogs: number; json?: boolean }>();
  return { users: opts.users, seconds: opts.seconds, warmup: opts.warmup, maxDialogs: opts.maxDialogs, json: opts.json === true };
}

const fixed = (n: number, digits: number) => (Number.isFinite(n) ? n.toFixed(digits) : '∞');

function row(cells: string[], widths: number[]): string {
  return cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ').trimEnd();
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [row(header, widths), row(widths.map((w) => '-'.repeat(w)), widths), ...rows.map((r) => row(r, widths))];
}

function labelOf(t: TargetResult): string {
  return t.id === 'echo' ? t.label : `${t.label} (${t.turnsPerDialog} turns)`;
}

/** The human-readable report. */
export function formatReport(result: BenchResult): string[] {
  const { machine, options } = result;
  const lines = [
    'Twilio Verify Action: turns over POST /api/messages (expectReplies), product against the in-process Twilio emulator',
    `Machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, ${machine.platform}, node ${machine.node}, load ${machine.loadAverage} at start`,
    `Run: ${options.users} virtual users per target, ${options.warmup} s warmup then ${options.seconds} s measured, targets one after the other`,
    'Figures vary from machine to machine and with its load (shared or CI machines especially): compare rows of one run.',
    '',
    ...table(
      ['target', 'turns', 'turns/s', 'dialogs/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'failures'],
      result.targets.map((t) => [
        labelOf(t),
        String(t.turns),
        fixed(t.turnsPerSecond, 0),
        t.id === 'echo' ? '-' : fixed(t.dialogsPerSecond, 1),
        fixed(t.latencyMs.p50, 2),
        fixed(t.latencyMs.p90, 2),
        fixed(t.latencyMs.p99, 2),
        fixed(t.latencyMs.max, 2),
        `${t.failures}${t.gaveUp ? ' (gave up)' : ''}`,
      ]),
    ),
    '',
    ...table(
      ['compared with the echo bot', 'echo turns/s ÷ turns/s', 'p50 ÷ echo p50'],
      result.comparisons.map((c) => {
        const target = result.targets.find((t) => t.id === c.id);
        return [target ? target.label : c.id, `${fixed(c.throughputRatio, 1)}×`, `${fixed(c.p50Ratio, 1)}×`];
      }),
    ),
  ];
  const failed = result.targets.reduce((n, t) => n + t.failures, 0);
  if (failed > 0) {
    lines.push('', `${failed} dialog(s) FAILED, so the figures above partly measure errors. First failures of each target:`);
    for (const f of result.failures) {
      lines.push(`  ${f.target} (${f.phase}), user ${f.user}, turn ${f.step} saying ${JSON.stringify(f.said)}: ${f.reason}`);
    }
  } else {
    lines.push('', 'Every dialog was checked: each SMS reached the emulator\'s outbox and each verification was approved; 0 failures.');
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
  if (!options.json) {
    const perTarget = options.warmup + options.seconds;
    process.stderr.write(`Running 3 targets for about ${Math.ceil(perTarget * 3)} s (${options.users} users each)…\n`);
  }
  try {
    const { json, ...benchOptions } = options;
    const result = await runBenchmark({ ...benchOptions, signal: controller.signal });
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
