/**
 * The build's bundle of the program (scripts/build-bundle.cjs runs esbuild over the built program after tsc): the
 * program and every module it loads in one file. Node loads that with about a fifth less CPU than the ~1,600 files
 * a start otherwise resolves, reads and compiles one by one (issue 11, measured with `npm run bench:start`).
 *
 * It is used only while it is fresh: each of our modules in it (dist/src), and the package.json of each dependency
 * in it with npm's record of node_modules (`node_modules/.package-lock.json`; npm rewrites both whenever it installs,
 * updates or removes a package), still has the size and modification time the build recorded. After an edit and
 * `npx tsc` alone, a dependency changed by npm, or without a bundle at all, the program runs from its modules as
 * before. (A file edited by hand inside node_modules is not looked at: `npm run build` after that.) Checking about
 * 300 files costs a few milliseconds; every file of the bundle would be 2,300 (15-45 ms measured).
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** What the build records next to the bundle: what tells its freshness (relative to the package root), size and mtime. */
export interface BundleRecord {
  format: 1;
  bundle: { size: number; mtimeMs: number };
  inputs: [file: string, size: number, mtimeMs: number][];
}

/** The bundle and its record, in the built `dist/src/`. */
export function bundleFiles(distSrc: string): { bundle: string; record: string } {
  return { bundle: path.join(distSrc, 'program.bundle.js'), record: path.join(distSrc, 'program.bundle.json') };
}

function unchanged(file: string, size: number, mtimeMs: number): boolean {
  const stats = statSync(file, { throwIfNoEntry: false });
  return stats !== undefined && stats.size === size && stats.mtimeMs === mtimeMs;
}

/** The bundle of the program built in `distSrc`, when there is one and it is fresh; undefined otherwise. */
export function freshBundle(distSrc: string): string | undefined {
  const { bundle, record: recordFile } = bundleFiles(distSrc);
  let record: BundleRecord;
  try {
    record = JSON.parse(readFileSync(recordFile, 'utf8')) as BundleRecord;
  } catch {
    return undefined; // no bundle was built here (tests from src/, a build without it)
  }
  if (record.format !== 1 || !unchanged(bundle, record.bundle.size, record.bundle.mtimeMs)) return undefined;
  const root = path.join(distSrc, '..', '..');
  return record.inputs.every(([file, size, mtimeMs]) => unchanged(path.resolve(root, file), size, mtimeMs)) ? bundle : undefined;
}
