import assert from 'node:assert/strict';
import { toActionRecord, toAuthProfile, toUserCredentials } from '../../src/auth/records';

describe('stored records are read through their schemas', () => {
  const action = {
    status: 'enabled',
    authorization: { type: 'pre-authorized', method: 'auth-token', accountSid: `AC${'a'.repeat(32)}`, authToken: 'sealed:v1:…' },
    config: { sender: '+15005550006' },
    lastTest: { ok: false, code: 20003, message: 'Authenticate', at: '2026-01-01T00:00:00.000Z' },
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
  const profile = { name: 'acme', tenancy: false, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' };
  const credentials = {
    channelId: 'msteams',
    userId: 'u1',
    profile: 'acme',
    accountSid: `AC${'b'.repeat(32)}`,
    authToken: 'sealed:v1:…',
    createdAt: '2026-01-01T00:00:00.000Z',
  };

  it('returns a document that passes', () => {
    assert.deepEqual(toActionRecord(action), action);
    assert.deepEqual(toAuthProfile(profile), profile);
    assert.deepEqual(toUserCredentials(credentials), credentials);
  });

  const broken: Array<[string, () => unknown]> = [
    ['an action with an unknown status', () => toActionRecord({ ...action, status: 'on' })],
    ['an action whose authorization lacks its secret', () => toActionRecord({ ...action, authorization: { type: 'pre-authorized', method: 'auth-token', accountSid: 'AC1' } })],
    ['an action whose configuration breaks the configuration schema', () => toActionRecord({ ...action, config: { sender: 'me' } })],
    ['an action whose last test has no time', () => toActionRecord({ ...action, lastTest: { ok: true } })],
    ['a profile whose tenancy is a string', () => toAuthProfile({ ...profile, tenancy: 'no' })],
    ['a profile with a field no version writes', () => toAuthProfile({ ...profile, password: 'x' })],
    ['credentials without a creation time', () => toUserCredentials({ ...credentials, createdAt: undefined })],
    ['not an object', () => toUserCredentials(['msteams', 'u1'])],
  ];
  for (const [title, read] of broken) it(`reads ${title} as absent`, () => assert.equal(read(), undefined));
});
