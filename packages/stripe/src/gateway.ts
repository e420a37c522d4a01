import { withDeadline, type ChargeCallOptions, type ChargeInstruction, type ChargeResult, type RefundInstruction, type RefundResult } from '@itutor/sessions-core/adapter';
import { type PaymentGateway } from '@itutor/sessions-core';
import { classifyStripeCharge, classifyStripeRefund, STRIPE_FAILURE_CODES } from './classify';
import type { StripeClientLike } from './client';
import { isHaltCode, misconfigured } from './errors';

/** The student's Stripe customer and the saved payment method to charge off-session. */
export interface StripeCustomerRef {
  /** `cus_...` */
  readonly customer: string;
  /** `pm_...`, saved for off-session use (see `createCardSetup`); `null` when the student has none yet. */
  readonly paymentMethod: string | null;
}

/** Host function: the student's Stripe customer, or `null` when there is none. */
export type CustomerLookup = (studentId: string) => Promise<StripeCustomerRef | null> | StripeCustomerRef | null;

/** Host function: the tutor's Stripe Connect account id (`acct_...`), or `null` when there is none. */
export type ConnectedAccountLookup = (tutorId: string) => Promise<string | null> | string | null;

/** What `onAuthenticationRequired` is told: whose card needs the student back on-session. */
export interface AuthenticationRequiredInfo {
  readonly studentId: string;
  readonly sessionId: string;
  readonly bookingId: string;
  readonly attempt: number;
  /**
   * The declined PaymentIntent, for the host's records. Do not confirm it on-session: the core has
   * recorded this attempt as failed and charges the next attempt under a new key; ask the student to
   * save their card again (`createCardSetup`) instead.
   */
  readonly paymentIntentId: string | null;
}

/** Options of {@link stripeGateway}. */
export interface StripeGatewayOptions {
  /** The official client: `new Stripe(process.env.STRIPE_SECRET_KEY!)`. */
  readonly stripe: StripeClientLike;
  /** Student id → Stripe customer and saved payment method. A throw counts as an unknown answer. */
  readonly customerFor: CustomerLookup;
  /** Tutor id → Connect account receiving the payout. A throw counts as an unknown answer. */
  readonly connectedAccountFor: ConnectedAccountLookup;
  /**
   * Called (not awaited; its errors are ignored) when a charge failed because the bank wants the student
   * to authenticate: tell them to come back and save their card again.
   */
  readonly onAuthenticationRequired?: (info: AuthenticationRequiredInfo) => void | Promise<void>;
  /**
   * Time limit of the Stripe request in ms, passed as the client's per-request `timeout`. Default 4 500:
   * under the core's default `chargeTimeoutMs` (5 000), so a slow request ends on its own soon after the
   * core stops waiting for it (the client cannot take an `AbortSignal`).
   */
  readonly requestTimeoutMs?: number;
}

/**
 * How long Stripe keeps an idempotency key, in minutes: 24 hours ("keys are eligible to be removed
 * automatically after they're at least 24 hours old"). A retry under a key Stripe has forgotten is a new
 * request — a second charge.
 */
export const STRIPE_IDEMPOTENCY_KEY_LIFETIME_MINUTES = 1440;

/** The Stripe `PaymentGateway`. */
export interface StripeGateway extends PaymentGateway {
  charge(instruction: ChargeInstruction, options?: ChargeCallOptions): Promise<ChargeResult>;
  /**
   * {@link STRIPE_IDEMPOTENCY_KEY_LIFETIME_MINUTES}: the core's default `policy.chargeDeadlineMinutes` follows it
   * (1 380), and the core refuses (`INVALID_POLICY`) a deadline set at or beyond it, so no unknown answer is
   * retried after Stripe forgot its key.
   */
  readonly idempotencyKeyLifetimeMinutes: number;
  /**
   * Returns all or part of a succeeded charge: a Refund of the attempt's PaymentIntent with
   * `reverse_transfer: true` and `refund_application_fee: true`, so the tutor's transfer and the platform's
   * fee are returned in proportion to the refund (Stripe computes the shares; a full refund returns both
   * whole), under the refund's own `Idempotency-Key`. Answers are classified by `classifyStripeRefund`;
   * like `charge`, answers `{ status: 'halted', code }` for `INVALID_INSTRUCTION` and `IDEMPOTENCY_CONFLICT`
   * and throws the core's `SessionError` `GATEWAY_MISCONFIGURED` when Stripe refuses the key.
   */
  refund(instruction: RefundInstruction, options?: ChargeCallOptions): Promise<RefundResult>;
}

