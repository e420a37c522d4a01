'use client';
/**
 * `@itutor/sessions-react`: the Join and No-show buttons, headless hooks and the one shared clock.
 * This entry is a client module (hooks and context); the pure helpers it re-exports are safe anywhere.
 */
export { SessionJoinButton } from './SessionJoinButton';
export type { SessionJoinButtonProps, SessionJoinButtonState, SessionJoined } from './SessionJoinButton';
export { MarkNoShowButton } from './MarkNoShowButton';
export type { MarkNoShowButtonProps, MarkNoShowButtonState } from './MarkNoShowButton';
export { SessionClockProvider, useSessionContext } from './context';
/** The same provider, named for settings-only use (policy, labels, locale, timeZone, basePath); it inherits the clock. */
export { SessionClockProvider as SessionsConfigProvider } from './context';
export type { SessionClockProviderProps, SessionContextValue } from './context';
export {
  shallowEqual,
  useClockSelector,
  useHydrated,
  useJoinState,
  useNoShowState,
  useResolvedLabels,
  useSessionClock,
} from './hooks';
/** Same as `useSessionClock`: the current instant of the shared clock (`null` before hydration without `initialNow`). */
export { useSessionClock as useNow } from './hooks';
export type { JoinHookState, NoShowHookState, UseJoinStateOptions, UseNoShowStateOptions } from './hooks';
export { createSessionClock, getDefaultSessionClock } from './clock-store';
export type {
  ClockTimers,
  NowSource,
  SessionClock,
  SessionClockOptions,
  TickingSessionClock,
} from './clock-store';
export { joinStateAt, noShowStateAt, toPublicSessionInput } from './state';
export type {
  JoinPhase,
  JoinState,
  JoinStateOptions,
  NoShowHiddenReason,
  NoShowPhase,
  NoShowState,
  SessionInput,
} from './state';
export { DEFAULT_LABELS, formatCountdown, resolveLabels } from './labels';
export type { SessionLabels, SessionLabelsInput } from './labels';
export { SessionRequestError, postSessionAction, toSessionRequestError } from './api';
export type { JoinFunction, JoinResult, MarkNoShowFunction, PostSessionActionOptions } from './api';
