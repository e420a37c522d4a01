import { isSessionError, type ChargeAnswerInput, type ChargeAnswerReport, type RefundReport, type SessionError } from '@itutor/sessions-core';
import type { ChargebackReport } from '@itutor/sessions-core/adapter';
import type { WebhookChargeAnswer, WebhookChargeback, WebhookRefundAnswer } from './webhooks';

/** The part of the core the webhook needs: `core.charges.recordAnswer`. A `SessionsCore` fits. */
export interface ChargeAnswerSink {
  readonly charges: { recordAnswer(input: ChargeAnswerInput): Promise<ChargeAnswerReport> };
}

/** Options of {@link coreChargeRecorder}. */
export interface CoreChargeRecorderOptions {
  /**
   * Told (not awaited; its errors are ignored) when Stripe reports money taken on an attempt the core had
   * closed: the core recorded it and flagged the session for a person (`charge.needs_attention`, reason
   * `late_success`; `report.session`'s events say whether the student was charged twice). Alert someone.
   */
  readonly onLateSuccess?: (answer: WebhookChargeAnswer, report: ChargeAnswerReport) => void | Promise<void>;
  /**
   * Told (not awaited) about an answer for a session or attempt the core does not know (`NOT_FOUND`: for
   * example an event from another environment sharing the Stripe account). Such answers are acknowledged,
   * since Stripe's retries could not change them.
   */
  readonly onUnknownCharge?: (answer: WebhookChargeAnswer, error: SessionError) => void | Promise<void>;
}

const tell = (hook: (() => void | Promise<void>) | undefined) => {
  if (hook)
    void Promise.resolve()
      .then(hook)
      .catch(() => undefined);
};

/**
 * The webhook recorder's `recordChargeAnswer` over the core: each charge answer Stripe reports
 * (`payment_intent.succeeded` / `.payment_failed` / `.processing`, with the session id and attempt from the
 * PaymentIntent's metadata) goes to `core.charges.recordAnswer`, through the same compare-and-set as
 * settlement. Idempotent (a repeat changes nothing), and resolves for answers that no longer apply, as the
 * recorder must. Other errors (the database is down, the compare-and-set kept losing) are thrown, so the
 * handler answers 500 and Stripe delivers the event again.
 *
 * ```ts
 * recorder: { recordChargeAnswer: coreChargeRecorder(core, { onLateSuccess: alertFinance }) }
 * ```
 */
export function coreChargeRecorder(core: ChargeAnswerSink, options: CoreChargeRecorderOptions = {}): (answer: WebhookChargeAnswer) => Promise<void> {
  return async (answer) => {
    let report: ChargeAnswerReport;
    try {
      report = await core.charges.recordAnswer({ sessionId: answer.sessionId, attempt: answer.attempt, result: answer.result });
    } catch (error) {
      if (isSessionError(error, 'NOT_FOUND')) {
        const hook = options.onUnknownCharge;
        tell(hook && (() => hook(answer, error)));
        return;
      }
      throw error;
    }
    const hook = options.onLateSuccess;
    if (report.outcome === 'late_success') tell(hook && (() => hook(answer, report)));
  };
}

/** The part of the core `coreRefundRecorder` needs: `core.refunds.recordAnswer`. A `SessionsCore` fits. */
export interface RefundAnswerSink {
  readonly refunds: { recordAnswer(input: { sessionId: string; refund: number; result: unknown }): Promise<RefundReport> };
}

/** Options of {@link coreRefundRecorder}. */
export interface CoreRefundRecorderOptions {
  /**
   * Told (not awaited; its errors are ignored) when Stripe reports a refund `failed` that the core has
   * recorded as `succeeded` (Stripe lets a refund fail after it succeeded, e.g. the card was closed): the
   * core keeps a settled refund as it is, so the ledger says the student got money back that did not
   * arrive. Alert someone.
   */
  readonly onLateRefundFailure?: (answer: WebhookRefundAnswer, report: RefundReport) => void | Promise<void>;
  /**
   * Told (not awaited) about an answer for a session or refund the core does not know (`NOT_FOUND`: for
   * example an event from another environment sharing the Stripe account). Such answers are acknowledged.
   */
  readonly onUnknownRefund?: (answer: WebhookRefundAnswer, error: SessionError) => void | Promise<void>;
}

