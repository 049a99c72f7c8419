import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { actionRecordSchema, authProfileRecordSchema, userCredentialsRecordSchema } from '../src/auth/records';
import { ADMIN_SCHEMAS } from '../src/auth';
import { STRICT_AJV_OPTIONS } from '../src/auth/validation';
import { dialogSchema } from '../src/dialogs/schema';
import { DIALOG_AJV_OPTIONS } from '../src/dialogs/validate';
import { ACTIVITY_SCHEMA, LINK_FORM_SCHEMA, UPGRADE_BODY_SCHEMA } from '../src/server/bodies';
import { SIGN_IN_BODY_SCHEMA } from '../src/server/console-contract';
import { templateSchema } from '../src/templates/schemas';
import { operations } from '../src/twilio';
import { smsMessageSchema } from '../src/twilio/operations/sendSms';
import { GATEWAY_AJV_OPTIONS } from '../src/twilio/validation';

// At run time the product compiles its own schemas without checking them against the JSON Schema meta-schema
// (`validateSchema: false`: compiling the meta-schema cost every start). These tests check every schema it ships
// or validates with, each with the options of the Ajv that uses it and meta-validation on (ajv's default).

const root = path.join(__dirname, '..');

/** Compiles, throwing ajv's error when the schema breaks the meta-schema or a strict rule. */
function compiles(ajv: Ajv | Ajv2020, schemas: Record<string, object>): void {
  for (const [name, schema] of Object.entries(schemas)) {
    assert.equal(ajv.validateSchema(schema), true, `${name}: ${ajv.errorsText(ajv.errors)}`);
    assert.doesNotThrow(() => ajv.compile(schema), `${name} does not compile`);
  }
}

describe('every schema the product validates with holds against its meta-schema', () => {
  it('the admin API bodies and the stored records, with the strict draft 2020-12 Ajv', () => {
    compiles(new Ajv2020({ ...STRICT_AJV_OPTIONS }), {
      ...ADMIN_SCHEMAS,
      actionRecordSchema,
      authProfileRecordSchema,
      userCredentialsRecordSchema,
    });
  });

  it("the server's own bodies and the Verify Service bodies, with the strict draft 2020-12 Ajv", () => {
    compiles(new Ajv2020({ ...STRICT_AJV_OPTIONS }), {
      UPGRADE_BODY_SCHEMA,
      ACTIVITY_SCHEMA,
      LINK_FORM_SCHEMA,
      SIGN_IN_BODY_SCHEMA,
      createService: operations.createService.inputSchema,
      updateService: operations.updateService.inputSchema,
    });
  });

  it("every operation's input and output and the SMS status record, with the gateway's Ajv", () => {
    const ajv = new Ajv({ ...GATEWAY_AJV_OPTIONS });
    addFormats(ajv);
    const schemas: Record<string, object> = { smsMessageSchema };
    for (const [name, operation] of Object.entries(operations)) {
      schemas[`${name} input`] = operation.inputSchema;
      schemas[`${name} output`] = operation.outputSchema;
    }
    compiles(ajv, schemas);
  });

  it("the dialog and template schemas, with the dialogs' Ajv", () => {
    const ajv = new Ajv2020({ ...DIALOG_AJV_OPTIONS });
    ajv.addSchema(dialogSchema);
    compiles(ajv, { dialogSchema, templateSchema });
  });

  it('every file under schemas/ (what the package ships for editors)', () => {
    const files = readdirSync(path.join(root, 'schemas'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json'));
    assert.ok(files.length >= 3, 'schemas/ holds the shipped schemas');
    const ajv = new Ajv2020({ allErrors: true, discriminator: true });
    const schemas = Object.fromEntries(files.map((f) => [f, JSON.parse(readFileSync(path.join(root, 'schemas', f), 'utf8')) as object]));
    ajv.addSchema(schemas['dialog.schema.json'] ?? {});
    compiles(ajv, schemas);
  });
});
