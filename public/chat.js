/*
 * Chat page of the Twilio Verify Action: talks to the bot over Bot Framework's POST /api/messages with
 * deliveryMode "expectReplies" (replies come back in the response body), no framework, no build.
 *
 * Server contract: POST /api/messages, GET /api/dev/info (404 outside dev mode), GET <outboxUrl> in dev mode.
 * Bot text is only ever inserted as text nodes; links are built from URLs checked to be http(s).
 * Browser globals are reached through `window.` so the page passes the project's lint config as it stands.
 */
(function () {
  'use strict';

  const STORAGE_KEYS = { user: 'tva.userId', conversation: 'tva.conversationId', authHandledAt: 'tva.authHandledAt' };
  const OUTBOX_POLL_MS = 2000;
  const AUTH_DEDUP_MS = 5000;
  const REQUEST_TIMEOUT_MS = 30000;

  const el = {
    layout: document.getElementById('layout'),
    transcript: document.getElementById('transcript'),
    typing: document.getElementById('typing'),
    suggestions: document.getElementById('suggestions'),
    composer: document.getElementById('composer'),
    message: document.getElementById('message'),
    newConversation: document.getElementById('new-conversation'),
    meta: document.getElementById('conversation-meta'),
    outbox: document.getElementById('outbox'),
    outboxList: document.getElementById('outbox-list'),
    outboxStatus: document.getElementById('outbox-status'),
  };

  // localStorage can throw (disabled storage, private modes): fall back to memory for this tab.
  const memory = {};
  const storage = {
    get(key) {
      try { return window.localStorage.getItem(key); } catch { return memory[key] === undefined ? null : memory[key]; }
    },
    set(key, value) {
      try { window.localStorage.setItem(key, value); } catch { memory[key] = value; }
    },
  };

  /** A random id; crypto.randomUUID exists only in secure contexts, getRandomValues everywhere. */
  function randomId() {
    const c = window.crypto;
    if (c && typeof c.randomUUID === 'function') return c.randomUUID();
    const bytes = new Uint8Array(16);
    c.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  function storedId(key, prefix) {
    let id = storage.get(key);
    if (!id) {
      id = prefix + randomId();
      storage.set(key, id);
    }
    return id;
  }

  const state = {
    userId: storedId(STORAGE_KEYS.user, 'web-'),
    conversationId: storedId(STORAGE_KEYS.conversation, ''),
    pending: 0,
    queue: Promise.resolve(),
  };

  function showMeta() {
    el.meta.textContent = 'Conversation ' + state.conversationId + ' · you are ' + state.userId;
  }

  function scrollToEnd() {
    el.transcript.scrollTop = el.transcript.scrollHeight;
  }

  // ---- safe text with clickable links ----

  const LINK = /https?:\/\/[^\s<>"'`]+|\/auth\/[A-Za-z0-9._~-]+/g;
  const TRAILING_PUNCTUATION = /[.,;:!?)\]}'"]+$/;

  /** A same-origin runtime authorization page: opened with an opener so it can report back. */
  function isAuthLink(url) {
    return url.origin === window.location.origin && url.pathname.startsWith('/auth/');
  }

  function makeLink(raw) {
    let url;
    try {
      url = new window.URL(raw, window.location.origin);
    } catch {
      return null;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
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
  function appendLinkedText(parent, text) {
    let last = 0;
    LINK.lastIndex = 0;
    let match;
    while ((match = LINK.exec(text)) !== null) {
      let raw = match[0];
      // A bare path counts only at a word start; a URL loses the punctuation that ends its sentence.
      if (raw.startsWith('/') && match.index > 0 && !/\s/.test(text.charAt(match.index - 1))) continue;
      raw = raw.replace(TRAILING_PUNCTUATION, '');
      const link = raw && makeLink(raw);
      if (!link) continue;
      parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      parent.appendChild(link);
      last = match.index + raw.length;
      LINK.lastIndex = last;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  // ---- transcript ----

  function addMessage(role, text) {
    const item = document.createElement('div');
    item.className = 'message message--' + role;
    const who = document.createElement('span');
    who.className = 'visually-hidden';
    who.textContent = role === 'user' ? 'You said: ' : 'Bot said: ';
    item.appendChild(who);
    const body = document.createElement('span');
    body.className = 'message__text';
    appendLinkedText(body, text);
    item.appendChild(body);
    el.transcript.appendChild(item);
    scrollToEnd();
    return item;
  }

  function addNotice(kind, text, retry) {
    const item = document.createElement('div');
    item.className = 'notice notice--' + kind;
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
    el.transcript.appendChild(item);
    scrollToEnd();
  }

  function setTyping(on) {
    el.typing.hidden = !on;
    if (on) scrollToEnd();
  }

  // ---- suggested actions ----

  /** What choosing an action sends, or null for actions that send nothing (openUrl, call…). */
  function choiceOf(action) {
    const title = typeof action.title === 'string' ? action.title : '';
    const valueText = typeof action.value === 'string' ? action.value : '';
    if (action.type === 'imBack') {
      const text = valueText || title;
      return text ? { text: text, display: text } : null;
    }
    if (action.type === 'postBack') {
      const text = valueText || title;
      return text ? { text: text, display: title || text, value: action.value } : null;
    }
    if (action.type === 'messageBack') {
      const text = typeof action.text === 'string' ? action.text : valueText || title;
      const display = typeof action.displayText === 'string' ? action.displayText : title || text;
      return { text: text, display: display, value: action.value };
    }
    return null;
  }

  function clearSuggestions() {
    el.suggestions.replaceChildren();
    el.suggestions.hidden = true;
  }

  function showSuggestions(actions) {
    clearSuggestions();
    for (const action of actions) {
      const choice = action && typeof action === 'object' ? choiceOf(action) : null;
      if (!choice) continue;
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'suggestion';
      button.textContent = typeof action.title === 'string' && action.title ? action.title : choice.display;
      button.addEventListener('click', () => {
        clearSuggestions();
        addMessage('user', choice.display);
        const activity = { type: 'message', text: choice.text };
        if (choice.value !== undefined) activity.value = choice.value;
        send(activity);
        el.message.focus();
      });
      el.suggestions.appendChild(button);
    }
    el.suggestions.hidden = el.suggestions.childElementCount === 0;
  }

  // ---- rendering replies ----

  function cardText(attachment) {
    const content = attachment && typeof attachment.content === 'object' && attachment.content ? attachment.content : {};
    const parts = [content.title, content.subtitle, content.text].filter((p) => typeof p === 'string' && p !== '');
    return parts.join('\n');
  }

  function renderReplies(activities) {
    let offered = null;
    for (const activity of activities) {
      if (!activity || typeof activity !== 'object') continue;
      if (activity.type === 'message') {
        const texts = [];
        if (typeof activity.text === 'string' && activity.text !== '') texts.push(activity.text);
        const attachments = Array.isArray(activity.attachments) ? activity.attachments : [];
        for (const attachment of attachments) {
          const text = cardText(attachment);
          texts.push(text || '(This message holds a card that this page cannot show.)');
        }
        if (texts.length > 0) addMessage('bot', texts.join('\n\n'));
        const actions = activity.suggestedActions && activity.suggestedActions.actions;
        if (Array.isArray(actions) && actions.length > 0) offered = actions;
      } else if (activity.type === 'endOfConversation') {
        addNotice('info', 'The bot ended this conversation. Use “New conversation” to start again.');
      }
    }
    if (offered) showSuggestions(offered);
  }

  // ---- talking to the bot ----

  /** A readable sentence for a failed turn; never the server's own error text (it may hold a stack). */
  function failureMessage(failure) {
    if (failure.kind === 'network') return 'Cannot reach the bot. Is the server running (npm start)? Then try again.';
    if (failure.kind === 'timeout') return 'The bot did not answer in time. Try again.';
    if (failure.kind === 'malformed') return 'The bot sent a reply this page cannot read.';
    const status = failure.status;
    if (status === 401 || status === 403) return 'The bot refused the message (HTTP ' + status + '): it requires Bot Framework authentication.';
    if (status === 404 || status === 405) return 'There is no bot at this address (HTTP ' + status + ').';
    if (status === 429) return 'The bot is busy (HTTP 429). Wait a moment, then try again.';
    if (status >= 500) return 'The bot failed to answer (HTTP ' + status + '). Try again; if it keeps failing, check the server log.';
    return 'The bot rejected the message (HTTP ' + status + ').';
  }

  function fullActivity(partial) {
    return Object.assign({}, partial, {
      id: randomId(),
      timestamp: new Date().toISOString(),
      channelId: 'webchat',
      serviceUrl: window.location.origin,
      deliveryMode: 'expectReplies',
      from: { id: state.userId, name: 'You', role: 'user' },
      recipient: { id: 'bot', name: 'Bot' },
      conversation: { id: state.conversationId },
      locale: window.navigator.language || 'en-US',
    });
  }

  /** A failed turn: kind is network | timeout | http | malformed; status for http. */
  function turnFailure(kind, status) {
    const failure = new Error(kind);
    failure.kind = kind;
    failure.status = status;
    return failure;
  }

  /** Posts one activity; resolves with the reply activities or throws a turnFailure. */
  async function post(activity) {
    let response;
    try {
      response = await fetch('/api/messages', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(activity),
        signal: window.AbortSignal && window.AbortSignal.timeout ? window.AbortSignal.timeout(REQUEST_TIMEOUT_MS) : undefined,
      });
    } catch (err) {
      throw turnFailure(err && err.name === 'TimeoutError' ? 'timeout' : 'network');
    }
    if (!response.ok) throw turnFailure('http', response.status);
    const text = await response.text();
    // A bot without expectReplies answers 202 with no body: nothing to show.
    if (text.trim() === '' && (response.status === 202 || response.status === 204)) return [];
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      throw turnFailure('malformed');
    }
    if (!body || typeof body !== 'object' || !Array.isArray(body.activities)) throw turnFailure('malformed');
    return body.activities;
  }

  /** Queues one activity after the ones before it (replies stay in order) and renders its replies. */
  function send(partial) {
    const conversationId = state.conversationId;
    state.queue = state.queue.then(async () => {
      if (conversationId !== state.conversationId) return; // sent before "New conversation": drop it
      state.pending += 1;
      setTyping(true);
      try {
        const replies = await post(fullActivity(partial));
        if (conversationId === state.conversationId) renderReplies(replies);
      } catch (failure) {
        if (conversationId === state.conversationId) {
          addNotice('error', failureMessage(failure && failure.kind ? failure : turnFailure('network')), () => send(partial));
        }
      } finally {
        state.pending -= 1;
        setTyping(state.pending > 0);
      }
    });
    return state.queue;
  }

  function startConversation() {
    showMeta();
    return send({ type: 'conversationUpdate', membersAdded: [{ id: state.userId, name: 'You' }] });
  }

  function newConversation() {
    state.conversationId = randomId();
    storage.set(STORAGE_KEYS.conversation, state.conversationId);
    el.transcript.replaceChildren();
    clearSuggestions();
    startConversation();
    el.message.focus();
  }

  el.composer.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = el.message.value.trim();
    if (text === '') return;
    el.message.value = '';
    clearSuggestions();
    addMessage('user', text);
    send({ type: 'message', text: text });
  });
  el.newConversation.addEventListener('click', newConversation);

  // ---- runtime authorization: the /auth/<token> page reports success ----

  function onAuthMessage(data) {
    if (!data || typeof data !== 'object' || data.type !== 'tva-auth' || data.status !== 'completed') return;
    // The page reports on a BroadcastChannel (every tab) and to its opener: act once across tabs.
    const last = Number(storage.get(STORAGE_KEYS.authHandledAt) || 0);
    const now = Date.now();
    if (now - last < AUTH_DEDUP_MS) return;
    storage.set(STORAGE_KEYS.authHandledAt, String(now));
    addNotice('info', 'Authorization completed.');
    send({ type: 'event', name: 'authorization/completed' });
  }

  if (typeof window.BroadcastChannel === 'function') {
    const channel = new window.BroadcastChannel('tva-auth');
    channel.addEventListener('message', (event) => onAuthMessage(event.data));
  }
  window.addEventListener('message', (event) => {
    if (event.origin === window.location.origin) onAuthMessage(event.data);
  });

  // ---- dev mode: the emulator's outbox ----

  const CODE = /\b\d{4,10}\b/g;

  function appendWithCodes(parent, text) {
    let last = 0;
    CODE.lastIndex = 0;
    let match;
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

  function asText(value) {
    return typeof value === 'string' ? value : '';
  }

  function formatTime(value) {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? value : new Date(ms).toLocaleTimeString();
  }

  let seenSids = null;
  let lastOutbox = '';

  function renderOutbox(messages) {
    const signature = JSON.stringify(messages);
    if (signature === lastOutbox) return;
    lastOutbox = signature;
    // Newest first, whatever order the server lists them in (the server lists oldest first, so a later index is newer).
    const sorted = messages
      .map((m, i) => ({ m: m, i: i, t: Date.parse(asText(m.date_created)) || 0 }))
      .sort((a, b) => b.t - a.t || b.i - a.i)
      .map((x) => x.m);
    const known = seenSids;
    seenSids = new Set(sorted.map((m) => asText(m.sid)));
    el.outboxList.replaceChildren();
    if (sorted.length === 0) {
      const empty = document.createElement('li');
      empty.className = 'outbox__empty';
      empty.textContent = 'Nothing sent yet.';
      el.outboxList.appendChild(empty);
      return;
    }
    for (const m of sorted) {
      const item = document.createElement('li');
      item.className = 'outbox__item' + (known && !known.has(asText(m.sid)) ? ' outbox__item--new' : '');
      const head = document.createElement('div');
      head.className = 'outbox__head';
      const route = document.createElement('span');
      route.textContent = 'To ' + asText(m.to) + (m.channel ? ' · ' + asText(m.channel) : '') + (m.from ? ' · from ' + asText(m.from) : '');
      const time = document.createElement('time');
      time.dateTime = asText(m.date_created);
      time.textContent = formatTime(asText(m.date_created));
      head.append(route, time);
      const body = document.createElement('p');
      body.className = 'outbox__body';
      appendWithCodes(body, asText(m.body));
      item.append(head, body);
      el.outboxList.appendChild(item);
    }
  }

  async function pollOutbox(url) {
    if (!document.hidden) {
      try {
        const response = await fetch(url, { cache: 'no-store', headers: { accept: 'application/json' } });
        if (!response.ok) throw new Error('HTTP ' + response.status);
        const body = await response.json();
        if (!body || !Array.isArray(body.messages)) throw new Error('unexpected reply');
        renderOutbox(body.messages.filter((m) => m && typeof m === 'object'));
        const count = body.messages.length;
        el.outboxStatus.textContent = count + (count === 1 ? ' message' : ' messages');
      } catch (err) {
        el.outboxStatus.textContent = 'Outbox unavailable (' + (err && err.message ? err.message : 'network error') + '); retrying.';
      }
    }
    window.setTimeout(() => pollOutbox(url), OUTBOX_POLL_MS);
  }

  async function startDevMode() {
    let info;
    try {
      const response = await fetch('/api/dev/info', { headers: { accept: 'application/json' } });
      if (!response.ok) return; // 404: not dev mode
      info = await response.json();
    } catch {
      return;
    }
    // Only a same-origin path: the page must not be pointed at another site by a reply.
    const url = info && info.dev === true && typeof info.outboxUrl === 'string' ? info.outboxUrl : '';
    if (!url.startsWith('/') || url.startsWith('//')) return;
    el.outbox.hidden = false;
    el.layout.classList.add('layout--dev');
    pollOutbox(url);
  }

  startConversation();
  startDevMode();
})();
