import { addMinutes, isAfter, isBefore } from 'date-fns';
import { SessionError } from '../errors';
import { amountsForOutcome } from '../rules/money';
import { DEFAULT_POLICY, type SessionPolicy } from '../rules/policy';
import type {
  CancelledBy,
  ChargeAttempt,
  ChargedOutcome,
  LedgerWrite,
  ParticipantRole,
  Session,
  SessionEventDraft,
} from './model';
import { isFinalStatus, type SessionStatus, type SettledOutcome } from '../rules/status';
import type { ChargeInstruction } from '../ports';
import {
  MAX_REFUND_REASON_LENGTH,
  refundedSoFar,
  refundIdempotencyKey,
  refundSplit,
  type Refund,
  type RefundInstruction,
} from '../ledger/refunds';
import { joinGuard, noShowGuard, type GuardRefused, type JoinRefusalCode, type NoShowRefusalCode } from './guards';
import { autoNoShowEvidence, type AttendanceEntry } from './attendance';

/**
 * The session state machine, in one place: a pure function from (session, command, now) to the next
 * session plus the audit events and effects it implies, or a typed refusal. No I/O and no clock reads;
 * services run the effects through ports.
 */

/** The actor id used for the cron job and provider webhooks. */
export const SYSTEM_ACTOR = 'system';

/** Commands the state machine understands. */
export type SessionCommand =
  /** A participant asks to join (record the join, then hand out the URL). */
  | { readonly type: 'JOIN'; readonly actorId: string }
  /**
   * The tutor marks the student absent. `providerStudentJoinedAt`: the student's earliest join as the
   * video provider reported it (the service loads it from the attendance; see `earliestStudentJoin`), so
   * a student in the meeting within the wait cannot be marked absent either.
   */
  | { readonly type: 'MARK_NO_SHOW'; readonly actorId: string; readonly providerStudentJoinedAt?: Date | null }
  /**
   * The cron job settles the session at its scheduled end. `attendance`: the session's provider-reported
   * attendance, read when the policy's `autoNoShowFromAttendance` is on (see `autoNoShowEvidence`).
   * `meetingEndUnknown`: the run could not learn the meeting's actual end from the provider within
   * the reconciliation window, and settles on what it knows (kept in the audit event).
   */
  | {
      readonly type: 'SETTLE';
      readonly attendance?: readonly Pick<AttendanceEntry, 'role' | 'kind' | 'occurredAt' | 'participantId'>[];
      readonly meetingEndUnknown?: 'provider_unavailable';
    }
  /**
   * The meeting's end as the provider reported it: a webhook, or reconciliation (settlement asking the
   * provider before it decides). `source` is kept in the audit event.
   */
  | { readonly type: 'RECORD_MEETING_ENDED'; readonly endedAt: Date; readonly source?: MeetingEndSource }
  /** A participant or the platform cancels before the start. */
  | { readonly type: 'CANCEL'; readonly actorId: string; readonly by: CancelledBy; readonly reason?: string }
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
  | {
      readonly type: 'REQUEST_REFUND';
      readonly amountMinor: number | null;
      readonly reason: string;
      readonly actorId: string;
      readonly charges: readonly ChargeAttempt[];
      readonly refunds: readonly Refund[];
    }
  /**
   * The gateway answered for refund number `refund` (validated: see `classifyRefundResult`). Only an open
   * refund (`pending` or `unknown`) takes an answer; an answer for a settled one changes nothing.
   */
  | { readonly type: 'RECORD_REFUND_RESULT'; readonly refund: number; readonly result: RefundAnswer; readonly refunds: readonly Refund[] };

/** Where a recorded meeting end comes from: a provider webhook, settlement's reconciliation, or the host. */
export type MeetingEndSource = 'webhook' | 'reconciliation' | 'host';

/**
 * A validated refund answer, as the state machine records it. `unknown` covers a call that threw or timed
 * out; `halted` (the gateway answered `halted`) records the refund as failed for good with the
 * answer's code, never sent again.
 */
export type RefundAnswer =
  | { readonly status: 'succeeded' | 'pending'; readonly reference: string | null }
  | { readonly status: 'failed'; readonly failureCode: string; readonly reference: string | null; readonly halted?: boolean }
  | { readonly status: 'unknown'; readonly reason: string; readonly reference: string | null };

