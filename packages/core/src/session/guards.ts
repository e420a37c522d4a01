import { isBefore } from 'date-fns';
import type { ParticipantRole, Session } from './model';
import { isFinalStatus, type SessionStatus } from '../rules/status';

/**
 * The guards of the participant actions, in one place: may this participant join / mark a no-show at
 * `now`, and if not, why. The state machine (`transition`) refuses with exactly these answers; the
 * React kit and hosts ask the same functions to decide what to show, so no package re-implements a
 * rule. Pure and small (no errors are constructed here), so a browser bundle can import them.
 */

/** The session fields the guards read. A `PublicSession` or a full `Session` fits. */
export type GuardSession = Pick<
  Session,
  'status' | 'joinOpensAt' | 'scheduledStartAt' | 'scheduledEndAt' | 'noShowEligibleAt' | 'studentJoinedAt' | 'tutorJoinedAt'
>;

/**
 * The participants' earliest joins as the video provider reported them (matched by the host; see
 * `earliestJoin`), beside the Join button's `studentJoinedAt` / `tutorJoinedAt` on the session. Either may
 * be left out: no provider report.
 */
export interface ProviderJoins {
  readonly studentJoinedAt?: Date | null;
  readonly tutorJoinedAt?: Date | null;
}

/** An allowed action. */
export interface GuardAllowed {
  readonly allowed: true;
}

/** A refused action, with the stable error code the server answers for it. */
export interface GuardRefused<Code extends string> {
  readonly allowed: false;
  readonly code: Code;
  /** For `TOO_EARLY`: the first instant at which the action is allowed. */
  readonly availableAt?: Date;
  /** For `STUDENT_JOINED`: when the student's join was recorded. */
  readonly studentJoinedAt?: Date;
  /** For `STUDENT_JOINED`: where that join comes from (our Join button, or the video provider's report). */
  readonly source?: StudentJoinSource;
  /** For `TUTOR_JOINED`: when the tutor's join was recorded (and `source`, where it comes from). */
  readonly tutorJoinedAt?: Date;
}

/** Where the evidence of a student's join comes from: our Join button, or the video provider's report. */
export type StudentJoinSource = 'join_button' | 'provider';

/** A student's join that rules a no-show out, and where it comes from. */
export interface StudentJoinEvidence {
  readonly source: StudentJoinSource;
  /** When the student joined. */
  readonly studentJoinedAt: Date;
}

/** The answer of a guard. */
export type GuardResult<Code extends string> = GuardAllowed | GuardRefused<Code>;

/** Why a participant may not join. */
export type JoinRefusalCode = 'NOT_SESSION_PARTICIPANT' | 'SESSION_FINAL' | 'TOO_EARLY';

/** Why a participant may not mark the student absent. */
export type NoShowRefusalCode = 'NOT_SESSION_TUTOR' | 'SESSION_FINAL' | 'STUDENT_JOINED' | 'TOO_EARLY' | 'TUTOR_NOT_PRESENT';

/** Why a participant may not report the tutor absent. */
export type TutorAbsentRefusalCode = 'NOT_SESSION_STUDENT' | 'SESSION_FINAL' | 'TUTOR_JOINED' | 'TOO_EARLY' | 'STUDENT_NOT_PRESENT';

const ALLOWED: GuardAllowed = { allowed: true };

/**
 * May a participant with `role` (`null`: not a participant) join at `now`? From `joinOpensAt` until the
 * session is final (also after the scheduled end: DESIGN "joining is possible until final").
 */
export function joinGuard(session: GuardSession, role: ParticipantRole | null, now: Date): GuardResult<JoinRefusalCode> {
  if (role === null) return { allowed: false, code: 'NOT_SESSION_PARTICIPANT' };
  if (isFinalStatus(session.status)) return { allowed: false, code: 'SESSION_FINAL' };
  if (isBefore(now, session.joinOpensAt)) return { allowed: false, code: 'TOO_EARLY', availableAt: session.joinOpensAt };
  return ALLOWED;
}

