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
   * of an unknown answer never returns the money twice. See {@link refundIdempotencyKey}. Server-side only.
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
  | { readonly status: 'succeeded'; readonly reference?: string }
  | { readonly status: 'pending'; readonly reference?: string }
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
 *   (`core.retryRefunds()`);
 * - `succeeded`: the money is on its way back;
 * - `failed`: refused for good; its amount no longer counts against the charge.
 */
export type RefundStatus = 'pending' | 'unknown' | 'succeeded' | 'failed';

/** The reason a person gives for a refund: 1–200 characters. */
export const MAX_REFUND_REASON_LENGTH = 200;

/**
 * One refund: a row of the refund ledger, identified by (`sessionId`, `refund`). Its idempotency key is its
 * own and never changes; every amount is in integer minor units with `amountMinor = payoutMinor + feeMinor`
 * (see {@link refundSplit}).
 */
export interface Refund {
  readonly sessionId: string;
  /** 1 for the session's first refund, +1 for each refund opened after it (failed ones included). */
  readonly refund: number;
  /** The succeeded charge attempt it returns money from. */
  readonly attempt: number;
  /** Server-side only: {@link refundIdempotencyKey}(sessionId, attempt, refund). */
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
