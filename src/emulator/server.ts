/** `createEmulator`: the HTTP server, routing, Basic auth, developer endpoints and fault injection. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { createClock, type EmulatorClock } from './clock';
import { authenticationFailed, methodNotAllowed, notFound, TwilioError } from './errors';
import { FaultTable, parseFaultSpec, type Fault, type FaultSpec } from './faults';
import { checkHost, checkStateChange } from './guard';
import { escapeControlCharacters, isoDate, isSid, maskAddress, newSid, smsEncoding } from './format';
import { MAGIC_NUMBERS_SUMMARY } from './magic';
import { createMessage, deleteMessage, fetchAccount, fetchMessage, listMessages } from './messages';
import { listVerificationAttempts } from './attempts';
import type { Handler, TwilioRequest } from './request';
import { OUTBOX_LIMIT, type DeliveryKind, type EmulatorState, type OutboxMessage } from './state';
import {
  checkVerification,
  createService,
  createVerification,
  deleteService,
  fetchService,
  fetchVerification,
  listServices,
  updateService,
  updateVerification,
} from './verify';

/** An API key the emulator accepts (Basic auth `SK…:secret`) on behalf of its account. */
export interface ApiKey {
  sid: string;
  secret: string;
}

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

export interface EmulatorOptions {
  /** `AC` + 32 hex; generated when omitted. */
  accountSid?: string;
  /** 32 hex; generated when omitted. */
  authToken?: string;
  /** API keys accepted besides the account's auth token. */
  apiKeys?: ApiKey[];
  /** Defaults to wall-clock time (advanceable). Tests inject a `ManualClock`. */
  clock?: EmulatorClock;
  /** Dev mode: print every outbox entry through `log`. */
  dev?: boolean;
  log?: (line: string) => void;
  /** Called after every response (used by the conformance tests). */
  onResponse?: (exchange: EmulatorExchange) => void;
  /** Largest accepted request body, in bytes (default 64 KiB); larger answers 413. */
  bodyLimitBytes?: number;
}

export interface TwilioEmulator {
  readonly accountSid: string;
  readonly authToken: string;
  /** Starts listening on loopback; resolves to the base URL (`http://127.0.0.1:PORT`). */
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
  /** The base URL while listening. */
  readonly url: string | undefined;
  /** Everything "delivered", oldest first. */
  outbox(): OutboxMessage[];
  clearOutbox(): void;
  readonly clock: EmulatorClock;
  /**
   * Makes matching Twilio requests fail, or performs them and then drops or delays the reply (see `FaultSpec`); same
   * as `POST /emulator/faults`.
   */
  injectFault(spec: FaultSpec): Fault;
  clearFaults(): void;
  faults(): Fault[];
}

const DEFAULT_BODY_LIMIT = 64 * 1024;

type Method = 'GET' | 'POST' | 'DELETE';

interface Route {
  spec: 'api' | 'verify';
  template: string;
  pattern: RegExp;
  names: string[];
  /** The path parameter that must equal the authenticated account. */
  accountParam?: string;
  handlers: Partial<Record<Method, Handler>>;
}

function route(spec: Route['spec'], template: string, handlers: Route['handlers'], accountParam?: string): Route {
  const names: string[] = [];
  const source = template
    .split(/(\{\w+\})/)
    .map((part) => {
      const name = /^\{(\w+)\}$/.exec(part)?.[1];
      if (name === undefined) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(name);
      return '([^/]+)';
    })
    .join('');
  return { spec, template, pattern: new RegExp(`^${source}$`), names, accountParam, handlers };
}

const ROUTES: readonly Route[] = [
  route('api', '/2010-04-01/Accounts/{Sid}.json', { GET: fetchAccount }, 'Sid'),
  route('api', '/2010-04-01/Accounts/{AccountSid}/Messages.json', { GET: listMessages, POST: createMessage }, 'AccountSid'),
  route('api', '/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json', { GET: fetchMessage, DELETE: deleteMessage }, 'AccountSid'),
  route('verify', '/v2/Services', { GET: listServices, POST: createService }),
  route('verify', '/v2/Services/{Sid}', { GET: fetchService, POST: updateService, DELETE: deleteService }),
  route('verify', '/v2/Services/{ServiceSid}/Verifications', { POST: createVerification }),
  route('verify', '/v2/Services/{ServiceSid}/Verifications/{Sid}', { GET: fetchVerification, POST: updateVerification }),
  route('verify', '/v2/Services/{ServiceSid}/VerificationCheck', { POST: checkVerification }),
  route('verify', '/v2/Attempts', { GET: listVerificationAttempts }),
];

