/** The 2010-04-01 API: the Account resource and Messages (create, list, fetch, delete). */
import { statusAt } from './callbacks';
import { notFound, TwilioError } from './errors';
import { E164, isSid, newSid, rfc2822Date, segmentCount, smsEncoding } from './format';
import { MESSAGES_MAGIC_FROM, MESSAGES_MAGIC_TO, unverified } from './magic';
import { param, paging, type Handler, type TwilioRequest } from './request';
import { MESSAGE_LIMIT, type EmulatorState, type MessageRecord } from './state';

const API = '/2010-04-01';
const MAX_BODY = 1600;

const ACCOUNT_SUBRESOURCES: Readonly<Record<string, string>> = {
  available_phone_numbers: 'AvailablePhoneNumbers',
  calls: 'Calls',
  conferences: 'Conferences',
  incoming_phone_numbers: 'IncomingPhoneNumbers',
  notifications: 'Notifications',
  outgoing_caller_ids: 'OutgoingCallerIds',
  recordings: 'Recordings',
  transcriptions: 'Transcriptions',
  addresses: 'Addresses',
  signing_keys: 'SigningKeys',
  connect_apps: 'ConnectApps',
  sip: 'SIP',
  authorized_connect_apps: 'AuthorizedConnectApps',
  usage: 'Usage',
  keys: 'Keys',
  applications: 'Applications',
  short_codes: 'SMS/ShortCodes',
  queues: 'Queues',
  messages: 'Messages',
  balance: 'Balance',
};

/** GET /2010-04-01/Accounts/{Sid}.json (the authorization check). */
export const fetchAccount: Handler = (state) => {
  const { account } = state;
  const base = `${API}/Accounts/${account.sid}`;
  const subresourceUris: Record<string, string> = {};
  for (const [key, name] of Object.entries(ACCOUNT_SUBRESOURCES)) subresourceUris[key] = `${base}/${name}.json`;
  return {
    status: 200,
    body: {
      auth_token: account.authToken,
      date_created: rfc2822Date(account.dateCreated),
      date_updated: rfc2822Date(account.dateCreated),
      friendly_name: account.friendlyName,
      owner_account_sid: account.sid,
      sid: account.sid,
      status: 'active',
      subresource_uris: subresourceUris,
      type: state.account.type,
      uri: `${base}.json`,
    },
  };
};

function messageUri(accountSid: string, sid: string): string {
  return `${API}/Accounts/${accountSid}/Messages/${sid}.json`;
}

