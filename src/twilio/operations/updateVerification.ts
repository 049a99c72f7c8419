import type { FromSchema } from 'json-schema-to-ts';
import type { TwilioGateway } from '../client';
import { defineOperation } from '../operation';
import { type Verification, serviceSidSchema, verificationOutput, verificationSchema, verificationSidSchema } from '../schemas';

export const updateVerificationInputSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['serviceSid', 'verificationSid', 'status'],
  properties: {
    serviceSid: serviceSidSchema,
    verificationSid: verificationSidSchema,
    status: { type: 'string', enum: ['canceled', 'approved'], description: 'canceled, or approved (to approve without a code)' },
  },
} as const;

export type UpdateVerificationInput = FromSchema<typeof updateVerificationInputSchema>;

export const updateVerificationOperation = defineOperation<UpdateVerificationInput, Verification>({
  description: 'Cancel a pending verification, or approve it without a code.',
  inputSchema: updateVerificationInputSchema,
  outputSchema: verificationSchema,
  async handler(gw, input) {
    const verification = await gw.client.verify.v2
      .services(input.serviceSid)
      .verifications(input.verificationSid)
      .update({ status: input.status });
    return verificationOutput(verification);
  },
});

/** Cancels or approves a verification. Throws TwilioActionError (20404 when it is gone). */
export function updateVerification(gw: TwilioGateway, input: UpdateVerificationInput): Promise<Verification> {
  return updateVerificationOperation.run(gw, input);
}
