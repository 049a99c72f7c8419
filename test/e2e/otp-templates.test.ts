/**
 * End to end in the message-templates mode: the real server from `start()`, switched by the admin API, sends the
 * admin's template by Programmable Messaging (the emulator in process), checks codes itself, and keeps no code
 * anywhere: not in logs, the store (any namespace), the audit log or bot state.
 */
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/emulator';
import { STORE_NAMESPACES } from '../../src/store';
import { OTP_NAMESPACE } from '../../src/otp';
import { ALICE_PHONE, findLeaks, outboxTo, startWorld, textOf, type World } from '../support/world';

const TEMPLATES = {
  register: 'Welcome to Acme! Your registration code: {{code}}',
  signIn: 'Acme sign-in code {{code}}',
  test: 'Acme test {{code}}',
};

describe('end to end: codes from message templates', function () {
  this.timeout(30_000);
  let world: World | undefined;

  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  async function useTemplates(w: World, extra: Record<string, unknown> = {}): Promise<{ status: number; body: unknown }> {
    const current = await w.admin('GET', '/api/admin/action');
    const config = (current.body as { config: Record<string, unknown> }).config;
    return w.admin('PUT', '/api/admin/action/config', { ...config, otpMode: 'messageTemplates', sender: '+15005550006', messageTemplates: TEMPLATES, ...extra });
  }

  it('refuses the mode without all three templates, saying which one is missing and why', async () => {
    world = await startWorld();
    const reply = await world.admin('PUT', '/api/admin/action/config', {
      otpMode: 'messageTemplates',
      sender: '+15005550006',
      messageTemplates: { register: TEMPLATES.register },
    });
    assert.equal(reply.status, 422);
    const details = (reply.body as { error: { details: { path: string; message: string }[] } }).error.details;
    assert.deepEqual(
      details.map((d) => d.path).sort(),
      ['/messageTemplates/signIn', '/messageTemplates/test'],
    );
    assert.match(details[0]?.message ?? '', /is required when otpMode is "messageTemplates"/);
    const unchanged = await world.admin('GET', '/api/admin/action');
    assert.equal((unchanged.body as { config: Record<string, unknown> }).config['otpMode'], undefined);
  });

  it('passes the action\'s test without a Verify Service: a stale one is not checked in this mode', async () => {
    world = await startWorld();
    assert.equal((await useTemplates(world, { verifyServiceSid: `VA${'9'.repeat(32)}` })).status, 200);
    const tested = (await world.admin('POST', '/api/admin/action/test')).body as { ok: boolean; checked: string };
    assert.equal(tested.ok, true, JSON.stringify(tested));
    assert.match(tested.checked, /codes are sent from the message templates \(no Verify Service is used\)/);
  });

  it('finds the code SMS among the Messages when the reply to its send was lost, sends no second one, and the code works', async () => {
    // Twilio's clock is the real one: finding the SMS compares its creation time with the attempt's.
    world = await startWorld({ clock: new ManualClock(new Date()) });
    assert.equal((await useTemplates(world)).status, 200);
    const chat = world.client('grace');
    assert.match(textOf(await chat.say('send me a code')), /Which phone number should I send the code to\?/);
    world.emulator.injectFault({ method: 'POST', path: `/2010-04-01/Accounts/${world.emulator.accountSid}/Messages.json`, afterPerform: 'drop', times: 1 });
    assert.match(textOf(await chat.say(ALICE_PHONE)), /I texted a verification code to \+14155550123/);
    const sent = outboxTo(world.emulator, ALICE_PHONE);
    assert.equal(sent.length, 1);
    const code = /^Acme sign-in code (\d{6})$/.exec(sent[0]?.body ?? '')?.[1];
    assert.ok(code, sent[0]?.body);
    assert.match(textOf(await chat.say('check my code')), /What's the code I sent to \+14155550123\?/);
    assert.match(textOf(await chat.say(code)), /Approved/);
  });

  it('verifies a number with a code texted from the admin\'s register template, and keeps the code nowhere', async () => {
    world = await startWorld();
    const switched = await useTemplates(world, { codeLength: 8 });
    assert.equal(switched.status, 200, JSON.stringify(switched.body));
    const chat = world.client('alice');
    await chat.start();

    assert.match(textOf(await chat.say('verify my phone number')), /What's your mobile number\?/);
    assert.match(textOf(await chat.say(ALICE_PHONE)), /I texted a code to \+14155550123/);
    const [sms] = outboxTo(world.emulator, ALICE_PHONE);
    assert.equal(sms?.from, '+15005550006');
    const code = /^Welcome to Acme! Your registration code: (\d{8})$/.exec(sms?.body ?? '')?.[1];
    assert.ok(code, `the SMS is the admin's template: ${sms?.body}`);

    // Sent through sendSms: the message ledger follows its delivery like any SMS (status callbacks).
    const followed = (await world.started.store.list('messages')).map((d) => d.key);
    assert.deepEqual(followed, [sms?.sid]);

    const wrong = code.endsWith('0') ? `${code.slice(0, -1)}1` : `${code.slice(0, -1)}0`;
    assert.match(textOf(await chat.say(wrong)), /That code isn't right\. You have 4 attempts left\./);
    assert.match(textOf(await chat.say(code)), /\+14155550123 is verified/);

    assert.deepEqual(await findLeaks(world, { secrets: [world.emulator.authToken], codes: [code] }), []);
    const store = world.started.store;
    const whole = new RegExp(`(?<![0-9])${code}(?![0-9])`);
    for (const namespace of [...STORE_NAMESPACES, OTP_NAMESPACE, 'messages']) {
      assert.ok(!whole.test(JSON.stringify(await store.list(namespace))), `namespace ${namespace} holds the code`);
    }
    const audit = (await store.listAudit({ limit: 200 })).entries;
    assert.ok(!whole.test(JSON.stringify(audit)), 'the audit log holds the code');
    const verification = audit.filter((e) => e.action.startsWith('verification.'));
    assert.deepEqual(
      verification.map((e) => [e.action, e.outcome, e.target]).reverse(),
      [
        ['verification.start', 'pending', '…0123'],
        ['verification.check', 'wrong-code', '…0123'],
        ['verification.check', 'approved', '…0123'],
      ],
    );
  });
});
