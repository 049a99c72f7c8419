/**
 * The API surface the official SDK talks to: Accounts and Messages (api.twilio.com), Verify v2 (verify.twilio.com),
 * routed by their OAI path templates, behind Basic auth (the account's Auth Token or an API key), with injected
 * faults applied to matching requests.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { listVerificationAttempts } from './attempts';
import type { EmulatorClock } from './clock';
import { authenticationFailed, methodNotAllowed, notFound, TwilioError } from './errors';
import type { EmulatorOperation, Replies } from './exchange';
import type { FaultTable } from './faults';
import { createMessage, deleteMessage, fetchAccount, fetchMessage, listMessages } from './messages';
import type { Handler, TwilioRequest } from './request';
import type { EmulatorState } from './state';
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

/** `METHOD|METHOD /template` for every Twilio route (the developer index lists them). */
export const TWILIO_ROUTE_SUMMARY: readonly string[] = ROUTES.map((r) => `${Object.keys(r.handlers).join('|')} ${r.template}`);

/** The route a path matches, with its decoded path parameters; undefined for no route (or a malformed escape). */
function match(path: string): { route: Route; params: Record<string, string> } | undefined {
  for (const r of ROUTES) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    try {
      r.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1] ?? '')));
    } catch {
      return undefined;
    }
    return { route: r, params };
  }
  return undefined;
}

function isMethod(method: string): method is Method {
  return method === 'GET' || method === 'POST' || method === 'DELETE';
}

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

function basicCredentials(header: string | undefined): { user: string; pass: string } | undefined {
  const found = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!found?.[1]) return undefined;
  const decoded = Buffer.from(found[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), pass: decoded.slice(colon + 1) };
}

/** What the Twilio routes read and change. */
export interface TwilioContext {
  accountSid: string;
  authToken: string;
  /** API key SID -> secret. */
  apiKeys: ReadonlyMap<string, string>;
  state: EmulatorState;
  clock: EmulatorClock;
  faults: FaultTable;
  replies: Replies;
  log: (line: string) => void;
  /** The emulator's base URL while it listens. */
  baseUrl(): string | undefined;
}

/** The handler of every path outside `/emulator`: route, authenticate, apply a fault, perform, reply. */
export function twilioRoutes(ctx: TwilioContext): (res: ServerResponse, req: IncomingMessage, method: string, url: URL, bodyText: string) => void {
  const { replies } = ctx;

  /** Throws 20003 unless the request carries the account's Auth Token or an API key's secret. */
  function authenticate(req: IncomingMessage): void {
    const creds = basicCredentials(req.headers.authorization);
    if (!creds) throw authenticationFailed(req.headers.authorization !== undefined);
    const ok =
      (creds.user === ctx.accountSid && safeEqual(creds.pass, ctx.authToken)) ||
      (ctx.apiKeys.has(creds.user) && safeEqual(creds.pass, ctx.apiKeys.get(creds.user) ?? ''));
    if (!ok) throw authenticationFailed(true);
  }

  /** Performs the request now, and answers how a reply is sent: Twilio's answer, or its error. */
  function perform(res: ServerResponse, handler: Handler, request: TwilioRequest, operation: EmulatorOperation): () => void {
    const { method, path } = request;
    try {
      const result = handler(ctx.state, request);
      return () => replies.send(res, { method, path, status: result.status, payload: result.body, operation, injected: false });
    } catch (err) {
      if (err instanceof TwilioError) return () => replies.twilioError(res, method, path, err, operation);
      ctx.log(`[emulator] ${method} ${path} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      return () => replies.twilioError(res, method, path, new TwilioError(500, 20500, 'Internal server error'), operation);
    }
  }

  return (res, req, method, url, bodyText) => {
    const path = url.pathname;
    const matched = match(path);
    if (!matched) return replies.twilioError(res, method, path, notFound(path));
    const { route: r, params } = matched;
    const handler = isMethod(method) ? r.handlers[method] : undefined;
    const operation: EmulatorOperation = { spec: r.spec, path: r.template, method: method.toLowerCase() as EmulatorOperation['method'] };
    if (!handler) return replies.twilioError(res, method, path, methodNotAllowed(method, Object.keys(r.handlers)));
    try {
      authenticate(req);
      if (r.accountParam !== undefined && params[r.accountParam] !== ctx.accountSid) throw authenticationFailed(true);
    } catch (err) {
      if (err instanceof TwilioError) return replies.twilioError(res, method, path, err, operation);
      throw err;
    }
    const fault = ctx.faults.take(method, path);
    if (fault?.kind === 'answer') {
      const { status, body, contentType, headers } = fault;
      replies.later(res, fault.delayMs, () => replies.send(res, { method, path, status, raw: body, contentType, operation, injected: true }, headers));
      return;
    }
    const request: TwilioRequest = {
      method,
      path,
      params,
      query: url.searchParams,
      form: new URLSearchParams(bodyText),
      baseUrl: ctx.baseUrl() ?? '',
      now: ctx.clock.now(),
    };
    // The request is performed now, whatever a fault then does to its reply.
    const reply = perform(res, handler, request, operation);
    if (fault?.kind === 'drop') replies.later(res, fault.delayMs, () => res.destroy());
    else replies.later(res, fault?.delayMs ?? 0, reply);
  };
}
