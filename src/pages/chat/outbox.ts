/**
 * Dev mode: the local Twilio emulator's outbox beside the chat, polled, newest first, with codes in bold. Shown only
 * when `GET /api/dev/info` says so, and only from a same-origin path.
 */
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

function formatTime(value: string): string {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? value : new Date(ms).toLocaleTimeString();
}

function outboxItem(m: OutboxEntry, isNew: boolean): HTMLLIElement {
  const item = document.createElement('li');
  item.className = `outbox__item${isNew ? ' outbox__item--new' : ''}`;
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

  constructor(private readonly el: PageElements) {}

  render(messages: OutboxEntry[]): void {
    const signature = JSON.stringify(messages);
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
    for (const m of sorted) this.el.outboxList.appendChild(outboxItem(m, known !== undefined && !known.has(asText(m.sid))));
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

/** Shows the outbox and starts polling it when the server is in dev mode; does nothing otherwise. */
export async function startDevMode(el: PageElements): Promise<void> {
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
  el.outbox.hidden = false;
  el.layout.classList.add('layout--dev');
  void new OutboxPanel(el).poll(url);
}
