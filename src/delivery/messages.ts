/**
 * The messages the bot sent, as far as delivery goes: who sent each one (the action's credentials, or one user's),
 * the conversation to tell, and its status history. No body is kept, and the number only masked (`…0123`).
 * Records expire after `retentionMs` (default 30 days).
 *
 * Status callbacks may arrive out of order, twice, or for a message this server never sent: {@link MessageLedger.applyStatus}
 * moves a record only forward, says when it just reached a final status, and ignores unknown SIDs.
 */
import { createHash } from 'node:crypto';
import type { ConversationReference } from 'botbuilder';
import { StoreConflictError, type Store } from '../store';
import { advanceStatus, isFinalStatus, isMessageStatus, type MessageStatus } from './status';
import { isRecord } from '../json';

export const MESSAGES_NAMESPACE = 'messages';
export const NOTICES_NAMESPACE = 'notices';
export const DEFAULT_MESSAGE_RETENTION_MS = 30 * 24 * 3600_000;

/** Whose credentials sent a message (and so whose Auth Token signs its callbacks). */
export type MessageSender = { kind: 'action' } | { kind: 'user'; channelId: string; userId: string };

export interface StatusChange {
  status: MessageStatus;
  errorCode: number | null;
  at: string;
}

export interface MessageRecord {
  sid: string;
  accountSid: string;
  /** The recipient, masked. */
  to: string;
  sender: MessageSender;
  conversation: Partial<ConversationReference>;
  /** Whether the conversation's channel takes proactive messages (replies went to a serviceUrl, not a response body). */
  proactive: boolean;
  status: MessageStatus;
  errorCode: number | null;
  history: StatusChange[];
  /** Whether the sender was told the final outcome. */
  notified: boolean;
  createdAt: string;
  updatedAt: string;
}

export type StatusUpdate =
  | { kind: 'unknown' }
  | { kind: 'unchanged'; record: MessageRecord }
  | { kind: 'advanced'; record: MessageRecord; final: boolean };

/** `…0123`: enough to tell numbers apart in a list, not enough to text them. */
export function maskNumber(to: string): string {
  return to.length > 4 ? `…${to.slice(-4)}` : '…';
}

/** A conversation's key among notices: a hash, so no id with slashes or personal data becomes a key. */
function conversationKey(conversation: Partial<ConversationReference>): string {
  return createHash('sha256')
    .update(JSON.stringify([conversation.channelId ?? '', conversation.conversation?.id ?? '']))
    .digest('hex');
}


function readRecord(value: unknown): MessageRecord | undefined {
  if (!isRecord(value)) return undefined;
  const { sid, accountSid, to, sender, conversation, proactive, status, history, notified, createdAt, updatedAt, errorCode } = value;
  if (typeof sid !== 'string' || typeof accountSid !== 'string' || typeof to !== 'string') return undefined;
  if (!isRecord(sender) || !isRecord(conversation) || !isMessageStatus(status) || !Array.isArray(history)) return undefined;
  if (typeof notified !== 'boolean' || typeof proactive !== 'boolean' || typeof createdAt !== 'string' || typeof updatedAt !== 'string') return undefined;
  if (!(errorCode === null || typeof errorCode === 'number')) return undefined;
  const who: MessageSender | undefined =
    sender.kind === 'action'
      ? { kind: 'action' }
      : sender.kind === 'user' && typeof sender.channelId === 'string' && typeof sender.userId === 'string'
        ? { kind: 'user', channelId: sender.channelId, userId: sender.userId }
        : undefined;
  if (who === undefined) return undefined;
  const changes = history.flatMap((h: unknown): StatusChange[] =>
    isRecord(h) && isMessageStatus(h.status) && typeof h.at === 'string' && (h.errorCode === null || typeof h.errorCode === 'number')
      ? [{ status: h.status, at: h.at, errorCode: h.errorCode }]
      : [],
  );
  return {
    sid,
    accountSid,
    to,
    sender: who,
    conversation: conversation as Partial<ConversationReference>,
    proactive,
    status,
    errorCode,
    history: changes,
    notified,
    createdAt,
    updatedAt,
  };
}

export interface MessageLedgerOptions {
  store: Store;
  now?: () => Date;
  retentionMs?: number;
}

/** The store of sent messages and their delivery status. */
export class MessageLedger {
  private readonly store: Store;
  private readonly now: () => Date;
  private readonly retentionMs: number;

  constructor(options: MessageLedgerOptions) {
    this.store = options.store;
    this.now = options.now ?? (() => new Date());
    this.retentionMs = options.retentionMs ?? DEFAULT_MESSAGE_RETENTION_MS;
  }

  private expiry(): Date {
    return new Date(this.now().getTime() + this.retentionMs);
  }

