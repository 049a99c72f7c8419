/**
 * The bad-input catalogue: what every HTTP surface of the real server (`start()`) answers to malformed, hostile or
 * merely wrong requests. Each row names its request, the status, and a fragment of the message a person would read;
 * no row may get a 5xx, and every reply carries nosniff. Requests go over raw sockets, exactly as written.
 */
import assert from 'node:assert/strict';
import { ALICE_PHONE, configureUserAuthorized, startWorld, textOf, USER_PROFILE, type World } from '../support/world';
import { ADMIN_TOKEN, authLinkOf, openAuthPage } from '../support/http';
import { rawRequest, type RawReply } from './raw-http';

interface Context {
  host: string;
  port: number;
  link: string;
  csrf: string;
}

interface Row {
  name: string;
  method: string;
  target: string | ((c: Context) => string);
  /** Sent as Authorization: Bearer <token>; `null` sends none. Default: the admin token on /api/admin. */
  token?: string | null;
  headers?: Record<string, string> | ((c: Context) => Record<string, string>);
  body?: string | ((c: Context) => string);
  /** Default for rows with a body: application/json. `null` sends none. */
  type?: string | null;
  status: number;
  /** Error code of a JSON reply. */
  code?: string;
  /** A piece of the message (JSON: message and details; HTML: the page text). */
  says: string | RegExp;
}

const SID = `AC${'1'.repeat(32)}`;
const json = (value: unknown) => JSON.stringify(value);
const GOOD_AUTH = { type: 'pre-authorized', accountSid: SID, authToken: 'f'.repeat(32) };
const FORM = 'application/x-www-form-urlencoded';

/** An activity the bot endpoint accepts, to break one field at a time. */
const activity = (fields: Record<string, unknown> = {}) =>
  json({
    type: 'message',
    id: 'a1',
    text: 'help',
    channelId: 'webchat',
    serviceUrl: 'http://127.0.0.1:9',
    deliveryMode: 'expectReplies',
    from: { id: 'mallory' },
    recipient: { id: 'bot' },
    conversation: { id: 'c1' },
    ...fields,
  });

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

const admin = (name: string, method: string, target: string, status: number, code: string, says: string | RegExp, extra: Partial<Row> = {}): Row => ({
  name,
  method,
  target,
  status,
  code,
  says,
  ...extra,
});

