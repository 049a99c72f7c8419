/**
 * One-time codes made by the action itself ("message templates" mode, docs in the README's "Choosing how codes are
 * sent"). The rules are Verify's, so the dialogs and their tables are the same in both modes:
 * - a code is 4 to 10 digits from a CSPRNG (`crypto.randomInt`), valid 10 minutes, good for one approval;
 * - 5 checks per verification: a wrong code answers `pending`; after the fifth wrong one the next check answers
 *   60202 and the code no longer works;
 * - 5 sends per number in any 10 minutes; the sixth answers 60203 with `retryAfterSeconds`;
 * - a new start while a code is valid keeps the verification (same VE… SID) but sends a NEW code, and the old one
 *   stops working: only a keyed hash is kept (HMAC-SHA256 under a key derived from the secrets key, bound to the
 *   verification SID), so the code cannot be sent again;
 * - compared with `crypto.timingSafeEqual`.
 * State is one store document per number (namespace `otp`, expiring), changed only by compare-and-set on its eTag,
 * keyed by an HMAC of the number and holding the number only sealed (AES-256-GCM), both under the derived key,
 * so any number of instances sharing the store agree, and concurrent checks cannot exceed five. Failures use
 * Verify's codes and shapes: 20404, 60200, 60202, 60203, and Messaging's own (21211, 21610 …) for the SMS.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { StoreConflictError, type Store, type StoredDocument } from '../store';
import { normalizePhoneNumber, TwilioActionError, type TwilioGateway } from '../twilio';
import type { ListedSms } from './messages';

export const OTP_NAMESPACE = 'otp';
/** The label of the HMAC key derived from the secrets key (HKDF). */
export const OTP_KEY_LABEL = 'otp code hash v1';
export const CODE_VALIDITY_MS = 10 * 60_000;
export const MAX_CHECKS = 5;
export const MAX_SENDS = 5;
export const SEND_WINDOW_MS = 10 * 60_000;
export const DEFAULT_CODE_LENGTH = 6;
/** The `serviceSid` a message-templates verification carries (there is no Verify Service). */
export const TEMPLATES_SERVICE = 'messageTemplates';

export const USAGE_TYPES = ['register', 'signIn', 'test'] as const;
export type UsageType = (typeof USAGE_TYPES)[number];

/** What a message-templates start needs from the configuration. */
export interface TemplateSettings {
  sender: string;
  templates: Readonly<Record<UsageType, string>>;
  codeLength: number;
}

/** Texts `body` to `to`; the real `sendSms` operation, so delivery callbacks and the ledger follow it. */
export type SmsSend = (to: string, body: string) => Promise<{ sid: string }>;

interface Attempt {
  attemptSid: string;
  channel: 'sms';
  time: string;
}

interface CurrentCode {
  sid: string;
  usageType: UsageType;
  /** HMAC-SHA256 (hex) of the code, under the current derived key, bound to `sid`. */
  hash: string;
  status: 'pending' | 'approved' | 'canceled' | 'max_attempts_reached';
  /** Read as absent by every operation (approved, or out of checks). */
  deleted: boolean;
  wrongChecks: number;
  /** The next check answers 60202 once (Verify's behaviour after the fifth wrong code). */
  owesMaxAttemptsError: boolean;
  attempts: Attempt[];
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
  /** When the latest code's SMS was about to go out, and its Message SID once Twilio took it. */
  sendStartedAt: number;
  messageSid: string | null;
}

/** The number, sealed (AES-256-GCM under a subkey of the HMAC key): the store never holds it in clear. */
interface SealedNumber {
  nonce: string;
  data: string;
  tag: string;
}

interface NumberRecord {
  to: SealedNumber;
  /** Send times (ms) within the last window. */
  sends: number[];
  current: CurrentCode | null;
}

interface SidPointer {
  numberKey: string;
}

export interface LocalVerifierOptions {
  store: Store;
  /** HMAC keys, current first (older ones still check codes made before a key rotation). Never stored. */
  keys: () => readonly Buffer[];
  now?: () => Date;
  /** Draws a code of `length` digits; {@link newCode} (a CSPRNG) unless a test injects its own draws. */
  newCode?: (length: number) => string;
}

function invalid(param: string, message: string): TwilioActionError {
  return new TwilioActionError({ code: 60200, status: 400, param, twilioMessage: `Invalid parameter: ${param}. ${message}` });
}

