/**
 * How a dialog's verification operations run in the configured mode: `verify` (the default) sends them to Twilio
 * Verify; `messageTemplates` runs them on the {@link LocalVerifier}, which texts its codes through the real
 * `sendSms` operation from the configured sender, with the template of the dialog's usage type.
 */
import { isRecord } from '../json';
import { invalidInputError, isVerifyServiceSid, lazyValidator, operations, runOperation, TwilioActionError, type TwilioGateway } from '../twilio';
import { smsLister } from './messages';
import { DEFAULT_CODE_LENGTH, LocalVerifier, USAGE_TYPES, type TemplateSettings, type UsageType } from './verifier';

export {
  CODE_VALIDITY_MS,
  DEFAULT_CODE_LENGTH,
  LocalVerifier,
  MAX_CHECKS,
  MAX_SENDS,
  newCode,
  OTP_KEY_LABEL,
  OTP_NAMESPACE,
  SEND_WINDOW_MS,
  TEMPLATES_SERVICE,
  USAGE_TYPES,
} from './verifier';
export type { LocalVerifierOptions, SmsSend, TemplateSettings, UsageType } from './verifier';
export { smsLister } from './messages';
export type { ListedSms } from './messages';

/** The operations the message-templates mode runs itself. */
export const LOCAL_OTP_OPERATIONS = ['startVerification', 'checkVerification', 'fetchVerification', 'updateVerification'] as const;

export function isLocalOtpOperation(operation: string): boolean {
  return (LOCAL_OTP_OPERATIONS as readonly string[]).includes(operation);
}

/** True when the configuration asks for codes from the message templates. */
export function usesMessageTemplates(config: Readonly<Record<string, unknown>>): boolean {
  return config['otpMode'] === 'messageTemplates';
}

/**
 * Whether the message-templates mode runs this call itself. A call that names a real Verify Service (VA…) still goes
 * to Twilio Verify in that mode: "Verify a payment" needs Verify's PSD2 dynamic linking, which a code of our own
 * cannot give, and the reconciler of sends draws the same line (src/twilio/reconcile.ts).
 */
export function runsLocally(operation: string, input: Readonly<Record<string, unknown>>, config: Readonly<Record<string, unknown>>): boolean {
  if (!isLocalOtpOperation(operation) || !usesMessageTemplates(config)) return false;
  return !isVerifyServiceSid(input['serviceSid']);
}

/** The sender, templates and code length of the configuration, or undefined when any is missing. */
export function templateSettings(config: Readonly<Record<string, unknown>>): TemplateSettings | undefined {
  const sender = config['sender'];
  const templates = config['messageTemplates'];
  if (typeof sender !== 'string' || !isRecord(templates)) return undefined;
  const picked: Partial<Record<UsageType, string>> = {};
  for (const usage of USAGE_TYPES) {
    const template = templates[usage];
    if (typeof template !== 'string' || !template.includes('{{code}}')) return undefined;
    picked[usage] = template;
  }
  const length = config['codeLength'];
  return {
    sender,
    templates: picked as Record<UsageType, string>,
    codeLength: typeof length === 'number' && Number.isInteger(length) && length >= 4 && length <= 10 ? length : DEFAULT_CODE_LENGTH,
  };
}

interface InputSchema {
  required?: readonly string[];
  properties: Readonly<Record<string, object>>;
}

/**
 * Each operation's own input schema, with `serviceSid` optional and free (there is no Verify Service), so inputs
 * are refused in the same words as in the Verify mode.
 */
const localInputValidators = Object.fromEntries(
  LOCAL_OTP_OPERATIONS.map((name) => {
    const schema = operations[name].inputSchema as InputSchema;
    const local = {
      ...schema,
      required: (schema.required ?? []).filter((field) => field !== 'serviceSid'),
      properties: { ...schema.properties, serviceSid: { type: 'string', maxLength: 64 } },
    };
    return [name, lazyValidator<Record<string, unknown>>(local)];
  }),
);

/** The input as the operation's schema reads it (defaults applied); throws TwilioActionError `invalid_input`. */
function checkedInput(operation: string, input: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const validator = localInputValidators[operation];
  const candidate = { ...input };
  if (validator === undefined) return candidate;
  const validate = validator();
  if (!validate(candidate)) throw invalidInputError(validate.errors);
  return candidate;
}

function sendInput(sender: string, to: string, body: string): Record<string, string> {
  return sender.startsWith('MG') ? { to, body, messagingServiceSid: sender } : { to, body, from: sender };
}

/** Runs the verification operations of the message-templates mode. */
export class MessageTemplatesOtp {
  constructor(readonly verifier: LocalVerifier) {}

  /**
   * Runs `operation` on the local verifier. `onSent` hears of each SMS Twilio accepted (the message ledger follows
   * its delivery); its failures do not fail the operation. Throws TwilioActionError.
   */
  async run(
    gw: TwilioGateway,
    operation: string,
    input: Readonly<Record<string, unknown>>,
    config: Readonly<Record<string, unknown>>,
    onSent?: (sms: unknown) => Promise<void>,
  ): Promise<unknown> {
    if (!runsLocally(operation, input, config)) return runOperation(gw, operation, input);
    input = checkedInput(operation, input);
    switch (operation) {
      case 'startVerification': {
        const settings = templateSettings(config);
        if (settings === undefined) {
          throw new TwilioActionError({
            code: 'invalid_input',
            status: 0,
            param: 'messageTemplates',
            twilioMessage: 'Codes are sent from message templates, but the sender or a template is missing',
            userMessage: "This integration isn't set up to send codes yet. Ask your bot's admin to set the sender and the message templates.",
          });
        }
        return this.verifier.start(gw, input, settings, async (to, body) => {
          const sms = await runOperation(gw, 'sendSms', sendInput(settings.sender, to, body));
          await onSent?.(sms).catch(() => undefined);
          if (!isRecord(sms) || typeof sms['sid'] !== 'string') {
            throw new TwilioActionError({ code: 'malformed_response', status: 0, twilioMessage: 'The sent message has no SID' });
          }
          return { sid: sms['sid'] };
        });
      }
      case 'checkVerification':
        return this.verifier.check(gw, input);
      case 'fetchVerification':
        return this.verifier.fetch(gw, input);
      case 'updateVerification':
        return this.verifier.cancel(gw, input);
      default:
        return runOperation(gw, operation, input);
    }
  }

  /** Whether a message-templates start was performed since `since` (see {@link LocalVerifier.reconcileStart}). */
  reconcileStart(gw: TwilioGateway, input: Readonly<Record<string, unknown>>, since: Date, config: Readonly<Record<string, unknown>>) {
    return this.verifier.reconcileStart(gw, input, since, templateSettings(config), smsLister(gw));
  }
}
