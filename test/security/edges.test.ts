/**
 * The rules at the edge, one by one: canonical request targets, which address the admin back-off counts
 * (TRUST_PROXY), and the dev endpoints that answer only on loopback.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { canonicalizeTarget, clientAddress, parseTrustProxy, type TrustProxy } from '../../src/server';
import { startWorld, type AdminWorld } from '../support/world';
import { ADMIN_TOKEN } from '../support/http';
import { errorCode, rawRequest } from './raw-http';

describe('security: canonical request targets', () => {
  const accepted: Array<[string, string, string]> = [
    ['/api/admin/action', '/api/admin/action', '/api/admin/action'],
    ['/api/%61dmin/action', '/api/admin/action', '/api/admin/action'],
    ['/api/%41dmin/action', '/api/Admin/action', '/api/Admin/action'],
    ['/api/admin/profiles/t%C3%AAm', '/api/admin/profiles/têm', '/api/admin/profiles/t%C3%AAm'],
    ['/api/admin/users/msteams/29%3Aabc/credentials', '/api/admin/users/msteams/29:abc/credentials', '/api/admin/users/msteams/29%3Aabc/credentials'],
    ['/api/admin/users/msteams/29:abc/credentials', '/api/admin/users/msteams/29:abc/credentials', '/api/admin/users/msteams/29%3Aabc/credentials'],
    ['/api/admin/audit?limit=5&cursor=a%2Fb', '/api/admin/audit', '/api/admin/audit?limit=5&cursor=a%2Fb'],
    ['/api/admin/action/', '/api/admin/action/', '/api/admin/action/'],
    ['/', '/', '/'],
    ['/a...b/x.y', '/a...b/x.y', '/a...b/x.y'],
  ];
  for (const [target, decoded, url] of accepted) {
    it(`accepts ${target} as ${url}`, () => {
      const result = canonicalizeTarget('GET', target);
      assert.ok(result.ok, JSON.stringify(result));
      assert.equal(result.path, decoded);
      assert.equal(result.url, url);
    });
  }

  const refused: Array<[string, RegExp]> = [
    ['http://127.0.0.1:3978/api/admin/action', /origin-form/],
    ['https://x/api/admin/action', /origin-form/],
    ['127.0.0.1:3978', /origin-form/],
    ['api/admin', /origin-form/],
    ['//api/admin/action', /origin-form/],
    ['*', /only valid for OPTIONS/],
    ['/api//admin', /empty segment/],
    ['/api/admin//', /empty segment/],
    ['/api/./admin', /"\." or "\.\."/],
    ['/api/x/../admin', /"\." or "\.\."/],
    ['/api/%2e%2E/admin', /"\." or "\.\."/],
    ['/api/.%2e/admin', /"\." or "\.\."/],
    ['/api%2Fadmin', /encoded "\/"/],
    ['/api%5Cadmin', /encoded "\/" or "\\"/],
    ['/api/admin;x', /Path parameters/],
    ['/api/admin%3Bx', /Path parameters/],
    ['/api/%2561dmin', /twice/],
    ['/api/%25', /twice/],
    ['/api/%zz', /malformed percent-encoding/],
    ['/api/%a', /malformed percent-encoding/],
    ['/api?x=%zz', /malformed percent-encoding/],
    ['/api/%c3%28', /not UTF-8/],
    ['/api/%00', /control characters/],
    ['/api/%0a', /control characters/],
    ['/api/a#b', /"#"/],
    ['/api/a b', /must be percent-encoded/],
    ['/api/a"b', /must be percent-encoded/],
    ['/api/a\\b', /must be percent-encoded/],
  ];
  for (const [target, message] of refused) {
    it(`refuses ${JSON.stringify(target)}`, () => {
      const result = canonicalizeTarget('GET', target);
      assert.equal(result.ok, false);
      if (!result.ok) assert.match(result.reason, message);
    });
  }

  it('accepts "*" for OPTIONS only', () => {
    assert.deepEqual(canonicalizeTarget('OPTIONS', '*'), { ok: true, path: '*', url: '*' });
  });
});

/** A request as far as clientAddress reads it. */
function requestFrom(remoteAddress: string, forwardedFor?: string): IncomingMessage {
  const socket = new Socket();
  Object.defineProperty(socket, 'remoteAddress', { value: remoteAddress });
  const req = new IncomingMessage(socket);
  req.headers = forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor };
  return req;
}

