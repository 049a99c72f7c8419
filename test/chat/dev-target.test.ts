import assert from 'node:assert/strict';
import type { AuthorizationView } from '../../src/auth';
import { devTwilioTarget } from '../../src/startup/dev-target';

const EMULATOR = { url: 'http://127.0.0.1:4010' };

function actionWith(authorization: AuthorizationView | null) {
  return { status: async () => ({ authorization }) };
}

describe('where the action really sends (GET /api/dev/info)', () => {
  const preAuthorized = (baseUrl?: string): AuthorizationView => ({
    type: 'pre-authorized',
    method: 'auth-token',
    accountSid: `AC${'0'.repeat(32)}`,
    authToken: '••••',
    ...(baseUrl ? { baseUrl } : {}),
  });

  it('names the embedded emulator, another address, real Twilio, per user and nothing', async () => {
    assert.deepEqual(await devTwilioTarget(actionWith(preAuthorized('http://127.0.0.1:4010/')), EMULATOR), { kind: 'embedded' });
    assert.deepEqual(await devTwilioTarget(actionWith(preAuthorized('http://127.0.0.1:9999')), EMULATOR), {
      kind: 'elsewhere',
      url: 'http://127.0.0.1:9999',
    });
    assert.deepEqual(await devTwilioTarget(actionWith(preAuthorized()), EMULATOR), { kind: 'elsewhere', url: 'https://api.twilio.com' });
    assert.deepEqual(await devTwilioTarget(actionWith({ type: 'user-authorized', profile: 'p', usersAuthorized: 0 }), EMULATOR), { kind: 'per-user' });
    assert.deepEqual(await devTwilioTarget(actionWith(null), EMULATOR), { kind: 'none' });
  });
});
