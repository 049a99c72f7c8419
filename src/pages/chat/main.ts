/**
 * The chat page (public/index.html; bundled by esbuild into public/chat.js by `npm run build`): talks to the bot
 * over POST /api/messages with expectReplies through src/chat's client, the same one `tva chat` uses.
 *
 * Server contract: POST /api/messages, GET /api/dev/info (404 outside dev mode), GET <outboxUrl> in dev mode.
 */
import { randomId } from '../../chat';
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
const conversation = new Conversation(transcript, userId, storedId(STORAGE_KEYS.conversation, ''), () => el.message.focus());

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

el.composer.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = el.message.value.trim();
  if (text === '') return;
  el.message.value = '';
  transcript.clearSuggestions();
  transcript.addMessage('user', text);
  void conversation.send({ type: 'message', text });
});
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
void startDevMode(el);
