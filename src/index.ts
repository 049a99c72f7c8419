/**
 * Public API of the twilio-verify-action package: what a developer's own bot, tool or test needs. The standalone
 * server (`npm start`, src/main.ts) is built from these same parts.
 */

// The library component and the bot runtime (see examples/own-bot.ts).
export {
  createTwilioVerifyDialogs,
  IntegrationRuntime,
  loadInstalledDialogs,
  pinoDialogLogger,
  runTwilioVerify,
  TWILIO_VERIFY_DIALOG_ID,
  TurnGuard,
  TwilioVerifyBot,
  TwilioVerifyDialogs,
} from './bot';
export type { TurnGuardOptions, TwilioVerifyDialogsOptions, TwilioVerifyResult, TwilioVerifySetup, TwilioVerifySetupOptions } from './bot';

// Storage (SQLite by default, PostgreSQL with a URL) and the action's authorization and configuration.
export { openStore, StoreConflictError } from './store';
export type { Store, StoreOptions } from './store';
export { IntegrationAction, loadSecrets, mask } from './auth';
export type { ActionView, AuthProfile, ResolvedCredentials } from './auth';

// The Twilio gateway and its operations.
export {
  createTwilioClient,
  normalizePhoneNumber,
  operations,
  OPERATION_NAMES,
  probeCredentials,
  runOperation,
  TwilioActionError,
} from './twilio';
export type { GatewayOptions, OperationName, TwilioCredentials, TwilioGateway } from './twilio';

// Dialog tasks and templates.
export { DialogTaskDialog, dialogSetProblems, IntentMatcher, loadDialogDirectory, validateDialogTask } from './dialogs';
export type { ActionRuntime, ChildDialogResult, DialogTask, DialogTaskBeginOptions, DialogTaskResult } from './dialogs';
export { buildManifest, DialogInstaller, isVerifyPhoneNumberResult, TemplateCatalog, VERIFY_PHONE_NUMBER_OUTCOMES } from './templates';
export type { VerifyPhoneNumberOutcome, VerifyPhoneNumberResult } from './templates';

// The local Twilio emulator and the server.
export { createEmulator, ManualClock } from './emulator';
export type { OutboxMessage, TwilioEmulator } from './emulator';
export { createServer, registerAuthLinkRoutes, registerBotRoutes } from './server';
export type { ServerDeps } from './server';
export { start } from './main';
export type { Started, StartOptions } from './main';
