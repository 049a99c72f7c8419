/**
 * The Authorization tab: pre-authorized Basic Auth (Account SID + Auth Token, or API Key SID + API Key Secret) or
 * user-authorized with an auth profile (picked, or created on the spot), a Base URL; "Save" and "Test" beside the
 * fields. Secrets are write-only: the stored one shows masked as a hint, the field starts empty and is emptied again
 * once saved.
 */
import { h, type ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, messageOf } from '../api';
import type { ActionView, AuthorizationInput, AuthProfileView, CredentialCheckResult } from '../types';
import { ProfileForm } from '../profiles/profile-form';
import { Button, Field, Notice, useId, valueOf } from '../ui/ui';
import { TestResult } from './state';

type Mode = 'auth-token' | 'api-key' | 'user-authorized';

function modeOf(view: ActionView): Mode {
  const auth = view.authorization;
  if (!auth) return 'auth-token';
  if (auth.type === 'user-authorized') return 'user-authorized';
  return auth.method;
}

function errorsByField(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (err instanceof ApiError) for (const d of err.details) out[d.path.replace(/^\//, '')] = `${d.path.replace(/^\//, '')} ${d.message}`;
  return out;
}

export function AuthorizationTab(props: { view: ActionView; onChanged: (view: ActionView) => void }): ComponentChildren {
  const { view } = props;
  const auth = view.authorization;
  const pre = auth && auth.type === 'pre-authorized' ? auth : undefined;
  const [mode, setMode] = useState<Mode>(modeOf(view));
  const [accountSid, setAccountSid] = useState(pre?.accountSid ?? '');
  const [authToken, setAuthToken] = useState('');
  const [apiKeySid, setApiKeySid] = useState(pre && pre.method === 'api-key' ? pre.apiKeySid : '');
  const [apiKeySecret, setApiKeySecret] = useState('');
  const [baseUrl, setBaseUrl] = useState(pre?.baseUrl ?? '');
  const [profile, setProfile] = useState(auth?.type === 'user-authorized' ? auth.profile : '');
  const [profiles, setProfiles] = useState<AuthProfileView[]>([]);
  const [creating, setCreating] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const [saved, setSaved] = useState<string | undefined>(undefined);
  const [result, setResult] = useState<CredentialCheckResult | undefined>(view.lastTest && !view.lastTest.ok && view.lastTest.code !== undefined
    ? { ok: false, code: view.lastTest.code, message: view.lastTest.message ?? '' }
    : undefined);
  const [busy, setBusy] = useState<'save' | 'test' | undefined>(undefined);
  const resultId = useId('test-result');
  const groupName = useId('auth-mode');

  const loadProfiles = async () => {
    try {
      const list = await api.get<{ profiles: AuthProfileView[] }>('/api/admin/profiles');
      setProfiles(list.profiles);
    } catch (err) {
      setFailure(messageOf(err));
    }
  };
  useEffect(() => {
    void loadProfiles();
  }, []);

  const secretTyped = mode === 'auth-token' ? authToken !== '' : mode === 'api-key' ? apiKeySecret !== '' : false;
  const dirty =
    mode !== modeOf(view) ||
    secretTyped ||
    (mode !== 'user-authorized' && (accountSid !== (pre?.accountSid ?? '') || baseUrl !== (pre?.baseUrl ?? ''))) ||
    (mode === 'api-key' && apiKeySid !== (pre && pre.method === 'api-key' ? pre.apiKeySid : '')) ||
    (mode === 'user-authorized' && profile !== (auth?.type === 'user-authorized' ? auth.profile : ''));

  const body = (): AuthorizationInput | string => {
    if (mode === 'user-authorized') {
      return profile === '' ? 'Pick an auth profile, or create one with "Create new".' : { type: 'user-authorized', profile };
    }
    const base = baseUrl.trim() === '' ? {} : { baseUrl: baseUrl.trim() };
    if (mode === 'auth-token') {
      if (authToken === '') return 'Type the Auth Token (the stored one is never shown again).';
      return { type: 'pre-authorized', accountSid: accountSid.trim(), authToken, ...base };
    }
    if (apiKeySecret === '') return 'Type the API Key Secret (the stored one is never shown again).';
    return { type: 'pre-authorized', accountSid: accountSid.trim(), apiKeySid: apiKeySid.trim(), apiKeySecret, ...base };
  };

  /** Saves the form; answers false (with the errors shown) when it was refused. */
  const save = async (): Promise<boolean> => {
    const input = body();
    setErrors({});
    setFailure(undefined);
    setSaved(undefined);
    if (typeof input === 'string') {
      setFailure(input);
      return false;
    }
    try {
      const next = await api.put<ActionView>('/api/admin/action/authorization', input);
      setAuthToken('');
      setApiKeySecret('');
      props.onChanged(next);
      setSaved('Authorization saved.');
      return true;
    } catch (err) {
      setErrors(errorsByField(err));
      if (err instanceof ApiError && err.twilio) setResult({ ok: false, code: err.twilio.code, message: err.twilio.message });
      else setFailure(messageOf(err));
      return false;
    }
  };

  const onSave = async (e: Event) => {
    e.preventDefault();
    setBusy('save');
    await save();
    setBusy(undefined);
  };

  const onTest = async () => {
    setBusy('test');
    setResult(undefined);
    try {
      if (dirty && !(await save())) return;
      setSaved(undefined);
      const outcome = await api.post<CredentialCheckResult>('/api/admin/action/test');
      setResult(outcome);
      props.onChanged(await api.get<ActionView>('/api/admin/action'));
    } catch (err) {
      setFailure(messageOf(err));
    } finally {
      setBusy(undefined);
    }
  };

  const radio = (value: Mode, label: string) =>
    h('label', { class: 'choice' }, [
      h('input', { type: 'radio', name: groupName, value, checked: mode === value, onChange: (e: Event) => setMode(valueOf(e) === value ? value : mode) }),
      ` ${label}`,
    ]);
  const masked = (field: 'authToken' | 'apiKeySecret') => {
    if (!pre) return undefined;
    if (field === 'authToken' && pre.method === 'auth-token') return `Stored: ${pre.authToken} (write-only; type a new one to replace it)`;
    if (field === 'apiKeySecret' && pre.method === 'api-key') return `Stored: ${pre.apiKeySecret} (write-only; type a new one to replace it)`;
    return undefined;
  };

  return h('form', { class: 'tab-panel__form', onSubmit: onSave, noValidate: true }, [
    h('fieldset', { class: 'choices' }, [
      h('legend', null, 'How the action authorizes with Twilio'),
      radio('auth-token', 'Pre-authorized with an Auth Token'),
      radio('api-key', 'Pre-authorized with an API Key'),
      radio('user-authorized', 'User-authorized: each end user with an auth profile'),
    ]),
    mode === 'user-authorized'
      ? h('div', { class: 'stack' }, [
          h('div', { class: 'field' }, [
            h('label', { for: `${groupName}-profile`, class: 'field__label' }, 'Auth profile'),
            h('select', { id: `${groupName}-profile`, class: 'field__input', value: profile, onChange: (e: Event) => setProfile(valueOf(e)), 'aria-describedby': errors['profile'] ? `${groupName}-profile-error` : undefined }, [
              h('option', { value: '' }, 'Pick a profile…'),
              ...profiles.map((p) => h('option', { key: p.name, value: p.name }, p.description ? `${p.name} (${p.description})` : p.name)),
            ]),
            errors['profile'] ? h('p', { id: `${groupName}-profile-error`, class: 'field__error' }, errors['profile']) : null,
          ]),
          creating
            ? h(ProfileForm, {
                onSaved: (created: AuthProfileView) => {
                  setCreating(false);
                  setProfiles((list) => [...list.filter((p) => p.name !== created.name), created]);
                  setProfile(created.name);
                },
                onCancel: () => setCreating(false),
              })
            : h(Button, { kind: 'secondary', onClick: () => setCreating(true) }, 'Create new'),
        ])
      : h('div', { class: 'stack' }, [
          h(Field, { label: 'Account SID', value: accountSid, onInput: setAccountSid, error: errors['accountSid'], placeholder: 'AC…', required: true }),
          mode === 'auth-token'
            ? h(Field, { label: 'Auth Token', type: 'password', value: authToken, onInput: setAuthToken, error: errors['authToken'], hint: masked('authToken'), autoComplete: 'new-password', required: true })
            : [
                h(Field, { label: 'API Key SID', value: apiKeySid, onInput: setApiKeySid, error: errors['apiKeySid'], placeholder: 'SK…', required: true }),
                h(Field, { label: 'API Key Secret', type: 'password', value: apiKeySecret, onInput: setApiKeySecret, error: errors['apiKeySecret'], hint: masked('apiKeySecret'), autoComplete: 'new-password', required: true }),
              ],
          h(Field, { label: 'Base URL', type: 'url', value: baseUrl, onInput: setBaseUrl, error: errors['baseUrl'], hint: "Leave empty for Twilio's API; set it for the emulator or a proxy." }),
        ]),
    failure ? h(Notice, { kind: 'error' }, failure) : null,
    saved ? h(Notice, { kind: 'success' }, saved) : null,
    h('div', { class: 'actions-row' }, [
      h(Button, { type: 'submit', kind: 'secondary', busy: busy === 'save' }, 'Save'),
      h(Button, { onClick: () => void onTest(), busy: busy === 'test', describedBy: resultId }, 'Test'),
    ]),
    h(TestResult, { result, id: resultId }),
  ]);
}
