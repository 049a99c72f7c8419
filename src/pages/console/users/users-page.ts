/** Users' credentials (user-authorized action): masked, with "Revoke" behind a typed confirmation. */
import { h, type ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, messageOf } from '../api';
import type { UserCredentialsView, UserRow } from '../types';
import { TypedConfirm } from '../ui/confirm';
import { Button, Field, Notice, when } from '../ui/ui';

function usersOf(body: unknown): UserRow[] {
  const list: unknown[] = typeof body === 'object' && body !== null && 'users' in body && Array.isArray(body.users) ? body.users : [];
  return list.filter((u): u is UserRow => typeof u === 'object' && u !== null && 'userId' in u && typeof u.userId === 'string' && 'channelId' in u && typeof u.channelId === 'string');
}

const path = (u: { channelId: string; userId: string }) =>
  `/api/admin/users/${encodeURIComponent(u.channelId)}/${encodeURIComponent(u.userId)}/credentials`;

export function UsersPage(): ComponentChildren {
  const [users, setUsers] = useState<UserRow[] | undefined>(undefined);
  const [notice, setNotice] = useState<{ kind: 'success' | 'error' | 'info'; text: string } | undefined>(undefined);
  const [revoking, setRevoking] = useState<UserRow | undefined>(undefined);
  const [channelId, setChannelId] = useState('');
  const [userId, setUserId] = useState('');

  const load = async () => {
    try {
      setUsers(usersOf(await api.get<unknown>('/api/admin/users')));
    } catch (err) {
      setUsers([]);
      setNotice({ kind: 'error', text: messageOf(err) });
    }
  };
  useEffect(() => {
    void load();
    document.title = 'Users · Admin console';
  }, []);

  const lookUp = async (e: Event) => {
    e.preventDefault();
    setNotice(undefined);
    try {
      const found = await api.get<UserCredentialsView>(path({ channelId: channelId.trim(), userId: userId.trim() }));
      setUsers((list) => [...(list ?? []).filter((u) => !(u.channelId === found.channelId && u.userId === found.userId)), found]);
    } catch (err) {
      setNotice({ kind: 'error', text: messageOf(err) });
    }
  };

  return h('div', { class: 'stack' }, [
    h('h1', null, 'Users’ credentials'),
    h('p', { class: 'muted' }, 'End users who authorized a user-authorized action with their own Twilio credentials. Secrets show masked.'),
    notice ? h(Notice, { kind: notice.kind }, notice.text) : null,
    users === undefined
      ? h('p', { role: 'status' }, 'Loading…')
      : users.length === 0
        ? h('p', null, 'No user has authorized yet.')
        : h('div', { class: 'table-wrap', tabIndex: 0, role: 'region', 'aria-label': 'Users’ credentials table' }, h('table', { class: 'table' }, [
            h('caption', { class: 'visually-hidden' }, 'Users’ credentials'),
            h('thead', null, h('tr', null, ['User', 'Channel', 'Profile', 'Account SID', 'Auth Token', 'Since', ''].map((c, i) => h('th', { key: i, scope: 'col' }, c)))),
            h('tbody', null, users.map((u) => h('tr', { key: `${u.channelId}/${u.userId}` }, [
              h('td', null, u.userId),
              h('td', null, u.channelId),
              h('td', null, u.profile),
              h('td', null, u.accountSid),
              h('td', null, u.authToken ?? 'stored (write-only)'),
              h('td', null, when(u.createdAt)),
              h('td', null, h(Button, { kind: 'danger', onClick: () => setRevoking(u) }, `Revoke ${u.userId}`)),
            ]))),
          ])),
    h('form', { class: 'card stack', onSubmit: lookUp, noValidate: true, 'aria-label': 'Find a user' }, [
      h('h2', { class: 'card__title' }, 'Find a user'),
      h('p', { class: 'muted' }, 'The ids are in the audit log’s credentials.store entries.'),
      h(Field, { label: 'Channel id', value: channelId, onInput: setChannelId }),
      h(Field, { label: 'User id', value: userId, onInput: setUserId }),
      h(Button, { type: 'submit', kind: 'secondary' }, 'Find'),
    ]),
    revoking
      ? h(TypedConfirm, {
          title: `Revoke ${revoking.userId}'s credentials?`,
          text: 'The user must authorize again before the action works for them.',
          word: revoking.userId,
          button: 'Revoke',
          onClose: () => setRevoking(undefined),
          onConfirm: async () => {
            await api.del(path(revoking));
            setUsers((list) => (list ?? []).filter((u) => u !== revoking));
            setNotice({ kind: 'success', text: `Revoked ${revoking.userId}'s credentials.` });
            setRevoking(undefined);
          },
        })
      : null,
  ]);
}
