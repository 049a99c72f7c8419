/**
 * The console's HTTP contract against the real server (`start()`, the e2e world): signing in with the admin token
 * (wrong ones back off like the API's), the session cookie and its flags, the admin API with the cookie and the
 * CSRF header, signing out, the one-time sign-in link of the banner, and no token in logs, data files or the store.
 */
import assert from 'node:assert/strict';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { CONSOLE_INFO_SCHEMA, SESSION_REPLY_SCHEMA } from '../../src/server';
import { ADMIN_TOKEN } from '../support/http';
import { findLeaks, startWorld, type World } from '../support/world';
import { consoleRequest, errorCodeOf, field, sessionCookieIn, type ConsoleRequest } from './client';

const COOKIE_FLAGS = /^tva_admin=([A-Za-z0-9_-]{43}); HttpOnly; SameSite=Strict; Path=\/; Max-Age=28800$/;
const CLEARED_COOKIE = 'tva_admin=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0';
const HOUR_MS = 60 * 60 * 1000;
const ajv = new Ajv2020({ strict: true });
addFormats(ajv);
/** Every reply of the session endpoints fits the contract's schema (the one the console's types come from). */
const isSessionReply = ajv.compile(SESSION_REPLY_SCHEMA);
const isConsoleInfo = ajv.compile(CONSOLE_INFO_SCHEMA);

