/** The signed-in frame: a skip link, the header with navigation and "Sign out", the dev-mode outbox link, the page. */
import { h, type ComponentChildren } from 'preact';
import type { ConsoleInfo } from '../types';
import { Button } from '../ui/ui';
import { hrefOf, type Route } from './route';

const PAGES: { route: Route; label: string }[] = [
  { route: { page: 'actions' }, label: 'Actions' },
  { route: { page: 'templates' }, label: 'Templates' },
  { route: { page: 'profiles' }, label: 'Auth profiles' },
  { route: { page: 'users' }, label: 'Users' },
  { route: { page: 'audit' }, label: 'Audit log' },
];

export function Layout(props: { route: Route; info: ConsoleInfo | undefined; onSignOut: () => void; children?: ComponentChildren }): ComponentChildren {
  const current = props.route.page === 'dialog' ? 'templates' : props.route.page;
  return h('div', { class: 'shell' }, [
    h('a', { class: 'skip-link', href: '#main', onClick: (e: Event) => { e.preventDefault(); document.getElementById('main')?.focus(); } }, 'Skip to the content'),
    h('header', { class: 'topbar' }, [
      h('p', { class: 'topbar__title' }, 'Twilio Verify Action · Admin console'),
      h('nav', { 'aria-label': 'Console', class: 'nav' }, h('ul', { class: 'nav__list' }, PAGES.map((p) =>
        h('li', { key: p.label }, h('a', {
          href: hrefOf(p.route),
          class: 'nav__link',
          'aria-current': current === p.route.page ? 'page' : undefined,
        }, p.label)),
      ))),
      h('div', { class: 'topbar__end' }, [
        props.info?.dev && props.info.outboxUrl
          ? h('a', { href: props.info.outboxUrl, class: 'nav__link', target: '_blank', rel: 'noopener noreferrer' }, 'Emulator outbox')
          : null,
        h(Button, { kind: 'secondary', onClick: props.onSignOut }, 'Sign out'),
      ]),
    ]),
    h('main', { id: 'main', class: 'page', tabIndex: -1 }, props.children),
  ]);
}
