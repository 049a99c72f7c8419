import type { FromSchema } from 'json-schema-to-ts';
import type { TwilioGateway } from '../client';
import { defineOperation } from '../operation';
import { serviceOutput, serviceSchema } from '../schemas';

export const listServicesInputSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50, description: 'The most services to return: 1 to 1000 (default 50)' },
  },
} as const;

export type ListServicesInput = FromSchema<typeof listServicesInputSchema, { keepDefaultedPropertiesOptional: true }>;
type ParsedInput = FromSchema<typeof listServicesInputSchema>;

export const serviceListSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['services'],
  properties: { services: { type: 'array', items: serviceSchema } },
} as const;

export type VerifyServiceList = FromSchema<typeof serviceListSchema>;

export const listServicesOperation = defineOperation<ParsedInput, VerifyServiceList>({
  description: 'List the Verify Services of the account.',
  inputSchema: listServicesInputSchema,
  outputSchema: serviceListSchema,
  async handler(gw, input) {
    const services = await gw.client.verify.v2.services.list({ limit: input.limit });
    return { services: services.map(serviceOutput) };
  },
});

/** Lists Verify Services (follows pages up to `limit`). Throws TwilioActionError. */
export function listServices(gw: TwilioGateway, input: ListServicesInput = {}): Promise<VerifyServiceList> {
  return listServicesOperation.run(gw, input);
}
