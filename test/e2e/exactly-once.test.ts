/**
 * A channel delivers at least once: the same activity (same id) may arrive twice at the same moment, again after the
 * reply, or with Twilio slow or failing. Every case ends with one SMS (or one code) and one answer. Over HTTP, with
 * the real start() and the emulator.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { BotClient } from '../../src/chat';
import { ManualClock } from '../../src/emulator';
import { ALICE_PHONE, delayNextSmsReply, startWorld, textOf, type World } from '../support/world';

describe('end to end: a redelivered activity is answered once and sends once', function () {
  this.timeout(30_000);
  let world: World;

  beforeEach(async () => {
    // Twilio's clock is the real one: finding a send at Twilio compares its creation time with the attempt's.
    world = await startWorld({ clock: new ManualClock(new Date()) });
  });
  afterEach(async () => {
    await world.close();
  });

  const sentWith = (body: string) => world.emulator.outbox().filter((m) => m.body === body);
  const codesTo = (to: string) => world.emulator.outbox().filter((m) => m.to === to && /verification code/.test(m.body));

  async function askedForTheMessage(chat: BotClient): Promise<void> {
    assert.match(textOf(await chat.say('send an sms')), /Which phone number should I text\?/);
    assert.match(textOf(await chat.say(ALICE_PHONE)), /What should the message say\?/);
  }

  it('sends one SMS when two copies of an activity arrive at once, and gives both copies the same answer', async () => {
    const chat = world.client('alice');
    await askedForTheMessage(chat);
    const id = randomUUID();
    const answers = await Promise.all([0, 1].map(() => chat.send({ type: 'message', text: 'Only once, please.', id })));
    assert.equal(sentWith('Only once, please.').length, 1);
    for (const answer of answers) assert.match(textOf(answer), /your message to \+14155550123 is on its way/);
    assert.equal(textOf(answers[0] ?? []), textOf(answers[1] ?? []));
  });

  it('answers a copy that arrives after the reply from the ledger, without running the dialog again', async () => {
    const chat = world.client('alice');
    await askedForTheMessage(chat);
    const id = randomUUID();
    const first = await chat.send({ type: 'message', text: 'Sent before the copy.', id });
    const copy = await chat.send({ type: 'message', text: 'Sent before the copy.', id });
    assert.deepEqual(copy.map((a) => a.text), first.map((a) => a.text));
    assert.equal(sentWith('Sent before the copy.').length, 1);
    // The conversation moved on once: the next message starts afresh instead of being taken as an SMS body.
    assert.match(textOf(await chat.say('send an sms')), /Which phone number should I text\?/);
  });

  it('sends one code when the activity that starts a verification arrives twice at once', async () => {
    const chat = world.client('bob');
    assert.match(textOf(await chat.say('send me a code')), /Which phone number should I send the code to\?/);
    const id = randomUUID();
    const answers = await Promise.all([0, 1].map(() => chat.send({ type: 'message', text: ALICE_PHONE, id })));
    assert.equal(codesTo(ALICE_PHONE).length, 1);
    for (const answer of answers) assert.match(textOf(answer), /I texted a verification code to \+14155550123/);
  });

  it('keeps turns of one conversation in order when different activities arrive at once', async () => {
    const chat = world.client('carol');
    await askedForTheMessage(chat);
    const [one, two] = await Promise.all([chat.say('First body.'), chat.say('send an sms')]);
    const both = `${textOf(one ?? [])}\n${textOf(two ?? [])}`;
    // Whichever ran first, each ran alone: exactly one of them was the message body.
    assert.equal(world.emulator.outbox().length, 1);
    assert.match(both, /is on its way/);
  });

  it("does not wait out Twilio's Retry-After of 120 s: the turn answers at once, and Twilio was asked once", async () => {
    const chat = world.client('dave');
    await askedForTheMessage(chat);
    const fault = world.emulator.injectFault({
      method: 'POST',
      path: `/2010-04-01/Accounts/${world.emulator.accountSid}/Messages.json`,
      status: 429,
      code: 20429,
      retryAfter: 120,
    });
    const answer = textOf(await chat.say('Rate limited.'));
    assert.match(answer, /too many requests right now/);
    assert.equal(world.emulator.faults().find((f) => f.id === fault.id)?.hits, 1);
    assert.equal(sentWith('Rate limited.').length, 0);
  });

  it('checks with Twilio before sending again after a send whose outcome was not confirmed', async () => {
    const chat = world.client('erin');
    await askedForTheMessage(chat);
    // A 500 to a POST: Twilio may or may not have sent it, so the bot cannot know, and says so.
    world.emulator.injectFault({ method: 'POST', path: `/2010-04-01/Accounts/${world.emulator.accountSid}/Messages.json`, status: 500, times: 1 });
    const unknown = textOf(await chat.say('Maybe sent.'));
    assert.match(unknown, /didn't confirm whether that went out/);
    assert.equal(sentWith('Maybe sent.').length, 0);
    // Trying again: the bot asks Twilio first, learns it was not sent, and sends it once.
    await askedForTheMessage(chat);
    assert.match(textOf(await chat.say('Maybe sent.')), /is on its way/);
    assert.equal(sentWith('Maybe sent.').length, 1);
  });

  it('finds the SMS at Twilio when the reply was lost after Twilio sent it, and answers once without sending again', async () => {
    const chat = world.client('frank');
    await askedForTheMessage(chat);
    world.emulator.injectFault({ method: 'POST', path: `/2010-04-01/Accounts/${world.emulator.accountSid}/Messages.json`, afterPerform: 'drop', times: 1 });
    const answer = textOf(await chat.say('Reply lost.'));
    assert.match(answer, /your message to \+14155550123 is on its way/);
    assert.equal(sentWith('Reply lost.').length, 1);
  });

  it('finds the code at Twilio when the reply to a verification start was lost, and sends no second code', async () => {
    const chat = world.client('grace');
    assert.match(textOf(await chat.say('send me a code')), /Which phone number should I send the code to\?/);
    world.emulator.injectFault({ method: 'POST', path: '/v2/Services/', afterPerform: 'drop', times: 1 });
    assert.match(textOf(await chat.say(ALICE_PHONE)), /I texted a verification code to \+14155550123/);
    assert.equal(codesTo(ALICE_PHONE).length, 1);
  });
});

describe("end to end: a reply slower than the turn's budget", function () {
  this.timeout(30_000);
  let world: World;

  before(async () => {
    world = await startWorld({ env: { TURN_BUDGET_MS: '1500' }, clock: new ManualClock(new Date()) });
  });
  after(async () => {
    await world.close();
  });

  it('tells the user it cannot know yet, then, asked again, finds the SMS at Twilio instead of sending it twice', async () => {
    const chat = world.client('heidi');
    assert.match(textOf(await chat.say('send an sms')), /Which phone number should I text\?/);
    assert.match(textOf(await chat.say(ALICE_PHONE)), /What should the message say\?/);
    delayNextSmsReply(world.emulator, 3_000);
    assert.match(textOf(await chat.say('Slow Twilio.')), /didn't confirm whether that went out/);
    assert.match(textOf(await chat.say('send an sms')), /Which phone number should I text\?/);
    assert.match(textOf(await chat.say(ALICE_PHONE)), /What should the message say\?/);
    assert.match(textOf(await chat.say('Slow Twilio.')), /is on its way/);
    assert.equal(world.emulator.outbox().filter((m) => m.body === 'Slow Twilio.').length, 1);
  });
});
