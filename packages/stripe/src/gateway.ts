import type {
  ChargebackEvidenceInstruction,
  ChargebackEvidenceResult,
  ChargebackShareInstruction,
  ChargebackShareResult,
  ChargeCallOptions,
  ChargeInstruction,
  ChargeResult,
  OnSessionChargeResult,
  PayoutInstruction,
  PayoutResult,
  RefundInstruction,
  RefundResult,
} from '@itutor/sessions-core/adapter';
import { type PaymentGateway } from '@itutor/sessions-core';
import { evidenceOnce, moveShareOnce, type STRIPE_CHARGEBACK_METADATA_KEY, type stripeDisputeEvidence } from './chargeback-gateway';
import type { stripeEvidenceDocument } from './evidence-document';
import { classifyStripeCharge, classifyStripeRefund, classifyStripeTransfer, STRIPE_FAILURE_CODES } from './classify';
import { isHaltCode, misconfigured } from './errors';
import {
  chargeParams,
  customerOf,
  destinationFor,
  errorOf,
  idOf,
  instructionProblems,
  isCurrency,
  isKey,
  isPaymentIntentId,
  isSeparateCharge,
  readPaymentIntent,
  refusedAnswer,
  STRIPE_METADATA_KEYS,
  tell,
  unknown,
  untilAborted,
  wholeMinor,
  type GatewayContext,
} from './gateway-support';
import { startOnSessionOnce } from './on-session';
import type { StripeClientLike } from './client';

export { STRIPE_METADATA_KEYS } from './gateway-support';

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
   * The declined PaymentIntent, for the host's records. Do not confirm it on-session: the core has recorded
   * this attempt as failed (`needsCustomer`); the student pays a new attempt on-session
   * (`startOnSessionCharge`, through the core), or saves their card again (`createCardSetup`).
   */
  readonly paymentIntentId: string | null;
}

/**
 * What `onTransferReversalFailed` is told: a refund of an `after_review` charge returned the student's money,
 * but Stripe definitely refused to take the refund's payout part back from the tutor's transfer.
 */
export interface TransferReversalFailedInfo {
  readonly sessionId: string;
  /** The refunded charge attempt. */
  readonly attempt: number;
  /** The refund's idempotency key (`refundIdempotencyKey`): the core's refund row. */
  readonly refundKey: string;
  /** The Refund (`re_...`) that returned the student's money. */
  readonly refundId: string;
  /** The tutor's transfer (`tr_...`) that was not reversed. */
  readonly transferId: string;
  /** What should have been taken back from the transfer (the refund's payout part). */
  readonly amountMinor: number;
  /** The reversal's idempotency key, as sent. Stripe keeps its answer for 24 hours: a reversal made by hand needs another key. */
  readonly reversalKey: string;
  /** Stripe's code (e.g. `balance_insufficient`), or `IDEMPOTENCY_CONFLICT`. */
  readonly failureCode: string;
}

