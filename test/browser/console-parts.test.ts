/** The console's pure parts, without a browser: routes in the hash, the API's error format, a dialog's transitions. */
import assert from 'node:assert/strict';
import { toApiError } from '../../src/pages/console/api';
import { hrefOf, parseRoute } from '../../src/pages/console/shell/route';
import { edgesOf } from '../../src/pages/console/templates/dialog-graph';

describe('the admin console parts', () => {
  it('reads and writes its routes in the hash, and falls back to Actions', () => {
    assert.deepEqual(parseRoute('#/dialog/send-sms'), { page: 'dialog', id: 'send-sms' });
    assert.deepEqual(parseRoute('#/audit'), { page: 'audit' });
    assert.deepEqual(parseRoute(''), { page: 'actions' });
    assert.deepEqual(parseRoute('#main'), { page: 'actions' });
    assert.deepEqual(parseRoute('#/dialog'), { page: 'templates' });
    assert.equal(hrefOf({ page: 'dialog', id: 'a b' }), '#/dialog/a%20b');
  });

  it("turns the API's one error format into an ApiError with details and Twilio's verdict", () => {
    const err = toApiError(409, {
      error: {
        code: 'authorization_check_failed',
        message: 'The authorization check failed.',
        details: [{ path: '/authToken', message: 'is wrong' }],
        twilio: { code: 20003, message: 'Authenticate' },
      },
    });
    assert.equal(err.status, 409);
    assert.equal(err.code, 'authorization_check_failed');
    assert.deepEqual(err.details, [{ path: '/authToken', message: 'is wrong' }]);
    assert.deepEqual(err.twilio, { code: '20003', message: 'Authenticate' });
    const plain = toApiError(502, 'Bad gateway');
    assert.equal(plain.code, 'http_502');
    assert.match(plain.message, /HTTP 502/);
  });

  it("draws transitions from the dialog file when given, else from the rows' summaries", () => {
    const rows = [
      { id: 'intent', type: 'intent', summary: 'says: send sms -> receiver' },
      { id: 'receiver', type: 'entity', summary: 'receiver (phone): Which number?' },
    ];
    const view = { id: 'send-sms', name: 'Send SMS', state: 'installed' as const, version: '1.0.0', file: 'x', nodes: rows };
    assert.deepEqual(edgesOf(view), [{ from: 'intent', to: 'receiver' }]);
    const withFile = { ...view, dialog: { nodes: [{ id: 'send', next: 'sent', transitions: [{ if: 'error.code == 21211', then: 'badNumber' }, { to: 'failed' }] }] } };
    assert.deepEqual(edgesOf(withFile), [
      { from: 'send', to: 'sent' },
      { from: 'send', to: 'badNumber' },
      { from: 'send', to: 'failed' },
    ]);
  });
});
