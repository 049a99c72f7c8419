/**
 * Two users talking to the real server at the same moment: each turn of one user is in flight together with a turn of
 * the other (Promise.all), and neither ever sees the other's dialog state, entities or credentials.
 */
import assert from 'node:assert/strict';
import { configureUserAuthorized, latestCode, outboxTo, startWorld, textOf, type World } from '../support/world';
import { authLinkOf, openAuthPage, submitAuthPage } from '../support/http';

const ANN = '+14155550111';
const BEN = '+14155550122';

describe('end to end: two users at once', function () {
  this.timeout(30_000);
  let world: World;

  afterEach(async () => {
    await world?.close();
  });

  it('interleaves the turns of two users without mixing their dialogs or entities', async () => {
    world = await startWorld();
    const ann = world.client('ann');
    const ben = world.client('ben');
    await Promise.all([ann.start(), ben.start()]);

    // Ann sends an SMS while Ben verifies his number; then both send an SMS with different entities.
    const turns: [string, string, RegExp, RegExp][] = [
      ['send an sms', 'verify my phone number', /Which phone number should I text\?/, /What's your mobile number\?/],
      [ANN, BEN, /What should the message say\?/, /I texted a code to \+14155550122/],
    ];
    for (const [annSays, benSays, annHears, benHears] of turns) {
      const [a, b] = await Promise.all([ann.say(annSays), ben.say(benSays)]);
      assert.match(textOf(a), annHears);
      assert.match(textOf(b), benHears);
    }
    const benCode = latestCode(world.emulator, BEN);
    const [annDone, benDone] = await Promise.all([ann.say('From Ann, for Ann.'), ben.say(benCode)]);
    assert.match(textOf(annDone), /your message to \+14155550111 is on its way/);
    assert.match(textOf(benDone), /\+14155550122 is verified/);
    assert.doesNotMatch(textOf(annDone), /4155550122/);
    assert.doesNotMatch(textOf(benDone), /4155550111/);

    for (let round = 0; round < 3; round++) {
      const [a1, b1] = await Promise.all([ann.say('send an sms'), ben.say('send an sms')]);
      assert.match(textOf(a1), /Which phone number/);
      assert.match(textOf(b1), /Which phone number/);
      const [a2, b2] = await Promise.all([ann.say(BEN), ben.say(ANN)]);
      assert.match(textOf(a2), /What should the message say/);
      assert.match(textOf(b2), /What should the message say/);
      const [a3, b3] = await Promise.all([ann.say(`Ann round ${round}`), ben.say(`Ben round ${round}`)]);
      assert.match(textOf(a3), /to \+14155550122 is on its way/);
      assert.match(textOf(b3), /to \+14155550111 is on its way/);
    }

    const toBen = outboxTo(world.emulator, BEN).filter((m) => !/verification code/.test(m.body));
    const toAnn = outboxTo(world.emulator, ANN);
    assert.deepEqual(toBen.map((m) => m.body), ['Ann round 0', 'Ann round 1', 'Ann round 2']);
    assert.deepEqual(toAnn.map((m) => m.body), ['From Ann, for Ann.', 'Ben round 0', 'Ben round 1', 'Ben round 2']);
  });

  it('never uses one user\'s credentials for another: each gets a link, and only the authorized one sends', async () => {
    world = await startWorld();
    await configureUserAuthorized(world);
    const ann = world.client('ann');
    const ben = world.client('ben');

    await Promise.all([ann.say('send an sms'), ben.say('send an sms')]);
    await Promise.all([ann.say(BEN), ben.say(ANN)]);
    const [annAsked, benAsked] = await Promise.all([ann.say('Hi Ben, from Ann.'), ben.say('Hi Ann, from Ben.')]);
    const annLink = authLinkOf(textOf(annAsked));
    const benLink = authLinkOf(textOf(benAsked));
    assert.ok(annLink && benLink);
    assert.notEqual(annLink, benLink);

    const page = await openAuthPage(annLink);
    assert.ok(page.csrf);
    const ok = await submitAuthPage(annLink, { csrf: page.csrf, accountSid: world.emulator.accountSid, authToken: world.emulator.authToken });
    assert.equal(ok.status, 200);

    // Both say they are done at once: only Ann is authorized, so only Ann's message goes out; Ben gets his own new link.
    const [annDone, benDone] = await Promise.all([ann.event('authorization/completed'), ben.say('done')]);
    assert.match(textOf(annDone), /your message to \+14155550122 is on its way/);
    const benText = textOf(benDone);
    assert.match(benText, /still don't have your authorization/);
    const benNewLink = authLinkOf(benText);
    assert.ok(benNewLink);
    assert.notEqual(benNewLink, annLink);
    assert.deepEqual(world.emulator.outbox().map((m) => [m.to, m.body]), [[BEN, 'Hi Ben, from Ann.']]);

    // A new dialog of Ben's asks for authorization again rather than borrowing Ann's.
    await ben.say('cancel');
    await ben.say('send an sms');
    await ben.say(BEN);
    assert.ok(authLinkOf(textOf(await ben.say('Still Ben.'))), 'Ben is asked to authorize, not served with Ann\'s credentials');
    assert.equal(world.emulator.outbox().length, 1);

    assert.equal((await world.admin('GET', '/api/admin/users/webchat/ann/credentials')).status, 200);
    assert.equal((await world.admin('GET', '/api/admin/users/webchat/ben/credentials')).status, 404);
  });
});
