import { isRecord } from '../json';
import twilio from 'twilio';
import TwilioServiceException from 'twilio/lib/base/TwilioServiceException';

/** Codes of failures that have no Twilio error code of their own. */
export type LocalErrorCode =
  | 'timeout'
  | 'budget_exhausted'
  | 'outcome_unknown'
  | 'connection_refused'
  | 'network_error'
  | 'malformed_response'
  | 'invalid_input'
  | 'invalid_base_url'
  | 'unexpected_error';

/** Twilio's numeric error code (20003, 60202 …) or one of the local codes. */
export type TwilioActionErrorCode = number | LocalErrorCode;

export interface TwilioActionErrorInit {
  code: TwilioActionErrorCode;
  /** HTTP status of Twilio's reply; 0 when there was no reply. */
  status: number;
  /** What Twilio (or the local check) said, for logs and admins. */
  twilioMessage: string;
  moreInfo?: string;
  retryAfterSeconds?: number;
  /** The offending parameter in Twilio's spelling (`To`, `ServiceSid` …). */
  param?: string;
  /** Every problem found, for 'invalid_input' (the first one is also in `param`). */
  problems?: readonly string[];
  /** Overrides the sentence from the table below. */
  userMessage?: string;
}

/**
 * The one error the gateway throws. `userMessage` is a sentence an end user can read; `twilioMessage`, `code`,
 * `status` and `moreInfo` are for admins and logs. It never carries credentials or the raw HTTP exchange.
 */
export class TwilioActionError extends Error {
  readonly code: TwilioActionErrorCode;
  readonly status: number;
  readonly moreInfo?: string;
  readonly twilioMessage: string;
  readonly userMessage: string;
  readonly retryAfterSeconds?: number;
  readonly param?: string;
  readonly problems: readonly string[];

  constructor(init: TwilioActionErrorInit) {
    super(init.twilioMessage);
    this.name = 'TwilioActionError';
    this.code = init.code;
    this.status = init.status;
    this.twilioMessage = init.twilioMessage;
    if (init.moreInfo !== undefined) this.moreInfo = init.moreInfo;
    if (init.retryAfterSeconds !== undefined) this.retryAfterSeconds = init.retryAfterSeconds;
    if (init.param !== undefined) this.param = init.param;
    this.problems = init.problems ?? [];
    this.userMessage = init.userMessage ?? userMessageFor(init.code, { param: init.param, twilioMessage: init.twilioMessage });
  }

