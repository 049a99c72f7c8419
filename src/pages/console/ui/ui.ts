/** Small building blocks: a labelled field with its error beside it, buttons, notices, a modal dialog. */
import { h, type ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/** The value of the input, select or textarea an event came from. */
export function valueOf(event: Event): string {
  const target = event.target;
  if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return target.value;
  return '';
}

let nextId = 0;
/** A stable id for a label/input pair. */
export function useId(prefix: string): string {
  const ref = useRef('');
  if (ref.current === '') ref.current = `${prefix}-${++nextId}`;
  return ref.current;
}

export interface FieldProps {
  label: string;
  value: string;
  onInput: (value: string) => void;
  type?: 'text' | 'password' | 'url' | 'tel' | 'search';
  error?: string | undefined;
  hint?: string | undefined;
  required?: boolean;
  autoComplete?: string;
  placeholder?: string;
  multiline?: boolean;
  spellcheck?: boolean;
}

/** A visible label, the input, a hint and the error right under it (linked with aria-describedby). */
export function Field(props: FieldProps): ComponentChildren {
  const id = useId('field');
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const described = [props.hint ? hintId : '', props.error ? errorId : ''].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    value: props.value,
    onInput: (e: Event) => props.onInput(valueOf(e)),
    'aria-invalid': props.error ? 'true' : undefined,
    'aria-describedby': described,
    required: props.required,
    placeholder: props.placeholder,
    spellcheck: props.spellcheck ?? false,
    class: 'field__input',
  };
  return h('div', { class: `field${props.error ? ' field--error' : ''}` }, [
    h('label', { for: id, class: 'field__label' }, props.label),
    props.multiline
      ? h('textarea', { ...common, rows: 3 })
      : h('input', { ...common, type: props.type ?? 'text', autoComplete: props.autoComplete ?? 'off' }),
    props.hint ? h('p', { id: hintId, class: 'field__hint' }, props.hint) : null,
    props.error ? h('p', { id: errorId, class: 'field__error' }, props.error) : null,
  ]);
}

export interface ButtonProps {
  onClick?: () => void;
  kind?: 'primary' | 'secondary' | 'danger' | 'link';
  type?: 'button' | 'submit';
  disabled?: boolean;
  busy?: boolean;
  children?: ComponentChildren;
  describedBy?: string;
}

export function Button(props: ButtonProps): ComponentChildren {
  return h(
    'button',
    {
      type: props.type ?? 'button',
      class: `button button--${props.kind ?? 'primary'}`,
      onClick: props.onClick,
      disabled: props.disabled || props.busy,
      'aria-busy': props.busy ? 'true' : undefined,
      'aria-describedby': props.describedBy,
    },
    props.children,
  );
}

/** A status line: `role=status` for news, `role=alert` for failures. */
export function Notice(props: { kind: 'info' | 'success' | 'error'; children?: ComponentChildren }): ComponentChildren {
  return h('div', { class: `notice notice--${props.kind}`, role: props.kind === 'error' ? 'alert' : 'status' }, props.children);
}

/** A modal dialog (the native <dialog>: focus stays inside, Escape closes it). */
export function Modal(props: { title: string; onClose: () => void; children?: ComponentChildren }): ComponentChildren {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId('modal');
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    const close = (e: Event) => {
      e.preventDefault();
      props.onClose();
    };
    dialog?.addEventListener('cancel', close);
    return () => dialog?.removeEventListener('cancel', close);
  }, []);
  return h('dialog', { ref, class: 'modal', 'aria-labelledby': titleId }, [
    h('h2', { id: titleId, class: 'modal__title' }, props.title),
    props.children,
  ]);
}

/** "18 Mar 2026, 10:04" in the admin's locale. */
export function when(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
