import type { FromSchema } from 'json-schema-to-ts';
import type { TwilioGateway } from '../client';
import { defineOperation } from '../operation';
import { type VerifyService, serviceOutput, serviceSchema, serviceSidSchema } from '../schemas';

export const fetchServiceInputSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['serviceSid'],
  properties: { serviceSid: serviceSidSchema },
} as const;

export type FetchServiceInput = FromSchema<typeof fetchServiceInputSchema>;

export const fetchServiceOperation = defineOperation<FetchServiceInput, VerifyService>({
  description: 'Read the settings of a Verify Service.',
  inputSchema: fetchServiceInputSchema,
  outputSchema: serviceSchema,
  async handler(gw, input) {
    return serviceOutput(await gw.client.verify.v2.services(input.serviceSid).fetch());
  },
});

/** Fetches a Verify Service. Throws TwilioActionError (20404 for an unknown SID). */
export function fetchService(gw: TwilioGateway, input: FetchServiceInput): Promise<VerifyService> {
  return fetchServiceOperation.run(gw, input);
}
