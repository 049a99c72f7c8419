/**
 * Builds `manifest.json` from its sources, so it cannot drift: the package's name and version, the gateway's
 * operation registry (names, descriptions, input and output schemas), the admin API's schemas (authorization types
 * and configuration fields, see definition.ts) and the template catalog. `npx tsx src/templates/write-manifest.ts`
 * rewrites the file; a test fails when the committed one differs.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { OPERATION_NAMES, operations } from '../twilio';
import { TemplateCatalog } from './catalog';
import { authorizationTypes, configurationFields } from './definition';
import { packageRoot } from './paths';
import type { Manifest } from './schemas';

export const ACTION_MANIFEST_ID = 'twilio-verify';

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

/** Plain JSON (no frozen or shared objects) of a schema. */
function jsonOf(value: object): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}

export async function buildManifest(options: BuildManifestOptions = {}): Promise<Manifest & { $schema: string }> {
  const catalog = new TemplateCatalog({ templatesDir: options.templatesDir });
  const templates = await catalog.loadAll();
  return {
    $schema: './schemas/manifest.schema.json',
    id: ACTION_MANIFEST_ID,
    name: 'Twilio Verify',
    version: packageVersion(),
    description:
      'Twilio SMS and Twilio Verify (one-time passcodes) for Bot Framework bots: authorize once or per user, then install templates that become ready-to-run dialog tasks.',
    authorizationTypes: authorizationTypes(),
    configuration: configurationFields(),
    operations: OPERATION_NAMES.map((name) => ({
      name,
      description: operations[name].description,
      inputSchema: jsonOf(operations[name].inputSchema),
      outputSchema: jsonOf(operations[name].outputSchema),
    })),
    templates: templates.map((t) => ({
      id: t.id,
      name: t.name,
      version: t.version,
      description: t.description,
      file: `templates/${t.id}.json`,
    })),
  };
}

/** The text of manifest.json: pretty-printed with a trailing newline. */
export async function renderManifest(options: BuildManifestOptions = {}): Promise<string> {
  return `${JSON.stringify(await buildManifest(options), null, 2)}\n`;
}