/** Options of {@link stripeGateway}. */
export interface StripeGatewayOptions {
  /** The official client: `new Stripe(process.env.STRIPE_SECRET_KEY!)`. */
  readonly stripe: StripeClientLike;
  /** Student id → Stripe customer and saved payment method. A throw counts as an unknown answer. */
  readonly customerFor: CustomerLookup;
  /**
   * Tutor id → Connect account receiving the payout: the destination of a `with_charge` charge, or of an
   * `after_review` payout's transfer. A throw counts as an unknown answer.
   */
  readonly connectedAccountFor: ConnectedAccountLookup;
  /**
   * Called (not awaited; its errors are ignored) when a charge failed because the bank wants the student
   * to authenticate: tell them to come back and pay on-session (the core's charge waits for them; it also
   * tells `charge.customer_action_required`, for every decline that needs the student).
   */
  readonly onAuthenticationRequired?: (info: AuthenticationRequiredInfo) => void | Promise<void>;
  /**
   * Called (not awaited; its errors are ignored) when a refund of an `after_review` charge returned the
   * student's money but Stripe definitely refused the reversal of the tutor's transfer (for example the
   * transfer was already reversed by hand): the refund is answered as Stripe answered it, so the core's
   * ledger counts the refund's payout part as taken back although the tutor kept it. Alert someone: the
   * platform carries that amount until a person reverses it or settles it with the tutor.
   */
  readonly onTransferReversalFailed?: (info: TransferReversalFailedInfo) => void | Promise<void>;
  /**
   * Time limit of the Stripe request in ms, passed as the client's per-request `timeout`. Default 4 500:
   * under the core's default `chargeTimeoutMs` (5 000), so a slow request ends on its own soon after the
   * core stops waiting for it (the client cannot take an `AbortSignal`).
   */
  readonly requestTimeoutMs?: number;
  /**
   * Chargebacks: with `true`, staging evidence also uploads it as a PDF (`stripeEvidenceDocument`: the evidence
   * fields, one section each) with Stripe's Files API — `files.create` with purpose `dispute_evidence`, named
   * `session-evidence.pdf` — and stages it in the evidence's `uncategorized_file`, beside the text fields.
   * Needs a client with `files.create` (the official client has it; `stripeGateway` throws a `TypeError`
   * without it). Default `false`: text fields only, nothing uploaded.
   */
  readonly evidenceDocument?: boolean;
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
   * Returns all or part of a succeeded charge, under the refund's own `Idempotency-Key`. The PaymentIntent is
   * read first to know which kind of charge it is:
   * - a destination charge (`with_charge`: it has `transfer_data`): a Refund with `reverse_transfer: true` and
   *   `refund_application_fee: true`, so the tutor's transfer and the platform's fee are returned in
   *   proportion to the refund (Stripe computes the shares; a full refund returns both whole);
   * - a separate charge (`after_review`): a Refund without those flags (there is no transfer or fee on the
   *   charge). When the tutor was already paid (`instruction.reverseTransfer`), the refund's payout part is
   *   then taken back from the tutor's transfer: a TransferReversal under the reversal's own key (the Refund's
   *   metadata names the transfer, `STRIPE_REVERSED_TRANSFER_METADATA_KEY`).
   *
   * Answers are classified by `classifyStripeRefund`. When the refund was made but its reversal was not:
   * - the reversal's answer is unknown (network, 5xx, 429, time-out, the core's abort) or Stripe refused the
   *   key (401 / 403: thrown as `GATEWAY_MISCONFIGURED`, which the core records as unknown): the whole answer
   *   is `unknown` (reason `transfer_reversal_<why>`), so the core sends it again under the same two keys —
   *   Stripe replays the refund and makes (or replays) the reversal, never a second of either. The webhook
   *   handler does not close such a refund before its reversal exists (see `stripeWebhookRoutes`);
   * - Stripe definitely refused the reversal (an invalid request, such as more than the transfer has left,
   *   or an idempotency conflict): the refund is answered as Stripe answered it (`succeeded` / `pending`) with
   *   `reversalFailureCode` (the core flags it: `payout.needs_attention`), and `onTransferReversalFailed` is told. Not `halted`: the core records a halted refund as failed for good,
   *   which would say the student's money did not come back when it did, and let the same amount be refunded
   *   a second time. Not `unknown`: retrying a refused reversal under its key gets the same refusal, and
   *   keeps the refund open beyond Stripe's 24 hours, after which its retry would be a second refund.
   *
   * Like `charge`, answers `{ status: 'halted', code }` for `INVALID_INSTRUCTION` (also: a `reverseTransfer`
   * for a destination charge, which would take the tutor's share back twice) and `IDEMPOTENCY_CONFLICT`, and
   * throws the core's `SessionError` `GATEWAY_MISCONFIGURED` when Stripe refuses the key.
   */
  refund(instruction: RefundInstruction, options?: ChargeCallOptions): Promise<RefundResult>;
  /**
   * Pays the tutor of an `after_review` session: a Transfer of `amountMinor` to the tutor's connected account
   * (`connectedAccountFor`, as for charges) with `transfer_group` = the session id and `source_transaction` =
   * the charge of `instruction.chargeReference` (the PaymentIntent's `latest_charge`, read first), under the
   * payout's own `Idempotency-Key`. Answers are classified by `classifyStripeTransfer`: `succeeded` with the
   * transfer id; `failed` with Stripe's code for a definite refusal (`balance_insufficient`,
   * `insufficient_capabilities_for_transfer`, ...) or `itutor_no_connected_account` /
   * `itutor_charge_not_succeeded` (nothing sent); `unknown` for network errors, 5xx, 429, time-outs and the
   * core's abort; `halted` for `IDEMPOTENCY_CONFLICT` and `INVALID_INSTRUCTION` (also: the PaymentIntent is a
   * destination charge, whose tutor was paid with it). Throws `GATEWAY_MISCONFIGURED` as `charge` does.
   */
  transfer(instruction: PayoutInstruction, options?: ChargeCallOptions): Promise<PayoutResult>;
  /**
   * Payment recovery (issue #24): the attempt's PaymentIntent for the student to confirm in the browser — the same
   * amount, currency, customer, saved payment method, metadata and money rules as `charge` (a destination charge
   * for `with_charge`, `transfer_group` for `after_review`), but not confirmed (`confirm: false`, no
   * `off_session`), created under the attempt's key. Stripe answers a repeated create with its first answer, so
   * the PaymentIntent is then read, and answered as it stands now:
   *
   * | PaymentIntent | answer |
   * | --- | --- |
   * | `requires_confirmation`, `requires_action`, `requires_payment_method` never tried | `requires_customer` with its `client_secret` (for Stripe.js `confirmCardPayment`) and its id |
   * | `succeeded` | `succeeded` |
   * | `requires_payment_method` after a decline (a failed 3-D Secure, a card declined) | `failed` with the decline's code, as `charge` classifies it |
   * | `processing` | `unknown` (`processing`) |
   * | `canceled` | `failed` (`canceled`) |
   *
   * Errors are classified as `charge`'s (`unknown` for network errors, 5xx, 429, time-outs; `failed` for an
   * invalid request; `halted` `IDEMPOTENCY_CONFLICT` — the student's saved card changed between two calls of the
   * attempt — and `INVALID_INSTRUCTION`; `GATEWAY_MISCONFIGURED` thrown). A student without a saved card gets a
   * PaymentIntent without one (their browser supplies a card); the webhook's `payment_intent.succeeded` /
   * `.payment_failed` reports the outcome like any charge's.
   */
  startOnSessionCharge(instruction: ChargeInstruction, options?: ChargeCallOptions): Promise<OnSessionChargeResult>;
  /**
   * Chargebacks: stages the evidence on the dispute without submitting it: `disputes.update(reference, { evidence,
   * submit: false })`, the evidence as {@link stripeDisputeEvidence} maps it (Stripe's `customer_communication` is a
   * file, so the participants' messages go into `uncategorized_text`). Staging again replaces it. Stripe's invalid
   * request (a refused field, a dispute that no longer takes evidence, an unknown dispute) → `failed` with Stripe's
   * `code` (`invalid_request` without one) and message; 401 / 403 → thrown `GATEWAY_MISCONFIGURED`; anything else
   * (network, 5xx, 429, the core's abort) is thrown (not staged; staged again later).
   *
   * With the `evidenceDocument` option, the evidence is first uploaded as a PDF ({@link stripeEvidenceDocument},
   * `files.create`, purpose `dispute_evidence`) under the key `itutor-chargeback-<session>-<chargeback>-evidence-
   * <digest of the document>-file` — a retry of the same staging gets Stripe's first File back, new evidence makes
   * a new file — and the update names it in `uncategorized_file`. The upload's answers are read like the update's
   * (Stripe's invalid request → `failed`, nothing staged; others thrown).
   */
  stageChargebackEvidence(instruction: ChargebackEvidenceInstruction, options?: ChargeCallOptions): Promise<ChargebackEvidenceResult>;
  /**
   * Chargebacks: submits the staged evidence to the bank: `disputes.update(reference, { submit: true })` under the
   * key `itutor-chargeback-<session>-<chargeback>-submit` (a retry after a lost answer gets Stripe's first answer
   * back, not "already submitted"). Answers as `stageChargebackEvidence`.
   */
  submitChargebackEvidence(instruction: ChargebackEvidenceInstruction, options?: ChargeCallOptions): Promise<ChargebackEvidenceResult>;
  /**
   * Chargebacks borne by the tutor: `reverse` takes `amountMinor` back from the tutor's transfer — for
   * `with_charge` the destination charge's transfer (the PaymentIntent read with `expand: ['latest_charge']`, its
   * `transfer`), for `after_review` the payout's (`payoutReference`) — by `transfers.createReversal`; `reinstate`
   * gives it back by `transfers.create` to the tutor's connected account (`connectedAccountFor`), `transfer_group`
   * = the session. Under the instruction's own key, metadata {@link STRIPE_CHARGEBACK_METADATA_KEY} = that key.
   * Answered like `transfer` (`classifyStripeTransfer`): `succeeded` with the reversal's or transfer's id; `failed`
   * with Stripe's code (e.g. a reversal larger than what is left of the transfer), `itutor_no_transfer` (the
   * destination charge has no transfer) or `itutor_no_connected_account`; `unknown`; `halted` for
   * `IDEMPOTENCY_CONFLICT` and `INVALID_INSTRUCTION` (also: a `with_charge` move on a separate charge).
   */
  moveChargebackShare(instruction: ChargebackShareInstruction, options?: ChargeCallOptions): Promise<ChargebackShareResult>;
}

