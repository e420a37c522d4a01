import { addMinutes, isAfter, isBefore } from 'date-fns';
import { SessionError } from '../errors';
import { amountsForOutcome, assertValidPriceMinor } from '../rules/money';
import { cancellationQuote } from '../rules/cancellation';
import { computeSessionTimings, EARLIEST_INSTANT, LATEST_INSTANT } from '../rules/timing';
import type { Booking, Meeting } from '../ports';
import { DEFAULT_POLICY, type SessionPolicy } from '../rules/policy';
import { isFinalStatus, type SettledOutcome } from '../rules/status';
import { recordChargeResult, type ChargeAnswer, type RefundAnswer } from '../ledger/answers';
import { expireCharge, openAttempt, openNextAttempt } from '../ledger/charges';
import { recordRefundResult, requestRefund, type Refund, type RefundRequest } from '../ledger/refunds';
import { recordPayoutResult, sendPayout, type Payout, type PayoutLedger } from '../ledger/payouts';
import { actOnDispute, openDispute, type DisputeAction, type DisputeReason, type DisputeRole } from '../ledger/disputes';
import type { PayoutAnswer } from '../ledger/answers';
import type { CancelledBy, Session, SessionEventDraft, VideoProviderName } from './model';
import {
  joinGuard,
  noShowGuard,
  roleOf,
  tutorAbsentGuard,
  type GuardRefused,
  type JoinRefusalCode,
  type NoShowRefusalCode,
  type TutorAbsentRefusalCode,
} from './guards';
import { autoNoShowEvidence, autoTutorNoShowEvidence, nobodyJoinedEvidence, type AttendanceEntry } from './attendance';
import {
  accepted,
  finalRefusal,
  refuse,
  SYSTEM_ACTOR,
  transitionContext,
  unchanged,
  type TransitionContext,
  type TransitionOk,
  type TransitionRefused,
  type TransitionResult,
} from './transition';

/**
 * The session state machine: a pure function from (session, command, now) to the next session plus the
 * audit events, ledger changes and effects it implies, or a typed refusal. No I/O and no clock reads; the
 * command runner (`command/runner.ts`) runs the effects through ports. The session's own lifecycle (join,
 * no-show, settle, meeting end, cancel) is decided here; ledger commands are passed to the ledger's
 * machine (`ledger/charges.ts`, `ledger/answers.ts`, `ledger/refunds.ts`), which owns their effects.
 */