const ROWS: Row[] = [
  // Authentication (few rows without a token: failures back off after five).
  admin('no token', 'GET', '/api/admin/action', 401, 'unauthorized', 'Authorization: Bearer', { token: null }),
  admin('a wrong token', 'PUT', '/api/admin/action/config', 401, 'unauthorized', 'wrong', { token: 'not-the-token', body: '{}' }),
  admin('Basic instead of Bearer', 'DELETE', '/api/admin/action', 401, 'unauthorized', 'Bearer', { token: null, headers: { authorization: `Basic ${ADMIN_TOKEN}` } }),

  // Admin API: bodies.
  admin('malformed JSON', 'PUT', '/api/admin/action/authorization', 400, 'malformed_json', 'not valid JSON', { body: '{"type": "pre-authorized",' }),
  admin('JSON with trailing garbage', 'PUT', '/api/admin/action/config', 400, 'malformed_json', 'not valid JSON', { body: '{}x' }),
  admin('a text/plain body', 'PUT', '/api/admin/action/authorization', 415, 'unsupported_media_type', 'application/json', { body: json(GOOD_AUTH), type: 'text/plain' }),
  admin('a form body', 'PUT', '/api/admin/action/config', 415, 'unsupported_media_type', 'application/json', { body: 'sender=x', type: FORM }),
  admin('a body without content type', 'PUT', '/api/admin/action/config', 415, 'unsupported_media_type', 'Content-Type header is missing', { body: '{}', type: null }),
  admin('JSON in latin1', 'PUT', '/api/admin/action/config', 415, 'unsupported_media_type', 'application/json', { body: '{}', type: 'application/json; charset=latin1' }),
  admin('an oversized body', 'PUT', '/api/admin/action/config', 413, 'payload_too_large', 'larger than', { body: json({ sender: 'x'.repeat(20 * 1024) }) }),
  admin('no body where one is required', 'PUT', '/api/admin/action/authorization', 422, 'invalid_request', 'must be an object'),
  admin('a number for the Account SID', 'PUT', '/api/admin/action/authorization', 422, 'invalid_request', '/accountSid', { body: json({ ...GOOD_AUTH, accountSid: 42 }) }),
  admin('an array body', 'PUT', '/api/admin/action/config', 422, 'invalid_request', 'object', { body: '[]' }),
  admin('a string body', 'PUT', '/api/admin/action/config', 422, 'invalid_request', 'object', { body: '"hello"' }),
  admin('a null body', 'PUT', '/api/admin/action/config', 422, 'invalid_request', 'object', { body: 'null' }),
  admin('a number body', 'PUT', '/api/admin/action/authorization', 422, 'invalid_request', 'object', { body: '42' }),
  admin('deeply nested arrays', 'PUT', '/api/admin/action/config', 422, 'invalid_request', 'object', { body: `${'['.repeat(2000)}${']'.repeat(2000)}` }),
  admin('a __proto__ field', 'PUT', '/api/admin/action/config', 422, 'invalid_request', '__proto__', { body: '{"__proto__": {"admin": true}}' }),
  admin('an unknown field', 'PUT', '/api/admin/action/authorization', 422, 'invalid_request', '/region', { body: json({ ...GOOD_AUTH, region: 'ie1' }) }),
  admin('an unknown authorization type', 'PUT', '/api/admin/action/authorization', 422, 'invalid_request', '/type', { body: json({ type: 'oauth' }) }),
  admin('an auth token and an API key', 'PUT', '/api/admin/action/authorization', 422, 'invalid_request', '/authToken', {
    body: json({ ...GOOD_AUTH, apiKeySid: `SK${'1'.repeat(32)}`, apiKeySecret: 'f'.repeat(32) }),
  }),
  admin('a short Account SID', 'PUT', '/api/admin/action/authorization', 422, 'invalid_request', '/accountSid', { body: json({ ...GOOD_AUTH, accountSid: 'AC123' }) }),
  admin('a malformed API Key SID', 'PUT', '/api/admin/action/authorization', 422, 'invalid_request', '/apiKeySid', {
    body: json({ type: 'pre-authorized', accountSid: SID, apiKeySid: 'SKxyz', apiKeySecret: 'f'.repeat(32) }),
  }),
  admin('a missing Auth Token', 'PUT', '/api/admin/action/authorization', 422, 'invalid_request', '/authToken', { body: json({ type: 'pre-authorized', accountSid: SID }) }),
  admin('a base URL the SDK would rewrite', 'PUT', '/api/admin/action/authorization', 422, 'invalid_request', '/baseUrl', { body: json({ ...GOOD_AUTH, baseUrl: 'http://api.localhost:3979' }) }),
  admin('a base URL with credentials', 'PUT', '/api/admin/action/authorization', 422, 'invalid_request', '/baseUrl', { body: json({ ...GOOD_AUTH, baseUrl: 'http://u:p@127.0.0.1:3979' }) }),
  admin('a javascript: base URL', 'PUT', '/api/admin/action/authorization', 422, 'invalid_request', '/baseUrl', { body: json({ ...GOOD_AUTH, baseUrl: 'javascript:alert(1)' }) }),
  admin('an ftp base URL', 'PUT', '/api/admin/action/authorization', 422, 'invalid_request', '/baseUrl', { body: json({ ...GOOD_AUTH, baseUrl: 'ftp://127.0.0.1/' }) }),
  admin('an unknown profile', 'PUT', '/api/admin/action/authorization', 422, 'unknown_profile', '/profile', { body: json({ type: 'user-authorized', profile: 'ghost' }) }),
  admin('a short Verify Service SID', 'PUT', '/api/admin/action/config', 422, 'invalid_request', '/verifyServiceSid', { body: json({ verifyServiceSid: 'VA12' }) }),
  admin('a local sender number', 'PUT', '/api/admin/action/config', 422, 'invalid_request', '/sender', { body: json({ sender: '4155550100' }) }),
  admin('a message template without {{code}}', 'PUT', '/api/admin/action/config', 422, 'invalid_request', '/messageTemplates/signIn', { body: json({ messageTemplates: { signIn: 'Hello' } }) }),
  admin('an unknown usage type', 'PUT', '/api/admin/action/config', 422, 'invalid_request', '/messageTemplates/reset', { body: json({ messageTemplates: { reset: 'Code {{code}}' } }) }),
  admin('a body on test', 'POST', '/api/admin/action/test', 422, 'invalid_request', '/force', { body: json({ force: true }) }),
  admin('a body on enable', 'POST', '/api/admin/action/enable', 422, 'invalid_request', '/now', { body: json({ now: true }) }),
  admin('a body on disable', 'POST', '/api/admin/action/disable', 422, 'invalid_request', '/x', { body: json({ x: 1 }) }),
  admin('delete without confirmation', 'DELETE', '/api/admin/action', 422, 'confirmation_required', 'confirm'),
  admin('delete with a wrong confirmation', 'DELETE', '/api/admin/action', 422, 'confirmation_required', 'confirm', { body: json({ confirm: 'yes' }) }),
  admin('delete with a numeric confirmation', 'DELETE', '/api/admin/action', 422, 'confirmation_required', 'confirm', { body: json({ confirm: 1 }) }),

  // Admin API: profiles, parameters.
  admin('a profile name with capitals', 'POST', '/api/admin/profiles', 422, 'invalid_request', '/name', { body: json({ name: 'Team', tenancy: false }) }),
  admin('an empty profile name', 'POST', '/api/admin/profiles', 422, 'invalid_request', '/name', { body: json({ name: '', tenancy: false }) }),
  admin('a 200-character profile name', 'POST', '/api/admin/profiles', 422, 'invalid_request', '/name', { body: json({ name: 'a'.repeat(200), tenancy: false }) }),
  admin('tenancy as a string', 'POST', '/api/admin/profiles', 422, 'invalid_request', '/tenancy', { body: json({ name: 'tenants', tenancy: 'yes' }) }),
  admin('{tenant} without tenancy', 'POST', '/api/admin/profiles', 422, 'invalid_request', '/baseUrl', { body: json({ name: 'plain', tenancy: false, baseUrl: 'https://{tenant}.example.net' }) }),
  admin('a duplicate profile', 'POST', '/api/admin/profiles', 409, 'already_exists', USER_PROFILE, { body: json({ name: USER_PROFILE, tenancy: false }) }),
  admin('reading a missing profile', 'GET', '/api/admin/profiles/ghost', 404, 'profile_not_found', 'ghost'),
  admin('updating a missing profile', 'PUT', '/api/admin/profiles/ghost', 404, 'profile_not_found', 'ghost', { body: json({ description: 'x' }) }),
  admin('deleting a missing profile', 'DELETE', '/api/admin/profiles/ghost', 404, 'profile_not_found', 'ghost'),
  admin('testing a missing profile', 'POST', '/api/admin/profiles/ghost/test', 404, 'profile_not_found', 'ghost', { body: json({ accountSid: SID, authToken: 'f'.repeat(32) }) }),
  admin('a profile name with a dot', 'GET', '/api/admin/profiles/a.b', 422, 'invalid_request', '/params/name'),
  admin('a profile name with a space', 'GET', '/api/admin/profiles/a%20b', 422, 'invalid_request', '/params/name'),
  admin('a profile name with an accent', 'GET', '/api/admin/profiles/t%C3%AAm', 422, 'invalid_request', '/params/name'),
  admin('an encoded slash in a profile name', 'GET', '/api/admin/profiles/..%2F..%2Fetc%2Fpasswd', 400, 'non_canonical_path', 'encoded "/"'),
  admin('an encoded dot-dot profile name', 'GET', '/api/admin/profiles/%2e%2e', 400, 'non_canonical_path', '".."'),
  admin('an encoded backslash in a profile name', 'DELETE', '/api/admin/profiles/..%5Cadmin-token', 400, 'non_canonical_path', '"\\"'),
  admin('credentials of an unknown user', 'GET', '/api/admin/users/webchat/nobody/credentials', 404, 'credentials_not_found', 'nobody'),
  admin('revoking credentials of an unknown user', 'DELETE', '/api/admin/users/webchat/nobody/credentials', 404, 'credentials_not_found', 'nobody'),
  admin('a traversal in a user id', 'GET', '/api/admin/users/msteams/..%2Fsecrets.key/credentials', 400, 'non_canonical_path', 'encoded "/"'),
  admin('a dot-dot channel id', 'DELETE', '/api/admin/users/%2E%2E/u1/credentials', 400, 'non_canonical_path', '".."'),
  admin('a NUL in a user id', 'GET', '/api/admin/users/webchat/a%00b/credentials', 400, 'non_canonical_path', 'control characters'),
  admin('an audit limit out of range', 'GET', '/api/admin/audit?limit=5000', 422, 'invalid_request', '/limit'),
  admin('a negative audit limit', 'GET', '/api/admin/audit?limit=-1', 422, 'invalid_request', '/limit'),
  admin('an audit limit that is not a number', 'GET', '/api/admin/audit?limit=abc', 422, 'invalid_request', '/limit'),
  admin('an unknown audit parameter', 'GET', '/api/admin/audit?since=yesterday', 422, 'invalid_request', '/since'),
  admin('an audit cursor never given out', 'GET', '/api/admin/audit?cursor=bogus', 422, 'invalid_request', '/cursor'),
  admin('a malformed query encoding', 'GET', '/api/admin/audit?limit=%zz', 400, 'non_canonical_path', 'percent-encoding'),

  // Admin API: template routes.
  admin('an unknown template', 'GET', '/api/admin/templates/no-such-template', 404, 'unknown_template', 'There is no template "no-such-template"'),
  admin('installing an unknown template', 'POST', '/api/admin/templates/no-such-template/install', 404, 'unknown_template', 'There is no template "no-such-template"'),
  admin('a template id with capitals', 'GET', '/api/admin/templates/SEND-SMS', 400, 'invalid_id', 'is not a template id'),
  admin('a template id with an encoded slash', 'GET', '/api/admin/templates/..%2Fmanifest', 400, 'non_canonical_path', 'encoded "/"'),
  admin('a body on install', 'POST', '/api/admin/templates/send-sms/install', 422, 'invalid_request', '/x', { body: json({ x: 1 }) }),
  admin('a body on install-all', 'POST', '/api/admin/templates/install-all', 422, 'invalid_request', '/all', { body: json({ all: true }) }),
  admin('upgrade with force as a string', 'POST', '/api/admin/templates/send-sms/upgrade', 400, 'invalid_request', '"force" must be true or false', { body: json({ force: 'yes' }) }),
  admin('upgrade with an unknown field', 'POST', '/api/admin/templates/send-sms/upgrade', 400, 'invalid_request', 'only "force"', { body: json({ now: true }) }),
  admin('upgrade with an array body', 'POST', '/api/admin/templates/send-sms/upgrade', 400, 'invalid_request', 'JSON object', { body: '[]' }),
  admin('upgrade with malformed JSON', 'POST', '/api/admin/templates/send-sms/upgrade', 400, 'malformed_json', 'not valid JSON', { body: '{"force":' }),
  admin('install with a text/plain body', 'POST', '/api/admin/templates/send-sms/install', 415, 'unsupported_media_type', 'application/json', { body: 'x', type: 'text/plain' }),
  admin('an oversized template body', 'POST', '/api/admin/templates/send-sms/upgrade', 413, 'payload_too_large', 'larger than', { body: json({ force: 'x'.repeat(20 * 1024) }) }),

  // Admin API: methods and unknown paths (with the token).
  admin('PATCH on the action', 'PATCH', '/api/admin/action', 405, 'method_not_allowed', 'PATCH is not allowed on /api/admin/action'),
  admin('PUT on the profile list', 'PUT', '/api/admin/profiles', 405, 'method_not_allowed', 'PUT is not allowed'),
  admin('GET on enable', 'GET', '/api/admin/action/enable', 405, 'method_not_allowed', 'GET is not allowed'),
  admin('POST on the audit log', 'POST', '/api/admin/audit', 405, 'method_not_allowed', 'POST is not allowed'),
  admin('an unknown admin path', 'GET', '/api/admin/secrets', 404, 'not_found', 'There is no route GET /api/admin/secrets'),
  admin('an admin path in capitals', 'GET', '/API/Admin/action', 404, 'not_found', 'There is no route'),
  admin('a trailing slash', 'GET', '/api/admin/action/', 404, 'not_found', 'There is no route'),
  admin('a cross-site POST with the token', 'POST', '/api/admin/action/disable', 403, 'cross_site_request', 'another site', { headers: { 'sec-fetch-site': 'cross-site' } }),
  admin('a foreign Origin with the token', 'PUT', '/api/admin/action/config', 403, 'cross_site_request', 'another site', { headers: { origin: 'https://evil.example' }, body: '{}' }),

  // The bot endpoint.
  ...((): Row[] => {
    const bot = (name: string, body: string, status: number, code: string, says: string | RegExp, extra: Partial<Row> = {}): Row => ({
      name: `/api/messages: ${name}`,
      method: 'POST',
      target: '/api/messages',
      body,
      status,
      code,
      says,
      ...extra,
    });
    return [
      bot('a text/plain body', 'hi', 415, 'unsupported_media_type', 'application/json', { type: 'text/plain' }),
      bot('no content type', activity(), 415, 'unsupported_media_type', 'application/json', { type: null }),
      bot('malformed JSON', '{"type":', 400, 'invalid_activity', 'not valid JSON'),
      bot('an empty body', '', 400, 'invalid_activity', 'not valid JSON'),
      bot('an array', '[]', 400, 'invalid_activity', 'must be a JSON object'),
      bot('null', 'null', 400, 'invalid_activity', 'must be a JSON object'),
      bot('a string', '"message"', 400, 'invalid_activity', 'must be a JSON object'),
      bot('a number', '42', 400, 'invalid_activity', 'must be a JSON object'),
      bot('no type', activity({ type: undefined }), 400, 'invalid_activity', '/type is required'),
      bot('an empty type', activity({ type: '' }), 400, 'invalid_activity', '/type'),
      bot('a numeric type', activity({ type: 5 }), 400, 'invalid_activity', '/type must be string'),
      bot('a numeric text', activity({ text: 4155550100 }), 400, 'invalid_activity', '/text must be string'),
      bot('an object text', activity({ text: { x: 1 } }), 400, 'invalid_activity', '/text must be string'),
      bot('no channelId', activity({ channelId: undefined }), 400, 'invalid_activity', '/channelId is required'),
      bot('a numeric id', activity({ id: 1 }), 400, 'invalid_activity', '/id must be string'),
      bot('no conversation', activity({ conversation: undefined }), 400, 'invalid_activity', '/conversation is required'),
      bot('a numeric conversation id', activity({ conversation: { id: 7 } }), 400, 'invalid_activity', '/conversation/id must be string'),
      bot('a conversation without id', activity({ conversation: {} }), 400, 'invalid_activity', '/conversation/id is required'),
      bot('from as a string', activity({ from: 'mallory' }), 400, 'invalid_activity', '/from must be object'),
      bot('from without id', activity({ from: { name: 'M' } }), 400, 'invalid_activity', '/from/id is required'),
      bot('no serviceUrl', activity({ serviceUrl: undefined }), 400, 'invalid_activity', '/serviceUrl is required'),
      bot('a numeric serviceUrl', activity({ serviceUrl: 9 }), 400, 'invalid_activity', '/serviceUrl must be string'),
      bot('a public serviceUrl (anonymous)', activity({ serviceUrl: 'https://attacker.example', deliveryMode: undefined }), 400, 'service_url_not_allowed', 'MicrosoftAppId'),
      bot('a private-network serviceUrl', activity({ serviceUrl: 'http://10.0.0.5/', deliveryMode: undefined }), 400, 'service_url_not_allowed', 'loopback'),
      bot('a look-alike serviceUrl', activity({ serviceUrl: 'http://127.0.0.1.evil.example/', deliveryMode: undefined }), 400, 'service_url_not_allowed', 'loopback'),
      bot('a file: serviceUrl', activity({ serviceUrl: 'file:///etc/passwd', deliveryMode: undefined }), 400, 'service_url_not_allowed', 'loopback'),
      bot('a serviceUrl that is no URL', activity({ serviceUrl: 'nope', deliveryMode: undefined }), 400, 'service_url_not_allowed', 'loopback'),
      bot('an activity over 256 KiB', activity({ text: 'x'.repeat(300 * 1024) }), 413, 'payload_too_large', 'larger than'),
      { name: '/api/messages: GET', method: 'GET', target: '/api/messages', status: 405, code: 'method_not_allowed', says: 'GET is not allowed' },
      { name: '/api/messages: PUT', method: 'PUT', target: '/api/messages', body: activity(), status: 405, code: 'method_not_allowed', says: 'PUT is not allowed' },
    ];
  })(),

  // The authorization link pages (HTML).
  { name: 'a link that never existed', method: 'GET', target: `/auth/${'A'.repeat(43)}`, status: 410, says: 'no longer valid' },
  { name: 'a link token of the wrong shape', method: 'GET', target: '/auth/abc', status: 410, says: 'no longer valid' },
  { name: 'a link token with a quote', method: 'GET', target: '/auth/%22%3E%3Cscript%3E', status: 410, says: 'no longer valid' },
  { name: 'a form without content type', method: 'POST', target: (c) => c.link, body: 'csrf=x', type: null, status: 415, says: 'from the authorization page' },
  { name: 'a form sent as JSON', method: 'POST', target: (c) => c.link, body: '{"csrf":"x"}', type: 'application/json', status: 415, says: 'from the authorization page' },
  { name: 'an oversized form', method: 'POST', target: (c) => c.link, body: `csrf=${'x'.repeat(8 * 1024)}`, type: FORM, status: 413, says: 'too large' },
  { name: 'a form without CSRF token', method: 'POST', target: (c) => c.link, body: form({ accountSid: SID, authToken: 'f'.repeat(32) }), type: FORM, status: 403, says: 'out of date' },
  { name: 'a form with a wrong CSRF token', method: 'POST', target: (c) => c.link, body: form({ csrf: 'B'.repeat(43), accountSid: SID, authToken: 'f'.repeat(32) }), type: FORM, status: 403, says: 'out of date' },
  {
    name: 'a form from another site',
    method: 'POST',
    target: (c) => c.link,
    headers: { 'sec-fetch-site': 'cross-site' },
    body: (c) => form({ csrf: c.csrf, accountSid: SID, authToken: 'f'.repeat(32) }),
    type: FORM,
    status: 403,
    says: 'only be sent from its own page',
  },
  {
    name: 'a form with a foreign Origin',
    method: 'POST',
    target: (c) => c.link,
    headers: { origin: 'https://evil.example' },
    body: (c) => form({ csrf: c.csrf, accountSid: SID, authToken: 'f'.repeat(32) }),
    type: FORM,
    status: 403,
    says: 'only be sent from its own page',
  },
  { name: 'a malformed Account SID', method: 'POST', target: (c) => c.link, body: (c) => form({ csrf: c.csrf, accountSid: 'AC123', authToken: 'f'.repeat(32) }), type: FORM, status: 422, says: 'AC followed by 32 hex characters' },
  { name: 'a malformed Auth Token', method: 'POST', target: (c) => c.link, body: (c) => form({ csrf: c.csrf, accountSid: SID, authToken: 'short' }), type: FORM, status: 422, says: '16 to 256 printable characters' },
  { name: 'a script in the Account SID', method: 'POST', target: (c) => c.link, body: (c) => form({ csrf: c.csrf, accountSid: '<script>alert(1)</script>', authToken: 'f'.repeat(32) }), type: FORM, status: 422, says: 'AC followed by 32' },
  { name: 'a form to a link that never existed', method: 'POST', target: `/auth/${'A'.repeat(43)}`, body: form({ csrf: 'x' }), type: FORM, status: 410, says: 'no longer valid' },
  { name: 'PUT on a link page', method: 'PUT', target: '/auth/abc', status: 405, code: 'method_not_allowed', says: 'PUT is not allowed' },
  { name: 'DELETE on a link page', method: 'DELETE', target: '/auth/abc', status: 405, code: 'method_not_allowed', says: 'DELETE is not allowed' },
  { name: 'a link path in capitals', method: 'GET', target: (c) => c.link.toUpperCase(), status: 404, code: 'not_found', says: 'There is no route GET /AUTH/…' },

  // Dev endpoints.
  { name: 'dev info for another Host', method: 'GET', target: '/api/dev/info', headers: { host: 'rebind.example' }, status: 403, code: 'loopback_only', says: 'Host 127.0.0.1, localhost or [::1]' },
  { name: 'dev outbox for another Host', method: 'GET', target: '/api/dev/outbox', headers: { host: 'rebind.example:3978' }, status: 403, code: 'loopback_only', says: 'Host' },
  { name: 'dev outbox from another origin', method: 'GET', target: '/api/dev/outbox', headers: (c) => ({ host: `127.0.0.1:${c.port}`, origin: 'https://evil.example' }), status: 403, code: 'cross_site_request', says: 'their own page' },
  { name: 'dev outbox fetched cross-site', method: 'GET', target: '/api/dev/outbox', headers: { 'sec-fetch-site': 'cross-site' }, status: 403, code: 'cross_site_request', says: 'their own page' },
  { name: 'POST on the dev outbox', method: 'POST', target: '/api/dev/outbox', body: '{}', status: 405, code: 'method_not_allowed', says: 'POST is not allowed' },

  // Odd methods and paths.
  { name: 'an unknown path', method: 'GET', target: '/nope', status: 404, code: 'not_found', says: 'There is no route GET /nope' },
  { name: 'TRACE', method: 'TRACE', target: '/', status: 405, code: 'method_not_allowed', says: 'TRACE is not allowed' },
  { name: 'DELETE on health', method: 'DELETE', target: '/healthz', status: 405, code: 'method_not_allowed', says: 'DELETE is not allowed on /healthz' },
  { name: 'POST on the chat page', method: 'POST', target: '/', body: '{}', status: 405, code: 'method_not_allowed', says: 'POST is not allowed' },
  { name: 'an asset with a trailing slash', method: 'GET', target: '/chat.js/', status: 404, code: 'not_found', says: 'There is no route' },
  { name: 'an empty segment', method: 'GET', target: '/a//b', status: 400, code: 'non_canonical_path', says: 'empty segment' },
  { name: 'a dot-dot segment', method: 'GET', target: '/public/../healthz', status: 400, code: 'non_canonical_path', says: '".."' },
  { name: 'an encoded NUL', method: 'GET', target: '/%00', status: 400, code: 'non_canonical_path', says: 'control characters' },
  { name: 'a path parameter', method: 'GET', target: '/healthz;x=1', status: 400, code: 'non_canonical_path', says: 'Path parameters' },
  { name: 'an absolute-form request line', method: 'GET', target: (c) => `http://${c.host}:${c.port}/healthz`, status: 400, code: 'non_canonical_path', says: 'origin-form' },
  { name: 'an asterisk for GET', method: 'GET', target: '*', status: 400, code: 'non_canonical_path', says: 'only valid for OPTIONS' },
  { name: 'an encoded slash', method: 'GET', target: '/chat.js%2F', status: 400, code: 'non_canonical_path', says: 'encoded "/"' },
  { name: 'double encoding', method: 'GET', target: '/%2568ealthz', status: 400, code: 'non_canonical_path', says: 'twice' },
  { name: 'a truncated escape', method: 'GET', target: '/healthz%2', status: 400, code: 'non_canonical_path', says: 'percent-encoding' },
  { name: 'bytes that are not UTF-8', method: 'GET', target: '/%ff%fe', status: 400, code: 'non_canonical_path', says: 'not UTF-8' },
];

