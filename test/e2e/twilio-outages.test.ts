/**
 * Pointed at a real Twilio account (TWILIO_*), the server survives Twilio's bad moments: a start while Twilio cannot
 * be reached retries in the background and tells users and `/healthz` the truth meanwhile; rejected credentials stop
 * at once with the reason visible; one stray 401 at runtime does not lock every user out. The real `start()`, the
 * emulator in this process as Twilio, a manual sleep and a fixed clock (no waits).
 */
import assert from 'node:assert/strict';
import { BotClient } from '../../src/chat';
import { createEmulator, type TwilioEmulator } from '../../src/emulator';
import type { Started } from '../../src/main';
import { ALICE_PHONE, BOB_PHONE, startWorld, textOf, type World } from '../support/world';
import { ManualSleep } from '../support/manual-sleep';

const T0 = new Date('2026-01-01T00:00:00Z');
const SENDER = '+15005550006';
const WRONG_TOKEN = 'f'.repeat(32);

interface Health {
  ok: boolean;
  checks: Record<string, { ok: boolean; message?: string }>;
}

async function healthz(url: string): Promise<{ status: number; body: Health }> {
  const res = await fetch(`${url}/healthz`);
  return { status: res.status, body: (await res.json()) as Health };
}

interface Server {
  started: Started;
  url: string;
  log: { lines: string[]; waitFor(pattern: RegExp): Promise<void> };
  sleeper: ManualSleep;
  chat(userId: string): BotClient;
  admin(method: string, route: string): Promise<{ status: number; body: unknown }>;
}

