/**
 * The message-templates verifier on real stores (SQLite, and PostgreSQL when TEST_DATABASE_URL is set), sending its
 * SMS to the emulator through the real sendSms operation. The verifier's clock is the emulator's manual clock.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { LocalVerifier, MessageTemplatesOtp, OTP_NAMESPACE, smsLister } from '../../src/otp';
import type { Store } from '../../src/store';
import { reconcileLocalStartsWith, reconcileSend, runOperation, TwilioActionError } from '../../src/twilio';
import { EmulatorFixture, TEST_SENDER, TEST_TEMPLATES } from '../support/emulator';
import { PostgresHarness, SqliteHarness, type StoreHarness } from '../store/harness';

const PHONE = '+14155550123';
const CONFIG = { otpMode: 'messageTemplates', sender: TEST_SENDER, messageTemplates: { ...TEST_TEMPLATES } };
const databaseUrl = process.env.TEST_DATABASE_URL;

async function rejectsWithCode(promise: Promise<unknown>, code: number | string): Promise<TwilioActionError> {
  let caught: TwilioActionError | undefined;
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof TwilioActionError, `expected TwilioActionError, got ${String(err)}`);
    assert.equal(err.code, code);
    caught = err;
    return true;
  });
  assert.ok(caught);
  return caught;
}

function describeVerifier(label: string, factory: () => StoreHarness, skipReason?: string): void {
  describe(skipReason ? `message-templates verifier on ${label} (skipped: ${skipReason})` : `message-templates verifier on ${label}`, function () {
    const fx = new EmulatorFixture();
    let harness: StoreHarness;
    let store: Store;
    let key: Buffer;
    let otp: MessageTemplatesOtp;

    const verifierOn = (s: Store, keys: () => readonly Buffer[] = () => [key]) => new LocalVerifier({ store: s, keys, now: () => fx.clock.now() });
    const run = (operation: string, input: Record<string, unknown>, config: Record<string, unknown> = CONFIG, on = otp) => on.run(fx.gateway, operation, input, config);
    const start = (input: Record<string, unknown> = {}, config?: Record<string, unknown>) =>
      run('startVerification', { to: PHONE, usageType: 'register', ...input }, config) as Promise<Record<string, unknown>>;
    const check = (code: string, on?: MessageTemplatesOtp) => run('checkVerification', { to: PHONE, code }, CONFIG, on) as Promise<Record<string, unknown>>;

    before(async function () {
      if (skipReason) this.skip();
      harness = factory();
      await fx.start();
    });
    after(async () => {
      if (!skipReason) await fx.stop();
    });
    beforeEach(async () => {
      await harness.setUp();
      store = await harness.open();
      key = randomBytes(32);
      otp = new MessageTemplatesOtp(verifierOn(store));
      fx.emulator.clearOutbox();
      fx.clock.advance(3600);
    });
    afterEach(() => harness.tearDown());

    it('texts the usage type\'s template with a six-digit code from the sender, as a pending verification', async () => {
      const v = await start({ usageType: 'signIn' });
      const [sms] = fx.emulator.outbox();
      assert.equal(sms?.from, TEST_SENDER);
      assert.equal(sms?.to, PHONE);
      assert.match(sms?.body ?? '', /^\d{6} is your Acme sign-in code\.$/);
      assert.match(String(v['sid']), /^VE[0-9a-f]{32}$/);
      assert.deepEqual([v['status'], v['to'], v['channel'], v['valid']], ['pending', PHONE, 'sms', false]);
    });

    it('makes codes of the configured length, from 4 to 10 digits', async () => {
      await start({}, { ...CONFIG, codeLength: 4 });
      assert.match(fx.lastCode(PHONE), /^\d{4}$/);
      fx.clock.advance(3600);
      await start({ to: '+14155550124' }, { ...CONFIG, codeLength: 10 });
      assert.match(fx.emulator.outbox().at(-1)?.body ?? '', /use \d{10} to confirm/);
    });

    it('keeps only a keyed hash: the code is nowhere in the store', async () => {
      await start();
      const code = fx.lastCode(PHONE);
      const stored = JSON.stringify(await store.list(OTP_NAMESPACE));
      assert.ok(stored.includes('"hash"'));
      assert.ok(!stored.includes(code), 'the code is stored in clear');
    });

    it('keeps the phone number nowhere in the store in clear: neither in keys nor in values', async () => {
      const v = await start();
      await run('fetchVerification', { verificationSid: v['sid'] });
      const docs = await store.list(OTP_NAMESPACE);
      assert.ok(docs.length > 0);
      const stored = JSON.stringify(docs);
      for (const form of [PHONE, PHONE.slice(1), PHONE.slice(2)]) assert.ok(!stored.includes(form), `the store holds ${form}: ${stored}`);
      const unkeyed = createHash('sha256').update(`tva-otp\0${PHONE}`).digest('hex').slice(0, 40);
      assert.ok(!stored.includes(unkeyed), 'a key is a plain hash of the number, which anyone can reverse by trying numbers');
    });

    it('still reads the number of a verification by SID and checks it by number after a key rotation', async () => {
      const v = await start();
      const rotated = new MessageTemplatesOtp(verifierOn(store, () => [randomBytes(32), key]));
      const fetched = (await run('fetchVerification', { verificationSid: v['sid'] }, CONFIG, rotated)) as Record<string, unknown>;
      assert.deepEqual([fetched['to'], fetched['status']], [PHONE, 'pending']);
      const approved = await check(fx.lastCode(PHONE), rotated);
      assert.deepEqual([approved['to'], approved['status']], [PHONE, 'approved']);
    });

    it('approves the right code once: the same code again finds no verification (20404)', async () => {
      await start();
      const code = fx.lastCode(PHONE);
      const approved = await check(code);
      assert.deepEqual([approved['status'], approved['valid']], ['approved', true]);
      await rejectsWithCode(check(code), 20404);
    });

    it('answers a wrong code pending, and after five wrong codes 60202 once, then 20404', async () => {
      await start();
      for (let i = 0; i < 5; i += 1) {
        const wrong = await check(fx.wrongCode(PHONE));
        assert.deepEqual([wrong['status'], wrong['valid']], ['pending', false]);
      }
      await rejectsWithCode(check(fx.lastCode(PHONE)), 60202);
      await rejectsWithCode(check(fx.lastCode(PHONE)), 20404);
    });

    it('a code of another length is just a wrong code: HMACs of equal length are compared', async () => {
      await start();
      const wrong = await check(`${fx.lastCode(PHONE)}99`);
      assert.equal(wrong['status'], 'pending');
      assert.equal((await check(fx.lastCode(PHONE)))['status'], 'approved');
    });

    it('a code expires after 10 minutes (20404 for check and fetch)', async () => {
      const v = await start();
      fx.clock.advance(599);
      assert.equal((await run('fetchVerification', { verificationSid: v['sid'] }) as Record<string, unknown>)['status'], 'pending');
      fx.clock.advance(1);
      await rejectsWithCode(check(fx.lastCode(PHONE)), 20404);
      await rejectsWithCode(run('fetchVerification', { verificationSid: v['sid'] }), 20404);
    });

    it('refuses a sixth send within 10 minutes with 60203 and how long to wait, and sends again once the window moves', async () => {
      await start();
      fx.clock.advance(120);
      for (let i = 0; i < 4; i += 1) await start();
      const refused = await rejectsWithCode(start(), 60203);
      assert.equal(refused.retryAfterSeconds, 480);
      assert.equal(fx.deliveries(PHONE), 5);
      fx.clock.advance(480);
      await start();
      assert.equal(fx.deliveries(PHONE), 6);
    });

    it('a resend keeps the verification but texts a new code; the old one stops working', async () => {
      const first = await start();
      const oldCode = fx.lastCode(PHONE);
      const second = await start();
      assert.equal(second['sid'], first['sid']);
      assert.equal((second['sendCodeAttempts'] as unknown[]).length, 2);
      assert.notEqual(fx.lastCode(PHONE), oldCode);
      assert.equal((await check(oldCode))['status'], 'pending');
      assert.equal((await check(fx.lastCode(PHONE)))['status'], 'approved');
    });

    it('a resend never texts the code it replaces, even when the generator draws it again (4-digit codes collide 1 in 10,000)', async () => {
      const draws = ['1234', '1234', '1234', '5678'];
      const fixed = new MessageTemplatesOtp(new LocalVerifier({ store, keys: () => [key], now: () => fx.clock.now(), newCode: () => draws.shift() ?? '0000' }));
      const config = { ...CONFIG, codeLength: 4 };
      await run('startVerification', { to: PHONE, usageType: 'register' }, config, fixed);
      assert.equal(fx.lastCode(PHONE), '1234');
      await run('startVerification', { to: PHONE, usageType: 'register' }, config, fixed);
      assert.equal(fx.lastCode(PHONE), '5678');
      assert.equal((await check('1234', fixed))['status'], 'pending');
      assert.equal((await check('5678', fixed))['status'], 'approved');
    });

    it('a canceled verification is fetchable as canceled, and its code no longer checks', async () => {
      const v = await start();
      const canceled = (await run('updateVerification', { verificationSid: v['sid'], status: 'canceled' })) as Record<string, unknown>;
      assert.equal(canceled['status'], 'canceled');
      assert.equal(((await run('fetchVerification', { verificationSid: v['sid'] })) as Record<string, unknown>)['status'], 'canceled');
      await rejectsWithCode(check(fx.lastCode(PHONE)), 20404);
      await rejectsWithCode(run('updateVerification', { verificationSid: v['sid'], status: 'canceled' }), 20404);
    });

    it('refuses channels other than sms with 60200 on Channel', async () => {
      const err = await rejectsWithCode(start({ channel: 'call' }), 60200);
      assert.equal(err.param, 'Channel');
      assert.equal(fx.deliveries(PHONE), 0);
    });

    it('passes on Messaging\'s refusal (21211), and a refused SMS does not count as a send', async () => {
      const bad = '+15005550001';
      for (let i = 0; i < 6; i += 1) await rejectsWithCode(start({ to: bad }), 21211);
      fx.emulator.clearOutbox();
      for (let i = 0; i < 5; i += 1) await start();
      assert.equal(fx.deliveries(PHONE), 5);
    });

    it('refuses input the Verify operation would refuse, in the same words', async () => {
      const err = await rejectsWithCode(run('fetchVerification', { verificationSid: 'VE123' }), 'invalid_input');
      assert.equal(err.param, 'VerificationSid');
      await rejectsWithCode(run('startVerification', { to: PHONE, usageType: 'other' }), 'invalid_input');
    });

    it('says what is missing when the mode has no sender or templates', async () => {
      const err = await rejectsWithCode(start({}, { otpMode: 'messageTemplates' }), 'invalid_input');
      assert.match(err.userMessage, /Ask your bot's admin to set the sender and the message templates/);
    });

    it('still checks a code made before a key rotation (the old key is tried too)', async () => {
      await start();
      const rotated = new MessageTemplatesOtp(verifierOn(store, () => [randomBytes(32), key]));
      assert.equal((await check(fx.lastCode(PHONE), rotated))['status'], 'approved');
    });

    it('concurrent wrong checks from two store clients never exceed five', async () => {
      await start();
      const other = new MessageTemplatesOtp(verifierOn(await harness.open()));
      const wrong = fx.wrongCode(PHONE);
      const outcomes = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          check(wrong, i % 2 === 0 ? otp : other).then(
            (r) => String(r['status']),
            (err: unknown) => (err instanceof TwilioActionError ? String(err.code) : 'unexpected'),
          ),
        ),
      );
      const count = (what: string) => outcomes.filter((o) => o === what).length;
      assert.equal(count('pending'), 5, outcomes.join(','));
      assert.equal(count('60202'), 1, outcomes.join(','));
      assert.equal(count('20404'), 6, outcomes.join(','));
    });

    it('reconciles a start whose SMS went out but whose reply was lost: found in Messages by template and hash', async () => {
      const verifier = verifierOn(store);
      const since = fx.clock.now();
      const settings = { sender: TEST_SENDER, templates: TEST_TEMPLATES, codeLength: 6 };
      await rejectsWithCode(
        verifier.start(fx.gateway, { to: PHONE, usageType: 'register' }, settings, async (to, body) => {
          await runOperation(fx.gateway, 'sendSms', { to, body, from: TEST_SENDER });
          throw new TwilioActionError({ code: 'timeout', status: 0, twilioMessage: 'no reply' });
        }),
        'timeout',
      );
      const found = await verifier.reconcileStart(fx.gateway, { to: PHONE, usageType: 'register' }, since, settings, smsLister(fx.gateway));
      assert.equal(found.kind, 'performed');
      // The same through the turn guard's entry point, with the runtime's reconciler registered for the gateway.
      reconcileLocalStartsWith(fx.gateway, (gw, input, at) => otp.reconcileStart(gw, input, at, CONFIG));
      const again = await reconcileSend(fx.gateway, 'startVerification', { serviceSid: 'messageTemplates', to: PHONE, usageType: 'register' }, since);
      assert.equal(again.kind, 'performed');
      assert.equal(fx.deliveries(PHONE), 1);
    });

    it('reconciles a start whose SMS never left as not performed', async () => {
      const verifier = new LocalVerifier({ store, keys: () => [key], now: () => fx.clock.now(), newCode: () => '424242' });
      const since = fx.clock.now();
      const settings = { sender: TEST_SENDER, templates: TEST_TEMPLATES, codeLength: 6 };
      await rejectsWithCode(
        verifier.start(fx.gateway, { to: PHONE }, settings, async () => {
          throw new TwilioActionError({ code: 'timeout', status: 0, twilioMessage: 'no reply' });
        }),
        'timeout',
      );
      // An SMS of the same template with another code is not this start's.
      await runOperation(fx.gateway, 'sendSms', { to: PHONE, body: TEST_TEMPLATES.register.replace('{{code}}', '000000'), from: TEST_SENDER });
      const found = await verifier.reconcileStart(fx.gateway, { to: PHONE, usageType: 'register' }, since, settings, smsLister(fx.gateway));
      assert.equal(found.kind, 'not-performed');
    });
  });
}

describeVerifier('SQLite', () => new SqliteHarness());
describeVerifier('PostgreSQL', () => new PostgresHarness(databaseUrl ?? ''), databaseUrl ? undefined : 'TEST_DATABASE_URL is not set');
