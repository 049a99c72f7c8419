/**
 * The worlds tests run in, all started by {@link startWorld}: the app world (the real `start()` of src/main.ts on
 * 127.0.0.1 port 0, over a temporary DATA_DIR and DIALOGS_DIR, with the Twilio emulator in this process on a manual
 * clock, no sleeps), and worlds on the real `createServer` with the routes a suite needs (admin, bot, chat, auth). Every
 * world keeps its log lines so tests can scan them for secrets and codes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import { ConversationState, UserState } from 'botbuilder';
import type restify from 'restify';
import { assemble } from '../../src/assembly';
import { generateSecretKey, IntegrationAction, SecretBox } from '../../src/auth';
import { createBotAdapter, IntegrationRuntime, TwilioVerifyBot, type TurnAdapter } from '../../src/bot';
import { BotClient, type ReplyActivity } from '../../src/chat';
import { createEmulator, ManualClock, type ApiKey, type OutboxMessage, type TwilioEmulator } from '../../src/emulator';
import { REDACTED_PATHS, start, type Started, type StartOptions } from '../../src/main';
import { createServer, mountRoutes, PAGE_SECURITY_HEADERS, type BackoffOptions, type BotRouteDeps, type ServerDeps } from '../../src/server';
import { openStore, type Store } from '../../src/store';
import { ACCOUNT_TASK } from '../bot/fixtures';
import { CHAT_BOT_AUTH_PATH, ScriptedChatBot, type ReceivedActivity } from './chat-bot';
import { RecordingLogger } from './conversation';
import { ADMIN_TOKEN, adminRequest, closeServer, listen, startFakeChannel, type FakeChannel, type Reply, type RequestOptions } from './http';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const REPO_DIALOGS = path.join(REPO_ROOT, 'dialogs');

/** A receiver the emulator delivers to (not one of its magic error numbers). */
export const ALICE_PHONE = '+14155550123';
export const BOB_PHONE = '+14155550199';

/** The app world: the whole product through `start()`. */
export interface WorldOptions {
  stack?: 'app';
  /** `copy`: the repo's dialogs/*.json copied in; `empty`: start() installs the required templates. */
  dialogs?: 'copy' | 'empty';
  /** Extra environment variables. */
  env?: Record<string, string>;
  /**
   * Twilio: `emulator` (default) an emulator in this process on a manual clock; an emulator the caller started (and
   * closes); `none`: nothing injected, so start() uses TWILIO_* from `env` or runs its own dev emulator.
   */
  twilio?: 'emulator' | 'none' | TwilioEmulator;
  /** API keys the emulator accepts besides its auth token. */
  apiKeys?: ApiKey[];
  /** The emulator's clock; default a manual clock at 2026-01-01 (a clock at the real time stands for Twilio's). */
  clock?: ManualClock;
  /** DATA_DIR and DIALOGS_DIR of an earlier world (a restart); kept on close. */
  dirs?: { dataDir: string; dialogsDir: string };
  /** The waits and the clock of the background check of TWILIO_* credentials. */
  startCheck?: StartOptions['startCheck'];
  /** Also start a stand-in Bot Framework channel (`world.channel`) that records what the bot posts to it. */
  channel?: boolean;
}

export interface World {
  started: Started;
  url: string;
  /** The emulator the world runs on (its own, the caller's, or start()'s dev emulator). */
  readonly emulator: TwilioEmulator;
  /** The manual clock of the world's own emulator. */
  readonly clock: ManualClock;
  dataDir: string;
  dialogsDir: string;
  /** Every log line written by the server (JSON lines, level trace and up). */
  logLines: string[];
  /** Resolves once a log line matches (at once when one already did). */
  waitForLog(pattern: RegExp): Promise<void>;
  /** The banner lines start() printed. */
  printed: string[];
  /** The stand-in channel, when the world was started with `channel: true`. */
  readonly channel: FakeChannel;
  /** A chat client for one user (expectReplies). */
  client(userId?: string, conversationId?: string): BotClient;
  /** The admin API with the Bearer token. */
  admin(method: string, route: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

/** Makes a temporary directory that `removeDir` deletes. */
export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `tva-e2e-${prefix}-`));
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
}

