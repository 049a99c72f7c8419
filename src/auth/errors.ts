/** The integration module's one error type, mapped once at each edge (HTTP status, CLI exit code). */

/** One problem with an input, located by a JSON pointer. */
export interface ErrorDetail {
  path: string;
  message: string;
}

/** Codes of {@link ActionError}, each with the HTTP status the admin API answers with. */
export const ACTION_ERROR_STATUS = {
  invalid_request: 422,
  confirmation_required: 422,
  unknown_profile: 422,
  not_found: 404,
  profile_not_found: 404,
  credentials_not_found: 404,
  already_exists: 409,
  not_authorized: 409,
  not_enabled: 409,
  profile_in_use: 409,
  wrong_authorization_type: 409,
  authorization_check_failed: 409,
  concurrent_update: 409,
  twilio_error: 502,
  secrets_unavailable: 500,
} as const;

export type ActionErrorCode = keyof typeof ACTION_ERROR_STATUS;

/** Twilio's verdict when an authorization check failed. */
export interface TwilioVerdict {
  code: number | string;
  message: string;
}

/** A refusal or failure of an integration operation; `message` says what went wrong and what to do next. */
export class ActionError extends Error {
  override readonly name = 'ActionError';
  readonly status: number;
  readonly details: ErrorDetail[];
  readonly twilio: TwilioVerdict | undefined;

  constructor(
    readonly code: ActionErrorCode,
    message: string,
    options: { details?: ErrorDetail[]; twilio?: TwilioVerdict } = {},
  ) {
    super(message);
    this.status = ACTION_ERROR_STATUS[code];
    this.details = options.details ?? [];
    this.twilio = options.twilio;
  }
}
