/**
 * `npm start` and `node dist/src/main.js`: the whole product in one process (src/startup/program.ts), loaded from
 * the build's bundle of it when that is fresh (src/startup/bundle.ts says why and when).
 *
 * Imported as a module, this file loads nothing until it is used, and what it exports always comes from the modules,
 * never from the bundle: `start()` and the classes below are the library's own (`instanceof` holds).
 *
 * Every environment variable is listed in README.md ("Configuration"); src/startup/config.ts reads them.
 */
import type * as Program from './startup/program';
import { freshBundle, loadBundle } from './startup/bundle';

export type { StartOptions, Started } from './startup/program';

/* eslint-disable @typescript-eslint/no-require-imports -- loaded on first use, or from the bundle */
function program(): typeof Program {
  return require('./startup/program') as typeof Program;
}

/** Starts everything from environment variables; resolves once listening. */
export function start(options?: Program.StartOptions): Promise<Program.Started> {
  return program().start(options);
}

/** Runs the server as a program: started, stopped on SIGINT/SIGTERM, a failure in one line and exit code 1. */
export function main(): void {
  const bundle = freshBundle(__dirname);
  (bundle === undefined ? program() : (loadBundle(bundle) as typeof Program)).main();
}
/* eslint-enable @typescript-eslint/no-require-imports */

export declare const createLogger: typeof Program.createLogger;
export declare const REDACTED_PATHS: typeof Program.REDACTED_PATHS;
export declare const StartupError: typeof Program.StartupError;
export declare const REQUIRED_TEMPLATES: typeof Program.REQUIRED_TEMPLATES;
for (const name of ['createLogger', 'REDACTED_PATHS', 'StartupError', 'REQUIRED_TEMPLATES'] as const) {
  Object.defineProperty(module.exports, name, { enumerable: true, get: () => program()[name] });
}

if (require.main === module) main();
