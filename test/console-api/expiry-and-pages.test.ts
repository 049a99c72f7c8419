/**
 * What needs the server's clock or its public folder: sessions that expire after 8 hours (fixed, not sliding),
 * sign-in links that expire after 10 minutes, the Secure flag behind https, and the console's page and assets with the
 * chat page's strict CSP (or a clear 404 before the console is built).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PAGE_SECURITY_HEADERS } from '../../src/server';
import { consoleRequest, errorCodeOf, field, sessionCookieIn } from './client';
import { STACK_ADMIN_TOKEN, startConsoleStack, type ConsoleStack } from './stack';

const EIGHT_HOURS = 8 * 60 * 60;

describe('console API: expiry on an injected clock', function () {
  let stack: ConsoleStack;
  beforeEach(async () => {
    stack = await startConsoleStack();
  });
  afterEach(async () => stack.close());

  const signIn = async () => {
    const reply = await consoleRequest(stack.url, 'POST', '/admin/session', { body: { token: STACK_ADMIN_TOKEN } });
    assert.equal(reply.status, 200, reply.text);
    const cookie = sessionCookieIn(reply);
    assert.ok(cookie);
    return cookie;
  };

  it('keeps a session 8 hours from sign-in, however much it is used, then answers 401 and signed out', async () => {
    const cookie = await signIn();
    stack.clock.advance(EIGHT_HOURS - 60);
    assert.equal((await consoleRequest(stack.url, 'GET', '/api/admin/action', { cookie })).status, 200);
    const read = await consoleRequest(stack.url, 'GET', '/admin/session', { cookie });
    assert.equal(field(read, 'signedIn'), true);
    stack.clock.advance(60);
    const expired = await consoleRequest(stack.url, 'GET', '/api/admin/action', { cookie });
    assert.equal(expired.status, 401, 'fixed expiry: using the session did not extend it');
    assert.equal(errorCodeOf(expired), 'unauthorized');
    assert.deepEqual((await consoleRequest(stack.url, 'GET', '/admin/session', { cookie })).json, { signedIn: false });
  });

  it('signs in through a link until it is 10 minutes old, once', async () => {
    const young = await stack.sessions.createSignInLink();
    const old = await stack.sessions.createSignInLink();
    assert.equal(old.expiresAt.getTime() - stack.clock.now().getTime(), 10 * 60 * 1000);
    stack.clock.advance(10 * 60 - 1);
    const used = await fetch(`${stack.url}/admin/sign-in/${young.token}`, { redirect: 'manual' });
    assert.equal(used.status, 303);
    stack.clock.advance(1);
    const late = await fetch(`${stack.url}/admin/sign-in/${old.token}`, { redirect: 'manual' });
    assert.equal(late.status, 410);
    assert.match(await late.text(), /This sign-in link is no longer valid/);
    assert.deepEqual(await stack.store.list('signinlinks'), [], 'a used or late link is gone');
  });

  it('never logs the admin token, a session token or a link token', async () => {
    const cookie = await signIn();
    const link = await stack.sessions.createSignInLink();
    await fetch(`${stack.url}/admin/sign-in/${link.token}`, { redirect: 'manual' });
    await consoleRequest(stack.url, 'POST', '/api/admin/action/test', { cookie });
    const leaks = stack.logLines.filter((l) => [STACK_ADMIN_TOKEN, cookie, link.token].some((s) => l.includes(s)));
    assert.deepEqual(leaks, []);
  });
});

describe('console API: the page and its assets', function () {
  let publicDir: string;
  let stack: ConsoleStack;
  before(async () => {
    publicDir = await mkdtemp(path.join(os.tmpdir(), 'tva-console-public-'));
    await writeFile(path.join(publicDir, 'admin.html'), '<!doctype html><title>Console</title><script src="/admin/console.js"></script>');
    await mkdir(path.join(publicDir, 'admin'));
    await writeFile(path.join(publicDir, 'admin', 'console.js'), 'console.log(1);');
    stack = await startConsoleStack({ publicDir, publicBaseUrl: 'https://bot.example' });
  });
  after(async () => {
    await stack.close();
    await rm(publicDir, { recursive: true, force: true });
  });

  it('serves admin.html at /admin, /admin/ and any client-side route below it, with the chat page\'s headers', async () => {
    for (const route of ['/admin', '/admin/', '/admin/actions', '/admin/templates/send-sms/dialog', '/admin/sign-in']) {
      const reply = await consoleRequest(stack.url, 'GET', route);
      assert.equal(reply.status, 200, route);
      assert.equal(reply.headers.get('content-type'), 'text/html; charset=utf-8', route);
      assert.match(reply.text, /<title>Console<\/title>/);
      for (const [name, value] of Object.entries(PAGE_SECURITY_HEADERS)) assert.equal(reply.headers.get(name), value, `${route} ${name}`);
      assert.doesNotMatch(reply.headers.get('content-security-policy') ?? '', /unsafe-inline/);
    }
    const js = await consoleRequest(stack.url, 'GET', '/admin/console.js');
    assert.equal(js.status, 200);
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(js.headers.get('content-security-policy'), PAGE_SECURITY_HEADERS['content-security-policy']);
  });

  it('answers 404 with what to do for an asset that is not built yet', async () => {
    const css = await consoleRequest(stack.url, 'GET', '/admin/console.css');
    assert.equal(css.status, 404);
    assert.equal(errorCodeOf(css), 'console_not_built');
    assert.match(String((field(css, 'error') as { message?: unknown } | undefined)?.message), /public\/admin\/console\.css.*npm run build/);
  });

  it('marks the cookie Secure when the public base URL is https', async () => {
    const reply = await consoleRequest(stack.url, 'POST', '/admin/session', { body: { token: STACK_ADMIN_TOKEN } });
    assert.match(reply.setCookies[0] ?? '', /^tva_admin=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=28800; Secure$/);
  });

  it('keeps the session endpoints and the API out of the page fallback', async () => {
    assert.deepEqual((await consoleRequest(stack.url, 'GET', '/admin/session')).json, { signedIn: false });
    assert.equal((await consoleRequest(stack.url, 'POST', '/admin/anything', { body: {} })).status, 405);
    assert.equal((await consoleRequest(stack.url, 'GET', '/api/admin/console-info')).status, 401);
    const cookie = sessionCookieIn(await consoleRequest(stack.url, 'POST', '/admin/session', { body: { token: STACK_ADMIN_TOKEN } }));
    const info = await consoleRequest(stack.url, 'GET', '/api/admin/console-info', { ...(cookie ? { cookie } : {}) });
    assert.deepEqual(info.json, { dev: false, outboxUrl: null }, 'no embedded emulator: no outbox');
  });
});