describe('end to end: Twilio unreachable or refusing, with TWILIO_* set', function () {
  this.timeout(30_000);
  const cleanups: Array<() => Promise<void>> = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** An emulator that is listening (`up`) or whose port is closed for now (`down`, start it later with `bringUp`). */
  async function twilio(state: 'up' | 'down'): Promise<{ emulator: TwilioEmulator; url: string; bringUp(): Promise<TwilioEmulator> }> {
    const first = createEmulator({ log: () => undefined });
    const url = await first.listen(0, '127.0.0.1');
    const port = Number(new URL(url).port);
    let current = first;
    cleanups.push(() => current.close());
    if (state === 'down') await first.close();
    return {
      emulator: first,
      url,
      bringUp: async () => {
        current = createEmulator({ accountSid: first.accountSid, authToken: first.authToken, log: () => undefined });
        await current.listen(port, '127.0.0.1');
        return current;
      },
    };
  }

  async function startServer(env: Record<string, string>, dirs?: { dataDir: string; dialogsDir: string }): Promise<Server & { dirs: { dataDir: string; dialogsDir: string } }> {
    const sleeper = new ManualSleep();
    const world = await startWorld({
      twilio: 'none',
      env: { HEALTHZ_CACHE_SECONDS: '0', TWILIO_SENDER: SENDER, ...env },
      startCheck: { sleep: sleeper.sleep, now: () => T0 },
      ...(dirs ? { dirs } : {}),
    });
    cleanups.push(() => world.close());
    return {
      dirs: { dataDir: world.dataDir, dialogsDir: world.dialogsDir },
      started: world.started,
      url: world.url,
      log: { lines: world.logLines, waitFor: (pattern) => world.waitForLog(pattern) },
      sleeper,
      chat: (userId) => world.client(userId),
      admin: (method, route) => world.admin(method, route),
    };
  }

  async function sendSms(chat: BotClient, to: string): Promise<string> {
    await chat.start();
    const asked = textOf(await chat.say('send an sms'));
    if (!/Which phone number should I text\?/.test(asked)) return asked;
    await chat.say(to);
    return textOf(await chat.say('Hello from the test.'));
  }

  it('retries the start check while Twilio refuses connections, tells users and /healthz so, then enables', async () => {
    const target = await twilio('down');
    const server = await startServer({
      TWILIO_ACCOUNT_SID: target.emulator.accountSid,
      TWILIO_AUTH_TOKEN: target.emulator.authToken,
      TWILIO_BASE_URL: target.url,
    });

    const first = await healthz(server.url);
    assert.equal(first.status, 503);
    assert.deepEqual(first.body.checks.store, { ok: true });
    assert.deepEqual(first.body.checks.twilio, {
      ok: false,
      message: 'Twilio could not be reached at start (connection refused); retrying in 1 s. Users hear that the integration is not available yet.',
    });
    const meanwhile = await sendSms(server.chat('alice'), ALICE_PHONE);
    assert.match(meanwhile, /I can't reach Twilio for you right now/);
    assert.doesNotMatch(meanwhile, /isn't set up yet/);

    await server.sleeper.asleep(1);
    server.sleeper.wake();
    await server.sleeper.asleep(2);
    assert.equal(
      (await healthz(server.url)).body.checks.twilio?.message,
      'Twilio could not be reached at start nor on 1 retry (connection refused); retrying in 2 s. Users hear that the integration is not available yet.',
    );

    const emulator = await target.bringUp();
    server.sleeper.wake();
    await server.log.waitFor(/the action is enabled/);
    assert.deepEqual(server.sleeper.waits, [1_000, 2_000]);
    assert.deepEqual(await healthz(server.url), { status: 200, body: { ok: true, checks: { store: { ok: true }, twilio: { ok: true } } } });
    assert.match(await sendSms(server.chat('bob'), BOB_PHONE), /your message to \+14155550199 is on its way/);
    assert.equal(emulator.outbox().length, 1);

    const audit = (await server.admin('GET', '/api/admin/audit?limit=200')).body as { entries: Array<{ action: string; outcome: string }> };
    assert.deepEqual(
      audit.entries.filter((e) => e.action === 'action.enable').map((e) => e.outcome).reverse(),
      ['retrying', 'ok'],
      'the outage is audited once, not on every retry',
    );
    assert.doesNotMatch(server.log.lines.join('\n'), new RegExp(target.emulator.authToken));
  });

  it('retries while Twilio answers 429 (20429) to the check, and enables once it passes', async () => {
    const target = await twilio('up');
    target.emulator.injectFault({ method: 'GET', path: '/2010-04-01/Accounts', status: 429, code: 20429, times: 2 });
    const server = await startServer({
      TWILIO_ACCOUNT_SID: target.emulator.accountSid,
      TWILIO_AUTH_TOKEN: target.emulator.authToken,
      TWILIO_BASE_URL: target.url,
    });
    assert.match((await healthz(server.url)).body.checks.twilio?.message ?? '', /^Twilio could not be reached at start \(20429: Too many requests\); retrying in 1 s\./);
    server.sleeper.wake();
    await server.sleeper.asleep(2);
    server.sleeper.wake();
    await server.log.waitFor(/the action is enabled/);
    assert.equal(((await server.admin('GET', '/api/admin/action')).body as { state: string }).state, 'configured');
  });

  it('does not retry rejected credentials (20003): logs it, keeps the reason for admins, and users hear it is not set up', async () => {
    const target = await twilio('up');
    const server = await startServer({
      TWILIO_ACCOUNT_SID: target.emulator.accountSid,
      TWILIO_AUTH_TOKEN: WRONG_TOKEN,
      TWILIO_BASE_URL: target.url,
    });
    assert.deepEqual(server.sleeper.waits, [], 'no retry');
    const view = (await server.admin('GET', '/api/admin/action')).body as { state: string; lastTest: { ok: boolean; code: number; message: string } };
    assert.equal(view.state, 'available');
    assert.equal(view.lastTest.ok, false);
    assert.equal(view.lastTest.code, 20003);
    const health = await healthz(server.url);
    assert.equal(health.status, 503);
    assert.match(health.body.checks.twilio?.message ?? '', /^The action is not enabled: its last authorization check failed \(20003: [^)]+\)\. Users hear that the integration isn't set up yet\.$/);
    assert.ok(server.log.lines.some((line) => /"level":50/.test(line) && /Twilio rejected the TWILIO_\* credentials \(20003/.test(line)));
    assert.match(await sendSms(server.chat('alice'), ALICE_PHONE), /This integration isn't set up yet/);
    assert.doesNotMatch(server.log.lines.join('\n'), new RegExp(WRONG_TOKEN));
  });

  it('keeps an action an admin disabled disabled across a restart with the same TWILIO_*, without re-authorizing it', async () => {
    const target = await twilio('up');
    const env = { TWILIO_ACCOUNT_SID: target.emulator.accountSid, TWILIO_AUTH_TOKEN: target.emulator.authToken, TWILIO_BASE_URL: target.url };
    const first = await startServer(env);
    assert.equal(((await first.admin('GET', '/api/admin/action')).body as { state: string }).state, 'configured');
    assert.equal((await first.admin('POST', '/api/admin/action/disable')).status, 200);
    await first.started.close();

    const second = await startServer(env, first.dirs);
    assert.equal(((await second.admin('GET', '/api/admin/action')).body as { state: string }).state, 'disabled');
    assert.match(await sendSms(second.chat('alice'), ALICE_PHONE), /This integration is disabled/);
    const audit = (await second.admin('GET', '/api/admin/audit?limit=200')).body as { entries: Array<{ action: string }> };
    assert.deepEqual(
      audit.entries.filter((e) => e.action.startsWith('action.') && e.action !== 'action.configure').map((e) => e.action).reverse(),
      ['action.authorize', 'action.enable', 'action.disable'],
      'the restart neither re-authorized nor re-enabled it',
    );
  });
});

describe('end to end: one stray 401 from Twilio at runtime', function () {
  this.timeout(30_000);
  let world: World | undefined;

  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('answers that one user "not authorized", and everyone after is served: a probe did not confirm it', async () => {
    world = await startWorld();
    const messages = `/2010-04-01/Accounts/${world.emulator.accountSid}/Messages.json`;
    world.emulator.injectFault({ method: 'POST', path: messages, match: 'exact', status: 401, code: 20003, message: 'Authenticate', times: 1 });

    const alice = world.client('alice');
    await alice.start();
    await alice.say('send an sms');
    await alice.say(ALICE_PHONE);
    assert.match(textOf(await alice.say('Hello.')), /isn't authorized with Twilio right now/);

    const view = (await world.admin('GET', '/api/admin/action')).body as { state: string };
    assert.equal(view.state, 'configured');
    const bob = world.client('bob');
    await bob.start();
    await bob.say('send an sms');
    await bob.say(BOB_PHONE);
    assert.match(textOf(await bob.say('Hello, Bob.')), /your message to \+14155550199 is on its way/);
    const audit = (await world.admin('GET', '/api/admin/audit?limit=200')).body as { entries: Array<{ action: string; outcome: string; details: unknown }> };
    assert.deepEqual(
      audit.entries.filter((e) => e.action === 'action.error').map((e) => ({ outcome: e.outcome, details: e.details })),
      [{ outcome: 'not-confirmed', details: { twilioCode: 20003, probe: 'passed' } }],
    );
  });
});
