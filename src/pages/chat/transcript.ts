/**
 * The conversation as the page shows it: bubbles, notices, the typing indicator and suggested replies. Bot text is
 * only ever inserted as text nodes; links are built from URLs checked to be http(s).
 */
import { choiceOf, type ActionChoice, type CardAction } from '../../chat';
import type { PageElements } from './dom';

const LINK = /https?:\/\/[^\s<>"'`]+|\/auth\/[A-Za-z0-9._~-]+/g;
const TRAILING_PUNCTUATION = /[.,;:!?)\]}'"]+$/;

/** A same-origin runtime authorization page: opened with an opener so it can report back. */
function isAuthLink(url: URL): boolean {
  return url.origin === window.location.origin && url.pathname.startsWith('/auth/');
}

function makeLink(raw: string): HTMLAnchorElement | undefined {
  let url: URL;
  try {
    url = new URL(raw, window.location.origin);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const a = document.createElement('a');
  a.href = url.href;
  a.textContent = raw;
  a.target = '_blank';
  if (isAuthLink(url)) {
    a.addEventListener('click', (event) => {
      event.preventDefault();
      window.open(url.href, '_blank');
    });
  } else {
    a.rel = 'noopener noreferrer';
  }
  return a;
}

/** Appends `text` to `parent` as text nodes, with http(s) URLs and /auth/ paths as links. */
function appendLinkedText(parent: HTMLElement, text: string): void {
  let last = 0;
  LINK.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = LINK.exec(text)) !== null) {
    // A bare path counts only at a word start; a URL loses the punctuation that ends its sentence.
    if (match[0].startsWith('/') && match.index > 0 && !/\s/.test(text.charAt(match.index - 1))) continue;
    const raw = match[0].replace(TRAILING_PUNCTUATION, '');
    const link = raw ? makeLink(raw) : undefined;
    if (!link) continue;
    parent.appendChild(document.createTextNode(text.slice(last, match.index)));
    parent.appendChild(link);
    last = match.index + raw.length;
    LINK.lastIndex = last;
  }
  parent.appendChild(document.createTextNode(text.slice(last)));
}

/** The transcript, typing indicator and suggestion buttons of the page. */
export class Transcript {
  /** Whether the view sits at the end: then it stays there when the area around it changes (buttons come and go). */
  private pinned = true;

  constructor(private readonly el: PageElements) {
    el.transcript.addEventListener('scroll', () => {
      const t = el.transcript;
      this.pinned = t.scrollHeight - t.scrollTop - t.clientHeight < 24;
    });
    if (typeof window.ResizeObserver === 'function') {
      new window.ResizeObserver(() => {
        if (this.pinned) this.scrollToEnd();
      }).observe(el.transcript);
    }
  }

  /** A bubble said by the user or the bot. */
  addMessage(role: 'user' | 'bot', text: string): void {
    const item = document.createElement('div');
    item.className = `message message--${role}`;
    const who = document.createElement('span');
    who.className = 'visually-hidden';
    who.textContent = role === 'user' ? 'You said: ' : 'Bot said: ';
    item.appendChild(who);
    const body = document.createElement('span');
    body.className = 'message__text';
    appendLinkedText(body, text);
    item.appendChild(body);
    this.el.transcript.appendChild(item);
    this.scrollToEnd();
  }

  /** A line from the page itself; an error is an alert, with a "Try again" button when `retry` is given. */
  addNotice(kind: 'info' | 'error', text: string, retry?: () => void): void {
    const item = document.createElement('div');
    item.className = `notice notice--${kind}`;
    if (kind === 'error') item.setAttribute('role', 'alert');
    item.appendChild(document.createTextNode(text));
    if (retry) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'button';
      button.textContent = 'Try again';
      button.addEventListener('click', () => {
        item.remove();
        retry();
      });
      item.appendChild(button);
    }
    this.el.transcript.appendChild(item);
    this.scrollToEnd();
  }

  /** Shows or hides "The bot is typing…". */
  setTyping(on: boolean): void {
    this.el.typing.hidden = !on;
    if (on) this.scrollToEnd();
  }

  /** Empties the transcript and the suggestions (a new conversation). */
  clear(): void {
    this.el.transcript.replaceChildren();
    this.clearSuggestions();
  }

  /** Hides the suggestion buttons. */
  clearSuggestions(): void {
    this.el.suggestions.replaceChildren();
    this.el.suggestions.hidden = true;
    this.scrollToEnd();
  }

  /** One button per action that sends something; `choose` runs with the action's choice when one is clicked. */
  showSuggestions(actions: readonly CardAction[], choose: (choice: ActionChoice) => void): void {
    this.clearSuggestions();
    for (const action of actions) {
      const choice = choiceOf(action);
      if (!choice) continue;
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'suggestion';
      button.textContent = action.title || choice.display;
      button.addEventListener('click', () => {
        this.clearSuggestions();
        choose(choice);
      });
      this.el.suggestions.appendChild(button);
    }
    this.el.suggestions.hidden = this.el.suggestions.childElementCount === 0;
    // The buttons take room from the transcript: keep its last message in view.
    this.scrollToEnd();
  }

  private scrollToEnd(): void {
    this.el.transcript.scrollTop = this.el.transcript.scrollHeight;
    this.pinned = true;
  }
}
