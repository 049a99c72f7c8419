import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Activity } from 'botbuilder';
import { ActionError, AUTH_LINKS_NAMESPACE, sha256Hex } from '../../src/auth';
import { redactAuthLinkPath } from '../../src/server';
import { texts } from '../support/conversation';
import { startWorld, type AuthWorld } from '../support/world';
import { post } from '../support/http';

const WRONG_TOKEN = 'f'.repeat(32);

function linkOf(replies: Partial<Activity>[]): { url: string; token: string } {
  const text = texts(replies).join('\n');
  const match = /(http:\/\/127\.0\.0\.1:\d+\/auth\/([A-Za-z0-9_-]{43}))/.exec(text);
  if (!match?.[1] || !match[2]) throw new Error(`no authorization link in: ${text}`);
  return { url: match[1], token: match[2] };
}

function csrfOf(html: string): string {
  const match = /name="csrf" value="([A-Za-z0-9_-]+)"/.exec(html);
  if (!match?.[1]) throw new Error('no CSRF token in the page');
  return match[1];
}

interface Submit {
  csrf?: string;
  accountSid?: string;
  authToken?: string;
  tenant?: string;
  headers?: Record<string, string>;
}

async function submit(url: string, form: Submit): Promise<{ status: number; html: string; headers: Headers }> {
  const body = new URLSearchParams();
  for (const name of ['csrf', 'accountSid', 'authToken', 'tenant'] as const) {
    const value = form[name];
    if (value !== undefined) body.set(name, value);
  }
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...form.headers },
    body: body.toString(),
  });
  return { status: res.status, html: await res.text(), headers: res.headers };
}

async function open(url: string): Promise<{ status: number; html: string; headers: Headers }> {
  const res = await fetch(url);
  return { status: res.status, html: await res.text(), headers: res.headers };
}