/** Refund metadata key naming the refund's idempotency key (with the session id and attempt of `STRIPE_METADATA_KEYS`). */
export const STRIPE_REFUND_METADATA_KEY = 'itutor_refund_key';

/**
 * Refund metadata key naming the tutor's transfer (`tr_...`) the refund reverses (`RefundInstruction.reverseTransfer`):
 * the webhook handler reports such a refund only once the transfer has its reversal. The reversal's own
 * metadata is the refund's (session id, attempt, refund key).
 */
export const STRIPE_REVERSED_TRANSFER_METADATA_KEY = 'itutor_reversed_transfer';

/** Transfer metadata key naming the payout's number (with the session id, `STRIPE_METADATA_KEYS.sessionId`). */
export const STRIPE_PAYOUT_METADATA_KEY = 'itutor_payout';

/**
 * The PaymentIntent create parameters for one ledger attempt: an off-session, confirmed charge.
 * - `with_charge`: a Connect destination charge (`transfer_data.destination`, `application_fee_amount` = the
 *   fee): the tutor's account receives `amount − application_fee_amount` = the payout. `destination` is required.
 * - `after_review`: a separate charge: the platform keeps the whole amount (no `transfer_data`, no
 *   application fee), with `transfer_group` = the session id; the tutor is paid later by `transfer`.
 *   `destination` is not used (pass `null`).
 */
