/** A sleep a test ends by hand (no real waiting); every requested wait is recorded. */
export class ManualSleep {
  readonly waits: number[] = [];
  private wakers: Array<() => void> = [];
  private listeners: Array<() => void> = [];

  readonly sleep = (ms: number, signal: AbortSignal): Promise<void> =>
    new Promise<void>((resolve) => {
      const wake = () => {
        signal.removeEventListener('abort', wake);
        resolve();
      };
      this.waits.push(ms);
      this.wakers.push(wake);
      signal.addEventListener('abort', wake, { once: true });
      for (const listener of this.listeners.splice(0)) listener();
    });

  /** Resolves once the check has gone to sleep `count` times in all. */
  asleep(count: number): Promise<void> {
    if (this.waits.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.listeners.push(() => void this.asleep(count).then(resolve)));
  }

  wake(): void {
    this.wakers.shift()?.();
  }
}
