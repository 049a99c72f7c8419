/** The account's latest Messages to a number, as the message-templates reconciliation reads them. */
import type { TwilioGateway } from '../twilio';

export interface ListedSms {
  sid: string;
  body: string;
  from: string | null;
  messagingServiceSid: string | null;
  dateCreated: Date | null;
}

const LOOK_AT = 20;

/** Lists (newest first) up to 20 Messages to `to`. Throws the SDK's errors (the caller maps them). */
export function smsLister(gw: TwilioGateway): (to: string) => Promise<ListedSms[]> {
  return async (to) => {
    const messages = await gw.client.api.v2010.accounts(gw.accountSid).messages.list({ to, limit: LOOK_AT });
    return messages.map((m) => ({
      sid: m.sid,
      body: m.body ?? '',
      from: m.from ?? null,
      messagingServiceSid: m.messagingServiceSid ?? null,
      dateCreated: m.dateCreated instanceof Date ? m.dateCreated : null,
    }));
  };
}
