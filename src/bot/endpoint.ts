/**
 * The Bot Framework endpoint: `POST /api/messages` through botbuilder's `CloudAdapter`. Replies go in the response
 * body for `deliveryMode: "expectReplies"` and to the activity's `serviceUrl` otherwise (Bot Framework Emulator,
 * channels). Without a `MicrosoftAppId` the adapter accepts anonymous requests, which is why the server binds to
 * loopback by default, and why anonymous activities may only name a loopback `serviceUrl` (else anyone could make
 * the bot POST to any address).
 *
 * The activity's shape is checked at the edge (JSON Schema, ajv) before botbuilder sees it: a malformed activity
 * gets a 400 in the one error format and never reaches the bot, so it cannot break a dialog in progress. Every
 * answer of the adapter passes through {@link AdapterReply}: a 5xx is logged and answered without botbuilder's
 * internal text.
 */
import { isIP } from 'node:net';
import Ajv2020 from 'ajv/dist/2020';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type TurnContext } from 'botbuilder';
import type { FromSchema } from 'json-schema-to-ts';
import type { Request, Response, Server } from 'restify';
import { noLogger, type DialogLogger } from '../dialogs';
import { BodyTooLargeError, mountRoutes, readBoundedBody } from '../http';
import { describeFailure, TURN_ERROR_MESSAGE } from './bot';

/** Bot Framework authentication settings, named as in the environment. */
export interface BotAuthSettings {
  MicrosoftAppId?: string;
  MicrosoftAppPassword?: string;
  MicrosoftAppTenantId?: string;
  /** `MultiTenant` (default), `SingleTenant` or `UserAssignedMSI`. */
  MicrosoftAppType?: string;
}

/** Anything that runs a turn (an `ActivityHandler`). */
export interface TurnRunner {
  run(turn: TurnContext): Promise<void>;
}

export interface BotRouteDeps {
  /** Defaults to {@link createBotAdapter} with `auth`. */
  adapter?: CloudAdapter;
  bot: TurnRunner;
  auth?: BotAuthSettings;
  logger?: DialogLogger;
  /** Largest accepted activity; default 256 KiB. */
  bodyLimitBytes?: number;
}

export const BOT_ROUTE = '/api/messages';
const DEFAULT_BODY_LIMIT = 256 * 1024;
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(;.*)?$/i;

/** True when settings turn Bot Framework authentication on. */
export function isAuthenticated(auth: BotAuthSettings | undefined): boolean {
  return Boolean(auth?.MicrosoftAppId);
}

/** The adapter: authenticated with the settings when an app id is given, anonymous otherwise. */
export function createBotAdapter(auth: BotAuthSettings = {}, logger: DialogLogger = noLogger): CloudAdapter {
  const settings: Record<string, string> = {};
  for (const [name, value] of Object.entries(auth)) if (typeof value === 'string' && value !== '') settings[name] = value;
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication(settings));
  // A last resort for failures outside the bot's own handling (e.g. middleware).
  adapter.onTurnError = async (turn, err) => {
    logger.error('turn failed in the adapter', describeFailure(err));
    await turn.sendActivity(TURN_ERROR_MESSAGE);
  };
  return adapter;
}

/** The fields of an activity the server relies on; everything else is botbuilder's to read. */
export const ACTIVITY_SCHEMA = {
  type: 'object',
  required: ['type', 'channelId', 'serviceUrl', 'conversation', 'from'],
  properties: {
    type: { type: 'string', minLength: 1, maxLength: 64 },
    id: { type: 'string', maxLength: 1024 },
    text: { type: 'string' },
    channelId: { type: 'string', minLength: 1, maxLength: 256 },
    serviceUrl: { type: 'string', minLength: 1, maxLength: 2048 },
    deliveryMode: { type: 'string', maxLength: 64 },
    conversation: {
      type: 'object',
      required: ['id'],
      properties: { id: { type: 'string', minLength: 1, maxLength: 1024 } },
    },
    from: {
      type: 'object',
      required: ['id'],
      properties: { id: { type: 'string', minLength: 1, maxLength: 1024 } },
    },
  },
} as const;

export type IncomingActivity = FromSchema<typeof ACTIVITY_SCHEMA>;

const validateActivity = new Ajv2020({ allErrors: true, strict: true }).compile<IncomingActivity>(ACTIVITY_SCHEMA);

interface ErrorDetail {
  path: string;
  message: string;
}

class BodyError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
  }
}

async function readActivity(req: Request, limit: number): Promise<unknown> {
  let body: Buffer;
  try {
    body = await readBoundedBody(req, limit);
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw new BodyError(413, 'payload_too_large', `The activity is larger than ${limit} bytes.`);
    throw err;
  }
  if (!JSON_TYPE.test(req.headers['content-type'] ?? '')) {
    throw new BodyError(415, 'unsupported_media_type', 'Send the activity as application/json.');
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new BodyError(400, 'invalid_activity', 'The activity is not valid UTF-8.');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BodyError(400, 'invalid_activity', 'The activity is not valid JSON.');
  }
}

