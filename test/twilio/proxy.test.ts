/**
 * HTTP_PROXY: twilio-node sends its https requests through the proxy it names (an https-proxy-agent made when the
 * client is built); the gateway's own HTTP exchange must keep doing so. The proxy here is a server on loopback that
 * records the CONNECT it receives and refuses it.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { createTwilioClient, fetchService, TwilioActionError } from '../../src/twilio';
import { ACCOUNT_SID, AUTH_TOKEN } from '../support/conversation';
import { listenOnLoopback, withRealSockets } from './helpers';

describe('requests to Twilio through the proxy HTTP_PROXY names', () => {
  let proxy: net.Server;
  let proxyUrl: string;
  const received: string[] = [];
  const saved = process.env.HTTP_PROXY;
  /** An https address nothing listens on: reachable only through the proxy's refusal. */
  const baseUrl = 'https://127.0.0.1:9';

  withRealSockets();
  beforeEach(async () => {
    received.length = 0;
    proxy = net.createServer((socket) => {
      socket.once('data', (chunk: Buffer) => {
        received.push(chunk.toString('latin1').split('\r\n')[0] ?? '');
        socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
      });
      socket.on('error', () => undefined);
    });
    proxyUrl = await listenOnLoopback(proxy);
  });
  afterEach(async () => {
    if (saved === undefined) delete process.env.HTTP_PROXY;
    else process.env.HTTP_PROXY = saved;
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
  });

  for (const keepAlive of [false, true]) {
    it(`asks the proxy to connect to Twilio's host instead of connecting itself (keepAlive ${keepAlive})`, async () => {
      process.env.HTTP_PROXY = proxyUrl;
      const gateway = createTwilioClient({ kind: 'auth-token', accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN }, { baseUrl, keepAlive, timeoutMs: 2_000 });
      await assert.rejects(fetchService(gateway, { serviceSid: 'VA0123456789abcdef0123456789abcdef' }), (err: unknown) => err instanceof TwilioActionError);
      assert.deepEqual(received, ['CONNECT 127.0.0.1:9 HTTP/1.1']);
    });
  }
});
