/**
 * The baseline: a bare botbuilder echo bot on the same kind of server as the product (restify 11, botbuilder's
 * CloudAdapter, anonymous), written the way the Bot Framework samples write it. Whatever the product costs on top
 * of this is the price of its dialogs, state and Twilio calls.
 *
 * With a flush file, the same bot writes each activity to that file and flushes it to disk before answering, the
 * way the product's store flushes its WAL (src/store/wal-flush.ts: on the event loop while one turn runs alone):
 * the least any bot that keeps its state durably pays per turn on this disk, with no state, dialog or Twilio call.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { ActivityHandler, CloudAdapter, ConfigurationBotFrameworkAuthentication, type TurnContext } from 'botbuilder';
import restify, { type Request, type Response } from 'restify';
import { WalFlusher, type WalFlush } from '../src/store/wal-flush';

/** What the echo bot answers to `text`. */
export function echoOf(text: string): string {
  return `Echo: ${text}`;
}

/** Pages of the flush file, rewritten in turn from its start (like a WAL after a checkpoint: the file never grows). */
const FLUSH_SLOTS = 64;
const PAGE_BYTES = 4096;

/** Writes each turn's activity to a file and flushes it before the turn answers. */
export class TurnFlusher {
  private readonly fd: number;
  private slot = 0;
  private running = 0;
  /** Flushes done (inline or on the thread pool). */
  flushes = 0;

  constructor(
    file: string,
    private readonly flusher: WalFlush = new WalFlusher(),
  ) {
    this.fd = openSync(file, 'w');
    const empty = Buffer.alloc(PAGE_BYTES);
    for (let i = 0; i < FLUSH_SLOTS; i++) writeSync(this.fd, empty, 0, PAGE_BYTES, i * PAGE_BYTES);
    flusher.flush(this.fd, true);
  }

  /** Resolves once `record` is on disk. */
  async keep(record: string): Promise<void> {
    this.running++;
    try {
      const page = Buffer.alloc(PAGE_BYTES);
      page.write(record.slice(0, PAGE_BYTES));
      writeSync(this.fd, page, 0, PAGE_BYTES, (this.slot++ % FLUSH_SLOTS) * PAGE_BYTES);
      await this.flusher.flush(this.fd, this.running === 1);
      this.flushes++;
    } finally {
      this.running--;
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}

class EchoBot extends ActivityHandler {
  constructor(keep?: (turn: TurnContext) => Promise<void>) {
    super();
    this.onMessage(async (turn, next) => {
      if (keep) await keep(turn);
      await turn.sendActivity(echoOf(turn.activity.text ?? ''));
      await next();
    });
  }
}

export interface EchoServer {
  url: string;
  close(): Promise<void>;
}

export interface EchoBotOptions {
  /** Write each activity to this file and flush it to disk before answering (see the module's comment). */
  flushFile?: string;
  /** How that file is flushed (default: the product's WalFlusher). */
  flusher?: WalFlush;
}

/** Starts the echo bot on 127.0.0.1 and a free port. */
export async function startEchoBot(options: EchoBotOptions = {}): Promise<EchoServer & { flushes: () => number }> {
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
  const kept = options.flushFile === undefined ? undefined : new TurnFlusher(options.flushFile, options.flusher);
  const bot = new EchoBot(kept && ((turn) => kept.keep(JSON.stringify(turn.activity))));
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
    flushes: () => kept?.flushes ?? 0,
    close: () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          kept?.close();
          resolve();
        }),
      ),
  };
}
