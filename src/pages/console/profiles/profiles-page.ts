/** Auth profiles: list, create, edit, test (with a user's Account SID and Auth Token), delete. */
import { h, type ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, messageOf } from '../api';
import type { AuthProfileView, CredentialCheckResult } from '../types';
import { TypedConfirm } from '../ui/confirm';
import { Button, Field, Notice } from '../ui/ui';
import { ProfileForm } from './profile-form';

function ProfileTest(props: { profile: AuthProfileView; onDone: () => void }): ComponentChildren {
  const [accountSid, setAccountSid] = useState('');
  const [authToken, setAuthToken] = useState('');
  const [tenant, setTenant] = useState('');
  const [result, setResult] = useState<CredentialCheckResult | undefined>(undefined);
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const run = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setFailure(undefined);
    setResult(undefined);
    try {
      setResult(await api.post<CredentialCheckResult>(`/api/admin/profiles/${encodeURIComponent(props.profile.name)}/test`, {
        accountSid: accountSid.trim(),
        authToken,
        ...(props.profile.tenancy && tenant.trim() ? { tenant: tenant.trim() } : {}),
      }));
    } catch (err) {
      setFailure(messageOf(err));
    } finally {
      setAuthToken('');
      setBusy(false);
    }
  };
  return h('form', { class: 'card card--inset stack', onSubmit: run, noValidate: true, 'aria-label': `Test auth profile ${props.profile.name}` }, [
    h('p', null, 'Test the profile with an end user’s credentials (they are not stored).'),
    h(Field, { label: 'User Account SID', value: accountSid, onInput: setAccountSid }),
    h(Field, { label: 'User Auth Token', type: 'password', value: authToken, onInput: setAuthToken, autoComplete: 'new-password' }),
    props.profile.tenancy ? h(Field, { label: 'Tenant', value: tenant, onInput: setTenant }) : null,
    h('div', { class: 'actions-row' }, [
      h(Button, { type: 'submit', busy }, 'Run test'),
      h(Button, { kind: 'secondary', onClick: props.onDone }, 'Close test'),
    ]),
    h('div', { role: 'status' }, result ? (result.ok ? 'Test passed.' : `Twilio error ${result.code}: ${result.message}`) : failure ?? ''),
  ]);
}

export function ProfilesPage(): ComponentChildren {
  const [profiles, setProfiles] = useState<AuthProfileView[] | undefined>(undefined);
  const [mode, setMode] = useState<{ kind: 'create' } | { kind: 'edit' | 'test' | 'delete'; name: string } | undefined>(undefined);
  const [notice, setNotice] = useState<{ kind: 'success' | 'error'; text: string } | undefined>(undefined);
  const load = async () => {
    try {
      setProfiles((await api.get<{ profiles: AuthProfileView[] }>('/api/admin/profiles')).profiles);
    } catch (err) {
      setNotice({ kind: 'error', text: messageOf(err) });
    }
  };
  useEffect(() => {
    void load();
    document.title = 'Auth profiles · Admin console';
  }, []);
  const saved = async (p: AuthProfileView) => {
    setMode(undefined);
    setNotice({ kind: 'success', text: `Auth profile ${p.name} saved.` });
    await load();
  };
  const deleting = mode?.kind === 'delete' ? mode.name : undefined;

  return h('div', { class: 'stack' }, [
    h('h1', null, 'Auth profiles'),
    h('p', { class: 'muted' }, 'How end users authorize a user-authorized action: Basic Auth with their own Account SID and Auth Token.'),
    notice ? h(Notice, { kind: notice.kind }, notice.text) : null,
    mode?.kind === 'create'
      ? h(ProfileForm, { onSaved: (p: AuthProfileView) => void saved(p), onCancel: () => setMode(undefined) })
      : h('div', { class: 'actions-row' }, h(Button, { onClick: () => setMode({ kind: 'create' }) }, 'Create new')),
    profiles === undefined
      ? h('p', { role: 'status' }, 'Loading…')
      : profiles.length === 0
        ? h('p', null, 'No auth profiles yet.')
        : h('ul', { class: 'card-list', 'aria-label': 'Auth profiles' }, profiles.map((p) => h('li', { key: p.name, class: 'card stack' }, [
            h('h2', { class: 'card__title' }, p.name),
            p.description ? h('p', null, p.description) : null,
            h('dl', { class: 'facts' }, [
              h('dt', null, 'Tenancy'), h('dd', null, p.tenancy ? 'yes' : 'no'),
              h('dt', null, 'Base URL'), h('dd', null, p.baseUrl ?? 'Twilio’s'),
              h('dt', null, 'Users give'), h('dd', null, p.fields.join(', ')),
            ]),
            mode?.kind === 'edit' && mode.name === p.name
              ? h(ProfileForm, { existing: p, onSaved: (s: AuthProfileView) => void saved(s), onCancel: () => setMode(undefined) })
              : null,
            mode?.kind === 'test' && mode.name === p.name ? h(ProfileTest, { profile: p, onDone: () => setMode(undefined) }) : null,
            h('div', { class: 'actions-row' }, [
              h(Button, { kind: 'secondary', onClick: () => setMode({ kind: 'edit', name: p.name }) }, `Edit ${p.name}`),
              h(Button, { kind: 'secondary', onClick: () => setMode({ kind: 'test', name: p.name }) }, `Test ${p.name}`),
              h(Button, { kind: 'danger', onClick: () => setMode({ kind: 'delete', name: p.name }) }, `Delete ${p.name}`),
            ]),
          ]))),
    deleting
      ? h(TypedConfirm, {
          title: `Delete auth profile ${deleting}?`,
          text: 'A profile the action uses cannot be deleted: switch the action to another authorization first.',
          word: deleting,
          button: 'Delete profile',
          onClose: () => setMode(undefined),
          onConfirm: async () => {
            await api.del(`/api/admin/profiles/${encodeURIComponent(deleting)}`);
            setMode(undefined);
            setNotice({ kind: 'success', text: `Auth profile ${deleting} deleted.` });
            await load();
          },
        })
      : null,
  ]);
}
