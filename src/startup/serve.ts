/** The server of `npm start`: every route group wired to the parts startup built (not listening yet). */
import path from 'node:path';
import type { Logger } from 'pino';
import type { IntegrationAction } from '../auth';
import { createBotAdapter } from '../bot';
import { receiveStatusCallback, type StatusCallbackRequest } from '../delivery';
import type { TwilioEmulator } from '../emulator';
import { cachedHealth, createServer, type AdminToken, type ConsoleSessions, type Server } from '../server';
import type { Store } from '../store';
import { packageRoot } from '../templates';
import type { StartedBot } from './bot';
import type { Config } from './config';
import { devTwilioTarget } from './dev-target';

export interface ServeOptions {
  config: Config;
  store: Store;
  action: IntegrationAction;
  logger: Logger;
  admin: AdminToken;
  bot: StartedBot;
  /** The dev emulator whose outbox the chat page shows, if one runs. */
  devEmulator?: TwilioEmulator;
  /** The clock of `/healthz`'s countdown of a start check (tests); default Date. */
  now?: () => Date;
  /** Where Twilio and users reach this server (PUBLIC_BASE_URL, or the listening URL once known). */
  publicBaseUrl: () => string;
  /** The console's sessions and sign-in links. */
  sessions: ConsoleSessions;
  /** The clock of console sessions and of the admin back-off (tests); default Date. */
  clock?: () => Date;
}

/** `createServer` with the bot, the link pages, the admin API with the template routes, and the app routes. */
export function buildServer(options: ServeOptions): Server {
  const { config, store, action, logger, bot, devEmulator } = options;
  // Created here, not by the route, so that delivery outcomes can reach conversations proactively.
  const adapter = createBotAdapter(config.botAuth, bot.dialogLogger);
  const appId = config.botAuth.MicrosoftAppId ?? '';
  const receive = (request: StatusCallbackRequest) =>
    receiveStatusCallback(
      {
        ledger: bot.messages,
        authTokenFor: async (sender) => {
          const resolved = await action.resolveCredentials(sender.kind === 'user' ? sender : { channelId: 'twilio', userId: 'status-callback' });
          return resolved.kind === 'ready' && resolved.credentials.kind === 'auth-token' ? resolved.credentials.authToken : undefined;
        },
        proactive: async (conversation, text) => {
          await adapter.continueConversationAsync(appId, conversation, async (turn) => {
            await turn.sendActivity(text);
          });
          return true;
        },
        audit: async (entry) => {
          await store.appendAudit(entry);
        },
      },
      request,
    );
  return createServer({
    store,
    action,
    logger,
    adminToken: options.admin.token,
    trustProxy: config.trustProxy,
    sessions: options.sessions,
    ...(options.clock ? { now: options.clock } : {}),
    console: {
      publicDir: path.join(packageRoot(), 'public'),
      publicBaseUrl: () => config.publicBaseUrl,
      ...(devEmulator ? { devOutboxUrl: () => (devEmulator.url ? `${devEmulator.url}/emulator/messages` : undefined) } : {}),
    },
    templates: { installer: bot.installer, onUnexpectedError: (err) => logger.error({ err }, 'template request failed') },
    bot: { adapter, bot: bot.bot, auth: config.botAuth, logger: bot.dialogLogger },
    delivery: { messages: bot.messages, receive, publicBaseUrl: options.publicBaseUrl },
    authLinks: { action, links: bot.runtime.links, logger: bot.dialogLogger, allowedOrigins: config.publicBaseUrl ? [config.publicBaseUrl] : [] },
    app: {
      publicDir: path.join(packageRoot(), 'public'),
      ...(devEmulator ? { devOutbox: () => devEmulator.outbox(), devTarget: () => devTwilioTarget(action, devEmulator) } : {}),
      health: cachedHealth({ store, action, ttlMs: config.healthCacheSeconds * 1000, ...(options.now ? { now: options.now } : {}) }),
    },
  });
}
