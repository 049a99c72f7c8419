/**
 * A minimal bot for the chat surfaces' tests: restify 11 + botbuilder's CloudAdapter (anonymous), serving the chat
 * page the way the real server must (the page's server contract):
 *   GET  /                 public/index.html
 *   GET  /chat.js, /chat.css, /public/<file>   the page's assets
 *   POST /api/messages     Bot Framework activities (expectReplies)
 *   GET  /api/dev/info     { dev: true, outboxUrl } in dev mode, 404 otherwise
 *   GET  /api/dev/outbox   { messages: OutboxMessage[] } in dev mode
 * plus GET /auth/<token>, a stand-in for the runtime authorization page that reports success the way the real one does.
 *
 * The bot greets on membersAdded, echoes text, and knows a few words: "menu" (suggested actions), "slow" (answers
 * after a delay), "auth" (sends an authorization link), "fail" (HTTP 500), "lines" (multi-line text with links).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import * as restify from 'restify';
import { ActivityHandler, CloudAdapter, ConfigurationBotFrameworkAuthentication, MessageFactory } from 'botbuilder';

export interface FixtureOutboxMessage {
  sid: string;
  to: string;
  from: string;
  channel: string;
  body: string;
  date_created: string;
}

export interface FixtureBotOptions {
  /** Serve /api/dev/info and /api/dev/outbox. */
  dev?: boolean;
  /** Delay of the "slow" answer in milliseconds (default 800). */
  slowMs?: number;
}

export interface FixtureBot {
  url: string;
  /** Outbox served in dev mode; tests push messages into it. */
  outbox: FixtureOutboxMessage[];
  /** Every activity the bot received, in order. */
  received: { type: string; text?: string; name?: string; channelId: string; conversationId: string; userId: string }[];
  close(): Promise<void>;
}

const PUBLIC_DIR = path.resolve(__dirname, '../../public');
const ASSETS: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'chat.js': 'text/javascript; charset=utf-8',
  'chat.css': 'text/css; charset=utf-8',
};

/** Headers the real server should send with the page: the page works under this policy (no inline code). */
export const PAGE_SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const AUTH_DONE_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Authorized</title>
<script src="/auth-done.js"></script></head><body><p>Authorization completed. You can close this tab.</p></body></html>`;
// What the real authorization page does on success: tell the chat page through both channels.
const AUTH_DONE_SCRIPT = `const m = { type: 'tva-auth', status: 'completed' };
new BroadcastChannel('tva-auth').postMessage(m);
if (window.opener) window.opener.postMessage(m, location.origin);`;

class FixtureHandler extends ActivityHandler {
  constructor(received: FixtureBot['received'], slowMs: number) {
    super();
    this.onTurn(async (context, next) => {
      const a = context.activity;
      received.push({
        type: a.type,
        text: a.text,
        name: a.name,
        channelId: a.channelId,
        conversationId: a.conversation.id,
        userId: a.from.id,
      });
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      for (const member of context.activity.membersAdded ?? []) {
        if (member.id !== context.activity.recipient.id) {
          await context.sendActivity('Hello! I am the fixture bot. Type "menu" to see what I can do.');
        }
      }
      await next();
    });
    this.onMessage(async (context, next) => {
      const text = (context.activity.text ?? '').trim();
      switch (text.toLowerCase()) {
        case 'menu':
          await context.sendActivity(
            MessageFactory.suggestedActions(
              [
                { type: 'imBack', title: 'Send an SMS', value: 'send sms' },
                { type: 'postBack', title: 'Verify my number', value: 'verify' },
              ],
              'What would you like to do?',
            ),
          );
          break;
        case 'slow':
          await context.sendActivity({ type: 'typing' });
          await new Promise((resolve) => setTimeout(resolve, slowMs));
          await context.sendActivity('Sorry for the wait.');
          break;
        case 'auth':
          await context.sendActivity(
            `To continue, authorize Twilio here: ${context.activity.serviceUrl}/auth/fixture-token\nThe link expires in 10 minutes.`,
          );
          break;
        case 'lines':
          await context.sendActivity('Line one\nLine two <b>not bold</b>\nDocs: https://example.com/docs. javascript:alert(1)');
          break;
        default:
          await context.sendActivity(`You said: ${text}`);
      }
      await next();
    });
    this.onEvent(async (context, next) => {
      if (context.activity.name === 'authorization/completed') {
        await context.sendActivity('Thanks, you are authorized. Let us continue.');
      }
      await next();
    });
  }
}

/** Starts the fixture bot on 127.0.0.1 with a free port. */
export async function startFixtureBot(options: FixtureBotOptions = {}): Promise<FixtureBot> {
  const received: FixtureBot['received'] = [];
  const outbox: FixtureOutboxMessage[] = [];
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
  const bot = new FixtureHandler(received, options.slowMs ?? 800);

  const server = restify.createServer({ name: 'fixture-bot' });
  server.use(restify.plugins.bodyParser({ mapParams: false }));

  const sendAsset = async (file: string, res: restify.Response): Promise<void> => {
    const type = ASSETS[file];
    if (type === undefined) {
      res.send(404, { message: 'Not found' });
      return;
    }
    const body = await readFile(path.join(PUBLIC_DIR, file));
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache', ...PAGE_SECURITY_HEADERS });
    res.end(body);
  };
  // restify 11 tells async handlers from callback ones by their constructor: keep these `async`.
  server.get('/', async (_req, res) => sendAsset('index.html', res));
  server.get('/chat.js', async (_req, res) => sendAsset('chat.js', res));
  server.get('/chat.css', async (_req, res) => sendAsset('chat.css', res));
  server.get('/public/:file', async (req, res) => sendAsset(String(req.params.file), res));

  server.post('/api/messages', async (req, res) => {
    // "fail" stands for a bot that crashes: a 500 whose body holds a stack the clients must not show.
    if (req.body?.text === 'fail') {
      res.send(500, 'Error: fixture failure\n    at FixtureHandler.onMessage (fixture-bot.ts:1:1)');
      return;
    }
    await adapter.process(req, res, (context) => bot.run(context));
  });

  server.get('/api/dev/info', (_req, res, next) => {
    if (options.dev) res.send(200, { dev: true, outboxUrl: '/api/dev/outbox' });
    else res.send(404, { message: 'Not found' });
    next();
  });
  server.get('/api/dev/outbox', (_req, res, next) => {
    if (options.dev) res.send(200, { messages: [...outbox].reverse() });
    else res.send(404, { message: 'Not found' });
    next();
  });

  server.get('/auth/:token', (_req, res, next) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...PAGE_SECURITY_HEADERS });
    res.end(AUTH_DONE_PAGE);
    next();
  });
  server.get('/auth-done.js', (_req, res, next) => {
    res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
    res.end(AUTH_DONE_SCRIPT);
    next();
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    outbox,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections from a browser would hold close() open.
        server.server.closeAllConnections();
      }),
  };
}
