/**
 * The escape hatch of workflow tools' Twilio connectors ("Make an API call"): any path of the api and verify
 * domains with the action's pre-authorized credentials, through the gateway's auth, retries and errors (the
 * `twilioRequest` operation). Audited with the method and path only, never the parameters.
 */
import { operations, TwilioActionError, type TwilioResponse } from '../twilio';
import type { ActionDocument, Actor } from './action-document';
import { ActionError } from './errors';
import { preAuthorizedGateway } from './verify-services';

export class RawRequests {
  constructor(private readonly doc: ActionDocument) {}

  /** Sends `{ method, domain, path, params? }` (the twilioRequest operation's input); Twilio's refusals as errors. */
  async send(input: unknown, actor: Actor): Promise<TwilioResponse> {
    const gateway = await preAuthorizedGateway(this.doc, 'API calls are made');
    const what = typeof input === 'object' && input !== null ? input : {};
    const details = { method: Reflect.get(what, 'method'), domain: Reflect.get(what, 'domain'), path: Reflect.get(what, 'path') };
    try {
      const reply = await operations.twilioRequest.run(gateway, input);
      await this.doc.audit(actor, 'twilio.request', 'ok', details);
      return reply;
    } catch (err) {
      if (!(err instanceof TwilioActionError)) throw err;
      await this.doc.audit(actor, 'twilio.request', 'failed', { ...details, twilioCode: err.code });
      if (err.code === 'invalid_input') {
        throw new ActionError('invalid_request', err.userMessage, { details: [{ path: `/${err.param ?? ''}`, message: err.twilioMessage }] });
      }
      throw new ActionError('twilio_error', `Twilio answered ${err.code}: ${err.twilioMessage}`, { twilio: { code: err.code, message: err.twilioMessage } });
    }
  }
}
