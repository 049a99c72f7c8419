/**
 * The developer endpoints under `/emulator` (no Twilio auth; the request guard in guard.ts has already refused
 * non-loopback hosts and cross-site state changes): the index, the outbox, the clock and injected faults.
 */
import type { ServerResponse } from 'node:http';
import type { EmulatorClock } from './clock';
import type { Replies } from './exchange';
import { parseFaultSpec, type FaultTable } from './faults';
import { isoDate } from './format';
import { MAGIC_NUMBERS_SUMMARY } from './magic';
import type { EmulatorState } from './state';

/** What the developer endpoints read and change. */
export interface DeveloperContext {
  accountSid: string;
  state: EmulatorState;
  clock: EmulatorClock;
  faults: FaultTable;
  replies: Replies;
  /** The emulator's base URL while it listens. */
  baseUrl(): string | undefined;
  /** `METHOD|METHOD /path` for every Twilio route, for the index. */
  twilioRoutes: readonly string[];
}

/** What one endpoint answers: a status and a JSON payload (none for 204), or a 400 with a sentence. */
type Answer = { status: number; payload?: unknown } | { bad: string };

type Endpoint = Partial<Record<'GET' | 'POST' | 'DELETE', (body: unknown) => Answer>>;

const INVALID_JSON = Symbol('invalid-json');

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return INVALID_JSON;
  }
}

const MAX_ADVANCE_SECONDS = 10 * 365 * 86400;

function advanceSecondsOf(body: unknown): number | undefined {
  const seconds = typeof body === 'object' && body !== null && 'advanceSeconds' in body ? body.advanceSeconds : undefined;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0 || seconds > MAX_ADVANCE_SECONDS) return undefined;
  return seconds;
}

function endpoints(ctx: DeveloperContext): Readonly<Record<string, Endpoint>> {
  const { state, clock, faults } = ctx;
  const index: Endpoint = {
    GET: () => ({
      status: 200,
      payload: {
        name: 'Twilio emulator',
        accountSid: ctx.accountSid,
        baseUrl: ctx.baseUrl(),
        now: isoDate(clock.now()),
        endpoints: {
          outbox: 'GET|DELETE /emulator/messages',
          clock: 'GET /emulator/clock, POST /emulator/clock {"advanceSeconds": N}',
          faults: 'GET|POST|DELETE /emulator/faults',
          callbacks: 'GET /emulator/callbacks',
          twilio: ctx.twilioRoutes,
        },
        magicNumbers: MAGIC_NUMBERS_SUMMARY,
      },
    }),
  };
  return {
    '/emulator': index,
    '/emulator/': index,
    '/emulator/messages': {
      GET: () => ({ status: 200, payload: { messages: state.outbox.map((m) => ({ ...m })) } }),
      DELETE: () => {
        state.outbox.length = 0;
        return { status: 204 };
      },
    },
    '/emulator/clock': {
      GET: () => ({ status: 200, payload: { now: isoDate(clock.now()) } }),
      POST: (body) => {
        const seconds = advanceSecondsOf(body);
        if (seconds === undefined) return { bad: 'send {"advanceSeconds": N} with N a number of seconds from 0 to 315360000' };
        clock.advance(seconds);
        void state.callbacks.deliverDue();
        return { status: 200, payload: { now: isoDate(clock.now()) } };
      },
    },
    '/emulator/callbacks': {
      GET: () => ({ status: 200, payload: { callbacks: state.callbacks.deliveries(), pending: state.callbacks.pending() } }),
    },
    '/emulator/faults': {
      GET: () => ({ status: 200, payload: { faults: faults.list() } }),
      POST: (body) => {
        const spec = parseFaultSpec(body);
        return typeof spec === 'string' ? { bad: spec } : { status: 201, payload: faults.add(spec) };
      },
      DELETE: () => {
        faults.clear();
        return { status: 204 };
      },
    },
  };
}

/** The handler of every `/emulator` path: answers 400 for a body that is not JSON, 404 and 405 with what to use. */
export function developerRoutes(ctx: DeveloperContext): (res: ServerResponse, method: string, path: string, bodyText: string) => void {
  const table = endpoints(ctx);
  return (res, method, path, bodyText) => {
    const reply = (status: number, payload?: unknown, headers?: Record<string, string>): void =>
      ctx.replies.developer(res, method, path, status, payload, headers);
    const body = parseJson(bodyText);
    if (body === INVALID_JSON) return reply(400, { error: 'the body must be JSON' });
    const endpoint = Object.hasOwn(table, path) ? table[path] : undefined;
    if (!endpoint) return reply(404, { error: `no developer endpoint ${path}; see GET /emulator` });
    const run = method === 'GET' || method === 'POST' || method === 'DELETE' ? endpoint[method] : undefined;
    if (!run) {
      const allowed = Object.keys(endpoint).join(', ');
      return reply(405, { error: `${method} is not supported on ${path}; use ${allowed}` }, { Allow: allowed });
    }
    const answer = run(body);
    if ('bad' in answer) return reply(400, { error: answer.bad });
    return reply(answer.status, answer.payload);
  };
}
