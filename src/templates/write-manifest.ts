/**
 * Rewrites the generated files this folder owns: `manifest.json`, `schemas/template.schema.json` and
 * `schemas/manifest.schema.json`. Run `npx tsx src/templates/write-manifest.ts` after changing an operation,
 * a template or a schema.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderManifest } from './manifest';
import { packageRoot } from './paths';
import { SCHEMA_FILES } from './schemas';

/** The generated files, by path relative to the package root, with their content. */
export async function generatedFiles(): Promise<Record<string, string>> {
  const files: Record<string, string> = { 'manifest.json': await renderManifest() };
  for (const [name, schema] of Object.entries(SCHEMA_FILES)) files[`schemas/${name}`] = `${JSON.stringify(schema, null, 2)}\n`;
  return files;
}

async function writeAll(): Promise<void> {
  const root = packageRoot();
  for (const [file, text] of Object.entries(await generatedFiles())) {
    await writeFile(path.join(root, file), text);
    process.stdout.write(`wrote ${file}\n`);
  }
}

if (require.main === module) {
  writeAll().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