/**
 * The webhook recorder's `recordRefundAnswer` over the core: each answer Stripe reports for a refund made by
 * `stripeGateway.refund` goes to `core.refunds.recordAnswer({ sessionId, refund, result })`, through the
 * state machine's compare-and-set. Only an open refund (`pending` or `unknown`) takes it, so a repeated or
 * late answer changes nothing, and a `pending` answer changes nothing for a refund already accepted. Resolves
 * for answers about refunds the core does not know (`onUnknownRefund`); other errors are thrown, so the
 * handler answers 500 and Stripe delivers the event again.
 *
 * ```ts
 * recorder: { recordChargeAnswer: coreChargeRecorder(core), recordRefundAnswer: coreRefundRecorder(core) }
 * ```
 */
export function coreRefundRecorder(core: RefundAnswerSink, options: CoreRefundRecorderOptions = {}): (answer: WebhookRefundAnswer) => Promise<void> {
  return async (answer) => {
    let report: RefundReport;
    try {
      report = await core.refunds.recordAnswer({ sessionId: answer.sessionId, refund: answer.refundNumber, result: answer.result });
    } catch (error) {
      if (isSessionError(error, 'NOT_FOUND')) {
        const hook = options.onUnknownRefund;
        tell(hook && (() => hook(answer, error)));
        return;
      }
      throw error;
    }
    const hook = options.onLateRefundFailure;
    if (answer.result.status === 'failed' && report.refund.status === 'succeeded') tell(hook && (() => hook(answer, report)));
  };
}

/** The part of the core `coreChargebackRecorder` needs: `core.chargebacks.record`. A `SessionsCore` fits. */
export interface ChargebackSink {
  readonly chargebacks: { record(report: ChargebackReport): Promise<unknown> };
}

/** Options of {@link coreChargebackRecorder}. */
export interface CoreChargebackRecorderOptions {
  /**
   * Told (not awaited; its errors are ignored) about a dispute of a charge whose session or attempt the core does not
   * know (`NOT_FOUND`: for example an event from another environment sharing the Stripe account). Such reports are
   * acknowledged, since Stripe's retries could not change them; the dispute still needs an answer at Stripe.
   */
  readonly onUnknownChargeback?: (chargeback: WebhookChargeback, error: SessionError) => void | Promise<void>;
}

/**
 * The webhook recorder's `recordChargeback` over the core: each dispute report Stripe sends (`charge.dispute.*`,
 * with the session id and attempt from the disputed PaymentIntent's metadata) goes to `core.chargebacks.record`,
 * which keeps the newest report (an older one changes nothing but the funds, which only grow), stages the evidence
 * and moves the tutor's share as the policy says. Resolves for disputes of sessions the core does not know
 * (`onUnknownChargeback`); other errors are thrown, so the handler answers 500 and Stripe delivers the event again.
 *
 * ```ts
 * recorder: { recordChargeAnswer: coreChargeRecorder(core), recordChargeback: coreChargebackRecorder(core) }
 * ```
 */
export function coreChargebackRecorder(core: ChargebackSink, options: CoreChargebackRecorderOptions = {}): (chargeback: WebhookChargeback) => Promise<void> {
  return async (chargeback) => {
    try {
      await core.chargebacks.record(chargeback.report);
    } catch (error) {
      if (isSessionError(error, 'NOT_FOUND')) {
        const hook = options.onUnknownChargeback;
        tell(hook && (() => hook(chargeback, error)));
        return;
      }
      throw error;
    }
  };
}
