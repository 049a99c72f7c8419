/**
 * The API bodies the console reads. Types the server already has are imported as types only (erased by esbuild, so
 * nothing server-side is bundled); the console's own endpoints are described here as the HTTP contract states them.
 */
export type {
  ActionConfig,
  ActionState,
  ActionView,
  AuthorizationInput,
  AuthorizationView,
  AuthProfileInput,
  AuthProfileUpdate,
  AuthProfileView,
  EnableResult,
  ErrorDetail,
  UserCredentialsView,
} from '../../auth';
export type { DialogView, InstallResult, NodeRow, TemplateListing, TemplateProblem } from '../../templates';
export type { AuditEntry, AuditPage } from '../../store';
export type { CredentialCheckResult } from '../../twilio';

/** `GET /admin/session`, `POST /admin/session`. */
export type Session = { signedIn: false } | { signedIn: true; csrf: string; expiresAt: string };

/** One Verify Service of the account (`GET /api/admin/services`). */
export interface VerifyService {
  sid: string;
  friendlyName: string;
}

/** `GET /api/admin/console-info`. */
export interface ConsoleInfo {
  dev: boolean;
  outboxUrl?: string | null;
}

/** One row of `GET /api/admin/users` (the masked Auth Token when the server gives it). */
export interface UserRow {
  channelId: string;
  userId: string;
  profile: string;
  accountSid: string;
  authToken?: string;
  createdAt: string;
}