/** A validated gateway answer, as the state machine records it. */
export type ChargeAnswer =
  | { readonly status: 'succeeded'; readonly reference: string | null }
  | { readonly status: 'failed'; readonly failureCode: string; readonly reference: string | null }
  | {
      readonly status: 'unknown';
      readonly reason: string;
      readonly reference: string | null;
      /**
       * The gateway halted the attempt (it answered `{ status: 'halted', code }`; `reason` is the code):
       * the charge is failed for good at once and never sent again; the ledger row becomes `halted` (its
       * `failureCode` the code) and never changes again. See `ChargeResult`.
       */
      readonly halted?: boolean;
    };

/** A side effect the runner must perform after the write succeeds. */
export type SessionEffect =
  | { readonly type: 'CHARGE'; readonly instruction: ChargeInstruction }
  | { readonly type: 'REFUND'; readonly instruction: RefundInstruction };

/** An accepted command. */
export interface TransitionOk {
  readonly ok: true;
  /**
   * False when the command was accepted but changes nothing (a participant's repeated join, a meeting
   * end no later than the one stored): the runner then writes nothing and appends no event.
   */
  readonly changed: boolean;
  readonly session: Session;
  readonly events: readonly SessionEventDraft[];
  /** Ledger changes to apply in the same atomic write. */
  readonly ledger: readonly LedgerWrite[];
  readonly effects: readonly SessionEffect[];
}

/** A refused command. The session is unchanged. */
export interface TransitionRefused {
  readonly ok: false;
  readonly error: SessionError;
}

/** Result of {@link transition}. */
export type TransitionResult = TransitionOk | TransitionRefused;

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

/** The idempotency key of a ledger attempt: one per session, outcome and attempt, never reused. */
export function chargeIdempotencyKey(sessionId: string, outcome: SessionStatus, attempt: number): string {
  return `itutor-session-${sessionId}-${outcome}-${attempt}`;
}

const refuse = (code: ConstructorParameters<typeof SessionError>[0], message: string, details = {}): TransitionRefused => ({
  ok: false,
  error: new SessionError(code, message, details),
});

const REFUSAL_MESSAGES: Record<JoinRefusalCode | NoShowRefusalCode, string> = {
  NOT_SESSION_PARTICIPANT: "Only the session's tutor or student may join",
  NOT_SESSION_TUTOR: "Only the session's tutor may mark a no-show",
  SESSION_FINAL: 'Session is already final',
  TOO_EARLY: 'Not possible yet',
  STUDENT_JOINED: 'The student joined within the no-show wait',
};

/** The state machine's refusal for a guard's answer (the same codes and details). */
function refuseBy(guard: GuardRefused<JoinRefusalCode | NoShowRefusalCode>, session: Session): TransitionRefused {
  if (guard.code === 'SESSION_FINAL') return finalRefusal(session);
  const details: Record<string, unknown> = {};
  if (guard.availableAt) details.availableAt = guard.availableAt;
  if (guard.studentJoinedAt) details.studentJoinedAt = guard.studentJoinedAt;
  if (guard.source) details.source = guard.source;
  const message =
    guard.code === 'TOO_EARLY' && guard.availableAt
      ? `Not possible before ${guard.availableAt.toISOString()}`
      : guard.code === 'STUDENT_JOINED' && guard.source === 'provider'
        ? 'The student joined the meeting within the no-show wait (reported by the video provider)'
        : REFUSAL_MESSAGES[guard.code];
  return refuse(guard.code, message, details);
}

const unchanged = (session: Session): TransitionOk => ({ ok: true, changed: false, session, events: [], ledger: [], effects: [] });

