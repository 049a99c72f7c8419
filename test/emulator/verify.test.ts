import assert from 'node:assert/strict';
import { rejectsWith, startHarness, type Harness } from '../support/emulator';

const TO = '+14155550123';

describe('emulator: Verify services', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
    assert.deepEqual(h.problems, []);
  });

  it('creates a service with Twilio defaults and urls pointing at the emulator', async () => {
    const service = await h.client.verify.v2.services.create({ friendlyName: 'My Bot' });
    assert.match(service.sid, /^VA[0-9a-f]{32}$/);
    assert.equal(service.accountSid, h.emulator.accountSid);
    assert.equal(service.friendlyName, 'My Bot');
    assert.equal(service.codeLength, 6);
    assert.equal(service.customCodeEnabled, false);
    assert.equal(service.url, `${h.url}/v2/Services/${service.sid}`);
    assert.equal(service.links['verifications'], `${h.url}/v2/Services/${service.sid}/Verifications`);
    assert.equal(h.exchanges.at(-1)?.status, 201);
  });

  it('writes Verify dates in ISO 8601 without milliseconds', async () => {
    await h.client.verify.v2.services.create({ friendlyName: 'Dates' });
    const body = JSON.parse(h.exchanges.at(-1)?.body ?? '{}') as { date_created: string };
    assert.equal(body.date_created, '2026-11-22T02:05:36Z');
  });

  it('rejects a service without FriendlyName with 60200 naming it', async () => {
    const res = await h.raw('POST', '/v2/Services', { CodeLength: '6' });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, {
      code: 60200,
      message: 'Invalid parameter: FriendlyName',
      more_info: 'https://www.twilio.com/docs/errors/60200',
      status: 400,
    });
  });

  it('rejects a CodeLength outside 4-10 with 60200 naming CodeLength', async () => {
    await rejectsWith(h.client.verify.v2.services.create({ friendlyName: 'Bot', codeLength: 11 }), 60200, 400, 'Invalid parameter: CodeLength');
    await rejectsWith(h.client.verify.v2.services.create({ friendlyName: 'Bot', codeLength: 3 }), 60200, 400, 'Invalid parameter: CodeLength');
  });

  it('rejects a FriendlyName longer than 30 characters or with more than 4 digits', async () => {
    await rejectsWith(h.client.verify.v2.services.create({ friendlyName: 'x'.repeat(31) }), 60200, 400, 'Invalid parameter: FriendlyName');
    await rejectsWith(h.client.verify.v2.services.create({ friendlyName: 'Call 5550123' }), 60200, 400, 'Invalid parameter: FriendlyName');
  });

  it('fetches, updates and deletes a service', async () => {
    const created = await h.client.verify.v2.services.create({ friendlyName: 'Before' });
    const fetched = await h.client.verify.v2.services(created.sid).fetch();
    assert.equal(fetched.friendlyName, 'Before');
    h.clock.advance(60);
    const updated = await h.client.verify.v2.services(created.sid).update({ friendlyName: 'After', codeLength: 8, customCodeEnabled: true });
    assert.equal(updated.friendlyName, 'After');
    assert.equal(updated.codeLength, 8);
    assert.equal(updated.customCodeEnabled, true);
    assert.equal(updated.dateUpdated.toISOString(), '2026-11-22T02:06:36.000Z');
    assert.equal(await h.client.verify.v2.services(created.sid).remove(), true);
    assert.equal(h.exchanges.at(-1)?.status, 204);
    await rejectsWith(h.client.verify.v2.services(created.sid).fetch(), 20404, 404);
  });

  it('leaves a service unchanged when an update has one invalid parameter', async () => {
    const created = await h.client.verify.v2.services.create({ friendlyName: 'Keep' });
    await rejectsWith(h.client.verify.v2.services(created.sid).update({ friendlyName: 'Changed', codeLength: 2 }), 60200, 400, 'Invalid parameter: CodeLength');
    assert.equal((await h.client.verify.v2.services(created.sid).fetch()).friendlyName, 'Keep');
  });

  it('answers 20404 for an unknown service', async () => {
    await rejectsWith(h.client.verify.v2.services(`VA${'0'.repeat(32)}`).fetch(), 20404, 404, /was not found/);
  });

  it('pages services with Verify meta and the SDK follows next_page_url', async () => {
    for (let i = 0; i < 5; i += 1) await h.client.verify.v2.services.create({ friendlyName: `Service ${i}` });
    const page = await h.client.verify.v2.services.page({ pageSize: 2 });
    assert.deepEqual(
      page.instances.map((s) => s.friendlyName),
      ['Service 0', 'Service 1'],
    );
    const raw = await h.raw('GET', '/v2/Services?PageSize=2&Page=1');
    assert.deepEqual((raw.body as { meta: unknown }).meta, {
      page: 1,
      page_size: 2,
      first_page_url: `${h.url}/v2/Services?PageSize=2&Page=0`,
      previous_page_url: `${h.url}/v2/Services?PageSize=2&Page=0`,
      url: `${h.url}/v2/Services?PageSize=2&Page=1`,
      next_page_url: `${h.url}/v2/Services?PageSize=2&Page=2`,
      key: 'services',
    });
    const all = await h.client.verify.v2.services.list({ pageSize: 2 });
    assert.deepEqual(
      all.map((s) => s.friendlyName),
      ['Service 0', 'Service 1', 'Service 2', 'Service 3', 'Service 4'],
    );
  });
});

