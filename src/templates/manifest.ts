/**
 * Builds `manifest.json` from its sources, so it cannot drift: the package's version, the template catalog, and
 * the definition (src/definition: operations, authorization types, configuration fields). `npx tsx src/templates/write-manifest.ts`
 * rewrites the file; a test fails when the committed one differs.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { manifestOf, type Manifest } from '../definition';
import { TemplateCatalog } from './catalog';
import { packageRoot } from './paths';

export interface BuildManifestOptions {
  /** Default: the package's `templates/`. */
  templatesDir?: string;
}

function packageVersion(): string {
  const json: unknown = JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8'));
  const version = typeof json === 'object' && json !== null ? (json as { version?: unknown }).version : undefined;
  if (typeof version !== 'string') throw new Error('package.json has no version');
  return version;
}

/** The manifest of the package: its version and template catalog through the definition's `manifestOf`. */
export async function buildManifest(options: BuildManifestOptions = {}): Promise<Manifest & { $schema: string }> {
  const catalog = new TemplateCatalog({ templatesDir: options.templatesDir });
  return manifestOf({ version: packageVersion(), templates: await catalog.loadAll() });
}

/** The text of manifest.json: pretty-printed with a trailing newline. */
export async function renderManifest(options: BuildManifestOptions = {}): Promise<string> {
  return `${JSON.stringify(await buildManifest(options), null, 2)}\n`;
}