describe('security: TRUST_PROXY decides which address the admin back-off counts', () => {
  const table: Array<[string | undefined, string, string | undefined, string]> = [
    [undefined, '10.0.0.1', '1.1.1.1', '10.0.0.1'],
    ['false', '10.0.0.1', '1.1.1.1, 2.2.2.2', '10.0.0.1'],
    ['0', '10.0.0.1', '1.1.1.1', '10.0.0.1'],
    ['true', '10.0.0.1', '1.1.1.1, 2.2.2.2', '1.1.1.1'],
    ['true', '10.0.0.1', undefined, '10.0.0.1'],
    ['1', '10.0.0.1', '1.1.1.1, 2.2.2.2', '2.2.2.2'],
    ['2', '10.0.0.1', '1.1.1.1, 2.2.2.2', '1.1.1.1'],
    ['5', '10.0.0.1', '1.1.1.1, 2.2.2.2', '1.1.1.1'],
    ['loopback', '127.0.0.1', '1.1.1.1, 2.2.2.2', '2.2.2.2'],
    ['loopback', '::ffff:127.0.0.1', '3.3.3.3', '3.3.3.3'],
    ['loopback', '10.0.0.1', '1.1.1.1', '10.0.0.1'],
    ['10.0.0.0/8, loopback', '127.0.0.1', '1.1.1.1, 10.2.3.4', '1.1.1.1'],
    ['10.0.0.0/8', '10.0.0.1', '10.0.0.2, 10.0.0.3', '10.0.0.2'],
    ['::1', '::1', '2001:db8::1', '2001:db8::1'],
  ];
  for (const [setting, socket, forwarded, expected] of table) {
    it(`TRUST_PROXY=${setting ?? '(unset)'}: socket ${socket}, X-Forwarded-For ${forwarded ?? '(none)'} -> ${expected}`, () => {
      assert.equal(clientAddress(requestFrom(socket, forwarded), parseTrustProxy(setting)), expected);
    });
  }

  for (const bad of ['yes', '10.0.0.0/33', 'example.com', '1.2.3.4/8/1', '1000']) {
    it(`refuses TRUST_PROXY=${bad} with a message that says what is accepted`, () => {
      assert.throws(() => parseTrustProxy(bad), /TRUST_PROXY/);
    });
  }

  describe('over HTTP', () => {
    const stacks: AdminWorld[] = [];
    after(async () => {
      for (const h of stacks) await h.close();
    });

    const hammer = async (h: AdminWorld, forwardedFor: string, times: number) => {
      const statuses: number[] = [];
      for (let i = 0; i < times; i++) {
        statuses.push((await h.request('GET', '/api/admin/action', { token: 'wrong-wrong-wrong', headers: { 'x-forwarded-for': forwardedFor } })).status);
      }
      return statuses;
    };

    it('ignores X-Forwarded-For by default: changing it does not escape the back-off', async () => {
      const h = await startWorld({ stack: 'admin', backoff: { maxFailures: 2 } });
      stacks.push(h);
      await hammer(h, '1.1.1.1', 2);
      assert.deepEqual(await hammer(h, '2.2.2.2', 1), [429]);
      const right = await h.request('GET', '/api/admin/action', { headers: { 'x-forwarded-for': '3.3.3.3' } });
      assert.equal(right.status, 200, 'the right token still passes');
    });
  });
});

