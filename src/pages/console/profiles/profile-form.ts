/** Create or edit an auth profile (name, description, tenancy, Base URL, check URL); errors under their fields. */
import { h, type ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api, ApiError, messageOf } from '../api';
import type { AuthProfileView } from '../types';
import { Button, Field, Notice, useId } from '../ui/ui';

export function ProfileForm(props: { existing?: AuthProfileView; onSaved: (profile: AuthProfileView) => void; onCancel: () => void }): ComponentChildren {
  const existing = props.existing;
  const [name, setName] = useState(existing?.name ?? '');
  const [description, setDescription] = useState(existing?.description ?? '');
  const [tenancy, setTenancy] = useState(existing?.tenancy ?? false);
  const [baseUrl, setBaseUrl] = useState(existing?.baseUrl ?? '');
  const [checkUrl, setCheckUrl] = useState(existing?.authorizationCheckUrl ?? '');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const tenancyId = useId('tenancy');
  const headingId = useId('profile-form');

  const submit = async (e: Event) => {
    e.preventDefault();
    e.stopPropagation();
    setBusy(true);
    setErrors({});
    setFailure(undefined);
    const settings = {
      tenancy,
      ...(description.trim() ? { description: description.trim() } : {}),
      ...(baseUrl.trim() ? { baseUrl: baseUrl.trim() } : {}),
      ...(checkUrl.trim() ? { authorizationCheckUrl: checkUrl.trim() } : {}),
    };
    try {
      const saved = existing
        ? await api.put<AuthProfileView>(`/api/admin/profiles/${encodeURIComponent(existing.name)}`, settings)
        : await api.post<AuthProfileView>('/api/admin/profiles', { name: name.trim(), ...settings });
      props.onSaved(saved);
    } catch (err) {
      const byField: Record<string, string> = {};
      if (err instanceof ApiError) for (const d of err.details) byField[d.path.replace(/^\//, '')] = d.message;
      setErrors(byField);
      if (Object.keys(byField).length === 0) setFailure(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  // A section rather than a nested <form> (it may sit inside the Authorization tab's form): Enter in a field submits it.
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Enter' && e.target instanceof HTMLInputElement && e.target.type !== 'checkbox') void submit(e);
  };
  return h('section', { class: 'card card--inset', 'aria-labelledby': headingId, onKeyDown }, [
    h('h3', { id: headingId }, existing ? `Edit auth profile ${existing.name}` : 'New auth profile'),
    existing ? null : h(Field, { label: 'Profile name', value: name, onInput: setName, error: errors['name'], hint: 'Lower-case letters, digits and hyphens, e.g. own-account.', required: true }),
    h(Field, { label: 'Description', value: description, onInput: setDescription, error: errors['description'], hint: 'What end users see when asked to authorize.' }),
    h('div', { class: 'field field--check' }, [
      h('input', { id: tenancyId, type: 'checkbox', checked: tenancy, onChange: () => setTenancy(!tenancy) }),
      h('label', { for: tenancyId }, 'Users also give a tenant'),
    ]),
    h(Field, { label: 'Profile Base URL', type: 'url', value: baseUrl, onInput: setBaseUrl, error: errors['baseUrl'], hint: "Where API calls with users' credentials go; may hold {tenant}. Empty: Twilio's." }),
    h(Field, { label: 'Authorization check URL', type: 'url', value: checkUrl, onInput: setCheckUrl, error: errors['authorizationCheckUrl'], hint: 'Called with Basic Auth to check a user; may hold {tenant} and {{accountSid}}. Empty: the Twilio account check.' }),
    failure ? h(Notice, { kind: 'error' }, failure) : null,
    h('div', { class: 'actions-row' }, [
      h(Button, { onClick: () => void submit(new Event('submit')), busy }, existing ? 'Save profile' : 'Create profile'),
      h(Button, { kind: 'secondary', onClick: props.onCancel }, 'Cancel'),
    ]),
  ]);
}