/** The activity, checked against {@link ACTIVITY_SCHEMA}; a BodyError 400 naming every problem otherwise. */
export function parseActivity(body: unknown): IncomingActivity {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BodyError(400, 'invalid_activity', 'The body must be a JSON object: a Bot Framework activity.', [
      { path: '', message: 'must be object' },
    ]);
  }
  if (validateActivity(body)) return body;
  const details = (validateActivity.errors ?? []).map((e): ErrorDetail => {
    const missing = (e.params as { missingProperty?: unknown }).missingProperty;
    return typeof missing === 'string'
      ? { path: `${e.instancePath}/${missing}`, message: 'is required' }
      : { path: e.instancePath, message: e.message ?? 'is invalid' };
  });
  const first = details[0];
  throw new BodyError(
    400,
    'invalid_activity',
    `The activity is malformed${first ? `: ${first.path || 'body'} ${first.message}` : ''}.`,
    details,
  );
}

/** True for a URL on this machine's loopback interface: 127.0.0.0/8, [::1], localhost. */
export function isLoopbackUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const host = url.hostname;
  return host === 'localhost' || host === '[::1]' || (isIP(host) === 4 && host.startsWith('127.'));
}

function sendJsonError(res: Response, status: number, code: string, message: string, details: ErrorDetail[] = []): void {
  res.header('content-type', 'application/json');
  res.header('cache-control', 'no-store');
  res.send(status, { error: { code, message, details } });
}

/**
 * What the adapter answers, collected before it is sent: a success goes out as the adapter wrote it; a 401 and a
 * 5xx go out in the one error format, without botbuilder's internal text (a 5xx is logged with it).
 */
class AdapterReply {
  readonly socket = undefined;
  private code = 200;
  private body: unknown;
  private readonly headers: Array<[string, unknown]> = [];

  constructor(
    private readonly res: Response,
    private readonly logger: DialogLogger,
  ) {}

  status(code: number): this {
    this.code = code;
    return this;
  }

  header(name: string, value: unknown): this {
    this.headers.push([name, value]);
    return this;
  }

  send(...args: unknown[]): this {
    this.body = args[0];
    return this;
  }

  end(): this {
    this.flush();
    return this;
  }

  /** Sends the collected reply (once). */
  flush(): void {
    if (this.res.headersSent) return;
    if (this.code >= 500) {
      this.logger.error('the bot endpoint failed', { status: this.code, reason: typeof this.body === 'string' ? this.body : 'no reason given' });
      sendJsonError(this.res, 500, 'internal_error', 'The bot failed to handle this activity; the server log has the details.');
      return;
    }
    if (this.code === 401 || this.code === 403) {
      sendJsonError(this.res, this.code, 'unauthorized', 'The request is not authenticated for this bot (Bot Framework authentication).');
      return;
    }
    for (const [name, value] of this.headers) this.res.header(name, value);
    if (this.body === undefined) {
      this.res.send(this.code);
    } else {
      if (typeof this.body === 'object') this.res.header('content-type', 'application/json');
      this.res.send(this.code, this.body);
    }
  }
}

/** Mounts `POST /api/messages` (audience `bot`); returns the adapter (for proactive messages). */
export function registerBotRoutes(server: Server, deps: BotRouteDeps): CloudAdapter {
  const logger = deps.logger ?? noLogger;
  const adapter = deps.adapter ?? createBotAdapter(deps.auth, logger);
  const anonymous = !isAuthenticated(deps.auth);
  const limit = deps.bodyLimitBytes ?? DEFAULT_BODY_LIMIT;
  // restify 11 tells async handlers from callback ones by their constructor: keep this `async`.
  const handler = async (req: Request, res: Response) => {
    let activity: IncomingActivity;
    try {
      activity = parseActivity(await readActivity(req, limit));
      // With expectReplies the replies go back in the response body and nothing is ever posted to the serviceUrl
      // (no proactive message is sent for such a turn), so any value is harmless: a chat page served on a public
      // address behind an authenticating proxy (ALLOW_ANONYMOUS_BOT) names its own origin.
      if (anonymous && activity.deliveryMode !== 'expectReplies' && !isLoopbackUrl(activity.serviceUrl)) {
        throw new BodyError(
          400,
          'service_url_not_allowed',
          'Without MicrosoftAppId the bot is anonymous and only replies to a loopback serviceUrl (http://127.0.0.1…, ' +
            'http://localhost…, http://[::1]…) or in the response body (deliveryMode "expectReplies"). Set MicrosoftAppId ' +
            'and MicrosoftAppPassword to talk to a Bot Framework channel.',
          [{ path: '/serviceUrl', message: 'must be a loopback URL in anonymous mode' }],
        );
      }
    } catch (err) {
      if (err instanceof BodyError) {
        sendJsonError(res, err.status, err.code, err.message, err.details);
        return;
      }
      logger.error('reading an activity failed', { error: err instanceof Error ? err.name : 'unknown' });
      sendJsonError(res, 500, 'internal_error', 'The bot failed to read this activity; the server log has the details.');
      return;
    }
    req.body = activity;
    const reply = new AdapterReply(res, logger);
    try {
      await adapter.process(req, reply, (turn) => deps.bot.run(turn));
    } catch (err) {
      logger.error('the bot endpoint failed', { error: err instanceof Error ? err.name : 'unknown' });
      reply.status(500);
    }
    reply.flush();
  };
  mountRoutes(server, [{ method: 'post', path: BOT_ROUTE, auth: 'bot', handler }]);
  return adapter;
}