/** Commands the state machine understands. */
export type SessionCommand =
  /** A participant asks to join (record the join, then hand out the URL). */
  | { readonly type: 'JOIN'; readonly actorId: string }
  /**
   * The tutor marks the student absent. `providerStudentJoinedAt` / `providerTutorJoinedAt`: the
   * participants' earliest joins as the video provider reported them (the service loads them from the
   * attendance; see `providerJoins`), so a student in the meeting within the wait cannot be marked absent,
   * and a tutor in the meeting counts as present (the presence rule).
   */
  | {
      readonly type: 'MARK_NO_SHOW';
      readonly actorId: string;
      readonly providerStudentJoinedAt?: Date | null;
      readonly providerTutorJoinedAt?: Date | null;
    }
  /**
   * The student reports the tutor absent (`NO_SHOW_TUTOR`: no charge, no payout), with the provider's
   * joins as for `MARK_NO_SHOW`. See `tutorAbsentGuard`.
   */
  | {
      readonly type: 'REPORT_TUTOR_ABSENT';
      readonly actorId: string;
      readonly providerStudentJoinedAt?: Date | null;
      readonly providerTutorJoinedAt?: Date | null;
    }
  /**
   * The cron job settles the session at its scheduled end. `attendance`: the session's provider-reported
   * attendance (read when the adapter stores attendance and it can matter: see `settlementWrite`), the
   * evidence of `NOBODY_JOINED` and of the automatic no-shows. `meetingNeverStarted`: the provider said,
   * when asked, that the meeting never started (`MeetingTimes.neverStarted`). `meetingEndUnknown`: the run
   * could not learn the meeting's actual end from the provider within the reconciliation window, and
   * settles on what it knows (kept in the audit event).
   */
  | {
      readonly type: 'SETTLE';
      readonly attendance?: readonly Pick<AttendanceEntry, 'role' | 'kind' | 'occurredAt' | 'participantId'>[];
      readonly meetingNeverStarted?: boolean;
      readonly meetingEndUnknown?: 'provider_unavailable';
    }
  /**
   * The meeting's end as the provider reported it: a webhook, or reconciliation (settlement asking the
   * provider before it decides). `source` is kept in the audit event.
   */
  | { readonly type: 'RECORD_MEETING_ENDED'; readonly endedAt: Date; readonly source?: MeetingEndSource }
  /**
   * A participant or the platform cancels before the start; the student's cancellation costs the fee of
   * its tier (`cancellationQuote`). `expectedChargeMinor`: the fee the canceller was shown and confirmed;
   * when given and no longer the fee, refused with `CANCELLATION_FEE_CHANGED` (`details.quote`: the fee now).
   */
  | {
      readonly type: 'CANCEL';
      readonly actorId: string;
      readonly by: CancelledBy;
      readonly reason?: string;
      readonly expectedChargeMinor?: number;
    }
  /**
   * Moves the session to start at `startAt` (same duration, id, booking and meeting), by a participant or
   * the platform, before the start and at least `rescheduleMinNoticeMinutes` ahead of both the old and
   * the new start. The timings move with the start by the session's own stored numbers (its join lead,
   * no-show wait and minimum payable length), never by today's policy. A move to where the session
   * already is changes nothing (a retry after a lost answer).
   */
  | { readonly type: 'RESCHEDULE'; readonly actorId: string; readonly by: CancelledBy; readonly startAt: Date; readonly reason?: string }
  /**
   * The payment gateway answered for ledger attempt `attempt` (already validated: see
   * `classifyChargeResult` in the settlement runner). `unknown` covers a call that threw or timed out.
   */
  | { readonly type: 'RECORD_CHARGE_RESULT'; readonly attempt: number; readonly result: ChargeAnswer }
  /** Opens the next ledger attempt (a new key) after the previous one was declined. */
  | { readonly type: 'OPEN_CHARGE_ATTEMPT' }
  /**
   * The charge deadline (`finalizedAt` + `chargeDeadlineMinutes`) passed with the charge still to be
   * collected: it is failed for good and flagged for a person *without another gateway call* and without
   * opening another attempt. The deadline sits inside the gateway's idempotency-key lifetime; a retry of an
   * open attempt sent after it (a cron that was down for a while) could reach a gateway that has forgotten
   * the key and take the money a second time. The attempt's row keeps its last answer, so a late answer can
   * still be recorded.
   */
  | { readonly type: 'EXPIRE_CHARGE' }
  /**
   * Opens a refund of the session's succeeded charge: `amountMinor` (whole, ≥ 1), or, when `null`, all that
   * is left of it. `charges` and `refunds` are the session's ledger as read with the session (the write's
   * compare-and-set on the session's version guarantees they were current). Refused with
   * `NOTHING_TO_REFUND` (no succeeded charge, or nothing left of it), `REFUND_EXCEEDS_CHARGE` (more than is
   * left) or `INVALID_INPUT`.
   */
  | ({ readonly type: 'REQUEST_REFUND' } & RefundRequest)
  /**
   * The gateway answered for refund number `refund` (validated: see `classifyRefundResult`). Only an open
   * refund (`pending` or `unknown`) takes an answer; an answer for a settled one changes nothing.
   */
  | { readonly type: 'RECORD_REFUND_RESULT'; readonly refund: number; readonly result: RefundAnswer; readonly refunds: readonly Refund[] }
  /**
   * Sends payout `payout` (`after_review`): due, no dispute holding it, for what is left to pay; or sends a
   * sent, unanswered one again under its key. `ledger` is the session's ledger as read with it.
   */
  | { readonly type: 'SEND_PAYOUT'; readonly payout: number; readonly ledger: PayoutLedger; readonly resendBefore?: Date }
  /** The gateway answered for payout `payout` (validated: see `classifyPayoutResult`). */
  | { readonly type: 'RECORD_PAYOUT_RESULT'; readonly payout: number; readonly result: PayoutAnswer; readonly payouts: readonly Payout[] }
  /** The session's student opens its one dispute (see `ledger/disputes.ts`). */
  | { readonly type: 'OPEN_DISPUTE'; readonly actorId: string; readonly reason: DisputeReason; readonly message: string; readonly ledger: PayoutLedger }
  /** A step on the session's dispute by `role` (checked by the caller for `platform`). */
  | {
      readonly type: 'DISPUTE_ACTION';
      readonly actorId: string;
      readonly role: DisputeRole;
      readonly action: DisputeAction;
      readonly message?: string;
      readonly ledger: PayoutLedger;
    };

