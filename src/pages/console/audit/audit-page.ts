/** The audit log: newest first, paged (cursor), filtered by action on the page. */
import { h, type ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, messageOf } from '../api';
import type { AuditEntry, AuditPage as AuditPageBody } from '../types';
import { Button, Notice, useId, valueOf, when } from '../ui/ui';

const PAGE_SIZE = 25;

export function AuditPage(): ComponentChildren {
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const [loaded, setLoaded] = useState(false);
  const [filter, setFilter] = useState('');
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const filterId = useId('audit-filter');

  const load = async (from?: string) => {
    try {
      const page = await api.get<AuditPageBody>(`/api/admin/audit?limit=${PAGE_SIZE}${from ? `&cursor=${encodeURIComponent(from)}` : ''}`);
      setEntries((list) => (from ? [...list, ...page.entries] : page.entries));
      setCursor(page.nextCursor);
      setLoaded(true);
    } catch (err) {
      setFailure(messageOf(err));
    }
  };
  useEffect(() => {
    void load();
    document.title = 'Audit log · Admin console';
  }, []);

  const actions = [...new Set(entries.map((e) => e.action))].sort();
  const shown = filter ? entries.filter((e) => e.action === filter) : entries;
  return h('div', { class: 'stack' }, [
    h('h1', null, 'Audit log'),
    failure ? h(Notice, { kind: 'error' }, failure) : null,
    h('div', { class: 'field field--inline' }, [
      h('label', { for: filterId, class: 'field__label' }, 'Filter by action'),
      h('select', { id: filterId, class: 'field__input', value: filter, onChange: (e: Event) => setFilter(valueOf(e)) }, [
        h('option', { value: '' }, 'All actions'),
        ...actions.map((a) => h('option', { key: a, value: a }, a)),
      ]),
    ]),
    !loaded
      ? h('p', { role: 'status' }, 'Loading…')
      : h('div', { class: 'table-wrap', tabIndex: 0, role: 'region', 'aria-label': 'Audit log entries' }, h('table', { class: 'table' }, [
          h('caption', { class: 'visually-hidden' }, 'Audit log, newest first'),
          h('thead', null, h('tr', null, ['When', 'Action', 'Outcome', 'Target', 'Actor', 'Details'].map((c) => h('th', { key: c, scope: 'col' }, c)))),
          h('tbody', null, shown.map((e) => h('tr', { key: e.id }, [
            h('td', null, h('time', { dateTime: e.at }, when(e.at))),
            h('td', null, e.action),
            h('td', null, e.outcome),
            h('td', null, e.target ?? ''),
            h('td', null, e.actor),
            h('td', { class: 'details' }, e.details ? Object.entries(e.details).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ') : ''),
          ]))),
        ])),
    h('p', { class: 'muted', role: 'status' }, `${shown.length} of ${entries.length} loaded entries shown.`),
    cursor ? h(Button, { kind: 'secondary', onClick: () => void load(cursor) }, 'Older entries') : null,
  ]);
}
