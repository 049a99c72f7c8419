/**
 * The manifest's JSON Schema (draft 2020-12), the source of its ajv validation and its TypeScript types, and the
 * small schemas of names and prose that the template schema (src/templates/schemas.ts) shares with it.
 */
import type { FromSchema } from 'json-schema-to-ts';

export const DRAFT = 'https://json-schema.org/draft/2020-12/schema';
export const MANIFEST_SCHEMA_ID = 'https://twilio-verify-action.dev/schemas/manifest.schema.json';

export const taskId = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' } as const;
export const version = {
  type: 'string',
  pattern: '^\\d+\\.\\d+\\.\\d+(?:-[0-9A-Za-z.-]+)?$',
  description: 'Semantic version: MAJOR.MINOR.PATCH',
} as const;
export const fieldName = { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]{0,62}$' } as const;
export const title = { type: 'string', minLength: 1, maxLength: 100 } as const;
export const prose = { type: 'string', minLength: 1, maxLength: 1000 } as const;

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

