/** The console: the session (cookie + CSRF token in memory), sign in/out, and the page the hash names. */
import { h, type ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ActionsPage } from '../actions/actions-page';
import { api, messageOf, setCsrf, whenUnauthorized } from '../api';
import { AuditPage } from '../audit/audit-page';
import { ProfilesPage } from '../profiles/profiles-page';
import { SignIn } from '../sign-in/sign-in';
import { DialogPage } from '../templates/dialog-graph';
import { ExploreTemplates } from '../templates/explore';
import type { ConsoleInfo, Session } from '../types';
import { Notice } from '../ui/ui';
import { UsersPage } from '../users/users-page';
import { Layout } from './layout';
import { useRoute, type Route } from './route';

function Page(props: { route: Route }): ComponentChildren {
  const { route } = props;
  switch (route.page) {
    case 'templates':
      return h(ExploreTemplates, null);
    case 'dialog':
      return h(DialogPage, { id: route.id });
    case 'profiles':
      return h(ProfilesPage, null);
    case 'users':
      return h(UsersPage, null);
    case 'audit':
      return h(AuditPage, null);
    default:
      return h(ActionsPage, null);
  }
}

export function App(): ComponentChildren {
  const [session, setSession] = useState<Session | undefined>(undefined);
  const [info, setInfo] = useState<ConsoleInfo | undefined>(undefined);
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const route = useRoute();

  const signedIn = (s: Session) => {
    setCsrf(s.signedIn ? s.csrf : '');
    setSession(s);
  };

  useEffect(() => {
    whenUnauthorized(() => {
      setCsrf('');
      setNotice('Your session ended. Sign in again.');
      setSession({ signedIn: false });
    });
    api.get<Session>('/admin/session').then(signedIn, (err: unknown) => setFailure(messageOf(err)));
  }, []);

  useEffect(() => {
    if (!session?.signedIn) return;
    api.get<ConsoleInfo>('/api/admin/console-info').then(setInfo, () => setInfo(undefined));
    document.getElementById('main')?.focus();
  }, [session?.signedIn]);

  const signOut = async () => {
    try {
      await api.del('/admin/session');
    } catch {
      // Signed out either way: the page forgets the CSRF token.
    }
    setCsrf('');
    setNotice('You are signed out.');
    setSession({ signedIn: false });
    window.location.hash = '';
    document.title = 'Sign in · Admin console';
  };

  if (failure) return h('main', { id: 'main', class: 'signin' }, h(Notice, { kind: 'error' }, failure));
  if (!session) return h('main', { id: 'main', class: 'signin' }, h('p', { role: 'status' }, 'Loading…'));
  if (!session.signedIn) {
    document.title = 'Sign in · Admin console';
    return h(SignIn, { onSignedIn: (s) => { setNotice(undefined); signedIn(s); }, ...(notice ? { notice } : {}) });
  }
  return h(Layout, { route, info, onSignOut: () => void signOut() }, h(Page, { route }));
}
