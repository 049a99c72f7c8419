/**
 * The Configuration tab: how codes are sent (Twilio Verify, recommended, or the message templates), the Verify Service
 * (picked from the account's services, listed through Twilio, or created there), the default sender, and the SMS
 * message templates per usage type with a live preview of {{code}}.
 */
import { h, type ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, messageOf } from '../api';
import type { ActionConfig, ActionView, VerifyService } from '../types';
import { Button, Field, Notice, useId, valueOf } from '../ui/ui';

const USAGES: { key: 'register' | 'signIn' | 'test'; label: string; example: string }[] = [
  { key: 'register', label: 'Registration message', example: 'Your registration code is {{code}}.' },
  { key: 'signIn', label: 'Sign-in message', example: 'Your sign-in code is {{code}}.' },
  { key: 'test', label: 'Test message', example: 'Your test code is {{code}}.' },
];
const SAMPLE_CODE = '482913';

/** `{ services: [{ sid, friendlyName }] }` (Twilio's `friendly_name` is read too). */
function servicesOf(body: unknown): VerifyService[] {
  const list: unknown[] = typeof body === 'object' && body !== null && 'services' in body && Array.isArray(body.services) ? body.services : [];
  const out: VerifyService[] = [];
  for (const s of list) {
    if (typeof s !== 'object' || s === null || !('sid' in s) || typeof s.sid !== 'string') continue;
    const name = 'friendlyName' in s && typeof s.friendlyName === 'string' ? s.friendlyName
      : 'friendly_name' in s && typeof s.friendly_name === 'string' ? s.friendly_name : s.sid;
    out.push({ sid: s.sid, friendlyName: name });
  }
  return out;
}

