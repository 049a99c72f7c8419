/**
 * The bot: routing by trigger utterances, help and cancel, runtime authorization (the runtime hook and one-time
 * links), the Bot Framework adapter and `TurnRunner` (served over HTTP by src/server), and the library component
 * developers add to their own bots.
 */
export {
  ROUTER_MESSAGES,
  runTwilioVerify,
  TWILIO_VERIFY_DIALOG_ID,
  TwilioVerifyDialogs,
} from './component';
export type { DialogSummary, TwilioVerifyBeginOptions, TwilioVerifyDialogsOptions, TwilioVerifyResult } from './component';
export { describeFailure, TURN_ERROR_MESSAGE, TwilioVerifyBot } from './bot';
export type { TwilioVerifyBotOptions } from './bot';
export { IntegrationRuntime } from './runtime';
export type { IntegrationRuntimeOptions } from './runtime';
export { createBotAdapter, isAuthenticated, TurnAdapter } from './adapter';
export type { BotAuthSettings, TurnRunner } from './adapter';
export { createTwilioVerifyDialogs, loadInstalledDialogs, pinoDialogLogger } from './setup';
export type { TwilioVerifySetup, TwilioVerifySetupOptions } from './setup';
export { BUSY_MESSAGE, DEFAULT_RETENTION, DEFAULT_TURN_BUDGET_MS, INTENTS_NAMESPACE, NOT_SAVED_AFTER_SEND_MESSAGE, OPEN_INTENT_PREFIX, REPLIES_NOT_KEPT, sentInTurn, TURN_LOCKS_NAMESPACE, TurnGuard, TurnNotSavedError } from './turns';
export type { TurnGuardOptions } from './turns';
