/**
 * Kept-alive connections to Twilio (GatewayOptions.keepAlive), against the emulator behind a TCP relay that counts
 * the connections and requests reaching it and can cut a connection the way a server closing an idle one does.
 * nock's interception (test/setup.ts) gives every request a connection of its own, so it is off in this file
 * (everything here is on loopback).
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { createEmulator, ManualClock, type TwilioEmulator } from '../../src/emulator';
import { createTwilioClient, fetchService, sendSms, TwilioActionError, type TwilioGateway } from '../../src/twilio';
import { MAX_REPLY_BYTES } from '../../src/twilio/transport';
import { ACCOUNT_SID, AUTH_TOKEN } from '../support/conversation';
import { listenOnLoopback, withRealSockets } from './helpers';

const REQUEST_LINE = /(?:^|\r\n)(GET|POST|DELETE) \S+ HTTP\/1\.1\r\n/g;

/** A relay on loopback: every connection to it is one to the emulator. */
class Relay {
  /** Connections accepted so far. */
  connections = 0;
  /** Request lines seen, in order, e.g. "POST" (a request cut by `cutNextReused` counts: the server got it). */
  readonly requests: string[] = [];
  /** What the clients wrote, as it arrived. */
  readonly written: string[] = [];
  private readonly sockets = new Set<net.Socket>();
  private readonly idle = new Set<net.Socket>();
  private cutArmed = false;
  private readonly server = net.createServer((client) => this.accept(client));

  constructor(private readonly target: number) {}

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    assert.ok(address !== null && typeof address === 'object');
    return `http://127.0.0.1:${address.port}`;
  }

  /** The next request that arrives on a connection already used once is read, then its connection is reset. */
  cutNextReused(): void {
    this.cutArmed = true;
  }

  /** Closes every idle connection, as a server's idle timeout does; resolves once the client closed its side too. */
  async closeIdle(): Promise<void> {
    const closing = [...this.idle].map((socket) => new Promise<void>((resolve) => socket.once('close', () => resolve())));
    for (const socket of this.idle) socket.end();
    await Promise.all(closing);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    this.connections += 1;
    this.sockets.add(client);
    let served = 0;
    const upstream = net.connect(this.target, '127.0.0.1');
    client.on('data', (chunk: Buffer) => {
      this.written.push(chunk.toString('latin1'));
      const methods = [...chunk.toString('latin1').matchAll(REQUEST_LINE)].map((m) => m[1] ?? '');
      this.requests.push(...methods);
      if (methods.length > 0) this.idle.delete(client);
      if (methods.length > 0 && served > 0 && this.cutArmed) {
        this.cutArmed = false;
        client.resetAndDestroy();
        upstream.destroy();
        return;
      }
      served += methods.length;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      client.write(chunk);
      // Good enough for the emulator's small JSON replies: a chunk that ends the body leaves the connection idle.
      this.idle.add(client);
    });
    client.on('close', () => {
      this.sockets.delete(client);
      this.idle.delete(client);
      upstream.destroy();
    });
    upstream.on('close', () => client.destroy());
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  }
}

