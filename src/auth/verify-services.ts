/**
 * The account's Verify Services, for the console's Configuration tab: listed and created through Twilio with the
 * action's own pre-authorized credentials, whatever the action's state (an admin picks a service before enabling).
 */
import { createService, createTwilioClient, listServices, TwilioActionError, type TwilioGateway, type VerifyService } from '../twilio';
import type { ActionDocument, Actor } from './action-document';
import { ActionError } from './errors';

/** Lists and creates Verify Services with the action's credentials. */
export class VerifyServices {
  constructor(private readonly doc: ActionDocument) {}

  /** The account's Verify Services (at most 1000). */
  async list(): Promise<VerifyService[]> {
    const gateway = await this.gateway();
    return (await asActionError(() => listServices(gateway, { limit: 1000 }))).services;
  }

  /** Creates a Verify Service named `friendlyName` (Twilio shows the name in its messages). */
  async create(friendlyName: string, actor: Actor): Promise<VerifyService> {
    const gateway = await this.gateway();
    try {
      const service = await asActionError(() => createService(gateway, { friendlyName }));
      await this.doc.audit(actor, 'service.create', 'ok', { serviceSid: service.sid });
      return service;
    } catch (err) {
      if (err instanceof ActionError) await this.doc.audit(actor, 'service.create', 'failed', { twilioCode: err.twilio?.code ?? err.code });
      throw err;
    }
  }

  private async gateway(): Promise<TwilioGateway> {
    const auth = (await this.doc.read()).record?.authorization;
    if (!auth) {
      throw new ActionError('not_authorized', 'Save the action\'s Authorization first: Verify Services are listed with its credentials.');
    }
    if (auth.type !== 'pre-authorized') {
      throw new ActionError(
        'wrong_authorization_type',
        'The action is user-authorized: each user brings their own account, so there are no services to list. Type a Verify Service SID instead.',
      );
    }
    return asActionError(async () => createTwilioClient(this.doc.preAuthorizedCredentials(auth), auth.baseUrl ? { baseUrl: auth.baseUrl } : {}));
  }
}

/** Twilio's refusal (20003 and the rest) as the action's error, with Twilio's code and message. */
async function asActionError<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (!(err instanceof TwilioActionError)) throw err;
    throw new ActionError('twilio_error', `Twilio answered ${err.code}: ${err.userMessage}`, {
      twilio: { code: err.code, message: err.twilioMessage },
    });
  }
}
