/**
 * TurnGuard on its own, over a real SQLite store and botbuilder's TestAdapter, with an injected clock: the cases
 * the end-to-end tests cannot stage on demand (a conversation held past the budget, a lease lost mid-turn, state
 * changed under a turn).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConversationState, TestAdapter, TurnContext, UserState, type Activity } from 'botbuilder';
import { BUSY_MESSAGE, INTENTS_NAMESPACE, OPEN_INTENT_PREFIX, sentInTurn, TurnGuard } from '../../src/bot';
import { turnAuditOf } from '../../src/bot/turns';
import type { ServiceCall } from '../../src/dialogs';
import { openStore, type PutItem, type PutManyOptions, type PutOptions, type Store } from '../../src/store';
import { EmulatorFixture } from '../support/emulator';
import { performIn, unreachableSmsCall } from './fixtures';

const CONVERSATION = 'conv-1';

function activity(id: string, text = 'hi'): Partial<Activity> {
  return {
    type: 'message',
    id,
    text,
    channelId: 'test',
    serviceUrl: 'https://test.invalid',
    conversation: { id: CONVERSATION, isGroup: false, conversationType: 'personal', name: '' },
    from: { id: 'user-1', name: 'User' },
    recipient: { id: 'bot', name: 'Bot' },
  };
}

/** The store as PostgreSQL's instances share it: leases as documents, none in memory. */
function withLeaseDocuments(real: Store): Store {
  return new Proxy(real, { get: (target, name) => (name === 'processLeases' ? undefined : Reflect.get(target, name, target)) });
}

for (const leases of ['in memory (SQLite)', 'as documents (PostgreSQL)'] as const) describe(`TurnGuard, leases ${leases}`, () => {
  let store: Store;
  let clock: number;
  let conversationState: ConversationState;
  let userState: UserState;
  const adapter = new TestAdapter();

  const guard = (budgetMs = 1_000) =>
    new TurnGuard({
      store,
      conversationState,
      userState,
      budgetMs,
      now: () => new Date(clock),
      // Waiting for a busy conversation advances the injected clock instead of time.
      sleep: async (ms) => {
        clock += ms;
      },
    });
  const turnFor = (id: string, text?: string) => new TurnContext(adapter, activity(id, text));
  const sent = (turn: TurnContext) => {
    const texts: string[] = [];
    turn.onSendActivities(async (_ctx, activities, next) => {
      for (const a of activities) texts.push(a.text ?? '');
      return next();
    });
    return texts;
  };

  beforeEach(async () => {
    clock = Date.parse('2030-01-01T00:00:00Z');
    const opened = await openStore({ filename: ':memory:', now: () => new Date(clock) });
    store = leases === 'in memory (SQLite)' ? opened : withLeaseDocuments(opened);
    conversationState = new ConversationState(store.botStorage());
    userState = new UserState(store.botStorage());
  });
  afterEach(async () => {
    await store.close();
  });

  it('answers that it is busy and runs nothing when the conversation stays taken past half the budget', async () => {
    let release: () => void = () => undefined;
    const holding = guard().run(turnFor('a1'), () => new Promise<void>((resolve) => (release = resolve)));
    const second = turnFor('a2');
    const replies = sent(second);
    let ran = false;
    await guard().run(second, async () => {
      ran = true;
    });
    release();
    await holding;
    assert.equal(ran, false);
    assert.deepEqual(replies, [BUSY_MESSAGE]);
  });

  it('commits nothing when the conversation state changed under the turn', async () => {
    const turn = turnFor('a1');
    const key = conversationState.getStorageKey(turn) ?? '';
    await guard().run(turn, async () => {
      await conversationState.createProperty<number>('step').set(turn, 1);
      await store.put('botstate', key, { step: 99 });
    });
    assert.deepEqual((await store.get('botstate', key))?.value, { step: 99 });
  });

  it('leaves a send of an earlier run of the activity open when Twilio cannot check it, so a new request asks first', async () => {
    let requests = 0;
    // Nothing listens at the call's gateway: Twilio cannot be asked what became of a send.
    const sendIn = (turn: TurnContext, run: () => Promise<unknown>) => performIn(turn, unreachableSmsCall('user-1'), run);
    // The first run sends and never hears back (the process "dies" there): its intent stays pending.
    const first = turnFor('a1');
    let unblock: () => void = () => undefined;
    let reachedTwilio: () => void = () => undefined;
    const reached = new Promise<void>((resolve) => (reachedTwilio = resolve));
    const crashed = guard().run(first, () =>
      sendIn(first, () => {
        requests += 1;
        reachedTwilio();
        return new Promise((resolve) => (unblock = () => resolve({ sid: 'SM1' })));
      }).then(
        () => undefined,
        () => undefined,
      ),
    );
    await reached;
    // The channel delivers the activity again once the lease ran out; Twilio cannot be reached to check.
    clock += 2_000;
    const copy = turnFor('a1');
    let copySent: boolean | undefined;
    await guard().run(copy, async () => {
      await assert.rejects(sendIn(copy, async () => (requests += 1)), { code: 'outcome_unknown' });
      copySent = sentInTurn(copy);
    });
    assert.equal(copySent, true, 'the copy counts the first run\'s send: it may have gone out');
    // The user asks again: a new activity, a new intent; the open one is asked about first, and nothing is sent.
    const again = turnFor('a2');
    await guard().run(again, async () => {
      await assert.rejects(sendIn(again, async () => (requests += 1)), { code: 'outcome_unknown' });
    });
    assert.equal(requests, 1);
    unblock();
    await crashed;
  });

  it('performs no send once another turn took the conversation over after the lease ran out', async () => {
    let performed = 0;
    let resume: () => void = () => undefined;
    const paused = new Promise<void>((resolve) => (resume = resolve));
    const slow = turnFor('a1');
    const first = guard().run(slow, async () => {
      await paused;
      // Never reached: the lost lease stops the send before any request.
      await performIn(slow, unreachableSmsCall('user-1', 'late'), async () => {
        performed += 1;
        return {};
      });
    });
    // The first turn's lease (1.5 x the budget) runs out; a copy on "another instance" takes the conversation.
    clock += 2_000;
    await guard().run(turnFor('a2'), async () => undefined);
    resume();
    await first;
    assert.equal(performed, 0);
  });

  it('answers a copy of a recorded activity with the recorded replies, without running the turn again', async () => {
    const once = turnFor('a1');
    await guard().run(once, async () => {
      await once.sendActivity('first answer');
    });
    const copy = new TurnContext(adapter, { ...activity('a1'), deliveryMode: 'expectReplies' });
    const replies = sent(copy);
    let ran = false;
    await guard().run(copy, async () => {
      ran = true;
    });
    assert.equal(ran, false);
    assert.deepEqual(replies, ['first answer']);
  });
});

