/** The one error reply: every domain error is mapped to its status and body once, in src/server/http.ts. */
import assert from 'node:assert/strict';
import { ActionError, SecretsError } from '../../src/auth';
import { HttpError, toErrorReply } from '../../src/server';
import { StoreConflictError } from '../../src/store';
import { TemplateError } from '../../src/templates';

const INTERNAL = 'The server failed to handle this request; its log has the details.';

describe('toErrorReply: one mapping of every domain error', () => {
  const cases: Array<[string, unknown, number, string, boolean]> = [
    ['an HttpError', new HttpError(415, 'unsupported_media_type', 'Send the body as application/json.'), 415, 'unsupported_media_type', false],
    ['an ActionError', new ActionError('profile_not_found', 'No profile "x".'), 404, 'profile_not_found', false],
    ['a TemplateError (conflict)', new TemplateError('conflict', 'The dialog was edited.', [{ path: '/nodes/0', message: 'edited' }]), 409, 'conflict', false],
    ['a TemplateError (invalid template)', new TemplateError('invalid_template', 'Invalid.'), 422, 'invalid_template', false],
    ['a StoreConflictError', new StoreConflictError('action', 'config'), 409, 'concurrent_update', false],
    ['a SecretsError', new SecretsError('wrong_key', 'The secrets key does not open the stored secrets.'), 500, 'secrets_unavailable', true],
    ['anything else', new Error('boom: secret detail'), 500, 'internal_error', true],
  ];
  for (const [name, err, status, code, unexpected] of cases) {
    it(`maps ${name} to ${status} ${code}`, () => {
      const reply = toErrorReply(err);
      assert.equal(reply.status, status);
      assert.equal(reply.body.error.code, code);
      assert.equal(reply.unexpected, unexpected);
      assert.ok(Array.isArray(reply.body.error.details));
    });
  }

  it('keeps the details of a TemplateError and reveals nothing of an unexpected error', () => {
    const template = toErrorReply(new TemplateError('conflict', 'The dialog was edited.', [{ path: '/nodes/0', message: 'edited' }]));
    assert.deepEqual(template.body, { error: { code: 'conflict', message: 'The dialog was edited.', details: [{ path: '/nodes/0', message: 'edited' }] } });
    assert.equal(toErrorReply(new Error('boom: secret detail')).body.error.message, INTERNAL);
  });
});
