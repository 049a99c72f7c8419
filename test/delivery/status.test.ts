import assert from 'node:assert/strict';
import { advanceStatus, deliveryOutcomeMessage, isFinalStatus, isMessageStatus, type MessageStatus } from '../../src/delivery/status';

describe('message delivery status', () => {
  const moves: [MessageStatus | undefined, MessageStatus, MessageStatus][] = [
    [undefined, 'queued', 'queued'],
    ['queued', 'sent', 'sent'],
    ['sent', 'delivered', 'delivered'],
    ['queued', 'delivered', 'delivered'],
    ['sent', 'queued', 'sent'],
    ['delivered', 'sent', 'delivered'],
    ['delivered', 'delivered', 'delivered'],
    ['undelivered', 'delivered', 'undelivered'],
    ['failed', 'undelivered', 'failed'],
    ['delivered', 'read', 'read'],
    ['read', 'delivered', 'read'],
    ['sending', 'failed', 'failed'],
    ['accepted', 'queued', 'queued'],
  ];
  for (const [current, incoming, expected] of moves) {
    it(`${current ?? '(none)'} + ${incoming} stays or becomes ${expected}`, () => {
      assert.equal(advanceStatus(current, incoming), expected);
    });
  }

  it('knows which statuses are final', () => {
    assert.deepEqual(
      (['queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed'] as const).map(isFinalStatus),
      [false, false, false, true, true, true],
    );
  });

  it('accepts only the statuses Twilio documents', () => {
    assert.equal(isMessageStatus('delivered'), true);
    assert.equal(isMessageStatus('Delivered'), false);
    assert.equal(isMessageStatus(3), false);
  });

  const outcomes: [MessageStatus, number | null, RegExp][] = [
    ['delivered', null, /^Your message to \+14155550123 was delivered\.$/],
    ['undelivered', 30003, /wasn't delivered: the recipient's phone is unreachable .* try again later\.$/],
    ['undelivered', 30005, /doesn't exist or is no longer in service/],
    ['undelivered', 30006, /landline .* use a mobile number/],
    ['undelivered', 30007, /filtered the message as spam/],
    ['failed', 21610, /couldn't be sent: the recipient has opted out .* reply START/],
    ['undelivered', 39999, /wasn't delivered \(Twilio error 39999\)\. Check the number and try again later\./],
  ];
  for (const [status, code, message] of outcomes) {
    it(`tells the sender why for ${status} ${code ?? ''}`, () => {
      assert.match(deliveryOutcomeMessage('+14155550123', status, code), message);
    });
  }
});
