/**
 * `@itutor/sessions-core/client`: the browser side of the participant actions, framework-free. The
 * HTTP call the Join and No-show buttons make (`postSessionAction`, refusing with the core's `SessionError`), the read of
 * a session's provider-reported attendance (`getSessionAttendance` and its wire types), the cancellation
 * fee preview (`getCancellationPreview`), and the action
 * state store (`createActionStore`) the React hooks wrap, for hosts that draw their own UI in any
 * framework. Browser-safe: no zod, no services.
 */
export { createActionStore } from './action-store';
export type { ActionOutcome, ActionState, ActionStatus, ActionStore } from './action-store';
export {
  getCancellationPreview,
  getDisputeView,
  getPayment,
  getSessionAttendance,
  listChargebacks,
  postSessionAction,
  stageChargebackEvidence,
  startPayment,
  submitChargebackEvidence,
  toSessionError,
} from './api';
// The error type and its recogniser, so a page that imports only this entry can tell refusals by code. This
// entry bundles its own copy of them (a browser then loads nothing of the host entry); `isSessionError`
// recognises by shape, so an error of either copy is recognised by both.
export { isSessionError, SessionError } from '../errors';
export type { SessionErrorCode, SessionErrorDetails } from '../errors';
export type {
  GetSessionAttendanceOptions,
  JoinFunction,
  JoinResult,
  MarkNoShowFunction,
  PostSessionActionOptions,
  SessionAction,
} from './api';
export type { AttendanceEntryJson, AttendanceSummaryJson, SessionAttendanceJson } from '../http/attendance-wire';
export type { CancellationQuoteJson } from '../rules/cancellation';
export type { DisputeJson, DisputeViewJson, PayoutStateJson, PayoutStateName, TimelineEntryJson } from '../ledger/dispute-view';
export type { DisputeActionType, DisputeReason, DisputeResolution, DisputeRole, DisputeStatus } from '../ledger/disputes';
export type { OnSessionPayment, PaymentStatusJson } from '../ledger/recovery';
export type { ChargebackJson } from '../http/chargeback-handlers';
export type { DisputeEvidenceFields } from '../ledger/evidence';
export type {
  ChargebackEvidenceState,
  ChargebackLossBearer,
  ChargebackStatus,
  ChargebackTutorShare,
} from '../ledger/chargebacks';
