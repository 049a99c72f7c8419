/** The dialog engine: dialog task schema and types, validation and loading, expressions, entities, the Dialog. */
export { dialogSchema, DIALOG_SCHEMA_ID } from './schema';
export type {
  DialogEndStatus,
  DialogInputs,
  DialogNode,
  DialogResultDeclaration,
  DialogRunNode,
  DialogTask,
  EntityNode,
  EntityType,
  IntentNode,
  LogicNode,
  MessageNode,
  ServiceNode,
  Transition,
} from './schema';
export { dialogSetProblems, loadDialogDirectory, validateDialogTask } from './validate';
export type {
  DialogFileProblem,
  DialogProblem,
  DialogSetProblem,
  DialogValidation,
  LoadedDialogs,
  ValidateDialogOptions,
} from './validate';
export {
  checkExpression,
  configFieldsOfExpression,
  configFieldsOfTemplate,
  evaluateExpression,
  evaluatePath,
  ExpressionError,
  renderTemplate,
} from './expressions';
export type { EvaluationOptions, Expression, ExpressionName, ExpressionScope } from './expressions';
export {
  describeEntity,
  recognizeEntity,
} from './entities';
export type { EntitySpec, EntityValue, Recognition, RecognizeOptions } from './entities';
export { IntentMatcher, normalizeUtterance } from './intents';
export { entitiesInUtterance, utteranceWithoutValues } from './utterance';
export type { IntentCandidate, IntentDecision, IntentMatcherOptions } from './intents';
export { DialogTaskDialog, MAX_STEPS_PER_TURN, regionOfLocale } from './engine';
export { gatewayAvailability, MESSAGES } from './messages';
export type { GatewayAvailability } from './messages';
export { CANCEL_WORDS, HELP_WORDS } from './words';
export type {
  ChildDialogResult,
  DialogTaskBeginOptions,
  DialogInterruption,
  DialogTaskDialogOptions,
  DialogTaskResult,
  JsonValue,
  ServiceErrorInfo,
} from './engine';
export { noLogger, redactDigits, redactForLog } from './redact';
export type { DialogLogger } from './redact';
export type { ActionRuntime, AuditRecord, GatewayResolution, ServiceCall, TurnEffects, UserRef } from './runtime';
export { TURN_EFFECTS, turnEffectsOf, TurnSupersededError } from './runtime';