describe('emulator: Verify verifications', () => {
  let h: Harness;
  let serviceSid: string;
  const verifications = () => h.client.verify.v2.services(serviceSid).verifications;
  const checks = () => h.client.verify.v2.services(serviceSid).verificationChecks;

  beforeEach(async () => {
    h = await startHarness();
    serviceSid = (await h.client.verify.v2.services.create({ friendlyName: 'Acme Bot', skipSmsToLandlines: true })).sid;
  });
  afterEach(async () => {
    await h.close();
    assert.deepEqual(h.problems, []);
  });

  it('starts a pending verification and delivers a 6-digit code to the outbox', async () => {
    const v = await verifications().create({ to: TO, channel: 'sms' });
    assert.match(v.sid, /^VE[0-9a-f]{32}$/);
    assert.equal(v.status, 'pending');
    assert.equal(v.valid, false);
    assert.equal(v.channel, 'sms');
    assert.equal(v.sendCodeAttempts.length, 1);
    assert.equal(v.url, `${h.url}/v2/Services/${serviceSid}/Verifications/${v.sid}`);
    const [entry] = h.emulator.outbox();
    assert.ok(entry);
    assert.equal(entry.to, TO);
    assert.equal(entry.channel, 'sms');
    assert.match(entry.body, /^Your Acme Bot verification code is: \d{6}$/);
    assert.equal(entry.date_created, '2026-11-22T02:05:36Z');
  });

  it('generates codes of the service CodeLength', async () => {
    const svc = await h.client.verify.v2.services.create({ friendlyName: 'Long', codeLength: 10 });
    await h.client.verify.v2.services(svc.sid).verifications.create({ to: TO, channel: 'sms' });
    assert.match(h.lastCode(TO), /^\d{10}$/);
  });

  it('answers a wrong code with HTTP 200, pending and valid false', async () => {
    await verifications().create({ to: TO, channel: 'sms' });
    const code = h.lastCode(TO);
    const wrong = code === '000000' ? '111111' : '000000';
    const check = await checks().create({ to: TO, code: wrong });
    assert.equal(check.status, 'pending');
    assert.equal(check.valid, false);
    assert.equal(h.exchanges.at(-1)?.status, 200);
  });

  it('approves the right code, then answers 20404 to the same check and to a fetch', async () => {
    const v = await verifications().create({ to: TO, channel: 'sms' });
    const code = h.lastCode(TO);
    const check = await checks().create({ to: TO, code });
    assert.equal(check.status, 'approved');
    assert.equal(check.valid, true);
    assert.equal(check.sid, v.sid);
    await rejectsWith(checks().create({ to: TO, code }), 20404, 404);
    await rejectsWith(verifications()(v.sid).fetch(), 20404, 404);
  });

  it('checks by VerificationSid as well as by To', async () => {
    const v = await verifications().create({ to: TO, channel: 'sms' });
    const check = await checks().create({ verificationSid: v.sid, code: h.lastCode(TO) });
    assert.equal(check.status, 'approved');
  });

  it('re-sends the same code and SID while valid and grows send_code_attempts', async () => {
    const first = await verifications().create({ to: TO, channel: 'sms' });
    const code = h.lastCode(TO);
    h.clock.advance(30);
    const again = await verifications().create({ to: TO, channel: 'sms' });
    assert.equal(again.sid, first.sid);
    assert.equal(again.sendCodeAttempts.length, 2);
    assert.equal(h.emulator.outbox().length, 2);
    assert.equal(h.lastCode(TO), code);
  });

  it('re-sends on another channel with the same code and reports that channel', async () => {
    await verifications().create({ to: TO, channel: 'sms' });
    const code = h.lastCode(TO);
    const again = await verifications().create({ to: TO, channel: 'call' });
    assert.equal(again.channel, 'call');
    assert.equal(h.emulator.outbox().at(-1)?.channel, 'call');
    assert.equal(h.lastCode(TO), code);
  });

  it('expires a verification after 10 minutes: fetch and check answer 20404', async () => {
    const v = await verifications().create({ to: TO, channel: 'sms' });
    const code = h.lastCode(TO);
    h.clock.advance(599);
    assert.equal((await verifications()(v.sid).fetch()).status, 'pending');
    h.clock.advance(1);
    await rejectsWith(verifications()(v.sid).fetch(), 20404, 404);
    await rejectsWith(checks().create({ to: TO, code }), 20404, 404);
  });

  it('starts a new verification with a new SID after the old one expired', async () => {
    const first = await verifications().create({ to: TO, channel: 'sms' });
    h.clock.advance(600);
    const second = await verifications().create({ to: TO, channel: 'sms' });
    assert.notEqual(second.sid, first.sid);
    assert.equal(second.sendCodeAttempts.length, 1);
  });

  it('answers 60202 after 5 wrong checks and 20404 afterwards', async () => {
    const v = await verifications().create({ to: TO, channel: 'sms' });
    const code = h.lastCode(TO);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i += 1) {
      const check = await checks().create({ to: TO, code: wrong });
      assert.equal(check.status, 'pending');
    }
    await rejectsWith(checks().create({ to: TO, code }), 60202, 429, 'Max check attempts reached');
    await rejectsWith(checks().create({ to: TO, code }), 20404, 404);
    await rejectsWith(verifications()(v.sid).fetch(), 20404, 404);
  });

  it('starts a fresh verification after max attempts, and checks by To reach the fresh one', async () => {
    const first = await verifications().create({ to: TO, channel: 'sms' });
    const wrong = h.lastCode(TO) === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i += 1) await checks().create({ to: TO, code: wrong });
    const second = await verifications().create({ to: TO, channel: 'sms' });
    assert.notEqual(second.sid, first.sid);
    const check = await checks().create({ to: TO, code: h.lastCode(TO) });
    assert.equal(check.sid, second.sid);
    assert.equal(check.status, 'approved');
  });

  it('answers 60203 to a 6th send to the same To within 10 minutes', async () => {
    for (let i = 0; i < 5; i += 1) {
      await verifications().create({ to: TO, channel: 'sms' });
      h.clock.advance(60);
    }
    await rejectsWith(verifications().create({ to: TO, channel: 'sms' }), 60203, 429, 'Max send attempts reached');
    assert.equal(h.emulator.outbox().length, 5);
  });

  it('allows sending again once the oldest send leaves the 10-minute window', async () => {
    for (let i = 0; i < 5; i += 1) {
      await verifications().create({ to: TO, channel: 'sms' });
      h.clock.advance(60);
    }
    h.clock.advance(300);
    const v = await verifications().create({ to: TO, channel: 'sms' });
    assert.equal(v.status, 'pending');
  });

  it('cancels a verification: it stays fetchable as canceled and checks answer 20404', async () => {
    const v = await verifications().create({ to: TO, channel: 'sms' });
    const code = h.lastCode(TO);
    const canceled = await verifications()(v.sid).update({ status: 'canceled' });
    assert.equal(canceled.status, 'canceled');
    assert.equal((await verifications()(v.sid).fetch()).status, 'canceled');
    await rejectsWith(checks().create({ to: TO, code }), 20404, 404);
    await rejectsWith(checks().create({ verificationSid: v.sid, code }), 20404, 404);
  });

  it('approves through an update and then answers 20404', async () => {
    const v = await verifications().create({ to: TO, channel: 'sms' });
    const approved = await verifications()(v.sid).update({ status: 'approved' });
    assert.equal(approved.status, 'approved');
    assert.equal(approved.valid, true);
    await rejectsWith(verifications()(v.sid).fetch(), 20404, 404);
  });

  it('rejects an update with a Status other than canceled or approved', async () => {
    const v = await verifications().create({ to: TO, channel: 'sms' });
    const res = await h.raw('POST', `/v2/Services/${serviceSid}/Verifications/${v.sid}`, { Status: 'pending' });
    assert.equal(res.status, 400);
    assert.equal((res.body as { message: string }).message, 'Invalid parameter: Status');
  });

  it('uses a CustomCode when the service allows custom codes', async () => {
    const svc = await h.client.verify.v2.services.create({ friendlyName: 'Custom', customCodeEnabled: true });
    await h.client.verify.v2.services(svc.sid).verifications.create({ to: TO, channel: 'sms', customCode: '867530' });
    assert.equal(h.lastCode(TO), '867530');
    const check = await h.client.verify.v2.services(svc.sid).verificationChecks.create({ to: TO, code: '867530' });
    assert.equal(check.status, 'approved');
  });

  it('rejects a CustomCode with 60200 when the service does not allow custom codes', async () => {
    await rejectsWith(verifications().create({ to: TO, channel: 'sms', customCode: '123456' }), 60200, 400, 'Invalid parameter: CustomCode');
  });

  it('uses CustomFriendlyName in the delivered message', async () => {
    await verifications().create({ to: TO, channel: 'sms', customFriendlyName: 'Front Desk' });
    assert.match(h.emulator.outbox().at(-1)?.body ?? '', /^Your Front Desk verification code is: \d{6}$/);
  });

  it('sends an email verification to an email address', async () => {
    const v = await verifications().create({ to: 'ada@example.com', channel: 'email' });
    assert.equal(v.channel, 'email');
    assert.equal(v.sendCodeAttempts[0]?.channel, 'EMAIL');
    assert.equal(h.emulator.outbox().at(-1)?.channel, 'email');
  });

  it('rejects the email channel with a phone number To (60200 To)', async () => {
    await rejectsWith(verifications().create({ to: TO, channel: 'email' }), 60200, 400, 'Invalid parameter: To');
  });

  it('rejects a To that is not E.164 on a phone channel (60200 To)', async () => {
    await rejectsWith(verifications().create({ to: '4155550123', channel: 'sms' }), 60200, 400, 'Invalid parameter: To');
  });

  it('rejects an unknown Channel (60200 Channel)', async () => {
    await rejectsWith(verifications().create({ to: TO, channel: 'pigeon' }), 60200, 400, 'Invalid parameter: Channel');
  });

  it('rejects a start without To or Channel (60200 naming the missing one)', async () => {
    const noTo = await h.raw('POST', `/v2/Services/${serviceSid}/Verifications`, { Channel: 'sms' });
    assert.equal((noTo.body as { message: string }).message, 'Invalid parameter: To');
    const noChannel = await h.raw('POST', `/v2/Services/${serviceSid}/Verifications`, { To: TO });
    assert.equal((noChannel.body as { message: string }).message, 'Invalid parameter: Channel');
  });

  it('rejects a check without Code (60200 Code) or without To and VerificationSid (60200 To)', async () => {
    await verifications().create({ to: TO, channel: 'sms' });
    const noCode = await h.raw('POST', `/v2/Services/${serviceSid}/VerificationCheck`, { To: TO });
    assert.equal(noCode.status, 400);
    assert.equal((noCode.body as { message: string }).message, 'Invalid parameter: Code');
    const noTarget = await h.raw('POST', `/v2/Services/${serviceSid}/VerificationCheck`, { Code: '123456' });
    assert.equal((noTarget.body as { message: string }).message, 'Invalid parameter: To');
  });

  it('answers 20404 to a check for a To with no pending verification', async () => {
    await rejectsWith(checks().create({ to: TO, code: '123456' }), 20404, 404);
  });

  it('answers 20404 for verifications of an unknown service', async () => {
    await rejectsWith(h.client.verify.v2.services(`VA${'f'.repeat(32)}`).verifications.create({ to: TO, channel: 'sms' }), 20404, 404);
  });

  const magic: Array<[string, string, number, number]> = [
    ['+15005550001', 'sms', 60200, 400],
    ['+15005550004', 'sms', 21610, 400],
    ['+15005550010', 'sms', 60205, 400],
    ['+15005550011', 'sms', 60410, 403],
    ['+15005550012', 'call', 60605, 403],
    ['+15005550013', 'sms', 21608, 400],
  ];
  for (const [to, channel, code, status] of magic) {
    it(`answers ${code} (HTTP ${status}) for the emulator's magic To ${to}`, async () => {
      await rejectsWith(verifications().create({ to, channel }), code, status);
      assert.equal(h.emulator.outbox().length, 0);
    });
  }

  it('lets a call reach the landline magic number that refuses SMS', async () => {
    const v = await verifications().create({ to: '+15005550010', channel: 'call' });
    assert.equal(v.status, 'pending');
  });
});
