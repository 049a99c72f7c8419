/**
 * The Bot Framework endpoint: `POST /api/messages` through botbuilder's `CloudAdapter`. Replies go in the response
 * body for `deliveryMode: "expectReplies"` and to the activity's `serviceUrl` otherwise (Bot Framework Emulator,
 * channels). Without a `MicrosoftAppId` the adapter accepts anonymous requests, which is why the server binds to
 * loopback by default.
 */
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type TurnContext } from 'botbuilder';
import type { Request, Response, Server } from 'restify';
import { noLogger, type DialogLogger } from '../dialogs';
import { BodyTooLargeError, readBoundedBody } from '../http';
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

class BodyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readActivity(req: Request, limit: number): Promise<unknown> {
  let body: Buffer;
  try {
    body = await readBoundedBody(req, limit);
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw new BodyError(413, `The activity is larger than ${limit} bytes.`);
    throw err;
  }
  if (!JSON_TYPE.test(req.headers['content-type'] ?? '')) throw new BodyError(415, 'Send the activity as application/json.');
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new BodyError(400, 'The activity is not valid JSON.');
  }
}

/** Mounts `POST /api/messages`; returns the adapter (for proactive messages). */
export function registerBotRoutes(server: Server, deps: BotRouteDeps): CloudAdapter {
  const logger = deps.logger ?? noLogger;
  const adapter = deps.adapter ?? createBotAdapter(deps.auth, logger);
  const limit = deps.bodyLimitBytes ?? DEFAULT_BODY_LIMIT;
  // restify 11 tells async handlers from callback ones by their constructor: keep this `async`.
  server.post(BOT_ROUTE, async (req: Request, res: Response) => {
    let body: unknown;
    try {
      body = await readActivity(req, limit);
    } catch (err) {
      const status = err instanceof BodyError ? err.status : 400;
      res.header('content-type', 'application/json');
      res.send(status, { error: { code: 'invalid_activity', message: err instanceof Error ? err.message : 'Bad request', details: [] } });
      return;
    }
    req.body = body;
    await adapter.process(req, res, (turn) => deps.bot.run(turn));
  });
  return adapter;
}
