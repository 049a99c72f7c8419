/** The emulator's notion of time. Injected so tests can expire codes without sleeping. */
export interface EmulatorClock {
  now(): Date;
  /** Moves time forward; `seconds` must be a finite number >= 0. */
  advance(seconds: number): void;
}

function assertAdvance(seconds: number): void {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
    throw new RangeError(`advance(seconds) needs a finite number >= 0, got ${String(seconds)}`);
  }
}

/** A clock that only moves when told to: the one tests inject. */
export class ManualClock implements EmulatorClock {
  private current: number;

  constructor(start: Date = new Date('2026-01-01T00:00:00Z')) {
    this.current = start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  advance(seconds: number): void {
    assertAdvance(seconds);
    this.current += seconds * 1000;
  }
}

/** The default clock: wall-clock time plus whatever was advanced (so `POST /emulator/clock` works in a live emulator). */
export function createClock(): EmulatorClock {
  let offsetMs = 0;
  return {
    now: () => new Date(Date.now() + offsetMs),
    advance(seconds: number) {
      assertAdvance(seconds);
      offsetMs += seconds * 1000;
    },
  };
}
