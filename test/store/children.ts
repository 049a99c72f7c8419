import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import type { StoreOptions } from '../../src/store';

/** The options a child process needs to open the same store (everything but functions). */
export type ChildStoreOptions = Pick<StoreOptions, 'dataDir' | 'filename' | 'databaseUrl' | 'schema'>;

export interface StoreChild {
  process: ChildProcess;
  /** Resolves with the first stdout line matching, or rejects when the child exits before printing one. */
  waitForLine(match: (line: string) => boolean): Promise<string>;
  /** Every stdout line so far. */
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Runs test/store/fixtures/<name>.ts in a fresh Node process through tsx. */
export function startStoreChild(name: string, options: ChildStoreOptions, ...args: string[]): StoreChild {
  const script = path.join(__dirname, 'fixtures', `${name}.ts`);
  const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), script, JSON.stringify(options), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const waiters = new Set<{ match: (line: string) => boolean; resolve: (line: string) => void }>();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
  if (!child.stdout) throw new Error('child has no stdout');
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const waiter of waiters) {
      if (waiter.match(line)) {
        waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  });
  return {
    process: child,
    lines,
    exited,
    waitForLine(match) {
      const seen = lines.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise<string>((resolve, reject) => {
        waiters.add({ match, resolve });
        void exited.then(({ code, signal }) => {
          const late = lines.find(match);
          if (late !== undefined) resolve(late);
          else reject(new Error(`${name} exited (code ${code}, signal ${signal}) before the expected line:\n${stderr}`));
        });
      });
    },
  };
}