/**
 * True when the student's recorded join rules a no-show out: a join at or before the end of the
 * no-show wait (`noShowEligibleAt`). A join after the wait does not.
 */
export function studentJoinedInTime(session: Pick<Session, 'studentJoinedAt' | 'noShowEligibleAt'>): boolean {
  return studentJoinEvidence(session) !== null;
}

/**
 * The evidence that the student joined within the no-show wait (at or before `noShowEligibleAt`), or
 * `null`: their join through our Join button (`studentJoinedAt`) first, else the earliest join the video
 * provider reported for the participant the host matched to the student (`providerStudentJoinedAt`, see
 * `earliestStudentJoin`). A join after the wait is no evidence; unknown participants never are.
 */
export function studentJoinEvidence(
  session: Pick<Session, 'studentJoinedAt' | 'noShowEligibleAt'>,
  providerStudentJoinedAt: Date | null = null,
): StudentJoinEvidence | null {
  // At or before the end of the wait; null, undefined and an invalid Date compare as NaN, false, so
  // they are no evidence. Short on purpose: this ships in the React kit's bundle.
  const inTime = (at: Date | null) => +(at ?? NaN) <= +session.noShowEligibleAt;
  return inTime(session.studentJoinedAt)
    ? { source: 'join_button', studentJoinedAt: session.studentJoinedAt as Date }
    : inTime(providerStudentJoinedAt)
      ? { source: 'provider', studentJoinedAt: providerStudentJoinedAt as Date }
      : null;
}

/** A join recorded at or before `now` (null, undefined and an invalid Date are none). */
const joinedBy = (at: Date | null | undefined, now: Date) => +(at ?? NaN) <= +now;

/**
 * The presence rule (DESIGN, third release): is `role`'s presence recorded at `now`, by our Join button
 * (`session.studentJoinedAt` / `tutorJoinedAt`) or by a provider report (`provider`)? Only a participant
 * who showed up may report the other absent.
 */
export function isPresent(session: Pick<Session, 'studentJoinedAt' | 'tutorJoinedAt'>, role: ParticipantRole, now: Date, provider: ProviderJoins = {}): boolean {
  return role === 'tutor'
    ? joinedBy(session.tutorJoinedAt, now) || joinedBy(provider.tutorJoinedAt, now)
    : joinedBy(session.studentJoinedAt, now) || joinedBy(provider.studentJoinedAt, now);
}

/**
 * May a participant with `role` mark the student absent at `now`? Only the tutor; only while not
 * final; only if the student had not joined within the wait — by our Join button or, when
 * `provider.studentJoinedAt` is given (the student's earliest provider-reported join), by the video
 * provider's report; only from `noShowEligibleAt`; and only while the tutor's own presence is recorded
 * (the presence rule: {@link isPresent}). Refusals are checked in that order, so a final session answers
 * `SESSION_FINAL` whatever the time. `STUDENT_JOINED` carries the join's time and source.
 */
export function noShowGuard(
  session: GuardSession,
  role: ParticipantRole | null,
  now: Date,
  provider: ProviderJoins = {},
): GuardResult<NoShowRefusalCode> {
  if (role !== 'tutor') return { allowed: false, code: 'NOT_SESSION_TUTOR' };
  if (isFinalStatus(session.status)) return { allowed: false, code: 'SESSION_FINAL' };
  const evidence = studentJoinEvidence(session, provider.studentJoinedAt ?? null);
  if (evidence) return { allowed: false, code: 'STUDENT_JOINED', ...evidence };
  if (isBefore(now, session.noShowEligibleAt)) {
    return { allowed: false, code: 'TOO_EARLY', availableAt: session.noShowEligibleAt };
  }
  if (!isPresent(session, 'tutor', now, provider)) return { allowed: false, code: 'TUTOR_NOT_PRESENT' };
  return ALLOWED;
}

