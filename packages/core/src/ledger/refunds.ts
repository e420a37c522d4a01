import { SessionError } from '../errors';
import type { ChargeAttempt } from '../session/model';
import { accepted, refuse, SYSTEM_ACTOR, unchanged, type TransitionContext, type TransitionResult } from '../session/transition';
import type { RefundAnswer } from './answers';
import type { Payout } from './payouts';

/**
 * Refunds (issue #9, point 4): the refund side of the `PaymentGateway` port, the refund rows of the ledger,
 * and the one rule that splits a refund into the tutor's and the platform's parts.
 *
 * Model. Refunds are rows of their own (`session_refunds` in SQL), not a kind of charge attempt: a charge
 * attempt's amounts always equal the session's outcome amounts (storage enforces it), while a refund
 * returns all or part of one succeeded attempt, several refunds may exist for one charge, and their sum is
 * capped by that charge. Keeping them apart keeps both rules simple and exact. Refund rows are written only
 * through the state machine's ledger changes (`refund_open`, `refund_answer`), in the same compare-and-set
 * as the session's version, so two refunds racing for one charge are decided one after the other.
 */

/** A refund of all or part of one succeeded charge attempt. */
export interface RefundInstruction {
  /**
   * The refund's own key (never a charge attempt's key): the same for every call of one refund, so a retry
   * of an unknown answer never returns the money twice. See `refundIdempotencyKey`. Server-side only.
   */
  readonly idempotencyKey: string;
  readonly sessionId: string;
  /** The succeeded ledger attempt whose charge is refunded. */
  readonly attempt: number;
  /** That attempt's gateway reference (Stripe: the PaymentIntent id). */
  readonly gatewayReference: string;
  /** How much to return, in minor units: whole, at least 1, at most what is left of the charge. */
  readonly amountMinor: number;
  /** The charge's currency (ISO 4217). */
  readonly currency: string;
  /**
   * Set when the tutor was already paid by a transfer of its own (`payoutTiming: 'after_review'`, the payout
   * succeeded): take the refund's payout part back from that transfer too (Stripe: a transfer reversal under
   * `idempotencyKey`). Absent for destination charges (`with_charge`), whose refund reverses the tutor's
   * share itself, and for payouts not yet sent (they are reduced instead).
   */
  readonly reverseTransfer?: {
    /** The payout's gateway reference (Stripe: the transfer id). */
    readonly transferReference: string;
    /** The refund's payout part: whole minor units, at least 1. */
    readonly amountMinor: number;
    /** The reversal's own key (server-side only): the refund's key with `-reversal`. */
    readonly idempotencyKey: string;
  };
}

/**
 * The gateway's answer to a refund:
 * - `succeeded`: the money is on its way back to the student;
 * - `pending`: accepted, not final yet (Stripe's `pending` / `requires_action`): the gateway's webhook says
 *   how it ended;
 * - `failed`: a definite refusal (`failureCode`, e.g. `charge_already_refunded`, `amount_too_large`);
 * - `unknown`: the call threw, timed out or was rate-limited: retry under the same key;
 * - `halted`: stop, never send this refund again, a person must look (`code`, 1–200 characters, e.g.
 *   `IDEMPOTENCY_CONFLICT`): the refund is failed for good with `code` as its failure code, its
 *   `refund.failed` event marked `halted: true`.
 */
export type RefundResult =
  | {
      readonly status: 'succeeded';
      readonly reference?: string;
      /**
       * The student's money went back, but the gateway definitely refused to take the refund's payout part
       * back from the tutor's separate transfer (`RefundInstruction.reverseTransfer`): the refund is recorded
       * as answered, and `payout.needs_attention` (`reason: 'transfer_reversal_failed'`) flags it for a person.
       */
      readonly reversalFailureCode?: string;
    }
  | { readonly status: 'pending'; readonly reference?: string; readonly reversalFailureCode?: string }
  | { readonly status: 'failed'; readonly failureCode: string; readonly reference?: string }
  | { readonly status: 'unknown'; readonly reason?: string; readonly reference?: string }
  | { readonly status: 'halted'; readonly code: string; readonly reference?: string };

