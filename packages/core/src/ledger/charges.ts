import { addMinutes, isBefore } from 'date-fns';
import { SessionError } from '../errors';
import { DEFAULT_POLICY, type SessionPolicy } from '../rules/policy';
import { CHARGED_OUTCOMES, type SessionStatus } from '../rules/status';
import type { ChargeInstruction } from '../ports';
import type { ChargeAttempt, ChargedOutcome, Session, SessionEventDraft } from '../session/model';
import { accepted, refuse, SYSTEM_ACTOR, type TransitionContext, type TransitionOk, type TransitionResult } from '../session/transition';

/**
 * The charge ledger's attempts: their keys, when they may still be sent, and the decisions that open,
 * retry and expire them. Answers to an attempt are decided in `answers.ts`.
 */

/** The ledger's effect: send this charge to the gateway (after the write that opened it succeeded). */
export type ChargeEffect = { readonly type: 'CHARGE'; readonly instruction: ChargeInstruction };

/** The idempotency key of a ledger attempt: one per session, outcome and attempt, never reused. */
export function chargeIdempotencyKey(sessionId: string, outcome: SessionStatus, attempt: number): string {
  return `itutor-session-${sessionId}-${outcome}-${attempt}`;
}

/** When a charge not yet collected is failed for good: `finalizedAt` + the policy's deadline. */
export function chargeDeadline(session: Pick<Session, 'finalizedAt'>, policy: SessionPolicy = DEFAULT_POLICY): Date | null {
  return session.finalizedAt === null ? null : addMinutes(session.finalizedAt, policy.chargeDeadlineMinutes);
}

/** The charge instruction for a session's open ledger attempt. */
export function chargeInstructionFor(session: Session): ChargeInstruction {
  if (
    session.chargeIdempotencyKey === null ||
    session.chargeAmountMinor === null ||
    !(CHARGED_OUTCOMES as readonly string[]).includes(session.status)
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
    outcome: session.status as ChargedOutcome,
    amountMinor: session.chargeAmountMinor,
    payoutMinor: session.payoutAmountMinor ?? 0,
    feeMinor: session.platformFeeMinor ?? 0,
    currency: session.currency,
    payoutTiming: session.payoutTiming,
  };
}

/** A new `pending` ledger row for attempt `attempt` of `session` (its key, the outcome's amounts), opened at `now`. */
export function pendingAttemptRow(session: Session, outcome: ChargedOutcome, attempt: number, now: Date): ChargeAttempt {
  return {
    sessionId: session.id,
    attempt,
    idempotencyKey: chargeIdempotencyKey(session.id, outcome, attempt),
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
}

/**
 * Opens ledger attempt `attempt` on `settled` (the final session that charges, already built from
 * `ctx.session`): a new key, a new row, `charge.requested` after `events`, and the `CHARGE` effect.
 */
export function openAttempt(
  ctx: TransitionContext,
  opening: { readonly attempt: number; readonly actor: string; readonly settled: Session; readonly events?: readonly SessionEventDraft[] },
): TransitionOk {
  const { attempt, settled } = opening;
  const outcome = settled.status as ChargedOutcome;
  const idempotencyKey = chargeIdempotencyKey(ctx.session.id, outcome, attempt);
  const session: Session = { ...settled, chargeStatus: 'pending', chargeAttempts: attempt, chargeIdempotencyKey: idempotencyKey };
  const row = pendingAttemptRow(session, outcome, attempt, ctx.now);
  const events = [...(opening.events ?? []), ctx.event('charge.requested', opening.actor, { attempt, amountMinor: row.amountMinor })];
  return accepted(session, events, [{ type: 'open', attempt: row }], [{ type: 'CHARGE', instruction: chargeInstructionFor(session) }]);
}

/** `OPEN_CHARGE_ATTEMPT`: the next attempt, under a new key, after the previous one was declined. */
export function openNextAttempt(ctx: TransitionContext): TransitionResult {
  const { session } = ctx;
  if (session.chargeStatus !== 'pending' || session.chargeIdempotencyKey !== null) {
    return refuse('NO_CHARGE_PENDING', `Session has no declined charge to retry (${session.chargeStatus})`);
  }
  return openAttempt(ctx, { attempt: session.chargeAttempts + 1, actor: SYSTEM_ACTOR, settled: ctx.next({}) });
}

/**
 * `EXPIRE_CHARGE`: the deadline passed with the charge still to be collected. It is failed for good and
 * flagged for a person without another gateway call: a retry sent past the deadline could reach a gateway
 * that has forgotten the key. An open attempt keeps its key (its answer is still unknown).
 */
export function expireCharge(ctx: TransitionContext): TransitionResult {
  const { session, now, policy } = ctx;
  if (session.chargeStatus !== 'pending') {
    return refuse('NO_CHARGE_PENDING', `Session has no charge to collect (${session.chargeStatus})`);
  }
  const deadline = chargeDeadline(session, policy);
  if (deadline === null || isBefore(now, deadline)) {
    return refuse('TOO_EARLY', 'The charge deadline has not passed', deadline ? { availableAt: deadline } : {});
  }
  return accepted(ctx.next({ chargeStatus: 'failed' }), [
    ctx.event('charge.needs_attention', SYSTEM_ACTOR, {
      attempt: session.chargeAttempts,
      amountMinor: session.chargeAmountMinor,
      reason: 'deadline_passed',
      lastAnswer: session.chargeIdempotencyKey === null ? 'failed' : 'unknown',
      sent: false,
    }),
  ]);
}
