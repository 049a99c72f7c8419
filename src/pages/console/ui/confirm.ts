/** A destructive step's modal: the admin types a given word before the button does anything. */
import { h, type ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { messageOf } from '../api';
import { Button, Field, Modal } from './ui';

export function TypedConfirm(props: {
  title: string;
  text: string;
  word: string;
  button: string;
  onConfirm: () => Promise<void>;
  onClose: () => void;
}): ComponentChildren {
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (typed.trim() !== props.word) {
      setError(`Type ${props.word} exactly to confirm.`);
      return;
    }
    setBusy(true);
    try {
      await props.onConfirm();
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  };
  return h(Modal, { title: props.title, onClose: props.onClose }, h('form', { onSubmit: submit, noValidate: true, class: 'stack' }, [
    h('p', null, props.text),
    h(Field, { label: `Type ${props.word} to confirm`, value: typed, onInput: setTyped, error }),
    h('div', { class: 'actions-row' }, [
      h(Button, { type: 'submit', kind: 'danger', busy }, props.button),
      h(Button, { kind: 'secondary', onClick: props.onClose }, 'Cancel'),
    ]),
  ]));
}