describe('runtime authorization through the link page', () => {
  let world: AuthWorld;
  let sid: string;
  let token: string;

  beforeEach(async () => {
    world = await startWorld({ stack: 'auth' });
    sid = world.emulator.accountSid;
    token = world.emulator.authToken;
  });
  afterEach(async () => world.close());

  it('sends a one-time link, shows the form, refuses wrong credentials with Twilio\'s reason, accepts the right ones, and the dialog resumes on the event', async () => {
    const first = await post(world.url, 'alice', { text: 'show my account' });
    assert.match(texts(first).join(' '), /Account SID and Auth Token .* say "done"/);
    const link = linkOf(first);

    // The store keeps the SHA-256 of the token, never the token.
    const stored = await world.store.list<unknown>(AUTH_LINKS_NAMESPACE);
    assert.deepEqual(stored.map((d) => d.key), [sha256Hex(link.token)]);
    assert.doesNotMatch(JSON.stringify(stored), new RegExp(link.token));

    const page = await open(link.url);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('cache-control'), 'no-store');
    assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'.*form-action 'self'/);
    assert.match(page.html, /<input id="authToken" name="authToken" type="password"/);
    assert.doesNotMatch(page.html, /name="tenant"/);
    assert.doesNotMatch(page.html, /<script|<link|src=/);
    const csrf = csrfOf(page.html);

    const wrong = await submit(link.url, { csrf, accountSid: sid, authToken: WRONG_TOKEN });
    assert.equal(wrong.status, 422);
    assert.match(wrong.html, /Twilio did not accept these credentials \(20003: [^)]+\)/);
    assert.doesNotMatch(wrong.html, new RegExp(WRONG_TOKEN));

    const right = await submit(link.url, { csrf, accountSid: sid, authToken: token });
    assert.equal(right.status, 200);
    assert.match(right.html, /You can close this tab and go back to the chat/);
    assert.match(right.html, /new BroadcastChannel\('tva-auth'\)\.postMessage\(m\)/);
    assert.match(right.html, /window\.opener\.postMessage\(m,location\.origin\)/);
    assert.doesNotMatch(right.html, new RegExp(token));
    // The CSP allows exactly the page's inline script, by its hash.
    const script = /<script>([^<]*)<\/script>/.exec(right.html)?.[1] ?? '';
    const hash = createHash('sha256').update(script).digest('base64');
    assert.ok((right.headers.get('content-security-policy') ?? '').includes(`script-src 'sha256-${hash}'`));

    const resumed = await post(world.url, 'alice', { event: 'authorization/completed' });
    assert.deepEqual(texts(resumed), [`Your Twilio account ${sid} is active.`]);

    // Used up: the page and the form answer 410.
    assert.equal((await open(link.url)).status, 410);
    const reuse = await submit(link.url, { csrf, accountSid: sid, authToken: token });
    assert.equal(reuse.status, 410);
    assert.match(reuse.html, /no longer valid/);
    assert.equal((await world.store.list(AUTH_LINKS_NAMESPACE)).length, 0);

    // Neither the token nor the credentials reached a log line.
    const log = world.logger.lines.join('\n');
    assert.doesNotMatch(log, new RegExp(`${link.token}|${token}|${WRONG_TOKEN}`));
  });

  it('resumes the dialog when the user says "done" after authorizing', async () => {
    const link = linkOf(await post(world.url, 'bob', { text: 'show my account' }));
    const csrf = csrfOf((await open(link.url)).html);
    assert.equal((await submit(link.url, { csrf, accountSid: sid, authToken: token })).status, 200);
    assert.deepEqual(texts(await post(world.url, 'bob', { text: 'done' })), [`Your Twilio account ${sid} is active.`]);
  });

  it('sends a new link when the user says "done" without having authorized', async () => {
    const firstLink = linkOf(await post(world.url, 'bob', { text: 'show my account' }));
    const again = await post(world.url, 'bob', { text: 'done' });
    assert.match(texts(again)[0] ?? '', /still don't have your authorization/);
    assert.notEqual(linkOf(again).token, firstLink.token);
  });

  it('refuses a link after 10 minutes with 410, using the injected clock', async () => {
    const link = linkOf(await post(world.url, 'carol', { text: 'show my account' }));
    const csrf = csrfOf((await open(link.url)).html);
    world.clock.advance(10 * 60);
    const expired = await submit(link.url, { csrf, accountSid: sid, authToken: token });
    assert.equal(expired.status, 410);
    assert.match(expired.html, /This link has expired/);
    assert.equal((await open(link.url)).status, 410);
    await assert.rejects(world.action.getUserCredentials('webchat', 'carol'), (err: unknown) => err instanceof ActionError);
  });

  it('sweeps expired links when a new one is created', async () => {
    const old = linkOf(await post(world.url, 'carol', { text: 'show my account' }));
    world.clock.advance(11 * 60);
    const fresh = linkOf(await post(world.url, 'dave', { text: 'show my account' }));
    const keys = (await world.store.list(AUTH_LINKS_NAMESPACE)).map((d) => d.key);
    assert.deepEqual(keys, [sha256Hex(fresh.token)]);
    assert.notEqual(sha256Hex(old.token), keys[0]);
  });

  it('refuses a submit without the CSRF token, with a wrong one, or from another site (403)', async () => {
    const link = linkOf(await post(world.url, 'dave', { text: 'show my account' }));
    const csrf = csrfOf((await open(link.url)).html);
    const good = { accountSid: sid, authToken: token };
    const refused = [
      await submit(link.url, { ...good }),
      await submit(link.url, { ...good, csrf: 'x'.repeat(43) }),
      await submit(link.url, { ...good, csrf, headers: { origin: 'http://evil.example' } }),
      await submit(link.url, { ...good, csrf, headers: { 'sec-fetch-site': 'cross-site' } }),
      await submit(link.url, { ...good, csrf, headers: { origin: 'null' } }),
    ];
    assert.deepEqual(refused.map((r) => r.status), [403, 403, 403, 403, 403]);
    await assert.rejects(world.action.getUserCredentials('webchat', 'dave'));
    // A same-origin submit with the page's token still works: the refusals did not use the link up.
    const origin = new URL(link.url).origin;
    const accepted = await submit(link.url, { ...good, csrf, headers: { origin, 'sec-fetch-site': 'same-origin' } });
    assert.equal(accepted.status, 200);
  });

  it('shows field errors for malformed input and keeps the link usable', async () => {
    const link = linkOf(await post(world.url, 'erin', { text: 'show my account' }));
    const csrf = csrfOf((await open(link.url)).html);
    const bad = await submit(link.url, { csrf, accountSid: 'AC123', authToken: 'short' });
    assert.equal(bad.status, 422);
    assert.match(bad.html, /This must be an Account SID: AC followed by 32 hex characters\./);
    assert.match(bad.html, /An Auth Token is 16 to 256 printable characters without spaces\./);
    const json = await fetch(link.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(json.status, 415);
    assert.equal((await submit(link.url, { csrf, accountSid: sid, authToken: token })).status, 200);
  });

  it('takes an Auth Token of any length the admin API accepts to Twilio instead of refusing its format', async () => {
    const link = linkOf(await post(world.url, 'frank', { text: 'show my account' }));
    const csrf = csrfOf((await open(link.url)).html);
    const longer = await submit(link.url, { csrf, accountSid: sid, authToken: 'x'.repeat(40) });
    assert.equal(longer.status, 422);
    assert.doesNotMatch(longer.html, /An Auth Token is/);
    assert.match(longer.html, /Twilio did not accept these credentials \(20003/);
  });

  it('never lets two users see or use each other\'s credentials', async () => {
    const aliceLink = linkOf(await post(world.url, 'alice', { text: 'show my account' }));
    const bobLink = linkOf(await post(world.url, 'bob', { text: 'show my account' }));
    const csrf = csrfOf((await open(aliceLink.url)).html);
    assert.equal((await submit(aliceLink.url, { csrf, accountSid: sid, authToken: token })).status, 200);

    // Alice is authorized; Bob still is not, and his page shows nothing of Alice's.
    assert.equal((await world.runtime.resolveGateway({ channelId: 'webchat', userId: 'alice' })).kind, 'ready');
    assert.equal((await world.runtime.resolveGateway({ channelId: 'webchat', userId: 'bob' })).kind, 'needs-user-authorization');
    const bobPage = await open(bobLink.url);
    assert.doesNotMatch(bobPage.html, new RegExp(sid));
    assert.match(texts(await post(world.url, 'bob', { text: 'done' }))[0] ?? '', /still don't have your authorization/);
    assert.deepEqual(texts(await post(world.url, 'alice', { event: 'authorization/completed' })), [
      `Your Twilio account ${sid} is active.`,
    ]);
  });

  it('asks for the tenant when the profile has tenancy', async () => {
    await world.close();
    world = await startWorld({ stack: 'auth', tenancy: true });
    sid = world.emulator.accountSid;
    token = world.emulator.authToken;
    const link = linkOf(await post(world.url, 'frank', { text: 'show my account' }));
    const page = await open(link.url);
    assert.match(page.html, /<label for="tenant">Tenant<\/label>/);
    const csrf = csrfOf(page.html);
    const missing = await submit(link.url, { csrf, accountSid: sid, authToken: token });
    assert.equal(missing.status, 422);
    assert.match(missing.html, /A tenant is a host name label/);
    assert.equal((await submit(link.url, { csrf, accountSid: sid, authToken: token, tenant: 'acme' })).status, 200);
    const view = await world.action.getUserCredentials('webchat', 'frank');
    assert.equal(view.tenant, 'acme');
  });

  it('keeps the form the user has open valid when a link preview or a second tab fetched the page', async () => {
    const link = linkOf(await post(world.url, 'gina', { text: 'show my account' }));
    const userForm = csrfOf((await open(link.url)).html);
    for (let i = 0; i < 2; i++) assert.equal((await open(link.url)).status, 200, 'a preview fetch');
    const [tabA, tabB] = await Promise.all([open(link.url), open(link.url)]);
    assert.equal(tabA.status, 200);
    assert.equal(tabB.status, 200);
    assert.equal((await submit(link.url, { csrf: userForm, accountSid: sid, authToken: token })).status, 200);
    const reuse = await submit(link.url, { csrf: csrfOf(tabB.html), accountSid: sid, authToken: token });
    assert.equal(reuse.status, 410, 'still single use');
  });

  it('keeps only the last five forms of a link valid, and stores no plaintext token', async () => {
    const link = linkOf(await post(world.url, 'hugo', { text: 'show my account' }));
    const forms: string[] = [];
    for (let i = 0; i < 6; i++) forms.push(csrfOf((await open(link.url)).html));
    const stored = JSON.stringify((await world.store.list(AUTH_LINKS_NAMESPACE)).map((d) => d.value));
    for (const csrf of forms) assert.ok(!stored.includes(csrf), 'a CSRF token in the store');
    assert.ok(!stored.includes(link.token), 'the link token in the store');
    const oldest = forms[0] ?? '';
    const refused = await submit(link.url, { csrf: oldest, accountSid: sid, authToken: token });
    assert.equal(refused.status, 403);
    assert.equal((await submit(link.url, { csrf: forms[1] ?? '', accountSid: sid, authToken: token })).status, 200);
  });

  it('redacts link tokens from request paths for logs', () => {
    assert.equal(redactAuthLinkPath('/auth/abcDEF_123-xyz'), '/auth/…');
    assert.equal(redactAuthLinkPath('/AUTH/abcDEF_123-xyz/more'), '/AUTH/…/more');
    assert.equal(redactAuthLinkPath(`/x/${'A'.repeat(43)}`), '/x/…');
    assert.equal(redactAuthLinkPath('/api/messages'), '/api/messages');
  });
});
