/**
 * Where the installer looks by default: the package's own `templates/` (shipped with it) and the current
 * directory's `dialogs/` (the bot project's).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const PACKAGE_NAME = 'twilio-verify-action';

/** The installed package's root: the nearest parent of this file whose package.json is ours (works from src/ and dist/src/). */
export function packageRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const json: unknown = JSON.parse(readFileSync(manifest, 'utf8'));
        if (typeof json === 'object' && json !== null && (json as { name?: unknown }).name === PACKAGE_NAME) return dir;
      } catch {
        // An unreadable package.json is not ours: keep looking upwards.
      }
    }
    if (path.dirname(dir) === dir) throw new Error(`Cannot find the ${PACKAGE_NAME} package root above ${__dirname}`);
  }
}

/** The package's `templates/` directory. */
export function defaultTemplatesDir(): string {
  return path.join(packageRoot(), 'templates');
}

/** `./dialogs` of the current working directory: the bot project's installed dialogs. */
export function defaultDialogsDir(): string {
  return path.resolve(process.cwd(), 'dialogs');
}

/** The ids templates and dialogs may have: also file names, so nothing can escape the directory. */
export const TASK_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function isTaskId(value: string): boolean {
  return TASK_ID_PATTERN.test(value);
}
