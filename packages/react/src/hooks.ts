'use client';
import type { ParticipantRole } from '@itutor/sessions-core';
import { useCallback, useEffect, useMemo, useRef, useSyncExternalStore } from 'react';
import type { SessionClock } from './clock-store';
import { useSessionClockContext, useSessionsConfig } from './context';
import { resolveLabels, type SessionLabels, type SessionLabelsInput } from './labels';
import {
  joinStateAt,
  noShowStateAt,
  type JoinState,
  type JoinStateOptions,
  type NoShowState,
  type NoShowStateOptions,
  type SessionInput,
} from './state';

/** The shared clock store in effect, for hosts that build their own selectors. */
export function useSessionClock(): SessionClock {
  return useSessionClockContext().clock;
}

/** Shallow equality of two plain objects (the default comparison of {@link useClockSelector}). */
export function shallowEqual<T>(a: T, b: T): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const ka = Object.keys(a) as Array<keyof T>;
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.is(a[k], b[k]) || (a[k] instanceof Date && b[k] instanceof Date && +a[k] === +b[k]));
}

/**
 * Subscribes to the shared clock and returns `select(now)`, re-rendering only when the selected value
 * changes (by `isEqual`, default shallow). `now` is epoch ms, or `null` during a server render and
 * hydration without `initialNow`.
 */
export function useClockSelector<T>(select: (now: number | null) => T, isEqual: (a: T, b: T) => boolean = shallowEqual): T {
  const { clock, initialNow } = useSessionClockContext();
  const last = useRef<{ value: T } | null>(null);
  const subscribe = useCallback((listener: () => void) => clock.subscribe(listener), [clock]);
  const [getSnapshot, getServerSnapshot] = useMemo(() => {
    const memoized = (read: () => number | null) => {
      let has = false;
      let memoNow: number | null = null;
      let memoValue: T;
      return () => {
        const now = read();
        if (has && now === memoNow) return memoValue;
        let next = select(now);
        if (last.current && isEqual(last.current.value, next)) next = last.current.value;
        has = true;
        memoNow = now;
        memoValue = next;
        return next;
      };
    };
    return [memoized(() => clock.getSnapshot()), memoized(() => initialNow)];
  }, [clock, initialNow, select, isEqual]);
  const value = useSyncExternalStore(subscribe, getSnapshot, getServerSnapshot);
  useEffect(() => {
    last.current = { value };
  });
  return value;
}

/** The current instant from the shared clock (re-renders on every tick); `null` before hydration. */
export function useNow(): Date | null {
  const ms = useClockSelector(useCallback((now: number | null) => now, []), Object.is);
  return useMemo(() => (ms === null ? null : new Date(ms)), [ms]);
}

const subscribeNothing = () => () => {};

/** `false` on the server and during hydration, `true` after: for text that may differ (time zones). */
export function useHydrated(): boolean {
  return useSyncExternalStore(subscribeNothing, () => true, () => false);
}

/** Options of {@link useJoinState}. */
export interface UseJoinStateOptions extends JoinStateOptions {
  readonly role: ParticipantRole;
}

/** {@link JoinState} plus what a Join UI shows. */
export interface JoinHookState extends JoinState {
  readonly role: ParticipantRole;
  /** Formatted countdown to Join opening (`waiting`) or to the start (`open`), else `null`. */
  readonly countdown: string | null;
}

/**
 * The Join state of `session` on the shared clock: phase, countdowns, `canJoin`. Re-renders only when
 * the state changes (at most once a second while a countdown runs).
 */
export function useJoinState(session: SessionInput, options: UseJoinStateOptions): JoinHookState {
  const { role, notBefore } = options;
  const labels = useResolvedLabels();
  const select = useCallback(
    (now: number | null): JoinHookState => {
      const state = joinStateAt(session, now, { notBefore });
      const seconds = state.phase === 'waiting' ? state.secondsUntilOpen : state.phase === 'open' ? state.secondsUntilStart : null;
      return { ...state, role, countdown: seconds === null ? null : labels.countdown(seconds) };
    },
    [session, notBefore, role, labels],
  );
  return useClockSelector(select);
}

/** {@link NoShowState} plus the formatted countdown. */
export interface NoShowHookState extends NoShowState {
  /** Formatted countdown until a no-show can be marked (`waiting`), else `null`. */
  readonly countdown: string | null;
}

/**
 * The no-show state of `session` on the shared clock: phase, countdown, `canMarkNoShow`, and whether
 * the button should be hidden (final session, or the student joined within the wait).
 */
export function useNoShowState(session: SessionInput, options: NoShowStateOptions = {}): NoShowHookState {
  const { notBefore } = options;
  const labels = useResolvedLabels();
  const select = useCallback(
    (now: number | null): NoShowHookState => {
      const state = noShowStateAt(session, now, { notBefore });
      return {
        ...state,
        countdown: state.phase === 'waiting' && state.secondsUntilEligible !== null ? labels.countdown(state.secondsUntilEligible) : null,
      };
    },
    [session, notBefore, labels],
  );
  return useClockSelector(select);
}

/** Labels from the config provider merged with `overrides`. */
export function useResolvedLabels(overrides?: SessionLabelsInput): SessionLabels {
  const config = useSessionsConfig();
  return useMemo(() => resolveLabels(config.labels, overrides), [config.labels, overrides]);
}
