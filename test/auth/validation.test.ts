import assert from 'node:assert/strict';
import { ActionError } from '../../src/auth';
import { parseAuditQuery, parseBotId, parseUserCredentials } from '../../src/auth/validation';

function refusal(run: () => unknown): ActionError {
  try {
    run();
  } catch (err) {
    if (err instanceof ActionError) return err;
    throw err;
  }
  assert.fail('expected an ActionError');
}

describe('admin input validation messages', () => {
  it('says the credentials "are" invalid, in plain English', () => {
    const err = refusal(() => parseUserCredentials({}));
    assert.equal(err.message, 'The credentials are invalid.');
  });

  it('names a bad user id or channel id from a path as a person reads it, not as a JSON pointer', () => {
    assert.equal(refusal(() => parseBotId('ü', '/params/userId')).message, 'The user id is invalid.');
    assert.equal(refusal(() => parseBotId('../x', '/params/channelId')).message, 'The channel id is invalid.');
    assert.equal(refusal(() => parseBotId('', '/userId')).details[0]?.path, '/userId');
  });

  it('explains a bad audit limit as a range instead of showing the regular expression', () => {
    const err = refusal(() => parseAuditQuery({ limit: '0' }));
    assert.deepEqual(err.details, [{ path: '/limit', message: 'must be a whole number from 1 to 200' }]);
  });
});
