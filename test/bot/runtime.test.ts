import assert from 'node:assert/strict';
import { createCredentialChecker, generateSecretKey, IntegrationAction, SecretBox } from '../../src/auth';
import { IntegrationRuntime } from '../../src/bot';
import { createEmulator, type TwilioEmulator } from '../../src/emulator';
import { openStore, type Store } from '../../src/store';
import { RecordingLogger } from '../support/conversation';

describe('the integration runtime', () => {
  let emulator: TwilioEmulator;
  let store: Store;
  let action: IntegrationAction;
  let ms: number;
  let runtime: IntegrationRuntime;
  const alice = { channelId: 'webchat', userId: 'alice' };

  beforeEach(async () => {
    emulator = createEmulator();
    await emulator.listen(0);
    store = await openStore({ filename: ':memory:' });
    ms = 0;
    // The probe's gateway retries a GET answered 5xx once after a pause: no real pause here.
    const checker = createCredentialChecker({ sleep: async () => undefined });
    action = new IntegrationAction({ store, secrets: new SecretBox(generateSecretKey()), checker, monotonicNow: () => ms });
    runtime = new IntegrationRuntime({ action, store, publicBaseUrl: 'http://127.0.0.1:3978', cacheNow: () => ms });
  });
  afterEach(async () => {
    await emulator.close();
    await store.close();
  });

  async function preAuthorize(): Promise<void> {
    await action.authorize(
      { type: 'pre-authorized', accountSid: emulator.accountSid, authToken: emulator.authToken, baseUrl: emulator.url },
      'test',
    );
    await action.enable('test');
  }

  it('answers not-configured, then disabled, from the action lifecycle', async () => {
    assert.deepEqual(await runtime.resolveGateway(alice), { kind: 'not-configured' });
    await preAuthorize();
    await action.disable('test');
    assert.deepEqual(await runtime.resolveGateway(alice), { kind: 'disabled' });
  });

  it('reuses a gateway for the same credentials while cached, and builds a new one after', async () => {
    await preAuthorize();
    const first = await runtime.resolveGateway(alice);
    const again = await runtime.resolveGateway({ channelId: 'webchat', userId: 'bob' });
    assert.equal(first.kind, 'ready');
    assert.ok(first.kind === 'ready' && again.kind === 'ready' && first.gateway === again.gateway);
    ms += 60_001;
    const later = await runtime.resolveGateway(alice);
    assert.ok(first.kind === 'ready' && later.kind === 'ready' && later.gateway !== first.gateway);
    assert.equal(later.kind === 'ready' ? later.gateway.accountSid : '', emulator.accountSid);
  });

  it('shows expressions only the non-secret configuration', async () => {
    await preAuthorize();
    await action.setConfig({ sender: '+14155550100', verifyServiceSid: `VA${'a'.repeat(32)}` }, 'test');
    const config = await runtime.publicConfig();
    assert.deepEqual(config, { verifyServiceSid: `VA${'a'.repeat(32)}`, sender: '+14155550100' });
    assert.doesNotMatch(JSON.stringify(config), new RegExp(emulator.authToken));
  });

  /** The audit entries the runtime wrote about rejected credentials, oldest first. */
  async function rejectionAudits(): Promise<Array<{ action: string; outcome: string; details: Record<string, unknown> | null }>> {
    const { entries } = await store.listAudit({ limit: 200 });
    return entries
      .filter((e) => e.actor === 'runtime' && (e.action === 'action.error' || e.action === 'credentials.rejected'))
      .reverse()
      .map(({ action: name, outcome, details }) => ({ action: name, outcome, details }));
  }

  /** Twilio rejects the next probe of the account (`GET /2010-04-01/Accounts/{sid}.json`) this way. */
  function failNextProbe(status: number, code: number): void {
    emulator.injectFault({ method: 'GET', path: '/2010-04-01/Accounts', status, code, ...(status === 401 ? { message: 'Authenticate' } : {}), times: 1 });
  }

  it('puts the action in its error state only when a probe of the same credentials is rejected too, and logs no secret', async () => {
    const logger = new RecordingLogger();
    runtime = new IntegrationRuntime({ action, store, publicBaseUrl: 'http://127.0.0.1:3978', logger });
    await preAuthorize();
    failNextProbe(401, 20003);
    await runtime.reportAuthFailure(alice, 20003);
    const view = await action.status();
    assert.equal(view.state, 'error');
    assert.equal(view.error?.code, 20003);
    assert.equal(view.error?.message, 'Authenticate', "Twilio's message stays visible to admins");
    assert.deepEqual(await runtime.resolveGateway(alice), { kind: 'error', code: 20003 });
    assert.deepEqual(await rejectionAudits(), [{ action: 'action.error', outcome: 'error', details: { twilioCode: 20003, confirmedByProbe: true } }]);
    assert.doesNotMatch(logger.lines.join('\n'), new RegExp(emulator.authToken));
  });

  it('leaves the action configured when the probe passes (one stray 401), and audits that', async () => {
    await preAuthorize();
    await runtime.reportAuthFailure(alice, 20003);
    assert.equal((await action.status()).state, 'configured');
    assert.equal((await runtime.resolveGateway({ channelId: 'webchat', userId: 'bob' })).kind, 'ready');
    assert.deepEqual(await rejectionAudits(), [
      { action: 'action.error', outcome: 'not-confirmed', details: { twilioCode: 20003, probe: 'passed' } },
    ]);
  });

  it('leaves the action configured when the probe cannot tell (5xx twice, or Twilio not answering)', async () => {
    await preAuthorize();
    failNextProbe(503, 20503);
    failNextProbe(503, 20503);
    await runtime.reportAuthFailure(alice, 20003);
    assert.equal((await action.status()).state, 'configured');
    ms += 30_001;
    await emulator.close();
    await runtime.reportAuthFailure(alice, 20003);
    assert.equal((await action.status()).state, 'configured');
    assert.deepEqual(await rejectionAudits(), [
      { action: 'action.error', outcome: 'inconclusive', details: { twilioCode: 20003, probeCode: 20503 } },
      { action: 'action.error', outcome: 'inconclusive', details: { twilioCode: 20003, probeCode: 'connection_refused' } },
    ]);
  });

  it('probes the same credentials at most once per 30 s, however many 401s arrive', async () => {
    await preAuthorize();
    await Promise.all([1, 2, 3, 4, 5].map(() => runtime.reportAuthFailure(alice, 20003)));
    await runtime.reportAuthFailure({ channelId: 'webchat', userId: 'bob' }, 20003);
    assert.equal((await rejectionAudits()).length, 1, 'one probe for the burst');
    ms += 29_999;
    failNextProbe(401, 20003);
    await runtime.reportAuthFailure(alice, 20003);
    assert.equal((await action.status()).state, 'configured', 'still inside the interval: no probe');
    ms += 2;
    await runtime.reportAuthFailure(alice, 20003);
    assert.equal((await action.status()).state, 'error', 'the next probe after the interval is rejected');
    assert.deepEqual(
      (await rejectionAudits()).map((e) => e.outcome),
      ['not-confirmed', 'error'],
    );
  });

  it('removes a user-authorized user\'s credentials only when the probe confirms the rejection', async () => {
    await action.createProfile({ name: 'own-twilio', tenancy: false, baseUrl: emulator.url }, 'test');
    await action.authorize({ type: 'user-authorized', profile: 'own-twilio' }, 'test');
    await action.enable('test');
    const outcome = await action.storeUserCredentials('webchat', 'alice', { accountSid: emulator.accountSid, authToken: emulator.authToken });
    assert.deepEqual(outcome, { ok: true });

    await runtime.reportAuthFailure(alice, 20003);
    assert.equal((await runtime.resolveGateway(alice)).kind, 'ready', 'the probe passed: alice keeps her credentials');
    ms += 30_001;
    failNextProbe(401, 20003);
    await runtime.reportAuthFailure(alice, 20003);
    assert.equal((await runtime.resolveGateway(alice)).kind, 'needs-user-authorization');
    assert.equal((await action.status()).state, 'configured', 'other users are not affected');
    assert.deepEqual(
      (await rejectionAudits()).map((e) => `${e.action} ${e.outcome}`),
      ['credentials.rejected not-confirmed', 'credentials.rejected removed'],
    );
  });

  it("probes a user's credentials with their auth profile's own check URL, where a plain HTTP 401 confirms", async () => {
    const checkUrl = `${emulator.url}/2010-04-01/Accounts/{{accountSid}}.json`;
    await action.createProfile({ name: 'proxy', tenancy: false, baseUrl: emulator.url, authorizationCheckUrl: checkUrl }, 'test');
    await action.authorize({ type: 'user-authorized', profile: 'proxy' }, 'test');
    await action.enable('test');
    await action.storeUserCredentials('webchat', 'alice', { accountSid: emulator.accountSid, authToken: emulator.authToken });
    emulator.injectFault({ method: 'GET', path: '/2010-04-01/Accounts', status: 401, rawBody: 'Unauthorized', times: 1 });
    await runtime.reportAuthFailure(alice, 20003);
    assert.equal((await runtime.resolveGateway(alice)).kind, 'needs-user-authorization');
    assert.deepEqual(await rejectionAudits(), [
      { action: 'credentials.rejected', outcome: 'removed', details: { twilioCode: 'http_401', confirmedByProbe: true } },
    ]);
  });

  it('writes audit entries through the store', async () => {
    await runtime.audit({ actor: 'webchat:alice', action: 'verification.start', target: '…0123', outcome: 'pending' });
    const { entries } = await store.listAudit();
    assert.equal(entries[0]?.action, 'verification.start');
    assert.equal(entries[0]?.target, '…0123');
  });
});