/** Refund metadata key naming the refund's idempotency key (with the session id and attempt of `STRIPE_METADATA_KEYS`). */
export const STRIPE_REFUND_METADATA_KEY = 'itutor_refund_key';

/** PaymentIntent metadata keys set on every charge (and read back by the webhook handler). */
export const STRIPE_METADATA_KEYS = {
  sessionId: 'itutor_session_id',
  bookingId: 'itutor_booking_id',
  outcome: 'itutor_outcome',
  attempt: 'itutor_attempt',
} as const;

const wholeMinor = (value: unknown, min: number) => typeof value === 'number' && Number.isSafeInteger(value) && value >= min;

/** The problems that make `instruction` an invalid charge (none for a valid one). */
function instructionProblems(instruction: ChargeInstruction): string[] {
  const problems: string[] = [];
  if (!wholeMinor(instruction.amountMinor, 1)) problems.push('amountMinor must be a whole number ≥ 1');
  if (!wholeMinor(instruction.payoutMinor, 0)) problems.push('payoutMinor must be a whole number ≥ 0');
  if (!wholeMinor(instruction.feeMinor, 0)) problems.push('feeMinor must be a whole number ≥ 0');
  if (problems.length === 0 && instruction.amountMinor !== instruction.payoutMinor + instruction.feeMinor) {
    problems.push('amountMinor must equal payoutMinor + feeMinor');
  }
  if (typeof instruction.currency !== 'string' || !/^[A-Za-z]{3}$/.test(instruction.currency)) problems.push('currency must be an ISO 4217 code');
  if (typeof instruction.idempotencyKey !== 'string' || instruction.idempotencyKey.length === 0 || instruction.idempotencyKey.length > 255) {
    problems.push('idempotencyKey must be 1–255 characters');
  }
  return problems;
}

/**
 * The PaymentIntent create parameters for one ledger attempt: an off-session, confirmed Connect
 * destination charge. The tutor's account receives `amount − application_fee_amount` = the payout.
 */
export function paymentIntentParams(instruction: ChargeInstruction, customer: { customer: string; paymentMethod: string }, destination: string) {
  return {
    amount: instruction.amountMinor,
    currency: instruction.currency.toLowerCase(),
    customer: customer.customer,
    payment_method: customer.paymentMethod,
    confirm: true,
    off_session: true,
    // Stripe refuses an application fee of 0 on some accounts; no fee is the same as none.
    ...(instruction.feeMinor > 0 ? { application_fee_amount: instruction.feeMinor } : {}),
    transfer_data: { destination },
    metadata: {
      [STRIPE_METADATA_KEYS.sessionId]: instruction.sessionId,
      [STRIPE_METADATA_KEYS.bookingId]: instruction.bookingId,
      [STRIPE_METADATA_KEYS.outcome]: instruction.outcome,
      [STRIPE_METADATA_KEYS.attempt]: String(instruction.attempt),
    },
  };
}

const unknown = (reason: string): ChargeResult => ({ status: 'unknown', reason });

/** The problems that make `instruction` an invalid refund (none for a valid one). */
function refundProblems(instruction: RefundInstruction): string[] {
  const problems: string[] = [];
  if (!wholeMinor(instruction.amountMinor, 1)) problems.push('amountMinor must be a whole number ≥ 1');
  if (typeof instruction.gatewayReference !== 'string' || !/^pi_[A-Za-z0-9_]+$/.test(instruction.gatewayReference)) {
    problems.push('gatewayReference must be the charge\'s PaymentIntent id (pi_...)');
  }
  if (typeof instruction.currency !== 'string' || !/^[A-Za-z]{3}$/.test(instruction.currency)) problems.push('currency must be an ISO 4217 code');
  if (typeof instruction.idempotencyKey !== 'string' || instruction.idempotencyKey.length === 0 || instruction.idempotencyKey.length > 255) {
    problems.push('idempotencyKey must be 1–255 characters');
  }
  if (!Number.isSafeInteger(instruction.attempt) || instruction.attempt < 1) problems.push('attempt must be a whole number ≥ 1');
  return problems;
}