/** The text a person reads in a reply: the JSON error's message and details, or the page. */
function readable(reply: RawReply): string {
  const body = reply.json as { error?: { message?: string; details?: Array<{ path: string; message: string }> } } | undefined;
  if (body?.error) return [body.error.message ?? '', ...(body.error.details ?? []).map((d) => `${d.path} ${d.message}`)].join('\n');
  return reply.body;
}

describe('security: the bad-input catalogue', function () {
  this.timeout(60_000);
  let world: World;
  let ctx: Context;

  before(async () => {
    world = await startWorld();
    const url = new URL(world.url);
    await configureUserAuthorized(world);
    const chat = world.client('mallory');
    await chat.start();
    await chat.say('send an sms');
    await chat.say(ALICE_PHONE);
    const link = authLinkOf(textOf(await chat.say('Hello.')));
    assert.ok(link, 'the bot sent a link');
    const page = await openAuthPage(link);
    assert.ok(page.csrf);
    ctx = { host: url.hostname, port: Number(url.port), link: new URL(link).pathname, csrf: page.csrf };
  });
  after(async () => world.close());

  it('has at least 100 rows', () => {
    assert.ok(ROWS.length >= 100, `${ROWS.length} rows`);
  });

  for (const row of ROWS) {
    it(`${row.status}${row.code ? ` ${row.code}` : ''}: ${row.name}`, async () => {
      const target = typeof row.target === 'function' ? row.target(ctx) : row.target;
      const body = typeof row.body === 'function' ? row.body(ctx) : row.body;
      const headers: Record<string, string> = typeof row.headers === 'function' ? row.headers(ctx) : { ...row.headers };
      const isAdmin = target.toLowerCase().startsWith('/api/admin');
      const token = row.token === undefined ? (isAdmin ? ADMIN_TOKEN : null) : row.token;
      if (token !== null) headers.authorization = `Bearer ${token}`;
      if (body !== undefined && row.type !== null) headers['content-type'] = row.type ?? 'application/json';
      const reply = await rawRequest(ctx.host, ctx.port, { method: row.method, target, headers, ...(body === undefined ? {} : { body }) });
      assert.ok(reply.status < 500, `a 5xx: ${reply.status} ${reply.body.slice(0, 300)}`);
      assert.equal(reply.status, row.status, reply.body.slice(0, 300));
      assert.equal(reply.headers['x-content-type-options'], 'nosniff');
      if (row.code !== undefined) {
        assert.match(reply.headers['content-type'] ?? '', /^application\/json/);
        assert.equal((reply.json as { error?: { code?: string } } | undefined)?.error?.code, row.code, reply.body.slice(0, 300));
      } else {
        assert.match(reply.headers['content-type'] ?? '', /^text\/html/);
      }
      const text = readable(reply);
      if (typeof row.says === 'string') assert.ok(text.includes(row.says), `"${row.says}" not in: ${text.slice(0, 400)}`);
      else assert.match(text, row.says);
    });
  }

  it('left the action as it was and leaked no secret into the logs', async () => {
    const view = await world.admin('GET', '/api/admin/action');
    assert.equal(view.status, 200);
    assert.deepEqual((view.body as { authorization?: unknown }).authorization, { type: 'user-authorized', profile: USER_PROFILE, usersAuthorized: 0 });
    const token = ctx.link.slice(ctx.link.lastIndexOf('/') + 1);
    assert.deepEqual(
      world.logLines.filter((l) => l.includes(token) || l.includes(ctx.csrf) || l.includes(ADMIN_TOKEN)),
      [],
    );
  });
});
