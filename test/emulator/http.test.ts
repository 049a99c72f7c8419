import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import twilio from 'twilio';
import { createEmulator, ManualClock, type TwilioEmulator } from '../../src/emulator';
import { rejectsWith, startHarness, type Harness } from '../support/emulator';

const TO = '+14155550123';
const JSON_TYPE = { 'Content-Type': 'application/json' };
const basic = (user: string, pass: string): string => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

describe('emulator: creation and listening', () => {
  let emulator: TwilioEmulator | undefined;
  afterEach(async () => {
    await emulator?.close();
    emulator = undefined;
  });

  it('generates an AC + 32 hex account SID and a 32 hex auth token when none are given', () => {
    emulator = createEmulator();
    assert.match(emulator.accountSid, /^AC[0-9a-f]{32}$/);
    assert.match(emulator.authToken, /^[0-9a-f]{32}$/);
  });

  it('keeps the credentials it is given', () => {
    emulator = createEmulator({ accountSid: `AC${'1'.repeat(32)}`, authToken: 'f'.repeat(32) });
    assert.equal(emulator.accountSid, `AC${'1'.repeat(32)}`);
    assert.equal(emulator.authToken, 'f'.repeat(32));
  });

  it('refuses an account SID that is not AC + 32 hex', () => {
    assert.throws(() => createEmulator({ accountSid: 'AC123' }), /AC followed by 32 hex digits/);
  });

  it('does not listen until asked, then reports its base URL on 127.0.0.1', async () => {
    emulator = createEmulator();
    assert.equal(emulator.url, undefined);
    const url = await emulator.listen();
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(emulator.url, url);
    await emulator.close();
    assert.equal(emulator.url, undefined);
  });

  it('refuses to listen on a non-loopback host', async () => {
    emulator = createEmulator();
    await assert.rejects(emulator.listen(0, '0.0.0.0'), /loopback only/);
  });
});

describe('emulator: authentication', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ apiKeys: [{ sid: `SK${'b'.repeat(32)}`, secret: 'key-secret' }] });
  });
  afterEach(async () => {
    await h.close();
    assert.deepEqual(h.problems, []);
  });

  it('answers a wrong auth token with 20003 and HTTP 401', async () => {
    const client = twilio(h.emulator.accountSid, '0'.repeat(32));
    client.api.baseUrl = h.url;
    await rejectsWith(client.api.v2010.accounts(h.emulator.accountSid).fetch(), 20003, 401);
  });

  it('answers a request without credentials with 20003, 401 and a Basic challenge', async () => {
    const res = await fetch(`${h.url}/v2/Services`);
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Basic realm="Twilio API"');
    assert.equal(((await res.json()) as { code: number }).code, 20003);
  });

  it('answers 20003 when the path names another account than the credentials', async () => {
    const other = `AC${'9'.repeat(32)}`;
    const res = await h.raw('GET', `/2010-04-01/Accounts/${other}.json`);
    assert.equal(res.status, 401);
    assert.equal((res.body as { code: number }).code, 20003);
  });

  it('accepts an API key SID and secret with the account in the path', async () => {
    const client = twilio(`SK${'b'.repeat(32)}`, 'key-secret', { accountSid: h.emulator.accountSid });
    client.api.baseUrl = h.url;
    client.verify.baseUrl = h.url;
    const account = await client.api.v2010.accounts(h.emulator.accountSid).fetch();
    assert.equal(account.sid, h.emulator.accountSid);
    const service = await client.verify.v2.services.create({ friendlyName: 'Via API key' });
    assert.match(service.sid, /^VA/);
  });

  it('rejects an API key with the wrong secret', async () => {
    const res = await h.raw('GET', '/v2/Services', undefined, basic(`SK${'b'.repeat(32)}`, 'nope'));
    assert.equal(res.status, 401);
  });
});

