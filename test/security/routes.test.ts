/**
 * Authentication is a property of each route: every route the real server (`start()`) registers declares its
 * audience, no admin route answers without the token under any spelling of its path, and link-page tokens never
 * reach a log line however the path is spelled. Requests go over raw sockets, so nothing normalizes them first.
 */
import assert from 'node:assert/strict';
import { ADMIN_ROUTES, routeAudience } from '../../src/server';
import { ALICE_PHONE, configureUserAuthorized, startWorld, textOf, type World } from '../support/world';
import { ADMIN_TOKEN, authLinkOf } from '../support/http';
import { errorCode, rawRequest, type RawReply } from './raw-http';

/** A concrete path for a route pattern (`:name` and friends filled with plausible values). */
function concrete(pattern: string): string {
  return pattern
    .replace(':name', 'own-account')
    .replace(':channelId', 'webchat')
    .replace(':userId', 'alice')
    .replace(':id', 'send-sms')
    .replace(':token', 'x');
}

const METHOD: Readonly<Record<string, string>> = { get: 'GET', post: 'POST', put: 'PUT', del: 'DELETE' };

/** Encodes the first letter of the segment at `index` (`admin` -> `%61dmin`). */
function encodeLetter(path: string, index: number, hex: (code: number) => string): string {
  const segments = path.split('/');
  const segment = segments[index] ?? '';
  const at = segment.search(/[a-z]/i);
  if (at === -1) return path;
  segments[index] = `${segment.slice(0, at)}${hex(segment.charCodeAt(at))}${segment.slice(at + 1)}`;
  return segments.join('/');
}

const lowerHex = (code: number) => `%${code.toString(16)}`;
const upperHex = (code: number) => `%${code.toString(16).toUpperCase()}`;
const doubleHex = (code: number) => `%25${code.toString(16)}`;

/**
 * Spellings of `path` an attacker would try, each with the answers it may get: 401 (the same path, refused without
 * the token) or 400 (refused as ambiguous before routing).
 */
function spellingsOf(path: string, authority: string): Array<{ name: string; target: string; allowed: number[] }> {
  const rest = path.replace(/^\/api\/admin/, '');
  const segments = path.split('/').length;
  const out: Array<{ name: string; target: string; allowed: number[] }> = [
    { name: 'plain', target: path, allowed: [401] },
    { name: 'with a query', target: `${path}?x=1`, allowed: [401] },
    { name: 'trailing slash', target: `${path}/`, allowed: [401] },
    { name: 'upper case', target: path.toUpperCase(), allowed: [401] },
    { name: 'mixed case', target: `/API/Admin${rest}`, allowed: [401] },
    { name: 'double slash inside', target: `/api//admin${rest}`, allowed: [400] },
    { name: 'double slash first', target: `//api/admin${rest}`, allowed: [400] },
    { name: 'double slash last', target: path.replace(/\/([^/]+)$/, '//$1'), allowed: [400] },
    { name: 'dot segment', target: `/api/./admin${rest}`, allowed: [400] },
    { name: 'leading dot segment', target: `/./api/admin${rest}`, allowed: [400] },
    { name: 'dot-dot segment', target: `/api/x/../admin${rest}`, allowed: [400] },
    { name: 'leading dot-dot segment', target: `/x/../api/admin${rest}`, allowed: [400] },
    { name: 'encoded dot segment', target: `/api/%2e/admin${rest}`, allowed: [400] },
    { name: 'encoded dot-dot segment', target: `/x/%2E%2E/api/admin${rest}`, allowed: [400] },
    { name: 'encoded slash', target: `/api%2Fadmin${rest}`, allowed: [400] },
    { name: 'encoded slash, lower case', target: `/api%2fadmin${rest}`, allowed: [400] },
    { name: 'double-encoded letter', target: encodeLetter(path, 2, doubleHex), allowed: [400] },
    { name: 'double-encoded slash', target: `/api%252Fadmin${rest}`, allowed: [400] },
    { name: 'path parameter on a segment', target: `/api/admin;x=1${rest}`, allowed: [400] },
    { name: 'path parameter at the end', target: `${path};jsessionid=1`, allowed: [400] },
    { name: 'encoded semicolon', target: `${path}%3Bx`, allowed: [400] },
    { name: 'backslash', target: `/api%5Cadmin${rest}`, allowed: [400] },
    { name: 'absolute form', target: `http://${authority}${path}`, allowed: [400] },
    { name: 'absolute form, another host', target: `http://admin.example${path}`, allowed: [400] },
    { name: 'encoded NUL', target: `${path}%00`, allowed: [400] },
  ];
  for (let i = 1; i < segments; i++) {
    out.push({ name: `encoded letter in segment ${i}`, target: encodeLetter(path, i, lowerHex), allowed: [401] });
    out.push({ name: `upper-case encoded letter in segment ${i}`, target: encodeLetter(path, i, upperHex), allowed: [401] });
  }
  return out;
}

