/** The sign-in form: one field labelled "Admin token", a "Sign in" button, the error right under the field. */
import { h, type ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api, ApiError, messageOf } from '../api';
import type { Session } from '../types';
import { Button, Field } from '../ui/ui';

export function SignIn(props: { onSignedIn: (session: Extract<Session, { signedIn: true }>) => void; notice?: string }): ComponentChildren {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (token.trim() === '') {
      setError('Type the admin token (data/admin-token, or ADMIN_TOKEN), then sign in.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const session = await api.post<Session>('/admin/session', { token: token.trim() });
      setToken('');
      if (session.signedIn) props.onSignedIn(session);
    } catch (err) {
      setToken('');
      if (err instanceof ApiError && err.status === 401) setError('That token is not the admin token. Check data/admin-token (or ADMIN_TOKEN) and try again.');
      else if (err instanceof ApiError && err.status === 429) setError(`Too many wrong tokens: ${err.message} Wait, then try again.`);
      else setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return h('main', { class: 'signin', id: 'main' }, [
    h('form', { class: 'card signin__card', onSubmit: submit, 'aria-labelledby': 'signin-heading', noValidate: true }, [
      h('h1', { id: 'signin-heading' }, 'Twilio Verify Action · Admin console'),
      props.notice ? h('p', { class: 'signin__notice', role: 'status' }, props.notice) : null,
      h('p', { class: 'muted' }, 'Sign in with the admin token: the server printed where it is (data/admin-token), or open the one-time sign-in link it printed.'),
      h(Field, { label: 'Admin token', type: 'password', value: token, onInput: setToken, error, autoComplete: 'current-password', required: true }),
      h(Button, { type: 'submit', busy }, 'Sign in'),
    ]),
  ]);
}
