/** What a start owns and must give back, and where the server is reached: small parts of `start()`'s outline. */

/** Closes what was opened, last opened first; a failing close does not stop the others. */
export class Closers {
  private readonly closers: Array<() => Promise<void>> = [];

  add(close: () => Promise<void>): void {
    this.closers.push(close);
  }

  async closeAll(): Promise<void> {
    for (const close of this.closers.splice(0).reverse()) await close().catch(() => undefined);
  }
}

/**
 * Where users and Twilio reach the server: `PUBLIC_BASE_URL`, or the listening URL once known. Twilio's status
 * callbacks are asked for only where Twilio can call: a public URL, or this machine when Twilio is the local emulator.
 */
export class PublicAddress {
  private base: string;

  constructor(
    configured: string,
    private readonly callbacksReachable: boolean,
  ) {
    this.base = configured;
  }

  /** The listening URL stands in until then, unless a public one was configured. */
  listening(url: string): void {
    this.base ||= url;
  }

  readonly url = (): string => this.base;

  readonly statusCallbackUrl = (): string | undefined =>
    this.callbacksReachable && this.base ? `${this.base.replace(/\/+$/, '')}/twilio/status` : undefined;
}
