import { describe, expect, it, vi } from 'vitest';
import { createSessionClock, type ClockTimers } from '../src/clock-store';
import { createManualClock } from '@itutor/sessions-core/testing';
import { createManualSessionClock } from '../src/testing';

function countingTimers() {
  const intervals: Array<() => void> = [];
  const timers: ClockTimers & { created: number; cleared: number } = {
    created: 0,
    cleared: 0,
    setInterval(callback) {
      timers.created += 1;
      intervals.push(callback);
      return intervals.length;
    },
    clearInterval() {
      timers.cleared += 1;
    },
  };
  return { timers, fire: () => intervals.at(-1)?.() };
}

describe('createSessionClock', () => {
  it('uses one interval for every subscriber and stops it when the last leaves', () => {
    const { timers } = countingTimers();
    const clock = createSessionClock({ now: () => 0, timers });
    const offs = Array.from({ length: 50 }, () => clock.subscribe(() => {}));
    expect(timers.created).toBe(1);
    offs.slice(1).forEach((off) => off());
    expect(timers.cleared).toBe(0);
    offs[0]!();
    expect(timers.cleared).toBe(1);
    clock.subscribe(() => {});
    expect(timers.created).toBe(2);
  });

  it('notifies only when the instant changed and keeps the snapshot stable between ticks', () => {
    let now = 1000;
    const { timers, fire } = countingTimers();
    const clock = createSessionClock({ now: () => now, timers });
    const listener = vi.fn();
    clock.subscribe(listener);
    now = 1500;
    expect(clock.getSnapshot()).toBe(1000);
    fire();
    expect(listener).toHaveBeenCalledTimes(1);
    expect(clock.getSnapshot()).toBe(1500);
    fire();
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('follows the source while idle, but not within one synchronous pass', async () => {
    let now = 1;
    const clock = createSessionClock({ now: () => now });
    expect(clock.getSnapshot()).toBe(1);
    now = 2;
    expect(clock.getSnapshot()).toBe(1);
    await Promise.resolve();
    expect(clock.getSnapshot()).toBe(2);
  });
});

describe('createManualSessionClock', () => {
  it('moves only when told to and notifies', () => {
    const clock = createManualSessionClock('2026-01-15T15:00:00.000Z');
    const listener = vi.fn();
    clock.subscribe(listener);
    expect(clock.getSnapshot()).toBe(Date.parse('2026-01-15T15:00:00.000Z'));
    clock.advance({ seconds: 1.5 });
    expect(clock.getSnapshot()).toBe(Date.parse('2026-01-15T15:00:01.500Z'));
    clock.set(new Date('2026-01-15T16:00:00.000Z'));
    expect(listener).toHaveBeenCalledTimes(2);
  });

  it('is a core Clock, and wraps an existing core ManualClock (one object drives services and components)', () => {
    const core = createManualClock('2026-01-15T15:00:00.000Z');
    const clock = createManualSessionClock(core);
    const listener = vi.fn();
    clock.subscribe(listener);
    expect(clock.advance({ minutes: 5 })).toEqual(new Date('2026-01-15T15:05:00.000Z'));
    expect(core.now()).toEqual(new Date('2026-01-15T15:05:00.000Z'));
    expect(clock.now()).toEqual(core.now());
    expect(listener).toHaveBeenCalledTimes(1);
    // Moved behind its back: `tick()` re-reads it.
    core.advance({ seconds: 30 });
    expect(clock.getSnapshot()).toBe(Date.parse('2026-01-15T15:05:00.000Z'));
    clock.tick();
    expect(clock.getSnapshot()).toBe(Date.parse('2026-01-15T15:05:30.000Z'));
    expect(listener).toHaveBeenCalledTimes(2);
    expect(() => createManualSessionClock('not a date')).toThrow(TypeError);
  });
});