/** Loopback only: the emulator accepts any credentials it was given and must not face a network. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

function basicCredentials(header: string | undefined): { user: string; pass: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), pass: decoded.slice(colon + 1) };
}

/** The first value of a request header. */
function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
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

/**
 * The dev-mode line for a delivery: the channel, the masked recipient, the size of an SMS, and where to read it. Bodies
 * and codes stay in the outbox: a terminal log gets pasted into issues and chats. Every value is escaped, so nothing
 * a request sent can end the line and forge another record.
 */
export function outboxLine(message: OutboxMessage, kind: DeliveryKind, baseUrl: string | undefined): string {
  const to = maskAddress(message.to);
  const where = `read it at ${baseUrl ?? 'the emulator'}/emulator/messages`;
  if (kind === 'code') return escapeControlCharacters(`[outbox] ${message.channel} verification code to ${to}: ${where}`);
  const { characters, segments } = smsEncoding(message.body);
  const size = `${characters} character${characters === 1 ? '' : 's'}, ${segments} segment${segments === 1 ? '' : 's'}`;
  return escapeControlCharacters(`[outbox] ${message.channel} to ${to} (${size}): ${where}`);
}

/** Creates the emulator without listening (no side effects until `listen`). */
export function createEmulator(options: EmulatorOptions = {}): TwilioEmulator {
  const accountSid = options.accountSid ?? newSid('AC');
  if (!isSid(accountSid, 'AC')) throw new Error(`accountSid must be AC followed by 32 hex digits, got "${accountSid}"`);
  const authToken = options.authToken ?? randomBytes(16).toString('hex');
  if (authToken.length === 0) throw new Error('authToken must not be empty');
  const clock = options.clock ?? createClock();
  const write = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  // One record per line, whatever an error message or a request carried.
  const log = (line: string): void => write(escapeControlCharacters(line));
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT;
  const faults = new FaultTable();
  const apiKeys = new Map<string, string>();
  for (const key of options.apiKeys ?? []) {
    if (!isSid(key.sid, 'SK')) throw new Error(`API key SID must be SK followed by 32 hex digits, got "${key.sid}"`);
    apiKeys.set(key.sid, key.secret);
  }

  const state: EmulatorState = {
    account: { sid: accountSid, authToken, friendlyName: 'Twilio Emulator Account', dateCreated: clock.now() },
    apiKeys,
    services: new Map(),
    verifications: new Map(),
    sends: new Map(),
    messages: [],
    outbox: [],
    clock,
    deliver(entry, kind) {
      const message: OutboxMessage = { ...entry, date_created: isoDate(clock.now()) };
      state.outbox.push(message);
      if (state.outbox.length > OUTBOX_LIMIT) state.outbox.shift();
      if (options.dev) log(outboxLine(message, kind, baseUrl));
    },
  };

  let server: Server | undefined;
  let baseUrl: string | undefined;
  const timers = new Set<NodeJS.Timeout>();

  function send(
    res: ServerResponse,
    exchange: Omit<EmulatorExchange, 'headers' | 'body'> & { payload?: unknown; raw?: string; contentType?: string },
    extraHeaders: Record<string, string> = {},
  ): void {
    const body = exchange.raw ?? (exchange.payload === undefined ? '' : JSON.stringify(exchange.payload));
    const headers: Record<string, string> = { ...extraHeaders };
    if (exchange.operation || exchange.injected) headers['Twilio-Request-Id'] = newSid('RQ');
    if (body !== '') headers['Content-Type'] = exchange.contentType ?? 'application/json; charset=utf-8';
    headers['Content-Length'] = String(Buffer.byteLength(body));
    res.writeHead(exchange.status, headers);
    res.end(body);
    if (options.onResponse) {
      try {
        options.onResponse({
          method: exchange.method,
          path: exchange.path,
          status: exchange.status,
          headers,
          body,
          operation: exchange.operation,
          injected: exchange.injected,
        });
      } catch (err) {
        log(`[emulator] onResponse hook failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  function sendTwilioError(res: ServerResponse, method: string, path: string, err: TwilioError, operation?: EmulatorOperation): void {
    send(res, { method, path, status: err.status, payload: err.toBody(), operation, injected: false }, err.headers);
  }

  function sendDeveloper(res: ServerResponse, method: string, path: string, status: number, payload?: unknown, headers?: Record<string, string>): void {
    send(res, { method, path, status, payload, injected: false }, headers);
  }

  function parseJson(text: string): unknown {
    if (text.trim() === '') return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return Symbol.for('invalid-json');
    }
  }

  function handleDeveloper(res: ServerResponse, method: string, path: string, bodyText: string): void {
    const bad = (message: string): void => sendDeveloper(res, method, path, 400, { error: message });
    const wrongMethod = (allowed: string): void =>
      sendDeveloper(res, method, path, 405, { error: `${method} is not supported on ${path}; use ${allowed}` }, { Allow: allowed });
    const body = parseJson(bodyText);
    if (body === Symbol.for('invalid-json')) {
      bad('the body must be JSON');
      return;
    }
    switch (path) {
      case '/emulator':
      case '/emulator/':
        if (method !== 'GET') return wrongMethod('GET');
        return sendDeveloper(res, method, path, 200, {
          name: 'Twilio emulator',
          accountSid,
          baseUrl,
          now: isoDate(clock.now()),
          endpoints: {
            outbox: 'GET|DELETE /emulator/messages',
            clock: 'GET /emulator/clock, POST /emulator/clock {"advanceSeconds": N}',
            faults: 'GET|POST|DELETE /emulator/faults',
            twilio: ROUTES.map((r) => `${Object.keys(r.handlers).join('|')} ${r.template}`),
          },
          magicNumbers: MAGIC_NUMBERS_SUMMARY,
        });
      case '/emulator/messages':
        if (method === 'GET') return sendDeveloper(res, method, path, 200, { messages: state.outbox.map((m) => ({ ...m })) });
        if (method === 'DELETE') {
          state.outbox.length = 0;
          return sendDeveloper(res, method, path, 204);
        }
        return wrongMethod('GET, DELETE');
      case '/emulator/clock': {
        if (method === 'GET') return sendDeveloper(res, method, path, 200, { now: isoDate(clock.now()) });
        if (method !== 'POST') return wrongMethod('GET, POST');
        const seconds = typeof body === 'object' && body !== null && 'advanceSeconds' in body ? body.advanceSeconds : undefined;
        if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0 || seconds > 10 * 365 * 86400) {
          return bad('send {"advanceSeconds": N} with N a number of seconds from 0 to 315360000');
        }
        clock.advance(seconds);
        return sendDeveloper(res, method, path, 200, { now: isoDate(clock.now()) });
      }
      case '/emulator/faults': {
        if (method === 'GET') return sendDeveloper(res, method, path, 200, { faults: faults.list() });
        if (method === 'DELETE') {
          faults.clear();
          return sendDeveloper(res, method, path, 204);
        }
        if (method !== 'POST') return wrongMethod('GET, POST, DELETE');
        const spec = parseFaultSpec(body);
        if (typeof spec === 'string') return bad(spec);
        return sendDeveloper(res, method, path, 201, faults.add(spec));
      }
      default:
        return sendDeveloper(res, method, path, 404, { error: `no developer endpoint ${path}; see GET /emulator` });
    }
  }

  function authenticate(req: IncomingMessage): void {
    const creds = basicCredentials(req.headers.authorization);
    if (!creds) throw authenticationFailed(req.headers.authorization !== undefined);
    const ok =
      (creds.user === accountSid && safeEqual(creds.pass, authToken)) ||
      (apiKeys.has(creds.user) && safeEqual(creds.pass, apiKeys.get(creds.user) ?? ''));
    if (!ok) throw authenticationFailed(true);
  }

  function handleTwilio(res: ServerResponse, req: IncomingMessage, method: string, url: URL, bodyText: string): void {
    const path = url.pathname;
    let matched: { route: Route; params: Record<string, string> } | undefined;
    for (const r of ROUTES) {
      const m = r.pattern.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      try {
        r.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1] ?? '')));
      } catch {
        break;
      }
      matched = { route: r, params };
      break;
    }
    if (!matched) return sendTwilioError(res, method, path, notFound(path));
    const { route: r, params } = matched;
    const handler = r.handlers[method as Method];
    const operation: EmulatorOperation = { spec: r.spec, path: r.template, method: method.toLowerCase() as EmulatorOperation['method'] };
    if (!handler) return sendTwilioError(res, method, path, methodNotAllowed(method, Object.keys(r.handlers)));
    try {
      authenticate(req);
      if (r.accountParam !== undefined && params[r.accountParam] !== accountSid) throw authenticationFailed(true);
    } catch (err) {
      if (err instanceof TwilioError) return sendTwilioError(res, method, path, err, operation);
      throw err;
    }
    const fault = faults.take(method, path);
    if (fault?.kind === 'answer') {
      later(res, fault.delayMs, () =>
        send(res, { method, path, status: fault.status, raw: fault.body, contentType: fault.contentType, operation, injected: true }, fault.headers),
      );
      return;
    }
    const request: TwilioRequest = {
      method,
      path,
      params,
      query: url.searchParams,
      form: new URLSearchParams(bodyText),
      baseUrl: baseUrl ?? '',
      now: clock.now(),
    };
    // The request is performed now, whatever a fault then does to its reply.
    let reply: () => void;
    try {
      const result = handler(state, request);
      reply = () => send(res, { method, path, status: result.status, payload: result.body, operation, injected: false });
    } catch (err) {
      if (err instanceof TwilioError) reply = () => sendTwilioError(res, method, path, err, operation);
      else {
        log(`[emulator] ${method} ${path} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        reply = () => sendTwilioError(res, method, path, new TwilioError(500, 20500, 'Internal server error'), operation);
      }
    }
    if (fault?.kind === 'drop') later(res, fault.delayMs, () => res.destroy());
    else later(res, fault?.delayMs ?? 0, reply);
  }

  /** Runs `act` on the response after `delayMs` (at once for 0), unless the client has gone or the emulator closed. */
  function later(res: ServerResponse, delayMs: number, act: () => void): void {
    if (delayMs <= 0) {
      act();
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!res.destroyed) act();
    }, delayMs);
    timers.add(timer);
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    let bodyText: string;
    try {
      bodyText = await readBody(req, bodyLimit);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        sendTwilioError(
          res,
          method,
          url.pathname,
          new TwilioError(413, 20413, `Request body too large: the emulator accepts at most ${bodyLimit} bytes`, { Connection: 'close' }),
        );
        return;
      }
      throw err;
    }
    const developer = url.pathname === '/emulator' || url.pathname.startsWith('/emulator/');
    const hostRefusal = checkHost(req.headers.host);
    if (hostRefusal) {
      if (developer) sendDeveloper(res, method, url.pathname, hostRefusal.status, { error: hostRefusal.message });
      else sendTwilioError(res, method, url.pathname, new TwilioError(hostRefusal.status, 20403, hostRefusal.message));
      return;
    }
    if (developer) {
      const refusal =
        method === 'GET' || method === 'HEAD'
          ? undefined
          : checkStateChange(method, {
              origin: req.headers.origin,
              secFetchSite: header(req, 'sec-fetch-site'),
              contentType: req.headers['content-type'],
            });
      if (refusal) sendDeveloper(res, method, url.pathname, refusal.status, { error: refusal.message });
      else handleDeveloper(res, method, url.pathname, bodyText);
      return;
    }
    handleTwilio(res, req, method, url, bodyText);
  }

  return {
    accountSid,
    authToken,
    clock,
    get url() {
      return baseUrl;
    },
    listen(port = 0, host = '127.0.0.1') {
      if (server) return Promise.reject(new Error(`the emulator is already listening on ${baseUrl ?? '?'}`));
      if (!isLoopbackHost(host)) return Promise.reject(new Error(`the emulator listens on loopback only (127.0.0.1, ::1, localhost), not "${host}"`));
      if (!Number.isInteger(port) || port < 0 || port > 65535) return Promise.reject(new Error(`invalid port ${port}`));
      const srv = createServer((req, res) => {
        onRequest(req, res).catch((err: unknown) => {
          log(`[emulator] request failed: ${err instanceof Error ? err.message : String(err)}`);
          if (!res.headersSent) res.writeHead(500).end();
        });
      });
      server = srv;
      return new Promise<string>((resolve, reject) => {
        srv.once('error', (err) => {
          server = undefined;
          reject(err);
        });
        srv.listen(port, host, () => {
          const address = srv.address();
          const actualPort = typeof address === 'object' && address !== null ? address.port : port;
          baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
          resolve(baseUrl);
        });
      });
    },
    close() {
      const srv = server;
      server = undefined;
      baseUrl = undefined;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      if (!srv) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        srv.close((err) => (err ? reject(err) : resolve()));
        srv.closeAllConnections();
      });
    },
    outbox: () => state.outbox.map((m) => ({ ...m })),
    clearOutbox() {
      state.outbox.length = 0;
    },
    injectFault(spec) {
      const parsed = parseFaultSpec(spec);
      if (typeof parsed === 'string') throw new Error(`invalid fault: ${parsed}`);
      return faults.add(parsed);
    },
    clearFaults: () => faults.clear(),
    faults: () => faults.list(),
  };
}
