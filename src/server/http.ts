/**
 * HTTP plumbing shared by route modules: the one error format, the one bounded body reader (JSON and forms), and
 * the mapping of every domain error to a status (done here once, never in routes).
 *
 * Every error reply is `{ "error": { "code", "message", "details": [{ "path", "message" }] } }`.
 */
import type { IncomingMessage } from 'node:http';
import type { Request, Response } from 'restify';
import { ActionError, SecretsError, type ErrorDetail, type TwilioVerdict } from '../auth';
import { StoreConflictError } from '../store';
import { TemplateError } from '../templates';

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
  if (err instanceof TemplateError) {
    return { status: err.httpStatus, headers: {}, unexpected: false, body: { error: { code: err.code, message: err.message, details: err.details } } };
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

/** The body is over the limit; the rest of it was drained so the connection can answer. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
  constructor(readonly limitBytes: number) {
    super(`The body is larger than ${limitBytes} bytes.`);
  }
}

/**
 * Reads the whole body, refusing it as soon as it (or its declared Content-Length) exceeds `limitBytes`, so an
 * oversized body is never buffered.
 */
export async function readBoundedBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limitBytes) {
    req.resume();
    throw new BodyTooLargeError(limitBytes);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.length;
    if (size > limitBytes) {
      req.resume();
      throw new BodyTooLargeError(limitBytes);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;
const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(;.*)?$/i;

/** How one route reads its JSON body. */
export interface JsonBodyRules {
  limitBytes: number;
  /** What the body is, in messages: "body" (default) or "activity". */
  noun?: string;
  /** The code of a body that does not parse; default `malformed_json`. */
  malformedCode?: string;
  /** The accepted content types; default `application/json` (or `+json`) in UTF-8. */
  mediaType?: RegExp;
  /** An empty body is an error (it does not parse); by default it reads as `undefined`. */
  required?: boolean;
}

/**
 * Reads a JSON body of at most `limitBytes`. No body at all gives `undefined` (unless `required`). A body must be
 * `application/json` (415), valid UTF-8 JSON (400), and within the limit (413: refused from Content-Length before
 * reading when it is declared).
 */
export async function readJsonBody(req: Request, limitOrRules: number | JsonBodyRules): Promise<unknown> {
  const rules = typeof limitOrRules === 'number' ? { limitBytes: limitOrRules } : limitOrRules;
  const noun = rules.noun ?? 'body';
  const malformed = rules.malformedCode ?? 'malformed_json';
  let body: Buffer;
  try {
    body = await readBoundedBody(req, rules.limitBytes);
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw new HttpError(413, 'payload_too_large', `The ${noun} is larger than ${err.limitBytes} bytes.`);
    throw err;
  }
  if (body.length === 0 && !rules.required) return undefined;
  const type = req.headers['content-type'] ?? '';
  if (!(rules.mediaType ?? JSON_TYPE).test(type)) {
    throw new HttpError(415, 'unsupported_media_type', `Send the ${noun} as application/json.`, [
      { path: '', message: type ? `content type ${type.split(';')[0]} is not accepted` : 'the Content-Type header is missing' },
    ]);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new HttpError(400, malformed, `The ${noun} is not valid UTF-8.`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new HttpError(400, malformed, `The ${noun} is not valid JSON.`, [
      { path: '', message: err instanceof Error ? err.message : 'does not parse' },
    ]);
  }
}

/**
 * Reads a form (`application/x-www-form-urlencoded`, 415 otherwise, checked before reading) of at most
 * `limitBytes` (413).
 */
export async function readForm(req: Request, limitBytes: number): Promise<URLSearchParams> {
  const type = req.headers['content-type'] ?? '';
  if (!FORM_TYPE.test(type)) {
    req.resume();
    throw new HttpError(415, 'unsupported_media_type', 'Send the form as application/x-www-form-urlencoded.');
  }
  let body: Buffer;
  try {
    body = await readBoundedBody(req, limitBytes);
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw new HttpError(413, 'payload_too_large', err.message);
    throw err;
  }
  return new URLSearchParams(body.toString('utf8'));
}
