/**
 * `@itutor/sessions-core/client`: the browser side of the participant actions, framework-free. The
 * HTTP call the Join and No-show buttons make (`postSessionAction`, `SessionRequestError`), the read of
 * a session's provider-reported attendance (`getSessionAttendance` and its wire types), and the action
 * state store (`createActionStore`) the React hooks wrap, for hosts that draw their own UI in any
 * framework. Browser-safe: no zod, no services.
 */
export { createActionStore } from './action-store';
export type { ActionOutcome, ActionState, ActionStatus, ActionStore } from './action-store';
export { SessionRequestError, getSessionAttendance, postSessionAction, toSessionRequestError } from './api';
export type {
  GetSessionAttendanceOptions,
  JoinFunction,
  JoinResult,
  MarkNoShowFunction,
  PostSessionActionOptions,
  SessionAction,
} from './api';
export type { AttendanceEntryJson, AttendanceSummaryJson, SessionAttendanceJson } from '../http/attendance-wire';