/** Starts the emulator on a manual clock, in this process. */
export async function startEmulator(
  options: { clock?: ManualClock; apiKeys?: ApiKey[] } = {},
): Promise<{ emulator: TwilioEmulator; clock: ManualClock }> {
  const clock = options.clock ?? new ManualClock();
  const emulator = createEmulator({ clock, log: () => undefined, ...(options.apiKeys ? { apiKeys: options.apiKeys } : {}) });
  await emulator.listen(0, '127.0.0.1');
  return { emulator, clock };
}

/** Log lines as the product writes them (same redaction), with a way to wait for one. */
export class LogTap {
  readonly lines: string[] = [];
  private waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];
  readonly logger = pino({ level: 'trace', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, { write: (line: string) => this.add(line) });

  private add(line: string): void {
    this.lines.push(line);
    this.waiters = this.waiters.filter((w) => (w.pattern.test(line) ? (w.resolve(), false) : true));
  }

  waitFor(pattern: RegExp): Promise<void> {
    if (this.lines.some((line) => pattern.test(line))) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ pattern, resolve }));
  }
}

/** Starts the product as `npm start` would, with the emulator injected (unless `twilio: 'none'`). */
async function startAppWorld(options: WorldOptions): Promise<World> {
  const owned: string[] = [];
  const dirs = options.dirs ?? { dataDir: await tempDir('data'), dialogsDir: await tempDir('dialogs') };
  if (!options.dirs) {
    owned.push(dirs.dataDir, dirs.dialogsDir);
    if ((options.dialogs ?? 'copy') === 'copy') await cp(REPO_DIALOGS, dirs.dialogsDir, { recursive: true });
  }
  const twilio = options.twilio ?? 'emulator';
  const own =
    twilio === 'emulator'
      ? await startEmulator({ ...(options.apiKeys ? { apiKeys: options.apiKeys } : {}), ...(options.clock ? { clock: options.clock } : {}) })
      : undefined;
  const injected = own?.emulator ?? (typeof twilio === 'object' ? twilio : undefined);
  const log = new LogTap();
  const printed: string[] = [];
  const env: NodeJS.ProcessEnv = {
    DATA_DIR: dirs.dataDir,
    DIALOGS_DIR: dirs.dialogsDir,
    PORT: '0',
    HOST: '127.0.0.1',
    ADMIN_TOKEN,
    ...options.env,
  };
  const cleanUp = async () => {
    await own?.emulator.close();
    for (const dir of owned) await removeDir(dir);
  };
  let started: Started;
  try {
    started = await start({
      env,
      ...(injected ? { emulator: injected } : {}),
      print: (line) => void printed.push(line),
      logger: log.logger,
      ...(options.startCheck ? { startCheck: options.startCheck } : {}),
    });
  } catch (err) {
    await cleanUp();
    throw err;
  }
  const url = started.url;
  const emulator = injected ?? started.emulator;
  const channel = options.channel ? await startFakeChannel() : undefined;
  return {
    started,
    url,
    get emulator(): TwilioEmulator {
      assert.ok(emulator, 'this world runs on the TWILIO_* account, not on an emulator');
      return emulator;
    },
    get clock(): ManualClock {
      assert.ok(own, 'this world has no emulator of its own, hence no manual clock');
      return own.clock;
    },
    get channel(): FakeChannel {
      assert.ok(channel, 'start the world with channel: true');
      return channel;
    },
    dataDir: dirs.dataDir,
    dialogsDir: dirs.dialogsDir,
    logLines: log.lines,
    waitForLog: (pattern) => log.waitFor(pattern),
    printed,
    client: (userId, conversationId) =>
      new BotClient({
        baseUrl: url,
        channelId: 'webchat',
        ...(userId ? { userId } : {}),
        ...(conversationId ? { conversationId } : {}),
        timeoutMs: 15_000,
      }),
    admin: (method, route, body) => adminRequest(url, method, route, body),
    close: async () => {
      await channel?.close();
      await started.close();
      await cleanUp();
    },
  };
}

