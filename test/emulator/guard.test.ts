/**
 * The emulator listens on loopback, but a web page in the developer's browser can still reach it: by DNS rebinding
 * (a foreign `Host`) or by a simple cross-origin POST. Raw `http.request` is used because `fetch` forbids setting
 * `Host`, `Origin` and `Sec-Fetch-Site`.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { isLoopbackHostHeader, isLoopbackOrigin } from '../../src/emulator/guard';
import { startHarness, type Harness } from '../support/emulator';

interface RawAnswer {
  status: number;
  body: string;
}

function send(baseUrl: string, method: string, path: string, headers: Record<string, string>, body = ''): Promise<RawAnswer> {
  const url = new URL(path, baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      { hostname: url.hostname, port: url.port, path: url.pathname, method, headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const errorOf = (answer: RawAnswer): string => (JSON.parse(answer.body) as { error: string }).error;

describe('emulator guard: loopback names and origins', () => {
  for (const [host, ok] of [
    ['127.0.0.1', true],
    ['127.0.0.1:3979', true],
    ['localhost', true],
    ['LOCALHOST:3979', true],
    ['[::1]', true],
    ['[::1]:3979', true],
    ['127.1.2.3:80', true],
    ['attacker.example', false],
    ['attacker.example:3979', false],
    ['127.0.0.1.nip.io:3979', false],
    ['localhost.attacker.example', false],
    ['::1', false],
    ['[::2]:3979', false],
    ['0.0.0.0:3979', false],
    ['', false],
  ] as const) {
    it(`Host "${host}" is ${ok ? '' : 'not '}loopback`, () => assert.equal(isLoopbackHostHeader(host), ok));
  }

  for (const [origin, ok] of [
    ['http://127.0.0.1:3978', true],
    ['http://localhost:3978', true],
    ['http://[::1]:3978', true],
    ['https://localhost', true],
    ['null', false],
    ['https://attacker.example', false],
    ['http://127.0.0.1.attacker.example', false],
    ['file://', false],
  ] as const) {
    it(`Origin "${origin}" is ${ok ? '' : 'not '}loopback`, () => assert.equal(isLoopbackOrigin(origin), ok));
  }
});

describe('emulator guard: requests', () => {
  let h: Harness;
  const clockBody = JSON.stringify({ advanceSeconds: 60 });
  const json = { 'Content-Type': 'application/json' };
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
    assert.deepEqual(h.problems, []);
  });
  const unchanged = () => assert.equal(h.clock.now().toISOString(), '2026-11-22T02:05:36.000Z');

  it('refuses a developer endpoint addressed to a foreign Host (DNS rebinding) with 403 and a sentence', async () => {
    const answer = await send(h.url, 'GET', '/emulator/messages', { Host: 'attacker.example:3979' });
    assert.equal(answer.status, 403);
    assert.match(errorOf(answer), /loopback host .*attacker\.example:3979/);
  });

  it('refuses a Twilio path addressed to a foreign Host with a Twilio error', async () => {
    const answer = await send(h.url, 'GET', '/v2/Services', { Host: 'rebind.attacker.example' });
    assert.equal(answer.status, 403);
    const body = JSON.parse(answer.body) as { code: number; message: string };
    assert.equal(body.code, 20403);
    assert.match(body.message, /loopback/);
  });

  it('escapes control characters of a Host it quotes', async () => {
    const answer = await send(h.url, 'GET', '/emulator', { Host: 'a\tb' });
    assert.equal(answer.status, 403);
    assert.match(errorOf(answer), /a\\u0009b/);
  });

  for (const host of ['localhost', '[::1]:1234', '127.0.0.1']) {
    it(`answers the developer endpoints for Host ${host}`, async () => {
      const answer = await send(h.url, 'GET', '/emulator/clock', { Host: host });
      assert.equal(answer.status, 200);
    });
  }

  it('keeps serving the official SDK (Host 127.0.0.1:port)', async () => {
    const service = await h.client.verify.v2.services.create({ friendlyName: 'Guarded' });
    assert.match(service.sid, /^VA/);
  });

  for (const [name, headers, status] of [
    ['a text/plain POST (no preflight)', { 'Content-Type': 'text/plain;charset=UTF-8' }, 415],
    ['a form POST', { 'Content-Type': 'application/x-www-form-urlencoded' }, 415],
    ['a POST with no Content-Type', {}, 415],
    ['a foreign Origin', { ...json, Origin: 'https://attacker.example' }, 403],
    ['Origin: null (sandboxed page)', { ...json, Origin: 'null' }, 403],
    ['Sec-Fetch-Site: cross-site', { ...json, 'Sec-Fetch-Site': 'cross-site' }, 403],
    ['Sec-Fetch-Site: same-site', { ...json, 'Sec-Fetch-Site': 'same-site' }, 403],
  ] as const) {
    it(`refuses ${name} on POST /emulator/clock with ${status}`, async () => {
      const answer = await send(h.url, 'POST', '/emulator/clock', headers, clockBody);
      assert.equal(answer.status, status);
      assert.ok(errorOf(answer).length > 20, errorOf(answer));
      unchanged();
    });
  }

  it('refuses a cross-origin DELETE of the outbox', async () => {
    await h.client.messages.create({ to: '+14155550123', from: '+15005550006', body: 'keep me' });
    const answer = await send(h.url, 'DELETE', '/emulator/messages', { Origin: 'https://attacker.example' });
    assert.equal(answer.status, 403);
    assert.equal(h.emulator.outbox().length, 1);
  });

  it('refuses a cross-origin fault injection', async () => {
    const answer = await send(h.url, 'POST', '/emulator/faults', { 'Content-Type': 'text/plain' }, JSON.stringify({ path: '/v2', status: 500 }));
    assert.equal(answer.status, 415);
    assert.deepEqual(h.emulator.faults(), []);
  });

  for (const [name, headers] of [
    ['no Origin (curl, tests)', json],
    ['a loopback Origin (the chat page)', { ...json, Origin: 'http://127.0.0.1:3978' }],
    ['Sec-Fetch-Site: same-origin', { ...json, 'Sec-Fetch-Site': 'same-origin' }],
    ['Sec-Fetch-Site: none (typed in the address bar)', { ...json, 'Sec-Fetch-Site': 'none' }],
    ['a JSON Content-Type with a charset', { 'Content-Type': 'application/json; charset=utf-8' }],
  ] as const) {
    it(`accepts ${name}`, async () => {
      const answer = await send(h.url, 'POST', '/emulator/clock', headers, clockBody);
      assert.equal(answer.status, 200, answer.body);
      assert.equal(h.clock.now().toISOString(), '2026-11-22T02:06:36.000Z');
    });
  }
});
