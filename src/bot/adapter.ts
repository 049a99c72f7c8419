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

type AuthenticateResult = Awaited<ReturnType<ConfigurationBotFrameworkAuthentication['authenticateRequest']>>;
type Connectors = NonNullable<AuthenticateResult['connectorFactory']>;
type Connector = Awaited<ReturnType<Connectors['create']>>;

/** Connector clients kept at most: one per bot identity (token claims), service URL and audience. */
const MAX_CONNECTOR_CLIENTS = 64;

/**
 * Bot Framework authentication whose connector clients are reused. `CloudAdapter` builds a connector client for
 * every turn, before running it, even for `expectReplies` turns that never call the channel back (6 % of the CPU
 * of a turn at 50 conversations at once). A client holds no state of its own turn: only the service URL, the
 * audience and the credentials its factory chose from the token's claims, so one is reused for the same three.
 */
class ReusedConnectorsAuthentication extends ConfigurationBotFrameworkAuthentication {
  private readonly clients = new Map<string, Promise<Connector>>();

  override async authenticateRequest(...args: Parameters<ConfigurationBotFrameworkAuthentication['authenticateRequest']>): Promise<AuthenticateResult> {
    const result = await super.authenticateRequest(...args);
    const factory = result.connectorFactory;
    if (!factory) return result;
    const identity = JSON.stringify(result.claimsIdentity.claims);
    const connectorFactory: Connectors = {
      create: (serviceUrl, audience) => this.client(`${identity}\n${serviceUrl}\n${audience ?? ''}`, () => factory.create(serviceUrl, audience)),
    };
    return { ...result, connectorFactory };
  }

  private client(key: string, create: () => Promise<Connector>): Promise<Connector> {
    const known = this.clients.get(key);
    if (known) return known;
    if (this.clients.size >= MAX_CONNECTOR_CLIENTS) {
      const oldest = this.clients.keys().next().value;
      if (oldest !== undefined) this.clients.delete(oldest);
    }
    const created = create();
    this.clients.set(key, created);
    created.catch(() => this.clients.delete(key));
    return created;
  }
}

/** The adapter: authenticated with the settings when an app id is given, anonymous otherwise. */
export function createBotAdapter(auth: BotAuthSettings = {}, logger: DialogLogger = noLogger): CloudAdapter {
  const settings: Record<string, string> = {};
  for (const [name, value] of Object.entries(auth)) if (typeof value === 'string' && value !== '') settings[name] = value;
  const adapter = new CloudAdapter(new ReusedConnectorsAuthentication(settings));
  // A last resort for failures outside the bot's own handling (e.g. middleware).
  adapter.onTurnError = async (turn, err) => {
    logger.error('turn failed in the adapter', describeFailure(err));
    await turn.sendActivity(TURN_ERROR_MESSAGE);
  };
  return adapter;
}
