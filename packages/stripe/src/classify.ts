import type { ChargeResult, RefundResult } from '@itutor/sessions-core/adapter';
import type { StripePaymentIntentLike, StripeRefundLike } from './client';

/**
 * Failure codes this package itself puts on a `failed` charge (Stripe's own decline codes, such as
 * `insufficient_funds`, are passed through as they are).
 * - `authenticationRequired` (`authentication_required`, also Stripe's code): the bank wants the student
 *   to authenticate (3-D Secure); an off-session charge cannot. The student must come back on-session and
 *   save their card again (`createCardSetup`); `onAuthenticationRequired` was called.
 * - `noPaymentMethod`: `customerFor` returned no customer or no saved payment method. Nothing was sent.
 * - `noConnectedAccount`: `connectedAccountFor` returned no account for the tutor. Nothing was sent.
 */
export const STRIPE_FAILURE_CODES = {
  authenticationRequired: 'authentication_required',
  noPaymentMethod: 'itutor_no_payment_method',
  noConnectedAccount: 'itutor_no_connected_account',
} as const;

/** What Stripe answered to one PaymentIntent create call: the PaymentIntent, or what the client threw. */
export type StripeChargeOutcome = { readonly paymentIntent: StripePaymentIntentLike } | { readonly error: unknown };

/**
 * The classification of one Stripe answer:
 * - `answer`: a `ChargeResult` for the core; `authenticationRequired` when the student must authenticate;
 * - `refused`: an answer that must not be turned into a result: `IDEMPOTENCY_CONFLICT` (the gateway answers
 *   `halted`) or `STRIPE_MISCONFIGURED` (the gateway throws the core's `SessionError` `GATEWAY_MISCONFIGURED`).
 */
export type StripeChargeClassification =
  | { readonly kind: 'answer'; readonly result: ChargeResult; readonly authenticationRequired: boolean }
  | {
      readonly kind: 'refused';
      readonly code: 'IDEMPOTENCY_CONFLICT' | 'STRIPE_MISCONFIGURED';
      readonly message: string;
      readonly requestId: string | undefined;
    };

const MAX_CODE = 200;
const code = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value.slice(0, MAX_CODE) : null);

const failed = (failureCode: string, reference: string | undefined, authenticationRequired = false): StripeChargeClassification => ({
  kind: 'answer',
  result: reference === undefined ? { status: 'failed', failureCode } : { status: 'failed', failureCode, reference },
  authenticationRequired,
});
const unknown = (reason: string, reference?: string): StripeChargeClassification => ({
  kind: 'answer',
  result: reference === undefined ? { status: 'unknown', reason } : { status: 'unknown', reason, reference },
  authenticationRequired: false,
});

const isAuthenticationCode = (value: unknown) => value === 'authentication_required';

/** A PaymentIntent's status → the core's answer (see {@link classifyStripeCharge}). */
function classifyPaymentIntent(pi: StripePaymentIntentLike): StripeChargeClassification {
  const last = pi.last_payment_error ?? null;
  switch (pi.status) {
    case 'succeeded':
      return { kind: 'answer', result: { status: 'succeeded', reference: pi.id }, authenticationRequired: false };
    case 'processing':
      return unknown('processing', pi.id);
    case 'requires_action':
      return failed(STRIPE_FAILURE_CODES.authenticationRequired, pi.id, true);
    case 'requires_payment_method': {
      if (isAuthenticationCode(last?.code) || isAuthenticationCode(last?.decline_code)) {
        return failed(STRIPE_FAILURE_CODES.authenticationRequired, pi.id, true);
      }
      return failed(code(last?.decline_code) ?? code(last?.code) ?? 'payment_failed', pi.id);
    }
    case 'canceled':
      return failed('canceled', pi.id);
    default:
      // requires_confirmation / requires_capture cannot follow a confirmed, automatically captured
      // create; an unknown status is not a decision either way.
      return unknown(`unexpected_status_${String(pi.status).slice(0, 50)}`, pi.id);
  }
}

interface StripeErrorShape {
  readonly type?: unknown;
  readonly rawType?: unknown;
  readonly statusCode?: unknown;
  readonly code?: unknown;
  readonly decline_code?: unknown;
  readonly message?: unknown;
  readonly requestId?: unknown;
  readonly payment_intent?: { readonly id?: unknown; readonly status?: unknown } | null;
  readonly detail?: { readonly code?: unknown } | null;
}

/**
 * The one place where Stripe's answers become the core's. Follows Stripe's documented answers to an
 * off-session, confirmed PaymentIntent create (and the error classes of the official client, matched
 * by their `type` name so that two copies of `stripe` in one app still classify alike):
 *
 * | Stripe's answer | result |
 * | --- | --- |
 * | PaymentIntent `succeeded` | `succeeded`, reference = PaymentIntent id |
 * | `processing` | `unknown` (`processing`): the webhook or a later retry under the same key says how it ended |
 * | `requires_action`, or a 402 / `requires_payment_method` with `authentication_required` | `failed` `authentication_required`, `authenticationRequired: true` |
 * | 402 `card_error` | `failed` with its `decline_code`, else its `code` |
 * | `requires_payment_method` (other), `canceled` | `failed` with the last error's code / `canceled` |
 * | 400 / 404 invalid request | `failed` with its `code` (the same parameters would fail again; the attempts cap flags it) |
 * | 429 rate limit | `unknown` (`rate_limited`) |
 * | 409 (a request with the same key still running), 5xx, other API errors | `unknown` (`stripe_unavailable` / `conflict`) |
 * | connection error / time-out | `unknown` (`network_error` / `timeout`) |
 * | 400 `idempotency_error` | `refused` `IDEMPOTENCY_CONFLICT` |
 * | 401 / 403 | `refused` `STRIPE_MISCONFIGURED` |
 * | anything else thrown | `unknown` (`unexpected_error`) |
 */
