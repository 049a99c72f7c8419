// The start-time baseline for bench/start.cjs: the bare botbuilder echo bot of bench/echo-bot.ts (restify 11,
// botbuilder's CloudAdapter, anonymous) plus a `GET /healthz`, in plain JavaScript so nothing is compiled on the way.
// What the product's start costs above this is the price of its own modules and its start().
'use strict';
const { ActivityHandler, CloudAdapter, ConfigurationBotFrameworkAuthentication } = require('botbuilder');
const restify = require('restify');

class EchoBot extends ActivityHandler {
  constructor() {
    super();
    this.onMessage(async (turn, next) => {
      await turn.sendActivity(`Echo: ${turn.activity.text ?? ''}`);
      await next();
    });
  }
}

const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
const bot = new EchoBot();
const server = restify.createServer({ name: 'echo-bot', handleUncaughtExceptions: false });
server.use(restify.plugins.bodyParser());
server.post('/api/messages', async (req, res) => {
  await adapter.process(req, res, (turn) => bot.run(turn));
});
server.get('/healthz', async (_req, res) => {
  res.json(200, { ok: true });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