/**
 * The core's `PaymentGateway` on Stripe: each ledger attempt is one off-session PaymentIntent on the
 * student's saved payment method (`confirm: true`, `off_session: true`), a Connect destination charge to
 * the tutor's account with `application_fee_amount` = the platform fee, sent with the attempt's key as
 * Stripe's `Idempotency-Key` — a retry of an unknown answer gets Stripe's first answer back, never a
 * second charge. Answers are classified by {@link classifyStripeCharge}.
 *
 * The client's own retries are turned off for this request (`maxNetworkRetries: 0`): the core retries
 * unknown answers under the same key on its own schedule. (The client still retries a connection closed
 * before an answer once, under the same key, which is safe.) An aborted call (the core's time limit)
 * answers `unknown` at once; Stripe may still complete it, and the retry under the same key gets that.
 *
 * A `processing` answer is checked once more with a read of the PaymentIntent (a retry's replayed answer
 * is the first, stale snapshot), so a retry sees how the payment ended even without the webhook.
 *
 * Answers `{ status: 'halted', code }` for `IDEMPOTENCY_CONFLICT` and `INVALID_INSTRUCTION` (the codes of
 * `STRIPE_HALTING_CODES`: the core flags the attempt for a person at once, never retrying it), and throws
 * the core's `SessionError` `GATEWAY_MISCONFIGURED` when Stripe refuses the API key or the account's
 * permissions (the core records the throw as an unknown answer,
 * `gateway_error`, retried under the same key once the key is fixed).
 *
 * Declares `idempotencyKeyLifetimeMinutes` (24 hours): with the default policy the core's charge deadline is
 * then 1 380 minutes; it refuses a `chargeDeadlineMinutes` of 1 440 or more set with this gateway.
 */
