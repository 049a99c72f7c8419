/**
 * Fault injection: make the next matching Twilio request fail (429/20429 with Retry-After, 500s, a malformed body,
 * a slow answer, a reply lost or late after Twilio performed the request) so other tests can see how the real SDK and
 * the gateway cope.
 */
import { randomBytes } from 'node:crypto';
import { moreInfo } from './errors';

/** Which requests a fault applies to, and how many times. */
interface FaultMatch {
  /** HTTP method to match (`GET`, `POST`, `DELETE`); omitted or `*` matches any. */
  method?: string;
  /** Request path (no query) to match: a prefix unless `match` is `exact`. */
  path: string;
  match?: 'prefix' | 'exact';
  /** How many matching requests it applies to; omitted: every one until the faults are cleared. */
  times?: number;
}

/** Twilio fails the request: nothing is performed, the answer is an error (or a malformed body). */
export interface FailureFaultSpec extends FaultMatch {
  /** HTTP status to answer with (400-599). */
  status: number;
  /** Twilio error code; default 20000 + status (20429 for 429, 20500 for 500, 20503 for 503). */
  code?: number;
  message?: string;
  /** Seconds, sent as the `Retry-After` header. */
  retryAfter?: number;
  /** A raw, non-JSON body instead of Twilio's error JSON (to test malformed responses). */
  rawBody?: string;
  /** Delay before answering, in milliseconds (at most 60000), to test client timeouts. */
  delayMs?: number;
  afterPerform?: undefined;
}

/**
 * Twilio performs the request (the SMS reaches the outbox, the verification is created and its code delivered) and
 * then the reply goes wrong: `drop` closes the connection without a reply (after `delayMs`, if given), `delay` sends
 * the real reply `delayMs` late. This is the case a client must not "fix" by sending again: it already happened.
 */
export interface AfterPerformFaultSpec extends FaultMatch {
  afterPerform: 'drop' | 'delay';
  /** Milliseconds (at most 60000) before the connection is dropped or the reply sent; required for `delay`. */
  delayMs?: number;
}

/** What to inject. */
export type FaultSpec = FailureFaultSpec | AfterPerformFaultSpec;

/** An injected fault, as listed by `GET /emulator/faults`. */
export type Fault = FaultSpec & {
  id: string;
  /** Matches left; null when unlimited. */
  remaining: number | null;
  hits: number;
};

/** The response a failure fault produces instead of performing the request. */
export interface FaultResponse {
  kind: 'answer';
  status: number;
  headers: Record<string, string>;
  body: string;
  contentType: string;
  delayMs: number;
}

