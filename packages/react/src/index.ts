'use client';
/**
 * `@itutor/sessions-react`: the Join and No-show buttons (and the no-show parts), the student's
 * tutor-absence report (and its parts), the cancellation with its fee, the reschedule hook, headless
 * hooks and the one shared clock. Each component tree-shakes on its own (its texts too). This entry is a client module (hooks and context); the pure helpers it re-exports
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
export {
  ReportTutorAbsentButton,
  ReportTutorAbsentCancel,
  ReportTutorAbsentConfirm,
  ReportTutorAbsentDialog,
  ReportTutorAbsentTrigger,
} from './ReportTutorAbsentButton';
export type {
  ReportTutorAbsentButtonProps,
  ReportTutorAbsentButtonState,
  ReportTutorAbsentDialogProps,
  ReportTutorAbsentFunction,
  ReportTutorAbsentPartProps,
} from './ReportTutorAbsentButton';
export { CancelSessionButton } from './CancelSessionButton';
export type {
  CancelSessionBody,
  CancelSessionButtonProps,
  CancelSessionButtonState,
  CancelSessionFunction,
  FetchCancellationPreviewFunction,
} from './CancelSessionButton';
export { useRescheduleSession } from './useRescheduleSession';
export type {
  RescheduleSessionBody,
  RescheduleSessionFunction,
  RescheduleSessionState,
  UseRescheduleSessionOptions,
} from './useRescheduleSession';
export type { CancellationQuoteJson } from '@itutor/sessions-core/client';
export { SessionClockProvider, useSessionContext } from './context';
export type { SessionClockProviderProps, SessionContextValue } from './context';
export {
  useClockSelector,
  useHydrated,
  useJoinState,
  useNoShowState,
  useResolvedLabels,
  useSessionClock,
  useTutorAbsentState,
} from './hooks';
export type {
  JoinHookState,
  NoShowHookState,
  TutorAbsentHookState,
  UseJoinStateOptions,
  UseNoShowStateOptions,
  UseTutorAbsentStateOptions,
} from './hooks';
export { createSessionClock } from './clock-store';
export type { ClockTimers, NowSource, SessionClock, SessionClockOptions, TickingSessionClock } from './clock-store';
export { joinStateAt, noShowStateAt, tutorAbsentStateAt } from './state';
export type {
  JoinPhase,
  JoinState,
  JoinStateOptions,
  NoShowStateOptions,
  NoShowHiddenReason,
  NoShowPhase,
  NoShowState,
  SessionInput,
  TutorAbsentHiddenReason,
  TutorAbsentPhase,
  TutorAbsentState,
  TutorAbsentStateOptions,
} from './state';
export { DEFAULT_LABELS, formatCountdown, resolveLabels } from './labels';
export type { SessionLabels, SessionLabelsInput } from './labels';
export { DEFAULT_OUTCOME_LABELS } from './outcome-labels';
export type { SessionOutcomeLabels } from './outcome-labels';
