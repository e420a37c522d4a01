'use client';
/**
 * `@itutor/sessions-react/disputes`: a charged session's dispute, for its student, its tutor and the
 * platform's people. The headless `useDispute` hook (reads `GET {basePath}/sessions/{id}/dispute`, writes
 * the opening and each step), `OpenDisputeButton` (the student's "Report a problem" dialog) and
 * `DisputePanel` (the facts side by side, the timeline, and the viewer's steps). Its own entry point, so a
 * page without disputes pays nothing in the main bundle. A client module; it reads the main entry's
 * `SessionClockProvider` (base path, locale, time zone, the shared clock).
 */
export { useDispute } from './useDispute';
export type { DisputeReadStatus, DisputeState, DisputeStepBodies, OpenDisputeBody, UseDisputeOptions } from './useDispute';
export { OpenDisputeButton } from './OpenDisputeButton';
export type { OpenDisputeButtonProps, OpenDisputeButtonState } from './OpenDisputeButton';
export { DisputePanel } from './DisputePanel';
export type { DisputePanelProps } from './DisputePanel';
export type { DisputeSourceProps } from './dispute-parts';
export { parseMoneyInput } from './money-input';
export { DEFAULT_DISPUTE_LABELS } from './dispute-labels';
export type { DisputeLabels, DisputeLabelsInput } from './dispute-labels';
export type {
  ActionOutcome,
  DisputeActionType,
  DisputeJson,
  DisputeReason,
  DisputeResolution,
  DisputeRole,
  DisputeStatus,
  DisputeViewJson,
  PayoutStateJson,
  PayoutStateName,
  TimelineEntryJson,
} from '@itutor/sessions-core/client';