describe('TurnGuard: intents of sends', () => {
  const fixture = new EmulatorFixture();
  let store: Store;
  let conversationState: ConversationState;
  let userState: UserState;
  const adapter = new TestAdapter();
  const clock = Date.parse('2030-01-01T00:00:00Z');

  before(() => fixture.start());
  after(() => fixture.stop());
  beforeEach(async () => {
    store = await openStore({ filename: ':memory:', now: () => new Date(clock) });
    conversationState = new ConversationState(store.botStorage());
    userState = new UserState(store.botStorage());
  });
  afterEach(async () => {
    await store.close();
  });

  const guard = () => new TurnGuard({ store, conversationState, userState, budgetMs: 5_000, now: () => new Date(clock) });
  const smsCall = (body: string): ServiceCall => ({
    ref: { channelId: 'test', userId: 'user-1' },
    dialog: 'send-sms',
    node: 'send',
    occurrence: 0,
    operation: 'sendSms',
    input: { to: '+14155550123', from: '+15005550006', body },
    gateway: fixture.gateway,
  });
  /** Runs one turn that performs `call` with `run`; resolves with the error it threw, if any. */
  const sendInTurn = async (id: string, call: ServiceCall, run: () => Promise<unknown>): Promise<unknown> => {
    const turn = new TurnContext(adapter, activity(id));
    let failure: unknown;
    await guard().run(turn, async () => {
      try {
        await performIn(turn, call, run);
      } catch (err) {
        failure = err;
      }
    });
    return failure;
  };
  const marks = async () => (await store.list(INTENTS_NAMESPACE, { prefix: OPEN_INTENT_PREFIX })).map((doc) => doc.key);
  const intentKeys = async () => (await store.list(INTENTS_NAMESPACE)).map((doc) => doc.key).filter((key) => !key.startsWith(OPEN_INTENT_PREFIX));

  it('marks a send whose outcome is unknown, and drops the mark once a later send learns from Twilio that it was not sent', async () => {
    const lost = await sendInTurn('a1', smsCall('first'), () => Promise.reject(new Error('socket hang up')));
    assert.equal((lost as { code?: unknown }).code, 'outcome_unknown');
    const [uncertain] = await intentKeys();
    assert.deepEqual(await marks(), [`${OPEN_INTENT_PREFIX}${uncertain}`]);

    let sent = 0;
    assert.equal(await sendInTurn('a2', smsCall('second'), async () => ({ sid: `SM${++sent}` })), undefined);
    assert.equal(sent, 1);
    assert.deepEqual(await marks(), []);
    assert.equal((await store.get<{ state: string }>(INTENTS_NAMESPACE, uncertain ?? ''))?.value.state, 'not-performed');
  });

  it('leaves no mark after a send Twilio confirmed', async () => {
    assert.equal(await sendInTurn('a1', smsCall('confirmed'), async () => ({ sid: 'SM1' })), undefined);
    const [key] = await intentKeys();
    assert.equal((await store.get<{ state: string }>(INTENTS_NAMESPACE, key ?? ''))?.value.state, 'performed');
    assert.deepEqual(await marks(), []);
  });

  it('ignores and removes a mark whose intent was settled meanwhile (a crash between the two writes)', async () => {
    assert.equal(await sendInTurn('a1', smsCall('one'), async () => ({ sid: 'SM1' })), undefined);
    const [settled] = await intentKeys();
    await store.put(INTENTS_NAMESPACE, `${OPEN_INTENT_PREFIX}${settled}`, { since: 'then' });
    let sent = 0;
    assert.equal(await sendInTurn('a2', smsCall('two'), async () => ({ sid: `SM${++sent}` })), undefined);
    assert.equal(sent, 1);
    assert.deepEqual(await marks(), []);
  });
});