function notFound(): TwilioActionError {
  return new TwilioActionError({ code: 20404, status: 404, twilioMessage: 'The requested resource was not found' });
}

function text(input: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = input[name];
  return typeof value === 'string' ? value.trim() : undefined;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A fresh code of `length` digits, uniformly from a CSPRNG. */
export function newCode(length: number): string {
  return String(randomInt(0, 10 ** length)).padStart(length, '0');
}

/** The verifier behind the message-templates mode. */
export class LocalVerifier {
  private readonly store: Store;
  private readonly keys: () => readonly Buffer[];
  private readonly now: () => Date;
  private readonly draw: (length: number) => string;

  constructor(options: LocalVerifierOptions) {
    this.store = options.store;
    this.keys = options.keys;
    this.now = options.now ?? (() => new Date());
    this.draw = options.newCode ?? newCode;
  }

  /**
   * The store key of a number under `key`: a keyed hash, so keys (which may be logged) name no phone number, and one
   * cannot be reversed by hashing every number without the key.
   */
  private numberKeyUnder(key: Buffer, to: string): string {
    return `n/${createHmac('sha256', key).update(`tva-otp number\0${to}`).digest('hex').slice(0, 40)}`;
  }

  private currentKey(): Buffer {
    const [key] = this.keys();
    if (key === undefined) throw new TwilioActionError({ code: 'unexpected_error', status: 0, twilioMessage: 'No key for code hashes is loaded' });
    return key;
  }

  /**
   * The store key of a number's record: under the current key, or under a previous key while a record made before a
   * key rotation still lives there (its codes and send counts keep counting).
   */
  private async numberKey(to: string): Promise<string> {
    const [current, ...previous] = this.keys();
    if (current === undefined) throw new TwilioActionError({ code: 'unexpected_error', status: 0, twilioMessage: 'No key for code hashes is loaded' });
    const preferred = this.numberKeyUnder(current, to);
    if (previous.length === 0) return preferred;
    if ((await this.store.get(OTP_NAMESPACE, preferred)) !== undefined) return preferred;
    for (const key of previous) {
      const older = this.numberKeyUnder(key, to);
      if ((await this.store.get(OTP_NAMESPACE, older)) !== undefined) return older;
    }
    return preferred;
  }

  private static sealKey(key: Buffer): Buffer {
    return createHmac('sha256', key).update('tva-otp number sealing').digest();
  }

  private seal(to: string): SealedNumber {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', LocalVerifier.sealKey(this.currentKey()), nonce);
    const data = Buffer.concat([cipher.update(to, 'utf8'), cipher.final()]);
    return { nonce: nonce.toString('base64'), data: data.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
  }

  /** The number of a record, opened with whichever loaded key sealed it; throws when none can. */
  private open(sealed: SealedNumber | string): string {
    // A record written before numbers were sealed (it expires within 10 minutes).
    if (typeof sealed === 'string') return sealed;
    for (const key of this.keys()) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', LocalVerifier.sealKey(key), Buffer.from(sealed.nonce, 'base64'));
        decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
        return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
      } catch {
        // Sealed under another key: try the next.
      }
    }
    throw notFound();
  }

  private hashes(sid: string, code: string): Buffer[] {
    return this.keys().map((key) => createHmac('sha256', key).update(`${sid}\0${code}`).digest());
  }

  private matches(current: CurrentCode, code: string): boolean {
    const stored = Buffer.from(current.hash, 'hex');
    let found = false;
    // Every key is tried, whatever the outcome, so the time taken does not depend on which one matched.
    for (const candidate of this.hashes(current.sid, code)) {
      if (candidate.length === stored.length && timingSafeEqual(candidate, stored)) found = true;
    }
    return found;
  }

  private phone(gw: TwilioGateway, raw: string | undefined): string {
    if (raw === undefined || raw === '') throw invalid('To', 'Give the phone number the code is for, e.g. +14155550123.');
    try {
      return normalizePhoneNumber(raw, gw.options.defaultRegion, 'To');
    } catch (err) {
      if (err instanceof TwilioActionError) throw err;
      throw invalid('To', 'Use a phone number in E.164, e.g. +14155550123.');
    }
  }

  /** Reads, changes and writes a number's record with its eTag, again from the start when another writer won. */
  private async update<T>(numberKey: string, change: (record: NumberRecord | undefined, now: number) => { record: NumberRecord; result: T; pointer?: string } | { result: T; write: false }): Promise<T> {
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const doc: StoredDocument<NumberRecord> | undefined = await this.store.get<NumberRecord>(OTP_NAMESPACE, numberKey);
      const now = this.now().getTime();
      const outcome = change(doc ? structuredClone(doc.value) : undefined, now);
      if ('write' in outcome) return outcome.result;
      // The store expires documents by its own clock: a lifetime, not a moment of the (injectable) verifier clock.
      const lifetime = Math.max(SEND_WINDOW_MS, (outcome.record.current?.expiresAt ?? 0) - now);
      const expiresAt = new Date(Date.now() + lifetime);
      const options = doc ? { etag: doc.etag, expiresAt } : { ifAbsent: true, expiresAt };
      try {
        if (outcome.pointer === undefined) {
          await this.store.put(OTP_NAMESPACE, numberKey, outcome.record, options);
        } else {
          await this.store.putMany(OTP_NAMESPACE, [
            { key: numberKey, value: outcome.record, options },
            { key: `s/${outcome.pointer}`, value: { numberKey } satisfies SidPointer, options: { expiresAt: new Date(Date.now() + CODE_VALIDITY_MS) } },
          ]);
        }
        return outcome.result;
      } catch (err) {
        if (!(err instanceof StoreConflictError)) throw err;
      }
    }
    throw new TwilioActionError({ code: 'unexpected_error', status: 0, twilioMessage: 'The verification changed too often to update; try again' });
  }

  /** The current code of a record, or undefined when there is none that counts (expired codes are gone). */
  private live(record: NumberRecord | undefined, now: number): CurrentCode | undefined {
    const current = record?.current ?? undefined;
    if (current === undefined) return undefined;
    if (now >= current.expiresAt) return undefined;
    return current;
  }

  private verification(gw: TwilioGateway, to: string, c: CurrentCode): Record<string, unknown> {
    return {
      sid: c.sid,
      serviceSid: TEMPLATES_SERVICE,
      accountSid: gw.accountSid,
      to,
      channel: 'sms',
      status: c.status,
      valid: c.status === 'approved',
      amount: null,
      payee: null,
      sendCodeAttempts: c.attempts.map((a) => ({ ...a })),
      dateCreated: iso(c.createdAt),
      dateUpdated: iso(c.updatedAt),
      url: null,
    };
  }

  /**
   * Makes a code, keeps its hash, and texts it with the usage type's template. Throws TwilioActionError: 60200 for a
   * channel other than sms or a bad number, 60203 after five sends in ten minutes, Messaging's codes from the SMS.
   */
  async start(gw: TwilioGateway, input: Readonly<Record<string, unknown>>, settings: TemplateSettings, send: SmsSend): Promise<Record<string, unknown>> {
    const channel = text(input, 'channel') ?? 'sms';
    if (channel !== 'sms') throw invalid('Channel', 'Codes from message templates go by SMS only; an admin can switch to Twilio Verify for other channels.');
    const usageType = (text(input, 'usageType') ?? 'register') as UsageType;
    if (!USAGE_TYPES.includes(usageType)) throw invalid('UsageType', `Use one of: ${USAGE_TYPES.join(', ')}.`);
    const template = settings.templates[usageType];
    const to = this.phone(gw, text(input, 'to'));
    const numberKey = await this.numberKey(to);
    let code = this.draw(settings.codeLength);
    let previous: CurrentCode | null = null;
    let sentAt = 0;
    const started = await this.update(numberKey, (record, now) => {
      const sends = (record?.sends ?? []).filter((t) => now - t < SEND_WINDOW_MS);
      if (sends.length >= MAX_SENDS) {
        const retryAfterSeconds = Math.max(1, Math.ceil((Math.min(...sends) + SEND_WINDOW_MS - now) / 1000));
        throw new TwilioActionError({ code: 60203, status: 429, twilioMessage: 'Max send attempts reached', retryAfterSeconds });
      }
      previous = record?.current ?? null;
      const live = this.live(record, now);
      const attempt: Attempt = { attemptSid: `VL${randomBytes(16).toString('hex')}`, channel: 'sms', time: iso(now) };
      let current: CurrentCode;
      let pointer: string | undefined;
      if (live !== undefined && live.status === 'pending' && !live.deleted && !live.owesMaxAttemptsError) {
        current = { ...live, usageType, attempts: [...live.attempts, attempt], updatedAt: now, sendStartedAt: now, messageSid: null, hash: '' };
        // A resend must make the old code stop working: a draw equal to it (1 in 10^codeLength) is drawn again.
        for (let redraw = 0; this.matches(live, code); redraw += 1) {
          if (redraw >= 20) throw new TwilioActionError({ code: 'unexpected_error', status: 0, twilioMessage: 'No new code could be drawn' });
          code = this.draw(settings.codeLength);
        }
      } else {
        const sid = `VE${randomBytes(16).toString('hex')}`;
        pointer = sid;
        current = {
          sid,
          usageType,
          hash: '',
          status: 'pending',
          deleted: false,
          wrongChecks: 0,
          owesMaxAttemptsError: false,
          attempts: [attempt],
          createdAt: now,
          updatedAt: now,
          expiresAt: now + CODE_VALIDITY_MS,
          sendStartedAt: now,
          messageSid: null,
        };
      }
      const [hash] = this.hashes(current.sid, code);
      if (hash === undefined) throw new TwilioActionError({ code: 'unexpected_error', status: 0, twilioMessage: 'No key for code hashes is loaded' });
      current.hash = hash.toString('hex');
      sentAt = now;
      return { record: { to: record !== undefined && typeof record.to === 'object' ? record.to : this.seal(to), sends: [...sends, now], current }, result: current, ...(pointer === undefined ? {} : { pointer }) };
    });

    let message: { sid: string };
    try {
      message = await send(to, template.split('{{code}}').join(code));
    } catch (err) {
      // Twilio refused the SMS for certain (a 4xx): nothing was sent, so neither the send nor the new code counts.
      if (err instanceof TwilioActionError && typeof err.code === 'number' && err.status >= 400 && err.status < 500) {
        await this.undoStart(numberKey, started, previous, sentAt).catch(() => undefined);
      }
      throw err;
    }
    const recorded = await this.update(numberKey, (record) => {
      const current = record?.current;
      if (!record || !current || current.sid !== started.sid || current.hash !== started.hash) return { result: started, write: false };
      current.messageSid = message.sid;
      return { record, result: current };
    });
    return this.verification(gw, to, recorded);
  }

  private async undoStart(numberKey: string, started: CurrentCode, previous: CurrentCode | null, sentAt: number): Promise<void> {
    await this.update(numberKey, (record) => {
      if (!record || record.current?.sid !== started.sid || record.current.hash !== started.hash) return { result: undefined, write: false };
      const at = record.sends.lastIndexOf(sentAt);
      const sends = at === -1 ? record.sends : [...record.sends.slice(0, at), ...record.sends.slice(at + 1)];
      return { record: { ...record, sends, current: previous }, result: undefined };
    });
  }

  private async keyOfSid(sid: string | undefined): Promise<string | undefined> {
    if (sid === undefined || !/^VE[0-9a-fA-F]{32}$/.test(sid)) return undefined;
    const pointer = await this.store.get<SidPointer>(OTP_NAMESPACE, `s/${sid}`);
    return pointer?.value.numberKey;
  }

  /** Checks a code: `approved` once, `pending` when wrong; 20404 when there is no live code; 60202 after five wrong. */
  async check(gw: TwilioGateway, input: Readonly<Record<string, unknown>>): Promise<Record<string, unknown>> {
    const code = text(input, 'code') ?? '';
    if (!/^[0-9A-Za-z]{1,10}$/.test(code)) throw invalid('Code', 'A code is 4 to 10 digits.');
    const sid = text(input, 'verificationSid');
    let numberKey: string | undefined;
    if (sid !== undefined) numberKey = await this.keyOfSid(sid);
    else numberKey = await this.numberKey(this.phone(gw, text(input, 'to')));
    if (numberKey === undefined) throw notFound();
    const checked = await this.update<Record<string, unknown> | null>(numberKey, (record, now) => {
      const current = this.live(record, now);
      if (!record || current === undefined || (sid !== undefined && current.sid !== sid)) throw notFound();
      if (current.owesMaxAttemptsError) {
        // Answered once, like Verify: later checks find no verification (20404).
        current.owesMaxAttemptsError = false;
        return { record, result: null };
      }
      if (current.deleted || current.status !== 'pending') throw notFound();
      const approved = this.matches(current, code);
      if (approved) {
        current.status = 'approved';
        current.deleted = true;
      } else {
        current.wrongChecks += 1;
        if (current.wrongChecks >= MAX_CHECKS) {
          current.status = 'max_attempts_reached';
          current.deleted = true;
          current.owesMaxAttemptsError = true;
        }
      }
      current.updatedAt = now;
      const result = {
        sid: current.sid,
        serviceSid: TEMPLATES_SERVICE,
        accountSid: gw.accountSid,
        to: this.open(record.to),
        channel: 'sms',
        status: approved ? 'approved' : 'pending',
        valid: approved,
        amount: null,
        payee: null,
        dateCreated: iso(current.createdAt),
        dateUpdated: iso(current.updatedAt),
      };
      return { record, result };
    });
    if (checked === null) throw new TwilioActionError({ code: 60202, status: 429, twilioMessage: 'Max check attempts reached' });
    return checked;
  }

  /** A verification by SID: pending or canceled; 20404 once approved, expired or out of checks. */
  async fetch(gw: TwilioGateway, input: Readonly<Record<string, unknown>>): Promise<Record<string, unknown>> {
    const sid = text(input, 'verificationSid');
    const numberKey = await this.keyOfSid(sid);
    if (numberKey === undefined) throw notFound();
    const doc = await this.store.get<NumberRecord>(OTP_NAMESPACE, numberKey);
    const current = this.live(doc?.value, this.now().getTime());
    if (!doc || current === undefined || current.sid !== sid || current.deleted) throw notFound();
    return this.verification(gw, this.open(doc.value.to), current);
  }

  /** Cancels (or approves) a pending verification (updateVerification); 20404 when it is not pending. */
  async cancel(gw: TwilioGateway, input: Readonly<Record<string, unknown>>): Promise<Record<string, unknown>> {
    const status = text(input, 'status');
    if (status !== 'canceled' && status !== 'approved') throw invalid('Status', 'Use canceled or approved.');
    const sid = text(input, 'verificationSid');
    const numberKey = await this.keyOfSid(sid);
    if (numberKey === undefined) throw notFound();
    return this.update(numberKey, (record, now) => {
      const current = this.live(record, now);
      if (!record || current === undefined || current.sid !== sid || current.deleted || current.status !== 'pending') throw notFound();
      current.status = status;
      current.updatedAt = now;
      if (status === 'approved') current.deleted = true;
      return { record, result: this.verification(gw, this.open(record.to), current) };
    });
  }

  /**
   * Was a start for `to` performed since `since`? For the turn guard after a crash or a lost reply: `performed` (the
   * verification) when the latest code of the number was sent since then: its Message SID was recorded, or Twilio's
   * Messages to that number from the sender hold an SMS of the usage type's template whose code hashes to the
   * stored hash. Throws TwilioActionError when Twilio cannot be asked.
   */
  async reconcileStart(
    gw: TwilioGateway,
    input: Readonly<Record<string, unknown>>,
    since: Date,
    settings: TemplateSettings | undefined,
    listMessages: (to: string) => Promise<readonly ListedSms[]>,
  ): Promise<{ kind: 'performed'; result: unknown } | { kind: 'not-performed' }> {
    const to = this.phone(gw, text(input, 'to'));
    const numberKey = await this.numberKey(to);
    const doc = await this.store.get<NumberRecord>(OTP_NAMESPACE, numberKey);
    const now = this.now().getTime();
    const current = this.live(doc?.value, now);
    if (!doc || current === undefined || current.sendStartedAt < since.getTime() - 60_000) return { kind: 'not-performed' };
    if (current.messageSid !== null) return { kind: 'performed', result: this.verification(gw, to, current) };
    if (settings === undefined) {
      throw new TwilioActionError({ code: 'unexpected_error', status: 0, twilioMessage: 'The message templates are gone: the earlier SMS cannot be recognised' });
    }
    const usageType = (text(input, 'usageType') ?? current.usageType) as UsageType;
    const template = settings.templates[usageType];
    const pattern = new RegExp(`^${template.split('{{code}}').map(escapeRegExp).join('([0-9]{4,10})')}$`);
    const after = current.sendStartedAt - 60_000;
    for (const m of await listMessages(to)) {
      const fromSender = m.from === settings.sender || m.messagingServiceSid === settings.sender;
      if (!fromSender || m.dateCreated === null || m.dateCreated.getTime() < after) continue;
      const codes = pattern.exec(m.body)?.slice(1) ?? [];
      const code = codes[0];
      if (code === undefined || codes.some((c) => c !== code)) continue;
      if (this.matches(current, code)) return { kind: 'performed', result: this.verification(gw, to, { ...current, messageSid: m.sid }) };
    }
    return { kind: 'not-performed' };
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
