/** How an action state reads to an admin. */
import { h, type ComponentChildren } from 'preact';
import type { ActionView, CredentialCheckResult } from '../types';

export const STATE_LABEL: Record<ActionView['state'], string> = {
  available: 'Available',
  configured: 'Enabled',
  disabled: 'Disabled',
  error: 'Error',
};

export function StateBadge(props: { view: ActionView }): ComponentChildren {
  const { view } = props;
  return h('span', { class: `badge badge--${view.state}` }, `State: ${view.state}`);
}

/** Twilio's code and what to do, for the error state. */
export function ErrorLine(props: { view: ActionView }): ComponentChildren {
  const error = props.view.error;
  if (!error) return null;
  return h('p', { class: 'error-line', role: 'alert' }, [
    h('strong', null, `Twilio error ${error.code}: `),
    error.message,
    ' Open Configure, fix the authorization, run Test, then Enable.',
  ]);
}

/** "Test passed" or Twilio's code and message. */
export function TestResult(props: { result: CredentialCheckResult | undefined; id: string }): ComponentChildren {
  const { result } = props;
  return h('div', { id: props.id, class: 'test-result', role: 'status', 'aria-live': 'polite' },
    result === undefined
      ? null
      : result.ok
        ? h('p', { class: 'test-result__ok' }, 'Test passed: Twilio accepted these credentials.')
        : h('p', { class: 'test-result__fail' }, [h('strong', null, `Twilio error ${result.code}`), `: ${result.message}`]),
  );
}