/** The text of every message reply, joined by newlines (for matching key phrases). */
export function textOf(replies: ReplyActivity[]): string {
  return replies
    .filter((a) => a.type === 'message')
    .map((a) => a.text ?? '')
    .join('\n');
}

/** Titles of every suggested action in the replies. */
export function buttonsOf(replies: ReplyActivity[]): string[] {
  return replies.flatMap((a) => a.suggestedActions?.actions.map((action) => action.title) ?? []);
}

/** The digits of the newest verification code the emulator "sent" to `to`. */
export function latestCode(emulator: TwilioEmulator, to: string): string {
  const message = [...emulator.outbox()].reverse().find((m) => m.to === to && /verification code/i.test(m.body));
  const code = message ? /(\d{4,10})/.exec(message.body)?.[1] : undefined;
  if (!code) throw new Error(`no verification code for ${to} in the outbox: ${JSON.stringify(emulator.outbox())}`);
  return code;
}

/** Outbox messages to one number. */
export function outboxTo(emulator: TwilioEmulator, to: string): OutboxMessage[] {
  return emulator.outbox().filter((m) => m.to === to);
}

/** Every regular file under a directory, recursively, with its content as text (binary files included raw). */
export async function readTree(dir: string): Promise<{ file: string; text: string }[]> {
  const out: { file: string; text: string }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out.push({ file, text: (await readFile(file)).toString('latin1') });
  }
  return out;
}

/** Whole-word occurrences of a code (so a timestamp that happens to contain the digits does not count). */
function containsCode(text: string, code: string): boolean {
  return new RegExp(`(?<![0-9])${code}(?![0-9])`).test(text);
}

/**
 * Where a secret or a code leaked: secrets (auth tokens, API secrets, link tokens) searched in the log lines, in every
 * file under DATA_DIR and DIALOGS_DIR, and in bot state; verification codes searched in the log lines. Answers one
 * line per leak (empty when clean).
 */
export async function findLeaks(world: World, leaks: { secrets: string[]; codes?: string[] }): Promise<string[]> {
  const found: string[] = [];
  const secrets = leaks.secrets.filter((s) => s !== '');
  world.logLines.forEach((line, index) => {
    for (const secret of secrets) if (line.includes(secret)) found.push(`log line ${index} holds a secret: ${line.trim()}`);
    for (const code of leaks.codes ?? []) if (containsCode(line, code)) found.push(`log line ${index} holds code ${code}: ${line.trim()}`);
  });
  for (const dir of [world.dataDir, world.dialogsDir]) {
    for (const { file, text } of await readTree(dir)) {
      for (const secret of secrets) if (text.includes(secret)) found.push(`${file} holds a secret`);
    }
  }
  const state = JSON.stringify(await world.started.store.list('botstate'));
  for (const secret of secrets) if (state.includes(secret)) found.push('bot state holds a secret');
  return found;
}

/** The auth profile the user-authorized tests create: Basic Auth against the emulator. */
export const USER_PROFILE = 'own-account';

/** Switches the running action to user-authorized through the admin API, with a profile whose base URL is the emulator. */
export async function configureUserAuthorized(world: World): Promise<void> {
  const profile = await world.admin('POST', '/api/admin/profiles', {
    name: USER_PROFILE,
    description: 'Your own Twilio account',
    tenancy: false,
    baseUrl: world.emulator.url,
  });
  if (profile.status !== 201) throw new Error(`creating the profile answered ${profile.status}: ${JSON.stringify(profile.body)}`);
  const auth = await world.admin('PUT', '/api/admin/action/authorization', { type: 'user-authorized', profile: USER_PROFILE });
  if (auth.status !== 200) throw new Error(`authorizing answered ${auth.status}: ${JSON.stringify(auth.body)}`);
}

/** Twilio performs the next SMS send but answers `delayMs` late (slower than a short turn budget). */
export function delayNextSmsReply(emulator: TwilioEmulator, delayMs: number): void {
  emulator.injectFault({
    method: 'POST',
    path: `/2010-04-01/Accounts/${emulator.accountSid}/Messages.json`,
    afterPerform: 'delay',
    delayMs,
    times: 1,
  });
}