describe('security: TRUST_PROXY through createServer', () => {
  let world: AdminWorld;
  let port: number;

  before(async () => {
    const trustProxy: TrustProxy = parseTrustProxy('loopback');
    world = await startWorld({ stack: 'admin', backoff: { maxFailures: 2 }, server: { trustProxy } });
    port = world.port;
  });
  after(async () => {
    await world.close();
  });

  it('counts failures per forwarded client behind a trusted proxy', async () => {
    const get = (client: string, token = 'wrong-wrong') =>
      rawRequest('127.0.0.1', port, { method: 'GET', target: '/api/admin/action', headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': client } });
    for (let i = 0; i < 2; i++) assert.equal((await get('1.1.1.1')).status, 401);
    assert.equal((await get('1.1.1.1')).status, 429);
    assert.equal((await get('2.2.2.2')).status, 401, 'another client behind the same proxy is not blocked');
    assert.equal((await get('1.1.1.1', ADMIN_TOKEN)).status, 200, 'the right token passes during a back-off');
  });
});

function nonLoopbackAddress(): string | undefined {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const info of list ?? []) if (info.family === 'IPv4' && !info.internal) return info.address;
  }
  return undefined;
}

describe('security: dev endpoints answer only on loopback', () => {
  let world: AdminWorld;
  let port: number;
  let publicDir: string;

  before(async () => {
    publicDir = mkdtempSync(path.join(os.tmpdir(), 'tva-public-'));
    writeFileSync(path.join(publicDir, 'index.html'), '<!doctype html><title>chat</title>');
    world = await startWorld({
      stack: 'admin',
      server: {
        app: {
          publicDir,
          devOutbox: () => [{ sid: 'SM1', to: '+14155550123', from: '+15005550006', channel: 'sms', body: 'Your code is 123456', date_created: 'now' }],
          health: async () => ({ ok: true, checks: {} }),
        },
      },
      // All interfaces, so a request can arrive on a non-loopback address too.
      host: '0.0.0.0',
    });
    port = world.port;
  });
  after(async () => {
    await world.close();
    rmSync(publicDir, { recursive: true, force: true });
  });

  for (const target of ['/api/dev/info', '/api/dev/outbox']) {
    it(`${target}: answers the page on loopback, by a loopback name`, async () => {
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'localhost', `[::1]:${port}`]) {
        const reply = await rawRequest('127.0.0.1', port, { method: 'GET', target, headers: { host, 'sec-fetch-site': 'same-origin' } });
        assert.equal(reply.status, 200, `${host}: ${reply.body}`);
      }
    });

    it(`${target}: refuses another Host (DNS rebinding) and cross-origin callers`, async () => {
      const cases: Array<Record<string, string>> = [
        { host: 'evil.example' },
        { host: `evil.example:${port}` },
        { host: '127.0.0.1.evil.example' },
        { host: `10.0.0.1:${port}` },
        { host: `127.0.0.1:${port}`, origin: 'http://evil.example' },
        { host: `127.0.0.1:${port}`, origin: 'null' },
        { host: `127.0.0.1:${port}`, 'sec-fetch-site': 'cross-site' },
        { host: `127.0.0.1:${port}`, 'sec-fetch-site': 'same-site' },
      ];
      for (const headers of cases) {
        const reply = await rawRequest('127.0.0.1', port, { method: 'GET', target, headers });
        assert.equal(reply.status, 403, `${JSON.stringify(headers)}: ${reply.body}`);
        assert.ok(['loopback_only', 'cross_site_request'].includes(errorCode(reply) ?? ''), reply.body);
        assert.ok(!reply.body.includes('123456'), 'the outbox is not revealed');
      }
    });

    it(`${target}: refuses a request that arrives on a non-loopback address`, async function () {
      const address = nonLoopbackAddress();
      if (!address) this.skip();
      const reply = await rawRequest(address ?? '', port, { method: 'GET', target, headers: { host: `127.0.0.1:${port}` } });
      assert.equal(reply.status, 403, reply.body);
      assert.equal(errorCode(reply), 'loopback_only');
      assert.match(reply.body, /only on loopback/);
    });
  }
});
