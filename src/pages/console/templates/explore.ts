/**
 * Explore templates: every template with its description, a required marker, and per installed dialog its version
 * and whether it was edited. Select several (checkboxes) and "Install"; "Upgrade" on an edited dialog shows which
 * nodes differ and needs an explicit "Replace my edits".
 */
import { h, type ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { REQUIRED_TEMPLATES } from '../../../definition/templates';
import { api, ApiError, messageOf } from '../api';
import { hrefOf } from '../shell/route';
import type { InstallResult, TemplateListing, TemplateProblem } from '../types';
import { Button, Notice } from '../ui/ui';

/** A listing; `required` when the server says so, else the templates a zero-config start installs. */
type Listing = TemplateListing & { required?: boolean };

const isRequired = (t: Listing): boolean => t.required ?? (REQUIRED_TEMPLATES as readonly string[]).includes(t.id);

const STATE_TEXT: Record<TemplateListing['state'], string> = {
  'not-installed': 'Not installed',
  installed: 'Installed',
  outdated: 'Update available',
  edited: 'Edited',
  'not-loaded': 'Not loaded',
};

export function ExploreTemplates(): ComponentChildren {
  const [templates, setTemplates] = useState<Listing[] | undefined>(undefined);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [notice, setNotice] = useState<{ kind: 'success' | 'error'; text: string } | undefined>(undefined);
  const [conflict, setConflict] = useState<{ id: string; problems: TemplateProblem[] } | undefined>(undefined);
  const [busy, setBusy] = useState<string | undefined>(undefined);

  const load = async () => {
    try {
      setTemplates((await api.get<{ templates: Listing[] }>('/api/admin/templates')).templates);
    } catch (err) {
      setNotice({ kind: 'error', text: messageOf(err) });
    }
  };
  useEffect(() => {
    void load();
    document.title = 'Templates · Admin console';
  }, []);

  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };

  const install = async () => {
    setBusy('install');
    setNotice(undefined);
    const done: string[] = [];
    const failed: string[] = [];
    for (const id of selected) {
      try {
        done.push((await api.post<InstallResult>(`/api/admin/templates/${encodeURIComponent(id)}/install`)).message);
      } catch (err) {
        failed.push(`${id}: ${messageOf(err)}`);
      }
    }
    setSelected(new Set());
    setNotice(failed.length ? { kind: 'error', text: [...done, ...failed].join(' ') } : { kind: 'success', text: done.join(' ') });
    await load();
    setBusy(undefined);
  };

  const upgrade = async (id: string, force: boolean) => {
    setBusy(`upgrade-${id}`);
    setNotice(undefined);
    try {
      const result = await api.post<InstallResult>(`/api/admin/templates/${encodeURIComponent(id)}/upgrade`, force ? { force: true } : {});
      setConflict(undefined);
      setNotice({ kind: 'success', text: result.message });
      await load();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'conflict') setConflict({ id, problems: err.details });
      else setNotice({ kind: 'error', text: messageOf(err) });
    } finally {
      setBusy(undefined);
    }
  };

  return h('div', { class: 'stack' }, [
    h('h1', null, 'Explore templates'),
    h('p', { class: 'muted' }, 'Dialog templates that use Twilio Verify. Select the ones you want, then Install; Go to dialog shows an installed task.'),
    notice ? h(Notice, { kind: notice.kind }, notice.text) : null,
    templates === undefined
      ? h('p', { role: 'status' }, 'Loading templates…')
      : h('ul', { class: 'template-list', 'aria-label': 'Templates' }, templates.map((t) => {
          const checkboxId = `pick-${t.id}`;
          const installed = t.state !== 'not-installed';
          return h('li', { key: t.id, class: 'card template' }, [
            h('div', { class: 'template__head' }, [
              h('input', { type: 'checkbox', id: checkboxId, checked: selected.has(t.id), onChange: () => toggle(t.id), 'aria-describedby': `${checkboxId}-desc` }),
              h('label', { for: checkboxId, class: 'template__name' }, t.name),
              isRequired(t) ? h('span', { class: 'badge badge--required' }, 'Required') : null,
              h('span', { class: `badge badge--${t.state}` }, STATE_TEXT[t.state]),
            ]),
            h('p', { id: `${checkboxId}-desc`, class: 'template__desc' }, t.description),
            h('p', { class: 'muted' }, [
              `Template ${t.version}`,
              installed ? ` · installed ${t.installedVersion ?? '?'}` : '',
              t.edited ? ' · edited' : '',
              t.outdated ? ' · outdated' : '',
            ].join('')),
            h('div', { class: 'actions-row' }, [
              installed ? h('a', { class: 'button button--link', href: hrefOf({ page: 'dialog', id: t.id }), 'aria-label': `Go to dialog ${t.name}` }, 'Go to dialog') : null,
              t.outdated || t.edited ? h(Button, { kind: 'secondary', busy: busy === `upgrade-${t.id}`, onClick: () => void upgrade(t.id, false) }, `Upgrade ${t.name}`) : null,
            ]),
            conflict?.id === t.id
              ? h('div', { class: 'conflict', role: 'alert' }, [
                  h('p', null, `Your ${t.name} dialog was edited; upgrading replaces these differences:`),
                  h('ul', null, conflict.problems.map((p, i) => h('li', { key: i }, [h('code', null, p.path), ` ${p.message}`]))),
                  h('div', { class: 'actions-row' }, [
                    h(Button, { kind: 'danger', onClick: () => void upgrade(t.id, true) }, 'Replace my edits'),
                    h(Button, { kind: 'secondary', onClick: () => setConflict(undefined) }, 'Keep my edits'),
                  ]),
                ])
              : null,
          ]);
        })),
    h('div', { class: 'actions-row sticky-actions' }, [
      h(Button, { busy: busy === 'install', disabled: selected.size === 0, onClick: () => void install() }, 'Install'),
      h('span', { class: 'muted', 'aria-live': 'polite' }, `${selected.size} selected`),
    ]),
  ]);
}
