/**
 * The hook between the dialog engine and the action (docs/DIALOGS.md, "Runtime hook"). The bot implements it with
 * the action's authorization, configuration and audit log; the engine never sees a credential.
 */
import type { TurnContext } from 'botbuilder';
import type { TwilioGateway } from '../twilio';

/** Which end user a turn is for. */
export interface UserRef {
  channelId: string;
  userId: string;
}

export type GatewayResolution =
  | { kind: 'ready'; gateway: TwilioGateway }
  | { kind: 'needs-user-authorization'; profile: string }
  | { kind: 'disabled' }
  | { kind: 'not-configured' }
  | { kind: 'error'; code: number | string };

export interface AuditRecord {
  actor: string;
  action: string;
  target?: string;
  outcome: string;
  details?: Record<string, unknown>;
}

export interface ActionRuntime {
  /** Credentials for this user, or why there are none. */
  resolveGateway(ref: UserRef): Promise<GatewayResolution>;
  /** Non-secret configuration visible to expressions as `config`. */
  publicConfig(): Promise<Record<string, unknown>>;
  /** Sends the user a one-time authorization link (user-authorized profiles). */
  requestUserAuthorization(turn: TurnContext, profile: string): Promise<void>;
  /** Twilio rejected the stored credentials (20003): the action goes into its error state. */
  reportAuthFailure(ref: UserRef, code: number | string): Promise<void>;
  /** Audit of verification starts and checks (never a code). */
  audit(entry: AuditRecord): Promise<void>;
}
