/**
 * Exactly-once turns. Channels deliver at least once: a slow or lost reply gets the same activity again, maybe on
 * another instance, maybe after a crash. The turn guard makes that safe, with the store (shared by every instance)
 * deciding:
 * - **One turn at a time per conversation.** A lease per conversation, taken only while nobody holds it (an
 *   expired one, left by a crashed instance or a stuck turn, is taken over). A turn that cannot get it within half
 *   its budget answers that it is still busy and does nothing else. On PostgreSQL a lease is a document, created
 *   only if absent, that every instance sees; on SQLite, which only one process serves turns from (the store locks
 *   them: `Store.processLeases`), the leases live in that process's memory.
 * - **A copy gets the original's answer.** The conversation state keeps a ledger of its last activity ids with the
 *   replies each got, saved in the same write as the state the turn produced; a copy of a recorded activity is
 *   answered from it (in the response body for `expectReplies`; nothing again for `serviceUrl` channels, which
 *   already have the replies) and runs nothing.
 * - **State saved with its eTag.** Conversation and user state are written with the eTag read at the turn's start
 *   (or created only if still absent): a turn whose state changed under it loses and commits nothing.
 * - **At most one send per intent.** Before an SMS or a code goes out, an intent record is written; afterwards it
 *   holds the result. A turn run again after a crash finds the record and asks Twilio what happened instead of
 *   sending again (see `reconcileSend`); so does any later send to the same person while an earlier outcome is
 *   unknown. When Twilio cannot tell, the user hears that plainly and nothing is sent.
 * - **Audit entries in the turn's commit.** Entries written during the turn (a verification started or checked, an
 *   SMS sent) are collected ({@link turnAuditOf}) and committed in the same transaction as the turn's state, before
 *   its reply: one disk flush instead of two. A turn that ends without committing its state (it failed, or was
 *   superseded) still writes them, on their own, before it ends: what was sent is never left unaudited.
 * - **A time budget.** Each turn has `budgetMs` (default 10 s) from its arrival: Twilio calls get what is left,
 *   never a longer wait, so a channel's patience is not outlasted. When a send's outcome is still unknown at the
 *   end, the user hears so at once; where the channel takes proactive messages (replies go to a `serviceUrl`), the
 *   guard asks Twilio again `recheckMs` later, in the background, and tells the user what it found.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  DeliveryModes,
  TurnContext,
  type Activity,
  type BotAdapter,
  type ConversationReference,
  type ConversationState,
  type UserState,
} from 'botbuilder';
import { noLogger, TURN_EFFECTS, TurnSupersededError, type DialogLogger, type ServiceCall, type TurnEffects } from '../dialogs';
import { BOT_STATE_NAMESPACE, checkAudit, StoreConflictError, type AuditInput, type LeaseTable, type PutItem, type Store } from '../store';
import { outcomeUncertain, reconcileSend, sendsToPerson, TwilioActionError, withDeadline } from '../twilio';

export const TURN_LOCKS_NAMESPACE = 'turnlocks';
export const INTENTS_NAMESPACE = 'intents';
/**
 * Keys under this prefix in INTENTS_NAMESPACE mark the intents whose outcome is uncertain (`open/<intent key>`),
 * so a send lists only those, not every intent its person had in a day. An uncertain intent always has its mark
 * (both are written in one atomic write); a mark left behind by a crash after its intent was settled is ignored and
 * removed.
 */
export const OPEN_INTENT_PREFIX = 'open/';

/** How long a turn may take from its arrival, Twilio calls included. */
export const DEFAULT_TURN_BUDGET_MS = 10_000;
/** Activities remembered per conversation, with their replies, to answer copies. */
export const TURN_LEDGER_SIZE = 16;
/** Retention: conversation state after its last turn, user state after its last change, intents after their end. */
export const DEFAULT_RETENTION = {
  conversationMs: 7 * 24 * 3600_000,
  userMs: 180 * 24 * 3600_000,
  intentMs: 24 * 3600_000,
} as const;

/**
 * A turn that sent something secret (an authorization link carries a one-time token) sets this on its turnState:
 * its replies are not kept in the ledger, and a copy of its activity gets a short note instead.
 */
export const REPLIES_NOT_KEPT = Symbol.for('twilio-verify-action.replies-not-kept');

/** Where a guarded turn collects the audit entries that join its state's commit (see {@link turnAuditOf}). */
const TURN_AUDIT = Symbol.for('twilio-verify-action.turn-audit');

