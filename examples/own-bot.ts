/**
 * A developer's own bot that adds the Twilio Verify dialogs with one component. The bot keeps its own behaviour
 * ("hello") and hands everything else to the component, which routes by the installed dialogs' trigger utterances.
 *
 * Run it: `npm run own-bot` (with `npx tva emulator --configure-action` in another terminal for the local Twilio
 * emulator), then point the Bot Framework Emulator (or `tva chat`) at http://127.0.0.1:3978/api/messages.
 * DATA_DIR and DIALOGS_DIR choose the store and the dialogs (default ./data, ./dialogs). In your own project import
 * from 'twilio-verify-action' instead of '../src'.
 */
import { ActivityHandler, ConversationState, UserState, type TurnContext } from 'botbuilder';
import { DialogSet, type DialogState } from 'botbuilder-dialogs';
import restify from 'restify';
import {
  createTwilioVerifyDialogs,
  registerAuthLinkRoutes,
  registerBotRoutes,
  runTwilioVerify,
  openStore,
  type TwilioVerifyDialogs,
} from '../src';

export interface OwnBotOptions {
  conversationState: ConversationState;
  userState: UserState;
  /** The component, built with the same `userState`. */
  twilioVerify: TwilioVerifyDialogs;
}

/** An ActivityHandler with a DialogSet holding the Twilio Verify component. */
export class OwnBot extends ActivityHandler {
  private readonly conversationState: ConversationState;
  private readonly userState: UserState;

  constructor(options: OwnBotOptions) {
    super();
    this.conversationState = options.conversationState;
    this.userState = options.userState;
    const dialogs = new DialogSet(this.conversationState.createProperty<DialogState>('dialogState'));
    dialogs.add(options.twilioVerify);

    this.onMessage(async (turn, next) => {
      if ((turn.activity.text ?? '').trim().toLowerCase() === 'hello') {
        await turn.sendActivity('Hello from my own bot! Ask me to send an SMS or to verify your phone number.');
      } else {
        await runTwilioVerify(await dialogs.createContext(turn));
      }
      await next();
    });
    // The authorization page's "completed" event continues a dialog that waits for it.
    this.onEvent(async (turn, next) => {
      await runTwilioVerify(await dialogs.createContext(turn));
      await next();
    });
  }

  override async run(turn: TurnContext): Promise<void> {
    await super.run(turn);
    await this.conversationState.saveChanges(turn);
    await this.userState.saveChanges(turn);
  }
}

/** What a developer is told at start when the action cannot serve users yet: how to configure it. */
export function configurationHint(state: string): string | undefined {
  if (state === 'available') {
    return (
      'The Twilio Verify action is not configured yet, so users will hear that the integration is not set up. ' +
      'For the local Twilio emulator run, in another terminal: npx tva emulator --configure-action. ' +
      'For real Twilio: npx tva action configure --account-sid AC… --verify-service-sid VA… --sender +1…, then npx tva action enable (README, "With the CLI").'
    );
  }
  if (state === 'disabled') return 'The Twilio Verify action is disabled; turn it back on with: npx tva action enable';
  if (state === 'error') return 'Twilio rejected the stored credentials; fix them (npx tva action configure …), then run: npx tva action test';
  return undefined;
}

/** Wires the component to the store and the installed dialogs, and serves the bot on 127.0.0.1:3978. */
export async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 3978);
  const dataDir = process.env.DATA_DIR ?? 'data';
  const dialogsDir = process.env.DIALOGS_DIR ?? 'dialogs';
  let publicBaseUrl = process.env.PUBLIC_BASE_URL ?? `http://127.0.0.1:${port}`;
  const store = await openStore({ dataDir });
  const conversationState = new ConversationState(store.botStorage());
  const userState = new UserState(store.botStorage());
  const { component, runtime, action, problems } = await createTwilioVerifyDialogs({
    store,
    dataDir,
    dialogsDir,
    userState,
    publicBaseUrl: () => publicBaseUrl,
    env: process.env,
  });
  for (const problem of problems) console.warn(`${dialogsDir}/${problem.file}${problem.pointer}: ${problem.message}`);
  const hint = configurationHint((await action.status()).state);
  if (hint) console.warn(hint);

  const bot = new OwnBot({ conversationState, userState, twilioVerify: component });
  const server = restify.createServer({ name: 'own-bot' });
  registerBotRoutes(server, { bot, auth: process.env });
  server.listen(port, '127.0.0.1', () => {
    // PORT=0 picks a free port: the address, and so the link pages' origin, is known once listening.
    publicBaseUrl = process.env.PUBLIC_BASE_URL ?? server.url;
    registerAuthLinkRoutes(server, { action, links: runtime.links, allowedOrigins: [publicBaseUrl] });
    console.log(`Own bot listening on ${publicBaseUrl}/api/messages`);
  });
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
