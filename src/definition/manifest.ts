/**
 * The manifest's content from the definition: authorization types and configuration fields (configuration.ts, over
 * the admin API's schemas), the operations (operations.ts) and the templates. `buildManifest` in src/templates loads
 * the template catalog and the package version and passes them here; `manifest.json` is its output.
 */
import { authorizationTypes, configurationFields } from './configuration';
import type { Manifest } from './manifest-schema';
import { operationDefinitions } from './operations';

/** The action's id, in the manifest. */
export const ACTION_MANIFEST_ID = 'twilio-verify';

/** A template as the manifest lists it. */
export interface ManifestTemplate {
  id: string;
  name: string;
  version: string;
  description: string;
}

/** Plain JSON (no frozen or shared objects) of a schema. */
function jsonOf(value: object): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}

/** The manifest of this version of the action with these templates. */
export function manifestOf(input: { version: string; templates: readonly ManifestTemplate[] }): Manifest & { $schema: string } {
  return {
    $schema: './schemas/manifest.schema.json',
    id: ACTION_MANIFEST_ID,
    name: 'Twilio Verify',
    version: input.version,
    description:
      'Twilio SMS and Twilio Verify (one-time passcodes) for Bot Framework bots: authorize once or per user, then install templates that become ready-to-run dialog tasks.',
    authorizationTypes: authorizationTypes(),
    configuration: configurationFields(),
    operations: operationDefinitions().map((op) => ({
      name: op.name,
      description: op.description,
      inputSchema: jsonOf(op.inputSchema),
      outputSchema: jsonOf(op.outputSchema),
    })),
    templates: input.templates.map((t) => ({
      id: t.id,
      name: t.name,
      version: t.version,
      description: t.description,
      file: `templates/${t.id}.json`,
    })),
  };
}
