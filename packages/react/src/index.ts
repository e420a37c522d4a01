'use client';
/**
 * `@itutor/sessions-react`: the Join and No-show buttons (and the no-show parts), headless hooks and the
 * one shared clock. This entry is a client module (hooks and context); the pure helpers it re-exports
 * are safe anywhere. The HTTP call and the action state store live in `@itutor/sessions-core/client`;
 * a hand-moved clock for tests in `@itutor/sessions-react/testing`.
 */
export { SessionJoinButton } from './SessionJoinButton';
export type { SessionJoinButtonProps, SessionJoinButtonState, SessionJoined } from './SessionJoinButton';
export {
  MarkNoShowButton,
  MarkNoShowCancel,
  MarkNoShowConfirm,
  MarkNoShowDialog,
  MarkNoShowTrigger,
} from './MarkNoShowButton';
export type {
  MarkNoShowButtonProps,
  MarkNoShowButtonState,
  MarkNoShowDialogProps,
  MarkNoShowPartProps,
} from './MarkNoShowButton';
export { SessionClockProvider, useSessionContext } from './context';
export type { SessionClockProviderProps, SessionContextValue } from './context';
export { useClockSelector, useHydrated, useJoinState, useNoShowState, useResolvedLabels, useSessionClock } from './hooks';
export type { JoinHookState, NoShowHookState, UseJoinStateOptions, UseNoShowStateOptions } from './hooks';
export { createSessionClock } from './clock-store';
export type { ClockTimers, NowSource, SessionClock, SessionClockOptions, TickingSessionClock } from './clock-store';
export { joinStateAt, noShowStateAt } from './state';
export type {
  JoinPhase,
  JoinState,
  JoinStateOptions,
  NoShowStateOptions,
  NoShowHiddenReason,
  NoShowPhase,
  NoShowState,
  SessionInput,
} from './state';
export { DEFAULT_LABELS, formatCountdown, resolveLabels } from './labels';
export type { SessionLabels, SessionLabelsInput } from './labels';