describe('TurnGuard: audit entries of a turn', () => {
  const fixture = new EmulatorFixture();
  let store: Store;
  /** Every write the guard asked the store for, as "method namespace [ephemeral] [+audit]", in order. */
  let writes: string[];
  let conversationState: ConversationState;
  let userState: UserState;
  const adapter = new TestAdapter();
  const clock = Date.parse('2030-01-01T00:00:00Z');
  const entry = { actor: 'test:user-1', action: 'sms.send', target: '…0123', outcome: 'queued' };

  /** The real store, with its writes noted on the way through (reads pass untouched). */
  function noting(real: Store): Store {
    return Object.assign(Object.create(real) as Store, {
      put: (namespace: string, key: string, value: unknown, options?: PutOptions) => {
        writes.push(`put ${namespace}${options?.ephemeral === true ? ' ephemeral' : ''}`);
        return real.put(namespace, key, value, options);
      },
      putMany: (namespace: string, items: PutItem[], options?: PutManyOptions) => {
        writes.push(`putMany ${namespace}${(options?.audit?.length ?? 0) > 0 ? ' +audit' : ''}`);
        return real.putMany(namespace, items, options);
      },
      delete: (namespace: string, key: string, options?: { etag?: string }) => {
        writes.push(`delete ${namespace}`);
        return real.delete(namespace, key, options);
      },
      appendAudit: (input: Parameters<Store['appendAudit']>[0]) => {
        writes.push('appendAudit');
        return real.appendAudit(input);
      },
    });
  }

  before(() => fixture.start());
  after(() => fixture.stop());
  beforeEach(async () => {
    writes = [];
    store = await openStore({ filename: ':memory:', now: () => new Date(clock) });
    conversationState = new ConversationState(store.botStorage());
    userState = new UserState(store.botStorage());
  });
  afterEach(async () => {
    await store.close();
  });

  const guard = () => new TurnGuard({ store: noting(store), conversationState, userState, budgetMs: 5_000, now: () => new Date(clock) });
  const actions = async () => (await store.listAudit()).entries.map((e) => `${e.action} ${e.outcome}`);

  it('commits a send turn in two durable writes, the intent before the send and then the state with its audit entry, and no lease document', async () => {
    const turn = new TurnContext(adapter, activity('a1'));
    await guard().run(turn, async () => {
      await conversationState.createProperty<number>('step').set(turn, 1);
      await performIn(
        turn,
        {
          ref: { channelId: 'test', userId: 'user-1' },
          dialog: 'send-sms',
          node: 'send',
          occurrence: 0,
          operation: 'sendSms',
          input: { to: '+14155550123', from: '+15005550006', body: 'hello' },
          gateway: fixture.gateway,
        },
        async () => ({ sid: 'SM1' }),
      );
      turnAuditOf(turn)?.add(entry);
    });
    // The conversation's lease, taken, renewed before the send and released, is in the process's memory (SQLite).
    assert.deepEqual(writes, ['put intents', 'put intents ephemeral', 'putMany botstate +audit']);
    assert.deepEqual(await actions(), ['sms.send queued']);
  });

  it('writes the audit entries of a turn that failed after its call, before the failure reaches the adapter', async () => {
    const turn = new TurnContext(adapter, activity('a1'));
    await assert.rejects(
      guard().run(turn, async () => {
        turnAuditOf(turn)?.add(entry);
        throw new Error('the dialog broke after the send');
      }),
      /the dialog broke/,
    );
    assert.deepEqual(await actions(), ['sms.send queued']);
  });

  it('writes the audit entries of a turn whose state changed under it, though its state is not committed', async () => {
    const turn = new TurnContext(adapter, activity('a1'));
    const key = conversationState.getStorageKey(turn) ?? '';
    await guard().run(turn, async () => {
      await conversationState.createProperty<number>('step').set(turn, 1);
      turnAuditOf(turn)?.add(entry);
      await store.put('botstate', key, { step: 99 });
    });
    assert.deepEqual((await store.get('botstate', key))?.value, { step: 99 });
    assert.deepEqual(await actions(), ['sms.send queued']);
  });

  it('refuses an invalid audit entry when it is added, so it cannot fail the commit of the turn', async () => {
    const turn = new TurnContext(adapter, activity('a1'));
    await guard().run(turn, async () => {
      await conversationState.createProperty<number>('step').set(turn, 1);
      assert.throws(() => turnAuditOf(turn)?.add({ ...entry, actor: '' }), /audit actor/);
    });
    assert.deepEqual((await store.get<{ step: number }>('botstate', conversationState.getStorageKey(turn) ?? ''))?.value.step, 1);
    assert.deepEqual(await actions(), []);
  });

  it('has no collector outside a guarded turn, so the entry is written at once', () => {
    assert.equal(turnAuditOf(new TurnContext(adapter, activity('a1'))), undefined);
  });
});

