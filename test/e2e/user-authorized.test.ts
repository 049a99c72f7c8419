/**
 * The user-authorized flow end to end: an admin switches the action to an auth profile, a user's dialog gets a
 * one-time link, the link page checks the credentials with the emulator, and the dialog resumes where it stopped.
 */
import assert from 'node:assert/strict';
import { ALICE_PHONE, buttonsOf, configureUserAuthorized, findLeaks, startWorld, textOf, USER_PROFILE, type World } from '../support/world';
import { authLinkOf, openAuthPage, submitAuthPage } from '../support/http';

describe('end to end: users authorize the action through the link page', function () {
  this.timeout(30_000);
  let world: World;

  beforeEach(async () => {
    world = await startWorld();
    await configureUserAuthorized(world);
  });
  afterEach(async () => {
    await world?.close();
  });

  it('sends a link, shows Twilio\'s reason for wrong credentials, accepts the right ones, and resumes the dialog', async () => {
    const view = await world.admin('GET', '/api/admin/action');
    assert.equal(view.status, 200);
    assert.equal((view.body as { state?: string }).state, 'configured');
    assert.deepEqual((view.body as { authorization?: unknown }).authorization, { type: 'user-authorized', profile: USER_PROFILE, usersAuthorized: 0 });

    const chat = world.client('alice');
    await chat.start();
    await chat.say('send an sms');
    await chat.say(ALICE_PHONE);
    const asked = await chat.say('Meet you at the station.');
    const text = textOf(asked);
    assert.match(text, /need your Twilio credentials/);
    assert.match(text, /never here in the chat/);
    assert.deepEqual(buttonsOf(asked), ['done']);
    const link = authLinkOf(text);
    assert.ok(link, `no link in: ${text}`);
    assert.ok(link.startsWith(`${world.url}/auth/`), link);
    assert.equal(world.emulator.outbox().length, 0, 'nothing is sent before the user authorizes');

    const page = await openAuthPage(link);
    assert.equal(page.status, 200);
    assert.match(page.html, /Authorize Twilio/);
    assert.match(page.html, new RegExp(USER_PROFILE));
    assert.ok(page.csrf, 'the form carries a CSRF token');

    const wrongToken = world.emulator.authToken === 'f'.repeat(32) ? 'e'.repeat(32) : 'f'.repeat(32);
    const refused = await submitAuthPage(link, { csrf: page.csrf, accountSid: world.emulator.accountSid, authToken: wrongToken });
    assert.equal(refused.status, 422);
    assert.match(refused.html, /Twilio did not accept these credentials \(20003/);
    assert.doesNotMatch(refused.html, new RegExp(wrongToken), 'the page never echoes the token');

    const forged = await submitAuthPage(link, { csrf: 'A'.repeat(43), accountSid: world.emulator.accountSid, authToken: world.emulator.authToken });
    assert.equal(forged.status, 403, 'a form without the page\'s CSRF token is refused');

    const accepted = await submitAuthPage(link, { csrf: page.csrf, accountSid: world.emulator.accountSid, authToken: world.emulator.authToken });
    assert.equal(accepted.status, 200);
    assert.match(accepted.html, /You are authorized/);
    assert.doesNotMatch(accepted.html, new RegExp(world.emulator.authToken));

    const used = await openAuthPage(link);
    assert.equal(used.status, 410, 'the link is single use');
    assert.match(used.html, /no longer valid/);

    const resumed = textOf(await chat.event('authorization/completed'));
    assert.match(resumed, /your message to \+14155550123 is on its way/);
    const sent = world.emulator.outbox();
    assert.equal(sent.length, 1);
    assert.equal(sent[0]?.to, ALICE_PHONE);
    assert.equal(sent[0]?.body, 'Meet you at the station.');

    const credentials = await world.admin('GET', '/api/admin/users/webchat/alice/credentials');
    assert.equal(credentials.status, 200);
    assert.doesNotMatch(JSON.stringify(credentials.body), new RegExp(world.emulator.authToken), 'the admin API masks the token');

    // The next dialog of the same user runs on the stored credentials, with no new link.
    await chat.say('send an sms');
    await chat.say('+14155550124');
    assert.match(textOf(await chat.say('Second message.')), /your message to \+14155550124 is on its way/);

    const linkToken = link.slice(link.lastIndexOf('/') + 1);
    assert.deepEqual(await findLeaks(world, { secrets: [world.emulator.authToken, wrongToken, linkToken] }), []);
  });

  it('resumes on "done" typed in the chat, and sends a fresh link when the user was not authorized yet', async () => {
    const chat = world.client('carol');
    await chat.say('send an sms');
    await chat.say(ALICE_PHONE);
    const first = authLinkOf(textOf(await chat.say('Hello from Carol.')));
    assert.ok(first);

    const again = textOf(await chat.say('done'));
    assert.match(again, /still don't have your authorization/);
    const second = authLinkOf(again);
    assert.ok(second);
    assert.notEqual(second, first, 'each request gets its own link');

    const page = await openAuthPage(second);
    assert.ok(page.csrf);
    const accepted = await submitAuthPage(second, { csrf: page.csrf, accountSid: world.emulator.accountSid, authToken: world.emulator.authToken });
    assert.equal(accepted.status, 200);
    assert.match(textOf(await chat.say('done')), /on its way/);
    assert.equal(world.emulator.outbox()[0]?.body, 'Hello from Carol.');
  });

  /** Opens a fresh link for a new user and answers it with its CSRF token. */
  async function freshLink(userId: string): Promise<{ link: string; csrf: string }> {
    const chat = world.client(userId);
    await chat.say('send an sms');
    await chat.say(ALICE_PHONE);
    const link = authLinkOf(textOf(await chat.say('Hi.')));
    assert.ok(link);
    const page = await openAuthPage(link);
    assert.ok(page.csrf);
    return { link, csrf: page.csrf };
  }

  it('refuses the form when the browser says it came from another site', async () => {
    const { link, csrf } = await freshLink('dave');
    const creds = { csrf, accountSid: world.emulator.accountSid, authToken: world.emulator.authToken };
    const crossSite = await submitAuthPage(link, creds, { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' });
    assert.equal(crossSite.status, 403);
    const otherOrigin = await submitAuthPage(link, creds, { origin: 'https://evil.example' });
    assert.equal(otherOrigin.status, 403);
    assert.equal((await world.admin('GET', '/api/admin/users/webchat/dave/credentials')).status, 404);
    const sameSite = await submitAuthPage(link, creds, { 'sec-fetch-site': 'same-origin', origin: world.url });
    assert.equal(sameSite.status, 200);
  });

  /** The link pages send `Referrer-Policy: no-referrer`, so browsers submit the page's own form with `Origin: null`. */
  it('accepts the form as a browser submits it from its own page (Origin: null, Sec-Fetch-Site: same-origin)', async () => {
    const { link, csrf } = await freshLink('erin');
    const submitted = await submitAuthPage(
      link,
      { csrf, accountSid: world.emulator.accountSid, authToken: world.emulator.authToken },
      { origin: 'null', 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' },
    );
    assert.equal(submitted.status, 200, submitted.html);
    assert.match(submitted.html, /You are authorized/);
  });
});