/** Collects a guarded turn's audit entries: each is checked at once, and committed with the turn's state. */
export interface TurnAudit {
  /** Throws StoreValidationError for an entry the store would refuse (so it cannot fail the turn's commit). */
  add(entry: AuditInput): void;
}

/** The turn's audit collector when a guard runs it and has not committed yet; otherwise write entries directly. */
export function turnAuditOf(turn: TurnContext): TurnAudit | undefined {
  const audit: unknown = turn.turnState.get(TURN_AUDIT);
  return audit instanceof PendingAudit && audit.open ? audit : undefined;
}

class PendingAudit implements TurnAudit {
  readonly entries: AuditInput[] = [];
  open = true;

  add(entry: AuditInput): void {
    checkAudit(entry);
    this.entries.push(entry);
  }

  /** Hands over the entries for one commit; later entries (none in practice) are written directly. */
  close(): AuditInput[] {
    this.open = false;
    return this.entries.splice(0);
  }
}

/** What the background recheck of an unknown outcome tells the user, by operation and finding. */
export const RECHECK_MESSAGES: Readonly<Record<string, { performed: string; notPerformed: string }>> = {
  sendSms: {
    performed: 'Update: Twilio confirmed that your message went out.',
    notPerformed: 'Update: your message was not sent after all. Say "send an SMS" to try again.',
  },
  startVerification: {
    performed: 'Update: Twilio confirmed that your code was sent. Check your phone.',
    notPerformed: 'Update: no code was sent after all. Ask me for a new code to try again.',
  },
};

/** What a turn that could not get its conversation answers. */
export const BUSY_MESSAGE = "I'm still working on your previous message. Give me a moment, then send this again.";
/**
 * Said instead of "something went wrong… try again" when the turn failed after an SMS or a code went out (or may
 * have): a new request would send again.
 */
export const NOT_SAVED_AFTER_SEND_MESSAGE =
  "Something went wrong on my side after your request went to Twilio. Please don't ask for the same thing again, or it could be done twice; tell me what you need next.";

/**
 * A turn that sent (or may have sent) something could not commit its state: its replies stay (they say what was
 * sent), and the user is asked not to repeat the request (warnNotToRepeat).
 */
export class TurnNotSavedError extends Error {
  override readonly name = 'TurnNotSavedError';

