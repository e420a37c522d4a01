/**
 * `@itutor/sessions-react/testing`: a clock moved by hand, for host tests and stories. Kept out of the
 * main entry so it costs the browser bundle nothing. Plain module: no hooks, no `'use client'`.
 */
import { createSessionClock, type ClockTimers, type SessionClock } from './clock-store';

/** A clock moved by hand, for tests and Storybook: time stands still until `set` or `advance`. */
export interface ManualSessionClock extends SessionClock {
  /** Moves the clock to `instant` and notifies subscribers. */
  set(instant: number | Date | string): void;
  /** Moves the clock forward by `ms` milliseconds and notifies subscribers. */
  advance(ms: number): void;
}

// The manual clock never needs a timer: it notifies when moved.
const noTimers: ClockTimers = { setInterval: () => 0, clearInterval: () => {} };

/** Creates a {@link ManualSessionClock} starting at `initial`. It never creates a timer. */
export function createManualClock(initial: number | Date | string): ManualSessionClock {
  let current = new Date(initial).getTime();
  const clock = createSessionClock({ now: () => current, timers: noTimers });
  return {
    subscribe: clock.subscribe,
    getSnapshot: clock.getSnapshot,
    set(instant) {
      current = new Date(instant).getTime();
      clock.tick();
    },
    advance(ms) {
      current += ms;
      clock.tick();
    },
  };
}