describe('console API: sessions, CSRF and the sign-in link (e2e)', function () {
  this.timeout(30_000);
  let world: World;
  const call = (method: string, route: string, options?: ConsoleRequest) => consoleRequest(world.url, method, route, options);
  const signIn = async () => {
    const reply = await call('POST', '/admin/session', { body: { token: ADMIN_TOKEN } });
    assert.equal(reply.status, 200, reply.text);
    const cookie = sessionCookieIn(reply);
    const csrf = field(reply, 'csrf');
    assert.ok(cookie && typeof csrf === 'string', reply.text);
    return { cookie, csrf, reply };
  };
  /** Secrets seen during the run: none may reach a log line, a data file or bot state. */
  const seen: string[] = [ADMIN_TOKEN];

  before(async () => {
    world = await startWorld();
  });
  after(async () => world.close());

  it('says signed out without a cookie, and refuses wrong tokens with the API\'s back-off', async () => {
    assert.deepEqual((await call('GET', '/admin/session')).json, { signedIn: false });
    const wrong = await call('POST', '/admin/session', { body: { token: 'not-the-admin-token' } });
    assert.equal(wrong.status, 401);
    assert.equal(errorCodeOf(wrong), 'unauthorized');
    assert.deepEqual(wrong.setCookies, [], 'no cookie for a wrong token');
    const empty = await call('POST', '/admin/session', { body: { token: '' } });
    assert.equal(empty.status, 401);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await call('POST', '/admin/session', { body: { token: `wrong-${i}` } })).status);
    assert.deepEqual(statuses, [401, 401, 401, 429], 'five failures, then 429');
    const blocked = await call('POST', '/admin/session', { body: { token: 'wrong-again' } });
    assert.equal(blocked.status, 429);
    assert.equal(errorCodeOf(blocked), 'too_many_attempts');
    assert.match(blocked.headers.get('retry-after') ?? '', /^\d+$/);
    const api = await consoleRequest(world.url, 'GET', '/api/admin/action', { headers: { authorization: 'Bearer wrong' } });
    assert.equal(api.status, 429, 'the sign-in form and the API share one back-off per client');
    const malformed = await call('POST', '/admin/session', { body: { password: ADMIN_TOKEN } });
    assert.equal(malformed.status, 400);
    assert.equal(errorCodeOf(malformed), 'invalid_request');
  });

  it('signs in with the right token (even while backing off): an HttpOnly, SameSite=Strict cookie, a CSRF token, 8 hours', async () => {
    const before = Date.now();
    const { cookie, csrf, reply } = await signIn();
    seen.push(cookie, csrf);
    assert.equal(reply.setCookies.length, 1);
    assert.match(reply.setCookies[0] ?? '', COOKIE_FLAGS);
    assert.equal(reply.headers.get('cache-control'), 'no-store');
    assert.equal(field(reply, 'signedIn'), true);
    const expiresAt = Date.parse(String(field(reply, 'expiresAt')));
    assert.ok(expiresAt >= before + 8 * HOUR_MS - 1000 && expiresAt <= Date.now() + 8 * HOUR_MS, String(field(reply, 'expiresAt')));
    assert.notEqual(csrf, cookie);

    const read = await call('GET', '/admin/session', { cookie });
    assert.deepEqual(read.json, { signedIn: true, csrf, expiresAt: field(reply, 'expiresAt') });
    assert.ok(isSessionReply(reply.json) && isSessionReply(read.json), JSON.stringify(isSessionReply.errors));
    assert.equal((await call('GET', '/api/admin/action', { cookie })).status, 200, 'the cookie opens the admin API');
    assert.equal((await consoleRequest(world.url, 'GET', '/api/admin/action', { headers: { authorization: 'Bearer wrong' } })).status, 401, 'the back-off was reset');
  });

  it('needs the session\'s X-CSRF-Token on every state-changing admin request made with the cookie', async () => {
    const { cookie, csrf } = await signIn();
    const profile = (name: string) => ({ name, tenancy: false, description: 'console test' });
    const missing = await call('POST', '/api/admin/profiles', { cookie, body: profile('no-csrf') });
    assert.equal(missing.status, 403, missing.text);
    assert.equal(errorCodeOf(missing), 'csrf_token_missing');
    const wrong = await call('POST', '/api/admin/profiles', { cookie, csrf: `${csrf.slice(0, -2)}xx`, body: profile('wrong-csrf') });
    assert.equal(wrong.status, 403);
    assert.equal(errorCodeOf(wrong), 'csrf_token_invalid');
    const other = await signIn();
    const crossed = await call('POST', '/api/admin/profiles', { cookie, csrf: other.csrf, body: profile('other-csrf') });
    assert.equal(crossed.status, 403, 'another session\'s CSRF token does not fit');
    const unknownPath = await call('POST', '/api/admin/nothing', { cookie });
    assert.equal(unknownPath.status, 403, 'refused before routing too');
    const crossSite = await call('POST', '/api/admin/profiles', { cookie, csrf, body: profile('cross-site'), headers: { 'sec-fetch-site': 'cross-site' } });
    assert.equal(crossSite.status, 403);
    assert.equal(errorCodeOf(crossSite), 'cross_site_request');
    const form = await call('POST', '/api/admin/action/disable', { cookie, csrf, headers: { 'content-type': 'text/plain' } });
    assert.equal(form.status, 415);
    const names = async () => ((await world.admin('GET', '/api/admin/profiles')).body as { profiles: Array<{ name: string }> }).profiles.map((p) => p.name);
    assert.deepEqual(await names(), [], 'no refused request created anything');

    const created = await call('POST', '/api/admin/profiles', { cookie, csrf, body: profile('with-csrf') });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(await names(), ['with-csrf']);
    const audit = await world.started.store.listAudit({ limit: 10 });
    assert.equal(audit.entries.find((e) => e.action === 'profile.create')?.actor, 'admin-console', 'the audit log says the console did it');
    assert.equal((await call('DELETE', '/api/admin/profiles/with-csrf', { cookie, csrf })).status, 200);

    const bearerWins = await consoleRequest(world.url, 'GET', '/api/admin/action', { cookie, headers: { authorization: 'Bearer not-it' } });
    assert.equal(bearerWins.status, 401, 'an Authorization header decides, even beside a valid cookie');
    assert.equal((await world.admin('POST', '/api/admin/action/test')).status, 200, 'Bearer clients need no CSRF token');
    assert.equal((await call('POST', '/api/admin/action/test', { cookie: 'A'.repeat(43), csrf })).status, 401, 'an unknown cookie is no session');
  });

  it('signs out: the CSRF header is required, the session is deleted and the cookie cleared', async () => {
    const { cookie, csrf } = await signIn();
    const noCsrf = await call('DELETE', '/admin/session', { cookie });
    assert.equal(noCsrf.status, 403);
    assert.equal(errorCodeOf(noCsrf), 'csrf_token_invalid');
    assert.equal(field(await call('GET', '/admin/session', { cookie }), 'signedIn'), true, 'still signed in');
    const out = await call('DELETE', '/admin/session', { cookie, csrf });
    assert.equal(out.status, 200);
    assert.deepEqual(out.json, { signedIn: false });
    assert.ok(isSessionReply(out.json));
    assert.deepEqual(out.setCookies, [CLEARED_COOKIE]);
    const after = await call('GET', '/admin/session', { cookie });
    assert.deepEqual(after.json, { signedIn: false });
    assert.deepEqual(after.setCookies, [CLEARED_COOKIE], 'a stale cookie is dropped');
    const api = await call('GET', '/api/admin/action', { cookie });
    assert.equal(api.status, 401);
    assert.match(String((field(api, 'error') as { message?: unknown } | undefined)?.message), /sign in again/i);
    assert.equal((await call('DELETE', '/admin/session', { cookie, csrf })).status, 200, 'signing out twice is fine');
  });

  it('refuses cross-site requests to the session endpoints', async () => {
    for (const method of ['GET', 'POST', 'DELETE']) {
      const reply = await call(method, '/admin/session', {
        headers: { origin: 'http://evil.example' },
        ...(method === 'POST' ? { body: { token: ADMIN_TOKEN } } : {}),
      });
      assert.equal(reply.status, 403, `${method}: ${reply.text}`);
      assert.equal(errorCodeOf(reply), 'cross_site_request');
      assert.deepEqual(reply.setCookies, []);
    }
    const form = await call('POST', '/admin/session', { headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(form.status, 415);
  });

  it('signs in once through the banner\'s one-time link, then says the link is no longer valid', async () => {
    const link = world.started.consoleSignInLink;
    assert.ok(link, 'the dev start prints a sign-in link');
    assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/admin\/sign-in\/[A-Za-z0-9_-]{43}$/);
    const token = link.slice(link.lastIndexOf('/') + 1);
    seen.push(token);
    const first = await fetch(link, { redirect: 'manual' });
    assert.equal(first.status, 303);
    assert.equal(first.headers.get('location'), '/admin');
    const setCookies = first.headers.getSetCookie();
    assert.equal(setCookies.length, 1);
    const match = COOKIE_FLAGS.exec(setCookies[0] ?? '');
    assert.ok(match?.[1], setCookies[0]);
    seen.push(match[1]);
    const session = await call('GET', '/admin/session', { cookie: match[1] });
    assert.equal(field(session, 'signedIn'), true);

    for (const used of [link, `${world.url}/admin/sign-in/${'B'.repeat(43)}`, `${world.url}/admin/sign-in/short`]) {
      const again = await fetch(used, { redirect: 'manual' });
      const html = await again.text();
      assert.equal(again.status, 410, used);
      assert.match(html, /This sign-in link is no longer valid/);
      assert.match(html, /<a href="\/admin">/);
      assert.deepEqual(again.headers.getSetCookie(), []);
      assert.match(again.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    }
    const fresh = await world.started.consoleSessions.createSignInLink();
    seen.push(fresh.token);
    assert.equal((await fetch(`${world.url}/%61dmin/sign-in/${fresh.token}`, { redirect: 'manual' })).status, 303, 'the same route, spelled encoded');
  });

  it('stores only hashes of sessions and sign-in links, and no token reaches a log line or a data file', async () => {
    const { cookie, csrf } = await signIn();
    seen.push(cookie, csrf);
    const link = await world.started.consoleSessions.createSignInLink();
    seen.push(link.token);
    await fetch(`${world.url}/admin/sign-in/${link.token}`, { redirect: 'manual' });
    await fetch(`${world.url}/ADMIN/SIGN-IN/${link.token}`, { redirect: 'manual' });
    const store = world.started.store;
    const sessions = await store.list('sessions');
    assert.ok(sessions.length >= 3);
    for (const doc of [...sessions, ...(await store.list('signinlinks'))]) {
      assert.match(doc.key, /^[0-9a-f]{64}$/, 'keyed by SHA-256');
      assert.deepEqual(Object.keys(doc.value as object), ['expiresAt']);
    }
    const everything = JSON.stringify([sessions, await store.list('signinlinks'), await store.listAudit({ limit: 200 })]);
    for (const secret of seen) assert.ok(!everything.includes(secret), 'the store holds a token');
    assert.ok(world.logLines.some((l) => l.includes('/admin/sign-in/…')), 'sign-in requests are logged, redacted');
    assert.deepEqual(await findLeaks(world, { secrets: seen }), []);
    const audit = await store.listAudit({ limit: 50 });
    assert.ok(audit.entries.some((e) => e.action === 'console.sign-in'), 'sign-ins are audited');
  });
});

