/**
 * Session statuses, exactly the seed's. The last four are final: a final session never changes again.
 */
export const SESSION_STATUSES = [
  'SCHEDULED',
  'JOIN_OPEN',
  'COMPLETED_ASSUMED',
  'NO_SHOW_STUDENT',
  'EARLY_END_SHORT',
  'CANCELLED',
] as const;

/** One of the six session statuses. */
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** The statuses after which nothing about the session's outcome may change. */
export const FINAL_STATUSES: readonly SessionStatus[] = [
  'COMPLETED_ASSUMED',
  'NO_SHOW_STUDENT',
  'EARLY_END_SHORT',
  'CANCELLED',
];

/** True for `COMPLETED_ASSUMED`, `NO_SHOW_STUDENT`, `EARLY_END_SHORT` and `CANCELLED`. */
export function isFinalStatus(status: SessionStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

/** English labels for display; hosts can pass their own to the React components. */
export const STATUS_LABELS: Readonly<Record<SessionStatus, string>> = {
  SCHEDULED: 'Scheduled',
  JOIN_OPEN: 'Join open',
  COMPLETED_ASSUMED: 'Completed',
  NO_SHOW_STUDENT: 'Student no-show',
  EARLY_END_SHORT: 'Ended early',
  CANCELLED: 'Cancelled',
};

/** The statuses a session's outcome can settle into (everything final except cancellation). */
export type SettledOutcome = 'COMPLETED_ASSUMED' | 'NO_SHOW_STUDENT' | 'EARLY_END_SHORT';
