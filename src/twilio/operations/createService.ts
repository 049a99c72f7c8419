import type { FromSchema } from 'json-schema-to-ts';
import type { TwilioGateway } from '../client';
import { defineOperation } from '../operation';
import { type VerifyService, serviceOutput, serviceSchema, serviceSettingsProperties, serviceSettingsForSdk } from '../schemas';

export const createServiceInputSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['friendlyName'],
  properties: serviceSettingsProperties,
} as const;

export type CreateServiceInput = FromSchema<typeof createServiceInputSchema>;

export const createServiceOperation = defineOperation<CreateServiceInput, VerifyService>({
  description: 'Create a Verify Service (the sender name, code length and checks used for verifications).',
  inputSchema: createServiceInputSchema,
  outputSchema: serviceSchema,
  async handler(gw, input) {
    return serviceOutput(await gw.client.verify.v2.services.create({ ...serviceSettingsForSdk(input), friendlyName: input.friendlyName }));
  },
});

/** Creates a Verify Service. Throws TwilioActionError. */
export function createService(gw: TwilioGateway, input: CreateServiceInput): Promise<VerifyService> {
  return createServiceOperation.run(gw, input);
}
