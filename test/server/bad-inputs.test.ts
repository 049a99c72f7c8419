import assert from 'node:assert/strict';
import { startWorld, type AdminWorld } from '../support/world';
import { errorOf, WRONG_TOKEN, type RequestOptions } from '../support/http';

const SID = `AC${'1'.repeat(32)}`;
const GOOD_AUTH = { type: 'pre-authorized', accountSid: SID, authToken: WRONG_TOKEN };

interface Case {
  name: string;
  method: string;
  path: string;
  options?: RequestOptions;
  status: number;
  code: string;
  detailPath?: string;
}

const CASES: Case[] = [
  { name: 'no token', method: 'GET', path: '/api/admin/action', options: { token: null }, status: 401, code: 'unauthorized' },
  { name: 'a wrong token', method: 'GET', path: '/api/admin/action', options: { token: 'nope-nope-nope-nope' }, status: 401, code: 'unauthorized' },
  { name: 'an unknown admin route without a token', method: 'GET', path: '/api/admin/secrets', options: { token: null }, status: 401, code: 'unauthorized' },
  { name: 'an unknown admin route', method: 'GET', path: '/api/admin/nothing-here', status: 404, code: 'not_found' },
  { name: 'an unknown route outside the admin API', method: 'GET', path: '/nope', options: { token: null }, status: 404, code: 'not_found' },
  { name: 'a method the route does not have', method: 'PATCH', path: '/api/admin/action', status: 405, code: 'method_not_allowed' },
  { name: 'malformed JSON', method: 'PUT', path: '/api/admin/action/authorization', options: { raw: '{"type": "pre-authorized",' }, status: 400, code: 'malformed_json' },
  { name: 'a wrong content type', method: 'PUT', path: '/api/admin/action/authorization', options: { raw: JSON.stringify(GOOD_AUTH), contentType: 'text/plain' }, status: 415, code: 'unsupported_media_type' },
  { name: 'no content type', method: 'PUT', path: '/api/admin/action/config', options: { raw: '{}', contentType: null }, status: 415, code: 'unsupported_media_type' },
  { name: 'an oversized body', method: 'PUT', path: '/api/admin/action/config', options: { body: { sender: 'x'.repeat(20 * 1024) } }, status: 413, code: 'payload_too_large' },
  { name: 'no body where one is required', method: 'PUT', path: '/api/admin/action/authorization', status: 422, code: 'invalid_request' },
  { name: 'a wrong type', method: 'PUT', path: '/api/admin/action/authorization', options: { body: { ...GOOD_AUTH, accountSid: 42 } }, status: 422, code: 'invalid_request', detailPath: '/accountSid' },
  { name: 'an array body', method: 'PUT', path: '/api/admin/action/config', options: { body: [] }, status: 422, code: 'invalid_request' },
  { name: 'an unknown field', method: 'PUT', path: '/api/admin/action/authorization', options: { body: { ...GOOD_AUTH, region: 'ie1' } }, status: 422, code: 'invalid_request', detailPath: '/region' },
  { name: 'an unknown authorization type', method: 'PUT', path: '/api/admin/action/authorization', options: { body: { type: 'oauth' } }, status: 422, code: 'invalid_request', detailPath: '/type' },
  { name: 'both an auth token and an API key', method: 'PUT', path: '/api/admin/action/authorization', options: { body: { ...GOOD_AUTH, apiKeySid: `SK${'1'.repeat(32)}`, apiKeySecret: WRONG_TOKEN } }, status: 422, code: 'invalid_request', detailPath: '/authToken' },
  { name: 'a malformed Account SID', method: 'PUT', path: '/api/admin/action/authorization', options: { body: { ...GOOD_AUTH, accountSid: 'AC123' } }, status: 422, code: 'invalid_request', detailPath: '/accountSid' },
  { name: 'a malformed API Key SID', method: 'PUT', path: '/api/admin/action/authorization', options: { body: { type: 'pre-authorized', accountSid: SID, apiKeySid: 'SKxyz', apiKeySecret: WRONG_TOKEN } }, status: 422, code: 'invalid_request', detailPath: '/apiKeySid' },
  { name: 'a missing auth token', method: 'PUT', path: '/api/admin/action/authorization', options: { body: { type: 'pre-authorized', accountSid: SID } }, status: 422, code: 'invalid_request', detailPath: '/authToken' },
  { name: 'a base URL the SDK would rewrite', method: 'PUT', path: '/api/admin/action/authorization', options: { body: { ...GOOD_AUTH, baseUrl: 'http://api.localhost:3979' } }, status: 422, code: 'invalid_request', detailPath: '/baseUrl' },
  { name: 'a base URL with credentials', method: 'PUT', path: '/api/admin/action/authorization', options: { body: { ...GOOD_AUTH, baseUrl: 'http://user:pw@127.0.0.1:3979' } }, status: 422, code: 'invalid_request', detailPath: '/baseUrl' },
  { name: 'an unknown profile', method: 'PUT', path: '/api/admin/action/authorization', options: { body: { type: 'user-authorized', profile: 'ghost' } }, status: 422, code: 'unknown_profile', detailPath: '/profile' },
  { name: 'a malformed Verify Service SID', method: 'PUT', path: '/api/admin/action/config', options: { body: { verifyServiceSid: 'VA12' } }, status: 422, code: 'invalid_request', detailPath: '/verifyServiceSid' },
  { name: 'a sender that is neither E.164 nor MG…', method: 'PUT', path: '/api/admin/action/config', options: { body: { sender: '4155550100' } }, status: 422, code: 'invalid_request', detailPath: '/sender' },
  { name: 'a message template without {{code}}', method: 'PUT', path: '/api/admin/action/config', options: { body: { messageTemplates: { signIn: 'Hello' } } }, status: 422, code: 'invalid_request', detailPath: '/messageTemplates/signIn' },
  { name: 'an unknown usage type', method: 'PUT', path: '/api/admin/action/config', options: { body: { messageTemplates: { reset: 'Code {{code}}' } } }, status: 422, code: 'invalid_request', detailPath: '/messageTemplates/reset' },
  { name: 'a body on test', method: 'POST', path: '/api/admin/action/test', options: { body: { force: true } }, status: 422, code: 'invalid_request', detailPath: '/force' },
  { name: 'a profile name with capitals', method: 'POST', path: '/api/admin/profiles', options: { body: { name: 'Team', tenancy: false } }, status: 422, code: 'invalid_request', detailPath: '/name' },
  { name: '{tenant} without tenancy', method: 'POST', path: '/api/admin/profiles', options: { body: { name: 'tenant-less', tenancy: false, baseUrl: 'https://{tenant}.example.net' } }, status: 422, code: 'invalid_request', detailPath: '/baseUrl' },
  { name: 'a duplicate profile', method: 'POST', path: '/api/admin/profiles', options: { body: { name: 'existing', tenancy: false } }, status: 409, code: 'already_exists' },
  { name: 'a missing profile', method: 'GET', path: '/api/admin/profiles/ghost', status: 404, code: 'profile_not_found' },
  { name: 'path traversal with encoded slashes', method: 'GET', path: '/api/admin/profiles/..%2F..%2Fetc%2Fpasswd', status: 400, code: 'non_canonical_path' },
  { name: 'path traversal with encoded dots', method: 'GET', path: '/api/admin/profiles/%2e%2e', status: 400, code: 'non_canonical_path' },
  { name: 'path traversal with a backslash', method: 'DELETE', path: '/api/admin/profiles/..%5Cadmin-token', status: 400, code: 'non_canonical_path' },
  { name: 'path traversal in a user id', method: 'GET', path: '/api/admin/users/msteams/..%2F..%2Fsecrets.key/credentials', status: 400, code: 'non_canonical_path' },
  { name: 'dot segments in a channel id', method: 'DELETE', path: '/api/admin/users/%2E%2E/u1/credentials', status: 400, code: 'non_canonical_path' },
  { name: 'credentials of an unknown user', method: 'GET', path: '/api/admin/users/msteams/nobody/credentials', status: 404, code: 'credentials_not_found' },
  { name: 'delete without confirmation', method: 'DELETE', path: '/api/admin/action', status: 422, code: 'confirmation_required' },
  { name: 'delete with a wrong confirmation', method: 'DELETE', path: '/api/admin/action', options: { body: { confirm: 'yes' } }, status: 422, code: 'confirmation_required' },
  { name: 'an audit limit out of range', method: 'GET', path: '/api/admin/audit?limit=5000', status: 422, code: 'invalid_request', detailPath: '/limit' },
  { name: 'an unknown audit parameter', method: 'GET', path: '/api/admin/audit?since=yesterday', status: 422, code: 'invalid_request', detailPath: '/since' },
  { name: 'an audit cursor it never gave out', method: 'GET', path: '/api/admin/audit?cursor=bogus', status: 422, code: 'invalid_request', detailPath: '/cursor' },
];

