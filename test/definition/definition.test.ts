import assert from 'node:assert/strict';
import {
  AUDITED_OPERATIONS,
  auditActionOf,
  configFieldNames,
  operationDefinitions,
  PUBLIC_CONFIG_FIELDS,
  REQUIRED_TEMPLATES,
  SECRET_FIELDS,
} from '../../src/definition';
import { TemplateCatalog } from '../../src/templates';
import { OPERATION_NAMES } from '../../src/twilio';

describe('the action definition', () => {
  it('lists every operation of the registry once, in manifest order', () => {
    assert.deepEqual(operationDefinitions().map((op) => op.name), [...OPERATION_NAMES]);
  });

  it('audits SMS sends, verification starts, checks and updates (cancels), and nothing else', () => {
    assert.deepEqual(
      operationDefinitions().filter((op) => op.audit !== undefined).map((op) => [op.name, op.audit]),
      Object.entries(AUDITED_OPERATIONS),
    );
    assert.equal(auditActionOf('sendSms'), 'sms.send');
    assert.equal(auditActionOf('updateVerification'), 'verification.update');
    assert.equal(auditActionOf('fetchVerification'), undefined);
    assert.equal(auditActionOf('toString'), undefined);
  });

  it('says which operations text, call or e-mail a person', () => {
    assert.deepEqual(operationDefinitions().filter((op) => op.sendsToPerson).map((op) => op.name), ['sendSms', 'startVerification']);
  });

  it('makes every configuration field public to dialogs, and the credentials secret', () => {
    assert.deepEqual([...PUBLIC_CONFIG_FIELDS].sort(), configFieldNames().sort());
    assert.deepEqual([...SECRET_FIELDS].sort(), ['apiKeySecret', 'authToken']);
    for (const field of SECRET_FIELDS) assert.ok(!configFieldNames().includes(field));
  });

  it('requires templates that the catalog holds', async () => {
    const ids = (await new TemplateCatalog().loadAll()).map((t) => t.id);
    for (const id of REQUIRED_TEMPLATES) assert.ok(ids.includes(id), id);
  });
});
