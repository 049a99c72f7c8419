/**
 * Messages created with a StatusCallback: the emulator posts Twilio's signed status reports to it, on its clock,
 * and lists each report with the answer it got.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { rejectsWith, startHarness, type Harness } from '../support/emulator';

const FROM = '+15005550006';

describe('emulator: status callbacks', () => {
  let h: Harness;
  let receiver: Server;
  let url: string;
  const received: { params: Record<string, string>; signature: string }[] = [];

  beforeEach(async () => {
    h = await startHarness();
    received.length = 0;
    receiver = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        received.push({ params: Object.fromEntries(new URLSearchParams(body)), signature: String(req.headers['x-twilio-signature'] ?? '') });
        res.writeHead(204);
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/twilio/status`;
  });
  afterEach(async () => {
    await h.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  it('reports sent then delivered, each signed with the account Auth Token as the SDK validates it', async () => {
    const message = await h.client.messages.create({ to: '+14155550123', from: FROM, body: 'hi', statusCallback: url });
    h.emulator.clock.advance(3);
    await h.emulator.deliverStatusCallbacks();
    assert.deepEqual(received.map((r) => [r.params.MessageSid, r.params.MessageStatus]), [
      [message.sid, 'sent'],
      [message.sid, 'delivered'],
    ]);
    for (const r of received) assert.equal(twilio.validateRequest(h.emulator.authToken, r.signature, url, r.params), true);
    assert.deepEqual(h.emulator.statusCallbacks().map((c) => [c.status, c.answer]), [['sent', 204], ['delivered', 204]]);
  });

  it('ends a message to +15005550031 undelivered with 30005, in its callback and on fetch', async () => {
    const message = await h.client.messages.create({ to: '+15005550031', from: FROM, body: 'hi', statusCallback: url });
    h.emulator.clock.advance(3);
    await h.emulator.deliverStatusCallbacks();
    assert.deepEqual([received.at(-1)?.params.MessageStatus, received.at(-1)?.params.ErrorCode], ['undelivered', '30005']);
    const fetched = await h.client.messages(message.sid).fetch();
    assert.deepEqual([fetched.status, fetched.errorCode], ['undelivered', 30005]);
  });

  it('refuses a StatusCallback that is not an http(s) URL with 21609', async () => {
    await rejectsWith(h.client.messages.create({ to: '+14155550123', from: FROM, body: 'hi', statusCallback: 'ftp://example.com/x' }), 21609, 400);
  });
});
