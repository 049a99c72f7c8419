/** What a Twilio route handler sees and returns, and the form-parameter readers they share. */
import type { TwilioError } from './errors';
import type { EmulatorState } from './state';

export interface TwilioRequest {
  method: string;
  /** The request path without the query string. */
  path: string;
  /** Path parameters by the names the OAI spec uses (`Sid`, `AccountSid`, `ServiceSid`). */
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  /** The form-encoded body (repeated keys possible). */
  form: URLSearchParams;
  /** The emulator's own base URL, e.g. `http://127.0.0.1:3979`. */
  baseUrl: string;
  now: Date;
}

export interface TwilioResponse {
  status: number;
  /** JSON body; omitted for 204. */
  body?: unknown;
}

export type Handler = (state: EmulatorState, req: TwilioRequest) => TwilioResponse;

/** The first value of a form parameter (Twilio reads the first of repeated scalar keys). */
export function param(form: URLSearchParams, name: string): string | undefined {
  return form.get(name) ?? undefined;
}

/** A boolean form parameter (`true` / `false`, any case); `invalid` builds the error for anything else. */
export function boolParam(form: URLSearchParams, name: string, invalid: (name: string) => TwilioError): boolean | undefined {
  const raw = param(form, name);
  if (raw === undefined) return undefined;
  const lower = raw.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  throw invalid(name);
}

/** An integer form parameter within [min, max]. */
export function intParam(
  form: URLSearchParams,
  name: string,
  min: number,
  max: number,
  invalid: (name: string) => TwilioError,
): number | undefined {
  const raw = param(form, name);
  if (raw === undefined) return undefined;
  if (!/^-?\d+$/.test(raw.trim())) throw invalid(name);
  const value = Number(raw.trim());
  if (value < min || value > max) throw invalid(name);
  return value;
}

/** Paging query parameters: `PageSize` 1..1000 (default 50), `Page` >= 0 (default 0); bad values fall back. */
export function paging(query: URLSearchParams): { page: number; pageSize: number } {
  const size = Number(query.get('PageSize') ?? '50');
  const page = Number(query.get('Page') ?? '0');
  return {
    pageSize: Number.isInteger(size) ? Math.min(Math.max(size, 1), 1000) : 50,
    page: Number.isInteger(page) && page >= 0 ? page : 0,
  };
}
