/**
 * A framework-agnostic ticking clock: the one timer behind every mounted component.
 *
 * Shaped for `useSyncExternalStore` (TanStack Query's model): `subscribe(listener) → unsubscribe` and
 * `getSnapshot() → number`. However many components subscribe, the store runs at most one interval,
 * started by the first subscriber and stopped when the last one leaves. The snapshot is the instant of
 * the last tick, so two reads during one render always agree.
 */

/** A source of "now" in epoch milliseconds (or as a `Date`). */
export type NowSource = () => number | Date;

/** The store every hook reads time from. Implement it to drive the components from anything. */
export interface SessionClock {
  /** Registers `listener`, called whenever the time may have changed; returns the unsubscribe. */
  subscribe(listener: () => void): () => void;
  /** The current instant in epoch milliseconds, stable between ticks. */
  getSnapshot(): number;
}

/** Timer functions the clock uses; injectable so tests and benchmarks can count or drive them. */
export interface ClockTimers {
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** Options for {@link createSessionClock}. */
export interface SessionClockOptions {
  /** Where "now" comes from. Default `Date.now`. */
  readonly now?: NowSource;
  /** Tick period in milliseconds. Default 1000 (countdowns show whole seconds). */
  readonly intervalMs?: number;
  /** Timer functions. Default the global `setInterval` / `clearInterval`. */
  readonly timers?: ClockTimers;
}

/** A clock created by {@link createSessionClock}; `tick()` re-reads the time source and notifies. */
export interface TickingSessionClock extends SessionClock {
  /** Reads the time source now and notifies subscribers if the instant changed. */
  tick(): void;
}

/** A `Date` or epoch ms as epoch ms (a `Date`'s number value is its epoch ms). */
const toMs = (value: number | Date): number => +value;

// Looked up at each call, so timers replaced later (fake timers in tests) are the ones used.
const globalTimers: ClockTimers = {
  setInterval: (callback, ms) => setInterval(callback, ms),
  clearInterval: (handle) => clearInterval(handle as ReturnType<typeof setInterval>),
};

/**
 * Creates a shared ticking clock. One interval serves every subscriber; none runs while nobody listens.
 *
 * @example
 * const clock = createSessionClock({ now: () => Date.now() + serverOffsetMs });
 */
export function createSessionClock(options: SessionClockOptions = {}): TickingSessionClock {
  const now = options.now ?? (() => Date.now());
  const intervalMs = options.intervalMs ?? 1000;
  const timers = options.timers ?? globalTimers;
  const listeners = new Set<() => void>();
  let current = toMs(now());
  let handle: unknown = null;
  // While idle the snapshot follows the source, but stays fixed within one synchronous render pass.
  let idleReadPending = false;

  const tick = (): void => {
    const next = toMs(now());
    if (next === current) return;
    current = next;
    for (const listener of [...listeners]) listener();
  };

  return {
    subscribe(listener) {
      listeners.add(listener);
      if (handle === null) {
        handle = timers.setInterval(tick, intervalMs);
        tick();
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && handle !== null) {
          timers.clearInterval(handle);
          handle = null;
        }
      };
    },
    getSnapshot() {
      if (handle === null && !idleReadPending) {
        current = toMs(now());
        idleReadPending = true;
        queueMicrotask(() => {
          idleReadPending = false;
        });
      }
      return current;
    },
    tick,
  };
}

let defaultClock: TickingSessionClock | null = null;

/** The process-wide clock used when no `SessionClockProvider` is mounted (created on first use; internal). */
export function getDefaultSessionClock(): TickingSessionClock {
  return (defaultClock ??= createSessionClock());
}
