/**
 * HTTP plumbing shared by route modules: the one error format, bounded JSON body reading, and the mapping of domain
 * errors to statuses (done here once, never in routes).
 *
 * Every error reply is `{ "error": { "code", "message", "details": [{ "path", "message" }] } }`.
 */
import type { Request, Response } from 'restify';
import { ActionError, SecretsError, type ErrorDetail, type TwilioVerdict } from '../auth';
import { BodyTooLargeError, readBoundedBody } from '../http';
import { StoreConflictError } from '../store';

/** A refusal decided at the HTTP layer (401, 413, 415 …). */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The JSON body of every error reply. */
export interface ErrorBody {
  error: { code: string; message: string; details: ErrorDetail[]; twilio?: TwilioVerdict };
}

/** Sends JSON with an explicit content type (no content negotiation: the admin API speaks JSON only). */
export function sendJson(res: Response, status: number, body: unknown, headers: Record<string, string> = {}): void {
  for (const [name, value] of Object.entries(headers)) res.header(name, value);
  res.header('content-type', 'application/json');
  res.header('cache-control', 'no-store');
  res.send(status, body);
}

/** An error as status, headers and body; anything unexpected becomes a 500 that reveals nothing. */
export function toErrorReply(err: unknown): { status: number; body: ErrorBody; headers: Record<string, string>; unexpected: boolean } {
  if (err instanceof HttpError) {
    return { status: err.status, headers: err.headers, unexpected: false, body: { error: { code: err.code, message: err.message, details: err.details } } };
  }
  if (err instanceof ActionError) {
    const error: ErrorBody['error'] = { code: err.code, message: err.message, details: err.details };
    if (err.twilio) error.twilio = err.twilio;
    return { status: err.status, headers: {}, unexpected: false, body: { error } };
  }
  if (err instanceof StoreConflictError) {
    return {
      status: 409,
      headers: {},
      unexpected: false,
      body: { error: { code: 'concurrent_update', message: 'Someone else changed this at the same time. Try again.', details: [] } },
    };
  }
  if (err instanceof SecretsError) {
    return {
      status: 500,
      headers: {},
      unexpected: true,
      body: { error: { code: 'secrets_unavailable', message: err.message, details: [] } },
    };
  }
  return {
    status: 500,
    headers: {},
    unexpected: true,
    body: { error: { code: 'internal_error', message: 'The server failed to handle this request; its log has the details.', details: [] } },
  };
}

/** Sends an error in the one error format. */
export function sendError(res: Response, err: unknown): { status: number; unexpected: boolean } {
  const reply = toErrorReply(err);
  if (reply.status === 413) reply.headers.connection = 'close';
  sendJson(res, reply.status, reply.body, reply.headers);
  return { status: reply.status, unexpected: reply.unexpected };
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

/**
 * Reads a JSON body of at most `limitBytes`. No body at all gives `undefined`. A body must be
 * `application/json` (415), valid UTF-8 JSON (400), and within the limit (413: refused from Content-Length before
 * reading when it is declared).
 */
export async function readJsonBody(req: Request, limitBytes: number): Promise<unknown> {
  let body: Buffer;
  try {
    body = await readBoundedBody(req, limitBytes);
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw new HttpError(413, 'payload_too_large', err.message);
    throw err;
  }
  const size = body.length;
  if (size === 0) return undefined;
  const type = req.headers['content-type'] ?? '';
  if (!JSON_TYPE.test(type)) {
    throw new HttpError(415, 'unsupported_media_type', 'Send the body as application/json.', [
      { path: '', message: type ? `content type ${type.split(';')[0]} is not accepted` : 'the Content-Type header is missing' },
    ]);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new HttpError(400, 'malformed_json', 'The body is not valid UTF-8.');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new HttpError(400, 'malformed_json', 'The body is not valid JSON.', [
      { path: '', message: err instanceof Error ? err.message : 'does not parse' },
    ]);
  }
}
