/**
 * Twilio's Messages status callbacks, received: checked, applied once and in order, and told to the person who sent
 * the message. HTTP-agnostic (the server's route hands over the URL Twilio called, the form and the signature).
 *
 * - The form must name a message (`MessageSid`), its account and a known status: otherwise 400.
 * - A message this server did not send (an unknown SID) is answered 200 and ignored: Twilio retries other answers.
 * - The signature must be Twilio's for the URL it called (built from PUBLIC_BASE_URL, so it holds behind a proxy)
 *   under the Auth Token of the credentials that sent the message, and the account must be the message's: 403 and
 *   nothing changes otherwise (also when no Auth Token is known, e.g. API-key credentials).
 * - A repeat or a late status changes nothing; a final status is audited (no body) and told to the sender.
 */
import type { ConversationReference } from 'botbuilder';
import { isSignedByTwilio } from './signature';
import { type MessageLedger, type MessageRecord, type MessageSender } from './messages';
import { deliveryOutcomeMessage, isMessageStatus } from './status';

export interface StatusCallbackRequest {
  /** The URL Twilio called, as it saw it (PUBLIC_BASE_URL + path and query). */
  url: string;
  params: Readonly<Record<string, string>>;
  signature: string | undefined;
}

export interface StatusCallbackAnswer {
  status: 200 | 400 | 403;
  outcome: 'applied' | 'unchanged' | 'ignored' | 'invalid' | 'refused';
  message: string;
}

export interface StatusCallbackDeps {
  ledger: MessageLedger;
  /** The Auth Token of the credentials that sent a message, if one is known (never an API key secret). */
  authTokenFor(sender: MessageSender): Promise<string | undefined>;
  /** Tells the sender in the conversation, proactively; false when the channel cannot take it now. */
  proactive(conversation: Partial<ConversationReference>, text: string): Promise<boolean>;
  audit(entry: { actor: string; action: string; target?: string; outcome: string; details?: Record<string, unknown> }): Promise<void>;
}

const SID = /^(SM|MM)[0-9a-fA-F]{32}$/;
const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;

function errorCodeOf(text: string | undefined): number | null {
  return text !== undefined && /^\d{1,6}$/.test(text) ? Number(text) : null;
}

/** Handles one status callback; see the module comment. */
export async function receiveStatusCallback(deps: StatusCallbackDeps, request: StatusCallbackRequest): Promise<StatusCallbackAnswer> {
  const { MessageSid: sid, AccountSid: accountSid, MessageStatus: status } = request.params;
  if (sid === undefined || !SID.test(sid) || accountSid === undefined || !ACCOUNT_SID.test(accountSid) || !isMessageStatus(status)) {
    return { status: 400, outcome: 'invalid', message: 'A status callback names MessageSid, AccountSid and a MessageStatus.' };
  }
  const record = await deps.ledger.get(sid);
  if (record === undefined) return { status: 200, outcome: 'ignored', message: 'Not a message this bot sent.' };
  const token = await deps.authTokenFor(record.sender);
  if (accountSid !== record.accountSid || !isSignedByTwilio(request, token)) {
    return { status: 403, outcome: 'refused', message: 'The X-Twilio-Signature does not match.' };
  }
  const update = await deps.ledger.applyStatus({ sid, accountSid, status, errorCode: errorCodeOf(request.params.ErrorCode) });
  if (update.kind !== 'advanced') return { status: 200, outcome: 'unchanged', message: 'Nothing new.' };
  if (update.final) {
    await deps.audit({
      actor: 'twilio',
      action: 'sms.delivery',
      target: update.record.to,
      outcome: update.record.status,
      details: { messageSid: sid, ...(update.record.errorCode === null ? {} : { errorCode: update.record.errorCode }) },
    });
    await tellSender(deps, update.record);
  }
  return { status: 200, outcome: 'applied', message: `Now ${update.record.status}.` };
}

/** Proactively where the channel allows it, otherwise at the start of the conversation's next turn. */
async function tellSender(deps: StatusCallbackDeps, record: MessageRecord): Promise<void> {
  const text = deliveryOutcomeMessage(record.to, record.status, record.errorCode);
  // Claiming the message first means two instances receiving the same callback never both tell it.
  if (record.proactive) {
    if (!(await deps.ledger.markNotified(record.sid))) return;
    if (await deps.proactive(record.conversation, text).catch(() => false)) return;
  }
  await deps.ledger.queueNotice(record, text);
}
