/**
 * `createEmulator`: the emulator's state and its HTTP server. Each request passes the request guard (guard.ts), then
 * goes to the developer endpoints (`/emulator/*`, developer-routes.ts) or the Twilio API surface (twilio-routes.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { createClock, type EmulatorClock } from './clock';
import { developerRoutes } from './developer-routes';
import { TwilioError } from './errors';
import { BodyTooLarge, header, readBody, Replies, type EmulatorExchange } from './exchange';
import { FaultTable, parseFaultSpec, type Fault, type FaultSpec } from './faults';
import { checkHost, checkStateChange } from './guard';
import { escapeControlCharacters, isoDate, isSid, maskAddress, newSid, smsEncoding } from './format';
import { StatusCallbacks, type CallbackDelivery } from './callbacks';
import { OUTBOX_LIMIT, type DeliveryKind, type EmulatorState, type OutboxMessage } from './state';
import { TWILIO_ROUTE_SUMMARY, twilioRoutes } from './twilio-routes';

export type { EmulatorExchange, EmulatorOperation } from './exchange';

/** An API key the emulator accepts (Basic auth `SK…:secret`) on behalf of its account. */
export interface ApiKey {
  sid: string;
  secret: string;
}

/** How to build an emulator; every field is optional. */
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
  /**
   * A trial account (Twilio's `type: Trial`): messages and verifications to numbers outside `verifiedNumbers`
   * answer 21608, as Twilio does. Omitted: a full account.
   */
  trial?: { verifiedNumbers?: readonly string[] };
  /** Largest accepted request body, in bytes (default 64 KiB); larger answers 413. */
  bodyLimitBytes?: number;
}

/** A stateful, Twilio-compatible HTTP server on loopback, with its outbox, clock and faults. */
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
  /** Sends the status callbacks due by the clock's now (after a test advanced a manual clock); resolves when answered. */
  deliverStatusCallbacks(): Promise<void>;
  /** Status callbacks sent so far, with the receiver's answers (also `GET /emulator/callbacks`). */
  statusCallbacks(): CallbackDelivery[];
}

const DEFAULT_BODY_LIMIT = 64 * 1024;

/** Loopback only: the emulator accepts any credentials it was given and must not face a network. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
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
  const replies = new Replies(options.onResponse, log);
  const apiKeys = apiKeyMap(options.apiKeys ?? []);

  let server: Server | undefined;
  let baseUrl: string | undefined;
  let callbackTimer: NodeJS.Timeout | undefined;
  const state = initialState(accountSid, authToken, apiKeys, clock, options.trial, (message, kind) => {
    if (options.dev) log(outboxLine(message, kind, baseUrl));
  });
  const context = { accountSid, state, clock, faults, replies, baseUrl: () => baseUrl };

  const onRequest = requestHandler({
    bodyLimit,
    replies,
    developer: developerRoutes({ ...context, twilioRoutes: TWILIO_ROUTE_SUMMARY }),
    twilio: twilioRoutes({ ...context, authToken, apiKeys, log }),
  });

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
        // Status callbacks due by now go out as time passes (a wall clock) or as requests show it moved.
        void state.callbacks.deliverDue();
        onRequest(req, res).catch((err: unknown) => {
          log(`[emulator] request failed: ${err instanceof Error ? err.message : String(err)}`);
          if (!res.headersSent) res.writeHead(500).end();
        });
      });
      server = srv;
      callbackTimer = setInterval(() => void state.callbacks.deliverDue(), CALLBACK_TICK_MS);
      callbackTimer.unref();
      return listenOn(srv, port, host).then(
        (url) => (baseUrl = url),
        (err: unknown) => {
          server = undefined;
          throw err;
        },
      );
    },
    close() {
      const srv = server;
      server = undefined;
      baseUrl = undefined;
      clearInterval(callbackTimer);
      replies.cancelPending();
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
    deliverStatusCallbacks: () => state.callbacks.deliverDue(),
    statusCallbacks: () => state.callbacks.deliveries(),
  };
}

/**
 * Every request: its body read within the limit (413 past it), the request guard (a loopback `Host` for all; for the
 * developer endpoints, no cross-site state change), then the developer endpoints or the Twilio routes.
 */
