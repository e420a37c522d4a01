'use client';
import type { ParticipantRole } from './deps';
import { useCallback, useMemo, useRef, useSyncExternalStore } from './deps';
import { useSessionContext } from './context';
import { resolveLabels, type SessionLabels, type SessionLabelsInput } from './labels';
import { DEFAULT_OUTCOME_LABELS, type SessionOutcomeLabels } from './outcome-labels';
import {
  joinStateAt,
  noShowStateAt,
  tutorAbsentStateAt,
  type JoinState,
  type JoinStateOptions,
  type NoShowState,
  type NoShowStateOptions,
  type SessionInput,
  type TutorAbsentState,
  type TutorAbsentStateOptions,
} from './state';

/** Shallow equality of two plain objects: the default comparison of {@link useClockSelector} (internal). */
export function shallowEqual<T>(a: T, b: T): boolean {
  if (Object.is(a, b)) return true;
  if (!a || !b || typeof a !== 'object' || typeof b !== 'object') return false;
  const keys = Object.keys(a) as Array<keyof T>;
  return keys.length === Object.keys(b).length && keys.every((k) => Object.is(a[k], b[k]));
}

/**
 * Subscribes to the shared clock and returns `select(now)`, re-rendering only when the selected value
 * changes (by `isEqual`, default: shallow equality of plain objects). `now` is epoch ms, or `null` during
 * a server render and hydration without `initialNow`. Pass a stable `select` (`useCallback`) to skip re-selecting.
 */
export function useClockSelector<T>(select: (now: number | null) => T, isEqual: (a: T, b: T) => boolean = shallowEqual): T {
  const { clock, initialNow } = useSessionContext();
  const last = useRef<[T]>(undefined);
  const subscribe = useCallback((listener: () => void) => clock.subscribe(listener), [clock]);
  const read = useMemo(() => {
    // Memoised per instant, so repeated reads in one render return the same value (React requires it);
    // an equal value keeps the previous identity, so the store's comparison bails out.
    let memoNow: number | null | undefined;
    return (now: number | null) => {
      if (now !== memoNow) {
        const next = select(now);
        if (!last.current || !isEqual(last.current[0], next)) last.current = [next];
        memoNow = now;
      }
      return last.current![0];
    };
  }, [select, isEqual]);
  const value = useSyncExternalStore(
    subscribe,
    () => read(clock.getSnapshot()),
    () => read(initialNow),
  );
  return value;
}

const identity = (now: number | null) => now;

/**
 * The current instant of the shared clock, re-rendering on every tick (once a second); `null` during a
 * server render and hydration without `initialNow`. For derived values prefer {@link useClockSelector}.
 */
export function useSessionClock(): Date | null {
  const ms = useClockSelector(identity, Object.is);
  return useMemo(() => (ms === null ? null : new Date(ms)), [ms]);
}

const subscribeNothing = () => () => {};

/** `false` on the server and during hydration, `true` after: for text that may differ (time zones). */
export function useHydrated(): boolean {
  return useSyncExternalStore(subscribeNothing, () => true, () => false);
}

/** Options of {@link useJoinState}. */
export interface UseJoinStateOptions extends JoinStateOptions {
  /** Who is looking (required here: the hook's state carries it). */
  readonly role: ParticipantRole;
  /** Label overrides (for the countdown format). */
  readonly labels?: SessionLabelsInput;
}

/**
 * What a Join UI shows. Raw second counts and instants are left out on purpose, so a component
 * re-renders only when its text changes; hosts who want them select `joinStateAt(session, now)` with
 * {@link useClockSelector}.
 */
export interface JoinHookState extends Omit<JoinState, 'secondsUntilOpen' | 'secondsUntilStart' | 'opensAt'> {
  readonly role: ParticipantRole;
  /** Formatted countdown to Join opening (`waiting`) or to the start (`open`), else `null`. */
  readonly countdown: string | null;
}

/**
 * The Join state of `session` on the shared clock: phase, countdown text, `canJoin`, whether to show the
 * no-show warning. Re-renders only when one of these changes (once a second while a countdown shows).
 */
