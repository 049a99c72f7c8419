/**
 * The console's one way to the server: same-origin fetch with the session cookie, JSON bodies, the CSRF token on
 * every state-changing call, and errors in the API's one format (`{ error: { code, message, details } }`).
 * The CSRF token lives in memory only (never storage, the DOM or the URL).
 */
import type { ErrorDetail } from './types';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: ErrorDetail[];
  /** Twilio's verdict, when Twilio refused (e.g. an enable whose check failed). */
  readonly twilio: { code: string; message: string } | undefined;

  constructor(status: number, code: string, message: string, details: ErrorDetail[] = [], twilio?: { code: string; message: string }) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.twilio = twilio;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function detailsOf(value: unknown): ErrorDetail[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isRecord).map((d) => ({
    path: typeof d['path'] === 'string' ? d['path'] : '',
    message: typeof d['message'] === 'string' ? d['message'] : '',
  }));
}

/** The API's error body as an ApiError (or a plain one when the body is not in the format). */
export function toApiError(status: number, body: unknown): ApiError {
  const error = isRecord(body) && isRecord(body['error']) ? body['error'] : undefined;
  if (error) {
    const code = typeof error['code'] === 'string' || typeof error['code'] === 'number' ? String(error['code']) : `http_${status}`;
    const message = typeof error['message'] === 'string' ? error['message'] : `The server answered HTTP ${status}.`;
    const t = isRecord(error['twilio']) ? error['twilio'] : undefined;
    const twilio = t ? { code: String(t['code'] ?? ''), message: typeof t['message'] === 'string' ? t['message'] : '' } : undefined;
    return new ApiError(status, code, message, detailsOf(error['details']), twilio);
  }
  return new ApiError(status, `http_${status}`, `The server answered HTTP ${status}.`);
}

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

let csrfToken = '';

/** Set after sign in (and from GET /admin/session); cleared on sign out. */
export function setCsrf(token: string): void {
  csrfToken = token;
}

/** Told when a call answers 401 (the session expired or was signed out elsewhere). */
let onUnauthorized: () => void = () => undefined;
export function whenUnauthorized(callback: () => void): void {
  onUnauthorized = callback;
}

/** One call; answers the parsed JSON body, throws ApiError on a non-2xx answer. */
export async function request<T>(method: Method, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError(0, 'unreachable', 'Cannot reach the server. Is it running (npm start)? Then try again.');
  }
  const text = await res.text();
  let parsed: unknown = undefined;
  if (text !== '') {
    try {
      parsed = JSON.parse(text) as unknown;
    } catch {
      parsed = undefined;
    }
  }
  if (!res.ok) {
    const error = toApiError(res.status, parsed);
    if (res.status === 401 && !path.startsWith('/admin/session')) onUnauthorized();
    throw error;
  }
  return parsed as T;
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body: unknown = {}) => request<T>('POST', path, body),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  del: <T>(path: string, body: unknown = {}) => request<T>('DELETE', path, body),
};

/** The sentence to show for a failure. */
export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return err instanceof Error ? err.message : String(err);
}