/** Where a recorded meeting end comes from: a provider webhook, settlement's reconciliation, or the host. */
export type MeetingEndSource = 'webhook' | 'reconciliation' | 'host';

type GuardCode = JoinRefusalCode | NoShowRefusalCode | TutorAbsentRefusalCode;

const REFUSAL_MESSAGES: Record<GuardCode, string> = {
  NOT_SESSION_PARTICIPANT: "Only the session's tutor or student may join",
  NOT_SESSION_TUTOR: "Only the session's tutor may mark a no-show",
  NOT_SESSION_STUDENT: "Only the session's student may report the tutor absent",
  SESSION_FINAL: 'Session is already final',
  TOO_EARLY: 'Not possible yet',
  STUDENT_JOINED: 'The student joined within the no-show wait',
  TUTOR_JOINED: 'The tutor joined within the no-show wait',
  TUTOR_NOT_PRESENT: 'Only a tutor who is in the session may mark the student absent: join first',
  STUDENT_NOT_PRESENT: 'Only a student who is in the session may report the tutor absent: join first',
};

/** The state machine's refusal for a guard's answer (the same codes and details). */
function refuseBy(guard: GuardRefused<GuardCode>, session: Session): TransitionRefused {
  if (guard.code === 'SESSION_FINAL') return finalRefusal(session);
  const details: Record<string, unknown> = {};
  if (guard.availableAt) details.availableAt = guard.availableAt;
  if (guard.studentJoinedAt) details.studentJoinedAt = guard.studentJoinedAt;
  if (guard.tutorJoinedAt) details.tutorJoinedAt = guard.tutorJoinedAt;
  if (guard.source) details.source = guard.source;
  const message =
    guard.code === 'TOO_EARLY' && guard.availableAt
      ? `Not possible before ${guard.availableAt.toISOString()}`
      : guard.code === 'STUDENT_JOINED' && guard.source === 'provider'
        ? 'The student joined the meeting within the no-show wait (reported by the video provider)'
        : REFUSAL_MESSAGES[guard.code];
  return refuse(guard.code, message, details);
}

/**
 * Applies `command` to `session` at business time `now` under `policy`.
 * Never mutates its arguments; the next session has `version + 1`.
 */
export function transition(
  session: Session,
  command: SessionCommand,
  now: Date,
  policy: SessionPolicy = DEFAULT_POLICY,
): TransitionResult {
  const ctx = transitionContext(session, now, policy);
  switch (command.type) {
    case 'JOIN':
      return join(ctx, command.actorId);
    case 'MARK_NO_SHOW': {
      const guard = noShowGuard(session, roleOf(session, command.actorId), now, providerJoinsOf(command));
      if (!guard.allowed) return refuseBy(guard, session);
      return settleAs(ctx, 'NO_SHOW_STUDENT', command.actorId);
    }
    case 'REPORT_TUTOR_ABSENT': {
      const guard = tutorAbsentGuard(session, roleOf(session, command.actorId), now, providerJoinsOf(command));
      if (!guard.allowed) return refuseBy(guard, session);
      return settleAs(ctx, 'NO_SHOW_TUTOR', command.actorId);
    }
    case 'RESCHEDULE':
      return reschedule(ctx, command);
    case 'SETTLE':
      return settle(ctx, command);
    case 'RECORD_MEETING_ENDED':
      return recordMeetingEnded(ctx, command);
    case 'CANCEL':
      return cancel(ctx, command);
    // The ledger's commands: decided by the ledger's machine.
    case 'RECORD_CHARGE_RESULT':
      return recordChargeResult(ctx, command.attempt, command.result);
    case 'OPEN_CHARGE_ATTEMPT':
      return openNextAttempt(ctx);
    case 'EXPIRE_CHARGE':
      return expireCharge(ctx);
    case 'REQUEST_REFUND':
      return requestRefund(ctx, command);
    case 'RECORD_REFUND_RESULT':
      return recordRefundResult(ctx, command);
    case 'SEND_PAYOUT':
      return sendPayout(ctx, command.payout, command.ledger, command.resendBefore);
    case 'RECORD_PAYOUT_RESULT':
      return recordPayoutResult(ctx, command.payout, command.result, command.payouts);
    case 'OPEN_DISPUTE':
      return openDispute(ctx, command);
    case 'DISPUTE_ACTION':
      return actOnDispute(ctx, command);
  }
}

