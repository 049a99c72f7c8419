/** Twilio's error responses: `{ code, message, more_info, status }` with the matching HTTP status. */

/** The JSON body Twilio returns for an error. */
export interface TwilioErrorBody {
  code: number;
  message: string;
  more_info: string;
  status: number;
}

/** Thrown by a handler to answer with a Twilio error. */
export class TwilioError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'TwilioError';
  }

  toBody(): TwilioErrorBody {
    return { code: this.code, message: this.message, more_info: moreInfo(this.code), status: this.status };
  }
}

/** Twilio's documentation link for an error code. */
export function moreInfo(code: number): string {
  return `https://www.twilio.com/docs/errors/${code}`;
}

/** 60200: an invalid or missing parameter of a Verify request; the message names it. */
export function invalidParameter(name: string): TwilioError {
  return new TwilioError(400, 60200, `Invalid parameter: ${name}`);
}

/** 20404: the resource does not exist (or was soft-deleted). */
export function notFound(path: string): TwilioError {
  return new TwilioError(404, 20404, `The requested resource ${path} was not found`);
}

/** 20003: missing or wrong credentials. */
export function authenticationFailed(provided: boolean): TwilioError {
  return new TwilioError(
    401,
    20003,
    provided ? 'Authentication Error - invalid username' : 'Authentication Error - No credentials provided',
    { 'WWW-Authenticate': 'Basic realm="Twilio API"' },
  );
}

/** 20004: the path exists but not with this method. */
export function methodNotAllowed(method: string, allowed: string[]): TwilioError {
  return new TwilioError(405, 20004, `Method not allowed: ${method}`, { Allow: allowed.join(', ') });
}
