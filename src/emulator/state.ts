import type { StatusCallbacks } from './callbacks';
/** The emulator's in-memory state: one account, its API keys, Verify services, verifications, messages, outbox. */
import type { EmulatorClock } from './clock';

/** One message "delivered" by the emulator: an SMS sent through Messages or a verification code on any channel. */
export interface OutboxMessage {
  sid: string;
  to: string;
  from: string;
  channel: string;
  body: string;
  /** ISO 8601. */
  date_created: string;
}

/** What a delivery is: an SMS sent through Messages, or a verification code. */
export type DeliveryKind = 'message' | 'code';

export interface AccountRecord {
  sid: string;
  authToken: string;
  friendlyName: string;
  /** Twilio's account type: a trial account texts and calls only its verified numbers (21608 otherwise). */
  type: 'Trial' | 'Full';
  /** The trial account's verified caller IDs (E.164); unused on a full account. */
  verifiedNumbers: ReadonlySet<string>;
  dateCreated: Date;
}

export interface MessageRecord {
  sid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  numMedia: number;
  dateCreated: Date;
}

export interface ServiceRecord {
  sid: string;
  friendlyName: string;
  codeLength: number;
  lookupEnabled: boolean;
  psd2Enabled: boolean;
  skipSmsToLandlines: boolean;
  dtmfInputRequired: boolean;
  ttsName: string | null;
  doNotShareWarningEnabled: boolean;
  customCodeEnabled: boolean;
  push: { include_date: boolean; apn_credential_sid: string | null; fcm_credential_sid: string | null };
  totp: { issuer: string | null; time_step: number; code_length: number; skew: number };
  defaultTemplateSid: string | null;
  whatsapp: { msg_service_sid: string | null; from: string | null };
  passkeys: {
    relying_party: { id: string | null; name: string | null; origins: string[] | null };
    authenticator_attachment: string | null;
    discoverable_credentials: string | null;
    user_verification: string | null;
  };
  verifyEventSubscriptionEnabled: boolean;
  dateCreated: Date;
  dateUpdated: Date;
}

export type VerificationChannel = 'sms' | 'call' | 'email' | 'whatsapp';

export type VerificationStatus = 'pending' | 'approved' | 'canceled' | 'expired' | 'max_attempts_reached';

export interface SendCodeAttempt {
  attempt_sid: string;
  channel: string;
  time: string;
}

export interface VerificationRecord {
  sid: string;
  serviceSid: string;
  to: string;
  channel: VerificationChannel;
  code: string;
  status: VerificationStatus;
  wrongChecks: number;
  attempts: SendCodeAttempt[];
  amount: string | null;
  payee: string | null;
  dateCreated: Date;
  dateUpdated: Date;
  expiresAt: Date;
  /**
   * Soft-deleted (approved, expired, max attempts): every later request answers 20404. A verification that has just
   * reached its 5th wrong check is deleted but owes one 60202 answer to the next check (`owesMaxAttemptsError`).
   */
  deleted: boolean;
  owesMaxAttemptsError: boolean;
}

export interface EmulatorState {
  readonly account: AccountRecord;
  /** API key SID -> secret. */
  readonly apiKeys: Map<string, string>;
  readonly services: Map<string, ServiceRecord>;
  readonly verifications: Map<string, VerificationRecord>;
  /** `${serviceSid}|${to}` -> times (ms) of successful sends, for the 5-sends-in-10-minutes limit. */
  readonly sends: Map<string, number[]>;
  readonly messages: MessageRecord[];
  readonly outbox: OutboxMessage[];
  readonly clock: EmulatorClock;
  /** Status callbacks of messages created with `StatusCallback`. */
  readonly callbacks: StatusCallbacks;
  /**
   * Records a delivery in the outbox and, in dev mode, prints a line saying where to read it (never the body: it may
   * hold a code, and the log may be shared).
   */
  deliver(entry: Omit<OutboxMessage, 'date_created'>, kind: DeliveryKind): void;
}

/** Outbox entries kept; older ones are dropped so a long-running emulator stays small. */
export const OUTBOX_LIMIT = 1000;
/** Messages kept for `GET Messages.json`. */
export const MESSAGE_LIMIT = 10000;
