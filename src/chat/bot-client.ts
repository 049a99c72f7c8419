import { parseExpectedReplies, type ReplyActivity } from './activity';

/**
 * A random id. Runs in Node and in the chat page alike (no Node-only import): `crypto.randomUUID` exists only in
 * secure contexts, `getRandomValues` everywhere.
 */
export function randomId(): string {
  const c = globalThis.crypto;
  if (typeof c.randomUUID === 'function') return c.randomUUID();
  const bytes = new Uint8Array(16);
  c.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Why a turn with the bot failed. */
export type BotClientErrorKind = 'invalid_url' | 'unreachable' | 'timeout' | 'http_error' | 'malformed_reply';

/** A turn that did not produce replies, with a sentence a person can act on. */
export class BotClientError extends Error {
  override readonly name = 'BotClientError';
  constructor(
    readonly kind: BotClientErrorKind,
    message: string,
    /** HTTP status of the bot's answer; 0 when there was none. */
    readonly status = 0,
  ) {
    super(message);
  }
}

export interface BotClientOptions {
  /** Where the bot listens, e.g. http://127.0.0.1:3978 (the client posts to `<baseUrl>/api/messages`). */
  baseUrl: string;
  /** Bot Framework channel id; default `"tva-chat"`. */
  channelId?: string;
  /** Stable id of the end user; default a random `user-…` id. */
  userId?: string;
  /** Display name of the end user; default `"You"`. */
  userName?: string;
  /** Conversation to join; default a new random id. */
  conversationId?: string;
  /** BCP-47 locale sent with each activity; default `"en-US"`. */
  locale?: string;
  /** Per-turn time limit in milliseconds; default 30000. */
  timeoutMs?: number;
  /** Injected `fetch` (tests, custom agents); default the global one. */
  fetch?: typeof fetch;
}

/** An activity the client may send; the client fills in ids, addresses and timestamps. */
export interface OutgoingActivity {
  type: string;
  /** The activity id; a new one by default. Reusing one is how a channel redelivers an activity. */
  id?: string;
  text?: string;
  name?: string;
  value?: unknown;
  membersAdded?: { id: string; name?: string }[];
}

/** The bot's id as seen by the clients: the Bot Framework anonymous adapter does not check it. */
const BOT_ACCOUNT = { id: 'bot', name: 'Bot' };

/**
 * Validates a bot URL given by a person: http or https only, no credentials, no query or fragment.
 * Returns the normalized base URL (no trailing slash) or throws `BotClientError('invalid_url')`.
 */
export function normalizeBotUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new BotClientError('invalid_url', `"${text}" is not a URL. Use e.g. http://127.0.0.1:3978`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new BotClientError('invalid_url', `"${text}" is not an http:// or https:// URL. Use e.g. http://127.0.0.1:3978`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new BotClientError('invalid_url', `"${text}" must not hold credentials, a query or a fragment. Use e.g. http://127.0.0.1:3978`);
  }
  return url.toString().replace(/\/+$/, '');
}

function causeCode(err: unknown): string | undefined {
  const cause = err instanceof Error ? (err as Error & { cause?: unknown }).cause : undefined;
  if (typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string') {
    return cause.code;
  }
  return undefined;
}

/**
 * A client of a bot's `POST /api/messages` using `deliveryMode: "expectReplies"`: each call sends one activity
 * and resolves with the activities the bot answered in the response body. Used by `tva chat` and the benchmark;
 * the chat page (src/pages/chat) uses it too.
 */
export class BotClient {
  readonly baseUrl: string;
  readonly channelId: string;
  readonly userId: string;
  readonly userName: string;
  readonly locale: string;
  private conversation: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(options: BotClientOptions) {
    this.baseUrl = normalizeBotUrl(options.baseUrl);
    this.channelId = options.channelId ?? 'tva-chat';
    this.userId = options.userId ?? `user-${randomId()}`;
    this.userName = options.userName ?? 'You';
    this.conversation = options.conversationId ?? randomId();
    this.locale = options.locale ?? 'en-US';
    this.timeoutMs = options.timeoutMs ?? 30_000;
    // Called unbound: a browser's fetch throws "Illegal invocation" when called as a method of another object.
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /** The current conversation id. */
  get conversationId(): string {
    return this.conversation;
  }

  /** The endpoint activities are posted to. */
  get messagesUrl(): string {
    return `${this.baseUrl}/api/messages`;
  }

  /** Starts (or restarts) the conversation: a `conversationUpdate` adding the user, so the bot greets. */
  start(): Promise<ReplyActivity[]> {
    return this.send({ type: 'conversationUpdate', membersAdded: [{ id: this.userId, name: this.userName }] });
  }

  /** Switches to a fresh conversation id and starts it. */
  restart(): Promise<ReplyActivity[]> {
    this.conversation = randomId();
    return this.start();
  }

  /** Sends a message typed by the user. */
  say(text: string, value?: unknown): Promise<ReplyActivity[]> {
    return this.send(value === undefined ? { type: 'message', text } : { type: 'message', text, value });
  }

  /** Sends an event activity, e.g. `event('authorization/completed')`. */
  event(name: string, value?: unknown): Promise<ReplyActivity[]> {
    return this.send(value === undefined ? { type: 'event', name } : { type: 'event', name, value });
  }

  /** Sends one activity and returns the bot's replies. Throws `BotClientError` with a readable message. */
  async send(activity: OutgoingActivity): Promise<ReplyActivity[]> {
    const body = {
      ...activity,
      id: activity.id ?? randomId(),
      timestamp: new Date().toISOString(),
      channelId: this.channelId,
      // The anonymous adapter needs a serviceUrl; with expectReplies nothing is ever posted to it.
      serviceUrl: this.baseUrl,
      deliveryMode: 'expectReplies',
      from: { id: this.userId, name: this.userName, role: 'user' },
      recipient: BOT_ACCOUNT,
      conversation: { id: this.conversation },
      locale: this.locale,
    };
    let response: Response;
    try {
      response = await this.fetchImpl(this.messagesUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
        throw new BotClientError('timeout', `The bot at ${this.baseUrl} did not answer within ${this.timeoutMs / 1000} s.`);
      }
      const code = causeCode(err);
      throw new BotClientError(
        'unreachable',
        `Cannot reach the bot at ${this.baseUrl}${code ? ` (${code})` : ''}: is \`npm start\` running?`,
      );
    }
    const text = await response.text().catch(() => '');
    if (!response.ok) {
      throw new BotClientError('http_error', httpErrorMessage(this.baseUrl, response.status), response.status);
    }
    // Without expectReplies support a bot answers 202/204 with no body: there is nothing to show.
    if (text.trim() === '') {
      if (response.status === 202 || response.status === 204) return [];
      throw new BotClientError('malformed_reply', `The bot at ${this.baseUrl} answered HTTP ${response.status} with an empty body.`, response.status);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      const type = response.headers.get('content-type') ?? 'no content type';
      throw new BotClientError(
        'malformed_reply',
        `The bot at ${this.baseUrl} answered with something that is not JSON (HTTP ${response.status}, ${type}). Is that URL a bot?`,
        response.status,
      );
    }
    const activities = parseExpectedReplies(json);
    if (typeof activities === 'string') {
      throw new BotClientError('malformed_reply', `The bot at ${this.baseUrl} sent a reply that cannot be read: ${activities}.`, response.status);
    }
    return activities;
  }
}

function httpErrorMessage(baseUrl: string, status: number): string {
  if (status === 401 || status === 403) {
    return `The bot at ${baseUrl} refused the request (HTTP ${status}): it requires Bot Framework authentication.`;
  }
  if (status === 404 || status === 405) {
    return `There is no bot endpoint at ${baseUrl}/api/messages (HTTP ${status}). Check the URL.`;
  }
  if (status >= 500) return `The bot at ${baseUrl} failed to answer (HTTP ${status}). Check its log, then try again.`;
  return `The bot at ${baseUrl} rejected the message (HTTP ${status}).`;
}
