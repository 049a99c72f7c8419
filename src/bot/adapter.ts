/**
 * The bot's side of the Bot Framework endpoint: the `CloudAdapter` and what runs a turn. Serving it over HTTP is the
 * server's business (`POST /api/messages`, src/server/routes/bot.ts). Without a `MicrosoftAppId` the adapter accepts
 * anonymous requests, which is why the server binds to loopback by default.
 */
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type Activity, type InvokeResponse, type TurnContext } from 'botbuilder';
import { BoundedMap } from '../bounded-map';
import { noLogger, type DialogLogger } from '../dialogs';
import { describeFailure, TURN_ERROR_MESSAGE } from './bot';
import { TurnNotSavedError, warnNotToRepeat } from './turns';

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
type ClaimsIdentity = AuthenticateResult['claimsIdentity'];
type UserTokenClient = Awaited<ReturnType<ConfigurationBotFrameworkAuthentication['createUserTokenClient']>>;

/** Connector clients kept at most: one per bot identity (token claims), service URL and audience. */
const MAX_CONNECTOR_CLIENTS = 64;

/** A bounded map of promised clients: a failed creation is forgotten, the oldest entry goes first when full. */
class ClientCache<T> {
  private readonly clients = new BoundedMap<string, Promise<T>>(MAX_CONNECTOR_CLIENTS);

  get(key: string, create: () => Promise<T>): Promise<T> {
    const known = this.clients.get(key);
    if (known) return known;
    const created = create();
    this.clients.set(key, created);
    created.catch(() => this.clients.delete(key));
    return created;
  }
}

/**
 * Bot Framework authentication whose clients are reused. `CloudAdapter` builds a connector client and a user token
 * client for every turn, before running it, even for `expectReplies` turns that never call the channel back (6 %
 * and 3.6 % of the CPU of a turn at 50 conversations at once: each builds an HTTP pipeline). A client holds no state
 * of its own turn: a connector client only the service URL, the audience and the credentials its factory chose from
 * the token's claims, a user token client the app id and its credentials; so one is reused for the same inputs.
 */
class ReusedClientsAuthentication extends ConfigurationBotFrameworkAuthentication {
  private readonly connectors = new ClientCache<Connector>();
  private readonly userTokenClients = new ClientCache<UserTokenClient>();

  override async authenticateRequest(...args: Parameters<ConfigurationBotFrameworkAuthentication['authenticateRequest']>): Promise<AuthenticateResult> {
    const result = await super.authenticateRequest(...args);
    const factory = result.connectorFactory;
    if (!factory) return result;
    const identity = identityKey(result.claimsIdentity);
    const connectorFactory: Connectors = {
      create: (serviceUrl, audience) => this.connectors.get(`${identity}\n${serviceUrl}\n${audience ?? ''}`, () => factory.create(serviceUrl, audience)),
    };
    return { ...result, connectorFactory };
  }

  override createUserTokenClient(claimsIdentity: ClaimsIdentity): Promise<UserTokenClient> {
    return this.userTokenClients.get(identityKey(claimsIdentity), () => super.createUserTokenClient(claimsIdentity));
  }
}

function identityKey(identity: ClaimsIdentity): string {
  return JSON.stringify(identity.claims);
}

/**
 * The product's `CloudAdapter`: the route hands it an activity it has already read and checked (JSON Schema, see
 * src/server/bodies.ts), and gets the turn's answer back to send itself. `CloudAdapter.process` would check the
 * request, response and activity again with zod (2 % of a turn's CPU) and write to a response object.
 */
export class TurnAdapter extends CloudAdapter {
  /**
   * Authenticates the request, runs the turn and returns its answer: the replies of an `expectReplies` turn, an
   * invoke's response, or undefined (replies went to the `serviceUrl`). Throws botbuilder's `AuthenticationError`
   * for a request this bot must refuse (401), and what the turn threw past `onTurnError`.
   */
  async handle(authorization: string, activity: Activity, logic: (turn: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined> {
    return this.processActivity(authorization, withDates(activity), logic);
  }
}

/** The activity's timestamps as botbuilder's own reading leaves them (Date objects, the text kept as `raw…`). */
function withDates(activity: Activity): Activity {
  const fields = activity as unknown as Record<string, unknown>;
  for (const [name, raw] of [
    ['timestamp', 'rawTimestamp'],
    ['expiration', 'rawExpiration'],
    ['localTimestamp', 'rawLocalTimestamp'],
  ] as const) {
    const text = fields[name];
    if (typeof text !== 'string') continue;
    fields[raw] = text;
    fields[name] = new Date(text);
  }
  return activity;
}

/** The adapter: authenticated with the settings when an app id is given, anonymous otherwise. */
export function createBotAdapter(auth: BotAuthSettings = {}, logger: DialogLogger = noLogger): TurnAdapter {
  const settings: Record<string, string> = {};
  for (const [name, value] of Object.entries(auth)) if (typeof value === 'string' && value !== '') settings[name] = value;
  const adapter = new TurnAdapter(new ReusedClientsAuthentication(settings));
  // A last resort for failures outside the bot's own handling (e.g. middleware).
  adapter.onTurnError = async (turn, err) => {
    logger.error('turn failed in the adapter', describeFailure(err));
    if (err instanceof TurnNotSavedError) await warnNotToRepeat(turn);
    else await turn.sendActivity(TURN_ERROR_MESSAGE);
  };
  return adapter;
}
