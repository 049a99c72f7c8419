/**
 * `GET /healthz`: every table of the store reads back sound, and Twilio (or the emulator) accepts the action's
 * credentials. The Twilio half is cached (probes every few seconds must not become Twilio traffic); the store is
 * checked on every call, and so is a verdict that did not come from Twilio (it costs nothing and changes, e.g. the
 * countdown of a start check).
 */
import type { ActionView, CheckFailure, IntegrationAction, ResolvedCredentials } from '../auth';
import type { Store } from '../store';
import { createTwilioClient, fetchAccount } from '../twilio';
import type { HealthReport } from './routes/app';

type HealthCheck = HealthReport['checks'][string];

export interface HealthOptions {
  store: Store;
  action: IntegrationAction;
  /** How long a verdict that came from Twilio is reused (`HEALTHZ_CACHE_SECONDS`). */
  ttlMs: number;
  now?: () => Date;
}

/** How a check failure reads in a sentence: "connection refused", "20003: Authenticate". */
export function describeCheckFailure(failure: CheckFailure): string {
  if (failure.code === 'connection_refused') return 'connection refused';
  if (failure.code === 'timeout') return 'no answer in time';
  return `${failure.code}: ${failure.message}`;
}

/** The health check of `/healthz`, with the Twilio half cached for `ttlMs`. */
export function cachedHealth(options: HealthOptions): () => Promise<HealthReport> {
  const { store, action, ttlMs } = options;
  const now = options.now ?? (() => new Date());
  let twilio: { at: number; check: HealthCheck } | undefined;
  return async () => {
    const at = performance.now();
    if (twilio && at - twilio.at < ttlMs) return health(store, action, now, twilio.check);
    twilio = undefined;
    return health(store, action, now, undefined, (check) => (twilio = { at, check }));
  };
}

/** Why `/healthz` does not call Twilio, as a sentence; for a start check, also what users hear meanwhile. */
function unresolvedMessage(resolved: Exclude<ResolvedCredentials, { kind: 'ready' }>, now: () => Date, view?: ActionView): string {
  switch (resolved.kind) {
    case 'needs-user-authorization':
      return `The action is user-authorized (auth profile ${resolved.profile.name}): each user's own credentials are checked when they authorize.`;
    case 'disabled':
      return 'The action is disabled (tva action enable or POST /api/admin/action/enable turns it back on).';
    case 'not-configured': {
      const test = view?.authorization && view.lastTest && !view.lastTest.ok ? view.lastTest : undefined;
      if (test?.code !== undefined) {
        return (
          `The action is not enabled: its last authorization check failed (${describeCheckFailure({ code: test.code, message: test.message ?? '' })}). ` +
          "Users hear that the integration isn't set up yet."
        );
      }
      return 'The action is not configured yet (tva action configure or PUT /api/admin/action/authorization).';
    }
    case 'error':
      return `The action is in error: Twilio answered ${resolved.code}: ${resolved.message}`;
    case 'awaiting-check': {
      const { check } = resolved;
      const users = 'Users hear that the integration is not available yet.';
      const retries = check.attempt - 2;
      const when = retries <= 0 ? 'at start' : `at start nor on ${retries} ${retries === 1 ? 'retry' : 'retries'}`;
      if (check.kind === 'checking') {
        const before = check.lastFailure ? ` (it could not be reached ${when}: ${describeCheckFailure(check.lastFailure)})` : '';
        return `Twilio is being asked to accept the TWILIO_* credentials${before}. ${users}`;
      }
      const seconds = Math.max(0, Math.ceil((check.retryAt.getTime() - now().getTime()) / 1000));
      return `Twilio could not be reached ${when} (${describeCheckFailure(check.lastFailure)}); retrying in ${seconds} s. ${users}`;
    }
  }
}

/** The store's check, then Twilio's; `onTwilioAnswer` receives a verdict that came from calling Twilio (the one worth caching). */
async function health(
  store: Store,
  action: IntegrationAction,
  now: () => Date,
  knownTwilio?: HealthCheck,
  onTwilioAnswer?: (check: HealthCheck) => void,
): Promise<HealthReport> {
  const checks: HealthReport['checks'] = {};
  try {
    const storeCheck = await store.check();
    checks.store = storeCheck.ok ? { ok: true } : { ok: false, message: storeCheck.problem };
  } catch {
    checks.store = { ok: false, message: 'The store does not answer.' };
  }
  if (knownTwilio) return { ok: Boolean(checks.store?.ok) && knownTwilio.ok, checks: { ...checks, twilio: knownTwilio } };
  try {
    const resolved = await action.resolveCredentials({ channelId: 'healthz', userId: 'healthz' });
    if (resolved.kind === 'ready') {
      const gateway = createTwilioClient(resolved.credentials, { ...(resolved.baseUrl ? { baseUrl: resolved.baseUrl } : {}), timeoutMs: 5000, maxRetries: 0 });
      try {
        await fetchAccount(gateway, {});
        checks.twilio = { ok: true };
      } catch (err) {
        checks.twilio = { ok: false, message: err instanceof Error ? err.message : 'Twilio does not answer.' };
      }
      onTwilioAnswer?.(checks.twilio);
    } else {
      const view = resolved.kind === 'not-configured' ? await action.status() : undefined;
      checks.twilio = { ok: resolved.kind === 'needs-user-authorization', message: unresolvedMessage(resolved, now, view) };
    }
  } catch (err) {
    checks.twilio = { ok: false, message: err instanceof Error ? err.message : 'Twilio does not answer.' };
  }
  return { ok: Object.values(checks).every((c) => c.ok), checks };
}
