/**
 * The hand-written baseline: the Send SMS and Verify Phone Number dialogs written the way the Bot Framework samples
 * write them (botbuilder-dialogs `WaterfallDialog` + `TextPrompt` in a `ComponentDialog`, `ConversationState` over
 * `MemoryStorage`, an `ActivityHandler` that saves state after each turn, the official twilio SDK called from the
 * steps). No durable state, no redelivery handling, no intent records, no templates: what a developer gets by
 * writing the dialog by hand. Its replies carry the same phrases as the product's, so the same scripts check both.
 */
import {
  ActivityHandler,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  ConversationState,
  MemoryStorage,
  type StatePropertyAccessor,
  type TurnContext,
} from 'botbuilder';
import {
  ComponentDialog,
  DialogSet,
  DialogTurnStatus,
  TextPrompt,
  WaterfallDialog,
  type DialogState,
  type WaterfallStepContext,
} from 'botbuilder-dialogs';
import restify, { type Request, type Response } from 'restify';
import twilio from 'twilio';

/** Where the hand-written bot finds Twilio (here: an emulator) and what it sends from. */
export interface HandwrittenBotOptions {
  twilioBaseUrl: string;
  accountSid: string;
  authToken: string;
  /** The SMS sender number. */
  from: string;
  verifyServiceSid: string;
}

const MAIN = 'main';
const SEND_SMS = 'sendSms';
const VERIFY = 'verifyPhoneNumber';
const TEXT = 'text';

class MainDialog extends ComponentDialog {
  constructor(options: HandwrittenBotOptions) {
    super(MAIN);
    const client = twilio(options.accountSid, options.authToken);
    // twilio-node has no base-URL option: point both domains at the given server.
    client.api.baseUrl = options.twilioBaseUrl;
    client.verify.baseUrl = options.twilioBaseUrl;
    const verify = client.verify.v2.services(options.verifyServiceSid);

    this.addDialog(new TextPrompt(TEXT));
    this.addDialog(
      new WaterfallDialog(MAIN, [
        async (step) => {
          const text = (step.context.activity.text ?? '').toLowerCase();
          if (text.includes('sms')) return step.beginDialog(SEND_SMS);
          if (text.includes('verify')) return step.beginDialog(VERIFY);
          await step.context.sendActivity('Say "send an sms" or "verify my phone number".');
          return step.endDialog();
        },
        async (step) => step.endDialog(),
      ]),
    );
    this.addDialog(
      new WaterfallDialog(SEND_SMS, [
        async (step) => step.prompt(TEXT, 'Which phone number should I text?'),
        async (step: WaterfallStepContext<{ to?: string }>) => {
          step.options.to = String(step.result);
          return step.prompt(TEXT, 'What should the message say?');
        },
        async (step: WaterfallStepContext<{ to?: string }>) => {
          const to = step.options.to ?? '';
          try {
            const message = await client.messages.create({ to, from: options.from, body: String(step.result) });
            await step.context.sendActivity(`Sent your message to ${message.to}.`);
          } catch (err) {
            await step.context.sendActivity(`Sorry, the message was not sent: ${err instanceof Error ? err.message : String(err)}`);
          }
          return step.endDialog();
        },
      ]),
    );
    this.addDialog(
      new WaterfallDialog(VERIFY, [
        async (step) => step.prompt(TEXT, 'Which phone number should I verify?'),
        async (step: WaterfallStepContext<{ to?: string }>) => {
          const to = String(step.result);
          step.options.to = to;
          try {
            await verify.verifications.create({ to, channel: 'sms' });
          } catch (err) {
            await step.context.sendActivity(`Sorry, no code was sent: ${err instanceof Error ? err.message : String(err)}`);
            return step.endDialog();
          }
          return step.prompt(TEXT, `I sent a code to ${to}. What is the code?`);
        },
        async (step: WaterfallStepContext<{ to?: string }>) => {
          const to = step.options.to ?? '';
          const check = await verify.verificationChecks.create({ to, code: String(step.result) });
          await step.context.sendActivity(check.status === 'approved' ? `${to} is verified.` : `That code is not right for ${to}.`);
          return step.endDialog();
        },
      ]),
    );
    this.initialDialogId = MAIN;
  }

  /** The samples' `run`: continue the active dialog, or begin the main one. */
  async run(context: TurnContext, accessor: StatePropertyAccessor<DialogState>): Promise<void> {
    const dialogSet = new DialogSet(accessor);
    dialogSet.add(this);
    const dialogContext = await dialogSet.createContext(context);
    const results = await dialogContext.continueDialog();
    if (results.status === DialogTurnStatus.empty) await dialogContext.beginDialog(this.id);
  }
}

class DialogBot extends ActivityHandler {
  constructor(conversationState: ConversationState, dialog: MainDialog) {
    super();
    const accessor = conversationState.createProperty<DialogState>('DialogState');
    this.onMessage(async (context, next) => {
      await dialog.run(context, accessor);
      await next();
    });
    this.onDialog(async (context, next) => {
      await conversationState.saveChanges(context, false);
      await next();
    });
  }
}

export interface BotServer {
  url: string;
  close(): Promise<void>;
}

/** Starts the hand-written bot on 127.0.0.1 and `port` (0: a free one). */
export async function startHandwrittenBot(options: HandwrittenBotOptions, port = 0): Promise<BotServer> {
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
  adapter.onTurnError = async (context, error) => {
    await context.sendActivity(`The bot encountered an error: ${error.message}`);
  };
  const bot = new DialogBot(new ConversationState(new MemoryStorage()), new MainDialog(options));
  const server = restify.createServer({ name: 'handwritten-bot', handleUncaughtExceptions: false });
  server.use(restify.plugins.bodyParser());
  // restify 11 tells async handlers from callback ones by their constructor: keep this `async`.
  server.post('/api/messages', async (req: Request, res: Response) => {
    await adapter.process(req, res, (context) => bot.run(context));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
