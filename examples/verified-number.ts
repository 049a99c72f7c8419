/**
 * A developer's own dialog that needs a verified phone number before it goes on: a WaterfallDialog begins the
 * installed verify-phone-number dialog with the number it already has and branches on its typed result
 * (`{ outcome: 'approved' | 'max_attempts' | 'expired' | 'canceled' | 'failed', to, channel }`).
 *
 * Add it to your DialogSet next to the component, with the component's own verify-phone-number dialog:
 *
 *   dialogs.add(new PayoutNumberDialog(twilioVerify.taskDialog('verify-phone-number')));
 *   await dc.beginDialog(PAYOUT_NUMBER_DIALOG_ID, { phone: '+14155550123' });
 *
 * In your own project import from 'twilio-verify-action' instead of '../src'.
 */
import { ComponentDialog, WaterfallDialog, type Dialog, type WaterfallStepContext } from 'botbuilder-dialogs';
import { isVerifyPhoneNumberResult } from '../src';

export const PAYOUT_NUMBER_DIALOG_ID = 'payout-number';

/** What the dialog is begun with: the number payouts should go to. */
export interface PayoutNumberOptions {
  phone: string;
}

/** What it ends with: the number now on file, or null when it stayed as it was (with the verification's outcome). */
export interface PayoutNumberResult {
  payoutNumber: string | null;
  outcome: string;
}

/** Changes the payout number, but only to a number the user proved they hold. */
export class PayoutNumberDialog extends ComponentDialog<PayoutNumberOptions> {
  constructor(verifyPhoneNumber: Dialog) {
    super(PAYOUT_NUMBER_DIALOG_ID);
    // The first dialog added is where the component starts.
    this.addDialog(
      new WaterfallDialog<Partial<PayoutNumberOptions>>('payout-number.steps', [
        // Without a number, verify-phone-number asks the user for one.
        async (step) => step.beginDialog('verify-phone-number', { to: step.options.phone ?? null }),
        async (step) => step.endDialog(await this.afterVerification(step)),
      ]),
    );
    this.addDialog(verifyPhoneNumber);
  }

  private async afterVerification(step: WaterfallStepContext<Partial<PayoutNumberOptions>>): Promise<PayoutNumberResult> {
    const result: unknown = step.result;
    if (!isVerifyPhoneNumberResult(result)) {
      await step.context.sendActivity("I couldn't verify the number, so your payout number stays as it was.");
      return { payoutNumber: null, outcome: 'failed' };
    }
    switch (result.outcome) {
      case 'approved':
        // `to` is the number that was verified: the user may have said "change number" on the way.
        await step.context.sendActivity(`Payouts will go to ${result.to ?? 'your number'} from now on.`);
        return { payoutNumber: result.to, outcome: result.outcome };
      case 'max_attempts':
        await step.context.sendActivity('Too many attempts, so your payout number stays as it was. Try again later.');
        break;
      case 'expired':
        await step.context.sendActivity('The code expired, so your payout number stays as it was.');
        break;
      case 'canceled':
        await step.context.sendActivity('OK, your payout number stays as it was.');
        break;
      case 'failed':
        await step.context.sendActivity("I couldn't verify the number, so your payout number stays as it was.");
        break;
    }
    return { payoutNumber: null, outcome: result.outcome };
  }
}