export function stripeGateway(options: StripeGatewayOptions): StripeGateway {
  const { stripe, customerFor, connectedAccountFor, onAuthenticationRequired } = options;
  const timeout = options.requestTimeoutMs ?? 4_500;
  if (!Number.isSafeInteger(timeout) || timeout < 1) throw new TypeError('requestTimeoutMs must be a whole number ≥ 1');

  return {
    idempotencyKeyLifetimeMinutes: STRIPE_IDEMPOTENCY_KEY_LIFETIME_MINUTES,
    async charge(instruction, callOptions) {
      const signal = callOptions?.signal;
      // Nothing is sent: the same instruction would be refused again, so the attempt halts.
      if (instructionProblems(instruction).length > 0) return { status: 'halted', code: 'INVALID_INSTRUCTION' };
      if (signal?.aborted) return unknown('aborted');

      let customer: StripeCustomerRef | null;
      try {
        const found = await untilAborted(() => customerFor(instruction.studentId), signal);
        if ('aborted' in found) return unknown('aborted');
        customer = found.value;
      } catch {
        return unknown('customer_lookup_failed');
      }
      if (!customer?.customer || !customer.paymentMethod) {
        return { status: 'failed', failureCode: STRIPE_FAILURE_CODES.noPaymentMethod };
      }
      let destination: string | null;
      try {
        const found = await untilAborted(() => connectedAccountFor(instruction.tutorId), signal);
        if ('aborted' in found) return unknown('aborted');
        destination = found.value;
      } catch {
        return unknown('account_lookup_failed');
      }
      if (!destination) return { status: 'failed', failureCode: STRIPE_FAILURE_CODES.noConnectedAccount };

      const params = paymentIntentParams(instruction, { customer: customer.customer, paymentMethod: customer.paymentMethod }, destination);
      const answered = await untilAborted(
        () =>
          stripe.paymentIntents.create(params, { idempotencyKey: instruction.idempotencyKey, maxNetworkRetries: 0, timeout }).then(
            (paymentIntent) => ({ paymentIntent }),
            (error: unknown) => ({ error }),
          ),
        signal,
      );
      if ('aborted' in answered) return unknown('aborted');

      let classified = classifyStripeCharge(answered.value);
      // A retry under the same key gets Stripe's first answer again: for a PaymentIntent that was
      // `processing` that is a stale snapshot, so read its current status.
      if (classified.kind === 'answer' && classified.result.status === 'unknown' && classified.result.reason === 'processing' && classified.result.reference) {
        const reference = classified.result.reference;
        const current = await untilAborted(
          () =>
            stripe.paymentIntents.retrieve(reference, undefined, { maxNetworkRetries: 0, timeout }).then(
              (paymentIntent) => ({ paymentIntent }),
              () => null,
            ),
          signal,
        );
        if ('aborted' in current) return classified.result;
        if (current.value !== null) classified = classifyStripeCharge(current.value);
      }
      if (classified.kind === 'refused') {
        if (isHaltCode(classified.code)) return { status: 'halted', code: classified.code };
        throw misconfigured(
          `${classified.message} (session ${instruction.sessionId}, attempt ${instruction.attempt})`,
          classified.requestId,
          'error' in answered.value ? answered.value.error : undefined,
        );
      }
      if (classified.authenticationRequired && onAuthenticationRequired) {
        const info: AuthenticationRequiredInfo = {
          studentId: instruction.studentId,
          sessionId: instruction.sessionId,
          bookingId: instruction.bookingId,
          attempt: instruction.attempt,
          paymentIntentId: classified.result.reference ?? null,
        };
        void Promise.resolve()
          .then(() => onAuthenticationRequired(info))
          .catch(() => undefined);
      }
      return classified.result;
    },

    async refund(instruction, callOptions) {
      const signal = callOptions?.signal;
      if (refundProblems(instruction).length > 0) return { status: 'halted', code: 'INVALID_INSTRUCTION' };
      if (signal?.aborted) return { status: 'unknown', reason: 'aborted' };
      const answered = await untilAborted(
        () =>
          stripe.refunds
            .create(
              {
                payment_intent: instruction.gatewayReference,
                amount: instruction.amountMinor,
                reverse_transfer: true,
                refund_application_fee: true,
                metadata: {
                  [STRIPE_METADATA_KEYS.sessionId]: instruction.sessionId,
                  [STRIPE_METADATA_KEYS.attempt]: String(instruction.attempt),
                  [STRIPE_REFUND_METADATA_KEY]: instruction.idempotencyKey,
                },
              },
              { idempotencyKey: instruction.idempotencyKey, maxNetworkRetries: 0, timeout },
            )
            .then(
              (refund) => ({ refund }),
              (error: unknown) => ({ error }),
            ),
        signal,
      );
      if ('aborted' in answered) return { status: 'unknown', reason: 'aborted' };
      const classified = classifyStripeRefund(answered.value);
      if (classified.kind === 'refused') {
        if (isHaltCode(classified.code)) return { status: 'halted', code: classified.code };
        throw misconfigured(
          `${classified.message} (refund of session ${instruction.sessionId}, attempt ${instruction.attempt})`,
          classified.requestId,
          'error' in answered.value ? answered.value.error : undefined,
        );
      }
      return classified.result;
    },
  };
}

/** What {@link untilAborted} answers once the core's signal has aborted. */
const ABORTED = { aborted: true } as const;

/**
 * `call`'s answer, or `ABORTED` as soon as the core's signal aborts (at once when it already has, and then
 * `call` is not made); the call is left to settle on its own. No time limit of its own: the core's is the
 * signal.
 */
function untilAborted<T>(call: () => T | PromiseLike<T>, signal: AbortSignal | undefined): Promise<{ readonly value: T } | typeof ABORTED> {
  return withDeadline<{ readonly value: T } | typeof ABORTED>(async () => ({ value: await call() }), {
    timeoutMs: Infinity,
    what: 'the Stripe call',
    signal,
    onAbort: () => ABORTED,
  });
}