/** What happens to the real reply of a request an after-perform fault matched. */
export interface ReplyFault {
  kind: 'drop' | 'delay';
  delayMs: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

const FAILURE_FIELDS = ['status', 'code', 'message', 'retryAfter', 'rawBody'] as const;

/** Validates a fault definition from outside (JSON); returns the spec or a sentence saying what is wrong. */
export function parseFaultSpec(input: unknown): FaultSpec | string {
  if (!isObject(input)) return 'the body must be a JSON object like {"path": "/v2/Services", "status": 429}';
  const { method, path, match, status, code, message, retryAfter, times, rawBody, delayMs, afterPerform } = input;
  if (typeof path !== 'string' || !path.startsWith('/')) return '"path" must be a string starting with "/"';
  if (method !== undefined && (typeof method !== 'string' || !/^(\*|GET|POST|DELETE|PUT|PATCH)$/i.test(method))) {
    return '"method" must be GET, POST, DELETE, PUT, PATCH or *';
  }
  if (match !== undefined && match !== 'prefix' && match !== 'exact') return '"match" must be "prefix" or "exact"';
  if (times !== undefined && (!isInt(times) || times < 1)) return '"times" must be an integer >= 1';
  if (delayMs !== undefined && (!isInt(delayMs) || delayMs < 0 || delayMs > 60000)) {
    return '"delayMs" must be an integer from 0 to 60000';
  }
  const matchPart: FaultMatch = { path };
  if (method !== undefined) matchPart.method = method.toUpperCase();
  if (match !== undefined) matchPart.match = match;
  if (times !== undefined) matchPart.times = times;

  if (afterPerform !== undefined) {
    if (afterPerform !== 'drop' && afterPerform !== 'delay') return '"afterPerform" must be "drop" or "delay"';
    const extra = FAILURE_FIELDS.find((field) => input[field] !== undefined);
    if (extra !== undefined) {
      return `"${extra}" cannot go with "afterPerform": the request is performed and its real reply is ${afterPerform === 'drop' ? 'dropped' : 'delayed'}`;
    }
    if (afterPerform === 'delay' && (delayMs === undefined || delayMs < 1)) {
      return '"afterPerform": "delay" needs "delayMs" from 1 to 60000';
    }
    return { ...matchPart, afterPerform, ...(delayMs === undefined ? {} : { delayMs }) };
  }

  if (!isInt(status) || status < 400 || status > 599) {
    return '"status" must be an integer from 400 to 599 (or give "afterPerform": "drop" or "delay")';
  }
  if (code !== undefined && (!isInt(code) || code < 0)) return '"code" must be a non-negative integer';
  if (message !== undefined && typeof message !== 'string') return '"message" must be a string';
  if (retryAfter !== undefined && (!isInt(retryAfter) || retryAfter < 0)) return '"retryAfter" must be an integer >= 0 (seconds)';
  if (rawBody !== undefined && typeof rawBody !== 'string') return '"rawBody" must be a string';
  const spec: FailureFaultSpec = { ...matchPart, status };
  if (code !== undefined) spec.code = code;
  if (message !== undefined) spec.message = message;
  if (retryAfter !== undefined) spec.retryAfter = retryAfter;
  if (rawBody !== undefined) spec.rawBody = rawBody;
  if (delayMs !== undefined) spec.delayMs = delayMs;
  return spec;
}

function defaultCode(status: number): number {
  return 20000 + status;
}

function defaultMessage(status: number): string {
  if (status === 429) return 'Too many requests';
  if (status === 503) return 'Service unavailable';
  if (status >= 500) return 'Internal server error';
  return 'Injected fault';
}

/** The injected faults, first added first matched. */
export class FaultTable {
  private faults: Fault[] = [];

  add(spec: FaultSpec): Fault {
    const fault: Fault = { ...spec, id: `FI${randomBytes(8).toString('hex')}`, remaining: spec.times ?? null, hits: 0 };
    this.faults.push(fault);
    return fault;
  }

  list(): Fault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  clear(): void {
    this.faults = [];
  }

  /**
   * What a matching fault does to a request (and uses up one of its `times`): an answer instead of performing it,
   * or what to do with the real reply once it is performed.
   */
  take(method: string, path: string): FaultResponse | ReplyFault | undefined {
    const fault = this.faults.find((f) => {
      const methodOk = f.method === undefined || f.method === '*' || f.method === method;
      const pathOk = f.match === 'exact' ? path === f.path : path.startsWith(f.path);
      return methodOk && pathOk;
    });
    if (!fault) return undefined;
    fault.hits += 1;
    if (fault.remaining !== null) {
      fault.remaining -= 1;
      if (fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
    }
    if (fault.afterPerform !== undefined) return { kind: fault.afterPerform, delayMs: fault.delayMs ?? 0 };
    const headers: Record<string, string> = {};
    if (fault.retryAfter !== undefined) headers['Retry-After'] = String(fault.retryAfter);
    const delayMs = fault.delayMs ?? 0;
    if (fault.rawBody !== undefined) {
      return { kind: 'answer', status: fault.status, headers, body: fault.rawBody, contentType: 'text/plain; charset=utf-8', delayMs };
    }
    const code = fault.code ?? defaultCode(fault.status);
    const body = JSON.stringify({
      code,
      message: fault.message ?? defaultMessage(fault.status),
      more_info: moreInfo(code),
      status: fault.status,
    });
    return { kind: 'answer', status: fault.status, headers, body, contentType: 'application/json; charset=utf-8', delayMs };
  }
}