describe('emulator: HTTP limits', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
    assert.deepEqual(h.problems, []);
  });

  it('answers an unknown path with 404 in the 20404 shape', async () => {
    const res = await h.raw('GET', '/2010-04-01/Accounts/Nope/Calls.json');
    assert.equal(res.status, 404);
    assert.deepEqual(res.body, {
      code: 20404,
      message: 'The requested resource /2010-04-01/Accounts/Nope/Calls.json was not found',
      more_info: 'https://www.twilio.com/docs/errors/20404',
      status: 404,
    });
  });

  it('answers a method the path does not support with 405 (20004) and Allow', async () => {
    const res = await h.raw('DELETE', '/v2/Services');
    assert.equal(res.status, 405);
    assert.equal((res.body as { code: number }).code, 20004);
    assert.equal(res.headers.get('allow'), 'GET, POST');
  });

  it('answers a body over 64 KiB with 413', async () => {
    const res = await h.raw('POST', '/v2/Services', { FriendlyName: 'x'.repeat(70 * 1024) });
    assert.equal(res.status, 413);
    assert.equal((res.body as { status: number }).status, 413);
  });

  it('reads the first value of a repeated form key', async () => {
    const res = await fetch(`${h.url}/v2/Services`, {
      method: 'POST',
      headers: { Authorization: basic(h.emulator.accountSid, h.emulator.authToken), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'FriendlyName=First&FriendlyName=Second',
    });
    assert.equal(((await res.json()) as { friendly_name: string }).friendly_name, 'First');
  });

  it('answers every Twilio response with a Twilio-Request-Id', async () => {
    const res = await h.raw('GET', '/v2/Services');
    assert.match(res.headers.get('twilio-request-id') ?? '', /^RQ[0-9a-f]{32}$/);
  });
});

describe('emulator: developer endpoints', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
    assert.deepEqual(h.problems, []);
  });

  it('lists the outbox oldest first without authentication', async () => {
    await h.client.messages.create({ to: TO, from: '+15005550006', body: 'first' });
    const service = await h.client.verify.v2.services.create({ friendlyName: 'Outbox Bot' });
    await h.client.verify.v2.services(service.sid).verifications.create({ to: TO, channel: 'sms' });
    const res = await fetch(`${h.url}/emulator/messages`);
    assert.equal(res.status, 200);
    const { messages } = (await res.json()) as { messages: Array<Record<string, string>> };
    assert.equal(messages.length, 2);
    assert.equal(messages[0]?.['body'], 'first');
    assert.match(messages[1]?.['body'] ?? '', /^Your Outbox Bot verification code is: \d{6}$/);
    assert.deepEqual(Object.keys(messages[1] ?? {}).sort(), ['body', 'channel', 'date_created', 'from', 'sid', 'to']);
  });

  it('clears the outbox on DELETE /emulator/messages', async () => {
    await h.client.messages.create({ to: TO, from: '+15005550006', body: 'gone' });
    assert.equal((await fetch(`${h.url}/emulator/messages`, { method: 'DELETE' })).status, 204);
    assert.deepEqual(h.emulator.outbox(), []);
  });

  it('advances the clock on POST /emulator/clock', async () => {
    const res = await fetch(`${h.url}/emulator/clock`, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ advanceSeconds: 600 }) });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { now: '2026-11-22T02:15:36Z' });
    assert.equal(h.clock.now().toISOString(), '2026-11-22T02:15:36.000Z');
  });

  it('expires a verification when the clock is advanced over HTTP', async () => {
    const service = await h.client.verify.v2.services.create({ friendlyName: 'Clock Bot' });
    const v = await h.client.verify.v2.services(service.sid).verifications.create({ to: TO, channel: 'sms' });
    await fetch(`${h.url}/emulator/clock`, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ advanceSeconds: 600 }) });
    await rejectsWith(h.client.verify.v2.services(service.sid).verifications(v.sid).fetch(), 20404, 404);
  });

  for (const bad of ['{"advanceSeconds": -1}', '{"advanceSeconds": "60"}', '{}', 'not json', '[]']) {
    it(`refuses the clock body ${bad} with a clear 400`, async () => {
      const res = await fetch(`${h.url}/emulator/clock`, { method: 'POST', headers: JSON_TYPE, body: bad });
      assert.equal(res.status, 400);
      const body = (await res.json()) as { error: string };
      assert.match(body.error, /JSON|advanceSeconds/);
      assert.equal(h.clock.now().toISOString(), '2026-11-22T02:05:36.000Z');
    });
  }

  it('describes itself at GET /emulator', async () => {
    const body = (await (await fetch(`${h.url}/emulator`)).json()) as Record<string, unknown>;
    assert.equal(body['accountSid'], h.emulator.accountSid);
    assert.equal(body['baseUrl'], h.url);
    assert.ok(!JSON.stringify(body).includes(h.emulator.authToken), 'the index must not reveal the auth token');
  });

  it('answers an unknown developer path with 404 and a pointer to the index', async () => {
    const res = await fetch(`${h.url}/emulator/nothing`);
    assert.equal(res.status, 404);
    assert.match(((await res.json()) as { error: string }).error, /GET \/emulator/);
  });

  it('prints each outbox entry through log in dev mode: masked number, size, where to read it', async () => {
    const lines: string[] = [];
    const dev = await startHarness({ dev: true, log: (line) => lines.push(line) });
    try {
      await dev.client.messages.create({ to: TO, from: '+15005550006', body: 'dev hello' });
      assert.deepEqual(lines, [`[outbox] sms to …0123 (9 characters, 1 segment): read it at ${dev.url}/emulator/messages`]);
    } finally {
      await dev.close();
    }
  });

  it('never prints a body, a code or a full number, and a newline in a body cannot forge a log record', async () => {
    const lines: string[] = [];
    const dev = await startHarness({ dev: true, log: (line) => lines.push(line) });
    try {
      const body = 'hi\n{"level":30,"msg":"admin token is 42"}\r\u2028x';
      await dev.client.messages.create({ to: TO, from: '+15005550006', body });
      const service = await dev.client.verify.v2.services.create({ friendlyName: 'Log Bot' });
      await dev.client.verify.v2.services(service.sid).verifications.create({ to: TO, channel: 'sms' });
      await dev.client.verify.v2.services(service.sid).verifications.create({ to: 'someone@example.com', channel: 'email' });
      const code = dev.lastCode(TO);
      assert.deepEqual(lines, [
        `[outbox] sms to …0123 (${[...body].length} characters, 1 segment): read it at ${dev.url}/emulator/messages`,
        `[outbox] sms verification code to …0123: read it at ${dev.url}/emulator/messages`,
        `[outbox] email verification code to …@example.com: read it at ${dev.url}/emulator/messages`,
      ]);
      for (const line of lines) {
        assert.ok(!/[\n\r\u2028]/.test(line), line);
        assert.ok(!line.includes(code), 'the code must stay in the outbox');
        assert.ok(!line.includes('level') && !line.includes('5550123'), line);
      }
      assert.equal(dev.emulator.outbox()[0]?.body, body, 'the outbox keeps the body as sent');
    } finally {
      await dev.close();
    }
  });

  it('prints nothing outside dev mode', async () => {
    const lines: string[] = [];
    const quiet = await startHarness({ log: (line) => lines.push(line) });
    try {
      await quiet.client.messages.create({ to: TO, from: '+15005550006', body: 'quiet' });
      assert.deepEqual(lines, []);
    } finally {
      await quiet.close();
    }
  });
});