/** The idempotency key of refund number `refund` (1, 2, ...) of a session's succeeded attempt `attempt`. */
export function refundIdempotencyKey(sessionId: string, attempt: number, refund: number): string {
  return `itutor-refund-${sessionId}-${attempt}-${refund}`;
}

/**
 * Where one refund stands:
 * - `pending`: opened (persisted before the gateway is called), no answer yet — or the gateway accepted it
 *   and has not said how it ended (then `answeredAt` is set and the gateway's webhook finishes it);
 * - `unknown`: the call threw, timed out or answered something unclassifiable: retried under the same key
 *   (`core.refunds.retry()`);
 * - `succeeded`: the money is on its way back;
 * - `failed`: refused for good; its amount no longer counts against the charge.
 */
export type RefundStatus = 'pending' | 'unknown' | 'succeeded' | 'failed';

/** The reason a person gives for a refund: 1–200 characters. */
export const MAX_REFUND_REASON_LENGTH = 200;

/**
 * One refund: a row of the refund ledger, identified by (`sessionId`, `refund`). Its idempotency key is its
 * own and never changes; every amount is in integer minor units with `amountMinor = payoutMinor + feeMinor`
 * (see `refundSplit`).
 */
export interface Refund {
  readonly sessionId: string;
  /** 1 for the session's first refund, +1 for each refund opened after it (failed ones included). */
  readonly refund: number;
  /** The succeeded charge attempt it returns money from. */
  readonly attempt: number;
  /** Server-side only: `refundIdempotencyKey`(sessionId, attempt, refund). */
  readonly idempotencyKey: string;
  readonly amountMinor: number;
  /** The part taken back from the tutor's payout (Stripe: the reversed transfer). */
  readonly payoutMinor: number;
  /** The part taken back from the platform's fee (Stripe: the refunded application fee). */
  readonly feeMinor: number;
  readonly currency: string;
  readonly status: RefundStatus;
  /** Why the refund was made (shown to participants; keep it free of secrets). */
  readonly reason: string;
  /** Who asked for it (a user id, or `system`). */
  readonly requestedBy: string;
  /** The gateway's id for the refund (server-side only). */
  readonly gatewayReference: string | null;
  /** The gateway's code for a failed refund, or why the answer is unknown. */
  readonly failureCode: string | null;
  /** Gateway answers recorded under this refund's key. */
  readonly calls: number;
  readonly requestedAt: Date;
  /** When the last answer (or unknown outcome) was recorded. */
  readonly answeredAt: Date | null;
}

/** A refund without its server-side fields, as participants may read it. */
export type PublicRefund = Omit<Refund, 'idempotencyKey' | 'gatewayReference'>;

/** Drops the fields of a refund a browser must not see (its key and the gateway's reference). */
export function toPublicRefund(refund: Refund): PublicRefund {
  const { idempotencyKey: _k, gatewayReference: _r, ...rest } = refund;
  return rest;
}

/** Amounts in minor units: a charge, or a refund's parts. */
export interface RefundAmounts {
  readonly amountMinor: number;
  readonly payoutMinor: number;
  readonly feeMinor: number;
}

/** What is already refunded (or on its way) of a charge: the sums over its refunds that have not failed. */
export function refundedSoFar(refunds: ReadonlyArray<RefundAmounts & { readonly status: RefundStatus }>): RefundAmounts {
  let amountMinor = 0;
  let payoutMinor = 0;
  let feeMinor = 0;
  for (const r of refunds) {
    if (r.status === 'failed') continue;
    amountMinor += r.amountMinor;
    payoutMinor += r.payoutMinor;
    feeMinor += r.feeMinor;
  }
  return { amountMinor, payoutMinor, feeMinor };
}

