/**
 * Session statuses: the seed's six and the third release's three (`NO_SHOW_TUTOR`, `NOBODY_JOINED`,
 * `CANCELLED_LATE`). All but `SCHEDULED` and `JOIN_OPEN` are final: a final session's outcome never
 * changes again.
 */
export const SESSION_STATUSES = [
  'SCHEDULED',
  'JOIN_OPEN',
  'COMPLETED_ASSUMED',
  'NO_SHOW_STUDENT',
  'EARLY_END_SHORT',
  'CANCELLED',
  'NO_SHOW_TUTOR',
  'NOBODY_JOINED',
  'CANCELLED_LATE',
] as const;

/** One of the nine session statuses. */
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** The statuses after which nothing about the session's outcome may change. */
export const FINAL_STATUSES: readonly SessionStatus[] = [
  'COMPLETED_ASSUMED',
  'NO_SHOW_STUDENT',
  'EARLY_END_SHORT',
  'CANCELLED',
  'NO_SHOW_TUTOR',
  'NOBODY_JOINED',
  'CANCELLED_LATE',
];

/** True for every status but `SCHEDULED` and `JOIN_OPEN`. */
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
  NO_SHOW_TUTOR: 'Tutor no-show',
  NOBODY_JOINED: 'Nobody joined',
  CANCELLED_LATE: 'Cancelled late',
};

/** The statuses a session's outcome can settle into (everything final except the two cancellations). */
export type SettledOutcome = 'COMPLETED_ASSUMED' | 'NO_SHOW_STUDENT' | 'EARLY_END_SHORT' | 'NO_SHOW_TUTOR' | 'NOBODY_JOINED';

/** The outcomes that can take money (by the policy's amounts; `NOBODY_JOINED` only when its percent is set). */
export const CHARGED_OUTCOMES: readonly SessionStatus[] = ['COMPLETED_ASSUMED', 'NO_SHOW_STUDENT', 'CANCELLED_LATE', 'NOBODY_JOINED'];
