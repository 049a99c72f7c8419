import type { FromSchema } from 'json-schema-to-ts';
import type { TwilioGateway } from '../client';
import { defineOperation } from '../operation';

export const fetchAccountInputSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {},
} as const;

export type FetchAccountInput = FromSchema<typeof fetchAccountInputSchema>;

export const accountSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['sid', 'friendlyName', 'status', 'type'],
  properties: {
    sid: { type: 'string', description: 'The Account SID (AC…)' },
    friendlyName: { type: 'string' },
    status: { type: 'string', description: 'active, suspended or closed' },
    type: { type: 'string', description: 'Trial or Full' },
  },
} as const;

/** The account the credentials belong to. Deliberately without `auth_token`, which Twilio includes in this reply. */
export type TwilioAccount = FromSchema<typeof accountSchema>;

export const fetchAccountOperation = defineOperation<FetchAccountInput, TwilioAccount>({
  description: 'Read the account the credentials belong to: the authorization check (GET /2010-04-01/Accounts/{AccountSid}.json).',
  inputSchema: fetchAccountInputSchema,
  outputSchema: accountSchema,
  async handler(gw) {
    const account = await gw.client.api.v2010.accounts(gw.accountSid).fetch();
    return { sid: account.sid, friendlyName: account.friendlyName, status: account.status, type: account.type };
  },
});

/** Fetches the account: proves the credentials work. Throws TwilioActionError (20003 for bad credentials). */
export function fetchAccount(gw: TwilioGateway, input: FetchAccountInput = {}): Promise<TwilioAccount> {
  return fetchAccountOperation.run(gw, input);
}