function finalRefusal(session: Session): TransitionRefused {
  return refuse('SESSION_FINAL', `Session is already final (${session.status})`, { status: session.status });
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
  const event = (type: SessionEventDraft['type'], actor: string, payload: Record<string, unknown> = {}): SessionEventDraft => ({
    type,
    sessionId: session.id,
    tutorId: session.tutorId,
    actor,
    occurredAt: now,
    payload,
  });
  const next = (changes: Partial<Session>): Session => ({
    ...session,
    ...changes,
    version: session.version + 1,
    updatedAt: now,
  });

  switch (command.type) {
    case 'JOIN': {
      const role = roleOf(session, command.actorId);
      const guard = joinGuard(session, role, now);
      if (!guard.allowed) return refuseBy(guard, session);
      const field = role === 'student' ? 'studentJoinedAt' : 'tutorJoinedAt';
      // A participant's repeated join changes nothing: no version bump, no event (idempotent clicks).
      if (session[field] !== null && session.status === 'JOIN_OPEN') return unchanged(session);
      const first = session[field] === null;
      return {
        ok: true,
        changed: true,
        session: next({
          status: 'JOIN_OPEN',
          [field]: first ? now : session[field],
        }),
        events: [event('session.joined', command.actorId, { role, first })],
        ledger: [],
        effects: [],
      };
    }

    case 'MARK_NO_SHOW': {
      const guard = noShowGuard(session, roleOf(session, command.actorId), now, command.providerStudentJoinedAt ?? null);
      if (!guard.allowed) return refuseBy(guard, session);
      return settleAs(session, 'NO_SHOW_STUDENT', command.actorId, now, policy, event, next);
    }

    case 'SETTLE': {
      if (isFinalStatus(session.status)) return finalRefusal(session);
      if (isBefore(now, session.chargeScheduledAt)) {
        return refuse('TOO_EARLY', 'Settlement happens at the scheduled end', { availableAt: session.chargeScheduledAt });
      }
      // The automatic no-show (a policy switch, off by default): the provider's attendance shows the
      // tutor in the meeting for the whole wait and the student never there.
      const evidence = policy.autoNoShowFromAttendance && command.attendance ? autoNoShowEvidence(session, command.attendance) : null;
      if (evidence) {
        return settleAs(session, 'NO_SHOW_STUDENT', SYSTEM_ACTOR, now, policy, event, next, {
          automatic: true,
          tutorPresentFrom: evidence.tutorPresentFrom.toISOString(),
          waitEndedAt: evidence.waitEndedAt.toISOString(),
        });
      }
      return settleAs(
        session,
        settlementOutcome(session, policy),
        SYSTEM_ACTOR,
        now,
        policy,
        event,
        next,
        command.meetingEndUnknown ? { meetingEndUnknown: command.meetingEndUnknown } : {},
      );
    }

    case 'RECORD_MEETING_ENDED': {
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
      // Several reports: the latest end of the meeting wins; an earlier or equal one changes nothing.
      if (session.meetingEndedAt !== null && !isAfter(command.endedAt, session.meetingEndedAt)) return unchanged(session);
      return {
        ok: true,
        changed: true,
        session: next({ meetingEndedAt: command.endedAt }),
        events: [
          event('session.meeting_ended', SYSTEM_ACTOR, {
            endedAt: command.endedAt.toISOString(),
            previousEndedAt: session.meetingEndedAt?.toISOString() ?? null,
            ...(command.source ? { source: command.source } : {}),
          }),
        ],
        ledger: [],
        effects: [],
      };
    }

    case 'CANCEL': {
      const role = roleOf(session, command.actorId);
      if (command.by !== 'platform' && role !== command.by) {
        return refuse('NOT_SESSION_PARTICIPANT', `Only the session's ${command.by} may cancel as ${command.by}`);
      }
      if (isFinalStatus(session.status)) return finalRefusal(session);
      if (!isBefore(now, session.scheduledStartAt)) {
        return refuse('TOO_LATE', 'A session can only be cancelled before its scheduled start');
      }
      return {
        ok: true,
        changed: true,
        session: next({
          status: 'CANCELLED',
          finalizedAt: now,
          cancelledBy: command.by,
          chargeAmountMinor: 0,
          payoutAmountMinor: 0,
          platformFeeMinor: 0,
          chargeStatus: 'none',
        }),
        events: [event('session.cancelled', command.actorId, { by: command.by, reason: command.reason ?? null })],
        ledger: [],
        effects: [],
      };
    }

    case 'RECORD_CHARGE_RESULT':
      return recordChargeResult(session, command.attempt, command.result, now, policy, event, next);

    case 'OPEN_CHARGE_ATTEMPT': {
      if (session.chargeStatus !== 'pending' || session.chargeIdempotencyKey !== null) {
        return refuse('NO_CHARGE_PENDING', `Session has no declined charge to retry (${session.chargeStatus})`);
      }
      return openAttempt(session, session.chargeAttempts + 1, SYSTEM_ACTOR, now, event, next({}));
    }

    case 'EXPIRE_CHARGE': {
      if (session.chargeStatus !== 'pending') {
        return refuse('NO_CHARGE_PENDING', `Session has no charge to collect (${session.chargeStatus})`);
      }
      const deadline = chargeDeadline(session, policy);
      if (deadline === null || isBefore(now, deadline)) {
        return refuse('TOO_EARLY', 'The charge deadline has not passed', deadline ? { availableAt: deadline } : {});
      }
      return {
        ok: true,
        changed: true,
        // An open attempt keeps its key (as for an unknown answer at the deadline): its answer is still unknown.
        session: next({ chargeStatus: 'failed' }),
        events: [
          event('charge.needs_attention', SYSTEM_ACTOR, {
            attempt: session.chargeAttempts,
            amountMinor: session.chargeAmountMinor,
            reason: 'deadline_passed',
            lastAnswer: session.chargeIdempotencyKey === null ? 'failed' : 'unknown',
            sent: false,
          }),
        ],
        ledger: [],
        effects: [],
      };
    }

    case 'REQUEST_REFUND':
      return requestRefund(session, command, now, event, next);

    case 'RECORD_REFUND_RESULT':
      return recordRefundResult(session, command.refund, command.result, command.refunds, now, event, next);
  }
}