type CommandOf<T extends SessionCommand['type']> = Extract<SessionCommand, { type: T }>;

const providerJoinsOf = (c: { readonly providerStudentJoinedAt?: Date | null; readonly providerTutorJoinedAt?: Date | null }) => ({
  studentJoinedAt: c.providerStudentJoinedAt ?? null,
  tutorJoinedAt: c.providerTutorJoinedAt ?? null,
});

/** `JOIN`: the first join time per role; a repeated join changes nothing (idempotent clicks). */
function join(ctx: TransitionContext, actorId: string): TransitionResult {
  const { session, now } = ctx;
  const role = roleOf(session, actorId);
  const guard = joinGuard(session, role, now);
  if (!guard.allowed) return refuseBy(guard, session);
  const field = role === 'student' ? 'studentJoinedAt' : 'tutorJoinedAt';
  if (session[field] !== null && session.status === 'JOIN_OPEN') return unchanged(session);
  const first = session[field] === null;
  return accepted(ctx.next({ status: 'JOIN_OPEN', [field]: first ? now : session[field] }), [
    ctx.event('session.joined', actorId, { role, first }),
  ]);
}

/** `SETTLE`: at the scheduled end, the outcome of the early-end rule, or the automatic no-show. */
function settle(ctx: TransitionContext, command: CommandOf<'SETTLE'>): TransitionResult {
  const { session, now, policy } = ctx;
  if (isFinalStatus(session.status)) return finalRefusal(session);
  if (isBefore(now, session.chargeScheduledAt)) {
    return refuse('TOO_EARLY', 'Settlement happens at the scheduled end', { availableAt: session.chargeScheduledAt });
  }
  const entries = command.attendance ?? [];
  // Reliable evidence that nobody came comes first: neither may be charged or paid for a meeting the
  // provider says nobody attended.
  const nobody = nobodyJoinedEvidence(session, entries, command.meetingNeverStarted === true);
  if (nobody) return settleAs(ctx, 'NOBODY_JOINED', SYSTEM_ACTOR, { evidence: nobody });
  // The automatic tutor no-show (a policy switch, off by default): the provider saw the student, and
  // the tutor never came by any source.
  const tutorAbsent = policy.autoTutorNoShowFromAttendance && command.attendance ? autoTutorNoShowEvidence(session, entries) : null;
  if (tutorAbsent) {
    return settleAs(ctx, 'NO_SHOW_TUTOR', SYSTEM_ACTOR, { automatic: true, studentJoinedAt: tutorAbsent.studentJoinedAt.toISOString() });
  }
  // The automatic no-show (a policy switch, off by default): the provider's attendance shows the
  // tutor in the meeting for the whole wait and the student never there.
  const evidence = policy.autoNoShowFromAttendance && command.attendance ? autoNoShowEvidence(session, command.attendance) : null;
  if (evidence) {
    return settleAs(ctx, 'NO_SHOW_STUDENT', SYSTEM_ACTOR, {
      automatic: true,
      tutorPresentFrom: evidence.tutorPresentFrom.toISOString(),
      waitEndedAt: evidence.waitEndedAt.toISOString(),
    });
  }
  const detail = command.meetingEndUnknown ? { meetingEndUnknown: command.meetingEndUnknown } : {};
  return settleAs(ctx, settlementOutcome(session, policy), SYSTEM_ACTOR, detail);
}

