// The README's bot, run where a bot developer runs it: in a scratch project that installed the packed package.
// Starts `npx tva emulator --configure-action` and `node --no-deprecation bot.js` there, sends an SMS through the bot
// over HTTP (Bot Framework activities with expectReplies), and checks the emulator's outbox. Exit code 0 when it all
// worked; the children are stopped by their process ids either way. Usage: node scratch-bot.mjs <project dir>
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { setTimeout as timer, clearTimeout } from 'node:timers';

const project = process.argv[2];
const TO = '+14155550123';
const BODY = `Hello from the packed bot ${randomUUID().slice(0, 8)}`;
const children = [];

/** Stops every child with its own children (npx runs tva in a process of its own): by process group id. */
function stopChildren() {
  for (const child of children) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

/** Spawns a command in the project; resolves with the first match of `ready` in its stdout. */
function startChild(name, command, args, ready, env = {}) {
  const child = spawn(command, args, { cwd: project, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.push(child);
  const output = { stdout: '', stderr: '' };
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      output.stdout += String(chunk);
      const match = ready.exec(output.stdout);
      if (match) resolve({ match, output });
    });
    child.stderr.on('data', (chunk) => {
      output.stderr += String(chunk);
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before it was ready:\n${output.stdout}${output.stderr}`)));
  });
}

async function say(botUrl, text) {
  const res = await fetch(`${botUrl}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'message',
      text,
      channelId: 'webchat',
      serviceUrl: 'http://127.0.0.1:9',
      deliveryMode: 'expectReplies',
      from: { id: 'developer', name: 'developer' },
      recipient: { id: 'bot', name: 'Bot' },
      conversation: { id: 'scratch-conversation' },
      id: randomUUID(),
    }),
  });
  if (res.status !== 200) throw new Error(`POST /api/messages answered ${res.status}: ${await res.text()}`);
  const replies = ((await res.json()).activities ?? []).map((a) => a.text ?? '').filter((t) => t !== '');
  console.log(`  > ${text}\n${replies.map((r) => `  < ${r}`).join('\n')}`);
  return replies.join('\n');
}

async function main() {
  const emulator = await startChild('tva emulator', 'npx', ['tva', 'emulator', '--port', '0', '--configure-action', '--quiet'], /listening on (http:\/\/\S+)[\s\S]*Press Ctrl\+C/);
  const emulatorUrl = emulator.match[1];
  console.log(`emulator at ${emulatorUrl}; the action in ./data points at it`);
  const bot = await startChild('bot.js', 'node', ['--no-deprecation', 'bot.js'], /Bot listening on (http:\/\/\S+)\/api\/messages/, { PORT: '0' });
  const botUrl = bot.match[1];
  console.log(`bot at ${botUrl}`);

  let reply = await say(botUrl, 'send an SMS');
  for (const answer of [TO, BODY]) {
    if (/^Done/m.test(reply)) break;
    reply = await say(botUrl, answer);
  }
  if (!/^Done: your message to \+14155550123 is on its way/m.test(reply)) throw new Error(`the bot did not send the SMS; it said:\n${reply}`);

  const outbox = await (await fetch(`${emulatorUrl}/emulator/messages`)).json();
  const sent = outbox.messages.find((m) => m.to === TO && m.body === BODY);
  if (!sent) throw new Error(`the emulator's outbox has no SMS to ${TO} saying "${BODY}": ${JSON.stringify(outbox.messages)}`);
  if (/DeprecationWarning/.test(bot.output.stderr + emulator.output.stderr)) {
    throw new Error(`a deprecation warning was printed:\n${bot.output.stderr}${emulator.output.stderr}`);
  }
  console.log(`the emulator's outbox has the SMS to ${TO}`);
}

const guard = timer(() => {
  console.error('scratch bot: no answer within 60 s');
  stopChildren();
  process.exit(1);
}, 60_000);

main().then(
  () => {
    clearTimeout(guard);
    stopChildren();
    process.exit(0);
  },
  (err) => {
    clearTimeout(guard);
    console.error(`scratch bot: ${err instanceof Error ? err.message : String(err)}`);
    stopChildren();
    process.exit(1);
  },
);
