import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { registerChatCommand } from '../../src/cli/chat';
import { buildProgram } from '../../src/cli/main';
import { formatReplies } from '../../src/cli/chat-session';
import { ALICE_PHONE, startWorld, type ChatWorld, type World } from '../support/world';

interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number | undefined;
}

/** Runs `tva chat <args>` with `input` as the typed lines, as a person piping into it would. */
async function runChat(args: string[], input: string, interactive = false): Promise<RunResult> {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  let exitCode: number | undefined;
  const program = new Command('tva').exitOverride();
  registerChatCommand(program, {
    input: stdin,
    output: stdout,
    errorOutput: stderr,
    interactive,
    setExitCode: (code) => (exitCode = code),
  });
  stdin.end(input);
  await program.parseAsync(['node', 'tva', 'chat', ...args]);
  return { stdout: out, stderr: err, exitCode };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address && typeof address === 'object');
  return address.port;
}

describe('tva chat', () => {
  let bot: ChatWorld;
  before(async () => {
    bot = await startWorld({ stack: 'chat' });
  });
  after(() => bot.close());

  it('greets, echoes, lists suggested actions and sends the chosen value', async () => {
    const result = await runChat(['--url', bot.url, '--user', 'alice'], 'hello\nmenu\n1\nmenu\n2\n/quit\nnever sent\n');
    assert.equal(result.stderr, '');
    assert.equal(result.exitCode, undefined);
    assert.equal(
      result.stdout,
      [
        'bot> Hello! I am the fixture bot. Type "menu" to see what I can do.',
        'bot> You said: hello',
        'bot> What would you like to do?',
        '     1. Send an SMS',
        '     2. Verify my number',
        '     (type a number to choose)',
        'bot> You said: send sms',
        'bot> What would you like to do?',
        '     1. Send an SMS',
        '     2. Verify my number',
        '     (type a number to choose)',
        'bot> You said: verify',
        '',
      ].join('\n'),
    );
    const mine = bot.received.filter((a) => a.userId === 'alice');
    assert.deepEqual(
      mine.map((a) => a.text ?? a.type),
      ['conversationUpdate', 'hello', 'menu', 'send sms', 'menu', 'verify'],
    );
    assert.ok(mine.every((a) => a.conversationId === mine[0]?.conversationId));
  });

  it('prints nothing about an outbox outside dev mode', async () => {
    const result = await runChat(['--url', bot.url, '--user', 'dave'], 'my number is +14155550123\n');
    assert.doesNotMatch(result.stdout, /sms>/);
  });

  it('sends a number as text when no suggested action has that number', async () => {
    const result = await runChat(['--url', bot.url], 'menu\n3\n');
    assert.match(result.stdout, /bot> You said: 3\n$/);
  });

  it('prints multi-line replies indented under the first line', async () => {
    const result = await runChat(['--url', bot.url], 'lines\n');
    assert.match(result.stdout, /bot> Line one\n {5}Line two <b>not bold<\/b>\n {5}Docs: https:\/\/example\.com\/docs\. javascript:alert\(1\)\n$/);
  });

  it('starts a new conversation on /new, and ends at the end of input', async () => {
    const result = await runChat(['--url', bot.url, '--user', 'bob'], '/new\n');
    assert.equal(result.exitCode, undefined);
    const updates = bot.received.filter((a) => a.userId === 'bob' && a.type === 'conversationUpdate');
    assert.equal(updates.length, 2);
    assert.notEqual(updates[0]?.conversationId, updates[1]?.conversationId);
  });

  it('reports a failing turn in one line and keeps chatting', async () => {
    const result = await runChat(['--url', bot.url], 'fail\nhello\n');
    assert.equal(result.stderr, `The bot at ${bot.url} failed to answer (HTTP 500). Check its log, then try again.\n`);
    assert.match(result.stdout, /bot> You said: hello\n$/);
    assert.equal(result.exitCode, undefined);
  });

  it('shows prompts, help and a typing hint to a person at a terminal', async () => {
    const result = await runChat(['--url', bot.url, '--user', 'carol'], '/help\nmenu\n2\n', true);
    assert.match(result.stdout, new RegExp(`^Chatting with ${bot.url.replace(/\./g, '\\.')} as carol\\. Type /help for commands, /quit to leave\\.\n`));
    assert.match(result.stdout, /you> /);
    assert.ok(result.stdout.includes('bot is typing…\r\u001b[K'), 'the typing hint is erased');
    assert.match(result.stdout, / {2}\/new {6}start a new conversation/);
    assert.match(result.stdout, /you> Verify my number\n/);
  });

  it('says the bot cannot be reached and exits 1, without a stack', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const result = await runChat(['--url', url], 'hello\n');
    assert.equal(result.exitCode, 1);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, `Cannot reach the bot at ${url} (ECONNREFUSED): is \`npm start\` running?\n`);
  });

  for (const [args, message] of [
    [['--url', 'ftp://127.0.0.1:3978'], /^Invalid --url: "ftp:\/\/127\.0\.0\.1:3978" is not an http:\/\/ or https:\/\/ URL\. Use e\.g\. http:\/\/127\.0\.0\.1:3978\n$/],
    [['--url', 'localhost'], /^Invalid --url: "localhost" is not a URL\./],
    [['--user', 'a b'], /^Invalid --user "a b": use 1-64 letters, digits/],
    [['--user', 'x'.repeat(65)], /^Invalid --user/],
  ] as const) {
    it(`refuses ${args.join(' ')} with exit code 2`, async () => {
      const result = await runChat([...args], 'hello\n');
      assert.equal(result.exitCode, 2);
      assert.match(result.stderr, message);
      assert.equal(result.stdout, '');
    });
  }

  it('is registered on the tva program', () => {
    const chat = buildProgram().commands.find((c) => c.name() === 'chat');
    assert.ok(chat, 'tva chat is not registered');
    assert.deepEqual(
      chat.options.map((o) => o.long),
      ['--url', '--user'],
    );
  });
});

