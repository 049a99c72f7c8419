import assert from 'node:assert/strict';
import { rejectsWith, startHarness, type Harness } from '../support/emulator';

const TO = '+14155550123';
const LANDLINE = '+15005550010';

describe('emulator: Verify Service settings that change behaviour', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
    assert.deepEqual(h.problems, []);
  });

  describe('on a full account', () => {
    beforeEach(async () => {
      h = await startHarness();
    });

    it('generates codes of the service\'s code length', async () => {
      const service = await h.client.verify.v2.services.create({ friendlyName: 'Acme', codeLength: 9 });
      await h.client.verify.v2.services(service.sid).verifications.create({ to: TO, channel: 'sms' });
      assert.match(h.lastCode(TO), /^\d{9}$/);
    });

    it('accepts CustomCode only when the service enables custom codes', async () => {
      const plain = await h.client.verify.v2.services.create({ friendlyName: 'Plain' });
      await rejectsWith(
        h.client.verify.v2.services(plain.sid).verifications.create({ to: TO, channel: 'sms', customCode: '4321' }),
        60200,
        400,
        'Invalid parameter: CustomCode',
      );
      const custom = await h.client.verify.v2.services.create({ friendlyName: 'Custom', customCodeEnabled: true });
      await h.client.verify.v2.services(custom.sid).verifications.create({ to: TO, channel: 'sms', customCode: '4321' });
      assert.equal(h.lastCode(TO), '4321');
    });

    it("requires Amount and Payee on a PSD2 service (Twilio's 60206) and shows them in the code message", async () => {
      const service = await h.client.verify.v2.services.create({ friendlyName: 'Shop', psd2Enabled: true });
      const verifications = h.client.verify.v2.services(service.sid).verifications;
      await rejectsWith(verifications.create({ to: TO, channel: 'sms', payee: 'Acme' }), 60206, 400, "'Amount' & 'Payee' params are required");
      await rejectsWith(verifications.create({ to: TO, channel: 'sms', amount: '€39.99' }), 60206, 400, "'Amount' & 'Payee' params are required");
      const v = await verifications.create({ to: TO, channel: 'sms', amount: '€39.99', payee: 'Acme Corp' });
      assert.equal(v.amount, '€39.99');
      assert.equal(v.payee, 'Acme Corp');
      const sent = h.emulator.outbox().at(-1);
      assert.match(sent?.body ?? '', /^Your Shop verification code is: \d{6} to pay €39\.99 to Acme Corp$/);
    });

    it('refuses SMS to a landline with 60205 and sends nothing when the service skips SMS to landlines', async () => {
      const skipping = await h.client.verify.v2.services.create({ friendlyName: 'Skips', skipSmsToLandlines: true, lookupEnabled: true });
      await rejectsWith(h.client.verify.v2.services(skipping.sid).verifications.create({ to: LANDLINE, channel: 'sms' }), 60205, 400);
      assert.equal(h.emulator.outbox().length, 0);
      const trying = await h.client.verify.v2.services.create({ friendlyName: 'Tries' });
      const v = await h.client.verify.v2.services(trying.sid).verifications.create({ to: LANDLINE, channel: 'sms' });
      assert.equal(v.status, 'pending');
      assert.equal(h.emulator.outbox().length, 1);
    });

    it('keeps and returns every setting the action manages, push and default template included', async () => {
      const created = await h.client.verify.v2.services.create({
        friendlyName: 'All',
        ttsName: 'Acme voice',
        dtmfInputRequired: false,
        doNotShareWarningEnabled: true,
        defaultTemplateSid: `HJ${'a'.repeat(32)}`,
        'push.includeDate': true,
        'push.fcmCredentialSid': `CR${'b'.repeat(32)}`,
      });
      const fetched = await h.client.verify.v2.services(created.sid).fetch();
      assert.equal(fetched.ttsName, 'Acme voice');
      assert.equal(fetched.dtmfInputRequired, false);
      assert.equal(fetched.doNotShareWarningEnabled, true);
      assert.equal(fetched.defaultTemplateSid, `HJ${'a'.repeat(32)}`);
      assert.deepEqual(fetched.push, { include_date: true, apn_credential_sid: null, fcm_credential_sid: `CR${'b'.repeat(32)}` });
    });
  });

  describe('on a trial account', () => {
    const VERIFIED = '+14155550199';
    beforeEach(async () => {
      h = await startHarness({ trial: { verifiedNumbers: [VERIFIED] } });
    });

    it('says Trial in the Accounts resource', async () => {
      const account = await h.client.api.v2010.accounts(h.emulator.accountSid).fetch();
      assert.equal(account.type, 'Trial');
    });

    it('answers 21608 for messages and verifications to unverified numbers, and sends to verified ones', async () => {
      await rejectsWith(h.client.messages.create({ to: TO, from: '+15005550006', body: 'Hi' }), 21608, 400);
      const service = await h.client.verify.v2.services.create({ friendlyName: 'Acme' });
      await rejectsWith(h.client.verify.v2.services(service.sid).verifications.create({ to: TO, channel: 'sms' }), 21608, 400);
      assert.equal(h.emulator.outbox().length, 0);
      await h.client.messages.create({ to: VERIFIED, from: '+15005550006', body: 'Hi' });
      await h.client.verify.v2.services(service.sid).verifications.create({ to: VERIFIED, channel: 'sms' });
      assert.equal(h.emulator.outbox().length, 2);
    });
  });
});