/** The refund instruction for one of a session's refunds (its own key, the refunded attempt's reference). */
export function refundInstructionFor(refund: Refund, charge: Pick<ChargeAttempt, 'gatewayReference'>): RefundInstruction {
  if (charge.gatewayReference === null) {
    throw new SessionError('NOTHING_TO_REFUND', `Charge attempt ${refund.attempt} of session ${refund.sessionId} has no gateway reference`);
  }
  return {
    idempotencyKey: refund.idempotencyKey,
    sessionId: refund.sessionId,
    attempt: refund.attempt,
    gatewayReference: charge.gatewayReference,
    amountMinor: refund.amountMinor,
    currency: refund.currency,
  };
}

function requestRefund(
  session: Session,
  command: Extract<SessionCommand, { type: 'REQUEST_REFUND' }>,
  now: Date,
  event: EventFactory,
  next: (changes: Partial<Session>) => Session,
): TransitionResult {
  const issues: Array<{ path: string; message: string }> = [];
  if (command.amountMinor !== null && (!Number.isSafeInteger(command.amountMinor) || command.amountMinor < 1)) {
    issues.push({ path: 'amountMinor', message: 'must be a whole number of minor units ≥ 1' });
  }
  if (typeof command.reason !== 'string' || command.reason.trim() === '' || command.reason.length > MAX_REFUND_REASON_LENGTH) {
    issues.push({ path: 'reason', message: `must be a non-empty string of at most ${MAX_REFUND_REASON_LENGTH} characters` });
  }
  if (typeof command.actorId !== 'string' || command.actorId === '' || command.actorId.length > 200) {
    issues.push({ path: 'actorId', message: 'must be a non-empty string of at most 200 characters' });
  }
  if (issues.length > 0) {
    return refuse('INVALID_INPUT', `Invalid refund: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, { issues });
  }
  const charge = command.charges.find((a) => a.status === 'succeeded');
  if (session.chargeStatus !== 'succeeded' || charge === undefined || charge.gatewayReference === null) {
    return refuse('NOTHING_TO_REFUND', `Session has no succeeded charge to refund (${session.chargeStatus})`, { chargeStatus: session.chargeStatus });
  }
  const before = refundedSoFar(command.refunds.filter((r) => r.attempt === charge.attempt));
  const left = charge.amountMinor - before.amountMinor;
  if (left <= 0) return refuse('NOTHING_TO_REFUND', 'The charge is already refunded in full', { refundableMinor: 0 });
  const amountMinor = command.amountMinor ?? left;
  if (amountMinor > left) {
    return refuse('REFUND_EXCEEDS_CHARGE', `A refund of ${amountMinor} exceeds what is left of the charge (${left})`, {
      refundableMinor: left,
      requestedMinor: amountMinor,
    });
  }
  const split = refundSplit(charge, before, amountMinor);
  const number = command.refunds.reduce((max, r) => Math.max(max, r.refund), 0) + 1;
  const refund: Refund = {
    sessionId: session.id,
    refund: number,
    attempt: charge.attempt,
    idempotencyKey: refundIdempotencyKey(session.id, charge.attempt, number),
    amountMinor,
    payoutMinor: split.payoutMinor,
    feeMinor: split.feeMinor,
    currency: charge.currency,
    status: 'pending',
    reason: command.reason,
    requestedBy: command.actorId,
    gatewayReference: null,
    failureCode: null,
    calls: 0,
    requestedAt: now,
    answeredAt: null,
  };
  return {
    ok: true,
    changed: true,
    session: next({}),
    events: [
      event('refund.requested', command.actorId, {
        refund: number,
        attempt: charge.attempt,
        amountMinor,
        payoutMinor: split.payoutMinor,
        feeMinor: split.feeMinor,
        reason: command.reason,
      }),
    ],
    ledger: [{ type: 'refund_open', refund }],
    effects: [{ type: 'REFUND', instruction: refundInstructionFor(refund, charge) }],
  };
}

function recordRefundResult(
  session: Session,
  number: number,
  result: RefundAnswer,
  refunds: readonly Refund[],
  now: Date,
  event: EventFactory,
  next: (changes: Partial<Session>) => Session,
): TransitionResult {
  const refund = refunds.find((r) => r.refund === number);
  if (!refund) return refuse('NOT_FOUND', `Session has no refund ${number}`, { refund: number });
  // Only an open refund takes an answer: a settled one (succeeded / failed) never changes again, and a
  // refund the gateway accepted (`pending` with an answer) takes only its final answer.
  const settled = refund.status === 'succeeded' || refund.status === 'failed';
  const accepted = refund.status === 'pending' && refund.answeredAt !== null;
  if (settled || (accepted && (result.status === 'pending' || result.status === 'unknown'))) return unchanged(session);
  const facts = { refund: number, attempt: refund.attempt, amountMinor: refund.amountMinor };
  const failureCode = result.status === 'failed' ? result.failureCode : result.status === 'unknown' ? result.reason : null;
  const payload =
    result.status === 'failed'
      ? { ...facts, failureCode: result.failureCode, ...(result.halted ? { halted: true } : {}) }
      : result.status === 'unknown'
        ? { ...facts, reason: result.reason }
        : facts;
  return {
    ok: true,
    changed: true,
    session: next({}),
    events: [event(`refund.${result.status}`, SYSTEM_ACTOR, payload)],
    ledger: [
      {
        type: 'refund_answer',
        sessionId: session.id,
        refund: number,
        status: result.status,
        gatewayReference: result.reference,
        failureCode,
        answeredAt: now,
      },
    ],
    effects: [],
  };
}

/**
 * Validates a gateway's refund answer at the port, like `classifyChargeResult`: a well-formed `succeeded`,
 * `pending`, or `failed` with a failure code is taken as it is; a well-formed `halted` (with a `code`) is
 * failed for good with that code (`halted: true`); anything else is `unknown` (retried under the same key).
 */
export function classifyRefundResult(value: unknown): RefundAnswer {
  if (typeof value !== 'object' || value === null) return { status: 'unknown', reason: 'unrecognised_answer', reference: null };
  const answer = value as Record<string, unknown>;
  const reference = answer.reference === undefined || answer.reference === null ? null : text(answer.reference);
  const referenceOk = reference !== null || answer.reference === undefined || answer.reference === null;
  if ((answer.status === 'succeeded' || answer.status === 'pending') && referenceOk) return { status: answer.status, reference };
  if (answer.status === 'failed' && referenceOk && text(answer.failureCode) !== null) {
    return { status: 'failed', failureCode: answer.failureCode as string, reference };
  }
  if (answer.status === 'halted' && referenceOk && text(answer.code) !== null) {
    return { status: 'failed', failureCode: answer.code as string, reference, halted: true };
  }
  if (answer.status === 'unknown') return { status: 'unknown', reason: text(answer.reason) ?? 'gateway_unknown', reference };
  return { status: 'unknown', reason: 'unrecognised_answer', reference: null };
}

/** When a charge not yet collected is failed for good: `finalizedAt` + the policy's deadline. */
export function chargeDeadline(session: Pick<Session, 'finalizedAt'>, policy: SessionPolicy = DEFAULT_POLICY): Date | null {
  return session.finalizedAt === null ? null : addMinutes(session.finalizedAt, policy.chargeDeadlineMinutes);
}

function recordChargeResult(
  session: Session,
  attempt: number,
  result: ChargeAnswer,
  now: Date,
  policy: SessionPolicy,
  event: EventFactory,
  next: (changes: Partial<Session>) => Session,
): TransitionResult {
  // The only change a final session accepts: bookkeeping of its own charge, never its outcome.
  if (session.chargeStatus !== 'pending' || session.chargeIdempotencyKey === null) {
    return refuse('NO_CHARGE_PENDING', `Session has no charge awaiting an answer (${session.chargeStatus})`);
  }
  if (attempt !== session.chargeAttempts) {
    return refuse('NO_CHARGE_PENDING', `Attempt ${attempt} is not the open attempt (${session.chargeAttempts})`);
  }
  // A halted attempt is stored as `halted` (never changed again), not `unknown` (which may still take an answer).
  const halted = result.status === 'unknown' && result.halted === true;
  const answer: LedgerWrite = {
    type: 'answer',
    sessionId: session.id,
    attempt,
    status: halted ? 'halted' : result.status,
    gatewayReference: result.reference,
    failureCode: result.status === 'failed' ? result.failureCode : result.status === 'unknown' ? result.reason : null,
    answeredAt: now,
  };
  const facts = { attempt, amountMinor: session.chargeAmountMinor };
  if (result.status === 'succeeded') {
    return {
      ok: true,
      changed: true,
      session: next({ chargeStatus: 'succeeded', chargeReference: result.reference }),
      events: [event('charge.succeeded', SYSTEM_ACTOR, facts)],
      ledger: [answer],
      effects: [],
    };
  }
  const deadline = chargeDeadline(session, policy);
  const pastDeadline = deadline !== null && !isBefore(now, deadline);
  const events = [
    result.status === 'failed'
      ? event('charge.failed', SYSTEM_ACTOR, { ...facts, failureCode: result.failureCode })
      : event('charge.unknown', SYSTEM_ACTOR, { ...facts, reason: result.reason }),
  ];
  const attemptsUsed = result.status === 'failed' && attempt >= policy.maxChargeAttempts;
  if (attemptsUsed || pastDeadline || halted) {
    events.push(
      event('charge.needs_attention', SYSTEM_ACTOR, {
        ...facts,
        reason: halted ? 'gateway_halted' : attemptsUsed ? 'attempts_exhausted' : 'deadline_passed',
        lastAnswer: result.status,
        ...(halted ? { code: result.reason } : {}),
      }),
    );
    return {
      ok: true,
      changed: true,
      session: next({ chargeStatus: 'failed', chargeIdempotencyKey: result.status === 'failed' ? null : session.chargeIdempotencyKey }),
      events,
      ledger: [answer],
      effects: [],
    };
  }
  return {
    ok: true,
    changed: true,
    // A definite failure closes the attempt (the next retry opens a new key); an unknown keeps it open.
    session: next(result.status === 'failed' ? { chargeIdempotencyKey: null } : {}),
    events,
    ledger: [answer],
    effects: [],
  };
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

type EventFactory = (type: SessionEventDraft['type'], actor: string, payload?: Record<string, unknown>) => SessionEventDraft;

/** The charge instruction for a session's open ledger attempt. */
export function chargeInstructionFor(session: Session): ChargeInstruction {
  if (
    session.chargeIdempotencyKey === null ||
    session.chargeAmountMinor === null ||
    (session.status !== 'COMPLETED_ASSUMED' && session.status !== 'NO_SHOW_STUDENT')
  ) {
    throw new SessionError('NO_CHARGE_PENDING', `Session ${session.id} has no open charge attempt`);
  }
  return {
    idempotencyKey: session.chargeIdempotencyKey,
    attempt: session.chargeAttempts,
    sessionId: session.id,
    bookingId: session.bookingId,
    studentId: session.studentId,
    tutorId: session.tutorId,
    outcome: session.status,
    amountMinor: session.chargeAmountMinor,
    payoutMinor: session.payoutAmountMinor ?? 0,
    feeMinor: session.platformFeeMinor ?? 0,
    currency: session.currency,
  };
}

/** Opens ledger attempt `attempt` on `settled` (a final session that charges): a new key, a new row. */
function openAttempt(
  base: Session,
  attempt: number,
  actor: string,
  now: Date,
  event: EventFactory,
  settled: Session,
  events: SessionEventDraft[] = [],
): TransitionOk {
  const outcome = settled.status as ChargedOutcome;
  const idempotencyKey = chargeIdempotencyKey(base.id, outcome, attempt);
  const session: Session = { ...settled, chargeStatus: 'pending', chargeAttempts: attempt, chargeIdempotencyKey: idempotencyKey };
  const row: ChargeAttempt = {
    sessionId: base.id,
    attempt,
    idempotencyKey,
    outcome,
    amountMinor: session.chargeAmountMinor ?? 0,
    payoutMinor: session.payoutAmountMinor ?? 0,
    feeMinor: session.platformFeeMinor ?? 0,
    currency: session.currency,
    status: 'pending',
    gatewayReference: null,
    failureCode: null,
    calls: 0,
    requestedAt: now,
    answeredAt: null,
  };
  const instruction = chargeInstructionFor(session);
  events.push(event('charge.requested', actor, { attempt, amountMinor: row.amountMinor }));
  return {
    ok: true,
    changed: true,
    session,
    events,
    ledger: [{ type: 'open', attempt: row }],
    effects: [{ type: 'CHARGE', instruction }],
  };
}

function settleAs(
  session: Session,
  outcome: SettledOutcome,
  actor: string,
  now: Date,
  policy: SessionPolicy,
  event: EventFactory,
  next: (changes: Partial<Session>) => Session,
  detail: Record<string, unknown> = {},
): TransitionOk {
  const split = amountsForOutcome(session.priceMinor, outcome, policy);
  const settled = next({
    status: outcome,
    finalizedAt: now,
    chargeAmountMinor: split.chargeMinor,
    payoutAmountMinor: split.payoutMinor,
    platformFeeMinor: split.feeMinor,
    chargeStatus: 'none',
    chargeIdempotencyKey: null,
  });
  const amounts = { chargeMinor: split.chargeMinor, payoutMinor: split.payoutMinor, feeMinor: split.feeMinor };
  const events = [
    event(outcome === 'NO_SHOW_STUDENT' ? 'session.no_show_marked' : 'session.settled', actor, { outcome, ...amounts, ...detail }),
  ];
  if (split.chargeMinor === 0) return { ok: true, changed: true, session: settled, events, ledger: [], effects: [] };
  return openAttempt(session, 1, actor, now, event, settled, events);
}

const MAX_TEXT = 200;
const text = (value: unknown): string | null =>
  typeof value === 'string' && value.length > 0 && value.length <= MAX_TEXT ? value : null;

/**
 * Validates a gateway's answer at the port. A well-formed `succeeded`, or `failed` with a failure code,
 * is taken as it is; a well-formed `halted` (with a `code`) is an `unknown` answer marked `halted` (its
 * `reason` the code: the attempt is stored as `halted` and the charge failed for good); an explicit
 * `unknown`, and anything else (another status, a missing or oversized field, not an object at all), is
 * `unknown` for that session alone, never an error for the batch.
 */
export function classifyChargeResult(value: unknown): ChargeAnswer {
  if (typeof value !== 'object' || value === null) return { status: 'unknown', reason: 'unrecognised_answer', reference: null };
  const answer = value as Record<string, unknown>;
  const reference = answer.reference === undefined || answer.reference === null ? null : text(answer.reference);
  const referenceOk = reference !== null || answer.reference === undefined || answer.reference === null;
  if (answer.status === 'succeeded' && referenceOk) return { status: 'succeeded', reference };
  if (answer.status === 'failed' && referenceOk && text(answer.failureCode) !== null) {
    return { status: 'failed', failureCode: answer.failureCode as string, reference };
  }
  if (answer.status === 'halted' && referenceOk && text(answer.code) !== null) {
    return { status: 'unknown', reason: answer.code as string, reference, halted: true };
  }
  if (answer.status === 'unknown') return { status: 'unknown', reason: text(answer.reason) ?? 'gateway_unknown', reference };
  return { status: 'unknown', reason: 'unrecognised_answer', reference: null };
}