export function paymentIntentParams(instruction: ChargeInstruction, customer: { customer: string; paymentMethod: string }, destination: string | null) {
  return chargeParams(instruction, customer, destination, 'off_session');
}

/** The problems that make `instruction` an invalid refund (none for a valid one). */
function refundProblems(instruction: RefundInstruction): string[] {
  const problems: string[] = [];
  if (!wholeMinor(instruction.amountMinor, 1)) problems.push('amountMinor must be a whole number ≥ 1');
  if (!isPaymentIntentId(instruction.gatewayReference)) problems.push("gatewayReference must be the charge's PaymentIntent id (pi_...)");
  if (!isCurrency(instruction.currency)) problems.push('currency must be an ISO 4217 code');
  if (!isKey(instruction.idempotencyKey)) problems.push('idempotencyKey must be 1–255 characters');
  if (!Number.isSafeInteger(instruction.attempt) || instruction.attempt < 1) problems.push('attempt must be a whole number ≥ 1');
  const reverse = instruction.reverseTransfer;
  if (reverse !== undefined) {
    if (typeof reverse !== 'object' || reverse === null) problems.push('reverseTransfer must be an object');
    else {
      if (typeof reverse.transferReference !== 'string' || !/^tr_[A-Za-z0-9_]+$/.test(reverse.transferReference)) {
        problems.push("reverseTransfer.transferReference must be the payout's transfer id (tr_...)");
      }
      if (!wholeMinor(reverse.amountMinor, 1) || reverse.amountMinor > instruction.amountMinor) {
        problems.push('reverseTransfer.amountMinor must be a whole number from 1 to the refund\'s amount');
      }
      if (!isKey(reverse.idempotencyKey) || reverse.idempotencyKey === instruction.idempotencyKey) {
        problems.push("reverseTransfer.idempotencyKey must be 1–255 characters, not the refund's key");
      }
    }
  }
  return problems;
}

