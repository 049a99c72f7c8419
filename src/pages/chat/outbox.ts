/**
 * Dev mode: the local Twilio emulator's outbox beside the chat, polled, newest first, with codes in bold. Shown only
 * when `GET /api/dev/info` says so, and only from a same-origin path.
 */
import type { ConversationNumbers } from '../../chat';
import type { PageElements } from './dom';

const OUTBOX_POLL_MS = 2000;
const CODE = /\b\d{4,10}\b/g;

type OutboxEntry = Record<string, unknown>;

function isEntry(value: unknown): value is OutboxEntry {
  return typeof value === 'object' && value !== null;
}

function asText(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function appendWithCodes(parent: HTMLElement, text: string): void {
  let last = 0;
  CODE.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = CODE.exec(text)) !== null) {
    parent.appendChild(document.createTextNode(text.slice(last, match.index)));
    const code = document.createElement('strong');
    code.className = 'outbox__code';
    code.textContent = match[0];
    parent.appendChild(code);
    last = match.index + match[0].length;
  }
  parent.appendChild(document.createTextNode(text.slice(last)));
}

function groupHeading(text: string): HTMLLIElement {
  const item = document.createElement('li');
  item.className = 'outbox__group';
  item.textContent = text;
  return item;
}

function formatTime(value: string): string {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? value : new Date(ms).toLocaleTimeString();
}

function outboxItem(m: OutboxEntry, isNew: boolean, mine: boolean): HTMLLIElement {
  const item = document.createElement('li');
  item.className = `outbox__item${isNew ? ' outbox__item--new' : ''}${mine ? ' outbox__item--mine' : ''}`;
  const head = document.createElement('div');
  head.className = 'outbox__head';
  const route = document.createElement('span');
  route.textContent = `To ${asText(m.to)}${m.channel ? ` · ${asText(m.channel)}` : ''}${m.from ? ` · from ${asText(m.from)}` : ''}`;
  const time = document.createElement('time');
  time.dateTime = asText(m.date_created);
  time.textContent = formatTime(asText(m.date_created));
  head.append(route, time);
  const body = document.createElement('p');
  body.className = 'outbox__body';
  appendWithCodes(body, asText(m.body));
  item.append(head, body);
  return item;
}

/** The outbox panel: renders what the emulator delivered, marking what is new since the last poll. */
class OutboxPanel {
  private seenSids: Set<string> | undefined;
  private lastOutbox = '';
  /** Deliveries that arrived while the outbox was out of sight (the phone layout shows the chat or the outbox). */
  private unseen = 0;

  constructor(
    private readonly el: PageElements,
    private readonly numbers: ConversationNumbers,
  ) {}

  /** Called when the outbox comes into view: nothing is unseen any more. */
  seen(): void {
    this.unseen = 0;
    this.el.showOutbox.textContent = 'Outbox';
  }

  render(messages: OutboxEntry[]): void {
    const signature = JSON.stringify([messages, this.numbers.size]);
    if (signature === this.lastOutbox) return;
    this.lastOutbox = signature;
    // Newest first, whatever order the server lists them in (the server lists oldest first, so a later index is newer).
    const sorted = messages
      .map((m, i) => ({ m, i, t: Date.parse(asText(m.date_created)) || 0 }))
      .sort((a, b) => b.t - a.t || b.i - a.i)
      .map((x) => x.m);
    const known = this.seenSids;
    this.seenSids = new Set(sorted.map((m) => asText(m.sid)));
    this.el.outboxList.replaceChildren();
    if (sorted.length === 0) {
      const empty = document.createElement('li');
      empty.className = 'outbox__empty';
      empty.textContent = 'Nothing sent yet.';
      this.el.outboxList.appendChild(empty);
      return;
    }
    const isNew = (m: OutboxEntry): boolean => known !== undefined && !known.has(asText(m.sid));
    const mine = sorted.filter((m) => this.numbers.has(asText(m.to)));
    const others = sorted.filter((m) => !this.numbers.has(asText(m.to)));
    if (mine.length > 0) {
      this.el.outboxList.appendChild(groupHeading('This conversation'));
      for (const m of mine) this.el.outboxList.appendChild(outboxItem(m, isNew(m), true));
      if (others.length > 0) this.el.outboxList.appendChild(groupHeading('Other conversations'));
    }
    for (const m of others) this.el.outboxList.appendChild(outboxItem(m, isNew(m), false));
    const arrived = mine.filter(isNew).length + (mine.length > 0 ? 0 : others.filter(isNew).length);
    if (arrived > 0 && this.el.layout.classList.contains('layout--outbox') === false) {
      this.unseen += arrived;
      this.el.showOutbox.textContent = `Outbox (${this.unseen} new)`;
    }
  }

