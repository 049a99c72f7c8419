/**
 * The secret scan: after Send SMS, Start then Check Verification (pre-authorized with an API key) and the
 * user-authorized flow (the user's Auth Token through the link page), no auth token, API secret, link token or
 * verification code is in any log line, and no auth token or API secret is in any file under DATA_DIR or DIALOGS_DIR
 * or in bot state.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ALICE_PHONE, configureUserAuthorized, findLeaks, latestCode, startWorld, textOf, type World } from '../support/world';
import { ADMIN_TOKEN, authLinkOf, openAuthPage, submitAuthPage } from '../support/http';

describe('end to end: secrets and codes stay out of logs, files and state', function () {
  this.timeout(30_000);
  let world: World;
  const apiKey = { sid: `SK${randomBytes(16).toString('hex')}`, secret: randomBytes(16).toString('hex') };

  before(async () => {
    world = await startWorld({ apiKeys: [apiKey] });
  });
  after(async () => {
    await world?.close();
  });

  it('leaks nothing after Send SMS, Start and Check Verification, and the user-authorized flow', async () => {
    const reauthorized = await world.admin('PUT', '/api/admin/action/authorization', {
      type: 'pre-authorized',
      accountSid: world.emulator.accountSid,
      apiKeySid: apiKey.sid,
      apiKeySecret: apiKey.secret,
      baseUrl: world.emulator.url,
    });
    assert.equal(reauthorized.status, 200, JSON.stringify(reauthorized.body));
    assert.doesNotMatch(JSON.stringify(reauthorized.body), new RegExp(apiKey.secret), 'the admin API masks the API secret');
    assert.match(JSON.stringify(reauthorized.body), new RegExp(`…${apiKey.secret.slice(-4)}`));

    // Flow 1: Send SMS (with the API key).
    const chat = world.client('scan-user');
    await chat.start();
    await chat.say('send an sms');
    await chat.say(ALICE_PHONE);
    assert.match(textOf(await chat.say('Scan me.')), /on its way/);

    // Flow 2: Start Verification, then Check Verification with a wrong code and the right one.
    await chat.say('send me a code');
    assert.match(textOf(await chat.say(ALICE_PHONE)), /I texted a verification code/);
    const code = latestCode(world.emulator, ALICE_PHONE);
    const wrong = code === '999999' ? '888888' : '999999';
    await chat.say('check my code');
    await chat.say(ALICE_PHONE);
    assert.match(textOf(await chat.say(wrong)), /isn't right/);
    assert.match(textOf(await chat.say(code)), /Approved/);

    // Flow 5: the user authorizes with the account's Auth Token through the link page.
    await configureUserAuthorized(world);
    const user = world.client('scan-user-2');
    await user.say('send an sms');
    await user.say(ALICE_PHONE);
    const link = authLinkOf(textOf(await user.say('After authorizing.')));
    assert.ok(link);
    const page = await openAuthPage(link);
    assert.ok(page.csrf);
    const accepted = await submitAuthPage(link, { csrf: page.csrf, accountSid: world.emulator.accountSid, authToken: world.emulator.authToken });
    assert.equal(accepted.status, 200);
    assert.match(textOf(await user.event('authorization/completed')), /on its way/);

    assert.ok(world.logLines.length > 20, 'the scan looked at a real log');
    const leaks = await findLeaks(world, {
      secrets: [world.emulator.authToken, apiKey.secret, ADMIN_TOKEN, link.slice(link.lastIndexOf('/') + 1), page.csrf],
      codes: [code, wrong],
    });
    assert.deepEqual(leaks, []);
  });
});
