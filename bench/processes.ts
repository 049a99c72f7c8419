/**
 * The benchmark's server processes: each bot (and the standalone emulator) in a child process of its own, started
 * with `node -r tsx/cjs` like the others so no bot gets a head start, and its resident memory read from /proc.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';

/** The repository root (bench/ is one level down). */
export const REPO_ROOT = path.resolve(__dirname, '..');

const STARTUP_LIMIT_MS = 60_000;
/** The kernel's clock ticks per second (USER_HZ), the unit of /proc/PID/stat's CPU times; 100 on Linux almost always. */
const CLOCK_TICKS_PER_SECOND = (() => {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
})();

export interface ServerProcess {
  readonly process: ChildProcess;
  /** The first match of the `ready` pattern's group 1 (the URL). */
  readonly url: string;
  output(): string;
  /** Resident set size in MB (Linux); undefined elsewhere or once it exited. */
  rssMb(): number | undefined;
  /** CPU time (user + system) the process has used so far, ms (Linux); undefined elsewhere or once it exited. */
  cpuMs(): number | undefined;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (for servers that take a port rather than picking one). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/**
 * Spawns `node -r tsx/cjs <script> ...args` and resolves when its output matches `ready` (group 1: the URL). With
 * BENCH_PROFILE_DIR set, each server gets `--cpu-prof` there, written when it exits on SIGTERM (the emulator and
 * the products do; see the README's Performance). With
 * BENCH_LOG_DIR set, everything each server writes to stdout and stderr is kept there, one file per process
 * (`<script>[-<first argument>]-<pid>.log`); otherwise only the start of it, to find its URL.
 */
export function spawnServer(script: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<ServerProcess> {
  const profileDir = process.env.BENCH_PROFILE_DIR;
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(process.execPath, [...profile, '--no-deprecation', '-r', 'tsx/cjs', script, ...args], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const logDir = process.env.BENCH_LOG_DIR;
  if (logDir) {
    mkdirSync(logDir, { recursive: true });
    const name = `${path.basename(script, path.extname(script))}${args[0] && !args[0].startsWith('-') ? `-${args[0]}` : ''}-${child.pid ?? 'unknown'}.log`;
    const log = createWriteStream(path.join(logDir, name));
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    child.once('close', () => log.end());
  }
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        resolve();
        return;
      }
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 60_000).unref();
    });
  const rssMb = () => {
    if (child.pid === undefined || child.exitCode !== null) return undefined;
    try {
      const kb = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
      return kb === undefined ? undefined : Number(kb) / 1024;
    } catch {
      return undefined;
    }
  };
  const cpuMs = () => {
    if (child.pid === undefined || child.exitCode !== null) return undefined;
    try {
      // Fields 14 and 15 of /proc/PID/stat (utime, stime) in clock ticks; the name (field 2) may hold spaces.
      const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]);
      return Number.isFinite(ticks) ? (ticks * 1000) / CLOCK_TICKS_PER_SECOND : undefined;
    } catch {
      return undefined;
    }
  };
  return new Promise<ServerProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not start within ${STARTUP_LIMIT_MS} ms:\n${out}`));
    }, STARTUP_LIMIT_MS);
    const onData = (chunk: Buffer) => {
      // Only the start is kept: the emulator logs every delivery, and the benchmark must not hoard it.
      if (out.length < 64 * 1024) out += chunk.toString('utf8');
      const url = ready.exec(out)?.[1];
      if (url !== undefined) {
        clearTimeout(timer);
        resolve({ process: child, url, output: () => out, rssMb, cpuMs, stop });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited early (code ${code}, signal ${signal}):\n${out}`));
    });
  });
}