/**
 * The evidence that the tutor joined within the no-show wait (at or before `noShowEligibleAt`), by our
 * Join button first, else by the provider's report, or `null`. A tutor who came later is still absent
 * for the rule (DESIGN: "the tutor not having joined by then").
 */
export function tutorJoinEvidence(
  session: Pick<Session, 'tutorJoinedAt' | 'noShowEligibleAt'>,
  providerTutorJoinedAt: Date | null = null,
): { readonly source: StudentJoinSource; readonly tutorJoinedAt: Date } | null {
  const inTime = (at: Date | null) => +(at ?? NaN) <= +session.noShowEligibleAt;
  return inTime(session.tutorJoinedAt)
    ? { source: 'join_button', tutorJoinedAt: session.tutorJoinedAt as Date }
    : inTime(providerTutorJoinedAt)
      ? { source: 'provider', tutorJoinedAt: providerTutorJoinedAt as Date }
      : null;
}

/**
 * May a participant with `role` report the tutor absent at `now` (`NO_SHOW_TUTOR`)? Only the student;
 * only while not final; only if the tutor had not joined by the end of the wait (`noShowEligibleAt`, by
 * any source: `TUTOR_JOINED`); only from `noShowEligibleAt`; and only while the student's own presence is
 * recorded (the presence rule). Checked in that order.
 */
export function tutorAbsentGuard(
  session: GuardSession,
  role: ParticipantRole | null,
  now: Date,
  provider: ProviderJoins = {},
): GuardResult<TutorAbsentRefusalCode> {
  if (role !== 'student') return { allowed: false, code: 'NOT_SESSION_STUDENT' };
  if (isFinalStatus(session.status)) return { allowed: false, code: 'SESSION_FINAL' };
  const evidence = tutorJoinEvidence(session, provider.tutorJoinedAt ?? null);
  if (evidence) return { allowed: false, code: 'TUTOR_JOINED', ...evidence };
  if (isBefore(now, session.noShowEligibleAt)) {
    return { allowed: false, code: 'TOO_EARLY', availableAt: session.noShowEligibleAt };
  }
  if (!isPresent(session, 'student', now, provider)) return { allowed: false, code: 'STUDENT_NOT_PRESENT' };
  return ALLOWED;
}

/**
 * Where a session stands in time at `now`: `waiting` before Join opens, `open` from then until the
 * start, `in-progress` until the scheduled end, `ended` after it while not yet settled, `final` once
 * the outcome is decided.
 */
export type SessionPhase = 'waiting' | 'open' | 'in-progress' | 'ended' | 'final';

/** The {@link SessionPhase} of `session` at `now`. */
export function sessionPhase(
  session: Pick<Session, 'status' | 'joinOpensAt' | 'scheduledStartAt' | 'scheduledEndAt'>,
  now: Date,
): SessionPhase {
  if (isFinalStatus(session.status)) return 'final';
  if (isBefore(now, session.joinOpensAt)) return 'waiting';
  if (isBefore(now, session.scheduledStartAt)) return 'open';
  if (isBefore(now, session.scheduledEndAt)) return 'in-progress';
  return 'ended';
}

/**
 * The status a reader should show at `now`: the stored status, except that a stored `SCHEDULED`
 * session counts as `JOIN_OPEN` from `joinOpensAt` on (the stored status lags until someone joins).
 */
export function effectiveStatus(
  session: Pick<Session, 'status' | 'joinOpensAt'>,
  now: Date,
): SessionStatus {
  if (session.status === 'SCHEDULED' && !isBefore(now, session.joinOpensAt)) return 'JOIN_OPEN';
  return session.status;
}

/** The role of `userId` in the session, or `null` if they take no part. */
export function roleOf(session: Pick<Session, 'tutorId' | 'studentId'>, userId: string): ParticipantRole | null {
  if (userId === session.tutorId) return 'tutor';
  if (userId === session.studentId) return 'student';
  return null;
}