  constructor(cause: unknown) {
    super(`The turn sent, then its state could not be saved: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** Turn-state keys: whether the turn's sends went out ({ made }), and whether the user was warned not to repeat. */
const TURN_SENDS = Symbol('turnSends');
const WARNED_NOT_TO_REPEAT = Symbol('warnedNotToRepeat');

/** True when, under a turn guard, a send of this turn went out or may have (Twilio did not confirm it). */
export function sentInTurn(turn: TurnContext): boolean {
  return (turn.turnState.get(TURN_SENDS) as { made: boolean } | undefined)?.made === true;
}

/** Tells the user, once per turn, that something failed after a send and not to ask again. */
export async function warnNotToRepeat(turn: TurnContext): Promise<void> {
  if (turn.turnState.get(WARNED_NOT_TO_REPEAT) === true) return;
  turn.turnState.set(WARNED_NOT_TO_REPEAT, true);
  await turn.sendActivity(NOT_SAVED_AFTER_SEND_MESSAGE);
}

const LEDGER_PROPERTY = 'turnLedger';
/** Replies above this size are not kept for copies (a copy then gets a short note instead). */
const MAX_LEDGER_REPLY_BYTES = 64 * 1024;
/** A reconciliation right after an uncertain send is only tried with at least this much budget left. */
const MIN_RECONCILE_MS = 1_000;
const REPLY_FIELDS = ['type', 'text', 'textFormat', 'speak', 'inputHint', 'suggestedActions', 'attachments', 'attachmentLayout', 'value', 'name'] as const;

export interface TurnGuardOptions {
  store: Store;
  conversationState: ConversationState;
  userState: UserState;
  budgetMs?: number;
  /** How long a conversation's lease lasts without renewal; default 1.5 x the budget. */
  leaseMs?: number;
  retention?: Partial<typeof DEFAULT_RETENTION>;
  /** The clock of leases and expiries: the store's clock. */
  now?: () => Date;
  /** Waits between attempts to get a busy conversation; injected in tests. */
  sleep?: (ms: number) => Promise<void>;
  /** How long after an unknown outcome the background recheck runs (proactive channels only); default 30 s. */
  recheckMs?: number;
  /** The bot's Microsoft App Id (empty when anonymous): proactive messages are sent as this bot. */
  botAppId?: string;
  logger?: DialogLogger;
}

type Reply = Partial<Activity>;

interface LedgerEntry {
  id: string;
  at: string;
  /** null when the replies were not kept (too large, or secret). */
  replies: Reply[] | null;
}

type IntentState = 'pending' | 'performed' | 'failed' | 'uncertain' | 'not-performed';

/** A send's intent as stored; the input is kept only while the outcome is open (to ask Twilio about it). */
interface IntentRecord {
  state: IntentState;
  operation: string;
  fingerprint: string;
  startedAt: string;
  input?: Record<string, unknown>;
  result?: unknown;
  code?: number | string;
}

interface Lease {
  key: string;
  etag: string;
}

interface Loaded {
  key: string;
  etag: string | undefined;
  /** The user state as read, to write it only when it changed (conversation state is written every turn). */
  json?: string;
}

function hashOf(...parts: string[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON with sorted keys, so equal inputs give equal fingerprints. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isRecord(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function withoutETag(value: Record<string, unknown>): Record<string, unknown> {
  const rest: Record<string, unknown> = { ...value };
  delete rest.eTag;
  return rest;
}

function readLedger(state: Record<string, unknown>): LedgerEntry[] {
  const ledger = state[LEDGER_PROPERTY];
  if (!Array.isArray(ledger)) return [];
  return ledger.flatMap((entry: unknown) => {
    if (!isRecord(entry) || typeof entry.id !== 'string' || typeof entry.at !== 'string') return [];
    const replies = Array.isArray(entry.replies) ? entry.replies.filter(isRecord) : null;
    return [{ id: entry.id, at: entry.at, replies }];
  });
}

function readIntent(value: unknown): IntentRecord | undefined {
  if (!isRecord(value)) return undefined;
  const { state, operation, fingerprint, startedAt } = value;
  const states: readonly unknown[] = ['pending', 'performed', 'failed', 'uncertain', 'not-performed'];
  if (!states.includes(state) || typeof operation !== 'string' || typeof fingerprint !== 'string' || typeof startedAt !== 'string') {
    return undefined;
  }
  return {
    state: state as IntentState,
    operation,
    fingerprint,
    startedAt,
    ...(isRecord(value.input) ? { input: value.input } : {}),
    ...('result' in value ? { result: value.result } : {}),
  };
}

/** The parts of a reply worth replaying, as plain JSON. */
function copyReply(activity: Partial<Activity>): Reply {
  const copy: Record<string, unknown> = {};
  for (const field of REPLY_FIELDS) if (activity[field] !== undefined) copy[field] = activity[field];
  return JSON.parse(JSON.stringify(copy)) as Reply;
}

function sleepFor(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Serializes, de-duplicates and budgets turns; see the module comment. */
export class TurnGuard {
  readonly budgetMs: number;
  private readonly store: Store;
  private readonly conversationState: ConversationState;
  private readonly userState: UserState;
  private readonly leaseMs: number;
  private readonly retention: typeof DEFAULT_RETENTION;
  private readonly now: () => Date;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly logger: DialogLogger;
  private readonly owner = randomBytes(8).toString('hex');
  private readonly recheckMs: number;
  private readonly botAppId: string;
  private readonly rechecks = new Set<NodeJS.Timeout>();
  /** Turns of this guard between their start and their end (the store's load probe). */
  private running = 0;
  private readonly stopProbing: () => void;
  /** Leases in this process's memory (SQLite), or undefined: lease documents in the store (PostgreSQL). */
  private readonly leases: LeaseTable | undefined;

  constructor(options: TurnGuardOptions) {
    this.store = options.store;
    this.conversationState = options.conversationState;
    this.userState = options.userState;
    this.budgetMs = options.budgetMs ?? DEFAULT_TURN_BUDGET_MS;
    if (!Number.isFinite(this.budgetMs) || this.budgetMs <= 0) throw new RangeError('The turn budget must be a positive number of milliseconds.');
    this.leaseMs = options.leaseMs ?? Math.ceil(this.budgetMs * 1.5);
    this.retention = { ...DEFAULT_RETENTION, ...options.retention };
    this.now = options.now ?? (() => new Date());
    this.sleep = options.sleep ?? sleepFor;
    this.logger = options.logger ?? noLogger;
    this.recheckMs = options.recheckMs ?? 30_000;
    this.botAppId = options.botAppId ?? '';
    this.leases = this.store.processLeases?.();
    this.stopProbing = this.store.addLoadProbe?.(() => this.running) ?? (() => undefined);
  }

  /** Cancels pending background rechecks (the server is stopping; their intents stay uncertain and are asked later). */
  close(): void {
    this.stopProbing();
    for (const timer of this.rechecks) clearTimeout(timer);
    this.rechecks.clear();
  }

  /** Runs `logic` for the turn under the guard, then commits its state; see the module comment. */
  async run(turn: TurnContext, logic: () => Promise<void>): Promise<void> {
    this.running += 1;
    try {
      await this.guarded(turn, logic);
    } finally {
      this.running -= 1;
    }
  }

  private async guarded(turn: TurnContext, logic: () => Promise<void>): Promise<void> {
    const arrived = this.now().getTime();
    const deadline = arrived + this.budgetMs;
    const activity = turn.activity;
    const conversationId = activity.conversation?.id;
    if (typeof conversationId !== 'string' || conversationId === '') {
      await withDeadline(deadline, logic);
      return;
    }
    // Waiting for the conversation may take at most half the budget: a turn that gets it keeps the other half for
    // its own work and Twilio (a copy waiting out a crashed instance's lease would otherwise run with no time left).
    const lease = await this.acquire(hashOf('conversation', activity.channelId, conversationId), arrived + this.budgetMs / 2);
    if (lease === undefined) {
      this.logger.warn('conversation busy: turn not run', { activity: activity.type });
      await turn.sendActivity(BUSY_MESSAGE);
      return;
    }
    let releasing: Promise<void> | undefined;
    const audit = new PendingAudit();
    turn.turnState.set(TURN_AUDIT, audit);
    // The entries handed to the state's commit; emptied once it committed them.
    let joining: AuditInput[] = [];
    // Whether a send of this turn went out, or may have: set by its effects.
    const sends = { made: false };
    turn.turnState.set(TURN_SENDS, sends);
    try {
      const loaded = await this.load(turn);
      const conversation = this.conversationState.get(turn) as Record<string, unknown>;
      const ledger = readLedger(conversation);
      const activityId = typeof activity.id === 'string' && activity.id !== '' ? activity.id : undefined;
      const recorded = activityId === undefined ? undefined : ledger.find((entry) => entry.id === activityId);
      if (recorded) {
        await this.replay(turn, recorded);
        return;
      }
      const replies: Reply[] = [];
      turn.onSendActivities(async (_context, activities, next) => {
        for (const reply of activities) replies.push(copyReply(reply));
        return next();
      });
      turn.turnState.set(TURN_EFFECTS, this.effects(turn, lease, deadline, activityId, conversationId, sends));
      await withDeadline(deadline, logic);
      if (activityId !== undefined) {
        const current = this.conversationState.get(turn) as Record<string, unknown> | undefined;
        if (current) {
          const keep = turn.turnState.get(REPLIES_NOT_KEPT) !== true && JSON.stringify(replies).length <= MAX_LEDGER_REPLY_BYTES;
          const entry: LedgerEntry = { id: activityId, at: this.now().toISOString(), replies: keep ? replies : null };
          current[LEDGER_PROPERTY] = [...readLedger(current).filter((e) => e.id !== activityId), entry].slice(-TURN_LEDGER_SIZE);
        }
      }
      joining = audit.close();
      const saving = this.save(turn, loaded, joining);
      // A lease document goes, with group commit, in the same commit as the state, after it (one disk flush per
      // turn, and never a released lease without the state); a lease in memory, or without group commit, only once
      // the state is committed.
      if (this.store.groupCommit && this.leases === undefined) releasing = this.release(lease);
      await saving;
    } catch (err) {
      if (!(err instanceof TurnSupersededError)) {
        // The state was not committed (the store failed, the disk is full): the turn's replies speak of a state that
        // is gone, so none goes out in the response body; unless something was sent, which the user must hear.
        if (!sends.made) {
          turn.bufferedReplyActivities.length = 0;
          throw err;
        }
        throw new TurnNotSavedError(err);
      }
      // Another instance took the conversation over: this turn commits nothing and says nothing more.
      this.logger.warn('turn superseded: nothing committed', { activity: activity.type });
      turn.bufferedReplyActivities.length = 0;
    } finally {
      // Not committed with the state (the turn failed or was superseded): entries of calls that happened are still
      // written, and durable before the turn ends.
      const unwritten = [...joining, ...audit.close()];
      if (unwritten.length > 0) await this.writeAudit(unwritten);
      await (releasing ?? this.release(lease));
    }
  }

  private async writeAudit(entries: AuditInput[]): Promise<void> {
    try {
      await this.store.putMany(BOT_STATE_NAMESPACE, [], { audit: entries });
    } catch (err) {
      this.logger.error('audit failed', { entries: entries.length, problem: err instanceof Error ? err.message : String(err) });
    }
  }

  /** Deletes expired leases, intents and state (call it now and then; every instance may). */
  async sweep(): Promise<number> {
    return this.store.sweepExpired();
  }

  private expiry(ms: number): Date {
    return new Date(this.now().getTime() + ms);
  }

  private async acquire(key: string, waitUntil: number): Promise<Lease | undefined> {
    for (let wait = 10; ; wait = Math.min(wait * 2, 200)) {
      const etag = await this.take(key);
      if (etag !== undefined) return { key, etag };
      if (this.now().getTime() + wait >= waitUntil) return undefined;
      await this.sleep(wait);
    }
  }

  /** One attempt at the lease: its etag, or undefined while another turn holds it. */
  private async take(key: string): Promise<string | undefined> {
    const expiresAt = this.expiry(this.leaseMs);
    if (this.leases) return this.leases.take(key, expiresAt);
    try {
      // Ephemeral: a lease is worth nothing after a power loss, which ends the turns of this machine that held it.
      return await this.store.put(TURN_LOCKS_NAMESPACE, key, { owner: this.owner }, { ifAbsent: true, expiresAt, ephemeral: true });
    } catch (err) {
      if (err instanceof StoreConflictError) return undefined;
      throw err;
    }
  }

  /** Renews the lease before an effect; a turn that lost it must not perform anything. */
  private async fence(lease: Lease): Promise<void> {
    if (this.leases) {
      const etag = this.leases.renew(lease.key, lease.etag, this.expiry(this.leaseMs));
      if (etag === undefined) throw new TurnSupersededError('The conversation was taken over by another turn.');
      lease.etag = etag;
      return;
    }
    try {
      lease.etag = await this.store.put(TURN_LOCKS_NAMESPACE, lease.key, { owner: this.owner }, { etag: lease.etag, expiresAt: this.expiry(this.leaseMs), ephemeral: true });
    } catch (err) {
      if (err instanceof StoreConflictError) throw new TurnSupersededError('The conversation was taken over by another turn.');
      throw err;
    }
  }

  private async release(lease: Lease): Promise<void> {
    if (this.leases) {
      this.leases.release(lease.key, lease.etag);
      return;
    }
    try {
      await this.store.delete(TURN_LOCKS_NAMESPACE, lease.key, { etag: lease.etag });
    } catch (err) {
      if (!(err instanceof StoreConflictError)) this.logger.error('could not release a conversation lease', { error: err instanceof Error ? err.name : 'unknown' });
    }
  }

  /**
   * Reads both states afresh and remembers what they were, to save them with their eTags. Both reads are issued at
   * once: a store that batches the reads of one tick (PostgreSQL) makes them one round trip.
   */
  private async load(turn: TurnContext): Promise<Loaded[]> {
    const states = [this.conversationState, this.userState];
    const values: unknown[] = await Promise.all(states.map((state) => state.load(turn, true)));
    const loaded: Loaded[] = [];
    for (const [i, state] of states.entries()) {
      const key = state.getStorageKey(turn);
      const value = values[i];
      if (key === undefined || !isRecord(value)) continue;
      const etag = typeof value.eTag === 'string' ? value.eTag : undefined;
      loaded.push(state === this.userState ? { key, etag, json: JSON.stringify(withoutETag(value)) } : { key, etag });
    }
    return loaded;
  }

  /**
   * Writes both states in one atomic write, each with the eTag it was read with (or created only if still absent);
   * user state only when it changed; the turn's audit entries join it. The store call is issued before the first
   * await, so a write the caller issues right after lands in the same group commit. On a conflict nothing is
   * written, and `audit` keeps the entries (the caller writes them on their own).
   */
  private async save(turn: TurnContext, loaded: Loaded[], audit: AuditInput[]): Promise<void> {
    const states: Array<[ConversationState | UserState, number]> = [
      [this.conversationState, this.retention.conversationMs],
      [this.userState, this.retention.userMs],
    ];
    const items: PutItem[] = [];
    const values: Record<string, unknown>[] = [];
    for (const [state, keepMs] of states) {
      const key = state.getStorageKey(turn);
      const value: unknown = state.get(turn);
      const before = loaded.find((l) => l.key === key);
      if (key === undefined || !isRecord(value) || before === undefined) continue;
      const rest = withoutETag(value);
      if (state === this.userState && JSON.stringify(rest) === before.json) continue;
      const expiresAt = this.expiry(keepMs);
      items.push({ key, value: rest, options: before.etag === undefined ? { ifAbsent: true, expiresAt } : { etag: before.etag, expiresAt } });
      values.push(value);
    }
    if (items.length === 0 && audit.length === 0) return;
    try {
      const etags = await this.store.putMany(BOT_STATE_NAMESPACE, items, audit.length === 0 ? undefined : { audit });
      audit.length = 0;
      for (const [i, value] of values.entries()) value.eTag = etags[i];
    } catch (err) {
      if (err instanceof StoreConflictError) throw new TurnSupersededError('The state changed under this turn.');
      throw err;
    }
  }

  private async replay(turn: TurnContext, entry: LedgerEntry): Promise<void> {
    this.logger.info('repeated activity answered from the ledger', { activity: turn.activity.type });
    // serviceUrl channels already got these replies from the first run; only a response body needs them again.
    if (turn.activity.deliveryMode !== DeliveryModes.ExpectReplies) return;
    if (entry.replies === null) {
      await turn.sendActivity('I already answered this message: see my reply above.');
      return;
    }
    if (entry.replies.length > 0) await turn.sendActivities(entry.replies);
  }

  private effects(
    turn: TurnContext,
    lease: Lease,
    deadline: number,
    activityId: string | undefined,
    conversationId: string,
    sends: { made: boolean },
  ): TurnEffects {
    return {
      perform: async (call: ServiceCall, run: () => Promise<unknown>) => {
        if (!sendsToPerson(call.operation)) return withDeadline(deadline, run);
        // The lease's renewal is awaited before anything goes to Twilio; with group commit it commits with the intent.
        const fenced = this.fence(lease);
        fenced.catch(() => undefined); // awaited in sendOnce
        const person = hashOf('user', call.ref.channelId, call.ref.userId).slice(0, 32);
        const key = `${person}/${activityId === undefined ? randomBytes(16).toString('hex') : hashOf(conversationId, activityId, call.dialog, call.node, String(call.occurrence))}`;
        try {
          return await this.sendOnce(call, run, key, `${person}/`, deadline, fenced, sends);
        } catch (err) {
          if (err instanceof TwilioActionError && err.code === 'outcome_unknown' && turn.activity.deliveryMode !== DeliveryModes.ExpectReplies) {
            this.scheduleRecheck(turn.adapter, TurnContext.getConversationReference(turn.activity), call, key);
          }
          throw err;
        }
      },
    };
  }

  /**
   * Sends to this person whose outcome is open: this intent still pending (its turn crashed mid-send) or uncertain,
   * and every other uncertain one (found through their marks), in key order.
   */
  private async openIntents(call: ServiceCall, key: string, own: { etag: string; value: unknown } | undefined, marks: Array<{ key: string }>) {
    const docs = new Map<string, { etag: string; value: unknown }>();
    if (own) docs.set(key, own);
    for (const mark of marks) {
      const target = mark.key.slice(OPEN_INTENT_PREFIX.length);
      if (docs.has(target)) continue;
      const doc = await this.store.get<unknown>(INTENTS_NAMESPACE, target);
      if (doc && readIntent(doc.value)?.state === 'uncertain') docs.set(target, doc);
      else await this.unmark(target);
    }
    return [...docs.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .flatMap(([docKey, doc]) => {
        const record = readIntent(doc.value);
        if (!record || record.operation !== call.operation || record.input === undefined) return [];
        if (record.state !== 'uncertain' && !(record.state === 'pending' && docKey === key)) return [];
        return [{ key: docKey, etag: doc.etag, record }];
      });
  }

  /**
   * `fenced`: the lease's renewal, issued just before; awaited before any call to Twilio. With group commit the
   * intent's write joins its commit (one commit and disk flush before the send instead of two); should the renewal
   * fail, that intent stays pending, and the turn that took the conversation over asks Twilio before sending.
   * `sends.made` is set as soon as this send is known to have gone out, or may have (Twilio did not confirm it),
   * before anything is written about it: should that write fail, the turn still tells the user it was sent.
   */
  private async sendOnce(
    call: ServiceCall,
    run: () => Promise<unknown>,
    key: string,
    personPrefix: string,
    deadline: number,
    fenced: Promise<void>,
    sends: { made: boolean },
  ): Promise<unknown> {
    const fingerprint = hashOf(call.operation, canonical(call.input));
    // This intent and the marks of the person's open ones, read at once (on PostgreSQL two queries in flight together).
    const [found, marks] = await Promise.all([
      this.store.get<unknown>(INTENTS_NAMESPACE, key),
      this.store.list<unknown>(INTENTS_NAMESPACE, { prefix: `${OPEN_INTENT_PREFIX}${personPrefix}` }),
    ]);
    let own = found;
    const ownRecord = own ? readIntent(own.value) : undefined;
    if (ownRecord?.state === 'performed') {
      sends.made = true;
      await fenced;
      return ownRecord.result;
    }

    // Sends to this person whose outcome is open (this intent after a crash, or an earlier one Twilio never
    // confirmed): ask Twilio before sending anything again.
    const open = await this.openIntents(call, key, own, marks);
    if (open.length > 0) await fenced;
    for (const entry of open) {
      const found = await this.reconcile(call, entry.record, deadline).catch(async (err: unknown) => {
        if (entry.key === key) await this.leaveOpen(entry, sends);
        throw err;
      });
      const sameSend = found.kind === 'performed' && entry.record.fingerprint === fingerprint;
      if (sameSend) sends.made = true;
      await this.finish(entry.key, entry.etag, entry.record, found.kind === 'performed' ? { state: 'performed', result: found.result } : { state: 'not-performed' });
      if (entry.key === key) own = await this.store.get<unknown>(INTENTS_NAMESPACE, key);
      if (sameSend) {
        this.logger.info('send found already performed at Twilio; not sent again', { operation: call.operation });
        return found.result;
      }
    }

    const startedAt = this.now().toISOString();
    const record: IntentRecord = { state: 'pending', operation: call.operation, fingerprint, startedAt, input: { ...call.input } };
    let etag: string;
    const current = own;
    const options = { expiresAt: this.expiry(this.retention.intentMs) };
    const written = this.store.put(INTENTS_NAMESPACE, key, record, current ? { ...options, etag: current.etag } : { ...options, ifAbsent: true });
    try {
      [, etag] = await Promise.all([fenced, written]);
    } catch (err) {
      written.catch(() => undefined); // the renewal failed first: its turn is superseded whatever this write gave
      if (err instanceof StoreConflictError) throw new TurnSupersededError('Another turn is performing this send.');
      throw err;
    }
    let result: unknown;
    try {
      result = await withDeadline(deadline, run);
    } catch (err) {
      if (!outcomeUncertain(err)) {
        const code = err instanceof TwilioActionError ? err.code : 'unexpected_error';
        await this.finish(key, etag, record, { state: 'failed', code });
        throw err;
      }
      sends.made = true;
      if (deadline - this.now().getTime() >= MIN_RECONCILE_MS) {
        try {
          const found = await withDeadline(deadline, () => reconcileSend(call.gateway, call.operation, call.input, new Date(startedAt)));
          if (found.kind === 'performed') {
            await this.finish(key, etag, record, { state: 'performed', result: found.result });
            return found.result;
          }
        } catch {
          // Twilio cannot tell right now: the intent stays uncertain and is asked about again before any resend.
        }
      }
      await this.finish(key, etag, record, { state: 'uncertain' });
      this.logger.warn('send outcome unknown; it will be checked before any resend', { operation: call.operation });
      throw new TwilioActionError({ code: 'outcome_unknown', status: 0, twilioMessage: 'Twilio did not confirm the request and its outcome could not be checked' });
    }
    sends.made = true;
    const recorded = this.finish(key, etag, record, { state: 'performed', result });
    if (!this.store.groupCommit) {
      await recorded;
      return result;
    }
    // With group commit the known outcome needs no wait of its own (one commit fewer to wait for on the turn's path).
    // On SQLite it commits in the same or an earlier batch than the turn's state, whose disk flush precedes the
    // reply; on PostgreSQL batches of different ticks may commit in either order. Should it be lost, the intent reads
    // pending and a rerun asks Twilio, as after a crash in mid-send; a copy of a turn whose state was committed is
    // answered from the ledger, never rerun.
    recorded.catch((err: unknown) => {
      this.logger.error('could not record a performed send; a rerun will ask Twilio', { error: err instanceof Error ? err.name : 'unknown' });
    });
    return result;
  }

  /** Asks Twilio again later about an unknown outcome and tells the user in the conversation what it found. */
  private scheduleRecheck(adapter: BotAdapter, reference: Partial<ConversationReference>, call: ServiceCall, key: string): void {
    const timer = setTimeout(() => {
      this.rechecks.delete(timer);
      this.recheck(adapter, reference, call, key).catch((err: unknown) => {
        this.logger.warn('background recheck failed; the next send will check first', { error: err instanceof Error ? err.name : 'unknown' });
      });
    }, this.recheckMs);
    timer.unref();
    this.rechecks.add(timer);
  }

  private async recheck(adapter: BotAdapter, reference: Partial<ConversationReference>, call: ServiceCall, key: string): Promise<void> {
    const doc = await this.store.get<unknown>(INTENTS_NAMESPACE, key);
    const record = doc ? readIntent(doc.value) : undefined;
    // Settled meanwhile (the user tried again, or another instance checked): nothing to add.
    if (!doc || record?.state !== 'uncertain' || record.input === undefined) return;
    // A budget of its own: the timer inherited the finished turn's (spent) deadline through AsyncLocalStorage.
    const input = record.input;
    const found = await withDeadline(this.now().getTime() + this.budgetMs, () =>
      reconcileSend(call.gateway, record.operation, input, new Date(record.startedAt)),
    );
    await this.finish(key, doc.etag, record, found.kind === 'performed' ? { state: 'performed', result: found.result } : { state: 'not-performed' });
    const messages = RECHECK_MESSAGES[record.operation];
    if (messages === undefined) return;
    const text = found.kind === 'performed' ? messages.performed : messages.notPerformed;
    await adapter.continueConversationAsync(this.botAppId, reference, async (context) => {
      await context.sendActivity(text);
    });
    this.logger.info('background recheck told the user', { operation: record.operation, found: found.kind });
  }

  /** Whether an open intent was performed; a failure to find out means the user must be told it is unknown. */
  /**
   * This turn's own intent, left by an earlier run of the same activity (a crash mid-send), could not be checked with
   * Twilio: that run may have sent, so the turn says so (`sends.made`), and a pending intent becomes uncertain, with
   * the mark that makes any later send to this person ask Twilio first (a new activity has another intent key).
   */
  private async leaveOpen(entry: { key: string; etag: string; record: IntentRecord }, sends: { made: boolean }): Promise<void> {
    sends.made = true;
    if (entry.record.state !== 'pending') return;
    await this.finish(entry.key, entry.etag, entry.record, { state: 'uncertain' }).catch((err: unknown) => {
      this.logger.error('could not mark an unchecked send as open', { problem: err instanceof Error ? err.message : String(err) });
    });
  }

  private async reconcile(call: ServiceCall, record: IntentRecord, deadline: number) {
    try {
      return await withDeadline(deadline, () => reconcileSend(call.gateway, record.operation, record.input ?? {}, new Date(record.startedAt)));
    } catch (err) {
      this.logger.warn('could not check an earlier send with Twilio', { code: err instanceof TwilioActionError ? err.code : 'unexpected_error' });
      throw new TwilioActionError({ code: 'outcome_unknown', status: 0, twilioMessage: 'An earlier send could not be checked with Twilio' });
    }
  }

  /**
   * Ends an intent: kept for the retention time, its input dropped once the outcome is known. An uncertain outcome
   * is written with its mark, in one atomic write, and waits for the disk. A known outcome of a pending intent
   * does not wait for the disk flush (SQLite): losing it in a power failure leaves the intent pending, which a
   * rerun asks Twilio about, and the reply to the turn waits for the flush of its state, which covers it too.
   */
  private async finish(key: string, etag: string, record: IntentRecord, outcome: Pick<IntentRecord, 'state' | 'result' | 'code'>): Promise<void> {
    const { input, ...rest } = record;
    const next: IntentRecord = { ...rest, ...outcome, ...(outcome.state === 'uncertain' && input ? { input } : {}) };
    const expiresAt = this.expiry(this.retention.intentMs);
    try {
      if (outcome.state === 'uncertain') {
        await this.store.putMany(INTENTS_NAMESPACE, [
          { key, value: next, options: { etag, expiresAt } },
          { key: `${OPEN_INTENT_PREFIX}${key}`, value: { since: next.startedAt }, options: { expiresAt } },
        ]);
        return;
      }
      await this.store.put(INTENTS_NAMESPACE, key, next, { etag, expiresAt, ephemeral: record.state === 'pending' });
    } catch (err) {
      if (!(err instanceof StoreConflictError)) throw err;
      this.logger.warn('an intent changed under this turn', { state: outcome.state });
      return;
    }
    if (record.state === 'uncertain') await this.unmark(key);
  }

  /** Removes the mark of an intent whose outcome is no longer uncertain. */
  private async unmark(key: string): Promise<void> {
    try {
      await this.store.delete(INTENTS_NAMESPACE, `${OPEN_INTENT_PREFIX}${key}`);
    } catch (err) {
      this.logger.warn('could not remove the mark of a settled intent', { error: err instanceof Error ? err.name : 'unknown' });
    }
  }
}
