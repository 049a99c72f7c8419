/**
 * The bot's route: `POST /api/messages` through botbuilder's `CloudAdapter`. Replies go in the response body for
 * `deliveryMode: "expectReplies"` and to the activity's `serviceUrl` otherwise (Bot Framework Emulator, channels).
 * Without a `MicrosoftAppId` the adapter accepts anonymous requests, which is why the server binds to loopback by
 * default, and why anonymous activities may only name a loopback `serviceUrl` (else anyone could make the bot POST
 * to any address).
 *
 * The activity's shape is checked at the edge (JSON Schema, see bodies.ts) before botbuilder sees it: a malformed
 * activity gets a 400 in the one error format and never reaches the bot, so it cannot break a dialog in progress.
 * Every answer of the adapter passes through {@link AdapterReply}: a 5xx is logged and answered without botbuilder's
 * internal text.
 */
import { isIP } from 'node:net';
import type { Activity, InvokeResponse } from 'botbuilder';
import { AuthenticationError } from 'botframework-connector';
import type { Request, Response, Server } from 'restify';
import { createBotAdapter, isAuthenticated, type BotAuthSettings, type TurnAdapter, type TurnRunner } from '../../bot';
import { noLogger, type DialogLogger } from '../../dialogs';
import { mountRoutes } from '../audiences';
import { parseActivity, type IncomingActivity } from '../bodies';
import { HttpError, readJsonBody, sendError } from '../http';

export interface BotRouteDeps {
  /** Defaults to `createBotAdapter` with `auth`. */
  adapter?: TurnAdapter;
  bot: TurnRunner;
  auth?: BotAuthSettings;
  logger?: DialogLogger;
  /** Largest accepted activity; default 256 KiB. */
  bodyLimitBytes?: number;
}

export const BOT_ROUTE = '/api/messages';
const DEFAULT_BODY_LIMIT = 256 * 1024;
/** Any parameters: channels send `charset=utf-8`, and the bytes must decode as UTF-8 anyway. */
const ACTIVITY_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(;.*)?$/i;

/** The request's Authorization header ('' when absent), as botbuilder reads it. */
function authorizationOf(req: Request): string {
  const header = req.headers.authorization;
  return typeof header === 'string' ? header : '';
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

/**
 * Sends what the adapter answered: a success as the turn produced it (the replies of an `expectReplies` turn, an
 * invoke's response, or an empty 200); an answer of 401/403, or of 5xx (logged), in the one error format, without
 * the turn's own text. A refused request (botbuilder's `AuthenticationError`) is a 401 and a failure a logged 500.
 */
function sendTurnAnswer(res: Response, answer: InvokeResponse | undefined, logger: DialogLogger): void {
  if (res.headersSent) return;
  const status = answer?.status ?? 200;
  if (status >= 500) {
    logger.error('the bot endpoint failed', { status });
    sendError(res, new HttpError(500, 'internal_error', 'The bot failed to handle this activity; the server log has the details.'));
    return;
  }
  if (status === 401 || status === 403) {
    sendError(res, new HttpError(status, 'unauthorized', 'The request is not authenticated for this bot (Bot Framework authentication).'));
    return;
  }
  if (answer?.body === undefined) {
    res.send(status);
    return;
  }
  res.header('content-type', 'application/json');
  res.send(status, answer.body);
}

function sendTurnFailure(res: Response, err: unknown, logger: DialogLogger): void {
  if (res.headersSent) return;
  if (err instanceof AuthenticationError) {
    sendError(res, new HttpError(401, 'unauthorized', 'The request is not authenticated for this bot (Bot Framework authentication).'));
    return;
  }
  logger.error('the bot endpoint failed', { error: err instanceof Error ? err.name : 'unknown' });
  sendError(res, new HttpError(500, 'internal_error', 'The bot failed to handle this activity; the server log has the details.'));
}

const SERVICE_URL_NOT_ALLOWED = new HttpError(
  400,
  'service_url_not_allowed',
  'Without MicrosoftAppId the bot is anonymous and only replies to a loopback serviceUrl (http://127.0.0.1…, ' +
    'http://localhost…, http://[::1]…) or in the response body (deliveryMode "expectReplies"). Set MicrosoftAppId ' +
    'and MicrosoftAppPassword to talk to a Bot Framework channel.',
  [{ path: '/serviceUrl', message: 'must be a loopback URL in anonymous mode' }],
);

/** Mounts `POST /api/messages` (audience `bot`); returns the adapter (for proactive messages). */
export function registerBotRoutes(server: Server, deps: BotRouteDeps): TurnAdapter {
  const logger = deps.logger ?? noLogger;
  const adapter = deps.adapter ?? createBotAdapter(deps.auth, logger);
  const anonymous = !isAuthenticated(deps.auth);
  const rules = {
    limitBytes: deps.bodyLimitBytes ?? DEFAULT_BODY_LIMIT,
    noun: 'activity',
    malformedCode: 'invalid_activity',
    mediaType: ACTIVITY_TYPE,
    required: true,
  };
  // restify 11 tells async handlers from callback ones by their constructor: keep this `async`.
  const handler = async (req: Request, res: Response) => {
    let activity: IncomingActivity;
    try {
      activity = parseActivity(await readJsonBody(req, rules));
      // With expectReplies the replies go back in the response body and nothing is ever posted to the serviceUrl
      // (no proactive message is sent for such a turn), so any value is harmless: a chat page served on a public
      // address behind an authenticating proxy (ALLOW_ANONYMOUS_BOT) names its own origin.
      if (anonymous && activity.deliveryMode !== 'expectReplies' && !isLoopbackUrl(activity.serviceUrl)) throw SERVICE_URL_NOT_ALLOWED;
    } catch (err) {
      if (!(err instanceof HttpError)) {
        logger.error('reading an activity failed', { error: err instanceof Error ? err.name : 'unknown' });
        sendError(res, new HttpError(500, 'internal_error', 'The bot failed to read this activity; the server log has the details.'));
        return;
      }
      sendError(res, err);
      return;
    }
    let answer: InvokeResponse | undefined;
    try {
      // Checked at the edge: the fields botbuilder relies on are there; the rest is the channel's own.
      answer = await adapter.handle(authorizationOf(req), activity as unknown as Activity, (turn) => deps.bot.run(turn));
    } catch (err) {
      sendTurnFailure(res, err, logger);
      return;
    }
    sendTurnAnswer(res, answer, logger);
  };
  mountRoutes(server, [{ method: 'post', path: BOT_ROUTE, auth: 'bot', handler }]);
  return adapter;
}
