/** The page's elements (public/index.html) and its storage of ids. */

/** The element with this id, of this type; throws when index.html and the script disagree. */
function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`the chat page has no <${type.name}> #${id}`);
  return element;
}

/** Every element the script touches. */
export function pageElements() {
  return {
    layout: byId('layout', HTMLElement),
    transcript: byId('transcript', HTMLElement),
    typing: byId('typing', HTMLElement),
    suggestions: byId('suggestions', HTMLElement),
    composer: byId('composer', HTMLFormElement),
    message: byId('message', HTMLInputElement),
    messageHint: byId('message-hint', HTMLElement),
    viewSwitch: byId('view-switch', HTMLElement),
    showChat: byId('show-chat', HTMLButtonElement),
    showOutbox: byId('show-outbox', HTMLButtonElement),
    newConversation: byId('new-conversation', HTMLButtonElement),
    meta: byId('conversation-meta', HTMLElement),
    outbox: byId('outbox', HTMLElement),
    outboxList: byId('outbox-list', HTMLOListElement),
    outboxStatus: byId('outbox-status', HTMLElement),
    outboxTarget: byId('outbox-target', HTMLElement),
  };
}

/** The page's elements, as {@link pageElements} finds them. */
export type PageElements = ReturnType<typeof pageElements>;

/** Keys of what the page keeps in localStorage: ids only, never a secret. */
export const STORAGE_KEYS = { user: 'tva.userId', conversation: 'tva.conversationId', authHandledAt: 'tva.authHandledAt' } as const;

// localStorage can throw (disabled storage, private modes): fall back to memory for this tab.
const memory = new Map<string, string>();

/** localStorage, or memory for this tab when the browser refuses it. */
export const storage = {
  get(key: string): string | null {
    try {
      return window.localStorage.getItem(key);
    } catch {
      return memory.get(key) ?? null;
    }
  },
  set(key: string, value: string): void {
    try {
      window.localStorage.setItem(key, value);
    } catch {
      memory.set(key, value);
    }
  },
};
