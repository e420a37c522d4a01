import { addMinutes, isAfter } from 'date-fns';
import type { PayoutTiming } from '../rules/policy';
import type { ChargeAttempt, Session } from '../session/model';
import { accepted, refuse, SYSTEM_ACTOR, unchanged, type TransitionContext, type TransitionResult } from '../session/transition';
import type { PayoutAnswer } from './answers';
import type { Dispute } from './disputes';
import { FINAL_CHARGEBACK_STATUSES, type Chargeback } from './chargebacks';
import { refundedSoFar, type Refund } from './refunds';

/**
 * Payouts (issue #23, point 1): the tutor's share of a succeeded charge, moved in a step of its own.
 *
 * Two timings (`policy.payoutTiming`, kept on each session as `Session.payoutTiming` when it is created):
 * - `with_charge` (default): the charge itself pays the tutor (Stripe: a destination charge). No payout row
 *   is stored: the payout *is* the succeeded charge attempt, and `payoutsFromLedger` answers it as a payout
 *   that completed with the charge (same key, same reference, the attempt's payout amount). Refunds take the
 *   tutor's part back with the refund itself (Stripe: `reverse_transfer`).
 * - `after_review`: the platform takes the whole charge; when it succeeds a payout row is opened
 *   (`scheduled`, due `reviewWindowMinutes` after the outcome, never before the charge). The cron's payout
 *   run sends it when due, unless the session's dispute is open (held), for the outcome's payout minus the
 *   tutor's part of every refund not failed (computed when it is sent). Stripe: a transfer with
 *   `source_transaction` and `transfer_group`, under the payout's key. A refund after the payout also
 *   reverses the transfer for the refund's payout part (`RefundInstruction.reverseTransfer`).
 *
 * Rows move like charge attempts: `scheduled` → `pending` (sent; its amount fixed) → `succeeded` / `failed` /
 * `unknown` (sent again under the same key) / `halted`; `scheduled` → `cancelled` when nothing is left to pay
 * (refunded in full). A definite failure opens the next payout row (`scheduled`, due at once) under a new key
 * until `maxChargeAttempts`, then the payout is flagged for a person (`payout.needs_attention`). Storage
 * keeps the rules (see `LedgerWrite`): at most one succeeded payout per session, a sent amount equal to the
 * outcome's payout minus what was refunded, nothing sent while a dispute is open, a settled row never changed.
 */

export type { PayoutTiming };

/** The payout timings, in the order the docs list them. */
export const PAYOUT_TIMINGS: readonly PayoutTiming[] = ['with_charge', 'after_review'];

/** Where one payout row stands. */
export type PayoutStatus = 'scheduled' | 'pending' | 'unknown' | 'succeeded' | 'failed' | 'halted' | 'cancelled';

/** One payout: a row of the payout ledger, identified by (`sessionId`, `payout`). */
export interface Payout {
  readonly sessionId: string;
  /** 1 for the first payout, +1 for each opened after a definite failure. */
  readonly payout: number;
  /** Server-side only: `payoutIdempotencyKey(sessionId, payout)` (for `with_charge`: the charge attempt's key). */
  readonly idempotencyKey: string;
  readonly timing: PayoutTiming;
  /** The tutor's share: while `scheduled`, the outcome's payout; once sent, exactly what was sent. */
  readonly amountMinor: number;
  readonly currency: string;
  readonly status: PayoutStatus;
  /** When it may be sent (`after_review`: the end of the review window). */
  readonly dueAt: Date;
  /** The gateway's id for the transfer (server-side only). */
  readonly gatewayReference: string | null;
  /** The gateway's code for a failed payout, or why the answer is unknown. */
  readonly failureCode: string | null;
  /** Gateway answers recorded under this payout's key. */
  readonly calls: number;
  /** When the row was opened. */
  readonly requestedAt: Date;
  /** When it was sent (its amount fixed), or `null`. */
  readonly sentAt: Date | null;
  /**
   * How many refunds the session had when it was sent (its amount counts their tutor parts), or `null`
   * while not sent. A refund numbered above it was opened after the payout: it reverses the transfer.
   */
  readonly refundsBefore: number | null;
  /** When the last answer (or unknown outcome) was recorded. */
  readonly answeredAt: Date | null;
}

/** A payout without its server-side fields, as participants may read it. */
export type PublicPayout = Omit<Payout, 'idempotencyKey' | 'gatewayReference'>;

