/**
 * The enable check of credentials configured at start (TWILIO_*), retried in the background while Twilio cannot be
 * reached. A start during a network blip or a Twilio incident must not leave the action "not set up" until someone
 * restarts the server; credentials Twilio rejects (20003), or any answer a retry would not change, stop it at once.
 * Waits grow 1 s, 2 s, 4 s … up to 5 minutes; the sleep and the clock are injected in tests.
 */

/** Twilio's (or the check's) code and message for a failed attempt. */
export interface CheckFailure {
  code: number | string;
  message: string;
}

export type StartCheckState =
  /** An attempt is running; `lastFailure` is the previous attempt's. */
  | { kind: 'checking'; attempt: number; lastFailure?: CheckFailure }
  /** Twilio could not be reached; attempt number `attempt` runs at `retryAt`. */
  | { kind: 'retrying'; attempt: number; lastFailure: CheckFailure; retryAt: Date }
  | { kind: 'enabled' }
  /** Twilio answered, and not with a pass: no retry will change that. */
  | { kind: 'rejected'; failure: CheckFailure }
  /** An admin (or another instance) changed the authorization meanwhile: their change wins. */
  | { kind: 'superseded' }
  /** The server closed before the check finished. */
  | { kind: 'stopped' };

/** The states in which users are told that Twilio cannot be reached rather than that nothing is set up. */
export type PendingStartCheck = Extract<StartCheckState, { kind: 'checking' | 'retrying' }>;

/** What one attempt found. */
export type StartAttemptResult =
  | { kind: 'enabled' }
  | { kind: 'superseded' }
  | { kind: 'failed'; failure: CheckFailure; transient: boolean };

export interface StartCheckOptions {
  /** Waits between attempts; default a timer. Should resolve early once `signal` aborts (the server closes). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Wall clock for `retryAt`. */
  now?: () => Date;
  /** First wait (default 1 s); each later one doubles, up to `maxDelayMs` (default 5 min). */
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** Told of every state change (for logs). */
  onChange?: (state: StartCheckState) => void;
}

export const DEFAULT_FIRST_DELAY_MS = 1_000;
export const DEFAULT_MAX_DELAY_MS = 5 * 60_000;

/** The wait after failed attempt number `failures` (1-based): 1 s, 2 s, 4 s … capped. */
export function startRetryDelayMs(failures: number, firstDelayMs = DEFAULT_FIRST_DELAY_MS, maxDelayMs = DEFAULT_MAX_DELAY_MS): number {
  return Math.min(firstDelayMs * 2 ** Math.min(failures - 1, 30), maxDelayMs);
}

function timerSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    signal.addEventListener('abort', wake, { once: true });
  });
}

/** One start check: {@link start} runs the first attempt; later ones run in the background until a final state. */
export class StartCheck {
  private current: StartCheckState = { kind: 'checking', attempt: 1 };
  private readonly abort = new AbortController();
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly now: () => Date;
  private readonly firstDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly onChange: (state: StartCheckState) => void;
  private loop: Promise<StartCheckState> | undefined;

  constructor(
    private readonly attempt: (attempt: number) => Promise<StartAttemptResult>,
    options: StartCheckOptions = {},
  ) {
    this.sleep = options.sleep ?? timerSleep;
    this.now = options.now ?? (() => new Date());
    this.firstDelayMs = options.firstDelayMs ?? DEFAULT_FIRST_DELAY_MS;
    this.maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
    this.onChange = options.onChange ?? (() => undefined);
  }

  /** The state now. */
  state(): StartCheckState {
    return this.current;
  }

  /** The state while the check has not reached a final answer; undefined after. */
  pending(): PendingStartCheck | undefined {
    const state = this.current;
    return state.kind === 'checking' || state.kind === 'retrying' ? state : undefined;
  }

  /** Runs the first attempt and resolves with the state after it; retries go on in the background. */
  start(): Promise<StartCheckState> {
    if (this.loop) throw new Error('A start check runs once.');
    let firstDone: (state: StartCheckState) => void = () => undefined;
    const first = new Promise<StartCheckState>((resolve) => (firstDone = resolve));
    this.loop = this.run(firstDone);
    void this.loop.then(firstDone);
    return first;
  }

  /** Resolves with the final state (`enabled`, `rejected`, `superseded` or `stopped`). */
  settled(): Promise<StartCheckState> {
    return this.loop ?? Promise.resolve(this.current);
  }

  /** Stops retrying (the server closes) and waits for a running attempt to end. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private set(state: StartCheckState): StartCheckState {
    this.current = state;
    this.onChange(state);
    return state;
  }

  private async run(firstDone: (state: StartCheckState) => void): Promise<StartCheckState> {
    let lastFailure: CheckFailure | undefined;
    for (let attempt = 1; ; attempt += 1) {
      if (attempt > 1) this.set({ kind: 'checking', attempt, ...(lastFailure ? { lastFailure } : {}) });
      let result: StartAttemptResult;
      try {
        result = await this.attempt(attempt);
      } catch (err) {
        // The store or the secrets failed us, not Twilio: worth another attempt all the same.
        result = { kind: 'failed', failure: { code: 'start_check_failed', message: err instanceof Error ? err.message : String(err) }, transient: true };
      }
      if (this.abort.signal.aborted) return this.set({ kind: 'stopped' });
      if (result.kind === 'enabled' || result.kind === 'superseded') return this.set({ kind: result.kind });
      if (!result.transient) return this.set({ kind: 'rejected', failure: result.failure });
      lastFailure = result.failure;
      const delay = startRetryDelayMs(attempt, this.firstDelayMs, this.maxDelayMs);
      firstDone(this.set({ kind: 'retrying', attempt: attempt + 1, lastFailure, retryAt: new Date(this.now().getTime() + delay) }));
      await this.sleep(delay, this.abort.signal);
      if (this.abort.signal.aborted) return this.set({ kind: 'stopped' });
    }
  }
}
