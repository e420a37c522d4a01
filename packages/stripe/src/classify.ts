import type { ChargeResult, PayoutResult, RefundResult } from '@itutor/sessions-core/adapter';
import type { StripePaymentIntentLike, StripeRefundLike, StripeTransferLike } from './client';

/**
 * Failure codes this package itself puts on a `failed` charge (Stripe's own decline codes, such as
 * `insufficient_funds`, are passed through as they are).
 * - `authenticationRequired` (`authentication_required`, also Stripe's code): the bank wants the student
 *   to authenticate (3-D Secure); an off-session charge cannot. The answer carries `needsCustomer: true`: the
 *   core waits for the student to pay on-session (`startOnSessionCharge`); `onAuthenticationRequired` was called.
 * - `noPaymentMethod`: `customerFor` returned no customer or no saved payment method. Nothing was sent.
 * - `noConnectedAccount`: `connectedAccountFor` returned no account for the tutor (a destination charge, or a
 *   transfer). Nothing was sent.
 * - `chargeNotSucceeded` (transfers): the PaymentIntent the payout is paid from has not succeeded (or has no
 *   charge to be the transfer's `source_transaction`). Nothing was sent.
 * - `noTransfer` (chargebacks): the tutor's share cannot be taken back: the destination charge has no transfer
 *   (yet). Nothing was sent.
 */
export const STRIPE_FAILURE_CODES = {
  authenticationRequired: 'authentication_required',
  noPaymentMethod: 'itutor_no_payment_method',
  noConnectedAccount: 'itutor_no_connected_account',
  chargeNotSucceeded: 'itutor_charge_not_succeeded',
  noTransfer: 'itutor_no_transfer',
} as const;

/**
 * The declines only the student can fix (issue #24, payment recovery): a `failed` charge with one of these as
 * its `decline_code` (or, for the card-data errors Stripe reports without one, as its `code`) is answered with
 * `needsCustomer: true`, so the core stops charging the saved card off-session and waits for the student to pay
 * on-session. Chosen from Stripe's decline-code table (docs.stripe.com/declines/codes) by its "next steps"
 * column: every code whose next step is the customer's — and is not, first, to attempt the payment again:
 *
 * | code | Stripe's next step |
 * | --- | --- |
 * | `authentication_required` | the customer authenticates (3-D Secure); off-session, "request the customer to retry" |
 * | `call_issuer`, `do_not_honor`, `do_not_try_again`, `card_velocity_exceeded`, `new_account_information_available`, `no_action_taken`, `not_permitted`, `restricted_card`, `revocation_of_all_authorizations`, `revocation_of_authorization`, `security_violation`, `service_not_allowed`, `stop_payment_order`, `transaction_not_allowed` | "The customer needs to contact their card issuer for more information." (for `do_not_honor` Stripe's support adds: "the only way to resolve this is to ask your customer to contact their card issuer") |
 * | `card_not_supported` | "The customer needs to contact their card issuer to make sure their card can be used to make this type of purchase." |
 * | `currency_not_supported` | "The customer needs to check with the issuer whether the card can be used for the type of currency specified." |
 * | `invalid_account` | "The customer needs to contact their card issuer to check that the card is working correctly." |
 * | `invalid_amount` | "If the amount appears to be correct, the customer needs to check with their card issuer that they can make purchases of that amount." |
 * | `expired_card` | "The customer needs to use another card." |
 * | `pin_try_exceeded`, `withdrawal_count_limit_exceeded` | "The customer must use another card or method of payment." / "The customer should use an alternative payment method." |
 * | `incorrect_cvc`, `incorrect_number`, `incorrect_zip`, `invalid_cvc`, `invalid_expiry_month`, `invalid_expiry_year`, `invalid_number` | "The customer should try again using the correct …" (card data only the student has) |
 * | `payment_intent_authentication_failure` (an error code) | the student failed 3-D Secure: "Provide a new payment method to attempt to fulfill this PaymentIntent again." |
 *
 * Left out on purpose (the core keeps retrying off-session, and past its cap a person looks):
 * - `approve_with_id`, `issuer_not_available`, `processing_error`, `reenter_transaction`, `try_again_later`:
 *   Stripe's first step is "Attempt the payment again", which the core's next attempt does;
 * - `insufficient_funds` ("The customer needs to use an alternative payment method"): time fixes it too —
 *   issuers usually advise trying again later, and the core's attempts over the charge deadline do;
 * - `generic_decline`: Stripe's catch-all (also for declines Stripe itself makes), and `fraudulent`,
 *   `lost_card`, `stolen_card`, `pickup_card`, `merchant_blacklist`, where Stripe says not to tell the customer
 *   the reason ("present as you would the `generic_decline`"): a person should look, not the student be asked;
 * - `duplicate_transaction` ("Check to see if a recent payment already exists": the platform's step),
 *   `testmode_decline`, and the card-reader codes (`incorrect_pin`, `invalid_pin`, `offline_pin_required`,
 *   `online_or_offline_pin_required`), which an online charge never gets.
 *
 * The issuer's `advice_code`, when Stripe passes one, overrides the table: `try_again_later` keeps the
 * off-session retries; `do_not_try_again` ("the issuer won't approve it", and card networks charge for
 * retries after it) and `confirm_card_data` (the student must give their card data again) need the student.
 */