  /** A plain object for logs and API replies (no stack, nothing secret). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      status: this.status,
      message: this.twilioMessage,
      userMessage: this.userMessage,
      moreInfo: this.moreInfo,
      retryAfterSeconds: this.retryAfterSeconds,
      param: this.param,
    };
  }
}

/** True for errors that ask the caller to fix its input, as opposed to Twilio or network trouble. */
export function isInvalidInput(error: unknown): error is TwilioActionError {
  return error instanceof TwilioActionError && error.code === 'invalid_input';
}

const USER_MESSAGES: Readonly<Record<string, string>> = {
  20003: 'Twilio did not accept the credentials of this integration. An administrator needs to re-authorize it with a valid Account SID and Auth Token (or API key).',
  20404: 'This verification no longer exists: it was already approved, has expired (codes last 10 minutes) or was never started. Please start a new verification.',
  20429: 'Twilio is receiving too many requests right now. Please wait a moment and try again.',
  21211: 'That phone number is not valid. Please check it and enter it in international format, e.g. +14155550123.',
  21408: 'This Twilio account is not allowed to send messages to that country. An administrator can enable it in the geo permissions of the Twilio Console.',
  21608: 'This Twilio trial account can only send to verified numbers. Verify the number in the Twilio Console or upgrade the account.',
  21610: 'That number has unsubscribed from our messages (it replied STOP). The recipient can reply START to receive messages again.',
  21612: 'Twilio cannot reach that number by text message (no route to it, or it cannot receive SMS from this sender). Please use another number.',
  21614: 'That number cannot receive text messages because it is not a mobile number. Please use a mobile number or choose a voice call.',
  60202: 'Too many wrong codes were entered for this verification. Please wait 10 minutes and start a new verification.',
  60203: 'Too many codes were sent to this number. Please wait 10 minutes before asking for a new code.',
  60205: 'That number is a landline and cannot receive text messages. Please choose a voice call or use a mobile number.',
  60212: 'Too many verifications are running for this number at the same time. Please wait a moment and try again.',
  60223: 'That delivery channel is not available for this service. Please choose another channel, such as SMS.',
  60410: 'Codes to this number are temporarily blocked by Twilio fraud protection. Please try again later or choose another channel.',
  60605: 'This verification service is not allowed to send codes to that country. Please use a number from another country or ask an administrator to allow it.',
  timeout: 'Twilio did not answer in time. Please try again in a moment; if you were expecting a code, check for it before asking for another one.',
  budget_exhausted: 'That took too long, so I stopped before asking Twilio. Nothing was sent. Please try again in a moment.',
  outcome_unknown:
    "Twilio didn't confirm whether that went out, and I couldn't check yet. So that nothing is sent twice, I haven't tried again: check your phone (or ask the recipient) before trying again; when you do, I'll check with Twilio first.",
  connection_refused: 'The Twilio service could not be reached (the connection was refused). An administrator should check the base URL of the integration.',
  network_error: 'Twilio could not be reached because of a network problem. Please try again in a moment.',
  malformed_response: 'Twilio sent a reply that could not be understood. Please try again later; if it keeps happening, an administrator should check the base URL of the integration.',
  invalid_base_url: 'The base URL of the integration is not usable. An administrator needs to correct it.',
  unexpected_error: 'Something went wrong while talking to Twilio. Please try again later.',
};

/** The end-user sentence for a code: what happened and what to do next. */
export function userMessageFor(code: TwilioActionErrorCode, context: { param?: string | undefined; twilioMessage?: string } = {}): string {
  if (code === 60200) {
    const param = context.param ?? paramFromTwilioMessage(context.twilioMessage);
    return param
      ? `Twilio did not accept the value of ${param}. Please check it and try again.`
      : 'Twilio did not accept one of the values. Please check them and try again.';
  }
  if (code === 'invalid_input') {
    return context.twilioMessage ?? 'Some of the values are not valid. Please check them and try again.';
  }
  return USER_MESSAGES[String(code)] ?? `Twilio could not complete the request (error ${String(code)}). Please try again later or ask an administrator.`;
}

/** Twilio names the parameter in 60200 messages: `Invalid parameter: To`. */
function paramFromTwilioMessage(message: string | undefined): string | undefined {
  const match = /Invalid parameter:?\s*`?([A-Za-z][A-Za-z0-9.]*)/.exec(message ?? '');
  return match?.[1];
}

/** Reads Twilio's JSON error body `{ code, message, more_info, status }`; undefined when it is not one. */
function twilioErrorBody(body: unknown): { code: number; message: string; moreInfo?: string } | undefined {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  if (!isRecord(parsed) || typeof parsed.code !== 'number') return undefined;
  const message = typeof parsed.message === 'string' ? parsed.message : typeof parsed.detail === 'string' ? parsed.detail : '';
  const moreInfo = typeof parsed.more_info === 'string' ? parsed.more_info : undefined;
  return moreInfo === undefined ? { code: parsed.code, message } : { code: parsed.code, message, moreInfo };
}

/** Builds the error for a non-2xx reply (status, body as received, Retry-After in seconds when given). */
export function errorFromReply(status: number, body: unknown, retryAfterSeconds?: number): TwilioActionError {
  const parsed = twilioErrorBody(body);
  const retry = retryAfterSeconds === undefined ? {} : { retryAfterSeconds };
  if (!parsed) {
    return new TwilioActionError({
      code: 'malformed_response',
      status,
      twilioMessage: `Twilio answered HTTP ${status} without a readable error body`,
      ...retry,
    });
  }
  const param = parsed.code === 60200 ? paramFromTwilioMessage(parsed.message) : undefined;
  return new TwilioActionError({
    code: parsed.code,
    status,
    twilioMessage: parsed.message || `Twilio error ${parsed.code}`,
    ...(parsed.moreInfo === undefined ? {} : { moreInfo: parsed.moreInfo }),
    ...(param === undefined ? {} : { param }),
    ...retry,
  });
}

const NETWORK_CODES: Readonly<Record<string, LocalErrorCode>> = {
  ECONNABORTED: 'timeout',
  ETIMEDOUT: 'timeout',
  ESOCKETTIMEDOUT: 'timeout',
  ECONNREFUSED: 'connection_refused',
};

/**
 * A request to Twilio that failed below HTTP (refused, reset, timed out), from the gateway's own HTTP exchange.
 * `reusedSocket`: it was written on a kept-alive connection used before (the server may have closed it as idle).
 */
export class TwilioNetworkError extends Error {
  constructor(
    readonly code: string,
    readonly reusedSocket: boolean,
  ) {
    super(`Twilio request failed: ${code}`);
    this.name = 'TwilioNetworkError';
  }
}

/**
 * Maps anything thrown while talking to Twilio to a TwilioActionError, once: twilio-node's RestException and
 * TwilioServiceException, axios network errors (timeouts, refused connections), and JSON parse failures inside the
 * SDK. The original error is not kept as `cause`: axios errors carry the request config, Authorization header included.
 */
export function toTwilioActionError(error: unknown): TwilioActionError {
  if (error instanceof TwilioActionError) return error;
  if (error instanceof twilio.RestException || error instanceof TwilioServiceException) {
    const status = typeof error.status === 'number' ? error.status : 0;
    const code = typeof error.code === 'number' && error.code !== 0 ? error.code : undefined;
    if (code === undefined) return errorFromReply(status, undefined);
    const moreInfo = 'moreInfo' in error && typeof error.moreInfo === 'string' ? error.moreInfo : undefined;
    return errorFromReply(status, { code, message: messageOf(error), ...(moreInfo ? { more_info: moreInfo } : {}) });
  }
  if (isRecord(error) && typeof error.code === 'string' && (error instanceof TwilioNetworkError || error.isAxiosError === true || error.code in NETWORK_CODES)) {
    const local = NETWORK_CODES[error.code] ?? 'network_error';
    const what = local === 'timeout' ? 'Twilio did not answer in time' : local === 'connection_refused' ? 'The connection to Twilio was refused' : 'Twilio could not be reached';
    return new TwilioActionError({ code: local, status: 0, twilioMessage: `${what} (${error.code})` });
  }
  if (error instanceof SyntaxError) {
    return new TwilioActionError({ code: 'malformed_response', status: 0, twilioMessage: 'Twilio sent a reply that is not valid JSON' });
  }
  return new TwilioActionError({
    code: 'unexpected_error',
    status: 0,
    twilioMessage: error instanceof Error ? `${error.name}: ${error.message}` : 'Unexpected failure',
  });
}

function messageOf(error: Error & { detail?: unknown; title?: unknown }): string {
  if (typeof error.detail === 'string' && error.detail) return error.detail;
  if (typeof error.title === 'string' && error.title) return error.title;
  return error.message;
}