/** A body that would do harm if the route ran: redirecting every user's SMS to another account. */
const HARMFUL = JSON.stringify({ type: 'pre-authorized', accountSid: `AC${'e'.repeat(32)}`, authToken: 'e'.repeat(32), confirm: 'delete' });

describe('security: authentication per route', function () {
  this.timeout(60_000);
  let world: World;
  let port: number;
  let host: string;
  let linkToken: string;
  let initial: unknown;

  const send = (method: string, target: string, headers: Record<string, string> = {}, body?: string): Promise<RawReply> =>
    rawRequest(host, port, { method, target, headers, ...(body === undefined ? {} : { body }) });

  const adminState = async () => {
    const reply = await world.admin('GET', '/api/admin/action');
    assert.equal(reply.status, 200);
    return reply.body;
  };

  /** Every route of the real server, as `[METHOD, path]`. */
  const registered = (): Array<{ method: string; path: string }> =>
    Object.values(world.started.server.router.getRoutes()).map((r) => ({ method: r.method, path: String(r.path) }));

  before(async () => {
    world = await startWorld();
    const url = new URL(world.url);
    host = url.hostname;
    port = Number(url.port);
    await configureUserAuthorized(world);
    const chat = world.client('alice');
    await chat.start();
    await chat.say('send an sms');
    await chat.say(ALICE_PHONE);
    const link = authLinkOf(textOf(await chat.say('Hello there.')));
    assert.ok(link, 'the bot sent a link');
    linkToken = link.slice(link.lastIndexOf('/') + 1);
    initial = await adminState();
  });

  after(async () => world.close());

  it('registers every route with a declared audience, and every /api/admin route as admin', () => {
    const routes = registered();
    assert.ok(routes.length >= ADMIN_ROUTES.length + 6, `only ${routes.length} routes`);
    for (const { method, path } of routes) {
      const audience = routeAudience(world.started.server, method, path);
      assert.ok(audience, `${method} ${path} declares no audience`);
      if (path.toLowerCase().startsWith('/api/admin')) assert.equal(audience, 'admin', `${method} ${path}`);
    }
    for (const route of ADMIN_ROUTES) {
      assert.equal(routeAudience(world.started.server, METHOD[route.method] ?? '', route.path), 'admin', route.path);
    }
    const audiences = new Set(routes.map((r) => routeAudience(world.started.server, r.method, r.path)));
    assert.deepEqual([...audiences].sort(), ['admin', 'bot', 'console', 'dev', 'link-token', 'public', 'twilio']);
  });

  it('refuses every admin route without the token or with a wrong one (401, 429 once backing off)', async () => {
    const admin = registered().filter((r) => routeAudience(world.started.server, r.method, r.path) === 'admin');
    assert.ok(admin.length >= ADMIN_ROUTES.length + 6, 'the template routes are admin routes too');
    for (const { method, path } of admin) {
      const attempts: Array<Record<string, string>> = [{}, { authorization: 'Bearer wrong-token' }, { authorization: `Basic ${ADMIN_TOKEN}` }, { authorization: ADMIN_TOKEN }];
      for (const headers of attempts) {
        const reply = await send(method, concrete(path), { 'content-type': 'application/json', ...headers }, HARMFUL);
        assert.ok(reply.status === 401 || reply.status === 429, `${method} ${path} ${JSON.stringify(headers)}: ${reply.body}`);
        assert.equal(errorCode(reply), reply.status === 401 ? 'unauthorized' : 'too_many_attempts');
      }
    }
    assert.deepEqual(await adminState(), initial);
  });

  it('refuses every spelling of every admin route without a token (401/429 or 400, never the route)', async () => {
    const admin = registered().filter((r) => routeAudience(world.started.server, r.method, r.path) === 'admin');
    let tried = 0;
    for (const { method, path } of admin) {
      for (const spelling of spellingsOf(concrete(path), `${host}:${port}`)) {
        const reply = await send(method, spelling.target, { 'content-type': 'application/json' }, HARMFUL);
        tried += 1;
        const what = `${method} ${spelling.target} (${spelling.name}): ${reply.status} ${reply.body}`;
        // 429: refused without a token too, once this client failed often enough.
        assert.ok(spelling.allowed.includes(reply.status) || (spelling.allowed.includes(401) && reply.status === 429), what);
        const expected: Readonly<Record<number, string>> = { 401: 'unauthorized', 429: 'too_many_attempts', 400: 'non_canonical_path' };
        assert.equal(errorCode(reply), expected[reply.status], what);
        assert.equal(reply.headers['x-content-type-options'], 'nosniff', what);
      }
    }
    assert.ok(tried > 500, `only ${tried} spellings tried`);
    assert.deepEqual(await adminState(), initial, 'no spelling changed the action');
  });

  it('answers unknown admin paths like known ones: refused without a token in any spelling, 404 with it', async () => {
    for (const target of ['/api/admin', '/api/admin/', '/api/admin/secrets', '/API/ADMIN/secrets', '/api/%61dmin/nothing', '/Api/Admin/action/authorization']) {
      const reply = await send('GET', target);
      assert.ok(reply.status === 401 || reply.status === 429, `${target}: ${reply.body}`);
    }
    const known = await send('GET', '/api/%61dmin/action', { authorization: `Bearer ${ADMIN_TOKEN}` });
    assert.equal(known.status, 200, 'a spelling of a known route is that route');
    for (const target of ['/api/admin/secrets', '/API/Admin/action', '/api/admin/action/']) {
      const reply = await send('GET', target, { authorization: `Bearer ${ADMIN_TOKEN}` });
      assert.equal(reply.status, 404, `${target}: ${reply.body}`);
      assert.equal(errorCode(reply), 'not_found');
    }
  });

  it('refuses cross-site state changes even with the token', async () => {
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const cases: Array<{ headers: Record<string, string>; status: number; code: string }> = [
      { headers: { 'sec-fetch-site': 'cross-site' }, status: 403, code: 'cross_site_request' },
      { headers: { 'sec-fetch-site': 'same-site' }, status: 403, code: 'cross_site_request' },
      { headers: { origin: 'http://evil.example' }, status: 403, code: 'cross_site_request' },
      { headers: { origin: 'null' }, status: 403, code: 'cross_site_request' },
      { headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415, code: 'unsupported_media_type' },
      { headers: { 'content-type': 'text/plain' }, status: 415, code: 'unsupported_media_type' },
      { headers: { 'content-type': 'multipart/form-data; boundary=x' }, status: 415, code: 'unsupported_media_type' },
    ];
    for (const target of ['/api/admin/action/disable', '/api/admin/templates/send-sms/install']) {
      for (const c of cases) {
        const reply = await send('POST', target, { ...auth, ...c.headers });
        assert.equal(reply.status, c.status, `${target} ${JSON.stringify(c.headers)}: ${reply.body}`);
        assert.equal(errorCode(reply), c.code);
      }
    }
    const formPost = await send('POST', '/api/%61dmin/action/disable', { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example' }, '');
    assert.equal(formPost.status, 401, 'an empty cross-site form post without the token');
    assert.deepEqual(await adminState(), initial);
    const sameOrigin = await send('GET', '/api/admin/action', { ...auth, origin: `http://${host}:${port}`, 'sec-fetch-site': 'same-origin' });
    assert.equal(sameOrigin.status, 200);
  });

  it('never serves or logs a link token under another spelling of /auth', async () => {
    const spellings: Array<{ target: string; page: boolean }> = [
      { target: `/%61uth/${linkToken}`, page: true },
      { target: `/%61%75%74%68/${linkToken}`, page: true },
      { target: `/AUTH/${linkToken}`, page: false },
      { target: `/Auth/${linkToken}`, page: false },
      { target: `/auth/${linkToken}/`, page: false },
      { target: `/auth//${linkToken}`, page: false },
      { target: `//auth/${linkToken}`, page: false },
      { target: `/auth/./${linkToken}`, page: false },
      { target: `/x/../auth/${linkToken}`, page: false },
      { target: `/auth;x/${linkToken}`, page: false },
      { target: `/auth/${linkToken};x`, page: false },
      { target: `/auth%2F${linkToken}`, page: false },
      { target: `/%2561uth/${linkToken}`, page: false },
      { target: `http://${host}:${port}/auth/${linkToken}`, page: false },
      { target: `/auth/${linkToken}%00`, page: false },
    ];
    for (const { target, page } of spellings) {
      for (const method of ['GET', 'POST']) {
        const reply = await send(method, target, method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}, method === 'POST' ? 'csrf=x' : undefined);
        assert.ok(reply.status < 500, `${method} ${target}: ${reply.status}`);
        if (method === 'GET') assert.equal(reply.status === 200, page, `${method} ${target}: ${reply.status}`);
        assert.equal(reply.headers['x-content-type-options'], 'nosniff');
      }
    }
    const leaked = world.logLines.filter((l) => l.includes(linkToken));
    assert.deepEqual(leaked, [], 'a log line holds the link token');
    assert.ok(world.logLines.some((l) => l.includes('/auth/…')), 'requests to the page are logged, redacted');
  });

  it('answers ambiguous request targets with 400 in the one error format, without echoing them', async () => {
    for (const target of ['/api/messages/../api/admin/action', '/%2e%2e/etc/passwd', '/healthz;x', '*', '/a%zz', '/a%c3%28']) {
      const reply = await send('GET', target);
      assert.equal(reply.status, 400, `${target}: ${reply.status} ${reply.body}`);
      assert.equal(errorCode(reply), 'non_canonical_path', target);
      if (target !== '*') assert.ok(!reply.body.includes(target), 'the target is not echoed');
      assert.equal(reply.headers['x-content-type-options'], 'nosniff');
    }
  });

  it('declares the console\'s routes: pages public, session endpoints console, the sign-in link link-token, its API admin', () => {
    const expected: Array<[string, string, string]> = [
      ['GET', '/admin', 'public'],
      ['GET', '/admin/', 'public'],
      ['GET', '/admin/*', 'public'],
      ['GET', '/admin/console.js', 'public'],
      ['GET', '/admin/console.css', 'public'],
      ['POST', '/admin/session', 'console'],
      ['GET', '/admin/session', 'console'],
      ['DELETE', '/admin/session', 'console'],
      ['GET', '/admin/sign-in/:token', 'link-token'],
      ['GET', '/api/admin/services', 'admin'],
      ['POST', '/api/admin/services', 'admin'],
      ['GET', '/api/admin/users', 'admin'],
      ['GET', '/api/admin/console-info', 'admin'],
    ];
    for (const [method, path, audience] of expected) assert.equal(routeAudience(world.started.server, method, path), audience, `${method} ${path}`);
  });

  it('signs in only at the canonical /admin/session (or an encoded spelling of it), never under another spelling', async () => {
    const body = JSON.stringify({ token: ADMIN_TOKEN });
    const json = { 'content-type': 'application/json' };
    const spellings: Array<{ target: string; allowed: number[] }> = [
      { target: '/admin/session', allowed: [200] },
      { target: '/%61dmin/session', allowed: [200] },
      { target: '/admin/%73ession', allowed: [200] },
      { target: '/admin/session?x=1', allowed: [200] },
      { target: '/ADMIN/SESSION', allowed: [404] },
      { target: '/Admin/Session', allowed: [404] },
      { target: '/admin/session/', allowed: [404, 405] },
      { target: '/admin//session', allowed: [400] },
      { target: '//admin/session', allowed: [400] },
      { target: '/admin/./session', allowed: [400] },
      { target: '/x/../admin/session', allowed: [400] },
      { target: '/admin%2Fsession', allowed: [400] },
      { target: '/admin/session;x=1', allowed: [400] },
      { target: '/admin/session%00', allowed: [400] },
      { target: '/%2561dmin/session', allowed: [400] },
      { target: `http://${host}:${port}/admin/session`, allowed: [400] },
    ];
    for (const { target, allowed } of spellings) {
      const reply = await send('POST', target, json, body);
      assert.ok(allowed.includes(reply.status), `POST ${target}: ${reply.status} ${reply.body}`);
      assert.equal(reply.headers['set-cookie'] !== undefined, reply.status === 200, `POST ${target} sets a cookie only when it signed in`);
      assert.equal(reply.headers['x-content-type-options'], 'nosniff');
      const wrong = await send('POST', target, json, JSON.stringify({ token: 'wrong-token' }));
      assert.ok([401, 429, ...allowed.filter((s) => s !== 200)].includes(wrong.status), `wrong token, POST ${target}: ${wrong.status}`);
      assert.equal(wrong.headers['set-cookie'], undefined);
    }
    for (const target of ['/admin', '/admin/', '/%61dmin', '/admin/actions', '/admin?x=1', '/ADMIN', '/Admin/', '/admin//x', '/admin/%2e%2e/api/admin/action']) {
      const reply = await send('GET', target);
      assert.ok([200, 400, 404].includes(reply.status), `GET ${target}: ${reply.status}`);
      assert.equal(reply.headers['x-content-type-options'], 'nosniff');
      if (reply.status === 200) assert.match(reply.headers['content-security-policy'] ?? '', /script-src 'self';/);
      if (reply.status === 200) assert.match(reply.headers['content-type'] ?? '', /^text\/html/);
      assert.ok(!/"action"|"authorization"/.test(reply.body), `GET ${target} shows no admin data`);
    }
  });

  it('refuses every state-changing admin route to a session cookie without its CSRF token, under any spelling', async () => {
    const signIn = await send('POST', '/admin/session', { 'content-type': 'application/json' }, JSON.stringify({ token: ADMIN_TOKEN }));
    assert.equal(signIn.status, 200, signIn.body);
    const cookie = /tva_admin=([A-Za-z0-9_-]{43})/.exec(signIn.headers['set-cookie'] ?? '')?.[1];
    assert.ok(cookie);
    const CSRF_ATTEMPTS: Array<Record<string, string>> = [{}, { 'x-csrf-token': 'guessed' }, { 'x-csrf-token': '' }];
    const admin = registered().filter((r) => routeAudience(world.started.server, r.method, r.path) === 'admin' && r.method !== 'GET');
    assert.ok(admin.length >= 15, `only ${admin.length} state-changing admin routes`);
    for (const { method, path } of admin) {
      for (const target of [concrete(path), concrete(path).replace('/api/admin', '/API/Admin'), encodeLetter(concrete(path), 2, lowerHex)]) {
        for (const headers of CSRF_ATTEMPTS) {
          const reply = await send(method, target, { 'content-type': 'application/json', cookie: `tva_admin=${cookie}`, ...headers }, HARMFUL);
          assert.equal(reply.status, 403, `${method} ${target} ${JSON.stringify(headers)}: ${reply.body}`);
          assert.match(errorCode(reply) ?? '', /^csrf_token_(missing|invalid)$/);
        }
      }
    }
    assert.deepEqual(await adminState(), initial, 'no request without the CSRF token changed the action');
  });

  it('sends X-Content-Type-Options: nosniff with every kind of response', async () => {
    const replies = [
      await send('GET', '/'),
      await send('GET', '/healthz'),
      await send('GET', '/nothing-here'),
      await send('DELETE', '/healthz'),
      await send('GET', '/api/admin/action'),
      await send('GET', '/api/admin/action', { authorization: `Bearer ${ADMIN_TOKEN}` }),
      await send('GET', `/auth/${'A'.repeat(43)}`),
      await send('POST', '/api/messages', { 'content-type': 'application/json' }, '[]'),
      await send('GET', '/api/dev/info'),
      await send('GET', '/a//b'),
      await send('GET', '/admin'),
      await send('GET', '/admin/session'),
      await send('GET', `/admin/sign-in/${'A'.repeat(43)}`),
    ];
    for (const reply of replies) assert.equal(reply.headers['x-content-type-options'], 'nosniff', `${reply.status} ${reply.body.slice(0, 80)}`);
  });
});