describe('emulator: fault injection', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
    assert.deepEqual(h.problems, []);
  });

  it('makes the SDK see 20429 with Retry-After from POST /emulator/faults, then recovers', async () => {
    const res = await fetch(`${h.url}/emulator/faults`, {
      method: 'POST',
      headers: JSON_TYPE,
      body: JSON.stringify({ method: 'POST', path: '/v2/Services', status: 429, retryAfter: 7, times: 1 }),
    });
    assert.equal(res.status, 201);
    await rejectsWith(h.client.verify.v2.services.create({ friendlyName: 'Busy' }), 20429, 429, 'Too many requests');
    assert.equal(h.exchanges.at(-1)?.headers['Retry-After'], '7');
    const service = await h.client.verify.v2.services.create({ friendlyName: 'Busy' });
    assert.match(service.sid, /^VA/);
  });

  it('retries 429 in the SDK with autoRetry until the fault is used up', async () => {
    h.emulator.injectFault({ path: '/v2/Services', status: 429, times: 2 });
    const client = twilio(h.emulator.accountSid, h.emulator.authToken, { autoRetry: true, maxRetryDelay: 5, maxRetries: 3 });
    client.verify.baseUrl = h.url;
    const service = await client.verify.v2.services.create({ friendlyName: 'Retry' });
    assert.match(service.sid, /^VA/);
    assert.deepEqual(
      h.exchanges.map((x) => x.status),
      [429, 429, 201],
    );
  });

  it('injects a 500 with the given code and message on every match until cleared', async () => {
    h.emulator.injectFault({ method: 'GET', path: '/2010-04-01/Accounts/', status: 500, code: 20500, message: 'Boom' });
    const fetchAccount = () => h.client.api.v2010.accounts(h.emulator.accountSid).fetch();
    await rejectsWith(fetchAccount(), 20500, 500, 'Boom');
    await rejectsWith(fetchAccount(), 20500, 500, 'Boom');
    assert.equal((await fetch(`${h.url}/emulator/faults`, { method: 'DELETE' })).status, 204);
    assert.equal((await fetchAccount()).sid, h.emulator.accountSid);
  });

  it('matches an exact path only when asked to', async () => {
    h.emulator.injectFault({ path: '/v2/Services', match: 'exact', status: 503 });
    const service = await h.raw('GET', '/v2/Services/VA00000000000000000000000000000000');
    assert.equal(service.status, 404);
    assert.equal((await h.raw('GET', '/v2/Services')).status, 503);
  });

  it('answers with a raw non-JSON body when rawBody is given', async () => {
    h.emulator.injectFault({ path: '/v2/Services', status: 502, rawBody: '<html>Bad Gateway</html>' });
    const res = await fetch(`${h.url}/v2/Services`, { headers: { Authorization: basic(h.emulator.accountSid, h.emulator.authToken) } });
    assert.equal(res.status, 502);
    assert.equal(await res.text(), '<html>Bad Gateway</html>');
  });

  it('lists injected faults with their hits', async () => {
    h.emulator.injectFault({ path: '/v2/', status: 500, times: 3 });
    await h.raw('GET', '/v2/Services');
    const { faults } = (await (await fetch(`${h.url}/emulator/faults`)).json()) as { faults: Array<{ hits: number; remaining: number }> };
    assert.equal(faults.length, 1);
    assert.equal(faults[0]?.hits, 1);
    assert.equal(faults[0]?.remaining, 2);
  });

  it('checks credentials before injecting a fault', async () => {
    h.emulator.injectFault({ path: '/v2/Services', status: 500 });
    assert.equal((await h.raw('GET', '/v2/Services', undefined, basic(h.emulator.accountSid, 'wrong'))).status, 401);
  });

  for (const [body, error] of [
    ['{"status": 429}', /path/],
    ['{"path": "/v2/Services", "status": 200}', /status/],
    ['{"path": "/v2/Services", "status": 429, "times": 0}', /times/],
    ['{"path": "/v2/Services", "status": 429, "method": "BREW"}', /method/],
  ] as const) {
    it(`refuses the fault ${body} with a 400 naming the field`, async () => {
      const res = await fetch(`${h.url}/emulator/faults`, { method: 'POST', headers: JSON_TYPE, body });
      assert.equal(res.status, 400);
      assert.match(((await res.json()) as { error: string }).error, error);
    });
  }

  /** A client for the emulator with the given request timeout (ms). */
  const clientWith = (timeout?: number): twilio.Twilio => {
    const client = twilio(h.emulator.accountSid, h.emulator.authToken, timeout === undefined ? {} : { timeout });
    client.api.baseUrl = h.url;
    client.verify.baseUrl = h.url;
    return client;
  };
  const isNetworkError = (err: unknown): boolean => {
    assert.ok(!(err instanceof twilio.RestException), `expected a network error, got Twilio's ${String(err)}`);
    assert.ok(err instanceof Error);
    return true;
  };

  it('performs the request, then drops the reply: the SDK sees a network error while the outbox has the SMS', async () => {
    h.emulator.injectFault({ method: 'POST', path: `/2010-04-01/Accounts/${h.emulator.accountSid}/Messages.json`, afterPerform: 'drop', times: 1 });
    await assert.rejects(h.client.messages.create({ to: TO, from: '+15005550006', body: 'sent, reply lost' }), (err: unknown) => {
      isNetworkError(err);
      assert.match(String((err as { code?: unknown }).code), /ECONNRESET|ERR_NETWORK/);
      return true;
    });
    assert.deepEqual(
      h.emulator.outbox().map((m) => m.body),
      ['sent, reply lost'],
    );
    const { messages } = (await h.raw('GET', `/2010-04-01/Accounts/${h.emulator.accountSid}/Messages.json`)).body as { messages: unknown[] };
    assert.equal(messages.length, 1, 'Twilio has the message: sending again would send it twice');
  });

  it('creates a verification whose reply is dropped; asking again delivers the same code', async () => {
    const service = await h.client.verify.v2.services.create({ friendlyName: 'Lost Reply' });
    h.emulator.injectFault({ path: `/v2/Services/${service.sid}/Verifications`, afterPerform: 'drop', times: 1 });
    await assert.rejects(h.client.verify.v2.services(service.sid).verifications.create({ to: TO, channel: 'sms' }), isNetworkError);
    const code = h.lastCode(TO);
    const again = await h.client.verify.v2.services(service.sid).verifications.create({ to: TO, channel: 'sms' });
    assert.equal(again.sendCodeAttempts.length, 2);
    assert.equal(h.lastCode(TO), code);
  });

  it('performs the request, then sends the real reply late', async () => {
    // Dev mode logs each delivery as it happens: the test waits on that, not on a timer.
    const deliveries = new EventEmitter();
    const deliveredOnce = once(deliveries, 'delivered');
    await h.close();
    h = await startHarness({ dev: true, log: () => deliveries.emit('delivered') });
    h.emulator.injectFault({ path: '/2010-04-01/', method: 'POST', afterPerform: 'delay', delayMs: 100 });
    const started = Date.now();
    let settled = false;
    const sending = h.client.messages.create({ to: TO, from: '+15005550006', body: 'late reply' }).finally(() => (settled = true));
    await deliveredOnce;
    assert.equal(settled, false, 'the SMS is delivered before its reply is sent');
    assert.equal(h.emulator.outbox().length, 1);
    const message = await sending;
    assert.equal(message.body, 'late reply');
    assert.ok(Date.now() - started >= 90, 'the reply came after the delay');
  });

  it('lets a reply outlast a client timeout (the turn budget) although the SMS was sent', async () => {
    h.emulator.injectFault({ path: '/2010-04-01/', afterPerform: 'delay', delayMs: 200, times: 1 });
    await assert.rejects(clientWith(50).messages.create({ to: TO, from: '+15005550006', body: 'too slow' }), (err: unknown) => {
      isNetworkError(err);
      assert.match(String((err as { code?: unknown }).code), /ECONNABORTED|ETIMEDOUT/);
      return true;
    });
    assert.equal(h.emulator.outbox().length, 1);
  });

  it('accepts and lists an after-perform fault over HTTP', async () => {
    const res = await fetch(`${h.url}/emulator/faults`, {
      method: 'POST',
      headers: JSON_TYPE,
      body: JSON.stringify({ path: '/v2/Services', afterPerform: 'delay', delayMs: 5, times: 2 }),
    });
    assert.equal(res.status, 201);
    const { faults } = (await (await fetch(`${h.url}/emulator/faults`)).json()) as { faults: Array<Record<string, unknown>> };
    assert.deepEqual(
      faults.map(({ afterPerform, delayMs, remaining }) => ({ afterPerform, delayMs, remaining })),
      [{ afterPerform: 'delay', delayMs: 5, remaining: 2 }],
    );
    const service = await h.client.verify.v2.services.create({ friendlyName: 'Slow' });
    assert.match(service.sid, /^VA/);
  });

  for (const [body, error] of [
    ['{"path": "/v2/Services", "afterPerform": "explode"}', /afterPerform.*drop.*delay/],
    ['{"path": "/v2/Services", "afterPerform": "delay"}', /delay.*delayMs/],
    ['{"path": "/v2/Services", "afterPerform": "delay", "delayMs": 0}', /delayMs/],
    ['{"path": "/v2/Services", "afterPerform": "drop", "delayMs": 60001}', /delayMs/],
    ['{"path": "/v2/Services", "afterPerform": "drop", "status": 500}', /"status" cannot go with "afterPerform"/],
    ['{"path": "/v2/Services", "afterPerform": "drop", "rawBody": "x"}', /"rawBody" cannot go with "afterPerform"/],
    ['{"path": "/v2/Services"}', /status.*afterPerform/],
  ] as const) {
    it(`refuses the fault ${body} with a 400 naming the field`, async () => {
      const res = await fetch(`${h.url}/emulator/faults`, { method: 'POST', headers: JSON_TYPE, body });
      assert.equal(res.status, 400);
      assert.match(((await res.json()) as { error: string }).error, error);
    });
  }

  it('throws on an invalid programmatic fault', () => {
    assert.throws(() => h.emulator.injectFault({ path: 'v2', status: 429 }), /invalid fault/);
  });
});

describe('emulator: manual clock', () => {
  it('moves only when advanced and refuses negative or non-finite steps', () => {
    const clock = new ManualClock(new Date('2026-01-01T00:00:00Z'));
    clock.advance(90);
    assert.equal(clock.now().toISOString(), '2026-01-01T00:01:30.000Z');
    assert.throws(() => clock.advance(-1), RangeError);
    assert.throws(() => clock.advance(Number.NaN), RangeError);
  });
});