/** Drops the fields of a payout a browser must not see. */
export function toPublicPayout(payout: Payout): PublicPayout {
  const { idempotencyKey: _k, gatewayReference: _r, ...rest } = payout;
  return rest;
}

/** The idempotency key of payout number `payout` of a session (Stripe: the transfer's key). */
export function payoutIdempotencyKey(sessionId: string, payout: number): string {
  return `itutor-payout-${sessionId}-${payout}`;
}

/** A transfer the core asks the gateway to make: one payout row. */
export interface PayoutInstruction {
  /** The payout's own key: the same for every call of one payout. Server-side only. */
  readonly idempotencyKey: string;
  readonly sessionId: string;
  readonly payout: number;
  readonly tutorId: string;
  /** Whole minor units, at least 1. */
  readonly amountMinor: number;
  readonly currency: string;
  /** The succeeded charge's gateway reference (Stripe: the PaymentIntent; its charge is the `source_transaction`). */
  readonly chargeReference: string;
  /** Groups the charge and its transfers at the gateway (Stripe's `transfer_group`): the session id. */
  readonly transferGroup: string;
}

/**
 * The gateway's answer to a payout: `succeeded` (the transfer exists), `failed` (a definite refusal:
 * `failureCode`), `unknown` (threw, timed out: sent again under the same key), `halted` (never send it
 * again; a person must look: failed for good with `code`).
 */
export type PayoutResult =
  | { readonly status: 'succeeded'; readonly reference?: string }
  | { readonly status: 'failed'; readonly failureCode: string; readonly reference?: string }
  | { readonly status: 'unknown'; readonly reason?: string; readonly reference?: string }
  | { readonly status: 'halted'; readonly code: string; readonly reference?: string };

/** The ledger's payout effect: send this transfer (after the write that fixed its amount succeeded). */
export type PayoutEffect = { readonly type: 'PAYOUT'; readonly instruction: PayoutInstruction };

/** Read access to the payout ledger. Payouts are written only through `SessionWrite.ledger`. */
export interface PayoutLedgerReader {
  /** A session's stored payout rows, by number (`with_charge` sessions have none: see `payoutsFromLedger`). */
  listBySession(sessionId: string): Promise<Payout[]>;
  /**
   * Payouts the payout run should act on, oldest `dueAt` first, at most `limit`: `scheduled` ones due at or
   * before `now` whose session has no dispute `open`, `offered` or `contested`; and `pending` (never
   * answered) or `unknown` ones whose last answer (or, without one, `sentAt`) is at or before `resendBefore`.
   */
  listDue(options: { readonly now: Date; readonly resendBefore: Date; readonly limit: number }): Promise<Payout[]>;
}

/**
 * A session's payouts as participants and hosts see them: the stored rows, or, for a `with_charge` session
 * whose charge succeeded, the one payout that completed with the charge (number 1, the attempt's key and
 * reference, `sentAt` and `answeredAt` the attempt's answer).
 */
export function payoutsFromLedger(session: Pick<Session, 'id' | 'payoutTiming'>, charges: readonly ChargeAttempt[], stored: readonly Payout[]): Payout[] {
  if (session.payoutTiming !== 'with_charge') return [...stored];
  const charge = charges.find((a) => a.status === 'succeeded');
  if (!charge || charge.payoutMinor === 0) return [];
  const at = charge.answeredAt ?? charge.requestedAt;
  return [
    {
      sessionId: session.id,
      payout: 1,
      idempotencyKey: charge.idempotencyKey,
      timing: 'with_charge',
      amountMinor: charge.payoutMinor,
      currency: charge.currency,
      status: 'succeeded',
      dueAt: at,
      gatewayReference: charge.gatewayReference,
      failureCode: null,
      calls: charge.calls,
      requestedAt: charge.requestedAt,
      sentAt: at,
      refundsBefore: 0,
      answeredAt: at,
    },
  ];
}

/** A dispute that holds the payout: any not yet resolved. */
export function holdsPayout(dispute: Pick<Dispute, 'status'> | null | undefined): boolean {
  return dispute !== null && dispute !== undefined && dispute.status !== 'resolved';
}

/**
 * The payout row an `after_review` session opens when its charge succeeds (`null` for `with_charge`, or
 * nothing to pay): due `reviewWindowMinutes` after the outcome, never before now.
 */