/** A pino logger like the product's (same redaction), writing every line, level trace and up, into `lines`. */
export function capturingLogger(lines: string[]): Logger {
  return pino({ level: 'trace', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, { write: (line: string) => void lines.push(line) });
}

/** A manual clock for the admin backoff. */
export class TestClock {
  private ms = Date.parse('2025-06-01T12:00:00Z');
  now = (): Date => new Date(this.ms);
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

/** Log lines and response bodies seen by every admin world, for the secret scan. */
export const captured = { logs: [] as string[], bodies: [] as string[] };

/** Temporary DATA_DIRs made by this test process, removed when it exits (their stores are closed by then). */
const tempDataDirs: string[] = [];
process.once('exit', () => {
  for (const dir of tempDataDirs) rmSync(dir, { recursive: true, force: true });
});

/** A temporary DATA_DIR (synchronously, for `before` hooks that share it between worlds), removed at exit. */
export function tempDataDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tva-admin-'));
  tempDataDirs.push(dir);
  return dir;
}

/** The admin world: the real `createServer` with the admin routes over a SQLite store in a DATA_DIR. */
export interface AdminWorldOptions {
  stack: 'admin';
  dataDir?: string;
  /** An emulator the caller started (and closes); otherwise one is started here. */
  emulator?: TwilioEmulator;
  apiKeys?: ApiKey[];
  /** `SECRETS_KEY`…, read by loadSecrets. */
  env?: NodeJS.ProcessEnv;
  backoff?: BackoffOptions;
  bodyLimitBytes?: number;
  /** More of the server: template routes, the chat page and dev endpoints, which proxy to trust. */
  server?: Pick<ServerDeps, 'templates' | 'app' | 'trustProxy'>;
  /** The address to listen on; default 127.0.0.1. */
  host?: string;
}

export interface AdminWorld {
  dataDir: string;
  emulator: TwilioEmulator;
  emulatorUrl: string;
  store: Store;
  action: IntegrationAction;
  server: restify.Server;
  baseUrl: string;
  port: number;
  clock: TestClock;
  request(method: string, urlPath: string, options?: RequestOptions): Promise<Reply>;
  /** Closes server and store (not the emulator), e.g. to restart on the same data dir. */
  stop(): Promise<void>;
  close(): Promise<void>;
}

/** The bot world: the real `createServer` with only the bot route, over the given bot (and adapter, auth…). */
export interface BotWorldOptions {
  stack: 'bot';
  bot: BotRouteDeps;
}

export interface BotWorld {
  url: string;
  close(): Promise<void>;
}

/** The chat world: the real `createServer` serving the chat page and the bot route with {@link ScriptedChatBot}. */
export interface ChatWorldOptions {
  stack: 'chat';
  /** Dev mode: serve `/api/dev/info` and `/api/dev/outbox` (the `outbox` array). */
  dev?: boolean;
  /** Hold the "slow" answer until {@link ChatWorld.releaseSlow} (default: it comes at once). */
  holdSlow?: boolean;
}

export interface ChatWorld {
  url: string;
  /** The outbox served in dev mode; tests push messages into it. */
  outbox: OutboxMessage[];
  /** Every activity the bot received, in order. */
  received: ReceivedActivity[];
  /** Lets the held "slow" answer go out. */
  releaseSlow(): void;
  close(): Promise<void>;
}

/** The auth world: a user-authorized action (profile "users" on the emulator), the bot and the link pages. */
export interface AuthWorldOptions {
  stack: 'auth';
  tenancy?: boolean;
}

export interface AuthWorld {
  store: Store;
  clock: ManualClock;
  emulator: TwilioEmulator;
  action: IntegrationAction;
  runtime: IntegrationRuntime;
  bot: TwilioVerifyBot;
  url: string;
  logger: RecordingLogger;
  close(): Promise<void>;
}

/**
 * Starts a world. Without `stack` (or `stack: 'app'`): the whole product through `start()`, as `npm start` runs it.
 * With `stack`: the real `createServer` with the routes that world needs ('admin', 'chat', 'auth').
 */
export function startWorld(options?: WorldOptions): Promise<World>;
export function startWorld(options: AdminWorldOptions): Promise<AdminWorld>;
export function startWorld(options: BotWorldOptions): Promise<BotWorld>;
export function startWorld(options: ChatWorldOptions): Promise<ChatWorld>;
export function startWorld(options: AuthWorldOptions): Promise<AuthWorld>;
export async function startWorld(
  options: WorldOptions | AdminWorldOptions | BotWorldOptions | ChatWorldOptions | AuthWorldOptions = {},
): Promise<World | AdminWorld | BotWorld | ChatWorld | AuthWorld> {
  switch (options.stack) {
    case 'admin':
      return startAdminWorld(options);
    case 'bot':
      return startBotWorld(options);
    case 'chat':
      return startChatWorld(options);
    case 'auth':
      return startAuthWorld(options);
    default:
      return startAppWorld(options);
  }
}

/** An in-memory store and an action over it with a fresh secrets key. */
async function memoryCore(now?: () => Date): Promise<{ store: Store; action: IntegrationAction }> {
  const store = await openStore({ filename: ':memory:' });
  return { store, action: new IntegrationAction({ store, secrets: new SecretBox(generateSecretKey()), ...(now ? { now } : {}) }) };
}

async function startAdminWorld(options: AdminWorldOptions): Promise<AdminWorld> {
  const dataDir = options.dataDir ?? tempDataDir();
  const emulator = options.emulator ?? createEmulator({ ...(options.apiKeys ? { apiKeys: options.apiKeys } : {}) });
  const emulatorUrl = emulator.url ?? (await emulator.listen(0, '127.0.0.1'));
  const { store, action } = await assemble({ dataDir, secretsEnv: options.env ?? {} });
  const clock = new TestClock();
  const server = createServer({
    store,
    action,
    logger: capturingLogger(captured.logs),
    adminToken: ADMIN_TOKEN,
    now: clock.now,
    ...(options.backoff ? { adminBackoff: options.backoff } : {}),
    ...(options.bodyLimitBytes ? { bodyLimitBytes: options.bodyLimitBytes } : {}),
    ...options.server,
  });
  const baseUrl = await listen(server, options.host);
  const { port } = server.address();

  const request = (method: string, urlPath: string, opts: RequestOptions = {}): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string> = { ...opts.headers };
      if (opts.token !== null) headers.authorization = `Bearer ${opts.token ?? ADMIN_TOKEN}`;
      const payload = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
      if (payload !== undefined) {
        if (opts.contentType !== null) headers['content-type'] = opts.contentType ?? 'application/json';
        headers['content-length'] = String(Buffer.byteLength(payload));
      }
      const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          captured.bodies.push(text);
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      });
      req.on('error', reject);
      req.end(payload);
    });

  const stop = async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await store.close();
  };
  return {
    dataDir,
    emulator,
    emulatorUrl,
    store,
    action,
    server,
    baseUrl,
    port,
    clock,
    request,
    stop,
    async close() {
      await stop();
      if (!options.emulator) await emulator.close();
    },
  };
}

