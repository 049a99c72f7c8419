/**
 * The dialog task JSON Schema (draft 2020-12), the single source of both the ajv validation and the TypeScript
 * types. `schemas/dialog.schema.json` is this object written out for editors; a test proves the two are equal.
 */
import type { FromSchema } from 'json-schema-to-ts';

export const DIALOG_SCHEMA_ID = 'https://twilio-verify-action.dev/schemas/dialog.schema.json';

export const dialogSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: DIALOG_SCHEMA_ID,
  title: 'Dialog task',
  description:
    'A dialog task the bot runs: an intent node, then entity, service, dialog, message and logic nodes joined by transitions.',
  type: 'object',
  properties: {
    $schema: { type: 'string' },
    id: { $ref: '#/$defs/taskId' },
    name: { type: 'string', minLength: 1, maxLength: 100 },
    description: { type: 'string', maxLength: 1000 },
    help: { type: 'string', minLength: 1, maxLength: 1000 },
    start: { $ref: '#/$defs/nodeId' },
    inputs: {
      description:
        'Values another dialog (a dialog node) or a developer (`beginDialog(id, { name: value })`) may pass in: each fills an entity, read as if the user had typed it, so its question is skipped.',
      type: 'object',
      maxProperties: 20,
      propertyNames: { $ref: '#/$defs/name' },
      additionalProperties: {
        type: 'object',
        properties: {
          entity: { $ref: '#/$defs/name' },
          description: { type: 'string', maxLength: 500 },
        },
        required: ['entity'],
        additionalProperties: false,
      },
    },
    result: {
      description:
        'The typed result the dialog ends with: one of its outcomes (an ending message node names it; the engine\'s own cancel and failure endings use onCancel and onFailure) and fields evaluated when it ends.',
      type: 'object',
      properties: {
        outcomes: { type: 'array', minItems: 1, maxItems: 20, uniqueItems: true, items: { $ref: '#/$defs/outcome' } },
        onCancel: { $ref: '#/$defs/outcome' },
        onFailure: { $ref: '#/$defs/outcome' },
        fields: {
          type: 'object',
          maxProperties: 20,
          propertyNames: { $ref: '#/$defs/name' },
          additionalProperties: { $ref: '#/$defs/expression' },
        },
      },
      required: ['outcomes', 'onCancel', 'onFailure'],
      additionalProperties: false,
    },
    nodes: { type: 'array', minItems: 1, maxItems: 200, items: { $ref: '#/$defs/node' } },
    installedFrom: {
      type: 'object',
      properties: {
        template: { $ref: '#/$defs/taskId' },
        version: { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+(?:-[0-9A-Za-z.-]+)?$' },
        hash: { type: 'string', minLength: 1, maxLength: 200 },
      },
      required: ['template', 'version', 'hash'],
      additionalProperties: false,
    },
  },
  required: ['id', 'name', 'description', 'start', 'nodes'],
  additionalProperties: false,
  $defs: {
    taskId: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' },
    nodeId: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_-]{0,62}$' },
    name: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]{0,62}$' },
    outcome: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,62}$' },
    expression: { type: 'string', minLength: 1, maxLength: 1000 },
    textTemplate: { type: 'string', minLength: 1, maxLength: 4000 },
    utterances: {
      type: 'array',
      minItems: 1,
      maxItems: 50,
      items: { type: 'string', minLength: 1, maxLength: 200 },
    },
    suggestions: {
      type: 'array',
      minItems: 1,
      maxItems: 10,
      items: { type: 'string', minLength: 1, maxLength: 100 },
    },
    transitions: {
      type: 'array',
      maxItems: 50,
      items: {
        type: 'object',
        properties: {
          if: { $ref: '#/$defs/expression' },
          then: { $ref: '#/$defs/nodeId' },
        },
        required: ['if', 'then'],
        additionalProperties: false,
      },
    },
    node: {
      type: 'object',
      discriminator: { propertyName: 'type' },
      required: ['type'],
      oneOf: [
        { $ref: '#/$defs/intentNode' },
        { $ref: '#/$defs/entityNode' },
        { $ref: '#/$defs/serviceNode' },
        { $ref: '#/$defs/dialogNode' },
        { $ref: '#/$defs/messageNode' },
        { $ref: '#/$defs/logicNode' },
      ],
    },
    intentNode: {
      type: 'object',
      properties: {
        id: { $ref: '#/$defs/nodeId' },
        type: { const: 'intent' },
        utterances: { $ref: '#/$defs/utterances' },
        next: { $ref: '#/$defs/nodeId' },
      },
      required: ['id', 'type', 'utterances'],
      additionalProperties: false,
    },
    entityNode: {
      type: 'object',
      properties: {
        id: { $ref: '#/$defs/nodeId' },
        type: { const: 'entity' },
        entity: { $ref: '#/$defs/name' },
        entityType: { enum: ['phone', 'email', 'digits', 'text', 'enum', 'number', 'yesno'] },
        prompt: { $ref: '#/$defs/textTemplate' },
        errorPrompt: { $ref: '#/$defs/textTemplate' },
        help: { $ref: '#/$defs/textTemplate' },
        retries: { type: 'integer', minimum: 0, maximum: 10 },
        default: { $ref: '#/$defs/expression' },
        suggestions: { $ref: '#/$defs/suggestions' },
        commands: {
          type: 'array',
          minItems: 1,
          maxItems: 20,
          items: {
            type: 'object',
            properties: {
              utterances: { $ref: '#/$defs/utterances' },
              then: { $ref: '#/$defs/nodeId' },
            },
            required: ['utterances', 'then'],
            additionalProperties: false,
          },
        },
        onFailure: { $ref: '#/$defs/nodeId' },
        next: { $ref: '#/$defs/nodeId' },
        transitions: { $ref: '#/$defs/transitions' },
        minLength: { type: 'integer', minimum: 0, maximum: 1600 },
        maxLength: { type: 'integer', minimum: 1, maximum: 1600 },
        values: {
          type: 'array',
          minItems: 1,
          maxItems: 100,
          items: {
            type: 'object',
            properties: {
              value: { type: 'string', minLength: 1, maxLength: 200 },
              synonyms: { type: 'array', maxItems: 50, items: { type: 'string', minLength: 1, maxLength: 200 } },
            },
            required: ['value'],
            additionalProperties: false,
          },
        },
        min: { type: 'number' },
        max: { type: 'number' },
      },
      required: ['id', 'type', 'entity', 'entityType', 'prompt'],
      additionalProperties: false,
    },
    serviceNode: {
      type: 'object',
      properties: {
        id: { $ref: '#/$defs/nodeId' },
        type: { const: 'service' },
        operation: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9]{0,62}$' },
        input: {
          type: 'object',
          propertyNames: { $ref: '#/$defs/name' },
          additionalProperties: {
            anyOf: [
              { $ref: '#/$defs/expression' },
              {
                type: 'object',
                propertyNames: { type: 'string', minLength: 1, maxLength: 100 },
                additionalProperties: { $ref: '#/$defs/expression' },
              },
            ],
          },
        },
        resultAs: { $ref: '#/$defs/name' },
        transitions: { $ref: '#/$defs/transitions' },
        next: { $ref: '#/$defs/nodeId' },
      },
      required: ['id', 'type', 'operation', 'input'],
      additionalProperties: false,
    },
    dialogNode: {
      type: 'object',
      properties: {
        id: { $ref: '#/$defs/nodeId' },
        type: { const: 'dialog' },
        dialog: { $ref: '#/$defs/taskId' },
        input: {
          type: 'object',
          propertyNames: { $ref: '#/$defs/name' },
          additionalProperties: { $ref: '#/$defs/expression' },
        },
        resultAs: { $ref: '#/$defs/name' },
        transitions: { $ref: '#/$defs/transitions' },
        next: { $ref: '#/$defs/nodeId' },
      },
      required: ['id', 'type', 'dialog'],
      additionalProperties: false,
    },
    messageNode: {
      type: 'object',
      properties: {
        id: { $ref: '#/$defs/nodeId' },
        type: { const: 'message' },
        text: { $ref: '#/$defs/textTemplate' },
        suggestions: { $ref: '#/$defs/suggestions' },
        next: { $ref: '#/$defs/nodeId' },
        status: { enum: ['completed', 'failed', 'cancelled'] },
        outcome: { $ref: '#/$defs/outcome' },
      },
      required: ['id', 'type', 'text'],
      additionalProperties: false,
    },
    logicNode: {
      type: 'object',
      properties: {
        id: { $ref: '#/$defs/nodeId' },
        type: { const: 'logic' },
        set: {
          type: 'object',
          propertyNames: { type: 'string', pattern: '^(context|user)\\.[A-Za-z][A-Za-z0-9_]{0,62}$' },
          additionalProperties: { $ref: '#/$defs/expression' },
        },
        transitions: { $ref: '#/$defs/transitions' },
        next: { $ref: '#/$defs/nodeId' },
      },
      required: ['id', 'type', 'set'],
      additionalProperties: false,
    },
  },
} as const;

/** A dialog task as `dialogs/<id>.json` holds it (after validation). */
export type DialogTask = FromSchema<typeof dialogSchema>;
/** Any node of a dialog task. */
export type DialogNode = DialogTask['nodes'][number];
export type IntentNode = Extract<DialogNode, { type: 'intent' }>;
export type EntityNode = Extract<DialogNode, { type: 'entity' }>;
export type ServiceNode = Extract<DialogNode, { type: 'service' }>;
/** Runs another installed dialog task and continues when it ends, with its typed result in `result`. */
export type DialogRunNode = Extract<DialogNode, { type: 'dialog' }>;
export type MessageNode = Extract<DialogNode, { type: 'message' }>;
export type LogicNode = Extract<DialogNode, { type: 'logic' }>;
export type EntityType = EntityNode['entityType'];
export type Transition = NonNullable<EntityNode['transitions']>[number];
/** How a dialog ended. */
export type DialogEndStatus = NonNullable<MessageNode['status']>;
/** A task's declared inputs (`inputs`). */
export type DialogInputs = NonNullable<DialogTask['inputs']>;
/** A task's declared typed result (`result`). */
export type DialogResultDeclaration = NonNullable<DialogTask['result']>;
