/** Dev mode: where the action really sends Twilio requests, for the chat page's outbox (`GET /api/dev/info`). */
import type { AuthorizationView } from '../auth';
import type { DevTwilioTarget } from '../server/routes/app';

const REAL_TWILIO = 'https://api.twilio.com';

function sameUrl(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

/** The embedded emulator, another address, per user, or nowhere (not configured). */
export async function devTwilioTarget(
  action: { status(): Promise<{ authorization: AuthorizationView | null }> },
  emulator: { readonly url: string | undefined },
): Promise<DevTwilioTarget> {
  const { authorization } = await action.status();
  if (!authorization) return { kind: 'none' };
  if (authorization.type === 'user-authorized') return { kind: 'per-user' };
  const url = 'baseUrl' in authorization && typeof authorization.baseUrl === 'string' ? authorization.baseUrl : REAL_TWILIO;
  return emulator.url && sameUrl(url, emulator.url) ? { kind: 'embedded' } : { kind: 'elsewhere', url };
}
