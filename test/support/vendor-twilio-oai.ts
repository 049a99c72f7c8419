/**
 * Vendors the parts of Twilio's official OpenAPI specs that the tests use (the emulator's conformance checks) into
 * test/fixtures/twilio-oai/, so a clone needs nothing beside it: every path the emulator serves, whole, with the
 * component schemas they reference (transitively) and the security scheme. MIT-licensed: the LICENSE travels along.
 *
 *   npx tsx test/support/vendor-twilio-oai.ts [SOURCE_DIR]   (default ../shared/twilio-oai)
 *
 * test/twilio-oai.test.ts checks, where the full specs are at hand, that the vendored files are exactly what this
 * script extracts.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** The spec files, and the paths of each that the emulator serves. */
export const VENDORED_PATHS: Readonly<Record<string, readonly string[]>> = {
  'twilio_api_v2010.json': [
    '/2010-04-01/Accounts/{Sid}.json',
    '/2010-04-01/Accounts/{AccountSid}/Messages.json',
    '/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json',
  ],
  'twilio_verify_v2.json': [
    '/v2/Services',
    '/v2/Services/{Sid}',
    '/v2/Services/{ServiceSid}/Verifications',
    '/v2/Services/{ServiceSid}/Verifications/{Sid}',
    '/v2/Services/{ServiceSid}/VerificationCheck',
    '/v2/Attempts',
  ],
};

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const VENDORED_DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'twilio-oai');
export const DEFAULT_SOURCE_DIR = path.resolve(REPO_ROOT, '..', 'shared', 'twilio-oai');

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

function refsOf(node: Json, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) refsOf(item, into);
    return;
  }
  if (!isObject(node)) return;
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string') {
      const name = /^#\/components\/schemas\/(.+)$/.exec(value)?.[1];
      if (name !== undefined) into.add(name);
    } else {
      refsOf(value, into);
    }
  }
}

/** The subset of one spec: the listed paths and every schema they reach. */
export function extract(spec: JsonObject, paths: readonly string[]): JsonObject {
  const allPaths = isObject(spec.paths) ? spec.paths : {};
  const components = isObject(spec.components) ? spec.components : {};
  const schemas = isObject(components.schemas) ? components.schemas : {};
  const keptPaths: JsonObject = {};
  for (const p of paths) {
    const item = allPaths[p];
    if (item === undefined) throw new Error(`the spec has no path ${p}`);
    keptPaths[p] = item;
  }
  const names = new Set<string>();
  refsOf(keptPaths, names);
  const done = new Set<string>();
  for (let pending = [...names]; pending.length > 0; ) {
    const name = pending.pop() ?? '';
    if (done.has(name)) continue;
    done.add(name);
    const found = new Set<string>();
    refsOf(schemas[name] ?? null, found);
    pending = [...pending, ...[...found].filter((n) => !done.has(n))];
  }
  const keptSchemas: JsonObject = {};
  for (const name of [...done].sort()) {
    const schema = schemas[name];
    if (schema === undefined) throw new Error(`the spec has no schema ${name}`);
    keptSchemas[name] = schema;
  }
  return {
    openapi: spec.openapi ?? null,
    info: spec.info ?? null,
    servers: spec.servers ?? null,
    security: spec.security ?? null,
    components: { securitySchemes: components.securitySchemes ?? null, schemas: keptSchemas },
    paths: keptPaths,
  };
}

/** The vendored file's text for one spec file of `sourceDir`. */
export function vendoredText(sourceDir: string, file: string): string {
  const spec = JSON.parse(readFileSync(path.join(sourceDir, file), 'utf8')) as JsonObject;
  return `${JSON.stringify(extract(spec, VENDORED_PATHS[file] ?? []), null, 1)}\n`;
}

function main(sourceDir: string): void {
  mkdirSync(VENDORED_DIR, { recursive: true });
  for (const file of Object.keys(VENDORED_PATHS)) {
    writeFileSync(path.join(VENDORED_DIR, file), vendoredText(sourceDir, file));
    process.stdout.write(`wrote ${path.relative(REPO_ROOT, path.join(VENDORED_DIR, file))}\n`);
  }
  copyFileSync(path.join(sourceDir, 'LICENSE'), path.join(VENDORED_DIR, 'LICENSE'));
}

if (require.main === module) main(path.resolve(process.argv[2] ?? DEFAULT_SOURCE_DIR));