export const STRIPE_CUSTOMER_DECLINE_CODES: readonly string[] = [
  'authentication_required',
  'call_issuer',
  'card_not_supported',
  'card_velocity_exceeded',
  'currency_not_supported',
  'do_not_honor',
  'do_not_try_again',
  'expired_card',
  'incorrect_cvc',
  'incorrect_number',
  'incorrect_zip',
  'invalid_account',
  'invalid_amount',
  'invalid_cvc',
  'invalid_expiry_month',
  'invalid_expiry_year',
  'invalid_number',
  'new_account_information_available',
  'no_action_taken',
  'not_permitted',
  'payment_intent_authentication_failure',
  'pin_try_exceeded',
  'restricted_card',
  'revocation_of_all_authorizations',
  'revocation_of_authorization',
  'security_violation',
  'service_not_allowed',
  'stop_payment_order',
  'transaction_not_allowed',
  'withdrawal_count_limit_exceeded',
];

/** What Stripe answered to one PaymentIntent create call: the PaymentIntent, or what the client threw. */
export type StripeChargeOutcome = { readonly paymentIntent: StripePaymentIntentLike } | { readonly error: unknown };

/**
 * The classification of one Stripe answer:
 * - `answer`: a `ChargeResult` for the core (a `failed` one carries `needsCustomer: true` when only the student
 *   can fix it, see {@link STRIPE_CUSTOMER_DECLINE_CODES}); `authenticationRequired` when the student must
 *   authenticate (3-D Secure);
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

const failed = (failureCode: string, reference: string | undefined, needsCustomer = false, authenticationRequired = false): StripeChargeClassification => ({
  kind: 'answer',
  result: { status: 'failed', failureCode, ...(reference === undefined ? {} : { reference }), ...(needsCustomer ? { needsCustomer: true } : {}) },
  authenticationRequired,
});
const unknown = (reason: string, reference?: string): StripeChargeClassification => ({
  kind: 'answer',
  result: reference === undefined ? { status: 'unknown', reason } : { status: 'unknown', reason, reference },
  authenticationRequired: false,
});

const isAuthenticationCode = (value: unknown) => value === 'authentication_required';

/** The parts of a decline that say who can fix it: Stripe's error or a PaymentIntent's `last_payment_error`. */
interface DeclineParts {
  readonly code?: unknown;
  readonly decline_code?: unknown;
  readonly advice_code?: unknown;
}

/** True when only the student can make the charge go through (see {@link STRIPE_CUSTOMER_DECLINE_CODES}). */
function customerMustAct(decline: DeclineParts): boolean {
  if (decline.advice_code === 'try_again_later') return false;
  if (decline.advice_code === 'do_not_try_again' || decline.advice_code === 'confirm_card_data') return true;
  const named = code(decline.decline_code) ?? code(decline.code);
  return named !== null && STRIPE_CUSTOMER_DECLINE_CODES.includes(named);
}

/** A decline → `failed` with its decline code (else its code, else `fallback`), `needsCustomer` when the student must act. */
function declined(decline: DeclineParts, fallback: string, reference: string | undefined): StripeChargeClassification {
  if (isAuthenticationCode(decline.code) || isAuthenticationCode(decline.decline_code)) {
    return failed(STRIPE_FAILURE_CODES.authenticationRequired, reference, true, true);
  }
  return failed(code(decline.decline_code) ?? code(decline.code) ?? fallback, reference, customerMustAct(decline));
}

