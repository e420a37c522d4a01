'use client';
/**
 * `@itutor/sessions-react`: the Join and No-show buttons, headless hooks and the one shared clock.
 * This entry is a client module (hooks and context); the pure helpers it re-exports are safe anywhere.
 */
export { SessionJoinButton } from './SessionJoinButton';
export type { SessionJoinButtonProps, SessionJoinButtonState, SessionJoined } from './SessionJoinButton';
export { MarkNoShowButton } from './MarkNoShowButton';
export type { MarkNoShowButtonProps, MarkNoShowButtonState } from './MarkNoShowButton';
export { SessionClockProvider, SessionsConfigProvider, useSessionsConfig } from './context';
export type { SessionClockContextValue, SessionClockProviderProps, SessionsConfig, SessionsConfigProviderProps } from './context';
export {
  shallowEqual,
  useClockSelector,
  useHydrated,
  useJoinState,
  useNoShowState,
  useNow,
  useResolvedLabels,
  useSessionClock,
} from './hooks';
export type { JoinHookState, NoShowHookState, UseJoinStateOptions } from './hooks';
export { createManualClock, createSessionClock, getDefaultSessionClock } from './clock-store';
export type {
  ClockTimers,
  ManualSessionClock,
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
  NoShowStateOptions,
  SessionInput,
} from './state';
export { DEFAULT_LABELS, formatCountdown, resolveLabels } from './labels';
export type { SessionLabels, SessionLabelsInput } from './labels';
export { SessionRequestError, postSessionAction, toSessionRequestError } from './api';
export type { JoinFunction, JoinResult, MarkNoShowFunction, PostSessionActionOptions } from './api';
