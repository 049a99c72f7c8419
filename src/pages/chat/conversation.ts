/**
 * Talking to the bot: each activity goes through the shared {@link BotClient} (POST /api/messages with
 * `deliveryMode: "expectReplies"`), one after another so replies stay in order, and its replies are rendered.
 */
import {
  BotClient,
  BotClientError,
  messageTextOf,
  type CardAction,
  type ConversationNumbers,
  type OutgoingActivity,
  type ReplyActivity,
} from '../../chat';
import type { Transcript } from './transcript';

const REQUEST_TIMEOUT_MS = 30000;

/** A readable sentence for a failed turn; never the server's own error text (it may hold a stack). */
function failureMessage(err: unknown): string {
  const failure = err instanceof BotClientError ? err : undefined;
  if (failure?.kind === 'timeout') return 'The bot did not answer in time. Try again.';
  if (failure?.kind === 'malformed_reply') return 'The bot sent a reply this page cannot read.';
  if (failure?.kind !== 'http_error') return 'Cannot reach the bot. Is the server running (npm start)? Then try again.';
  const status = failure.status;
  if (status === 401 || status === 403) return `The bot refused the message (HTTP ${status}): it requires Bot Framework authentication.`;
  if (status === 404 || status === 405) return `There is no bot at this address (HTTP ${status}).`;
  if (status === 429) return 'The bot is busy (HTTP 429). Wait a moment, then try again.';
  if (status >= 500) return `The bot failed to answer (HTTP ${status}). Try again; if it keeps failing, check the server log.`;
  return `The bot rejected the message (HTTP ${status}).`;
}

/** One conversation of this tab with the bot; {@link restart} switches to another id. */
export class Conversation {
  private client: BotClient;
  private pending = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly transcript: Transcript,
    private readonly userId: string,
    conversationId: string,
    /** Runs after a suggested reply was chosen and sent (the page puts the focus back in the message box). */
    private readonly afterChoice: () => void,
    /** The phone numbers this conversation mentions (the outbox shows their deliveries first). */
    private readonly numbers: ConversationNumbers,
  ) {
    this.client = this.clientFor(conversationId);
  }

  /** The conversation id. */
  get id(): string {
    return this.client.conversationId;
  }

  /** Says hello: a `conversationUpdate` adding the user, so the bot greets. */
  start(): Promise<void> {
    return this.send({ type: 'conversationUpdate', membersAdded: [{ id: this.userId, name: 'You' }] });
  }

  /** Switches to a new conversation id; activities still queued for the old one are dropped. */
  restart(conversationId: string): void {
    this.client = this.clientFor(conversationId);
    this.numbers.clear();
  }

  /** Shows what the user said and sends it. */
  say(text: string): Promise<void> {
    this.transcript.clearSuggestions();
    this.transcript.addMessage('user', text);
    this.numbers.note(text);
    return this.send({ type: 'message', text });
  }

  /** Queues one activity after the ones before it (replies stay in order) and renders its replies. */
  send(activity: OutgoingActivity): Promise<void> {
    const client = this.client;
    this.queue = this.queue.then(async () => {
      if (client !== this.client) return; // sent before "New conversation": drop it
      this.pending += 1;
      this.transcript.setTyping(true);
      try {
        const replies = await client.send(activity);
        if (client === this.client) this.render(replies);
      } catch (err) {
        if (client === this.client) this.transcript.addNotice('error', failureMessage(err), () => void this.send(activity));
      } finally {
        this.pending -= 1;
        this.transcript.setTyping(this.pending > 0);
      }
    });
    return this.queue;
  }

  private clientFor(conversationId: string): BotClient {
    return new BotClient({
      baseUrl: window.location.origin,
      channelId: 'webchat',
      userId: this.userId,
      userName: 'You',
      conversationId,
      locale: window.navigator.language || 'en-US',
      timeoutMs: REQUEST_TIMEOUT_MS,
    });
  }

  private render(activities: readonly ReplyActivity[]): void {
    let offered: CardAction[] | undefined;
    let answered = false;
    for (const activity of activities) {
      if (activity.type === 'message') {
        answered = true;
        const text = messageTextOf(activity);
        if (text !== '') this.transcript.addMessage('bot', text);
        this.numbers.note(text);
        const actions = activity.suggestedActions?.actions ?? [];
        if (actions.length > 0) offered = actions;
      } else if (activity.type === 'endOfConversation') {
        this.transcript.addNotice('info', 'The bot ended this conversation. Use “New conversation” to start again.');
      }
    }
    // A newer reply makes earlier buttons stale (they answered a question no longer asked): only its own stay.
    if (answered && !offered) this.transcript.clearSuggestions();
    if (offered) {
      this.transcript.showSuggestions(offered, (choice) => {
        this.transcript.addMessage('user', choice.display);
        this.numbers.note(choice.display);
        void this.send({ type: 'message', text: choice.text, ...(choice.value !== undefined ? { value: choice.value } : {}) });
        this.afterChoice();
      });
    }
  }
}
