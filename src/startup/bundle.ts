/**
 * The build's bundle of the program (scripts/build-bundle.cjs runs esbuild over the built program after tsc): the
 * program and every module it loads in one file, with V8's code cache of it. Node loads the ~1,600 files of a start
 * one by one, resolving, reading and compiling each (node 20 has no compile cache); one file with its code cache
 * costs much less CPU (issue 11, measured with `npm run bench:start`: README, Performance, Start).
 *
 * It is used only while it is fresh: each of our modules in it (dist/src), and the package.json of each dependency
 * in it with npm's record of node_modules (`node_modules/.package-lock.json`; npm rewrites both whenever it installs,
 * updates or removes a package), still has the size and modification time the build recorded. After an edit and
 * `npx tsc` alone, a dependency changed by npm, or without a bundle at all, the program runs from its modules as
 * before. (A file edited by hand inside node_modules is not looked at: `npm run build` after that.) Checking about
 * 380 files costs a few milliseconds; every file of the bundle would be 2,300 (15-45 ms measured).
 *
 * The code cache is V8's own (`vm.Script` `cachedData`), made by the build from this very bundle (its size and
 * mtime are recorded with it); V8 refuses one made by another V8 or with other V8 flags, and the bundle is then
 * compiled as usual.
 */
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Script } from 'node:vm';

interface FileStamp {
  size: number;
  mtimeMs: number;
}

/** What the build records next to the bundle: what tells its freshness (relative to the package root), size and mtime. */
export interface BundleRecord {
  format: 1;
  bundle: FileStamp;
  /** The code cache of the bundle, when the build made one. */
  cache?: FileStamp;
  inputs: [file: string, size: number, mtimeMs: number][];
}

/** The bundle, its code cache and its record, in the built `dist/src/`. */
export function bundleFiles(distSrc: string): { bundle: string; cache: string; record: string } {
  return {
    bundle: path.join(distSrc, 'program.bundle.js'),
    cache: path.join(distSrc, 'program.bundle.cache'),
    record: path.join(distSrc, 'program.bundle.json'),
  };
}

function unchanged(file: string, size: number, mtimeMs: number): boolean {
  const stats = statSync(file, { throwIfNoEntry: false });
  return stats !== undefined && stats.size === size && stats.mtimeMs === mtimeMs;
}

/** A bundle fit to run: the file, and its code cache when the build made one for it. */
export interface FreshBundle {
  file: string;
  cache?: string;
}

/** The bundle of the program built in `distSrc`, when there is one and it is fresh; undefined otherwise. */
export function freshBundle(distSrc: string): FreshBundle | undefined {
  const files = bundleFiles(distSrc);
  let record: BundleRecord;
  try {
    record = JSON.parse(readFileSync(files.record, 'utf8')) as BundleRecord;
  } catch {
    return undefined; // no bundle was built here (tests from src/, a build without it)
  }
  if (record.format !== 1 || !unchanged(files.bundle, record.bundle.size, record.bundle.mtimeMs)) return undefined;
  const root = path.join(distSrc, '..', '..');
  if (!record.inputs.every(([file, size, mtimeMs]) => unchanged(path.resolve(root, file), size, mtimeMs))) return undefined;
  const cache = record.cache && unchanged(files.cache, record.cache.size, record.cache.mtimeMs) ? files.cache : undefined;
  return { file: files.bundle, ...(cache ? { cache } : {}) };
}

/** The bundle compiled as node compiles a CommonJS module, with `cachedData` when given. */
export function compileBundle(file: string, cachedData?: Buffer): Script {
  const source = readFileSync(file, 'utf8');
  // Node's own module wrapper, on the first line: line numbers in stack traces stay the bundle's.
  const wrapped = `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;
  return new Script(wrapped, { filename: file, ...(cachedData ? { cachedData } : {}) });
}

/** Runs a compiled bundle as the CommonJS module `file` (requires resolve from its directory); its exports. */
export function runBundle(script: Script, file: string): unknown {
  const run = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: { exports: unknown }, filename: string, dirname: string) => void;
  const module = { exports: {} };
  run.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  return module.exports;
}

/** Loads a fresh bundle, with its code cache when there is one (a cache V8 refuses only costs the compile). */
export function loadBundle(bundle: FreshBundle): unknown {
  let cachedData: Buffer | undefined;
  try {
    cachedData = bundle.cache ? readFileSync(bundle.cache) : undefined;
  } catch {
    cachedData = undefined;
  }
  return runBundle(compileBundle(bundle.file, cachedData), bundle.file);
}
