/**
 * The template and manifest JSON Schemas (draft 2020-12): the single source of both the ajv validation and the
 * TypeScript types. `schemas/template.schema.json` and `schemas/manifest.schema.json` are these objects written out
 * for editors (`npx tsx src/templates/write-manifest.ts`); a test fails when they drift.
 */
import type { FromSchema } from 'json-schema-to-ts';
import { DIALOG_SCHEMA_ID, type DialogTask } from '../dialogs';

const DRAFT = 'https://json-schema.org/draft/2020-12/schema';
export const TEMPLATE_SCHEMA_ID = 'https://twilio-verify-action.dev/schemas/template.schema.json';
export const MANIFEST_SCHEMA_ID = 'https://twilio-verify-action.dev/schemas/manifest.schema.json';

const taskId = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' } as const;
const version = {
  type: 'string',
  pattern: '^\\d+\\.\\d+\\.\\d+(?:-[0-9A-Za-z.-]+)?$',
  description: 'Semantic version: MAJOR.MINOR.PATCH',
} as const;
const fieldName = { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]{0,62}$' } as const;
const title = { type: 'string', minLength: 1, maxLength: 100 } as const;
const prose = { type: 'string', minLength: 1, maxLength: 1000 } as const;

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

const field = {
  type: 'object',
  description: 'A value the admin (or, for user-authorized profiles, the end user) supplies',
  properties: {
    name: fieldName,
    label: title,
    description: prose,
    required: { type: 'boolean' },
    secret: { type: 'boolean', description: 'Encrypted at rest, never shown again, never written to dialogs/' },
    schema: { type: 'object', description: 'The JSON Schema the value must pass' },
  },
  required: ['name', 'label', 'description', 'required', 'secret', 'schema'],
  additionalProperties: false,
} as const;

const preAuthorized = {
  type: 'object',
  description: 'The admin authorizes the integration once; every user\'s dialogs use these credentials',
  properties: {
    type: { const: 'pre-authorized' },
    name: title,
    description: prose,
    scheme: { const: 'basic' },
    credentials: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: {
          kind: { enum: ['auth-token', 'api-key'] },
          label: title,
          description: prose,
          fields: { type: 'array', minItems: 1, items: field },
        },
        required: ['kind', 'label', 'description', 'fields'],
        additionalProperties: false,
      },
    },
    settings: { type: 'array', items: field },
  },
  required: ['type', 'name', 'description', 'scheme', 'credentials', 'settings'],
  additionalProperties: false,
} as const;

const userAuthorized = {
  type: 'object',
  description: 'Each end user authorizes the integration at run time, through an auth profile the admin creates',
  properties: {
    type: { const: 'user-authorized' },
    name: title,
    description: prose,
    scheme: { const: 'basic' },
    profileFields: { type: 'array', minItems: 1, items: field },
    userFields: { type: 'array', minItems: 1, items: field },
  },
  required: ['type', 'name', 'description', 'scheme', 'profileFields', 'userFields'],
  additionalProperties: false,
} as const;

export const manifestSchema = {
  $schema: DRAFT,
  $id: MANIFEST_SCHEMA_ID,
  title: 'Action manifest',
  description: 'The Twilio Verify action package: authorization types, configuration, operations and templates.',
  type: 'object',
  properties: {
    $schema: { type: 'string' },
    id: taskId,
    name: title,
    version,
    description: prose,
    authorizationTypes: { type: 'array', minItems: 1, items: { oneOf: [preAuthorized, userAuthorized] } },
    configuration: { type: 'array', items: field },
    operations: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: {
          name: { type: 'string', pattern: '^[a-z][A-Za-z0-9]{0,62}$' },
          description: prose,
          inputSchema: { type: 'object' },
          outputSchema: { type: 'object' },
        },
        required: ['name', 'description', 'inputSchema', 'outputSchema'],
        additionalProperties: false,
      },
    },
    templates: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: taskId,
          name: title,
          version,
          description: prose,
          file: { type: 'string', pattern: '^templates/[a-z0-9][a-z0-9-]{0,62}\\.json$' },
        },
        required: ['id', 'name', 'version', 'description', 'file'],
        additionalProperties: false,
      },
    },
  },
  required: ['id', 'name', 'version', 'description', 'authorizationTypes', 'configuration', 'operations', 'templates'],
  additionalProperties: false,
} as const;

export type Manifest = FromSchema<typeof manifestSchema>;
export type ManifestField = Manifest['configuration'][number];
export type AuthorizationType = Manifest['authorizationTypes'][number];

/** The schema files this folder owns, by their name under `schemas/`. */
export const SCHEMA_FILES = {
  'template.schema.json': templateSchema,
  'manifest.schema.json': manifestSchema,
} as const;
