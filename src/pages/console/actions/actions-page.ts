/**
 * The Actions page: "Available" and "Configured" regions, the Twilio Verify action with its state, Configure
 * (Authorization and Configuration tabs), Enable (refused while the test fails; "Integration successful" the first
 * time), Disable, and Delete with a typed confirmation.
 */
import { h, type ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, messageOf } from '../api';
import { navigate } from '../shell/route';
import type { ActionView, EnableResult } from '../types';
import { Button, Field, Modal, Notice, when } from '../ui/ui';
import { AuthorizationTab } from './authorization-tab';
import { ConfigurationTab } from './configuration-tab';
import { ErrorLine, StateBadge } from './state';
import { Tabs } from './tabs';

const CONFIRM = 'twilio-verify';

/** Twilio's message as a sentence (it often lacks the final full stop). */
const sentence = (text: string): string => (/[.!?]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`);

export function ActionsPage(): ComponentChildren {
  const [view, setView] = useState<ActionView | undefined>(undefined);
  const [loadError, setLoadError] = useState<string | undefined>(undefined);
  const [configuring, setConfiguring] = useState(false);
  const [tab, setTab] = useState('authorization');
  const [notice, setNotice] = useState<{ kind: 'success' | 'error' | 'info'; text: string } | undefined>(undefined);
  const [busy, setBusy] = useState<string | undefined>(undefined);
  const [success, setSuccess] = useState(false);
  const [deleting, setDeleting] = useState(false);

  const load = async () => {
    try {
      setView(await api.get<ActionView>('/api/admin/action'));
      setLoadError(undefined);
    } catch (err) {
      setLoadError(messageOf(err));
    }
  };
  useEffect(() => {
    void load();
    document.title = 'Actions · Admin console';
  }, []);

  const enable = async () => {
    if (!view) return;
    const wasEverEnabled = view.state !== 'available';
    setBusy('enable');
    setNotice(undefined);
    try {
      const result = await api.post<EnableResult & { first?: boolean }>('/api/admin/action/enable');
      setView(result.action);
      const first = result.first ?? !wasEverEnabled;
      if (first) setSuccess(true);
      else setNotice({ kind: 'success', text: 'Enabled: the action answers in dialogs again.' });
    } catch (err) {
      const twilio = err instanceof ApiError ? err.twilio : undefined;
      setNotice({
        kind: 'error',
        text: twilio
          ? `Not enabled: the test fails with Twilio error ${twilio.code}: ${sentence(twilio.message)} Fix the authorization under Configure, run Test, then Enable.`
          : `Not enabled: ${messageOf(err)}`,
      });
      await load();
    } finally {
      setBusy(undefined);
    }
  };

  /** The tabs saved something: an older lifecycle notice no longer applies. */
  const changed = (next: ActionView) => {
    setView(next);
    setNotice(undefined);
  };

  const disable = async () => {
    setBusy('disable');
    setNotice(undefined);
    try {
      setView(await api.post<ActionView>('/api/admin/action/disable'));
      setNotice({ kind: 'success', text: 'Disabled. Everything is kept; installed dialogs say the action is disabled until you enable it.' });
    } catch (err) {
      setNotice({ kind: 'error', text: messageOf(err) });
    } finally {
      setBusy(undefined);
    }
  };

  if (loadError) return h(Notice, { kind: 'error' }, [loadError, ' ', h(Button, { kind: 'secondary', onClick: () => void load() }, 'Try again')]);
  if (!view) return h('p', { role: 'status' }, 'Loading the action…');

  const card = h('article', { class: 'card action-card', 'aria-labelledby': 'action-name' }, [
    h('div', { class: 'action-card__head' }, [
      h('h3', { id: 'action-name' }, 'Twilio Verify'),
      h(StateBadge, { view }),
    ]),
    h('p', { class: 'muted' }, 'Send SMS and one-time passcodes (Twilio Verify) from your bot’s dialogs.'),
    h(ErrorLine, { view }),
    view.authorization
      ? h('p', { class: 'muted' }, view.authorization.type === 'user-authorized'
          ? `User-authorized with auth profile ${view.authorization.profile} (${view.authorization.usersAuthorized} users authorized).`
          : `Pre-authorized, account ${view.authorization.accountSid}.`)
      : null,
    view.lastTest ? h('p', { class: 'muted' }, `Last test ${when(view.lastTest.at)}: ${view.lastTest.ok ? 'passed' : `Twilio error ${view.lastTest.code ?? ''}`}`) : null,
    notice ? h(Notice, { kind: notice.kind }, notice.text) : null,
    h('div', { class: 'actions-row' }, [
      h(Button, { kind: configuring ? 'secondary' : 'primary', onClick: () => setConfiguring(!configuring) }, configuring ? 'Close configuration' : 'Configure'),
      view.state === 'configured'
        ? h(Button, { kind: 'secondary', busy: busy === 'disable', onClick: () => void disable() }, 'Disable')
        : h(Button, { busy: busy === 'enable', disabled: !view.authorization, onClick: () => void enable() }, 'Enable'),
      h(Button, { kind: 'secondary', onClick: () => navigate({ page: 'templates' }) }, 'Explore templates'),
      view.state !== 'available' || view.authorization ? h(Button, { kind: 'danger', onClick: () => setDeleting(true) }, 'Delete') : null,
    ]),
    configuring
      ? h('section', { class: 'configure', 'aria-label': 'Configure Twilio Verify' }, h(Tabs, {
          label: 'Configure Twilio Verify',
          selected: tab,
          onSelect: setTab,
          tabs: [
            { key: 'authorization', label: 'Authorization', render: () => h(AuthorizationTab, { view, onChanged: changed }) },
            { key: 'configuration', label: 'Configuration', render: () => h(ConfigurationTab, { view, onChanged: changed }) },
          ],
        }))
      : null,
  ]);

  const configured = view.state !== 'available';
  return h('div', { class: 'stack' }, [
    h('h1', null, 'Actions'),
    h('section', { class: 'region', 'aria-labelledby': 'region-available' }, [
      h('h2', { id: 'region-available' }, 'Available'),
      configured ? h('p', { class: 'muted' }, 'Every available action is configured.') : card,
    ]),
    h('section', { class: 'region', 'aria-labelledby': 'region-configured' }, [
      h('h2', { id: 'region-configured' }, 'Configured'),
      configured ? card : h('p', { class: 'muted' }, 'No action is configured yet: open Configure on Twilio Verify above.'),
    ]),
    success ? h(SuccessDialog, { onClose: () => setSuccess(false) }) : null,
    deleting
      ? h(DeleteDialog, {
          onClose: () => setDeleting(false),
          onDeleted: async () => {
            setDeleting(false);
            setConfiguring(false);
            setNotice(undefined);
            await load();
            setNotice({ kind: 'success', text: 'Deleted: every stored credential is erased. The action is available to configure again.' });
          },
        })
      : null,
  ]);
}

function SuccessDialog(props: { onClose: () => void }): ComponentChildren {
  return h(Modal, { title: 'Integration successful', onClose: props.onClose }, [
    h('p', null, 'Twilio Verify is enabled: the credentials passed the test. Next, install dialog templates that use it.'),
    h('div', { class: 'actions-row' }, [
      h(Button, { onClick: () => { props.onClose(); navigate({ page: 'templates' }); } }, 'Explore templates'),
      h(Button, { kind: 'secondary', onClick: props.onClose }, 'Close'),
    ]),
  ]);
}

function DeleteDialog(props: { onClose: () => void; onDeleted: () => Promise<void> }): ComponentChildren {
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (typed.trim() !== CONFIRM) {
      setError(`Type ${CONFIRM} exactly to delete the action.`);
      return;
    }
    setBusy(true);
    try {
      await api.del('/api/admin/action', { confirm: CONFIRM });
      await props.onDeleted();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return h(Modal, { title: 'Delete Twilio Verify?', onClose: props.onClose }, h('form', { onSubmit: submit, noValidate: true, class: 'stack' }, [
    h('p', null, 'This erases the action’s configuration, its credentials and every end user’s credentials. Installed dialogs stay, but cannot send until the action is configured again.'),
    h(Field, { label: `Type ${CONFIRM} to confirm`, value: typed, onInput: setTyped, error }),
    h('div', { class: 'actions-row' }, [
      h(Button, { type: 'submit', kind: 'danger', busy }, 'Delete'),
      h(Button, { kind: 'secondary', onClick: props.onClose }, 'Cancel'),
    ]),
  ]));
}