/** The problems that make `instruction` an invalid payout (none for a valid one). */
function payoutProblems(instruction: PayoutInstruction): string[] {
  const problems: string[] = [];
  if (!wholeMinor(instruction.amountMinor, 1)) problems.push('amountMinor must be a whole number ≥ 1');
  if (!isCurrency(instruction.currency)) problems.push('currency must be an ISO 4217 code');
  if (!isKey(instruction.idempotencyKey)) problems.push('idempotencyKey must be 1–255 characters');
  if (!isPaymentIntentId(instruction.chargeReference)) problems.push("chargeReference must be the charge's PaymentIntent id (pi_...)");
  if (!isKey(instruction.transferGroup)) problems.push('transferGroup must be 1–255 characters');
  if (typeof instruction.sessionId !== 'string' || instruction.sessionId === '') problems.push('sessionId must be a non-empty string');
  if (!wholeMinor(instruction.payout, 1)) problems.push('payout must be a whole number ≥ 1');
  return problems;
}

/**
 * The core's `PaymentGateway` on Stripe: each ledger attempt is one off-session PaymentIntent on the
 * student's saved payment method (`confirm: true`, `off_session: true`), sent with the attempt's key as
 * Stripe's `Idempotency-Key` — a retry of an unknown answer gets Stripe's first answer back, never a
 * second charge. Answers are classified by {@link classifyStripeCharge}. How the tutor is paid follows the
 * instruction's `payoutTiming`:
 * - `with_charge`: a Connect destination charge to the tutor's account (`connectedAccountFor`) with
 *   `application_fee_amount` = the platform fee;
 * - `after_review`: a separate charge: the platform keeps the whole amount (no `transfer_data`, no fee),
 *   `transfer_group` = the session id, and the tutor's account is not looked up; once the review window has
 *   passed, the core's payout run calls `transfer` (a Transfer with `source_transaction` = this charge).
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
  const timeout = options.requestTimeoutMs ?? 4_500;
  if (!Number.isSafeInteger(timeout) || timeout < 1) throw new TypeError('requestTimeoutMs must be a whole number ≥ 1');
  if (options.evidenceDocument && typeof options.stripe.files?.create !== 'function') throw new TypeError('evidenceDocument needs a Stripe client with files.create');
  const ctx: GatewayContext = { stripe: options.stripe, options, request: { maxNetworkRetries: 0, timeout } };
  return {
    idempotencyKeyLifetimeMinutes: STRIPE_IDEMPOTENCY_KEY_LIFETIME_MINUTES,
    charge: (instruction, callOptions) => chargeOnce(ctx, instruction, callOptions?.signal),
    refund: (instruction, callOptions) => refundOnce(ctx, instruction, callOptions?.signal),
    transfer: (instruction, callOptions) => transferOnce(ctx, instruction, callOptions?.signal),
    startOnSessionCharge: (instruction, callOptions) => startOnSessionOnce(ctx, instruction, callOptions?.signal),
    stageChargebackEvidence: (instruction, callOptions) => evidenceOnce(ctx, instruction, false, callOptions?.signal),
    submitChargebackEvidence: (instruction, callOptions) => evidenceOnce(ctx, instruction, true, callOptions?.signal),
    moveChargebackShare: (instruction, callOptions) => moveShareOnce(ctx, instruction, callOptions?.signal),
  };
}

/** `charge`: one ledger attempt (see {@link stripeGateway}). */
async function chargeOnce(ctx: GatewayContext, instruction: ChargeInstruction, signal: AbortSignal | undefined): Promise<ChargeResult> {
  const { stripe, options } = ctx;
  // Nothing is sent: the same instruction would be refused again, so the attempt halts.
  if (instructionProblems(instruction).length > 0) return { status: 'halted', code: 'INVALID_INSTRUCTION' };
  if (signal?.aborted) return unknown('aborted');

  const looked = await customerOf(ctx, instruction.studentId, signal);
  if ('answer' in looked) return looked.answer;
  const customer = looked.found;
  if (!customer?.customer || !customer.paymentMethod) {
    return { status: 'failed', failureCode: STRIPE_FAILURE_CODES.noPaymentMethod };
  }
  // A separate charge pays no one yet: the tutor's account is looked up when the payout is sent.
  let destination: string | null = null;
  if (!isSeparateCharge(instruction)) {
    const found = await destinationFor(ctx, instruction.tutorId, signal);
    if ('answer' in found) return found.answer;
    destination = found.destination;
  }

  const params = paymentIntentParams(instruction, { customer: customer.customer, paymentMethod: customer.paymentMethod }, destination);
  const answered = await untilAborted(
    () =>
      stripe.paymentIntents.create(params, { idempotencyKey: instruction.idempotencyKey, ...ctx.request }).then(
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
    const current = await readPaymentIntent(ctx, classified.result.reference, signal);
    if ('aborted' in current) return classified.result;
    if ('paymentIntent' in current.value) classified = classifyStripeCharge(current.value);
  }
  if (classified.kind === 'refused') {
    return refusedAnswer(classified, `session ${instruction.sessionId}, attempt ${instruction.attempt}`, errorOf(answered.value));
  }
  if (classified.authenticationRequired) {
    tell(options.onAuthenticationRequired, {
      studentId: instruction.studentId,
      sessionId: instruction.sessionId,
      bookingId: instruction.bookingId,
      attempt: instruction.attempt,
      paymentIntentId: classified.result.reference ?? null,
    });
  }
  return classified.result;
}

/** `refund`: one refund, with its transfer reversal when the tutor was paid by a transfer (see {@link StripeGateway.refund}). */
async function refundOnce(ctx: GatewayContext, instruction: RefundInstruction, signal: AbortSignal | undefined): Promise<RefundResult> {
  if (refundProblems(instruction).length > 0) return { status: 'halted', code: 'INVALID_INSTRUCTION' };
  if (signal?.aborted) return { status: 'unknown', reason: 'aborted' };
  const what = `refund of session ${instruction.sessionId}, attempt ${instruction.attempt}`;
  // Which kind of charge: the PaymentIntent says (a destination charge has `transfer_data`).
  const read = await readPaymentIntent(ctx, instruction.gatewayReference, signal);
  if ('aborted' in read) return { status: 'unknown', reason: 'aborted' };
  if ('error' in read.value) {
    const classified = classifyStripeRefund(read.value);
    return classified.kind === 'refused' ? refusedAnswer(classified, what, read.value.error) : classified.result;
  }
  const destinationCharge = Boolean(read.value.paymentIntent.transfer_data);
  const reverse = instruction.reverseTransfer;
  // The refund of a destination charge reverses the tutor's share itself: a second reversal would take it twice.
  if (destinationCharge && reverse) return { status: 'halted', code: 'INVALID_INSTRUCTION' };

  const answered = await untilAborted(
    () =>
      ctx.stripe.refunds
        .create(
          {
            payment_intent: instruction.gatewayReference,
            amount: instruction.amountMinor,
            ...(destinationCharge ? { reverse_transfer: true, refund_application_fee: true } : {}),
            metadata: {
              [STRIPE_METADATA_KEYS.sessionId]: instruction.sessionId,
              [STRIPE_METADATA_KEYS.attempt]: String(instruction.attempt),
              [STRIPE_REFUND_METADATA_KEY]: instruction.idempotencyKey,
              ...(reverse ? { [STRIPE_REVERSED_TRANSFER_METADATA_KEY]: reverse.transferReference } : {}),
            },
          },
          { idempotencyKey: instruction.idempotencyKey, ...ctx.request },
        )
        .then(
          (refund) => ({ refund }),
          (error: unknown) => ({ error }),
        ),
    signal,
  );
  if ('aborted' in answered) return { status: 'unknown', reason: 'aborted' };
  const classified = classifyStripeRefund(answered.value);
  if (classified.kind === 'refused') return refusedAnswer(classified, what, errorOf(answered.value));
  const result = classified.result;
  if (!reverse || (result.status !== 'succeeded' && result.status !== 'pending') || !('refund' in answered.value)) return result;
  return reverseAfterRefund(ctx, instruction, reverse, { result, refundId: answered.value.refund.id }, signal);
}

/**
 * The second step of a refund whose tutor was paid by a transfer: the TransferReversal of the refund's payout
 * part, under its own key. Answers the refund's `result` once the reversal exists, or as
 * {@link StripeGateway.refund} explains when it does not.
 */
async function reverseAfterRefund(
  ctx: GatewayContext,
  instruction: RefundInstruction,
  reverse: NonNullable<RefundInstruction['reverseTransfer']>,
  refund: { readonly result: RefundResult; readonly refundId: string },
  signal: AbortSignal | undefined,
): Promise<RefundResult> {
  const reference = refund.refundId;
  const answered = await untilAborted(
    () =>
      ctx.stripe.transfers
        .createReversal(
          reverse.transferReference,
          {
            amount: reverse.amountMinor,
            metadata: {
              [STRIPE_METADATA_KEYS.sessionId]: instruction.sessionId,
              [STRIPE_METADATA_KEYS.attempt]: String(instruction.attempt),
              [STRIPE_REFUND_METADATA_KEY]: instruction.idempotencyKey,
            },
          },
          { idempotencyKey: reverse.idempotencyKey, ...ctx.request },
        )
        .then(
          (transfer) => ({ transfer }),
          (error: unknown) => ({ error }),
        ),
    signal,
  );
  if ('aborted' in answered) return { status: 'unknown', reason: 'transfer_reversal_aborted', reference };
  const classified = classifyStripeTransfer(answered.value);
  if (classified.kind === 'refused' && !isHaltCode(classified.code)) {
    // Stripe refused the key: thrown, which the core records as unknown, so both calls are sent again once it is fixed.
    const what = `transfer reversal of the refund of session ${instruction.sessionId}, attempt ${instruction.attempt}`;
    throw misconfigured(`${classified.message} (${what})`, classified.requestId, errorOf(answered.value));
  }
  const failureCode = classified.kind === 'refused' ? classified.code : classified.result.status === 'failed' ? classified.result.failureCode : null;
  if (failureCode !== null) {
    tell(ctx.options.onTransferReversalFailed, {
      sessionId: instruction.sessionId,
      attempt: instruction.attempt,
      refundKey: instruction.idempotencyKey,
      refundId: reference,
      transferId: reverse.transferReference,
      amountMinor: reverse.amountMinor,
      reversalKey: reverse.idempotencyKey,
      failureCode,
    });
    // Told to the core too: it records the refund as Stripe answered it and flags the reversal for a person.
    return refund.result.status === 'succeeded' || refund.result.status === 'pending' ? { ...refund.result, reversalFailureCode: failureCode } : refund.result;
  }
  if (classified.kind === 'answer' && classified.result.status === 'unknown') {
    return { status: 'unknown', reason: `transfer_reversal_${classified.result.reason ?? 'unknown'}`, reference };
  }
  return refund.result;
}

/** `transfer`: one payout of an `after_review` session (see {@link StripeGateway.transfer}). */
async function transferOnce(ctx: GatewayContext, instruction: PayoutInstruction, signal: AbortSignal | undefined): Promise<PayoutResult> {
  if (payoutProblems(instruction).length > 0) return { status: 'halted', code: 'INVALID_INSTRUCTION' };
  if (signal?.aborted) return unknown('aborted');
  const what = `payout ${instruction.payout} of session ${instruction.sessionId}`;
  const found = await destinationFor(ctx, instruction.tutorId, signal);
  if ('answer' in found) return found.answer;

  // The transfer is paid from the charge (`source_transaction`): the PaymentIntent's latest charge.
  const read = await readPaymentIntent(ctx, instruction.chargeReference, signal);
  if ('aborted' in read) return unknown('aborted');
  if ('error' in read.value) {
    const classified = classifyStripeTransfer(read.value);
    return classified.kind === 'refused' ? refusedAnswer(classified, what, read.value.error) : classified.result;
  }
  const paymentIntent = read.value.paymentIntent;
  // A destination charge paid the tutor already: a transfer would pay them twice.
  if (paymentIntent.transfer_data) return { status: 'halted', code: 'INVALID_INSTRUCTION' };
  const sourceCharge = idOf(paymentIntent.latest_charge);
  if (paymentIntent.status !== 'succeeded' || sourceCharge === null) return { status: 'failed', failureCode: STRIPE_FAILURE_CODES.chargeNotSucceeded };

  const params = {
    amount: instruction.amountMinor,
    currency: instruction.currency.toLowerCase(),
    destination: found.destination,
    transfer_group: instruction.transferGroup,
    source_transaction: sourceCharge,
    metadata: { [STRIPE_METADATA_KEYS.sessionId]: instruction.sessionId, [STRIPE_PAYOUT_METADATA_KEY]: String(instruction.payout) },
  };
  const answered = await untilAborted(
    () =>
      ctx.stripe.transfers.create(params, { idempotencyKey: instruction.idempotencyKey, ...ctx.request }).then(
        (transfer) => ({ transfer }),
        (error: unknown) => ({ error }),
      ),
    signal,
  );
  if ('aborted' in answered) return unknown('aborted');
  const classified = classifyStripeTransfer(answered.value);
  return classified.kind === 'refused' ? refusedAnswer(classified, what, errorOf(answered.value)) : classified.result;
}
