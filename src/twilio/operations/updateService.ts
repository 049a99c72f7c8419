import type { FromSchema } from 'json-schema-to-ts';
import type { TwilioGateway } from '../client';
import { defineOperation } from '../operation';
import { type VerifyService, serviceOutput, serviceSchema, serviceSidSchema, serviceSettingsProperties, serviceSettingsForSdk } from '../schemas';

export const updateServiceInputSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['serviceSid'],
  minProperties: 2,
  properties: { serviceSid: serviceSidSchema, ...serviceSettingsProperties },
} as const;

export type UpdateServiceInput = FromSchema<typeof updateServiceInputSchema>;

export const updateServiceOperation = defineOperation<UpdateServiceInput, VerifyService>({
  description: 'Change settings of a Verify Service; settings left out stay as they are.',
  inputSchema: updateServiceInputSchema,
  outputSchema: serviceSchema,
  async handler(gw, input) {
    const { serviceSid, ...settings } = input;
    return serviceOutput(await gw.client.verify.v2.services(serviceSid).update(serviceSettingsForSdk(settings)));
  },
});

/** Updates a Verify Service. Throws TwilioActionError. */
export function updateService(gw: TwilioGateway, input: UpdateServiceInput): Promise<VerifyService> {
  return updateServiceOperation.run(gw, input);
}
