import {
  effectiveStatus,
  fromSessionJson,
  joinGuard,
  noShowGuard,
  secondsUntil,
  sessionPhase,
  tutorAbsentGuard,
  type GuardResult,
  type NoShowQuote,
  type ParticipantRole,
  type PublicSession,
  type SessionJson,
  type SessionPhase,
  type SessionStatus,
} from './deps';

/**
 * What a participant may do at an instant, as the Join, No-show and tutor-absence UIs need it. No rule
 * lives here: the phases and the guards are the core's (`sessionPhase`, `joinGuard`, `noShowGuard`,
 * `tutorAbsentGuard`), the same functions
 * the server's state machine refuses with. What this module adds is React-side only: the `unknown`
 * phase before an instant is known (server render without `initialNow`), the server's later instant
 * after a `TOO_EARLY` (`notBefore`), and countdown seconds. No React, no clock reads: the hooks feed
 * them the shared clock's instant; hosts may call them anywhere (a server too).
 */

/** A session as the components accept it: the core's `PublicSession` or its JSON form. */
export type SessionInput = PublicSession | SessionJson;

/** Returns a `PublicSession` (instants as `Date`s) from either form (internal). */
export function toPublicSessionInput(session: SessionInput): PublicSession {
  return session.scheduledStartAt instanceof Date ? (session as PublicSession) : fromSessionJson(session);
}

/**
 * The server's {@link NoShowQuote} carried by the session JSON (`toSessionJson(session, { policy })`):
 * what a no-show would cost. `null` for a `PublicSession` (no JSON), JSON without one (the policy was not
 * known to the server, or no no-show is possible any more). The browser never computes it.
 */
export function noShowQuoteOf(session: SessionInput): NoShowQuote | null {
  return ('noShowQuote' in session && session.noShowQuote) || null;
}

/** Where a session stands for the Join button. `unknown`: no instant yet (server render without one). */
export type JoinPhase = 'unknown' | SessionPhase;

/** What {@link joinStateAt} derives. */
export interface JoinState {
  readonly phase: JoinPhase;
  /** Effective status at the instant (the stored status when the instant is unknown). */
  readonly status: SessionStatus;
  /** True when Join may be pressed (core `joinGuard`): from `opensAt` until the session is final. */
  readonly canJoin: boolean;
  /** When Join opens: `joinOpensAt`, or later if the server said so (`notBefore`). */
  readonly opensAt: Date;
  /** Whole seconds until `opensAt` (0 once open); `null` when the instant is unknown or final. */
  readonly secondsUntilOpen: number | null;
  /** Whole seconds until the scheduled start (0 once started); `null` when unknown or final. */
  readonly secondsUntilStart: number | null;
  /**
   * True while a no-show is still to come: core `noShowGuard` answers `TOO_EARLY` (the wait is not over,
   * the student has not joined in time, the session is not final).
   */
  readonly showNoShowWarning: boolean;
  /** The session's stored no-show wait, in minutes. */
  readonly noShowWaitMinutes: number;
  /**
   * Share of the price a no-show charges, in basis points, as the server stated it (the session JSON's
   * `noShowQuote.chargeBps`); `null` when the session carries no quote.
   */
  readonly noShowChargeBps: number | null;
}

/** Options for {@link joinStateAt} and {@link noShowStateAt}. */
export interface JoinStateOptions {
  /** Who asks (Join's rule is the same for both participants). Default `'student'`. */
  readonly role?: ParticipantRole;
  /** Epoch ms before which the action stays closed: the server's `availableAt` after `TOO_EARLY`. */
  readonly notBefore?: number | null;
}

