/**
 * The baseline: a bare botbuilder echo bot on the same kind of server as the product (restify 11, botbuilder's
 * CloudAdapter, anonymous), written the way the Bot Framework samples write it. Whatever the product costs on top
 * of this is the price of its dialogs, state and Twilio calls.
 */
import { ActivityHandler, CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import restify, { type Request, type Response } from 'restify';

/** What the echo bot answers to `text`. */
export function echoOf(text: string): string {
  return `Echo: ${text}`;
}

class EchoBot extends ActivityHandler {
  constructor() {
    super();
    this.onMessage(async (turn, next) => {
      await turn.sendActivity(echoOf(turn.activity.text ?? ''));
      await next();
    });
  }
}

export interface EchoServer {
  url: string;
  close(): Promise<void>;
}

/** Starts the echo bot on 127.0.0.1 and a free port. */
export async function startEchoBot(): Promise<EchoServer> {
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
  const bot = new EchoBot();
  const server = restify.createServer({ name: 'echo-bot', handleUncaughtExceptions: false });
  server.use(restify.plugins.bodyParser());
  // restify 11 tells async handlers from callback ones by their constructor: keep this `async`.
  server.post('/api/messages', async (req: Request, res: Response) => {
    await adapter.process(req, res, (turn) => bot.run(turn));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