export function classifyStripeCharge(outcome: StripeChargeOutcome): StripeChargeClassification {
  if ('paymentIntent' in outcome) return classifyPaymentIntent(outcome.paymentIntent);
  const error = outcome.error;
  if (typeof error !== 'object' || error === null) return unknown('unexpected_error');
  const e = error as StripeErrorShape;
  const requestId = typeof e.requestId === 'string' ? e.requestId : undefined;
  const message = typeof e.message === 'string' ? e.message.slice(0, 500) : '';
  const reference = typeof e.payment_intent?.id === 'string' ? e.payment_intent.id : undefined;
  switch (e.type) {
    case 'StripeCardError': {
      if (isAuthenticationCode(e.code) || isAuthenticationCode(e.decline_code) || e.payment_intent?.status === 'requires_action') {
        return failed(STRIPE_FAILURE_CODES.authenticationRequired, reference, true);
      }
      return failed(code(e.decline_code) ?? code(e.code) ?? 'card_declined', reference);
    }
    case 'StripeIdempotencyError':
      return {
        kind: 'refused',
        code: 'IDEMPOTENCY_CONFLICT',
        message: `Stripe refused the idempotency key: it was used before with different parameters${message ? ` (${message})` : ''}`,
        requestId,
      };
    case 'StripeAuthenticationError':
    case 'StripePermissionError':
      return {
        kind: 'refused',
        code: 'STRIPE_MISCONFIGURED',
        message: `Stripe refused the request (${String(e.statusCode)}): check the API key and the account's permissions`,
        requestId,
      };
    case 'StripeInvalidRequestError':
      return failed(code(e.code) ?? 'invalid_request', reference);
    case 'StripeRateLimitError':
      return unknown('rate_limited', reference);
    case 'StripeConnectionError': {
      const timedOut = e.detail?.code === 'ETIMEDOUT' || /timeout/i.test(message);
      return unknown(timedOut ? 'timeout' : 'network_error', reference);
    }
    case 'StripeAPIError':
      return unknown(e.statusCode === 409 ? 'conflict' : 'stripe_unavailable', reference);
    default:
      // Another StripeError subclass (or a raw error with a status): 5xx and 409 are transient.
      if (typeof e.statusCode === 'number' && (e.statusCode >= 500 || e.statusCode === 409)) return unknown('stripe_unavailable', reference);
      return unknown('unexpected_error', reference);
  }
}

/** What Stripe answered to one Refund create call: the Refund, or what the client threw. */
export type StripeRefundOutcome = { readonly refund: StripeRefundLike } | { readonly error: unknown };

/** The classification of one refund answer: a `RefundResult`, or `refused` as for charges. */
export type StripeRefundClassification =
  | { readonly kind: 'answer'; readonly result: RefundResult }
  | Extract<StripeChargeClassification, { readonly kind: 'refused' }>;

/**
 * Stripe's answer to a refund → the core's `RefundResult`:
 *
 * | Stripe's answer | result |
 * | --- | --- |
 * | Refund `succeeded` | `succeeded`, reference = Refund id |
 * | `pending`, `requires_action` | `pending` (the webhook says how it ended) |
 * | `failed`, `canceled` | `failed` with its `failure_reason` / `canceled` |
 * | 400 invalid request (`charge_already_refunded`, `amount_too_large`, `charge_not_refundable`, …) | `failed` with its `code` |
 * | 429, 409, 5xx, connection error, time-out | `unknown` |
 * | 400 `idempotency_error`, 401 / 403 | `refused` (`IDEMPOTENCY_CONFLICT`, `STRIPE_MISCONFIGURED`), as for charges |
 */
export function classifyStripeRefund(outcome: StripeRefundOutcome): StripeRefundClassification {
  if ('refund' in outcome) {
    const { refund } = outcome;
    switch (refund.status) {
      case 'succeeded':
        return { kind: 'answer', result: { status: 'succeeded', reference: refund.id } };
      case 'pending':
      case 'requires_action':
        return { kind: 'answer', result: { status: 'pending', reference: refund.id } };
      case 'failed':
        return { kind: 'answer', result: { status: 'failed', failureCode: code(refund.failure_reason) ?? 'refund_failed', reference: refund.id } };
      case 'canceled':
        return { kind: 'answer', result: { status: 'failed', failureCode: 'canceled', reference: refund.id } };
      default:
        return { kind: 'answer', result: { status: 'unknown', reason: `unexpected_status_${String(refund.status).slice(0, 50)}`, reference: refund.id } };
    }
  }
  // Errors are classified as for charges (a refund raises no card errors); the PaymentIntent in an error
  // is the charge's, not a refund's, so no reference is kept.
  const classified = classifyStripeCharge({ error: outcome.error });
  if (classified.kind === 'refused') return classified;
  const result = classified.result;
  return {
    kind: 'answer',
    result: result.status === 'failed' ? { status: 'failed', failureCode: result.failureCode } : { status: 'unknown', reason: result.status === 'unknown' ? (result.reason ?? 'unknown') : 'unknown' },
  };
}