export function scheduledPayout(ctx: TransitionContext, session: Session): Payout | null {
  if (session.payoutTiming !== 'after_review' || !session.payoutAmountMinor) return null;
  const windowEnd = addMinutes(session.finalizedAt ?? ctx.now, ctx.policy.reviewWindowMinutes);
  return newPayoutRow(session, 1, session.payoutAmountMinor, isAfter(windowEnd, ctx.now) ? windowEnd : ctx.now, ctx.now);
}

function newPayoutRow(session: Session, number: number, amountMinor: number, dueAt: Date, now: Date): Payout {
  return {
    sessionId: session.id,
    payout: number,
    idempotencyKey: payoutIdempotencyKey(session.id, number),
    timing: 'after_review',
    amountMinor,
    currency: session.currency,
    status: 'scheduled',
    dueAt,
    gatewayReference: null,
    failureCode: null,
    calls: 0,
    requestedAt: now,
    sentAt: null,
    refundsBefore: null,
    answeredAt: null,
  };
}

/**
 * What is left to pay the tutor: the outcome's payout less the tutor's part of every refund not failed, and
 * less the tutor's share of every chargeback lost while the payout was not yet sent (`tutorShare: 'withheld'`).
 */
export function payoutLeft(
  session: Pick<Session, 'payoutAmountMinor'>,
  refunds: readonly Refund[],
  chargebacks: readonly Pick<Chargeback, 'tutorShare' | 'tutorShareMinor'>[] = [],
): number {
  const withheld = chargebacks.reduce((sum, c) => sum + (c.tutorShare === 'withheld' ? c.tutorShareMinor : 0), 0);
  return Math.max(0, (session.payoutAmountMinor ?? 0) - refundedSoFar(refunds).payoutMinor - withheld);
}

/** A chargeback that holds an `after_review` payout not yet sent: any not in a final status. */
export function chargebackHoldsPayout(chargebacks: readonly Pick<Chargeback, 'status'>[] | undefined): boolean {
  return (chargebacks ?? []).some((c) => !FINAL_CHARGEBACK_STATUSES.includes(c.status));
}

/** The ledger as a payout decision reads it (with the session, under its compare-and-set). */
export interface PayoutLedger {
  readonly charges: readonly ChargeAttempt[];
  readonly refunds: readonly Refund[];
  readonly payouts: readonly Payout[];
  readonly dispute: Dispute | null;
  /** The session's chargebacks (none when the adapter stores none). */
  readonly chargebacks?: readonly Chargeback[];
}

/** The transfer instruction of a sent payout row. */
export function payoutInstructionFor(session: Session, payout: Payout, chargeReference: string): PayoutInstruction {
  return {
    idempotencyKey: payout.idempotencyKey,
    sessionId: session.id,
    payout: payout.payout,
    tutorId: session.tutorId,
    amountMinor: payout.amountMinor,
    currency: payout.currency,
    chargeReference,
    transferGroup: session.id,
  };
}

/**
 * `SEND_PAYOUT`: the payout run sends scheduled payout `number` — due, no dispute holding it — for what is
 * left to pay (`payoutLeft`), fixing its amount (`pending`, the `PAYOUT` effect); `cancelled` when nothing is
 * left. A payout already sent and unanswered (`pending` without answer, `unknown`) is sent again under its key,
 * once its last call is at or before `resendBefore` (else another run's call may still be in flight).
 */