  /** Records a message Twilio accepted (no body; the number masked). A second record of one SID keeps the first. */
  async recordSent(message: {
    sid: string;
    accountSid: string;
    to: string;
    status: MessageStatus;
    sender: MessageSender;
    conversation: Partial<ConversationReference>;
    proactive: boolean;
  }): Promise<void> {
    const at = this.now().toISOString();
    const record: MessageRecord = {
      sid: message.sid,
      accountSid: message.accountSid,
      to: maskNumber(message.to),
      sender: message.sender,
      conversation: JSON.parse(JSON.stringify(message.conversation)) as Partial<ConversationReference>,
      proactive: message.proactive,
      status: message.status,
      errorCode: null,
      history: [{ status: message.status, errorCode: null, at }],
      notified: false,
      createdAt: at,
      updatedAt: at,
    };
    try {
      // Written inside the turn that sent it, right before the turn's state commit, whose disk flush covers it: it
      // needs no flush of its own (PutOptions.ephemeral). A power cut before that commit loses only the following of
      // this SMS's delivery, never a send (the intent is on disk before the send).
      await this.store.put(MESSAGES_NAMESPACE, message.sid, record, { ifAbsent: true, expiresAt: this.expiry(), ephemeral: true });
    } catch (err) {
      if (!(err instanceof StoreConflictError)) throw err;
    }
  }

  async get(sid: string): Promise<MessageRecord | undefined> {
    const doc = await this.store.get<unknown>(MESSAGES_NAMESPACE, sid);
    return doc ? readRecord(doc.value) : undefined;
  }

  /** Applies one status report; only a later status moves the record (see the module comment). */
  async applyStatus(update: { sid: string; accountSid: string; status: MessageStatus; errorCode: number | null }): Promise<StatusUpdate> {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const doc = await this.store.get<unknown>(MESSAGES_NAMESPACE, update.sid);
      const record = doc ? readRecord(doc.value) : undefined;
      if (!doc || !record || record.accountSid !== update.accountSid) return { kind: 'unknown' };
      const next = advanceStatus(record.status, update.status);
      if (next === record.status) return { kind: 'unchanged', record };
      const at = this.now().toISOString();
      const errorCode = next === update.status ? update.errorCode : record.errorCode;
      const moved: MessageRecord = {
        ...record,
        status: next,
        errorCode,
        history: [...record.history, { status: next, errorCode, at }],
        updatedAt: at,
      };
      try {
        await this.store.put(MESSAGES_NAMESPACE, update.sid, moved, { etag: doc.etag, expiresAt: this.expiry() });
      } catch (err) {
        if (err instanceof StoreConflictError) continue;
        throw err;
      }
      return { kind: 'advanced', record: moved, final: isFinalStatus(next) && !isFinalStatus(record.status) };
    }
    throw new StoreConflictError(MESSAGES_NAMESPACE, update.sid);
  }

  /** Marks a message's outcome as told; false when someone else told it first. */
  async markNotified(sid: string): Promise<boolean> {
    const doc = await this.store.get<unknown>(MESSAGES_NAMESPACE, sid);
    const record = doc ? readRecord(doc.value) : undefined;
    if (!doc || !record || record.notified) return false;
    try {
      await this.store.put(MESSAGES_NAMESPACE, sid, { ...record, notified: true }, { etag: doc.etag, expiresAt: this.expiry() });
      return true;
    } catch (err) {
      if (err instanceof StoreConflictError) return false;
      throw err;
    }
  }

  /**
   * Keeps a final outcome for the start of the conversation's next turn (channels without proactive messages, or a
   * proactive message that failed). One notice per message; taken once.
   */
  async queueNotice(record: MessageRecord, text: string): Promise<void> {
    const key = `${conversationKey(record.conversation)}/${record.sid}`;
    await this.store.put(NOTICES_NAMESPACE, key, { sid: record.sid, text }, { expiresAt: this.expiry() });
  }

  /** The notices waiting for this conversation, each taken (deleted) as it is read, oldest first. */
  async takeNotices(conversation: Partial<ConversationReference>): Promise<string[]> {
    const waiting = await this.store.list<unknown>(NOTICES_NAMESPACE, { prefix: `${conversationKey(conversation)}/` });
    const texts: string[] = [];
    for (const doc of waiting) {
      // take() hands each notice to exactly one turn, whichever instance runs it.
      const notice = await this.store.take<unknown>(NOTICES_NAMESPACE, doc.key);
      if (isRecord(notice) && typeof notice.text === 'string' && typeof notice.sid === 'string') {
        texts.push(notice.text);
        await this.markNotified(notice.sid);
      }
    }
    return texts;
  }

  /** The most recent messages, newest first (numbers masked, no bodies). */
  async recent(limit = 50): Promise<MessageRecord[]> {
    const all = (await this.store.list<unknown>(MESSAGES_NAMESPACE)).flatMap((doc) => {
      const record = readRecord(doc.value);
      return record ? [record] : [];
    });
    return all.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0)).slice(0, limit);
  }
}
