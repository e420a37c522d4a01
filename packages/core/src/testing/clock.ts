import { type Clock } from '@itutor/sessions-core';
import { addMinutes, addSeconds } from 'date-fns';

/** A clock that only moves when told to. */
export interface ManualClock extends Clock {
  /** Jumps to `instant`. */
  set(instant: Date | string): void;
  /** Moves forward (or back, with negative values). */
  advance(by: { minutes?: number; seconds?: number }): Date;
}

/** Creates a {@link ManualClock} starting at `start`. `now()` returns a fresh `Date` each call. */
export function createManualClock(start: Date | string): ManualClock {
  let current = new Date(start);
  if (Number.isNaN(current.getTime())) throw new TypeError(`createManualClock: invalid start ${String(start)}`);
  return {
    now: () => new Date(current),
    set(instant) {
      const next = new Date(instant);
      if (Number.isNaN(next.getTime())) throw new TypeError(`ManualClock.set: invalid instant ${String(instant)}`);
      current = next;
    },
    advance({ minutes = 0, seconds = 0 }) {
      current = addSeconds(addMinutes(current, minutes), seconds);
      return new Date(current);
    },
  };
}
