/**
 * The refund side of the `PaymentGateway` port (issue #9, point 4): what the core asks a gateway to
 * return, and how the gateway answers. The gateway implements `PaymentGateway.refund`
 * (`@itutor/sessions-stripe` does, with Stripe's `reverse_transfer` and `refund_application_fee`, so the
 * tutor's and the platform's shares go back in proportion). The core's refund service and the refund rows
 * of the ledger are not built yet; these types fix the port they will use.
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
 * - `unknown`: the call threw, timed out or was rate-limited: retry under the same key.
 */
export type RefundResult =
  | { readonly status: 'succeeded'; readonly reference?: string }
  | { readonly status: 'pending'; readonly reference?: string }
  | { readonly status: 'failed'; readonly failureCode: string; readonly reference?: string }
  | { readonly status: 'unknown'; readonly reason?: string; readonly reference?: string };

/** The idempotency key of refund number `refund` (1, 2, ...) of a session's succeeded attempt `attempt`. */
export function refundIdempotencyKey(sessionId: string, attempt: number, refund: number): string {
  return `itutor-refund-${sessionId}-${attempt}-${refund}`;
}
