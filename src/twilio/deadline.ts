/**
 * A turn's time budget, carried to every Twilio request made inside it without threading a parameter through the
 * operations: the gateway's request client reads it (AsyncLocalStorage follows the async call chain), shortens
 * its timeout to what is left, and does not wait out a Retry-After that would outlast it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const deadlines = new AsyncLocalStorage<number>();

/** Runs `work` so that Twilio requests inside it end by `deadline` (epoch milliseconds). */
export function withDeadline<T>(deadline: number, work: () => Promise<T>): Promise<T> {
  return deadlines.run(deadline, work);
}

/** Milliseconds left before the current deadline, or undefined outside {@link withDeadline}. */
export function remainingBudgetMs(now: number = Date.now()): number | undefined {
  const deadline = deadlines.getStore();
  return deadline === undefined ? undefined : deadline - now;
}