describe('kept-alive connections to Twilio', () => {
  let emulator: TwilioEmulator;
  let relay: Relay;
  let gateway: TwilioGateway;
  let serviceSid: string;
  const to = '+14155550123';
  const from = '+15005550006';

  withRealSockets();
  beforeEach(async () => {
    emulator = createEmulator({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, clock: new ManualClock(new Date('2026-03-01T09:00:00Z')) });
    const url = await emulator.listen(0, '127.0.0.1');
    relay = new Relay(Number(new URL(url).port));
    gateway = createTwilioClient({ kind: 'auth-token', accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN }, { baseUrl: await relay.listen(), keepAlive: true });
    const service = await gateway.client.verify.v2.services.create({ friendlyName: 'Acme' });
    serviceSid = service.sid;
  });
  afterEach(async () => {
    await relay.close();
    await emulator.close();
  });

  const sent = (body: string) => emulator.outbox().filter((m) => m.body === body);

  it('sends one request after another over one connection', async () => {
    await sendSms(gateway, { to, from, body: 'one' });
    await sendSms(gateway, { to, from, body: 'two' });
    await fetchService(gateway, { serviceSid });
    assert.equal(relay.connections, 1);
    assert.deepEqual(relay.requests, ['POST', 'POST', 'POST', 'GET']);
  });

  it('opens a new connection, and sends the POST once, after the server closed the idle one', async () => {
    await sendSms(gateway, { to, from, body: 'before' });
    await relay.closeIdle();
    await sendSms(gateway, { to, from, body: 'after' });
    assert.equal(relay.connections, 2);
    assert.deepEqual(relay.requests, ['POST', 'POST', 'POST']);
    assert.equal(sent('after').length, 1);
  });

  it('does not resend a POST whose reused connection was reset under it: the outcome is left to the caller', async () => {
    await sendSms(gateway, { to, from, body: 'first' });
    relay.cutNextReused();
    await assert.rejects(sendSms(gateway, { to, from, body: 'cut' }), (err: unknown) => err instanceof TwilioActionError && err.code === 'network_error');
    assert.deepEqual(relay.requests, ['POST', 'POST', 'POST']);
    assert.equal(relay.connections, 1);
  });

  it('sends a GET once more, on a new connection, when its reused connection was reset under it', async () => {
    await sendSms(gateway, { to, from, body: 'first' });
    relay.cutNextReused();
    const service = await fetchService(gateway, { serviceSid });
    assert.equal(service.sid, serviceSid);
    assert.deepEqual(relay.requests, ['POST', 'POST', 'GET', 'GET']);
    assert.equal(relay.connections, 2);
  });

  it('reuses the connections of a burst of fifty requests for the next burst instead of opening new ones', async () => {
    const burst = (label: string) => Promise.all(Array.from({ length: 50 }, (_, i) => sendSms(gateway, { to, from, body: `${label} ${i}` })));
    await burst('first');
    const opened = relay.connections;
    await burst('second');
    assert.ok(opened > 20, `the first burst ran on ${opened} connections`);
    assert.equal(relay.connections, opened);
  });

  it("writes the request as twilio-node does: its User-Agent, Basic authentication and the form body", async () => {
    relay.written.length = 0;
    await sendSms(gateway, { to, from, body: 'hello world & more' });
    const request = relay.written.join('');
    assert.match(request, /^POST \/2010-04-01\/Accounts\/AC\w+\/Messages\.json HTTP\/1\.1\r\n/);
    assert.match(request, /\r\nUser-Agent: twilio-node\/\S+ \(\w+ \w+\) node\/v\d+/);
    assert.ok(request.includes(`\r\nAuthorization: Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}\r\n`));
    assert.match(request, /\r\nContent-Type: application\/x-www-form-urlencoded\r\n/);
    const body = new URLSearchParams(request.slice(request.indexOf('\r\n\r\n') + 4));
    assert.deepEqual(Object.fromEntries(body), { To: to, From: from, Body: 'hello world & more' });
    assert.equal(sent('hello world & more').length, 1);
  });
});

describe('the time limit of a request to Twilio', () => {
  let server: net.Server;
  let baseUrl: string;

  withRealSockets();
  beforeEach(async () => {
    // Answers the status line and headers at once, then never finishes the body.
    server = net.createServer((socket) => {
      socket.once('data', () => socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"sid":'));
      socket.on('error', () => undefined);
    });
    baseUrl = await listenOnLoopback(server);
  });
  afterEach(async () => {
    server.close();
    server.unref();
  });

  it('bounds the whole exchange, body included: a reply that stalls mid-body is a timeout', async () => {
    const gateway = createTwilioClient({ kind: 'auth-token', accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN }, { baseUrl, keepAlive: true, timeoutMs: 50 });
    await assert.rejects(
      fetchService(gateway, { serviceSid: 'VA0123456789abcdef0123456789abcdef' }),
      (err: unknown) => err instanceof TwilioActionError && err.code === 'timeout' && !JSON.stringify(err).includes(AUTH_TOKEN),
    );
  });
});

describe('the size limit of a reply from Twilio', () => {
  let server: net.Server;
  let baseUrl: string;

  withRealSockets();
  beforeEach(async () => {
    // A 200 whose body never ends before it is over the limit: a proxy or server gone wrong.
    server = net.createServer((socket) => {
      socket.once('data', () => {
        socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
        const chunk = Buffer.alloc(1024 * 1024, 'x');
        for (let i = 0; i <= MAX_REPLY_BYTES / chunk.length; i += 1) socket.write(`${chunk.length.toString(16)}\r\n${chunk.toString('latin1')}\r\n`);
      });
      socket.on('error', () => undefined);
    });
    baseUrl = await listenOnLoopback(server);
  });
  afterEach(() => {
    server.close();
    server.unref();
  });

  it('refuses a reply larger than the limit as malformed instead of holding it in memory', async () => {
    const gateway = createTwilioClient({ kind: 'auth-token', accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN }, { baseUrl, keepAlive: true });
    await assert.rejects(
      fetchService(gateway, { serviceSid: 'VA0123456789abcdef0123456789abcdef' }),
      (err: unknown) => err instanceof TwilioActionError && err.code === 'malformed_response' && /larger than 16 MiB/.test(err.message),
    );
  });
});

