/**
 * Several bot instances sharing PostgreSQL: two servers started with the same DATABASE_URL (and secrets key) serve
 * one conversation in turns, as a load balancer would spread it, and share the action's configuration.
 * Runs when TEST_DATABASE_URL is set (CI starts a throwaway cluster: .ci/postgres.sh).
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { BotClient } from '../../src/chat';
import type { Started } from '../../src/main';
import { ALICE_PHONE, startEmulator, startWorld, textOf, type World } from '../support/world';
import { ManualClock, type TwilioEmulator } from '../../src/emulator';

const databaseUrl = process.env.TEST_DATABASE_URL;

describe('end to end: two instances sharing PostgreSQL', function () {
  this.timeout(60_000);
  const schema = `e2e_${randomBytes(6).toString('hex')}`;
  const servers: World[] = [];
  let emulator: TwilioEmulator | undefined;

  before(async function () {
    if (!databaseUrl) {
      this.skip();
    }
    const admin = new Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
  });

  after(async () => {
    for (const server of servers) await server.close();
    await emulator?.close();
    if (databaseUrl) {
      const admin = new Client({ connectionString: databaseUrl });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  });

  const url = () => {
    const u = new URL(databaseUrl ?? '');
    u.searchParams.set('options', `-c search_path=${schema}`);
    return u.toString();
  };
  const secretsKey = randomBytes(32).toString('base64');
  /** One instance: the whole product on the shared schema, with the shared emulator once the first test started it. */
  const boot = async (): Promise<Started> => {
    const world = await startWorld({ twilio: emulator ?? 'none', env: { DATABASE_URL: url(), SECRETS_KEY: secretsKey } });
    servers.push(world);
    return world.started;
  };

  it('continues one conversation across two instances and sends the SMS once', async () => {
    ({ emulator } = await startEmulator({ clock: new ManualClock(new Date()) }));
    const a = await boot();
    const b = await boot();
    assert.equal(a.store.kind, 'postgres');

    const onA = new BotClient({ baseUrl: a.url, channelId: 'webchat', userId: 'alice', conversationId: 'shared-conv' });
    const onB = new BotClient({ baseUrl: b.url, channelId: 'webchat', userId: 'alice', conversationId: 'shared-conv' });
    assert.match(textOf(await onA.say('send an sms')), /Which phone number should I text\?/);
    assert.match(textOf(await onB.say(ALICE_PHONE)), /What should the message say\?/);
    assert.match(textOf(await onA.say('Served by two instances.')), /your message to \+14155550123 is on its way/);

    const sent = emulator?.outbox() ?? [];
    assert.deepEqual(sent.map((m) => [m.to, m.body]), [[ALICE_PHONE, 'Served by two instances.']]);
    assert.equal((await b.action.status()).state, 'configured');
  });

  it('sends one SMS when two instances get the same activity at once, and again after the reply', async () => {
    const [a, b] = servers;
    assert.ok(a && b && emulator, 'the instances of the first test run');
    const onA = new BotClient({ baseUrl: a.url, channelId: 'webchat', userId: 'bob', conversationId: 'redelivered-conv' });
    const onB = new BotClient({ baseUrl: b.url, channelId: 'webchat', userId: 'bob', conversationId: 'redelivered-conv' });
    assert.match(textOf(await onA.say('send an sms')), /Which phone number should I text\?/);
    assert.match(textOf(await onB.say(ALICE_PHONE)), /What should the message say\?/);
    const id = randomUUID();
    const copies = await Promise.all([onA, onB].map((client) => client.send({ type: 'message', text: 'Two instances, one SMS.', id })));
    for (const replies of copies) assert.match(textOf(replies), /is on its way/);
    const late = await onB.send({ type: 'message', text: 'Two instances, one SMS.', id });
    assert.match(textOf(late), /is on its way/);
    assert.equal(emulator.outbox().filter((m) => m.body === 'Two instances, one SMS.').length, 1);
  });
});