/** The Join state of `session` at `now` (epoch ms, or `null` for "not known yet"). */
export function joinStateAt(session: SessionInput, now: number | null, options: JoinStateOptions = {}): JoinState {
  const s = toPublicSessionInput(session);
  const opens = new Date(Math.max(+s.joinOpensAt, options.notBefore ?? 0));
  const at = new Date(now ?? 0);
  const known = now !== null;
  // The core's phase (`final` whatever the instant); before the server's later instant (`notBefore`)
  // Join still counts as waiting.
  const core = sessionPhase(s, at);
  const phase: JoinPhase = core === 'final' ? 'final' : !known ? 'unknown' : at < opens ? 'waiting' : core;
  const live = known && phase !== 'final';
  const noShow = noShowGuard(s, 'tutor', known ? at : s.noShowEligibleAt);
  const code = noShow.allowed ? null : noShow.code;
  return {
    phase,
    status: live ? effectiveStatus(s, at) : s.status,
    canJoin: live && at >= opens && joinGuard(s, options.role ?? 'student', at).allowed,
    opensAt: opens,
    secondsUntilOpen: live ? secondsUntil(opens, at) : null,
    secondsUntilStart: live ? secondsUntil(s.scheduledStartAt, at) : null,
    // Before an instant is known: shown unless a refusal no wait can lift (final, joined in time). The
    // tutor's own presence (`TUTOR_NOT_PRESENT`) is no such refusal: a no-show is still to come.
    showNoShowWarning: known ? code === 'TOO_EARLY' : code !== 'SESSION_FINAL' && code !== 'STUDENT_JOINED',
    noShowWaitMinutes: s.noShowWaitMinutes,
    noShowChargeBps: noShowQuoteOf(session)?.chargeBps ?? null,
  };
}

/**
 * Where a session stands for the no-show button (and, as {@link TutorAbsentPhase}, for the tutor-absence
 * button). `not-present`: the wait is over, but the asker's own presence is not recorded (the presence
 * rule: core `TUTOR_NOT_PRESENT`); the button is shown disabled and says why. `hidden`: show nothing (see
 * `hiddenReason`).
 */
export type NoShowPhase = 'unknown' | 'waiting' | 'open' | 'not-present' | 'hidden';

/** Why the no-show button is hidden. */
export type NoShowHiddenReason = 'final' | 'student-joined';

/** What {@link noShowStateAt} derives. */
export interface NoShowState {
  readonly phase: NoShowPhase;
  readonly hiddenReason: NoShowHiddenReason | null;
  /** True when the tutor may mark a no-show now. */
  readonly canMarkNoShow: boolean;
  /** When a no-show becomes possible: `noShowEligibleAt`, or later if the server said so. */
  readonly eligibleAt: Date;
  /** Whole seconds until `eligibleAt` (0 once eligible); `null` when unknown or hidden. */
  readonly secondsUntilEligible: number | null;
  /**
   * What the no-show would cost, as the server stated it (the session JSON's `noShowQuote`): what the
   * confirmation says. `null` when the session carries no quote.
   */
  readonly quote: NoShowQuote | null;
}

/** Options for {@link noShowStateAt}. */
export interface NoShowStateOptions extends JoinStateOptions {
  /**
   * The student's earliest join as the video provider reports it (`useSessionAttendance`'s
   * `summary.studentJoinedAt`): a join within the wait hides the no-show as our Join button's does
   * (`hiddenReason: 'student-joined'`), since the server would refuse it (`STUDENT_JOINED`).
   */
  readonly providerStudentJoinedAt?: Date | string | null;
  /**
   * The tutor's earliest join as the video provider reports it (`summary.tutorJoinedAt`): with the
   * session's `tutorJoinedAt` (our Join button), what records the tutor's presence. Without either, the
   * no-show is `not-present` after the wait (core `TUTOR_NOT_PRESENT`).
   */
  readonly providerTutorJoinedAt?: Date | string | null;
}

/** An instant given as a `Date`, an ISO string or nothing, as a `Date` (or `null`) for the guards. */
const joinedAt = (value: Date | string | null | undefined): Date | null => (value ? new Date(value) : null);

/** What the two absence states share (internal): {@link noShowStateAt} and {@link tutorAbsentStateAt}. */
interface AbsenceStateAt<Hidden> {
  readonly phase: NoShowPhase;
  readonly hiddenReason: Hidden | null;
  readonly allowed: boolean;
  readonly eligibleAt: Date;
  readonly secondsUntilEligible: number | null;
}

/**
 * The phase of an absence report (`guard` asked at `now`, or at the eligibility instant when `now` is
 * unknown, so only the refusals time cannot change remain): hidden on the refusals of `hidden` (code →
 * reason: final, the other participant joined in time), `not-present` on any other refusal once the wait
 * is over (the guards' only refusal after it is the presence rule's).
 */
