import assert from 'node:assert/strict';
import { generateSecretKey, IntegrationAction, SecretBox } from '../../src/auth';
import { IntegrationRuntime } from '../../src/bot';
import { createEmulator, type TwilioEmulator } from '../../src/emulator';
import { openStore, type Store } from '../../src/store';
import { recordingLogger } from './harness';

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
    action = new IntegrationAction({ store, secrets: new SecretBox(generateSecretKey()) });
    ms = 0;
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

  it('puts the action in its error state when Twilio rejects stored credentials, and logs no secret', async () => {
    const logger = recordingLogger();
    runtime = new IntegrationRuntime({ action, store, publicBaseUrl: 'http://127.0.0.1:3978', logger });
    await preAuthorize();
    await runtime.reportAuthFailure(alice, 20003);
    assert.equal((await action.status()).state, 'error');
    assert.deepEqual(await runtime.resolveGateway(alice), { kind: 'error', code: 20003 });
    assert.doesNotMatch(logger.lines.join('\n'), new RegExp(emulator.authToken));
  });

  it('writes audit entries through the store', async () => {
    await runtime.audit({ actor: 'webchat:alice', action: 'verification.start', target: '…0123', outcome: 'pending' });
    const { entries } = await store.listAudit();
    assert.equal(entries[0]?.action, 'verification.start');
    assert.equal(entries[0]?.target, '…0123');
  });
});
