/** `/api/admin/services…`: list, create, show, update and delete Verify Services through the emulator. */
import assert from 'node:assert/strict';
import { createEmulator, type TwilioEmulator } from '../../src/emulator';
import { startWorld, tempDataDir, type AdminWorld } from '../support/world';

interface ServiceView {
  sid: string;
  friendlyName: string;
  codeLength: number;
  psd2Enabled: boolean | null;
  skipSmsToLandlines: boolean | null;
  customCodeEnabled: boolean | null;
  ttsName: string | null;
  defaultTemplateSid: string | null;
  push: { includeDate: boolean | null; apnCredentialSid: string | null; fcmCredentialSid: string | null };
}

function isServiceView(value: unknown): value is ServiceView {
  return typeof value === 'object' && value !== null && 'sid' in value && 'push' in value;
}

function serviceIn(reply: { json: unknown; text: string }): ServiceView {
  if (!isServiceView(reply.json)) assert.fail(`not a service: ${reply.text}`);
  return reply.json;
}

describe('admin API: Verify Services', () => {
  let emulator: TwilioEmulator;
  let h: AdminWorld;

  before(async () => {
    emulator = createEmulator();
    await emulator.listen(0, '127.0.0.1');
    h = await startWorld({ stack: 'admin', dataDir: tempDataDir(), emulator });
    const put = await h.request('PUT', '/api/admin/action/authorization', {
      body: { type: 'pre-authorized', accountSid: emulator.accountSid, authToken: emulator.authToken, baseUrl: h.emulatorUrl },
    });
    assert.equal(put.status, 200, put.text);
  });

  after(async () => {
    await h.close();
    await emulator.close();
  });

  it('creates a service with Twilio\'s settings, shows, updates and deletes it, each change audited', async () => {
    const created = await h.request('POST', '/api/admin/services', {
      body: {
        friendlyName: 'Acme Pay',
        codeLength: 8,
        psd2Enabled: true,
        skipSmsToLandlines: true,
        lookupEnabled: true,
        customCodeEnabled: true,
        ttsName: 'Acme',
        doNotShareWarningEnabled: true,
        defaultTemplateSid: `HJ${'a'.repeat(32)}`,
        pushIncludeDate: false,
        pushFcmCredentialSid: `CR${'c'.repeat(32)}`,
      },
    });
    assert.equal(created.status, 201, created.text);
    const service = serviceIn(created);
    assert.equal(service.codeLength, 8);
    assert.equal(service.psd2Enabled, true);
    assert.deepEqual(service.push, { includeDate: false, apnCredentialSid: null, fcmCredentialSid: `CR${'c'.repeat(32)}` });

    const shown = serviceIn(await h.request('GET', `/api/admin/services/${service.sid}`));
    assert.equal(shown.friendlyName, 'Acme Pay');
    assert.equal(shown.skipSmsToLandlines, true);
    assert.equal(shown.defaultTemplateSid, `HJ${'a'.repeat(32)}`);

    const updated = await h.request('PUT', `/api/admin/services/${service.sid}`, { body: { codeLength: 5, psd2Enabled: false } });
    assert.equal(updated.status, 200, updated.text);
    assert.equal(serviceIn(updated).codeLength, 5);
    assert.equal(serviceIn(await h.request('GET', `/api/admin/services/${service.sid}`)).psd2Enabled, false);

    const listed = (await h.request('GET', '/api/admin/services')).json as { services: ServiceView[] };
    assert.ok(listed.services.some((s) => s.sid === service.sid));

    const deleted = await h.request('DELETE', `/api/admin/services/${service.sid}`);
    assert.equal(deleted.status, 200, deleted.text);
    assert.deepEqual(deleted.json, { sid: service.sid, deleted: true });
    const gone = await h.request('GET', `/api/admin/services/${service.sid}`);
    assert.equal(gone.status, 404, gone.text);

    const audit = await h.store.listAudit({ limit: 50 });
    for (const action of ['service.create', 'service.update', 'service.delete']) {
      assert.ok(audit.entries.some((e) => e.action === action && e.outcome === 'ok' && JSON.stringify(e).includes(service.sid)), action);
    }
  });

  it('refuses settings the operations\' schemas refuse, naming the field, before calling Twilio', async () => {
    const cases: Array<[string, string, unknown, string]> = [
      ['POST', '/api/admin/services', { friendlyName: 'Acme', codeLength: 11 }, '/codeLength'],
      ['POST', '/api/admin/services', { friendlyName: 'Acme', mystery: true }, '/mystery'],
      ['POST', '/api/admin/services', { codeLength: 6 }, '/friendlyName'],
      ['POST', '/api/admin/services', { friendlyName: 'Acme', pushApnCredentialSid: 'CR1' }, '/pushApnCredentialSid'],
      ['PUT', `/api/admin/services/VA${'0'.repeat(32)}`, {}, ''],
      ['PUT', `/api/admin/services/VA${'0'.repeat(32)}`, { psd2Enabled: 'yes' }, '/psd2Enabled'],
      ['PUT', '/api/admin/services/not-a-sid', { codeLength: 6 }, '/serviceSid'],
    ];
    for (const [method, route, body, pointer] of cases) {
      const reply = await h.request(method, route, { body });
      assert.equal(reply.status, 400, `${method} ${route} ${JSON.stringify(body)}: ${reply.text}`);
      const details = (reply.json as { error: { details: Array<{ path: string }> } }).error.details;
      assert.ok(details.some((d) => d.path === pointer), `${JSON.stringify(body)} names ${pointer}: ${reply.text}`);
    }
  });

  it('answers 404 for a service the account does not have', async () => {
    for (const method of ['GET', 'DELETE']) {
      const reply = await h.request(method, `/api/admin/services/VA${'f'.repeat(32)}`);
      assert.equal(reply.status, 404, reply.text);
    }
  });
});