function absenceStateAt<Hidden extends string>(
  s: PublicSession,
  now: number | null,
  notBefore: number | null | undefined,
  guard: (at: Date) => GuardResult<string>,
  hidden: Readonly<Record<string, Hidden>>,
): AbsenceStateAt<Hidden> {
  const eligible = new Date(Math.max(+s.noShowEligibleAt, notBefore ?? 0));
  const result = guard(now === null ? eligible : new Date(now));
  const hiddenReason = (!result.allowed && hidden[result.code]) || null;
  const known = now !== null && !hiddenReason;
  const waiting = known && now < +eligible;
  return {
    phase: hiddenReason ? 'hidden' : !known ? 'unknown' : waiting ? 'waiting' : result.allowed ? 'open' : 'not-present',
    hiddenReason,
    allowed: known && !waiting && result.allowed,
    eligibleAt: eligible,
    secondsUntilEligible: known ? secondsUntil(eligible, new Date(now)) : null,
  };
}

/**
 * The no-show state of `session` at `now` (epoch ms, or `null` for "not known yet"), for the session's
 * tutor (a student never may: `MarkNoShowButton` renders nothing for one).
 */
export function noShowStateAt(session: SessionInput, now: number | null, options: NoShowStateOptions = {}): NoShowState {
  const s = toPublicSessionInput(session);
  const provider = { studentJoinedAt: joinedAt(options.providerStudentJoinedAt), tutorJoinedAt: joinedAt(options.providerTutorJoinedAt) };
  const { allowed, ...state } = absenceStateAt(s, now, options.notBefore, (at) => noShowGuard(s, 'tutor', at, provider), {
    SESSION_FINAL: 'final',
    STUDENT_JOINED: 'student-joined',
  } as const);
  return { ...state, canMarkNoShow: allowed, quote: noShowQuoteOf(session) };
}

/** Where a session stands for the tutor-absence button: the same phases as the no-show's. */
export type TutorAbsentPhase = NoShowPhase;

/** Why the tutor-absence button is hidden: the session is final, or the tutor joined within the wait. */
export type TutorAbsentHiddenReason = 'final' | 'tutor-joined';

/** Options for {@link tutorAbsentStateAt}. */
export interface TutorAbsentStateOptions extends JoinStateOptions {
  /**
   * The tutor's earliest join as the video provider reports it (`useSessionAttendance`'s
   * `summary.tutorJoinedAt`): a join within the wait hides the report (`hiddenReason: 'tutor-joined'`),
   * as the session's `tutorJoinedAt` (our Join button) does, since the server would refuse it (`TUTOR_JOINED`).
   */
  readonly providerTutorJoinedAt?: Date | string | null;
  /**
   * The student's earliest join as the video provider reports it (`summary.studentJoinedAt`): with the
   * session's `studentJoinedAt`, what records the student's presence. Without either, the report is
   * `not-present` after the wait (core `STUDENT_NOT_PRESENT`).
   */
  readonly providerStudentJoinedAt?: Date | string | null;
}

/** What {@link tutorAbsentStateAt} derives. */
export interface TutorAbsentState {
  readonly phase: TutorAbsentPhase;
  readonly hiddenReason: TutorAbsentHiddenReason | null;
  /** True when the student may report the tutor absent now. */
  readonly canReport: boolean;
  /** When a report becomes possible: `noShowEligibleAt`, or later if the server said so. */
  readonly eligibleAt: Date;
  /** Whole seconds until `eligibleAt` (0 once eligible); `null` when unknown or hidden. */
  readonly secondsUntilEligible: number | null;
}

/**
 * The tutor-absence state of `session` at `now` (epoch ms, or `null` for "not known yet"), for the
 * session's student (`ReportTutorAbsentButton` renders nothing for a tutor): core `tutorAbsentGuard`,
 * with the same wait as the tutor's no-show (`noShowEligibleAt`).
 */
export function tutorAbsentStateAt(session: SessionInput, now: number | null, options: TutorAbsentStateOptions = {}): TutorAbsentState {
  const s = toPublicSessionInput(session);
  const provider = { studentJoinedAt: joinedAt(options.providerStudentJoinedAt), tutorJoinedAt: joinedAt(options.providerTutorJoinedAt) };
  const { allowed, ...state } = absenceStateAt(s, now, options.notBefore, (at) => tutorAbsentGuard(s, 'student', at, provider), {
    SESSION_FINAL: 'final',
    TUTOR_JOINED: 'tutor-joined',
  } as const);
  return { ...state, canReport: allowed };
}
