/**
 * The template JSON Schema (draft 2020-12): the single source of both the ajv validation and the
 * TypeScript types. `schemas/template.schema.json` and `schemas/manifest.schema.json` are these objects written out
 * for editors (`npx tsx src/templates/write-manifest.ts`); a test fails when they drift.
 */
import type { FromSchema } from 'json-schema-to-ts';
import { DRAFT, fieldName, manifestSchema, prose, taskId, title, version } from '../definition';
import { DIALOG_SCHEMA_ID, type DialogTask } from '../dialogs';

export const TEMPLATE_SCHEMA_ID = 'https://twilio-verify-action.dev/schemas/template.schema.json';

const templateProperties = {
  $schema: { type: 'string' },
  id: { ...taskId, description: 'The template id; also the id of its dialog and the installed file name' },
  name: title,
  version,
  description: prose,
  requires: {
    type: 'object',
    properties: {
      config: {
        type: 'array',
        uniqueItems: true,
        maxItems: 50,
        items: fieldName,
        description: 'The configuration fields the dialog reads (config.<field>)',
      },
    },
    additionalProperties: false,
  },
} as const;

export const templateSchema = {
  $schema: DRAFT,
  $id: TEMPLATE_SCHEMA_ID,
  title: 'Template',
  description: 'A pre-built template of the action: installing it writes its dialog to dialogs/<id>.json.',
  type: 'object',
  properties: { ...templateProperties, dialog: { $ref: DIALOG_SCHEMA_ID } },
  required: ['id', 'name', 'version', 'description', 'dialog'],
  additionalProperties: false,
} as const;

/** The template without its dialog: json-schema-to-ts cannot follow the $ref, and the engine types the dialog. */
export const templateEnvelopeSchema = {
  type: 'object',
  properties: templateProperties,
  required: ['id', 'name', 'version', 'description'],
  additionalProperties: false,
} as const;

/** A template file, after validation. */
export type Template = FromSchema<typeof templateEnvelopeSchema> & { dialog: DialogTask };

/** The schema files this folder owns, by their name under `schemas/`. */
export const SCHEMA_FILES = {
  'template.schema.json': templateSchema,
  'manifest.schema.json': manifestSchema,
} as const;