describe('admin API refusals', () => {
  let h: AdminWorld;

  before(async () => {
    h = await startWorld({ stack: 'admin', backoff: { maxFailures: 1000 } });
    const created = await h.request('POST', '/api/admin/profiles', { body: { name: 'existing', tenancy: false } });
    assert.equal(created.status, 201);
  });

  after(async () => h.close());

  it('refuses to test, enable or disable an action that has no authorization', async () => {
    for (const [path, code] of [
      ['/api/admin/action/test', 'not_authorized'],
      ['/api/admin/action/enable', 'not_authorized'],
      ['/api/admin/action/disable', 'not_enabled'],
    ] as const) {
      const reply = await h.request('POST', path);
      assert.equal(reply.status, 409, path);
      assert.equal(errorOf(reply).code, code, path);
    }
  });

  for (const c of CASES) {
    it(`answers ${c.status} ${c.code} to ${c.name}`, async () => {
      const reply = await h.request(c.method, c.path, c.options);
      assert.equal(reply.status, c.status, reply.text);
      assert.match(String(reply.headers['content-type']), /^application\/json/);
      const error = errorOf(reply);
      assert.equal(error.code, c.code);
      assert.ok(error.message.length > 0);
      assert.ok(Array.isArray(error.details));
      if (c.detailPath !== undefined) {
        assert.ok(error.details.some((d) => d.path === c.detailPath), `details ${JSON.stringify(error.details)} name ${c.detailPath}`);
      }
    });
  }

  it('answers 409 with Twilio\'s reason when enabling while the test fails', async () => {
    const put = await h.request('PUT', '/api/admin/action/authorization', {
      body: { type: 'pre-authorized', accountSid: h.emulator.accountSid, authToken: WRONG_TOKEN, baseUrl: h.emulatorUrl },
    });
    assert.equal(put.status, 200, put.text);
    const reply = await h.request('POST', '/api/admin/action/enable');
    assert.equal(reply.status, 409);
    const error = errorOf(reply) as { code: string; message: string; twilio?: { code: number; message: string } };
    assert.equal(error.code, 'authorization_check_failed');
    assert.equal(error.twilio?.code, 20003);
    assert.match(error.message, /20003/);
  });
});

