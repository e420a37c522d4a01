'use client';
/**
 * `@itutor/sessions-react/attendance`: a session's attendance as the video provider reports it. The
 * headless `useSessionAttendance` hook (reads `GET {basePath}/sessions/{id}/attendance` and keeps it
 * fresh) and `SessionAttendanceStatus`, one line saying whether the other participant is in the
 * meeting. Its own entry point, so a host that does not show attendance pays nothing in the main
 * bundle. A client module; the hook reads the main entry's `SessionClockProvider` (base path).
 */
export { DEFAULT_ATTENDANCE_REFRESH_MS, useSessionAttendance } from './useSessionAttendance';
export type {
  AttendanceReadStatus,
  FetchAttendanceFunction,
  SessionAttendanceState,
  UseSessionAttendanceOptions,
} from './useSessionAttendance';
export { SessionAttendanceStatus, attendancePresence } from './SessionAttendanceStatus';
export type { AttendancePresence, SessionAttendanceStatusProps } from './SessionAttendanceStatus';
export { DEFAULT_ATTENDANCE_LABELS } from './attendance-labels';
export type { SessionAttendanceLabels, SessionAttendanceLabelsInput } from './attendance-labels';
export type { AttendanceEntryJson, AttendanceSummaryJson, SessionAttendanceJson } from '@itutor/sessions-core/client';
