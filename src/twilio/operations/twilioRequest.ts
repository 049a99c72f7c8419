import type { FromSchema } from 'json-schema-to-ts';
import { domainBaseUrl, type TwilioGateway } from '../client';
import { TwilioActionError } from '../errors';
import { defineOperation } from '../operation';

const scalar = { type: ['string', 'number', 'boolean'] } as const;

export const twilioRequestInputSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['method', 'domain', 'path'],
  properties: {
    method: { type: 'string', enum: ['GET', 'POST', 'DELETE'], description: 'GET, POST or DELETE' },
    domain: { type: 'string', enum: ['api', 'verify'], description: 'api (api.twilio.com) or verify (verify.twilio.com)' },
    path: {
      type: 'string',
      maxLength: 512,
      pattern: '^/(?!/)(?!.*\\.\\.)(?:[A-Za-z0-9._~\\-/]|\\{AccountSid\\})*$',
      description:
        'A path on that domain, starting with /, without .., query or host, e.g. /v2/Services or /2010-04-01/Accounts/{AccountSid}/Messages.json ({AccountSid} is filled in)',
    },
    params: {
      type: 'object',
      additionalProperties: { anyOf: [scalar, { type: 'array', items: scalar }] },
      description: 'Twilio parameters in Twilio spelling, e.g. { "To": "+14155550123" }: the form body of a POST, the query of a GET or DELETE',
    },
  },
} as const;

export type TwilioRequestInput = FromSchema<typeof twilioRequestInputSchema>;

export const twilioResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['status', 'body'],
  properties: {
    status: { type: 'integer', description: 'The HTTP status (2xx; other statuses are errors)' },
    body: { type: ['object', 'null'], description: 'The JSON reply; null for an empty reply (a DELETE)' },
  },
} as const;

export type TwilioResponse = FromSchema<typeof twilioResponseSchema>;

const METHODS = { GET: 'get', POST: 'post', DELETE: 'delete' } as const;

/** Twilio's form encoding: booleans as 'true' / 'false', numbers as text, lists as repeated keys. */
function formValue(value: string | number | boolean | readonly (string | number | boolean)[]): string | string[] {
  return Array.isArray(value) ? value.map(String) : String(value);
}

export const twilioRequestOperation = defineOperation<TwilioRequestInput, TwilioResponse>({
  description: "A raw request to the Twilio API with the action's credentials, for what the typed operations do not cover.",
  inputSchema: twilioRequestInputSchema,
  outputSchema: twilioResponseSchema,
  async handler(gw, input) {
    const base = domainBaseUrl(gw, input.domain);
    const uri = base + input.path.replace(/\{AccountSid\}/g, gw.accountSid);
    // The pattern already keeps paths relative; this guards the invariant the pattern is meant to give.
    if (!uri.startsWith(`${base}/`) || new URL(uri).origin !== new URL(base).origin) {
      throw new TwilioActionError({ code: 'invalid_input', status: 0, param: 'Path', twilioMessage: 'Invalid parameter: Path. Use a path relative to the domain, e.g. /v2/Services' });
    }
    const form: Record<string, string | string[]> = {};
    for (const [key, value] of Object.entries(input.params ?? {})) form[key] = formValue(value);
    const method = METHODS[input.method];
    const reply: unknown = await gw.client.request({ method, uri, ...(method === 'post' ? { data: form } : { params: form }) });
    const statusCode: unknown = typeof reply === 'object' && reply !== null ? Reflect.get(reply, 'statusCode') : undefined;
    const body: unknown = typeof reply === 'object' && reply !== null ? Reflect.get(reply, 'body') : undefined;
    return {
      status: statusCode,
      body: typeof body === 'object' && body !== null && !Array.isArray(body) ? body : null,
    };
  },
});

/**
 * Sends a raw request through the configured client (credentials, base URL, retries and error mapping apply).
 * Non-2xx replies throw TwilioActionError.
 */
export function twilioRequest(gw: TwilioGateway, input: TwilioRequestInput): Promise<TwilioResponse> {
  return twilioRequestOperation.run(gw, input);
}