/** `RECORD_MEETING_ENDED`: the latest reported end wins; an earlier or equal one changes nothing. */
function recordMeetingEnded(ctx: TransitionContext, command: CommandOf<'RECORD_MEETING_ENDED'>): TransitionResult {
  const { session, now } = ctx;
  if (isFinalStatus(session.status)) return finalRefusal(session);
  if (!(command.endedAt instanceof Date) || Number.isNaN(command.endedAt.getTime())) {
    return refuse('INVALID_INPUT', 'endedAt must be a valid instant');
  }
  if (isAfter(command.endedAt, now)) return refuse('INVALID_INPUT', 'endedAt must not be in the future');
  if (isBefore(command.endedAt, session.joinOpensAt)) {
    return refuse('INVALID_INPUT', 'endedAt is before the session could start (before joinOpensAt)', {
      issues: [{ path: 'endedAt', message: 'before joinOpensAt' }],
    });
  }
  if (session.meetingEndedAt !== null && !isAfter(command.endedAt, session.meetingEndedAt)) return unchanged(session);
  return accepted(ctx.next({ meetingEndedAt: command.endedAt }), [
    ctx.event('session.meeting_ended', SYSTEM_ACTOR, {
      endedAt: command.endedAt.toISOString(),
      previousEndedAt: session.meetingEndedAt?.toISOString() ?? null,
      ...(command.source ? { source: command.source } : {}),
    }),
  ]);
}

/** Refuses `by` unless the actor is that participant (the platform may act for anyone). */
function actingAs(session: Session, actorId: string, by: CancelledBy, what: string): TransitionRefused | null {
  if (by !== 'platform' && roleOf(session, actorId) !== by) {
    return refuse('NOT_SESSION_PARTICIPANT', `Only the session's ${by} may ${what} as ${by}`);
  }
  return null;
}

/**
 * `CANCEL`: before the scheduled start, by the tutor, the student or the platform. The student pays the
 * fee of the tier the moment falls in (`cancellationQuote`): `CANCELLED_LATE` takes it through the charge
 * ledger like any charged outcome; a free cancellation is `CANCELLED`.
 */
function cancel(ctx: TransitionContext, command: CommandOf<'CANCEL'>): TransitionResult {
  const { session, now, policy } = ctx;
  const notActor = actingAs(session, command.actorId, command.by, 'cancel');
  if (notActor) return notActor;
  if (isFinalStatus(session.status)) return finalRefusal(session);
  if (!isBefore(now, session.scheduledStartAt)) {
    return refuse('TOO_LATE', 'A session can only be cancelled before its scheduled start');
  }
  const quote = cancellationQuote(session, command.by, now, policy);
  if (command.expectedChargeMinor !== undefined && command.expectedChargeMinor !== quote.chargeMinor) {
    return refuse('CANCELLATION_FEE_CHANGED', `The cancellation fee is now ${quote.chargeMinor} (${quote.chargePercent} %), not ${String(command.expectedChargeMinor)}`, {
      quote,
    });
  }
  const detail = { by: command.by, reason: command.reason ?? null, chargePercent: quote.chargePercent, minutesBefore: quote.minutesBefore };
  if (quote.status === 'CANCELLED_LATE') {
    const settled = ctx.next({
      status: 'CANCELLED_LATE',
      finalizedAt: now,
      cancelledBy: command.by,
      chargeAmountMinor: quote.chargeMinor,
      payoutAmountMinor: quote.payoutMinor,
      platformFeeMinor: quote.feeMinor,
      chargeStatus: 'none',
      chargeIdempotencyKey: null,
    });
    const amounts = { chargeMinor: quote.chargeMinor, payoutMinor: quote.payoutMinor, feeMinor: quote.feeMinor };
    return openAttempt(ctx, { attempt: 1, actor: command.actorId, settled, events: [ctx.event('session.cancelled', command.actorId, { ...detail, outcome: 'CANCELLED_LATE', ...amounts })] });
  }
  const cancelled = ctx.next({
    status: 'CANCELLED',
    finalizedAt: now,
    cancelledBy: command.by,
    chargeAmountMinor: 0,
    payoutAmountMinor: 0,
    platformFeeMinor: 0,
    chargeStatus: 'none',
  });
  return accepted(cancelled, [ctx.event('session.cancelled', command.actorId, detail)]);
}