  async poll(url: string): Promise<void> {
    if (!document.hidden) {
      try {
        const response = await fetch(url, { cache: 'no-store', headers: { accept: 'application/json' } });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const body: unknown = await response.json();
        const messages: unknown[] | undefined = isEntry(body) && Array.isArray(body.messages) ? body.messages : undefined;
        if (!messages) throw new Error('unexpected reply');
        this.render(messages.filter(isEntry));
        const count = messages.length;
        this.el.outboxStatus.textContent = `${count}${count === 1 ? ' message' : ' messages'}`;
      } catch (err) {
        const reason = err instanceof Error && err.message ? err.message : 'network error';
        this.el.outboxStatus.textContent = `Outbox unavailable (${reason}); retrying.`;
      }
    }
    window.setTimeout(() => void this.poll(url), OUTBOX_POLL_MS);
  }
}

/** A sentence saying where the action really sends, from `/api/dev/info`'s `twilio`; undefined when it does not say. */
export function targetSentence(twilio: unknown): { text: string; elsewhere: boolean } | undefined {
  if (!isEntry(twilio)) return undefined;
  switch (twilio.kind) {
    case 'embedded':
      return { text: 'The action sends through this embedded emulator: its messages appear here.', elsewhere: false };
    case 'elsewhere': {
      const url = asText(twilio.url);
      const where = /^https:\/\/api\.twilio\.com\/?$/.test(url) ? `real Twilio (${url})` : url;
      return { text: `The action sends to ${where}, not to this embedded emulator: its messages do not appear here.`, elsewhere: true };
    }
    case 'per-user':
      return { text: "The action is user-authorized: each user's own Twilio account decides where messages go.", elsewhere: true };
    case 'none':
      return { text: 'The action is not configured, so nothing is sent yet.', elsewhere: true };
    default:
      return undefined;
  }
}

/** The phone layout's two buttons: the chat or the outbox, each the full height. */
function setUpViewSwitch(el: PageElements, panel: OutboxPanel): void {
  const show = (outbox: boolean): void => {
    el.layout.classList.toggle('layout--outbox', outbox);
    el.showOutbox.setAttribute('aria-pressed', String(outbox));
    el.showChat.setAttribute('aria-pressed', String(!outbox));
    if (outbox) panel.seen();
  };
  el.showOutbox.addEventListener('click', () => show(true));
  el.showChat.addEventListener('click', () => {
    show(false);
    el.message.focus();
  });
  el.viewSwitch.hidden = false;
}

/** Shows the outbox and starts polling it when the server is in dev mode; does nothing otherwise. */
export async function startDevMode(el: PageElements, numbers: ConversationNumbers): Promise<void> {
  let info: unknown;
  try {
    const response = await fetch('/api/dev/info', { headers: { accept: 'application/json' } });
    if (!response.ok) return; // 404: not dev mode
    info = await response.json();
  } catch {
    return;
  }
  // Only a same-origin path: the page must not be pointed at another site by a reply.
  const url = isEntry(info) && info.dev === true && typeof info.outboxUrl === 'string' ? info.outboxUrl : '';
  if (!url.startsWith('/') || url.startsWith('//')) return;
  const target = isEntry(info) ? targetSentence(info.twilio) : undefined;
  if (target) {
    el.outboxTarget.textContent = target.text;
    el.outboxTarget.classList.toggle('outbox__target--elsewhere', target.elsewhere);
    el.outboxTarget.hidden = false;
  }
  el.outbox.hidden = false;
  el.layout.classList.add('layout--dev');
  const panel = new OutboxPanel(el, numbers);
  setUpViewSwitch(el, panel);
  void panel.poll(url);
}
