import type { FromSchema } from 'json-schema-to-ts';
import type { TwilioGateway } from '../client';
import { defineOperation } from '../operation';
import { serviceSidSchema } from '../schemas';

export const deleteServiceInputSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['serviceSid'],
  properties: { serviceSid: serviceSidSchema },
} as const;

export type DeleteServiceInput = FromSchema<typeof deleteServiceInputSchema>;

export const deletedServiceSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['sid', 'deleted'],
  properties: { sid: { type: 'string' }, deleted: { type: 'boolean', const: true } },
} as const;

export type DeletedService = FromSchema<typeof deletedServiceSchema>;

export const deleteServiceOperation = defineOperation<DeleteServiceInput, DeletedService>({
  description: 'Delete a Verify Service and its verifications.',
  inputSchema: deleteServiceInputSchema,
  outputSchema: deletedServiceSchema,
  async handler(gw, input) {
    const deleted = await gw.client.verify.v2.services(input.serviceSid).remove();
    return { sid: input.serviceSid, deleted };
  },
});

/** Deletes a Verify Service. Throws TwilioActionError (20404 for an unknown SID). */
export function deleteService(gw: TwilioGateway, input: DeleteServiceInput): Promise<DeletedService> {
  return deleteServiceOperation.run(gw, input);
}
