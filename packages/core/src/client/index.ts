/**
 * `@itutor/sessions-core/client`: the browser side of the participant actions, framework-free. The
 * HTTP call the Join and No-show buttons make (`postSessionAction`, refusing with the core's `SessionError`), the read of
 * a session's provider-reported attendance (`getSessionAttendance` and its wire types), and the action
 * state store (`createActionStore`) the React hooks wrap, for hosts that draw their own UI in any
 * framework. Browser-safe: no zod, no services.
 */
export { createActionStore } from './action-store';
export type { ActionOutcome, ActionState, ActionStatus, ActionStore } from './action-store';
export { getSessionAttendance, postSessionAction, toSessionError } from './api';
// The root's error type and recogniser, so a page that imports only this entry can tell refusals by code.
export { isSessionError } from '@itutor/sessions-core';
export type { SessionError, SessionErrorCode, SessionErrorDetails } from '@itutor/sessions-core';
export type {
  GetSessionAttendanceOptions,
  JoinFunction,
  JoinResult,
  MarkNoShowFunction,
  PostSessionActionOptions,
  SessionAction,
} from './api';
export type { AttendanceEntryJson, AttendanceSummaryJson, SessionAttendanceJson } from '../http/attendance-wire';