describe('admin authentication backoff', () => {
  let h: AdminWorld;
  before(async () => {
    h = await startWorld({ stack: 'admin', backoff: { maxFailures: 3, baseDelaySeconds: 2 } });
  });
  after(async () => h.close());

  const wrong = { token: 'wrong-token-wrong-token' };

  it('answers 429 with Retry-After to a wrong token after repeated failures, until the wait is over', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await h.request('GET', '/api/admin/action', wrong)).status, 401);
    const blocked = await h.request('GET', '/api/admin/action', wrong);
    assert.equal(blocked.status, 429);
    assert.equal(errorOf(blocked).code, 'too_many_attempts');
    assert.equal(blocked.headers['retry-after'], '2');
    const missing = await h.request('GET', '/api/admin/action', { token: null });
    assert.equal(missing.status, 429, 'no token is a failure too');
    h.clock.advance(2);
    assert.equal((await h.request('GET', '/api/admin/action', wrong)).status, 401);
    h.clock.advance(10);
    assert.equal((await h.request('GET', '/api/admin/action')).status, 200);
  });

  it('lets the right token through during a back-off, and that success forgets the failures', async () => {
    for (let i = 0; i < 4; i++) await h.request('GET', '/api/admin/action', wrong);
    assert.equal((await h.request('GET', '/api/admin/action', wrong)).status, 429);
    assert.equal((await h.request('GET', '/api/admin/action')).status, 200, 'nobody can lock the admin out');
    assert.equal((await h.request('GET', '/api/admin/action', wrong)).status, 401, 'the back-off was reset');
  });

  it('doubles the wait with each further failure', async () => {
    for (let i = 0; i < 3; i++) await h.request('GET', '/api/admin/action', wrong);
    h.clock.advance(2);
    await h.request('GET', '/api/admin/action', wrong);
    const blocked = await h.request('GET', '/api/admin/action', wrong);
    assert.equal(blocked.status, 429);
    assert.equal(blocked.headers['retry-after'], '4');
    assert.equal((await h.request('GET', '/api/admin/action')).status, 200);
  });
});