export function useJoinState(session: SessionInput, options: UseJoinStateOptions): JoinHookState {
  const { role, notBefore } = options;
  const labels = useResolvedLabels(options.labels);
  const select = useCallback(
    (now: number | null): JoinHookState => {
      const { secondsUntilOpen, secondsUntilStart, opensAt, ...state } = joinStateAt(session, now, { role, notBefore });
      const seconds = state.phase === 'waiting' ? secondsUntilOpen : state.phase === 'open' ? secondsUntilStart : null;
      return {
        ...state,
        role,
        countdown: seconds === null ? null : labels.countdown(seconds),
      };
    },
    [session, notBefore, role, labels],
  );
  return useClockSelector(select);
}

/** Options of {@link useNoShowState}. */
export interface UseNoShowStateOptions extends NoShowStateOptions {
  /** Label overrides (for the countdown format). */
  readonly labels?: SessionLabelsInput;
}

/** What a no-show UI shows (see {@link JoinHookState} on raw seconds). */
export interface NoShowHookState extends Omit<NoShowState, 'secondsUntilEligible' | 'eligibleAt'> {
  /** Formatted countdown until a no-show can be marked (`waiting`), else `null`. */
  readonly countdown: string | null;
}

/**
 * The no-show state of `session` on the shared clock: phase, countdown text, `canMarkNoShow`, whether to
 * hide (final session, or the student joined within the wait), and `not-present` while the tutor's own
 * presence is not recorded after the wait.
 */
export function useNoShowState(session: SessionInput, options: UseNoShowStateOptions = {}): NoShowHookState {
  const { notBefore, providerStudentJoinedAt, providerTutorJoinedAt } = options;
  const labels = useResolvedLabels(options.labels);
  const select = useCallback(
    (now: number | null): NoShowHookState => {
      const { secondsUntilEligible, eligibleAt, ...state } = noShowStateAt(session, now, { notBefore, providerStudentJoinedAt, providerTutorJoinedAt });
      return { ...state, countdown: state.phase === 'waiting' ? labels.countdown(secondsUntilEligible!) : null };
    },
    [session, notBefore, providerStudentJoinedAt, providerTutorJoinedAt, labels],
  );
  return useClockSelector(select);
}

/** Options of {@link useTutorAbsentState}. */
export interface UseTutorAbsentStateOptions extends TutorAbsentStateOptions {
  /** Label overrides (for the countdown format). */
  readonly labels?: SessionLabelsInput;
}

/** What a tutor-absence UI shows (see {@link JoinHookState} on raw seconds). */
export interface TutorAbsentHookState extends Omit<TutorAbsentState, 'secondsUntilEligible' | 'eligibleAt'> {
  /** Formatted countdown until the tutor can be reported absent (`waiting`), else `null`. */
  readonly countdown: string | null;
}

/**
 * The tutor-absence state of `session` on the shared clock (the student's side): phase, countdown text,
 * `canReport`, whether to hide (final session, or the tutor joined within the wait), and `not-present`
 * while the student's own presence is not recorded after the wait.
 */
export function useTutorAbsentState(session: SessionInput, options: UseTutorAbsentStateOptions = {}): TutorAbsentHookState {
  const { notBefore, providerStudentJoinedAt, providerTutorJoinedAt } = options;
  const labels = useResolvedLabels(options.labels);
  const select = useCallback(
    (now: number | null): TutorAbsentHookState => {
      const { secondsUntilEligible, eligibleAt, ...state } = tutorAbsentStateAt(session, now, { notBefore, providerStudentJoinedAt, providerTutorJoinedAt });
      return { ...state, countdown: state.phase === 'waiting' ? labels.countdown(secondsUntilEligible!) : null };
    },
    [session, notBefore, providerStudentJoinedAt, providerTutorJoinedAt, labels],
  );
  return useClockSelector(select);
}

/** Labels from `SessionClockProvider` merged with `overrides`. */
export function useResolvedLabels(overrides?: SessionLabelsInput): SessionLabels {
  const { labels } = useSessionContext();
  return useMemo(() => resolveLabels(labels, overrides), [labels, overrides]);
}

/**
 * {@link SessionLabels} with the tutor-absence and cancellation texts (`DEFAULT_OUTCOME_LABELS` under
 * the overrides of `SessionClockProvider` and of the component), for the components that show them
 * (internal: resolved from what `useResolvedLabels` returned).
 */
export function useOutcomeLabels(labels: SessionLabels): SessionLabels & SessionOutcomeLabels {
  // `resolveLabels` keeps every override it was given, these texts included: they win over the defaults.
  return useMemo(() => ({ ...DEFAULT_OUTCOME_LABELS, ...labels }) as SessionLabels & SessionOutcomeLabels, [labels]);
}