describe('console API: services, users and console info (e2e)', function () {
  this.timeout(30_000);
  let world: World;
  before(async () => {
    world = await startWorld();
  });
  after(async () => world.close());

  it('answers console info in dev mode: the emulator\'s outbox', async () => {
    const info = await world.admin('GET', '/api/admin/console-info');
    assert.equal(info.status, 200);
    assert.deepEqual(info.body, { dev: true, outboxUrl: `${world.emulator.url}/emulator/messages` });
    assert.ok(isConsoleInfo(info.body));
  });

  it('lists and creates the account\'s Verify Services with the action\'s credentials', async () => {
    const before = await world.admin('GET', '/api/admin/services');
    assert.equal(before.status, 200, JSON.stringify(before.body));
    const count = (before.body as { services: unknown[] }).services.length;
    const created = await world.admin('POST', '/api/admin/services', { friendlyName: 'Console Test' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const sid = (created.body as { sid: string }).sid;
    assert.match(sid, /^VA[0-9a-f]{32}$/);
    const after = (await world.admin('GET', '/api/admin/services')).body as { services: Array<{ sid: string; friendlyName: string }> };
    assert.equal(after.services.length, count + 1);
    assert.ok(after.services.some((s) => s.sid === sid && s.friendlyName === 'Console Test'));
    for (const body of [{}, { friendlyName: '' }, { friendlyName: 'x'.repeat(31) }, { friendlyName: 'ok', extra: 1 }]) {
      const bad = await world.admin('POST', '/api/admin/services', body);
      assert.equal(bad.status, 400, JSON.stringify(body));
    }
    const audit = await world.started.store.listAudit({ limit: 20 });
    assert.ok(audit.entries.some((e) => e.action === 'service.create' && e.outcome === 'ok'));
  });

  it('answers Twilio\'s code when the action\'s credentials are wrong', async () => {
    assert.equal((await world.admin('POST', '/api/admin/action/disable')).status, 200);
    const auth = await world.admin('PUT', '/api/admin/action/authorization', {
      type: 'pre-authorized',
      accountSid: world.emulator.accountSid,
      authToken: 'f'.repeat(32),
      baseUrl: world.emulator.url,
    });
    assert.equal(auth.status, 200, JSON.stringify(auth.body));
    const refused = await world.admin('GET', '/api/admin/services');
    assert.equal(refused.status, 502, JSON.stringify(refused.body));
    const error = (refused.body as { error: { code: string; twilio?: { code: unknown } } }).error;
    assert.equal(error.code, 'twilio_error');
    assert.equal(error.twilio?.code, 20003);
  });

  it('lists users with stored credentials, Account SIDs masked and no secret', async () => {
    assert.deepEqual((await world.admin('GET', '/api/admin/users')).body, { users: [] });
    const profile = await world.admin('POST', '/api/admin/profiles', { name: 'own', tenancy: false, baseUrl: world.emulator.url });
    assert.equal(profile.status, 201);
    assert.equal((await world.admin('PUT', '/api/admin/action/authorization', { type: 'user-authorized', profile: 'own' })).status, 200);
    const services = await world.admin('GET', '/api/admin/services');
    assert.equal(services.status, 409);
    const stored = await world.started.action.storeUserCredentials('webchat', 'alice', {
      accountSid: world.emulator.accountSid,
      authToken: world.emulator.authToken,
    });
    assert.deepEqual(stored, { ok: true });
    const users = await world.admin('GET', '/api/admin/users');
    assert.equal(users.status, 200);
    const list = (users.body as { users: Array<Record<string, unknown>> }).users;
    assert.equal(list.length, 1);
    assert.deepEqual(Object.keys(list[0] ?? {}).sort(), ['accountSid', 'channelId', 'createdAt', 'profile', 'userId']);
    assert.equal(list[0]?.channelId, 'webchat');
    assert.equal(list[0]?.userId, 'alice');
    assert.equal(list[0]?.accountSid, `…${world.emulator.accountSid.slice(-4)}`);
    assert.ok(!JSON.stringify(users.body).includes(world.emulator.authToken));
  });
});