const PUBLIC_DIR = path.join(REPO_ROOT, 'public');

// A stand-in for the runtime authorization page after a successful submit: it reports success to the chat page the
// way the real one does (auth-page-html.ts), through both channels.
const AUTH_DONE_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Authorized</title>
<script src="/auth-done.js"></script></head><body><p>Authorization completed. You can close this tab.</p></body></html>`;
const AUTH_DONE_SCRIPT = `const m = { type: 'tva-auth', status: 'completed' };
new BroadcastChannel('tva-auth').postMessage(m);
if (window.opener) window.opener.postMessage(m, location.origin);`;

/**
 * The product's bot adapter, except that its last-resort handler gives up: a turn that throws is then a 500 (as from
 * a bot that crashes) instead of the apology the product sends.
 */
export function crashingAdapter(): TurnAdapter {
  const adapter = createBotAdapter();
  adapter.onTurnError = async (_turn, err) => {
    throw err;
  };
  return adapter;
}

async function startBotWorld(options: BotWorldOptions): Promise<BotWorld> {
  const { store, action } = await memoryCore();
  const server = createServer({ store, action, logger: capturingLogger([]), adminToken: ADMIN_TOKEN, bot: options.bot });
  const url = await listen(server);
  return {
    url,
    close: async () => {
      await closeServer(server);
      await store.close();
    },
  };
}

async function startChatWorld(options: ChatWorldOptions): Promise<ChatWorld> {
  const { store, action } = await memoryCore();
  const outbox: OutboxMessage[] = [];
  const bot = new ScriptedChatBot(options.holdSlow ?? false);
  const server = createServer({
    store,
    action,
    logger: capturingLogger([]),
    adminToken: ADMIN_TOKEN,
    bot: { bot, adapter: crashingAdapter() },
    app: {
      publicDir: PUBLIC_DIR,
      ...(options.dev ? { devOutbox: () => outbox } : {}),
      health: async () => ({ ok: true, checks: {} }),
    },
  });
  mountRoutes(server, [
    {
      method: 'get',
      path: CHAT_BOT_AUTH_PATH,
      auth: 'public',
      handler: async (_req: restify.Request, res: restify.Response) => {
        res.writeHead(200, { ...PAGE_SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8' });
        res.end(AUTH_DONE_PAGE);
      },
    },
    {
      method: 'get',
      path: '/auth-done.js',
      auth: 'public',
      handler: async (_req: restify.Request, res: restify.Response) => {
        res.writeHead(200, { ...PAGE_SECURITY_HEADERS, 'content-type': 'text/javascript; charset=utf-8' });
        res.end(AUTH_DONE_SCRIPT);
      },
    },
  ]);
  const url = await listen(server);
  return {
    url,
    outbox,
    received: bot.received,
    releaseSlow: () => bot.releaseSlow(),
    close: async () => {
      await closeServer(server);
      await store.close();
    },
  };
}

async function startAuthWorld(options: AuthWorldOptions): Promise<AuthWorld> {
  const clock = new ManualClock(new Date('2030-01-01T00:00:00Z'));
  const now = () => clock.now();
  const { store, action } = await memoryCore(now);
  const emulator = createEmulator();
  const emulatorUrl = await emulator.listen(0);
  await action.createProfile(
    { name: 'users', description: 'Your own Twilio account', tenancy: options.tenancy ?? false, baseUrl: emulatorUrl },
    'test',
  );
  await action.authorize({ type: 'user-authorized', profile: 'users' }, 'test');
  await action.enable('test');

  const logger = new RecordingLogger();
  let url = '';
  const runtime = new IntegrationRuntime({ action, store, publicBaseUrl: () => url, now, logger });
  const bot = new TwilioVerifyBot({
    conversationState: new ConversationState(store.botStorage()),
    userState: new UserState(store.botStorage()),
    dialogs: [ACCOUNT_TASK],
    runtime,
    logger,
    clock,
  });
  const server = createServer({
    store,
    action,
    logger: capturingLogger([]),
    adminToken: ADMIN_TOKEN,
    now,
    bot: { bot, logger },
    authLinks: { action, links: runtime.links, logger },
  });
  url = await listen(server);
  return {
    store,
    clock,
    emulator,
    action,
    runtime,
    bot,
    url,
    logger,
    close: async () => {
      await closeServer(server);
      await emulator.close();
      await store.close();
    },
  };
}


/** A data directory whose action is pre-authorized against `emulator` (for CLI tests that need the action's account). */
export async function authorizedDataDir(emulator: TwilioEmulator): Promise<string> {
  const dataDir = tempDataDir();
  const core = await assemble({ dataDir, secretsEnv: {} });
  try {
    await core.action.authorize({ type: 'pre-authorized', accountSid: emulator.accountSid, authToken: emulator.authToken, baseUrl: emulator.url ?? '' }, 'test');
  } finally {
    await core.close();
  }
  return dataDir;
}