function messageJson(state: EmulatorState, m: MessageRecord, justCreated: boolean): Record<string, unknown> {
  const uri = messageUri(state.account.sid, m.sid);
  const created = rfc2822Date(m.dateCreated);
  const outcome = statusAt(m, state.clock.now());
  return {
    body: m.body,
    num_segments: String(segmentCount(m.body)),
    direction: 'outbound-api',
    from: m.from,
    to: m.to,
    date_updated: created,
    price: null,
    error_message: null,
    uri,
    account_sid: state.account.sid,
    num_media: String(m.numMedia),
    // queued, then sent after 1 s and delivered (or a magic number's end) after 3 s on the clock, as its callbacks say.
    status: justCreated ? 'queued' : outcome.status,
    messaging_service_sid: m.messagingServiceSid,
    sid: m.sid,
    date_sent: justCreated || outcome.status === 'queued' ? null : created,
    date_created: created,
    error_code: justCreated ? null : outcome.errorCode,
    price_unit: 'USD',
    api_version: '2010-04-01',
    subresource_uris: {
      media: uri.replace(/\.json$/, '/Media.json'),
      feedback: uri.replace(/\.json$/, '/Feedback.json'),
    },
  };
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** An address Messages accepts for To: E.164, or a channel address such as `whatsapp:+14155550123`. */
function validTo(to: string): boolean {
  return E164.test(to) || /^(whatsapp|messenger|rcs):\+?[\w.+-]+$/.test(to);
}

/** A sender Messages accepts for From: E.164, a channel address, a short code, or an alphanumeric sender ID. */
function validFrom(from: string): boolean {
  return validTo(from) || /^\d{3,6}$/.test(from) || /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/.test(from);
}

/** POST /2010-04-01/Accounts/{AccountSid}/Messages.json */
export const createMessage: Handler = (state, req) => {
  const to = param(req.form, 'To')?.trim();
  const from = param(req.form, 'From')?.trim() || undefined;
  const messagingServiceSid = param(req.form, 'MessagingServiceSid')?.trim() || undefined;
  const body = param(req.form, 'Body') ?? '';
  const mediaUrls = req.form.getAll('MediaUrl').filter((u) => u !== '');
  const contentSid = param(req.form, 'ContentSid');
  const statusCallback = param(req.form, 'StatusCallback')?.trim() || undefined;

  if (to === undefined || to === '') throw new TwilioError(400, 21604, "A 'To' phone number is required.");
  if (!validTo(to)) throw new TwilioError(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
  if (from === undefined && messagingServiceSid === undefined) {
    throw new TwilioError(400, 21603, "A 'From' phone number is required.");
  }
  if (from !== undefined && !validFrom(from)) {
    throw new TwilioError(400, 21212, `The 'From' number ${from} is not a valid phone number, shortcode, or alphanumeric sender ID.`);
  }
  if (messagingServiceSid !== undefined && !isSid(messagingServiceSid, 'MG')) {
    throw new TwilioError(400, 21701, `The Messaging Service Sid ${messagingServiceSid} is invalid.`);
  }
  if (body === '' && mediaUrls.length === 0 && contentSid === undefined) {
    throw new TwilioError(400, 21602, 'Message body is required.');
  }
  // Twilio counts the limit in characters: an emoji (two UTF-16 code units) is one.
  if (smsEncoding(body).characters > MAX_BODY) {
    throw new TwilioError(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
  }
  if (statusCallback !== undefined && !isHttpUrl(statusCallback)) {
    throw new TwilioError(400, 21609, `The StatusCallback URL ${statusCallback} is not a valid URL.`);
  }
  const toError = MESSAGES_MAGIC_TO[to];
  if (toError) throw toError(to);
  if (!reachableFromTrial(state, to)) throw unverified(to);
  const fromError = from === undefined ? undefined : MESSAGES_MAGIC_FROM[from];
  if (fromError && from !== undefined) throw fromError(from);

  const message: MessageRecord = {
    sid: newSid(mediaUrls.length > 0 ? 'MM' : 'SM'),
    to,
    from: from ?? null,
    messagingServiceSid: messagingServiceSid ?? null,
    body,
    numMedia: mediaUrls.length,
    dateCreated: req.now,
  };
  state.messages.push(message);
  if (state.messages.length > MESSAGE_LIMIT) state.messages.shift();
  if (statusCallback !== undefined) state.callbacks.schedule(message, statusCallback);
  state.deliver({
    sid: message.sid,
    to,
    from: from ?? messagingServiceSid ?? '',
    channel: to.startsWith('whatsapp:') ? 'whatsapp' : 'sms',
    body,
  }, 'message');
  return { status: 201, body: messageJson(state, message, true) };
};

function findMessage(state: EmulatorState, req: TwilioRequest): MessageRecord {
  const sid = req.params['Sid'] ?? '';
  const message = state.messages.find((m) => m.sid === sid);
  if (!message) throw notFound(req.path);
  return message;
}

/** GET /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json */
export const fetchMessage: Handler = (state, req) => ({ status: 200, body: messageJson(state, findMessage(state, req), false) });

/** DELETE /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json */
export const deleteMessage: Handler = (state, req) => {
  const message = findMessage(state, req);
  state.messages.splice(state.messages.indexOf(message), 1);
  return { status: 204 };
};

function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** GET /2010-04-01/Accounts/{AccountSid}/Messages.json: newest first, filters To, From, DateSent (YYYY-MM-DD, `<`, `>`). */
export const listMessages: Handler = (state, req) => {
  const { page, pageSize } = paging(req.query);
  const filters = new URLSearchParams();
  for (const key of ['To', 'From', 'DateSent', 'DateSent<', 'DateSent>']) {
    const value = req.query.get(key);
    if (value !== null) filters.set(key, value);
  }
  const to = filters.get('To');
  const from = filters.get('From');
  const on = filters.get('DateSent');
  const before = filters.get('DateSent<');
  const after = filters.get('DateSent>');
  const matching = state.messages
    .filter(
      (m) =>
        (to === null || m.to === to) &&
        (from === null || m.from === from) &&
        (on === null || day(m.dateCreated) === on.slice(0, 10)) &&
        (before === null || day(m.dateCreated) <= before.slice(0, 10)) &&
        (after === null || day(m.dateCreated) >= after.slice(0, 10)),
    )
    .reverse();
  const start = page * pageSize;
  const items = matching.slice(start, start + pageSize);
  const listPath = `${API}/Accounts/${state.account.sid}/Messages.json`;
  const pageUri = (n: number, token?: string): string => {
    const q = new URLSearchParams(filters);
    q.set('PageSize', String(pageSize));
    q.set('Page', String(n));
    if (token !== undefined) q.set('PageToken', token);
    return `${listPath}?${q.toString()}`;
  };
  const last = items[items.length - 1];
  const hasNext = start + pageSize < matching.length && last !== undefined;
  const first = items[0];
  return {
    status: 200,
    body: {
      messages: items.map((m) => messageJson(state, m, false)),
      end: start + Math.max(items.length - 1, 0),
      first_page_uri: pageUri(0),
      next_page_uri: hasNext ? pageUri(page + 1, `PA${last.sid}`) : null,
      page,
      page_size: pageSize,
      previous_page_uri: page > 0 ? pageUri(page - 1, first ? `PB${first.sid}` : undefined) : null,
      start,
      uri: pageUri(page),
    },
  };
};

/** Whether the account may send to `to`: any number on a full account, only verified ones on a trial account. */
export function reachableFromTrial(state: EmulatorState, to: string): boolean {
  return state.account.type === 'Full' || state.account.verifiedNumbers.has(to.replace(/^whatsapp:/, ''));
}
