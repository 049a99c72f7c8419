import type { FromSchema } from 'json-schema-to-ts';
import type { TwilioGateway } from '../client';
import { defineOperation } from '../operation';
import { type Verification, serviceSidSchema, verificationOutput, verificationSchema, verificationSidSchema } from '../schemas';

export const fetchVerificationInputSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['serviceSid', 'verificationSid'],
  properties: { serviceSid: serviceSidSchema, verificationSid: verificationSidSchema },
} as const;

export type FetchVerificationInput = FromSchema<typeof fetchVerificationInputSchema>;

export const fetchVerificationOperation = defineOperation<FetchVerificationInput, Verification>({
  description: 'Read the status of a verification. Approved and expired verifications answer 20404; canceled ones stay readable.',
  inputSchema: fetchVerificationInputSchema,
  outputSchema: verificationSchema,
  async handler(gw, input) {
    const verification = await gw.client.verify.v2.services(input.serviceSid).verifications(input.verificationSid).fetch();
    return verificationOutput(verification);
  },
});

/** Fetches a verification. Throws TwilioActionError (20404 when it is gone). */
export function fetchVerification(gw: TwilioGateway, input: FetchVerificationInput): Promise<Verification> {
  return fetchVerificationOperation.run(gw, input);
}
