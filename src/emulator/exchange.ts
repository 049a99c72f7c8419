/**
 * The emulator's side of one HTTP exchange: reading the request body within a limit, and writing replies (now, or
 * later for faults that delay or drop them), each reported to `onResponse`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TwilioError } from './errors';
import { newSid } from './format';

/** The OAI operation a response answers, so tests can validate the body against Twilio's schema. */
export interface EmulatorOperation {
  spec: 'api' | 'verify';
  /** The OAI path template, e.g. `/v2/Services/{ServiceSid}/Verifications`. */
  path: string;
  method: 'get' | 'post' | 'delete';
}

/** One request and its answer, reported to `onResponse`. */
export interface EmulatorExchange {
  method: string;
  path: string;
  status: number;
  headers: Readonly<Record<string, string>>;
  /** The raw response body ('' for 204). */
  body: string;
  /** Set for Twilio paths that matched a route; undefined for developer endpoints and unknown paths. */
  operation?: EmulatorOperation;
  /** True when the answer came from an injected fault. */
  injected: boolean;
}

/** A reply to write: a JSON payload, or a raw body (injected faults) with its content type. */
export type Reply = Omit<EmulatorExchange, 'headers' | 'body'> & { payload?: unknown; raw?: string; contentType?: string };

/** Thrown by {@link readBody} when the body exceeds the limit. */
export class BodyTooLarge extends Error {}

/** The request body as text; rejects with {@link BodyTooLarge} past `limit` bytes (declared or received). */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limit) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLarge());
        req.pause();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The first value of a request header. */
export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Writes replies, reports them to `onResponse`, and holds the timers of delayed ones until the emulator closes. */
export class Replies {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly onResponse: ((exchange: EmulatorExchange) => void) | undefined,
    private readonly log: (line: string) => void,
  ) {}

  /** Writes a reply; Twilio answers (a route matched, or a fault) carry a `Twilio-Request-Id`. */
  send(res: ServerResponse, reply: Reply, extraHeaders: Record<string, string> = {}): void {
    const body = reply.raw ?? (reply.payload === undefined ? '' : JSON.stringify(reply.payload));
    const headers: Record<string, string> = { ...extraHeaders };
    if (reply.operation || reply.injected) headers['Twilio-Request-Id'] = newSid('RQ');
    if (body !== '') headers['Content-Type'] = reply.contentType ?? 'application/json; charset=utf-8';
    headers['Content-Length'] = String(Buffer.byteLength(body));
    res.writeHead(reply.status, headers);
    res.end(body);
    this.report({ method: reply.method, path: reply.path, status: reply.status, headers, body, operation: reply.operation, injected: reply.injected });
  }

  /** Writes a Twilio error body (`code`, `message`, `more_info`, `status`) with its headers. */
  twilioError(res: ServerResponse, method: string, path: string, err: TwilioError, operation?: EmulatorOperation): void {
    this.send(res, { method, path, status: err.status, payload: err.toBody(), operation, injected: false }, err.headers);
  }

  /** Writes a developer endpoint's answer (plain JSON, no Twilio request id). */
  developer(res: ServerResponse, method: string, path: string, status: number, payload?: unknown, headers?: Record<string, string>): void {
    this.send(res, { method, path, status, payload, injected: false }, headers);
  }

  /** Runs `act` on the response after `delayMs` (at once for 0), unless the client has gone or the emulator closed. */
  later(res: ServerResponse, delayMs: number, act: () => void): void {
    if (delayMs <= 0) {
      act();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!res.destroyed) act();
    }, delayMs);
    this.timers.add(timer);
  }

  /** Forgets every delayed reply (the emulator closes). */
  cancelPending(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private report(exchange: EmulatorExchange): void {
    if (!this.onResponse) return;
    try {
      this.onResponse(exchange);
    } catch (err) {
      this.log(`[emulator] onResponse hook failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
