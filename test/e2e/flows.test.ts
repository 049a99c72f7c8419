/**
 * End to end over HTTP: the real server from `start()`, the chat client posting to `/api/messages`, the emulator in
 * process as Twilio. Each test reads what Twilio "delivered" from the emulator's outbox.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { MAX_SENDS } from '../../src/emulator';
import { ALICE_PHONE, buttonsOf, findLeaks, latestCode, outboxTo, startWorld, textOf, type World } from '../support/world';
import { requiredTemplateIds } from '../support/catalog';

describe('end to end: the zero-config server with the emulator in process', function () {
  this.timeout(30_000);
  let world: World | undefined;

  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('installs the required templates into an empty dialogs directory, and sends an SMS end to end', async () => {
    world = await startWorld({ dialogs: 'empty' });
    assert.deepEqual((await readdir(world.dialogsDir)).sort(), requiredTemplateIds().map((id) => `${id}.json`));
    const chat = world.client('alice');

    const greeting = await chat.start();
    assert.match(textOf(greeting), /I can help you with: .*Send SMS/);
    assert.deepEqual(buttonsOf(greeting).sort(), ['Check Verification', 'Send SMS', 'Start Verification']);

    assert.match(textOf(await chat.say('send an sms')), /Which phone number should I text\?/);
    assert.match(textOf(await chat.say('+1 (415) 555-0123')), /What should the message say\?/);
    const done = textOf(await chat.say('Dinner at 8, bring the salad.'));
    assert.match(done, /your message to \+14155550123 is on its way/);
    assert.match(done, /queued/);

    const sent = world.emulator.outbox();
    assert.equal(sent.length, 1);
    assert.equal(sent[0]?.to, ALICE_PHONE);
    assert.equal(sent[0]?.from, '+15005550006');
    assert.equal(sent[0]?.body, 'Dinner at 8, bring the salad.');
    assert.equal(sent[0]?.channel, 'sms');
    assert.deepEqual(await findLeaks(world, { secrets: [world.emulator.authToken] }), []);
  });

  it('starts a verification in one dialog and checks the code from the outbox in another: approved', async () => {
    world = await startWorld();
    const chat = world.client('alice');
    await chat.start();

    assert.match(textOf(await chat.say('send me a code')), /Which phone number should I send the code to\?/);
    const started = textOf(await chat.say(ALICE_PHONE));
    assert.match(started, /I texted a verification code to \+14155550123/);
    assert.match(started, /check my code/);
    const code = latestCode(world.emulator, ALICE_PHONE);
    assert.match(code, /^\d{6}$/);
    assert.match(outboxTo(world.emulator, ALICE_PHONE)[0]?.body ?? '', /verification code is: \d{6}/);

    // The verification just started is the one checked: no number asked.
    assert.match(textOf(await chat.say('check my code')), /What's the code I sent to \+14155550123\?/);
    const approved = textOf(await chat.say(code));
    assert.match(approved, /Approved/);
    assert.match(approved, /\+14155550123 is verified/);

    // Approved verifications are gone at Twilio (and forgotten here): the same code does not approve twice.
    assert.match(textOf(await chat.say('check my code')), /Which phone number did the code go to\?/);
    await chat.say(ALICE_PHONE);
    assert.match(textOf(await chat.say(code)), /There's no pending code for \+14155550123/);
    assert.deepEqual(await findLeaks(world, { secrets: [world.emulator.authToken], codes: [code] }), []);
  });

  it('runs the whole OTP flow: a wrong code, a resend with the same code, the right code; then 60203 and expiry', async () => {
    world = await startWorld();
    const chat = world.client('alice');
    await chat.start();

    // A wrong code, then "resend" (the same code while valid), then the right code.
    assert.match(textOf(await chat.say('verify my phone number')), /What's your mobile number\?/);
    const asked = textOf(await chat.say(ALICE_PHONE));
    assert.match(asked, /I texted a code to \+14155550123/);
    assert.match(asked, /What's the code\?/);
    const code = latestCode(world.emulator, ALICE_PHONE);
    const wrong = code === '000000' ? '111111' : '000000';
    assert.match(textOf(await chat.say(wrong)), /That code isn't right\. You have 4 attempts left\./);
    assert.match(textOf(await chat.say('resend')), /I sent a code to \+14155550123 again/);
    const texts = outboxTo(world.emulator, ALICE_PHONE);
    assert.equal(texts.length, 2);
    assert.equal(latestCode(world.emulator, ALICE_PHONE), code, 'a resend inside 10 minutes delivers the same code');
    assert.match(textOf(await chat.say(code)), /\+14155550123 is verified/);

    // More than five sends to one number within 10 minutes: 60203, answered clearly.
    const busy = '+14155550142';
    await chat.say('verify my phone number');
    await chat.say(busy);
    for (let send = 2; send <= MAX_SENDS; send++) {
      assert.match(textOf(await chat.say('resend')), /again/, `send ${send} of ${MAX_SENDS}`);
    }
    assert.equal(outboxTo(world.emulator, busy).length, MAX_SENDS);
    const refused = textOf(await chat.say('resend'));
    assert.match(refused, /I can't send more codes to \+14155550142 right now: only 5 codes can be sent in 10 minutes/);
    assert.match(refused, /The code I already sent still works/);
    assert.equal(outboxTo(world.emulator, busy).length, MAX_SENDS, 'the sixth send is refused, not delivered');
    // The code already sent still verifies the number; a new verification of it is refused until later.
    const busyCode = latestCode(world.emulator, busy);
    assert.match(textOf(await chat.say(busyCode)), /\+14155550142 is verified/);
    await chat.say('verify my phone number');
    const again = textOf(await chat.say(busy));
    assert.match(again, /too many codes to \+14155550142 in the last 10 minutes/);
    assert.match(again, /try again in/);

    // A code older than 10 minutes has expired; the dialog offers a new one, which works.
    const late = '+14155550177';
    await chat.say('verify my phone number');
    await chat.say(late);
    const stale = latestCode(world.emulator, late);
    world.clock.advance(601);
    const expired = textOf(await chat.say(stale));
    assert.match(expired, /expired/);
    assert.match(expired, /Do you want me to text a new code to \+14155550177\?/);
    assert.match(textOf(await chat.say('yes')), /I texted a new code to \+14155550177/);
    const fresh = latestCode(world.emulator, late);
    assert.equal(outboxTo(world.emulator, late).length, 2);
    assert.match(textOf(await chat.say(fresh)), /\+14155550177 is verified/);

    assert.deepEqual(await findLeaks(world, { secrets: [world.emulator.authToken], codes: [code, busyCode, stale, fresh] }), []);
  });
});

describe('end to end: what the opening utterance already says is not asked again', function () {
  this.timeout(30_000);
  let world: World;

  beforeEach(async () => {
    world = await startWorld();
  });
  afterEach(async () => {
    await world.close();
  });

  it('sends "text +14155550123 saying hi" at once, without asking for the number or the message', async () => {
    const done = textOf(await world.client('ivy').say('text +14155550123 saying hi'));
    assert.match(done, /your message to \+14155550123 is on its way/);
    assert.deepEqual(world.emulator.outbox().map((m) => [m.to, m.body]), [['+14155550123', 'hi']]);
  });

  it('asks only for what the utterance did not say', async () => {
    const chat = world.client('jon');
    assert.match(textOf(await chat.say('send an sms to +14155550123')), /What should the message say\?/);
    assert.match(textOf(await chat.say('Only the message was asked.')), /is on its way/);
  });

  it('asks for a number named in the utterance again when it is not a valid one', async () => {
    assert.match(textOf(await world.client('kim').say('text +1 555 saying hi')), /Which phone number should I text\?/);
  });
});

describe('end to end: greeting and help lead with what people come for', function () {
  this.timeout(30_000);
  let world: World;

  before(async () => {
    world = await startWorld();
  });
  after(async () => {
    await world.close();
  });

  it('offers Verify Phone Number and Send SMS first, and help speaks to the user', async () => {
    const chat = world.client('lea');
    const greeting = await chat.start();
    assert.deepEqual(buttonsOf(greeting).slice(0, 2), ['Verify Phone Number', 'Send SMS']);
    const help = textOf(await chat.say('help'));
    assert.match(help, /- Verify Phone Number: I can verify your phone number with a one-time code\./);
    assert.doesNotMatch(help, /the user/);
  });
});