/** A PaymentIntent's status → the core's answer (see {@link classifyStripeCharge}). */
function classifyPaymentIntent(pi: StripePaymentIntentLike): StripeChargeClassification {
  const last = pi.last_payment_error ?? null;
  switch (pi.status) {
    case 'succeeded':
      return { kind: 'answer', result: { status: 'succeeded', reference: pi.id }, authenticationRequired: false };
    case 'processing':
      return unknown('processing', pi.id);
    case 'requires_action':
      return failed(STRIPE_FAILURE_CODES.authenticationRequired, pi.id, true, true);
    case 'requires_payment_method':
      return declined(last ?? {}, 'payment_failed', pi.id);
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
  readonly advice_code?: unknown;
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
 * | `requires_action`, or a 402 / `requires_payment_method` with `authentication_required` | `failed` `authentication_required`, `needsCustomer: true`, `authenticationRequired: true` |
 * | 402 `card_error` | `failed` with its `decline_code`, else its `code`; `needsCustomer: true` for a decline only the student can fix ({@link STRIPE_CUSTOMER_DECLINE_CODES}, the issuer's `advice_code`) |
 * | `requires_payment_method` (other), `canceled` | `failed` with the last error's code (`needsCustomer` as for a 402) / `canceled` |
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
    case 'StripeCardError':
      if (e.payment_intent?.status === 'requires_action') return failed(STRIPE_FAILURE_CODES.authenticationRequired, reference, true, true);
      return declined(e, 'card_declined', reference);
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
  return classifyOtherError(outcome.error);
}

/** An error answer to a request that is not a charge (a refund, a transfer, a reversal): `failed`, `unknown` or `refused`. */
type OtherErrorClassification =
  | { readonly kind: 'answer'; readonly result: { readonly status: 'failed'; readonly failureCode: string } | { readonly status: 'unknown'; readonly reason: string } }
  | Extract<StripeChargeClassification, { readonly kind: 'refused' }>;

/**
 * Errors of requests that are not charges are classified as a charge's (they raise no card errors); the
 * PaymentIntent an error may name is not the object asked for, so no reference is kept.
 */
function classifyOtherError(error: unknown): OtherErrorClassification {
  const classified = classifyStripeCharge({ error });
  if (classified.kind === 'refused') return classified;
  const result = classified.result;
  return {
    kind: 'answer',
    result: result.status === 'failed' ? { status: 'failed', failureCode: result.failureCode } : { status: 'unknown', reason: result.status === 'unknown' ? (result.reason ?? 'unknown') : 'unknown' },
  };
}

/** What Stripe answered to one Transfer (or TransferReversal) create call: the object, or what the client threw. */
export type StripeTransferOutcome = { readonly transfer: StripeTransferLike } | { readonly error: unknown };

/** The classification of one transfer answer: a `PayoutResult`, or `refused` as for charges. */
export type StripeTransferClassification =
  | { readonly kind: 'answer'; readonly result: PayoutResult }
  | Extract<StripeChargeClassification, { readonly kind: 'refused' }>;

/**
 * Stripe's answer to a transfer (a payout of `payoutTiming: 'after_review'`) → the core's `PayoutResult`. A
 * transfer between Stripe balances has no pending state: it exists, or it was refused.
 *
 * | Stripe's answer | result |
 * | --- | --- |
 * | a Transfer | `succeeded`, reference = Transfer id (`tr_...`) |
 * | 400 invalid request (`balance_insufficient`, `insufficient_capabilities_for_transfer`, `resource_missing`, …) | `failed` with its `code` |
 * | 429, 409, 5xx, connection error, time-out | `unknown` |
 * | 400 `idempotency_error`, 401 / 403 | `refused` (`IDEMPOTENCY_CONFLICT`, `STRIPE_MISCONFIGURED`), as for charges |
 */
export function classifyStripeTransfer(outcome: StripeTransferOutcome): StripeTransferClassification {
  if ('transfer' in outcome) {
    const id = outcome.transfer?.id;
    // A body without an id is not an answer the ledger can keep: the retry under the same key asks again.
    if (typeof id !== 'string' || id === '') return { kind: 'answer', result: { status: 'unknown', reason: 'unrecognised_answer' } };
    return { kind: 'answer', result: { status: 'succeeded', reference: id } };
  }
  return classifyOtherError(outcome.error);
}