/**
 * `RESCHEDULE`: the session moves to `startAt` with its own stored timings (join lead, no-show wait,
 * minimum payable length and duration), before anyone joined and with at least the policy's
 * `rescheduleMinNoticeMinutes` before both the old and the new start.
 */
function reschedule(ctx: TransitionContext, command: CommandOf<'RESCHEDULE'>): TransitionResult {
  const { session, now, policy } = ctx;
  const notActor = actingAs(session, command.actorId, command.by, 'reschedule');
  if (notActor) return notActor;
  if (isFinalStatus(session.status)) return finalRefusal(session);
  const startAt = command.startAt;
  if (!(startAt instanceof Date) || Number.isNaN(startAt.getTime()) || startAt < EARLIEST_INSTANT || startAt > LATEST_INSTANT) {
    return refuse('INVALID_INPUT', 'startAt must be a valid instant', { issues: [{ path: 'startAt', message: 'not a valid instant' }] });
  }
  if (startAt.getTime() === session.scheduledStartAt.getTime()) return unchanged(session);
  const notice = policy.rescheduleMinNoticeMinutes;
  const lastMoment = addMinutes(session.scheduledStartAt, -notice);
  if (isAfter(now, lastMoment) || session.studentJoinedAt !== null || session.tutorJoinedAt !== null) {
    return refuse('TOO_LATE', `A session can only be rescheduled up to ${notice} minutes before its start, before anyone joined`, {
      availableUntil: lastMoment,
    });
  }
  if (isBefore(startAt, addMinutes(now, notice))) {
    return refuse('INVALID_INPUT', `The new start must be at least ${notice} minutes ahead`, {
      issues: [{ path: 'startAt', message: `less than ${notice} minutes ahead` }],
    });
  }
  const shift = (at: Date) => new Date(at.getTime() + (startAt.getTime() - session.scheduledStartAt.getTime()));
  const moved = ctx.next({
    status: 'SCHEDULED',
    scheduledStartAt: startAt,
    scheduledEndAt: shift(session.scheduledEndAt),
    joinOpensAt: shift(session.joinOpensAt),
    noShowEligibleAt: shift(session.noShowEligibleAt),
    chargeScheduledAt: shift(session.chargeScheduledAt),
  });
  return accepted(moved, [
    ctx.event('session.rescheduled', command.actorId, {
      by: command.by,
      reason: command.reason ?? null,
      previousStartAt: session.scheduledStartAt.toISOString(),
      previousEndAt: session.scheduledEndAt.toISOString(),
      startAt: moved.scheduledStartAt.toISOString(),
      endAt: moved.scheduledEndAt.toISOString(),
    }),
  ]);
}

/** The outcome settlement gives a non-final session, per the early-end rule and policy switch. */
export function settlementOutcome(
  session: Pick<Session, 'meetingEndedAt' | 'scheduledEndAt' | 'scheduledStartAt' | 'minPayableMinutes'>,
  policy: SessionPolicy = DEFAULT_POLICY,
): 'COMPLETED_ASSUMED' | 'EARLY_END_SHORT' {
  const ended = session.meetingEndedAt;
  if (ended === null || !isBefore(ended, session.scheduledEndAt)) return 'COMPLETED_ASSUMED';
  if (
    policy.chargeEarlyEndAfterMinPayable &&
    !isBefore(ended, addMinutes(session.scheduledStartAt, session.minPayableMinutes))
  ) {
    return 'COMPLETED_ASSUMED';
  }
  return 'EARLY_END_SHORT';
}

/**
 * The session becomes final as `outcome` with its amounts (the money rule: `amountsForOutcome`) and the
 * settling event; an outcome that charges opens the ledger's first attempt.
 */
