/**
 * Verify's Verification Attempts (`GET /v2/Attempts`): one attempt per code sent, kept after the verification
 * ends, filterable by service, verification, destination (`ChannelData.To`), channel, conversion status and
 * creation time. The action reads it to learn whether a code went out when Twilio's reply to a start was lost.
 */
import { invalidParameter } from './errors';
import { isoDate } from './format';
import { paging, type Handler } from './request';

const CHANNELS: Readonly<Record<string, string>> = { SMS: 'sms', CALL: 'call', EMAIL: 'email', whatsapp: 'whatsapp' };

function dateFilter(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null) return undefined;
  const time = Date.parse(raw);
  if (Number.isNaN(time)) throw invalidParameter(name);
  return time;
}

/** GET /v2/Attempts: newest first. */
export const listVerificationAttempts: Handler = (state, req) => {
  const { page, pageSize } = paging(req.query);
  const after = dateFilter(req.query, 'DateCreatedAfter');
  const before = dateFilter(req.query, 'DateCreatedBefore');
  const serviceSid = req.query.get('VerifyServiceSid');
  const verificationSid = req.query.get('VerificationSid');
  const to = req.query.get('ChannelData.To');
  const channel = req.query.get('Channel')?.toLowerCase();
  const status = req.query.get('Status')?.toLowerCase();
  if (status !== undefined && status !== 'converted' && status !== 'unconverted') throw invalidParameter('Status');
  const attempts = [...state.verifications.values()].flatMap((v) =>
    v.attempts.map((attempt) => ({
      sid: attempt.attempt_sid,
      account_sid: state.account.sid,
      service_sid: v.serviceSid,
      verification_sid: v.sid,
      date_created: attempt.time,
      date_updated: isoDate(v.dateUpdated),
      conversion_status: v.status === 'approved' ? 'converted' : 'unconverted',
      channel: CHANNELS[attempt.channel] ?? attempt.channel.toLowerCase(),
      price: null,
      channel_data: { to: v.to },
      url: `${req.baseUrl}/v2/Attempts/${attempt.attempt_sid}`,
    })),
  );
  const matching = attempts
    .filter((a) => {
      const created = Date.parse(a.date_created ?? '');
      return (
        (serviceSid === null || a.service_sid === serviceSid) &&
        (verificationSid === null || a.verification_sid === verificationSid) &&
        (to === null || a.channel_data.to === to) &&
        (channel === undefined || a.channel === channel) &&
        (status === undefined || a.conversion_status === status) &&
        (after === undefined || created > after) &&
        (before === undefined || created < before)
      );
    })
    .sort((a, b) => (a.date_created < b.date_created ? 1 : a.date_created > b.date_created ? -1 : 0));
  const start = page * pageSize;
  const url = (n: number) => {
    const q = new URLSearchParams(req.query);
    q.set('PageSize', String(pageSize));
    q.set('Page', String(n));
    return `${req.baseUrl}/v2/Attempts?${q.toString()}`;
  };
  return {
    status: 200,
    body: {
      attempts: matching.slice(start, start + pageSize),
      meta: {
        first_page_url: url(0),
        key: 'attempts',
        next_page_url: start + pageSize < matching.length ? url(page + 1) : null,
        page,
        page_size: pageSize,
        previous_page_url: page > 0 ? url(page - 1) : null,
        url: url(page),
      },
    },
  };
};