/**
 * The split of a refund of `amountMinor` from `charge` into the payout and fee parts — the one rounding rule:
 *
 * fee part = floor((R + amount) × fee / charge) − F, kept within [max(0, amount − (payout − P)), min(amount, fee − F)];
 * payout part = amount − fee part,
 *
 * where R, P and F are the amount, payout part and fee part already refunded (refunds not failed). The
 * cumulative fee parts therefore track floor(refunded × fee / charge): a single refund's fee part is
 * floor(amount × fee / charge), and a full refund (in one or many parts) returns exactly the payout and the
 * fee. The clamp only matters after a failed refund (which frees its amount but whose rounding had moved the
 * running totals): it keeps the parts within what is left of the payout and of the fee, so
 * the parts always sum exactly to the amount and the cumulative parts never exceed the charge's payout or
 * fee. Integer arithmetic only (every product is below 2^53 for charges up to `MAX_PRICE_MINOR`).
 *
 * `amountMinor` must be a whole number from 1 to what is left of the charge (the caller checks).
 */
export function refundSplit(charge: RefundAmounts, refundedBefore: RefundAmounts, amountMinor: number): { payoutMinor: number; feeMinor: number } {
  const target = charge.amountMinor === 0 ? 0 : Math.floor(((refundedBefore.amountMinor + amountMinor) * charge.feeMinor) / charge.amountMinor);
  const low = Math.max(0, amountMinor - (charge.payoutMinor - refundedBefore.payoutMinor));
  const high = Math.min(amountMinor, charge.feeMinor - refundedBefore.feeMinor);
  const feeMinor = Math.min(high, Math.max(low, target - refundedBefore.feeMinor));
  return { payoutMinor: amountMinor - feeMinor, feeMinor };
}

/** Read access to the refund ledger. Refunds are written only through `SessionWrite.ledger`. */
export interface RefundLedgerReader {
  /** A session's refunds, by refund number. */
  listBySession(sessionId: string): Promise<Refund[]>;
  /**
   * Refunds to send again under their own key, oldest `requestedAt` first, at most `limit`: those whose
   * answer is `unknown`, and those still `pending` without any answer (the process stopped between opening
   * the refund and recording the gateway's answer) — in both cases only when their last answer (or, without
   * one, their opening) is at or before `before`.
   */
  listToRetry(options: { readonly before: Date; readonly limit: number }): Promise<Refund[]>;
}

/** The ledger's refund effect: send this refund to the gateway (after the write that opened it succeeded). */
export type RefundEffect = { readonly type: 'REFUND'; readonly instruction: RefundInstruction };

/**
 * A refund request as the machine takes it: `amountMinor` (whole, ≥ 1), or, when `null`, all that is left
 * of the charge. `charges` and `refunds` are the session's ledger as read with the session (the write's
 * compare-and-set on the session's version guarantees they were current).
 */
export interface RefundRequest {
  readonly amountMinor: number | null;
  readonly reason: string;
  readonly actorId: string;
  readonly charges: readonly ChargeAttempt[];
  readonly refunds: readonly Refund[];
  /** The session's stored payout rows (`after_review`); absent or empty for `with_charge`. */
  readonly payouts?: readonly Payout[];
}

/**
 * The refund instruction for one of a session's refunds (its own key, the refunded attempt's reference),
 * reversing the tutor's transfer for its payout part when a separate payout succeeded before the refund was
 * opened (`paidBefore`: that payout).
 */
export function refundInstructionFor(refund: Refund, charge: Pick<ChargeAttempt, 'gatewayReference'>, paidBefore?: Payout | null): RefundInstruction {
  if (charge.gatewayReference === null) {
    throw new SessionError('NOTHING_TO_REFUND', `Charge attempt ${refund.attempt} of session ${refund.sessionId} has no gateway reference`);
  }
  const reverse = paidBefore && paidBefore.gatewayReference !== null && refund.payoutMinor > 0;
  return {
    idempotencyKey: refund.idempotencyKey,
    sessionId: refund.sessionId,
    attempt: refund.attempt,
    gatewayReference: charge.gatewayReference,
    amountMinor: refund.amountMinor,
    currency: refund.currency,
    ...(reverse
      ? { reverseTransfer: { transferReference: paidBefore.gatewayReference!, amountMinor: refund.payoutMinor, idempotencyKey: `${refund.idempotencyKey}-reversal` } }
      : {}),
  };
}

