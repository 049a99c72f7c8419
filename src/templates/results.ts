/**
 * The typed results of the shipped templates that declare one (`dialog.result` in the template), for developers who
 * begin them from their own dialogs: `step.beginDialog('verify-phone-number', { to })` resolves to a
 * {@link VerifyPhoneNumberResult}. A test keeps these lists equal to the templates' declarations.
 */
import type { DialogTaskResult } from '../dialogs';
import { isRecord } from '../json';

/** How verify-phone-number ended (docs/DIALOGS.md, "Dialogs that run dialogs", has what each one means). */
export const VERIFY_PHONE_NUMBER_OUTCOMES = ['approved', 'max_attempts', 'expired', 'canceled', 'failed'] as const;
export type VerifyPhoneNumberOutcome = (typeof VERIFY_PHONE_NUMBER_OUTCOMES)[number];

/** What verify-phone-number ends with. */
export interface VerifyPhoneNumberResult extends DialogTaskResult {
  outcome: VerifyPhoneNumberOutcome;
  /** The number the code went to (null when none was given or typed); the one verified when `approved`. */
  to: string | null;
  /** How the code was sent. */
  channel: 'sms';
}

/** True for a verify-phone-number result: the check a parent makes on `step.result` before reading it. */
export function isVerifyPhoneNumberResult(value: unknown): value is VerifyPhoneNumberResult {
  if (!isRecord(value)) return false;
  const { outcome, to, channel } = value;
  return (
    VERIFY_PHONE_NUMBER_OUTCOMES.some((o) => o === outcome) && (to === null || typeof to === 'string') && channel === 'sms'
  );
}
