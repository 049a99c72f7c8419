/**
 * Messages status callbacks, as Twilio sends them: when a message was created with `StatusCallback`, the emulator
 * POSTs form-encoded reports to that URL (MessageSid, MessageStatus, ErrorCode, To, From, AccountSid…), signed with
 * `X-Twilio-Signature` under the account's Auth Token, moving queued -> sent -> delivered (or undelivered / failed
 * for the magic numbers below), timed on the emulator's clock: `sent` 1 s after creation, the end 3 s after. Due
 * reports go out on {@link StatusCallbacks.deliverDue}, which the emulator calls as its clock moves. Each report and
 * the answer it got are kept for the developer endpoint.
 */
import { createHmac } from 'node:crypto';
import type { EmulatorClock } from './clock';

/** Emulator-only recipients whose messages end badly, with the error code Twilio reports. */
export const UNDELIVERED_NUMBERS: Readonly<Record<string, { status: 'undelivered' | 'failed'; errorCode: number }>> = {
  '+15005550030': { status: 'undelivered', errorCode: 30003 },
  '+15005550031': { status: 'undelivered', errorCode: 30005 },
  '+15005550032': { status: 'undelivered', errorCode: 30006 },
  '+15005550033': { status: 'undelivered', errorCode: 30007 },
  '+15005550034': { status: 'failed', errorCode: 30008 },
};

const SENT_AFTER_MS = 1_000;
const FINAL_AFTER_MS = 3_000;

/** Where a message stands at `now`: queued, sent after 1 s, and its end after 3 s (a magic number's, else delivered). */
export function statusAt(message: { to: string; dateCreated: Date }, now: Date): { status: string; errorCode: number | null } {
  const age = now.getTime() - message.dateCreated.getTime();
  if (age < SENT_AFTER_MS) return { status: 'queued', errorCode: null };
  if (age < FINAL_AFTER_MS) return { status: 'sent', errorCode: null };
  const end = UNDELIVERED_NUMBERS[message.to];
  return end ? { status: end.status, errorCode: end.errorCode } : { status: 'delivered', errorCode: null };
}

/** Twilio's signature: base64 HMAC-SHA1, keyed with the Auth Token, of the URL and each parameter (sorted by name) name+value. */
export function twilioSignature(authToken: string, url: string, params: Readonly<Record<string, string>>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((text, name) => text + name + (params[name] ?? ''), url);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

/** One report sent, and how the receiver answered it. */
export interface CallbackDelivery {
  messageSid: string;
  url: string;
  status: string;
  params: Record<string, string>;
  /** The receiver's HTTP status; null when it could not be reached. */
  answer: number | null;
  error?: string;
  at: string;
}

export interface CallbackMessage {
  sid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  dateCreated: Date;
}

interface Due {
  at: number;
  url: string;
  params: Record<string, string>;
}

/** Posts a signed form; answers the HTTP status. Injected in tests. */
export type CallbackPoster = (url: string, body: string, headers: Record<string, string>) => Promise<number>;

const postForm: CallbackPoster = async (url, body, headers) => {
  const response = await fetch(url, { method: 'POST', body, headers, signal: AbortSignal.timeout(15_000), redirect: 'manual' });
  await response.arrayBuffer();
  return response.status;
};

export interface StatusCallbacksOptions {
  accountSid: string;
  authToken: string;
  clock: EmulatorClock;
  post?: CallbackPoster;
  /** At most this many deliveries are kept for the developer endpoint. */
  keep?: number;
}

/** The emulator's outgoing status callbacks. */
export class StatusCallbacks {
  private readonly due: Due[] = [];
  private readonly sent: CallbackDelivery[] = [];
  private readonly post: CallbackPoster;
  private readonly keep: number;
  private sending: Promise<void> = Promise.resolve();

  constructor(private readonly options: StatusCallbacksOptions) {
    this.post = options.post ?? postForm;
    this.keep = options.keep ?? 500;
  }

  /** Plans the reports of a new message to `url`. */
  schedule(message: CallbackMessage, url: string): void {
    const base: Record<string, string> = {
      AccountSid: this.options.accountSid,
      ApiVersion: '2010-04-01',
      MessageSid: message.sid,
      SmsSid: message.sid,
      To: message.to,
      ...(message.from === null ? {} : { From: message.from }),
      ...(message.messagingServiceSid === null ? {} : { MessagingServiceSid: message.messagingServiceSid }),
    };
    const created = message.dateCreated.getTime();
    const end = UNDELIVERED_NUMBERS[message.to];
    const report = (status: string, errorCode?: number): Record<string, string> => ({
      ...base,
      MessageStatus: status,
      SmsStatus: status,
      ...(errorCode === undefined ? {} : { ErrorCode: String(errorCode) }),
    });
    this.due.push({ at: created + SENT_AFTER_MS, url, params: report('sent') });
    this.due.push({ at: created + FINAL_AFTER_MS, url, params: end ? report(end.status, end.errorCode) : report('delivered') });
  }

  /** Sends every report due by the clock's now, in order; resolves once they were answered. */
  deliverDue(): Promise<void> {
    const now = this.options.clock.now().getTime();
    const ready = this.due.filter((d) => d.at <= now).sort((a, b) => a.at - b.at);
    for (const d of ready) this.due.splice(this.due.indexOf(d), 1);
    this.sending = this.sending.then(async () => {
      for (const d of ready) await this.deliver(d);
    });
    return this.sending;
  }

  /** Reports sent so far, oldest first. */
  deliveries(): CallbackDelivery[] {
    return this.sent.map((d) => ({ ...d, params: { ...d.params } }));
  }

  /** How many reports wait for their time. */
  pending(): number {
    return this.due.length;
  }

  private async deliver(d: Due): Promise<void> {
    const headers = {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilioSignature(this.options.authToken, d.url, d.params),
      'user-agent': 'TwilioProxy/1.1',
    };
    const record: CallbackDelivery = {
      messageSid: d.params.MessageSid ?? '',
      url: d.url,
      status: d.params.MessageStatus ?? '',
      params: d.params,
      answer: null,
      at: this.options.clock.now().toISOString(),
    };
    try {
      record.answer = await this.post(d.url, new URLSearchParams(d.params).toString(), headers);
    } catch (err) {
      record.error = err instanceof Error ? err.message : String(err);
    }
    this.sent.push(record);
    if (this.sent.length > this.keep) this.sent.shift();
  }
}