/**
 * The separate payout a refund must reverse: the session's succeeded `after_review` payout, when it was
 * sent before the refund was opened (the refund's number is above the payout's `refundsBefore`; a refund
 * opened while the payout was still scheduled reduced it instead). `null` when there is none.
 */
export function payoutToReverse(refund: Pick<Refund, 'refund'>, payouts: readonly Payout[] | undefined): Payout | null {
  const paid = payouts?.find((p) => p.status === 'succeeded' && p.timing === 'after_review');
  return paid && paid.refundsBefore !== null && refund.refund > paid.refundsBefore ? paid : null;
}

/** `REQUEST_REFUND`: opens a refund of the session's succeeded charge (see `SessionCommand`). */
export function requestRefund(ctx: TransitionContext, command: RefundRequest): TransitionResult {
  const { session, now } = ctx;
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
  if (command.payouts?.some((p) => p.status === 'pending' || p.status === 'unknown')) {
    return refuse('PAYOUT_IN_FLIGHT', 'The tutor’s payout is being sent; try again in a minute');
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
  const requested = ctx.event('refund.requested', command.actorId, {
    refund: number,
    attempt: charge.attempt,
    amountMinor,
    payoutMinor: split.payoutMinor,
    feeMinor: split.feeMinor,
    reason: command.reason,
  });
  const instruction = refundInstructionFor(refund, charge, payoutToReverse(refund, command.payouts));
  return accepted(ctx.next({}), [requested], [{ type: 'refund_open', refund }], [{ type: 'REFUND', instruction }]);
}

/**
 * `RECORD_REFUND_RESULT`: the gateway's answer for refund number `number`. Only an open refund
 * (`pending` or `unknown`) takes an answer; an answer for a settled one changes nothing.
 */
export function recordRefundResult(
  ctx: TransitionContext,
  answered: { readonly refund: number; readonly result: RefundAnswer; readonly refunds: readonly Refund[] },
): TransitionResult {
  const { session, now } = ctx;
  const { refund: number, result, refunds } = answered;
  const refund = refunds.find((r) => r.refund === number);
  if (!refund) return refuse('NOT_FOUND', `Session has no refund ${number}`, { refund: number });
  // Only an open refund takes an answer: a settled one (succeeded / failed) never changes again, and a
  // refund the gateway accepted (`pending` with an answer) takes only its final answer.
  const settled = refund.status === 'succeeded' || refund.status === 'failed';
  const acceptedByGateway = refund.status === 'pending' && refund.answeredAt !== null;
  if (settled || (acceptedByGateway && (result.status === 'pending' || result.status === 'unknown'))) return unchanged(session);
  const facts = { refund: number, attempt: refund.attempt, amountMinor: refund.amountMinor };
  const failureCode = result.status === 'failed' ? result.failureCode : result.status === 'unknown' ? result.reason : null;
  const reversalFailed = (result.status === 'succeeded' || result.status === 'pending') && result.reversalFailureCode !== undefined ? result.reversalFailureCode : null;
  const payload =
    result.status === 'failed'
      ? { ...facts, failureCode: result.failureCode, ...(result.halted ? { halted: true } : {}) }
      : result.status === 'unknown'
        ? { ...facts, reason: result.reason }
        : facts;
  const events = [ctx.event(`refund.${result.status}`, SYSTEM_ACTOR, payload)];
  if (reversalFailed !== null) {
    events.push(ctx.event('payout.needs_attention', SYSTEM_ACTOR, { ...facts, payoutMinor: refund.payoutMinor, reason: 'transfer_reversal_failed', code: reversalFailed }));
  }
  return accepted(
    ctx.next({}),
    events,
    [{ type: 'refund_answer', sessionId: session.id, refund: number, status: result.status, gatewayReference: result.reference, failureCode, answeredAt: now }],
  );
}

