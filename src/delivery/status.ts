/**
 * What a message's delivery status means, independent of how it arrives (Twilio's status callbacks, or a fetch):
 * the order statuses move in, which ones are final, and what to tell the person who sent it.
 *
 * Twilio's callbacks can arrive out of order and more than once; a later status never goes back to an earlier one
 * (queued < sending < sent < delivered / undelivered / failed), and a repeat changes nothing.
 */

/** Twilio's message statuses (`message_enum_status` in the 2010 API spec). */
export const MESSAGE_STATUSES = [
  'accepted',
  'scheduled',
  'queued',
  'sending',
  'sent',
  'receiving',
  'received',
  'delivered',
  'undelivered',
  'failed',
  'read',
  'partially_delivered',
  'canceled',
] as const;

export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** How far along each status is; equal ranks are alternative ends. */
const RANK: Readonly<Record<MessageStatus, number>> = {
  accepted: 0,
  scheduled: 0,
  queued: 1,
  sending: 2,
  sent: 3,
  receiving: 3,
  received: 3,
  partially_delivered: 4,
  delivered: 4,
  undelivered: 4,
  failed: 4,
  canceled: 4,
  read: 5,
};

/** Statuses after which nothing more happens to a message (`read` may still follow `delivered` on WhatsApp). */
const FINAL: ReadonlySet<MessageStatus> = new Set(['delivered', 'undelivered', 'failed', 'canceled', 'read', 'partially_delivered']);

export function isMessageStatus(value: unknown): value is MessageStatus {
  return typeof value === 'string' && (MESSAGE_STATUSES as readonly string[]).includes(value);
}

export function isFinalStatus(status: MessageStatus): boolean {
  return FINAL.has(status);
}

/**
 * The status after `incoming` arrives at a message that is at `current`: `incoming` when it moves the message
 * forward, otherwise `current` (late, repeated, or a different end after an end was reached).
 */
export function advanceStatus(current: MessageStatus | undefined, incoming: MessageStatus): MessageStatus {
  if (current === undefined) return incoming;
  if (current === incoming) return current;
  // Once at an end, only `read` (after delivered) can still come; no other end replaces the first one.
  if (FINAL.has(current)) return current === 'delivered' && incoming === 'read' ? incoming : current;
  return RANK[incoming] > RANK[current] ? incoming : current;
}

/** Why an SMS did not arrive, by Twilio's error code, in words the sender can act on. */
export const UNDELIVERED_REASONS: Readonly<Record<number, string>> = {
  21610: 'the recipient has opted out of messages from this number (they replied STOP); they can reply START to opt back in',
  21612: "Twilio can't route messages to that number",
  21614: "that number isn't a mobile number, so it can't receive texts",
  30001: 'the message sat in the queue too long and expired; please send it again',
  30002: 'the Twilio account was suspended; ask your admin',
  30003: "the recipient's phone is unreachable (switched off or out of coverage); try again later",
  30004: 'the recipient or their carrier blocked the message',
  30005: "that number doesn't exist or is no longer in service; check it",
  30006: "that number is a landline or can't receive texts; use a mobile number",
  30007: "the recipient's carrier filtered the message as spam; rewording it may help",
  30008: 'the carrier reported an unknown error; try again later',
  30034: 'the sending number is not registered for A2P 10DLC messaging in the US; ask your admin',
  30044: 'the message was too long for the carrier; send a shorter one',
};

/** What the sender hears once a message reaches a final status. */
export function deliveryOutcomeMessage(to: string, status: MessageStatus, errorCode: number | null): string {
  if (status === 'delivered' || status === 'read') return `Your message to ${to} was delivered.`;
  if (status === 'canceled') return `Your message to ${to} was canceled before it went out.`;
  const reason = errorCode === null ? undefined : UNDELIVERED_REASONS[errorCode];
  const what = status === 'failed' ? "couldn't be sent" : "wasn't delivered";
  if (reason !== undefined) return `Your message to ${to} ${what}: ${reason}.`;
  const code = errorCode === null ? '' : ` (Twilio error ${errorCode})`;
  return `Your message to ${to} ${what}${code}. Check the number and try again later.`;
}
