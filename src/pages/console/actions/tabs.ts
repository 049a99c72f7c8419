/** Accessible tabs (WAI-ARIA tabs pattern: arrow keys move between tabs, Tab goes into the panel). */
import { h, type ComponentChildren } from 'preact';
import { useRef } from 'preact/hooks';
import { useId } from '../ui/ui';

export interface TabSpec {
  key: string;
  label: string;
  render: () => ComponentChildren;
}

export function Tabs(props: { label: string; tabs: TabSpec[]; selected: string; onSelect: (key: string) => void }): ComponentChildren {
  const base = useId('tabs');
  const list = useRef<HTMLDivElement>(null);
  const index = Math.max(0, props.tabs.findIndex((t) => t.key === props.selected));
  const move = (e: KeyboardEvent) => {
    const delta = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (delta === 0) return;
    e.preventDefault();
    const next = props.tabs[(index + delta + props.tabs.length) % props.tabs.length];
    if (!next) return;
    props.onSelect(next.key);
    requestAnimationFrame(() => list.current?.querySelector<HTMLButtonElement>(`#${base}-${next.key}`)?.focus());
  };
  const current = props.tabs[index];
  return h('div', { class: 'tabs' }, [
    h('div', { role: 'tablist', 'aria-label': props.label, class: 'tabs__list', ref: list, onKeyDown: move },
      props.tabs.map((t) =>
        h('button', {
          key: t.key,
          type: 'button',
          role: 'tab',
          id: `${base}-${t.key}`,
          class: 'tabs__tab',
          'aria-selected': t.key === props.selected ? 'true' : 'false',
          'aria-controls': `${base}-${t.key}-panel`,
          tabIndex: t.key === props.selected ? 0 : -1,
          onClick: () => props.onSelect(t.key),
        }, t.label),
      ),
    ),
    current
      ? h('div', { role: 'tabpanel', id: `${base}-${current.key}-panel`, 'aria-labelledby': `${base}-${current.key}`, class: 'tabs__panel' }, current.render())
      : null,
  ]);
}
