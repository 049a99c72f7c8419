import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createEmulator, type TwilioEmulator } from '../../src/emulator';
import { createService, createTwilioClient } from '../../src/twilio';
import { captured, startWorld, tempDataDir, type AdminWorld } from '../support/world';
import { errorOf, WRONG_TOKEN } from '../support/http';

const API_KEY = { sid: `SK${'a1'.repeat(16)}`, secret: 'apikeysecret0123456789ABCDEFghij' };
const USER_TOKEN_WRONG = 'e'.repeat(32);

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full)));
    else out.push(full);
  }
  return out;
}

describe('admin API against the emulator', () => {
  let emulator: TwilioEmulator;
  let dataDir: string;
  let h: AdminWorld;
  /** A Verify Service that exists at the emulator: the action's test checks the configured one. */
  let VERIFY_SID: string;

  before(async () => {
    emulator = createEmulator({ apiKeys: [API_KEY] });
    const url = await emulator.listen(0, '127.0.0.1');
    const gateway = createTwilioClient({ kind: 'auth-token', accountSid: emulator.accountSid, authToken: emulator.authToken }, { baseUrl: url });
    VERIFY_SID = (await createService(gateway, { friendlyName: 'Admin API test' })).sid;
    dataDir = tempDataDir();
    h = await startWorld({ stack: 'admin', dataDir, emulator });
  });

  after(async () => {
    await h.close();
    await emulator.close();
  });

  it('shows an unconfigured action as available', async () => {
    const reply = await h.request('GET', '/api/admin/action');
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.json, { id: 'twilio-verify', state: 'available', authorization: null, config: {} });
  });

  it('accepts a wrong auth token, masks it, and the test fails with 20003', async () => {
    const put = await h.request('PUT', '/api/admin/action/authorization', {
      body: { type: 'pre-authorized', accountSid: emulator.accountSid, authToken: WRONG_TOKEN, baseUrl: h.emulatorUrl },
    });
    assert.equal(put.status, 200, put.text);
    const view = put.json as { state: string; authorization: { authToken: string; method: string } };
    assert.equal(view.state, 'available');
    assert.equal(view.authorization.method, 'auth-token');
    assert.equal(view.authorization.authToken, '…ffff');

    const test = await h.request('POST', '/api/admin/action/test');
    assert.equal(test.status, 200);
    const result = test.json as { ok: boolean; code: number; message: string };
    assert.equal(result.ok, false);
    assert.equal(result.code, 20003);
    assert.match(result.message, /authenticat/i);
  });

  it('refuses to enable with 409 and Twilio\'s reason while the test fails', async () => {
    const reply = await h.request('POST', '/api/admin/action/enable');
    assert.equal(reply.status, 409);
    const error = errorOf(reply) as { code: string; twilio?: { code: number } };
    assert.equal(error.code, 'authorization_check_failed');
    assert.equal(error.twilio?.code, 20003);
    assert.equal(((await h.request('GET', '/api/admin/action')).json as { state: string }).state, 'available');
  });

  it('passes the test with the right token', async () => {
    const put = await h.request('PUT', '/api/admin/action/authorization', {
      body: { type: 'pre-authorized', accountSid: emulator.accountSid, authToken: emulator.authToken, baseUrl: `${h.emulatorUrl}/` },
    });
    assert.equal(put.status, 200, put.text);
    const test = await h.request('POST', '/api/admin/action/test', { body: {} });
    assert.deepEqual(test.json, {
      ok: true,
      checked: `Twilio accepted the credentials of account ${emulator.accountSid}; no Verify Service is configured yet`,
    });
  });

  it('stores the configuration beside the credentials', async () => {
    const config = {
      verifyServiceSid: VERIFY_SID,
      sender: '+14155550100',
      messageTemplates: { register: 'Your sign-up code is {{code}}', signIn: 'Sign in with {{code}}', test: 'Test {{code}}' },
    };
    const reply = await h.request('PUT', '/api/admin/action/config', { body: config });
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual((reply.json as { config: unknown }).config, config);
  });

  it('enables the action: "Integration successful" and the next step', async () => {
    const reply = await h.request('POST', '/api/admin/action/enable');
    assert.equal(reply.status, 200, reply.text);
    const body = reply.json as { state: string; message: string; next: { cli: string; api: string } };
    assert.equal(body.state, 'configured');
    assert.equal(body.message, 'Integration successful');
    assert.equal(body.next.cli, 'tva templates list');
    assert.equal(body.next.api, 'GET /api/admin/templates');
  });

  it('is still configured after a restart on the same data directory', async () => {
    await h.stop();
    h = await startWorld({ stack: 'admin', dataDir, emulator });
    const reply = await h.request('GET', '/api/admin/action');
    const view = reply.json as { state: string; authorization: { authToken: string; baseUrl: string }; config: { sender: string } };
    assert.equal(view.state, 'configured');
    assert.equal(view.authorization.authToken, `…${emulator.authToken.slice(-4)}`);
    assert.equal(view.authorization.baseUrl, h.emulatorUrl);
    assert.equal(view.config.sender, '+14155550100');
    const resolved = await h.action.resolveCredentials({ channelId: 'emulator', userId: 'u1' });
    assert.equal(resolved.kind, 'ready');
    assert.ok(resolved.kind === 'ready' && resolved.credentials.kind === 'auth-token');
    assert.equal(resolved.kind === 'ready' && resolved.credentials.authToken, emulator.authToken);
  });

  it('disables keeping the configuration, and the runtime sees it disabled', async () => {
    const reply = await h.request('POST', '/api/admin/action/disable');
    assert.equal(reply.status, 200);
    const view = reply.json as { state: string; config: { verifyServiceSid: string } };
    assert.equal(view.state, 'disabled');
    assert.equal(view.config.verifyServiceSid, VERIFY_SID);
    assert.deepEqual(await h.action.resolveCredentials({ channelId: 'emulator', userId: 'u1' }), { kind: 'disabled' });
    assert.equal((await h.request('POST', '/api/admin/action/enable')).status, 200);
  });

  it('goes into the error state when Twilio rejects the credentials at runtime, cleared by a passing test', async () => {
    assert.deepEqual(await h.action.reportRuntimeAuthFailure({ code: 20003, message: 'Authenticate' }), { scope: 'action' });
    const view = (await h.request('GET', '/api/admin/action')).json as { state: string; error: { code: number; at: string } };
    assert.equal(view.state, 'error');
    assert.equal(view.error.code, 20003);
    assert.ok(view.error.at);
    const resolved = await h.action.resolveCredentials({ channelId: 'emulator', userId: 'u1' });
    assert.equal(resolved.kind, 'error');
    assert.equal(((await h.request('POST', '/api/admin/action/test')).json as { ok: boolean }).ok, true);
    assert.equal(((await h.request('GET', '/api/admin/action')).json as { state: string }).state, 'configured');
  });

  it('re-authorizes with an API key while configured, after checking it', async () => {
    const refused = await h.request('PUT', '/api/admin/action/authorization', {
      body: { type: 'pre-authorized', accountSid: emulator.accountSid, apiKeySid: API_KEY.sid, apiKeySecret: 'x'.repeat(32), baseUrl: h.emulatorUrl },
    });
    assert.equal(refused.status, 409);
    assert.equal(errorOf(refused).code, 'authorization_check_failed');
    const reply = await h.request('PUT', '/api/admin/action/authorization', {
      body: { type: 'pre-authorized', accountSid: emulator.accountSid, apiKeySid: API_KEY.sid, apiKeySecret: API_KEY.secret, baseUrl: h.emulatorUrl },
    });
    assert.equal(reply.status, 200, reply.text);
    const view = reply.json as { state: string; authorization: { method: string; apiKeySecret: string; apiKeySid: string } };
    assert.equal(view.state, 'configured');
    assert.equal(view.authorization.method, 'api-key');
    assert.equal(view.authorization.apiKeySid, API_KEY.sid);
    assert.equal(view.authorization.apiKeySecret, `…${API_KEY.secret.slice(-4)}`);
    assert.deepEqual((await h.request('POST', '/api/admin/action/test')).json, {
      ok: true,
      checked: `Twilio accepted the credentials of account ${emulator.accountSid}, and the Verify Service ${VERIFY_SID} exists`,
    });
  });

  it('creates, lists, reads, updates and tests auth profiles', async () => {
    const created = await h.request('POST', '/api/admin/profiles', {
      body: {
        name: 'team-twilio',
        description: 'Each user brings their own Twilio account',
        tenancy: false,
        baseUrl: h.emulatorUrl,
        authorizationCheckUrl: `${h.emulatorUrl}/2010-04-01/Accounts/{{accountSid}}.json`,
      },
    });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual((created.json as { fields: string[] }).fields, ['accountSid', 'authToken']);

    const list = await h.request('GET', '/api/admin/profiles');
    assert.deepEqual((list.json as { profiles: Array<{ name: string }> }).profiles.map((p) => p.name), ['team-twilio']);
    const one = await h.request('GET', '/api/admin/profiles/team-twilio');
    assert.equal((one.json as { description: string }).description, 'Each user brings their own Twilio account');

    const updated = await h.request('PUT', '/api/admin/profiles/team-twilio', {
      body: {
        description: 'Per-tenant accounts',
        tenancy: true,
        baseUrl: h.emulatorUrl,
        authorizationCheckUrl: `${h.emulatorUrl}/2010-04-01/Accounts/{{accountSid}}.json?tenant={tenant}`,
      },
    });
    assert.equal(updated.status, 200, updated.text);
    assert.deepEqual((updated.json as { fields: string[] }).fields, ['accountSid', 'authToken', 'tenant']);

    const pass = await h.request('POST', '/api/admin/profiles/team-twilio/test', {
      body: { accountSid: emulator.accountSid, authToken: emulator.authToken, tenant: 'acme' },
    });
    assert.deepEqual(pass.json, { ok: true });
    const fail = await h.request('POST', '/api/admin/profiles/team-twilio/test', {
      body: { accountSid: emulator.accountSid, authToken: USER_TOKEN_WRONG, tenant: 'acme' },
    });
    assert.equal((fail.json as { code: number }).code, 20003);
    const noTenant = await h.request('POST', '/api/admin/profiles/team-twilio/test', {
      body: { accountSid: emulator.accountSid, authToken: emulator.authToken },
    });
    assert.equal(noTenant.status, 422);
    assert.equal(errorOf(noTenant).details[0]?.path, '/tenant');
  });

  it('fails the test naming a configured Verify Service the account does not have', async () => {
    const missing = `VA${'9'.repeat(32)}`;
    await h.request('PUT', '/api/admin/action/authorization', {
      body: { type: 'pre-authorized', accountSid: emulator.accountSid, authToken: emulator.authToken, baseUrl: h.emulatorUrl },
    });
    await h.request('PUT', '/api/admin/action/config', { body: { verifyServiceSid: missing } });
    const failed = (await h.request('POST', '/api/admin/action/test')).json as { ok: boolean; code: number; message: string };
    assert.deepEqual([failed.ok, failed.code], [false, 20404]);
    assert.match(failed.message, new RegExp(`The configured Verify Service ${missing} does not exist in this account`));
    await h.request('PUT', '/api/admin/action/config', { body: { verifyServiceSid: VERIFY_SID } });
  });

  it('lets users authorize with a profile, each for themselves only', async () => {
    const put = await h.request('PUT', '/api/admin/action/authorization', { body: { type: 'user-authorized', profile: 'team-twilio' } });
    assert.equal(put.status, 200, put.text);
    const view = put.json as { state: string; authorization: { type: string; profile: string; usersAuthorized: number } };
    assert.deepEqual(view.authorization, { type: 'user-authorized', profile: 'team-twilio', usersAuthorized: 0 });
    // With no user yet, the test says what it could check instead of a bare "passed".
    const tested = (await h.request('POST', '/api/admin/action/test')).json as { ok: boolean; checked: string };
    assert.equal(tested.ok, true);
    assert.match(tested.checked, /the auth profile "team-twilio" exists; each user's own credentials are checked against it when they authorize \(no user has yet\)/);

    const before = await h.action.resolveCredentials({ channelId: 'msteams', userId: '29:alice' });
    assert.equal(before.kind, 'needs-user-authorization');

    const refused = await h.action.storeUserCredentials('msteams', '29:alice', {
      accountSid: emulator.accountSid,
      authToken: USER_TOKEN_WRONG,
      tenant: 'acme',
    });
    assert.equal(refused.ok, false);
    assert.equal((await h.action.resolveCredentials({ channelId: 'msteams', userId: '29:alice' })).kind, 'needs-user-authorization');

    const stored = await h.action.storeUserCredentials('msteams', '29:alice', {
      accountSid: emulator.accountSid,
      authToken: emulator.authToken,
      tenant: 'acme',
    });
    assert.deepEqual(stored, { ok: true });
    const alice = await h.action.resolveCredentials({ channelId: 'msteams', userId: '29:alice' });
    assert.equal(alice.kind, 'ready');
    assert.equal(alice.kind === 'ready' ? alice.baseUrl : undefined, h.emulatorUrl);
    assert.equal((await h.action.resolveCredentials({ channelId: 'msteams', userId: '29:bob' })).kind, 'needs-user-authorization');

    const masked = await h.request('GET', '/api/admin/users/msteams/29:alice/credentials');
    assert.equal(masked.status, 200, masked.text);
    const creds = masked.json as { authToken: string; accountSid: string; tenant: string };
    assert.equal(creds.authToken, `…${emulator.authToken.slice(-4)}`);
    assert.equal(creds.tenant, 'acme');
  });

  it('refuses to delete a profile the action uses', async () => {
    const reply = await h.request('DELETE', '/api/admin/profiles/team-twilio');
    assert.equal(reply.status, 409);
    assert.equal(errorOf(reply).code, 'profile_in_use');
  });

  it('revokes a user\'s credentials', async () => {
    const reply = await h.request('DELETE', '/api/admin/users/msteams/29:alice/credentials');
    assert.equal(reply.status, 200);
    const again = await h.request('GET', '/api/admin/users/msteams/29:alice/credentials');
    assert.equal(again.status, 404);
    assert.equal(errorOf(again).code, 'credentials_not_found');
  });

  it('removes a user\'s credentials when Twilio rejects them at runtime', async () => {
    await h.action.storeUserCredentials('msteams', '29:alice', {
      accountSid: emulator.accountSid,
      authToken: emulator.authToken,
      tenant: 'acme',
    });
    assert.deepEqual(
      await h.action.reportRuntimeAuthFailure({ code: 20003, channelId: 'msteams', userId: '29:alice' }),
      { scope: 'user' },
    );
    assert.equal((await h.action.resolveCredentials({ channelId: 'msteams', userId: '29:alice' })).kind, 'needs-user-authorization');
    assert.equal(((await h.request('GET', '/api/admin/action')).json as { state: string }).state, 'configured');
  });

  it('pages through the audit log of every change', async () => {
    const first = await h.request('GET', '/api/admin/audit?limit=3');
    assert.equal(first.status, 200, first.text);
    const page = first.json as { entries: Array<{ action: string; actor: string }>; nextCursor: string };
    assert.equal(page.entries.length, 3);
    assert.ok(page.nextCursor);
    const second = await h.request('GET', `/api/admin/audit?limit=200&cursor=${encodeURIComponent(page.nextCursor)}`);
    const all = [...page.entries, ...(second.json as { entries: Array<{ action: string; actor: string }> }).entries];
    const actions = new Set(all.map((e) => e.action));
    for (const expected of ['action.authorize', 'action.reauthorize', 'action.test', 'action.enable', 'action.disable', 'action.error', 'profile.create', 'credentials.store', 'credentials.revoke']) {
      assert.ok(actions.has(expected), `audit has ${expected}`);
    }
    assert.ok(all.some((e) => e.actor === 'admin-token'));
  });

  it('deletes the action only with confirmation, erasing every credential', async () => {
    await h.action.storeUserCredentials('msteams', '29:carol', {
      accountSid: emulator.accountSid,
      authToken: emulator.authToken,
      tenant: 'acme',
    });
    const refused = await h.request('DELETE', '/api/admin/action');
    assert.equal(refused.status, 422);
    assert.equal(errorOf(refused).code, 'confirmation_required');

    const reply = await h.request('DELETE', '/api/admin/action', { body: { confirm: 'twilio-verify' } });
    assert.equal(reply.status, 200, reply.text);
    assert.equal((reply.json as { erased: { userCredentials: number } }).erased.userCredentials, 1);
    const view = (await h.request('GET', '/api/admin/action')).json as { state: string; authorization: unknown };
    assert.equal(view.state, 'available');
    assert.equal(view.authorization, null);
    assert.deepEqual(await h.store.list('credentials'), []);
    assert.equal((await h.request('DELETE', '/api/admin/profiles/team-twilio')).status, 200);
  });

  it('leaves no raw secret in the data files, the logs or any response', async () => {
    await h.stop();
    const secrets = [emulator.authToken, WRONG_TOKEN, API_KEY.secret, USER_TOKEN_WRONG, 'x'.repeat(32)];
    const haystacks: Array<[string, string]> = [];
    for (const file of await filesUnder(dataDir)) {
      if (path.basename(file) === 'secrets.key' || path.basename(file) === 'admin-token') continue;
      haystacks.push([file, (await fs.readFile(file)).toString('latin1')]);
    }
    assert.ok(haystacks.some(([f]) => f.endsWith('.sqlite')), 'the SQLite file was scanned');
    haystacks.push(['logs', captured.logs.join('\n')], ['responses', captured.bodies.join('\n')]);
    assert.ok(captured.logs.length > 0 && captured.bodies.length > 0);
    for (const [where, text] of haystacks) {
      for (const secret of secrets) assert.ok(!text.includes(secret), `a raw secret (…${secret.slice(-4)}) appears in ${where}`);
    }
    h = await startWorld({ stack: 'admin', dataDir, emulator });
  });
});
