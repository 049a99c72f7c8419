import assert from 'node:assert/strict';
import { gatewayAvailability, MESSAGES } from '../../src/dialogs';

describe('gatewayAvailability', () => {
  const cases: Array<[string, Parameters<typeof gatewayAvailability>[0], ReturnType<typeof gatewayAvailability>]> = [
    ['disabled', { kind: 'disabled' }, { kind: 'unavailable', reason: 'disabled', userMessage: MESSAGES.disabled }],
    ['not configured', { kind: 'not-configured' }, { kind: 'unavailable', reason: 'not-configured', userMessage: MESSAGES.notConfigured }],
    ['rejected (20003)', { kind: 'error', code: 20003 }, { kind: 'unavailable', reason: 'error', userMessage: MESSAGES.notAuthorized, code: 20003 }],
    ['unreachable', { kind: 'error', code: 'timeout' }, { kind: 'unavailable', reason: 'error', userMessage: MESSAGES.unavailable, code: 'timeout' }],
    ['user-authorized', { kind: 'needs-user-authorization', profile: 'p' }, { kind: 'needs-user-authorization', profile: 'p' }],
  ];
  for (const [title, resolution, expected] of cases) {
    it(`maps ${title}`, () => assert.deepEqual(gatewayAvailability(resolution), expected));
  }
});