export function sendPayout(ctx: TransitionContext, number: number, ledger: PayoutLedger, resendBefore: Date = ctx.now): TransitionResult {
  const { session, now } = ctx;
  const row = ledger.payouts.find((p) => p.payout === number);
  if (!row) return refuse('NOT_FOUND', `Session has no payout ${number}`, { payout: number });
  const charge = ledger.charges.find((a) => a.status === 'succeeded');
  if (!charge || charge.gatewayReference === null) return refuse('NO_PAYOUT_DUE', 'The session has no succeeded charge to pay out from');
  if (row.status === 'pending' || row.status === 'unknown') {
    // Sent within one call's time limit: still in flight (another run sent it): leave it to that run.
    const last = row.answeredAt ?? row.sentAt ?? row.requestedAt;
    if (isAfter(last, resendBefore)) return refuse('NO_PAYOUT_DUE', `Payout ${number} was sent moments ago`, { status: row.status });
    // Sent before: the same transfer again under its key (no write: the answer's write records the call).
    return { ...unchanged(session), effects: [{ type: 'PAYOUT', instruction: payoutInstructionFor(session, row, charge.gatewayReference) }] };
  }
  if (row.status !== 'scheduled') return refuse('NO_PAYOUT_DUE', `Payout ${number} is ${row.status}`, { status: row.status });
  if (isAfter(row.dueAt, now)) return refuse('TOO_EARLY', 'The review window has not closed', { availableAt: row.dueAt });
  if (holdsPayout(ledger.dispute)) return refuse('PAYOUT_HELD', 'A dispute about the session is open', { disputeStatus: ledger.dispute!.status });
  if (chargebackHoldsPayout(ledger.chargebacks)) return refuse('PAYOUT_HELD', 'A chargeback about the session is open', { chargeback: true });
  const amountMinor = payoutLeft(session, ledger.refunds, ledger.chargebacks);
  const refundsBefore = ledger.refunds.reduce((max, r) => Math.max(max, r.refund), 0);
  const facts = { payout: number, amountMinor };
  if (amountMinor === 0) {
    return accepted(
      ctx.next({}),
      [ctx.event('payout.cancelled', SYSTEM_ACTOR, { ...facts, reason: 'refunded' })],
      [{ type: 'payout_send', sessionId: session.id, payout: number, status: 'cancelled', amountMinor: 0, sentAt: now, refundsBefore }],
    );
  }
  const sent: Payout = { ...row, status: 'pending', amountMinor, sentAt: now, refundsBefore };
  return accepted(
    ctx.next({}),
    [ctx.event('payout.requested', SYSTEM_ACTOR, facts)],
    [{ type: 'payout_send', sessionId: session.id, payout: number, status: 'pending', amountMinor, sentAt: now, refundsBefore }],
    [{ type: 'PAYOUT', instruction: payoutInstructionFor(session, sent, charge.gatewayReference) }],
  );
}

/**
 * `RECORD_PAYOUT_RESULT`: the gateway's answer for payout `number`. Only a sent, open payout (`pending`,
 * `unknown`) takes it. A decline opens the next payout row (due now) until `maxChargeAttempts`, then the
 * payout is flagged for a person; a halt flags it at once.
 */
export function recordPayoutResult(ctx: TransitionContext, number: number, answer: PayoutAnswer, payouts: readonly Payout[]): TransitionResult {
  const { session, now, policy } = ctx;
  const row = payouts.find((p) => p.payout === number);
  if (!row) return refuse('NOT_FOUND', `Session has no payout ${number}`, { payout: number });
  if (row.status !== 'pending' && row.status !== 'unknown') return unchanged(session);
  const halted = answer.status === 'unknown' && answer.halted === true;
  const status = halted ? 'halted' : answer.status;
  const failureCode = answer.status === 'failed' ? answer.failureCode : answer.status === 'unknown' ? answer.reason : null;
  const facts = { payout: number, amountMinor: row.amountMinor };
  const write = { type: 'payout_answer', sessionId: session.id, payout: number, status, gatewayReference: answer.reference, failureCode, answeredAt: now } as const;
  if (answer.status === 'succeeded') return accepted(ctx.next({}), [ctx.event('payout.succeeded', SYSTEM_ACTOR, facts)], [write]);
  if (answer.status === 'unknown' && !halted) {
    return accepted(ctx.next({}), [ctx.event('payout.unknown', SYSTEM_ACTOR, { ...facts, reason: answer.reason })], [write]);
  }
  const events = [ctx.event('payout.failed', SYSTEM_ACTOR, { ...facts, failureCode, ...(halted ? { halted: true } : {}) })];
  if (!halted && number < policy.maxChargeAttempts) {
    // Opens for the outcome's payout, as every scheduled row does: sending it fixes what is left after refunds.
    const next = newPayoutRow(session, number + 1, session.payoutAmountMinor ?? row.amountMinor, now, now);
    return accepted(ctx.next({}), events, [write, { type: 'payout_open', payout: next }]);
  }
  events.push(ctx.event('payout.needs_attention', SYSTEM_ACTOR, { ...facts, reason: halted ? 'gateway_halted' : 'attempts_exhausted', code: failureCode }));
  return accepted(ctx.next({}), events, [write]);
}