export function ConfigurationTab(props: { view: ActionView; onChanged: (view: ActionView) => void }): ComponentChildren {
  const config = props.view.config;
  const [serviceSid, setServiceSid] = useState(config.verifyServiceSid ?? '');
  const [sender, setSender] = useState(config.sender ?? '');
  const [templates, setTemplates] = useState<Record<string, string>>({ ...(config.messageTemplates ?? {}) });
  const [otpMode, setOtpMode] = useState<'verify' | 'messageTemplates'>(config.otpMode ?? 'verify');
  const [codeLength, setCodeLength] = useState(config.codeLength === undefined ? '' : String(config.codeLength));
  const modeGroup = useId('otp-mode');
  const [services, setServices] = useState<VerifyService[] | undefined>(undefined);
  const [servicesError, setServicesError] = useState<string | undefined>(undefined);
  const [newService, setNewService] = useState('');
  const [creating, setCreating] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [status, setStatus] = useState<{ kind: 'success' | 'error'; text: string } | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const selectId = useId('service');

  const loadServices = async () => {
    try {
      setServices(servicesOf(await api.get<unknown>('/api/admin/services')));
      setServicesError(undefined);
    } catch (err) {
      setServices([]);
      setServicesError(`The account's Verify Services could not be listed: ${messageOf(err)} Type the SID below instead.`);
    }
  };
  useEffect(() => {
    void loadServices();
  }, []);

  const createService = async () => {
    setCreating(true);
    try {
      const [created] = servicesOf({ services: [await api.post<unknown>('/api/admin/services', { friendlyName: newService.trim() })] });
      if (!created) throw new Error('The server did not answer with the new service.');
      setServices((list) => [...(list ?? []), created]);
      setServiceSid(created.sid);
      setNewService('');
    } catch (err) {
      setErrors({ ...errors, friendlyName: messageOf(err) });
    } finally {
      setCreating(false);
    }
  };

  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setStatus(undefined);
    if (otpMode === 'messageTemplates' && codeLength.trim() !== '' && !/^\d+$/.test(codeLength.trim())) {
      // Number('six') would reach the server as null ("must be integer"): say here what to type instead.
      setErrors({ codeLength: 'Type the number of digits per code, from 4 to 10 (e.g. 6), or leave it empty for 6.' });
      setStatus({ kind: 'error', text: 'The code length is not a number. Nothing was saved.' });
      setBusy(false);
      return;
    }
    const messageTemplates: Record<string, string> = {};
    for (const { key } of USAGES) if ((templates[key] ?? '').trim() !== '') messageTemplates[key] = templates[key] ?? '';
    const body: ActionConfig = {
      ...(serviceSid.trim() ? { verifyServiceSid: serviceSid.trim() } : {}),
      ...(sender.trim() ? { sender: sender.trim() } : {}),
      ...(Object.keys(messageTemplates).length ? { messageTemplates } : {}),
      // Verify is the default: it is written only when it replaces an earlier choice.
      ...(otpMode === 'messageTemplates' || config.otpMode !== undefined ? { otpMode } : {}),
      ...(otpMode === 'messageTemplates' && codeLength.trim() !== '' ? { codeLength: Number(codeLength.trim()) } : {}),
    };
    try {
      props.onChanged(await api.put<ActionView>('/api/admin/action/config', body));
      setStatus({ kind: 'success', text: 'Configuration saved.' });
    } catch (err) {
      const byField: Record<string, string> = {};
      if (err instanceof ApiError) for (const d of err.details) byField[d.path.replace(/^\//, '')] = d.message;
      setErrors(byField);
      setStatus({ kind: 'error', text: messageOf(err) });
    } finally {
      setBusy(false);
    }
  };

  const known = services?.some((s) => s.sid === serviceSid) ?? false;
  const templatesMode = otpMode === 'messageTemplates';
  const modeRadio = (value: 'verify' | 'messageTemplates', label: string) =>
    h('label', { class: 'choice' }, [
      h('input', { type: 'radio', name: modeGroup, value, checked: otpMode === value, onChange: () => setOtpMode(value) }),
      ` ${label}`,
    ]);
  return h('form', { class: 'tab-panel__form', onSubmit: save, noValidate: true }, [
    h('fieldset', { class: 'choices' }, [
      h('legend', null, 'How codes are sent'),
      modeRadio('verify', 'Twilio Verify (recommended: Twilio’s fraud guard)'),
      modeRadio('messageTemplates', 'Message templates'),
      h(
        'p',
        { class: 'field__hint' },
        templatesMode
          ? 'The action makes each code, keeps only a keyed hash, and texts it from the default sender with the template of the dialog’s usage type. Needs the sender and all three templates; SMS only.'
          : 'Twilio Verify makes, sends and checks the codes, in any channel, with its fraud guard.',
      ),
      errors['otpMode'] ? h('p', { class: 'field__error', role: 'alert' }, errors['otpMode']) : null,
    ]),
    templatesMode
      ? h(Field, { label: 'Code length', value: codeLength, onInput: setCodeLength, error: errors['codeLength'], placeholder: '6', hint: 'Digits per code: 4 to 10 (default 6).' })
      : null,
    h('div', { class: 'field' }, [
      h('label', { for: selectId, class: 'field__label' }, 'Verify Service'),
      h('select', { id: selectId, class: 'field__input', value: known ? serviceSid : '', onChange: (e: Event) => setServiceSid(valueOf(e)) }, [
        h('option', { value: '' }, services === undefined ? 'Loading the account’s services…' : 'Pick a service…'),
        ...(services ?? []).map((s) => h('option', { key: s.sid, value: s.sid }, `${s.friendlyName} (${s.sid})`)),
      ]),
      servicesError ? h('p', { class: 'field__hint' }, servicesError) : null,
    ]),
    h(Field, { label: 'Verify Service SID', value: serviceSid, onInput: setServiceSid, error: errors['verifyServiceSid'], placeholder: 'VA…', hint: 'Filled in by the list above; or type one.' }),
    h('div', { class: 'inline-create' }, [
      h(Field, { label: 'New service name', value: newService, onInput: setNewService, error: errors['friendlyName'], hint: 'Creates a Verify Service in the account.' }),
      h(Button, { kind: 'secondary', busy: creating, disabled: newService.trim() === '', onClick: () => void createService() }, 'Create service'),
    ]),
    h(Field, { label: 'Default sender', value: sender, onInput: setSender, error: errors['sender'], placeholder: '+14155550123 or MG…', hint: 'A phone number in E.164 or a Messaging Service SID.' }),
    h('fieldset', { class: 'templates-fieldset' }, [
      h('legend', null, 'SMS message templates'),
      ...USAGES.map(({ key, label, example }) => {
        const text = templates[key] ?? '';
        return h('div', { key, class: 'template-edit' }, [
          h(Field, {
            label,
            value: text,
            multiline: true,
            placeholder: example,
            onInput: (value: string) => setTemplates({ ...templates, [key]: value }),
            error: errors[`messageTemplates/${key}`],
            hint: templatesMode ? 'Must contain {{code}}. Required with message templates.' : 'Must contain {{code}}. Used with message templates; Twilio Verify sends its own message.',
          }),
          text.trim() === ''
            ? null
            : h('p', { class: 'preview', 'aria-live': 'polite' }, [h('span', { class: 'preview__label' }, 'Preview: '), text.split('{{code}}').join(SAMPLE_CODE)]),
        ]);
      }),
    ]),
    status ? h(Notice, { kind: status.kind }, status.text) : null,
    h('div', { class: 'actions-row' }, h(Button, { type: 'submit', busy }, 'Save configuration')),
  ]);
}