describe('TurnGuard and the SQLite disk flush', () => {
  it('lets a turn running alone flush inline, and sends flushes to the thread pool while other turns run, of any guard', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tva-guard-flush-'));
    const flushes: boolean[] = [];
    const store = await openStore({
      dataDir: dir,
      sqliteWalFlusher: {
        flush: (_fd, alone) => {
          flushes.push(alone);
          return alone ? undefined : Promise.resolve();
        },
      },
    });
    try {
      const storage = store.botStorage();
      const guard = new TurnGuard({ store, conversationState: new ConversationState(storage), userState: new UserState(storage) });
      const adapter = new TestAdapter();
      const turnIn = (conversation: string) => new TurnContext(adapter, { ...activity(`${conversation}-1`), conversation: { id: conversation } as Activity['conversation'] });
      await guard.run(turnIn('alone'), async () => undefined);
      assert.deepEqual(flushes, [true], 'one turn: its state commit flushed inline');

      flushes.length = 0;
      let release: () => void = () => undefined;
      const first = guard.run(turnIn('first'), () => new Promise<void>((resolve) => (release = resolve)));
      await guard.run(turnIn('second'), async () => undefined);
      assert.deepEqual(flushes, [false], 'the second turn committed while the first ran: on the thread pool');
      release();
      await first;
      assert.deepEqual(flushes, [false, true], 'the first turn, alone again, flushed inline');

      flushes.length = 0;
      const other = new TurnGuard({ store, conversationState: new ConversationState(storage), userState: new UserState(storage) });
      const waiting = guard.run(turnIn('third'), () => new Promise<void>((resolve) => (release = resolve)));
      await other.run(turnIn('fourth'), async () => undefined);
      assert.deepEqual(flushes, [false], "another guard's turn counts too");
      release();
      await waiting;
      other.close();
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