function requestHandler(parts: {
  bodyLimit: number;
  replies: Replies;
  developer: ReturnType<typeof developerRoutes>;
  twilio: ReturnType<typeof twilioRoutes>;
}): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { bodyLimit, replies } = parts;
  return async (req, res) => {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const path = url.pathname;
    let bodyText: string;
    try {
      bodyText = await readBody(req, bodyLimit);
    } catch (err) {
      if (!(err instanceof BodyTooLarge)) throw err;
      const tooLarge = `Request body too large: the emulator accepts at most ${bodyLimit} bytes`;
      return replies.twilioError(res, method, path, new TwilioError(413, 20413, tooLarge, { Connection: 'close' }));
    }
    const developer = path === '/emulator' || path.startsWith('/emulator/');
    const refusal = checkHost(req.headers.host) ?? (developer ? stateChangeRefusal(req, method) : undefined);
    if (refusal && developer) return replies.developer(res, method, path, refusal.status, { error: refusal.message });
    if (refusal) return replies.twilioError(res, method, path, new TwilioError(refusal.status, 20403, refusal.message));
    if (developer) return parts.developer(res, method, path, bodyText);
    parts.twilio(res, req, method, url, bodyText);
  };
}

/** API key SID -> secret; throws for a SID that is not `SK` + 32 hex digits. */
function apiKeyMap(keys: readonly ApiKey[]): Map<string, string> {
  const apiKeys = new Map<string, string>();
  for (const key of keys) {
    if (!isSid(key.sid, 'SK')) throw new Error(`API key SID must be SK followed by 32 hex digits, got "${key.sid}"`);
    apiKeys.set(key.sid, key.secret);
  }
  return apiKeys;
}

/** How often a listening emulator sends the status callbacks that came due. */
const CALLBACK_TICK_MS = 200;

/** An empty emulator account; every delivery lands in the outbox (the newest OUTBOX_LIMIT kept), then `announce`. */
function initialState(
  accountSid: string,
  authToken: string,
  apiKeys: Map<string, string>,
  clock: EmulatorClock,
  trial: EmulatorOptions['trial'],
  announce: (message: OutboxMessage, kind: DeliveryKind) => void,
): EmulatorState {
  const state: EmulatorState = {
    account: { sid: accountSid, authToken, friendlyName: 'Twilio Emulator Account',
      type: trial ? 'Trial' : 'Full',
      verifiedNumbers: new Set(trial?.verifiedNumbers ?? []),
      dateCreated: clock.now(),
    },
    apiKeys,
    services: new Map(),
    verifications: new Map(),
    sends: new Map(),
    messages: [],
    outbox: [],
    clock,
    callbacks: new StatusCallbacks({ accountSid, authToken, clock }),
    deliver(entry, kind) {
      const message: OutboxMessage = { ...entry, date_created: isoDate(clock.now()) };
      state.outbox.push(message);
      if (state.outbox.length > OUTBOX_LIMIT) state.outbox.shift();
      announce(message, kind);
    },
  };
  return state;
}

/** Listens on `host`:`port` and resolves to the base URL (an IPv6 host in brackets). */
function listenOn(srv: Server, port: number, host: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(port, host, () => {
      const address = srv.address();
      const actualPort = typeof address === 'object' && address !== null ? address.port : port;
      resolve(`http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`);
    });
  });
}

/** The guard's refusal of a developer request that changes state from another site, or without a JSON body. */
function stateChangeRefusal(req: IncomingMessage, method: string): ReturnType<typeof checkStateChange> {
  if (method === 'GET' || method === 'HEAD') return undefined;
  return checkStateChange(method, {
    origin: req.headers.origin,
    secFetchSite: header(req, 'sec-fetch-site'),
    contentType: req.headers['content-type'],
  });
}
