/**
 * The account's Verify Services, for the admin API, the CLI and the console's Configuration tab: listed, created,
 * read, changed and deleted through Twilio with the action's own pre-authorized credentials, whatever the action's
 * state (an admin picks a service before enabling). Inputs are validated by the Twilio operations' own schemas.
 */
import { createTwilioClient, listServices, operations, TwilioActionError, type TwilioGateway, type VerifyService } from '../twilio';
import { isRecord } from '../json';
import type { ActionDocument, Actor } from './action-document';
import { ActionError } from './errors';

/** Lists, creates, shows, updates and deletes Verify Services with the action's credentials. */
export class VerifyServices {
  constructor(private readonly doc: ActionDocument) {}

  /** The account's Verify Services (at most 1000). */
  async list(): Promise<VerifyService[]> {
    const gateway = await this.gateway();
    return (await asActionError(() => listServices(gateway, { limit: 1000 }))).services;
  }

  /**
   * Creates a Verify Service from `settings` (`{ friendlyName, codeLength?, psd2Enabled?, … }`, the createService
   * operation's input; Twilio shows the friendly name in its messages).
   */
  async create(settings: unknown, actor: Actor): Promise<VerifyService> {
    return this.audited(actor, 'service.create', undefined, (gw) => operations.createService.run(gw, settings));
  }

  /** One Verify Service with its settings. */
  async show(serviceSid: string): Promise<VerifyService> {
    const gateway = await this.gateway();
    return asActionError(() => operations.fetchService.run(gateway, { serviceSid }));
  }

  /** Changes the given settings of a Verify Service (the updateService operation's input without `serviceSid`). */
  async update(serviceSid: string, settings: unknown, actor: Actor): Promise<VerifyService> {
    if (!isRecord(settings)) {
      throw new ActionError('invalid_request', 'Send the settings to change as a JSON object, e.g. {"codeLength": 8}.', {
        details: [{ path: '', message: 'must be object' }],
      });
    }
    return this.audited(actor, 'service.update', serviceSid, (gw) => operations.updateService.run(gw, { ...settings, serviceSid }));
  }

  /** Deletes a Verify Service and, at Twilio, its verifications. */
  async delete(serviceSid: string, actor: Actor): Promise<{ sid: string; deleted: true }> {
    await this.audited(actor, 'service.delete', serviceSid, (gw) => operations.deleteService.run(gw, { serviceSid }));
    return { sid: serviceSid, deleted: true };
  }

  /** Runs one change through Twilio and audits it (the service SID and Twilio's code, never settings' values). */
  private async audited<T>(actor: Actor, action: string, serviceSid: string | undefined, run: (gw: TwilioGateway) => Promise<T>): Promise<T> {
    const gateway = await this.gateway();
    try {
      const result = await asActionError(() => run(gateway));
      const sid = isRecord(result) && typeof result.sid === 'string' ? result.sid : serviceSid;
      await this.doc.audit(actor, action, 'ok', sid === undefined ? {} : { serviceSid: sid });
      return result;
    } catch (err) {
      if (err instanceof ActionError) {
        await this.doc.audit(actor, action, 'failed', {
          ...(serviceSid === undefined ? {} : { serviceSid }),
          ...(err.twilio ? { twilioCode: err.twilio.code } : { error: err.code }),
        });
      }
      throw err;
    }
  }

  private async gateway(): Promise<TwilioGateway> {
    return asActionError(() => preAuthorizedGateway(this.doc, 'Verify Services are listed'));
  }
}

/**
 * A gateway with the action's pre-authorized credentials, for admin work on the account (`purpose` completes
 * "… with its credentials" in the refusal when there are none).
 */
export async function preAuthorizedGateway(doc: ActionDocument, purpose: string): Promise<TwilioGateway> {
  const auth = (await doc.read()).record?.authorization;
  if (!auth) throw new ActionError('not_authorized', `Save the action's Authorization first: ${purpose} with its credentials.`);
  if (auth.type !== 'pre-authorized') {
    throw new ActionError(
      'wrong_authorization_type',
      'The action is user-authorized: each user brings their own account, so there is no account of the action to call. Type a Verify Service SID instead.',
    );
  }
  return createTwilioClient(doc.preAuthorizedCredentials(auth), auth.baseUrl ? { baseUrl: auth.baseUrl } : {});
}

/**
 * Twilio's refusal (20003 and the rest) as the action's error, with Twilio's code and message; an input the
 * operation's schema refused is the caller's mistake (invalid_request), an unknown SID is not_found.
 */
async function asActionError<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (!(err instanceof TwilioActionError)) throw err;
    if (err.code === 'invalid_input') {
      throw new ActionError('invalid_request', err.userMessage, { details: [{ path: `/${err.param ?? ''}`, message: err.twilioMessage }] });
    }
    if (err.code === 20404) throw new ActionError('not_found', 'There is no Verify Service with that SID on this account. List them with GET /api/admin/services.');
    throw new ActionError('twilio_error', `Twilio answered ${err.code}: ${err.userMessage}`, {
      twilio: { code: err.code, message: err.twilioMessage },
    });
  }
}