describe('formatReplies', () => {
  it('ignores typing and events, notes cards and the end of the conversation', () => {
    const { lines, actions } = formatReplies([
      { type: 'typing' },
      { type: 'event', name: 'x' },
      { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive' }] },
      { type: 'message', text: 'Pick one', suggestedActions: { actions: [{ type: 'openUrl', title: 'Docs' }, { type: 'imBack', title: 'Go', value: 'go' }] } },
      { type: 'endOfConversation' },
    ]);
    assert.deepEqual(lines, [
      'bot> (a card this terminal cannot show; open the chat page to see it)',
      'bot> Pick one',
      '     1. Go',
      '     (type a number to choose)',
      'bot> (the bot ended the conversation; type /new to start another)',
    ]);
    assert.deepEqual(actions, [{ type: 'imBack', title: 'Go', value: 'go' }]);
  });

  describe('in dev mode (the real server with its embedded emulator)', () => {
    let world: World;
    before(async function () {
      this.timeout(30_000);
      world = await startWorld();
    });
    after(() => world?.close());

    it("prints the emulator's deliveries to this conversation's numbers after the turn, number masked, body whole", async () => {
      const result = await runChat(
        ['--url', world.url, '--user', 'erin'],
        `send an sms\n${ALICE_PHONE}\nHello from the terminal.\nverify my number\n+14155550166\n`,
      );
      assert.equal(result.stderr, '');
      assert.match(result.stdout, /bot> .*your message to \+14155550123 is on its way.*\nsms> to …0123 \(emulator\): Hello from the terminal\.\n/s);
      const code = /sms> to …0166 \(emulator\): .*?(\d{6})/.exec(result.stdout)?.[1];
      assert.ok(code, result.stdout);
      const verification = world.emulator.outbox().find((m) => m.to === '+14155550166');
      assert.ok(verification?.body.includes(code));
      assert.equal((result.stdout.match(/^sms> /gm) ?? []).length, 2, 'each delivery is printed once');
    });
  });
});
