/**
 * `@itutor/sessions-react/testing`: a clock moved by hand for host tests and stories. It wraps core's
 * `createManualClock` (`@itutor/sessions-core/testing`): same `set` / `advance` signatures, and it is a
 * core `Clock` too, so one object can drive the services and the components. Kept out of the main entry
 * so it costs the browser bundle nothing. Plain module: no hooks, no `'use client'`.
 */
import type { Clock } from '@itutor/sessions-core';
import { createManualClock, type ManualClock } from '@itutor/sessions-core/testing';
import { createSessionClock, type ClockTimers, type TickingSessionClock } from './clock-store';

/**
 * A core `ManualClock` as the components' clock store: time stands still until `set` or `advance`,
 * which notify the subscribed components. Never creates a timer.
 */
export interface ManualSessionClock extends TickingSessionClock, Clock {
  /** Jumps to `instant` and notifies. */
  set(instant: Date | string | number): void;
  /** Moves forward (or back, with negative values) and notifies; returns the new instant. */
  advance(by: { readonly minutes?: number; readonly seconds?: number }): Date;
}

// The manual clock never needs a timer: it notifies when moved.
const noTimers: ClockTimers = { setInterval: () => 0, clearInterval: () => {} };

/**
 * Creates a {@link ManualSessionClock} starting at `start`, or over an existing core `ManualClock` (move
 * it through the returned object, or call `tick()` after moving the core clock directly).
 *
 * @example
 * const clock = createManualSessionClock('2026-01-15T14:54:00Z');
 * render(<SessionClockProvider clock={clock}><SessionJoinButton session={session} role="student" /></SessionClockProvider>);
 * act(() => clock.advance({ minutes: 1 })); // Join opens
 */
export function createManualSessionClock(start: Date | string | number | ManualClock): ManualSessionClock {
  const manual = typeof start === 'object' && 'advance' in start ? start : createManualClock(new Date(start));
  const store = createSessionClock({ now: () => manual.now(), timers: noTimers });
  return {
    ...store,
    now: () => manual.now(),
    set(instant) {
      manual.set(new Date(instant));
      store.tick();
    },
    advance(by) {
      const next = manual.advance(by);
      store.tick();
      return next;
    },
  };
}
