/**
 * The action's authorization: secrets at rest, pre-authorized and user-authorized credentials, auth profiles,
 * the one-time links users authorize through, configuration and lifecycle. The admin API, the CLI and the bot runtime
 * all use {@link IntegrationAction}.
 */
export {
  IntegrationAction,
  type Actor,
  type DeleteResult,
  type EnableResult,
  type IntegrationActionOptions,
  type ResolvedCredentials,
  type RuntimeAuthFailureOutcome,
} from './action';
export { createCredentialChecker, isTransientCheckFailure, type CredentialChecker, type CredentialCheckResult } from './check';
export { ActionError, ACTION_ERROR_STATUS, type ActionErrorCode, type ErrorDetail, type TwilioVerdict } from './errors';
export {
  loadSecrets,
  META_NAMESPACE,
  NEXT_SECRETS_KEY_FILE,
  SECRETS_KEY_FILE,
  type LoadedSecrets,
  type SecretsEnv,
} from './keyring';
export {
  ACTION_ID,
  NEXT_STEP,
  NS as AUTH_NAMESPACES,
  type ActionState,
  type ActionView,
  type AuthorizationView,
  type AuthProfile,
  type AuthProfileView,
  type RuntimeFailure,
  type TestRecord,
  type UserCredentialsView,
} from './records';
export {
  AUTH_LINK_TTL_MS,
  AUTH_LINKS_NAMESPACE,
  AuthLinks,
  sha256Hex,
  type AuthLinkLookup,
  type AuthLinkRecord,
  type AuthLinksOptions,
} from './links';
export type { UserCredentialsSummary } from './user-credentials';
export { rotateSecretsKey, type RotationResult } from './rotate';
export {
  startRetryDelayMs,
  StartCheck,
  type CheckFailure,
  type PendingStartCheck,
  type StartAttemptResult,
  type StartCheckOptions,
  type StartCheckState,
} from './start-check';
export {
  ADMIN_SCHEMAS,
  OTP_MODES,
  type ActionConfig,
  type OtpMode,
  type AuditQuery,
  type AuthorizationInput,
  type AuthProfileInput,
  type AuthProfileUpdate,
  type UserCredentialsInput,
} from './schemas';
export {
  generateSecretKey,
  keyIdOf,
  mask,
  parseSecretKey,
  SecretBox,
  SecretsError,
  type SecretKey,
  type SecretsErrorCode,
} from './secrets';
export { describeErrors, parseBotId, parseEmptyBody, parseProfileName } from './validation';