function settleAs(ctx: TransitionContext, outcome: SettledOutcome, actor: string, detail: Record<string, unknown> = {}): TransitionOk {
  const split = amountsForOutcome(ctx.session.priceMinor, outcome, ctx.policy);
  const settled = ctx.next({
    status: outcome,
    finalizedAt: ctx.now,
    chargeAmountMinor: split.chargeMinor,
    payoutAmountMinor: split.payoutMinor,
    platformFeeMinor: split.feeMinor,
    chargeStatus: 'none',
    chargeIdempotencyKey: null,
  });
  const amounts = { chargeMinor: split.chargeMinor, payoutMinor: split.payoutMinor, feeMinor: split.feeMinor };
  const type = outcome === 'NO_SHOW_STUDENT' ? 'session.no_show_marked' : outcome === 'NO_SHOW_TUTOR' ? 'session.tutor_no_show_marked' : 'session.settled';
  const events = [ctx.event(type, actor, { outcome, ...amounts, ...detail })];
  if (split.chargeMinor === 0) return accepted(settled, events);
  return openAttempt(ctx, { attempt: 1, actor, settled, events });
}


/** What opening a session needs besides the booking: decided by the creation service (`session/create.ts`). */
export interface SessionOpening {
  readonly id: string;
  readonly provider: VideoProviderName;
  readonly meeting: Meeting;
  readonly actorId: string;
  readonly now: Date;
  readonly policy?: SessionPolicy;
}

/**
 * The session a confirmed booking opens, `SCHEDULED` at version 1, with its `session.created` event: the
 * first state of the machine. Pure; the booking must be valid (`validateBooking`).
 */
export function openSession(booking: Booking, opening: SessionOpening): { readonly session: Session; readonly events: readonly SessionEventDraft[] } {
  const policy = opening.policy ?? DEFAULT_POLICY;
  const { now } = opening;
  const session: Session = {
    id: opening.id,
    bookingId: booking.bookingId,
    tutorId: booking.tutorId,
    studentId: booking.studentId,
    status: 'SCHEDULED',
    version: 1,
    ...computeSessionTimings(booking.scheduledStartAt, booking.durationMinutes, policy),
    priceMinor: booking.priceMinor,
    currency: booking.currency ?? policy.currency,
    payoutTiming: policy.payoutTiming,
    provider: opening.provider,
    meetingId: opening.meeting.meetingId,
    joinUrl: opening.meeting.joinUrl,
    studentJoinedAt: null,
    tutorJoinedAt: null,
    meetingEndedAt: null,
    finalizedAt: null,
    cancelledBy: null,
    chargeAmountMinor: null,
    payoutAmountMinor: null,
    platformFeeMinor: null,
    chargeStatus: 'none',
    chargeIdempotencyKey: null,
    chargeAttempts: 0,
    chargeReference: null,
    claimedUntil: null,
    createdAt: now,
    updatedAt: now,
  };
  const created = transitionContext(session, now, policy).event('session.created', opening.actorId, {
    bookingId: booking.bookingId,
    provider: opening.provider,
    priceMinor: booking.priceMinor,
  });
  return { session, events: [created] };
}

const invalid = (path: string, message: string, text: string) => new SessionError('INVALID_INPUT', text, { issues: [{ path, message }] });

/**
 * Refuses a booking the machine cannot open a session for (`INVALID_INPUT`, or `INVALID_INPUT` from the
 * timing and money rules): ids, price, currency, start and duration, a tutor booking themselves.
 */
export function validateBooking(booking: Booking, policy: SessionPolicy = DEFAULT_POLICY): void {
  computeSessionTimings(booking.scheduledStartAt, booking.durationMinutes, policy);
  assertValidPriceMinor(booking.priceMinor);
  for (const key of ['bookingId', 'tutorId', 'studentId'] as const) {
    if (typeof booking[key] !== 'string' || booking[key].trim() === '' || booking[key].length > 200) {
      throw invalid(key, 'invalid', `${key} must be a non-empty string of at most 200 characters`);
    }
  }
  if (booking.currency !== undefined && !/^[A-Z]{3}$/.test(booking.currency)) {
    throw invalid('currency', 'invalid', 'currency must be a three-letter ISO 4217 code');
  }
  if (booking.tutorId === booking.studentId) throw invalid('studentId', 'equals tutorId', 'A tutor cannot book themselves');
}
