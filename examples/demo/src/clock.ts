import { addMinutes } from 'date-fns';
import type { Clock } from '@itutor/sessions-core';

/**
 * The demo's simulated clock: real time plus an offset the page can move (time travel). It keeps
 * ticking, so countdowns run; a jump lands exactly on the requested instant.
 */
export interface TravelClock extends Clock {
  /**
   * Moves "now" to exactly `instant` (then keeps ticking from there). With `atReal` (epoch ms), the
   * simulated time was `instant` at that real moment: a clock shown before this one existed stays in step.
   */
  travelTo(instant: Date, atReal?: number): void;
  /** Moves "now" forward by whole minutes. */
  advance(minutes: number): void;
  /** Simulated minus real time, in ms (the browser applies the same offset). */
  offsetMs(): number;
}

export function createTravelClock(realNow: () => number = Date.now): TravelClock {
  let offset = 0;
  return {
    now: () => new Date(realNow() + offset),
    travelTo(instant, atReal = realNow()) {
      offset = instant.getTime() - atReal;
    },
    advance(minutes) {
      offset = addMinutes(new Date(realNow() + offset), minutes).getTime() - realNow();
    },
    offsetMs: () => offset,
  };
}
