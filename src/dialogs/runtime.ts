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
  /**
   * Audit of verification starts and checks (never a code). Given the turn, the bot may commit the entry with the
   * turn's state instead of on its own.
   */
  audit(entry: AuditRecord, turn?: TurnContext): Promise<void>;
  /**
   * Runs a service node's operation, when the action decides how (e.g. verification operations in the
   * message-templates mode run on the action's own code store). Without it, the operation goes to Twilio as is.
   */
  runOperation?(turn: TurnContext, call: { operation: string; gateway: TwilioGateway; input: Readonly<Record<string, unknown>> }): Promise<unknown>;
  /** Told of every successful Twilio call (e.g. to follow a sent SMS's delivery); failures here do not fail the turn. */
  afterService?(turn: TurnContext, call: { operation: string; gateway: TwilioGateway; result: unknown }): Promise<void>;
}

/** One service node's Twilio call, as the turn's guard sees it. */
export interface ServiceCall {
  ref: UserRef;
  dialog: string;
  node: string;
  /** How many times this node already called Twilio in this turn (0 for the first call). */
  occurrence: number;
  operation: string;
  input: Readonly<Record<string, unknown>>;
  gateway: TwilioGateway;
}

/**
 * Runs a turn's Twilio calls: within the turn's time budget, only while the turn still holds its conversation,
 * and, for calls that text, call or e-mail someone, at most once per intent. The bot's turn guard sets it on
 * `turn.turnState` ({@link TURN_EFFECTS}); without one, calls simply run.
 */
export interface TurnEffects {
  perform(call: ServiceCall, run: () => Promise<unknown>): Promise<unknown>;
}

/** Where the turn guard leaves its {@link TurnEffects} on `turn.turnState`. */
export const TURN_EFFECTS = Symbol.for('twilio-verify-action.turn-effects');

/** The turn's effects runner, if a guard set one. */
export function turnEffectsOf(turn: TurnContext): TurnEffects | undefined {
  const effects: unknown = turn.turnState.get(TURN_EFFECTS);
  return typeof effects === 'object' && effects !== null && typeof Reflect.get(effects, 'perform') === 'function'
    ? (effects as TurnEffects)
    : undefined;
}

/**
 * This turn no longer holds its conversation (another instance took it over after the lease ran out): it must
 * stop without performing anything. Never shown to a user.
 */
export class TurnSupersededError extends Error {
  override readonly name = 'TurnSupersededError';
}
