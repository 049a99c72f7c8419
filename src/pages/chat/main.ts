/**
 * The chat page (public/index.html; bundled by esbuild into public/chat.js by `npm run build`): talks to the bot
 * over POST /api/messages with expectReplies through src/chat's client, the same one `tva chat` uses.
 *
 * Server contract: POST /api/messages, GET /api/dev/info (404 outside dev mode), GET <outboxUrl> in dev mode.
 */
import { ConversationNumbers, randomId } from '../../chat';
import { pageElements, storage, STORAGE_KEYS } from './dom';
import { Conversation } from './conversation';
import { startDevMode } from './outbox';
import { Transcript } from './transcript';

const AUTH_DEDUP_MS = 5000;

function storedId(key: string, prefix: string): string {
  let id = storage.get(key);
  if (!id) {
    id = prefix + randomId();
    storage.set(key, id);
  }
  return id;
}

const el = pageElements();
const transcript = new Transcript(el);
const userId = storedId(STORAGE_KEYS.user, 'web-');
const numbers = new ConversationNumbers();
const conversation = new Conversation(transcript, userId, storedId(STORAGE_KEYS.conversation, ''), () => el.message.focus(), numbers);

function startConversation(): void {
  el.meta.textContent = `Conversation ${conversation.id} · you are ${userId}`;
  void conversation.start();
}

function newConversation(): void {
  const id = randomId();
  conversation.restart(id);
  storage.set(STORAGE_KEYS.conversation, id);
  transcript.clear();
  startConversation();
  el.message.focus();
}

const MAX_LENGTH = el.message.maxLength > 0 ? el.message.maxLength : 1600;
const LIMIT_HINT = `Up to ${MAX_LENGTH.toLocaleString('en-US')} characters, the most an SMS holds.`;

/** The hint under the box: the limit, how much is left once typing, and a clear line when the limit is reached. */
function showLength(): void {
  if (el.message.value.length > MAX_LENGTH) el.message.value = el.message.value.slice(0, MAX_LENGTH);
  const length = el.message.value.length;
  const full = length >= MAX_LENGTH;
  el.messageHint.classList.toggle('composer__hint--limit', full);
  if (full) el.messageHint.textContent = `Limit reached: ${MAX_LENGTH.toLocaleString('en-US')} characters is the most an SMS holds; the rest was not added.`;
  else if (length > 0) el.messageHint.textContent = `${length.toLocaleString('en-US')} / ${MAX_LENGTH.toLocaleString('en-US')} characters (the most an SMS holds).`;
  else el.messageHint.textContent = LIMIT_HINT;
}

el.composer.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = el.message.value.trim();
  if (text === '') return;
  el.message.value = '';
  showLength();
  void conversation.say(text);
});
el.message.addEventListener('input', showLength);
el.newConversation.addEventListener('click', newConversation);

/** The /auth/<token> page reports success on a BroadcastChannel (every tab) and to its opener: act once across tabs. */
function onAuthMessage(data: unknown): void {
  if (typeof data !== 'object' || data === null) return;
  if (!('type' in data) || data.type !== 'tva-auth' || !('status' in data) || data.status !== 'completed') return;
  const last = Number(storage.get(STORAGE_KEYS.authHandledAt) || 0);
  const now = Date.now();
  if (now - last < AUTH_DEDUP_MS) return;
  storage.set(STORAGE_KEYS.authHandledAt, String(now));
  transcript.addNotice('info', 'Authorization completed.');
  void conversation.send({ type: 'event', name: 'authorization/completed' });
}

if (typeof window.BroadcastChannel === 'function') {
  const channel = new window.BroadcastChannel('tva-auth');
  channel.addEventListener('message', (event) => onAuthMessage(event.data));
}
window.addEventListener('message', (event) => {
  if (event.origin === window.location.origin) onAuthMessage(event.data);
});

startConversation();
void startDevMode(el, numbers);
