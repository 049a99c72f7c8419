/**
 * The bot's side of the Bot Framework endpoint: the `CloudAdapter` and what runs a turn. Serving it over HTTP is the
 * server's business (`POST /api/messages`, src/server/routes/bot.ts). Without a `MicrosoftAppId` the adapter accepts
 * anonymous requests, which is why the server binds to loopback by default.
 */
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type TurnContext } from 'botbuilder';
import { noLogger, type DialogLogger } from '../dialogs';
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
