/**
 * `@itutor/sessions-stripe`: the core's `PaymentGateway` on Stripe (off-session Connect destination
 * charges, or separate charges and transfers when the tutor is paid after a review window; on-session payment
 * recovery; chargeback evidence and the tutor's share of a chargeback), the Stripe webhook route (a plug-in of
 * the core's one mount), and card setup at booking time. Server-side only.
 */
export { classifyStripeCharge, classifyStripeRefund, classifyStripeTransfer, STRIPE_CUSTOMER_DECLINE_CODES, STRIPE_FAILURE_CODES } from './classify';
export type {
  StripeChargeClassification,
  StripeChargeOutcome,
  StripeRefundClassification,
  StripeRefundOutcome,
  StripeTransferClassification,
  StripeTransferOutcome,
} from './classify';
export type {
  StripeChargeLike,
  StripeClientLike,
  StripeDisputeLike,
  StripeEventLike,
  StripeFileLike,
  StripeListLike,
  StripePaymentIntentLike,
  StripePaymentMethodLike,
  StripeRefundLike,
  StripeRequestOptions,
  StripeSetupIntentLike,
  StripeTransferLike,
  StripeTransferReversalLike,
} from './client';
export { STRIPE_CHARGEBACK_METADATA_KEY, stripeDisputeEvidence } from './chargeback-gateway';
export { STRIPE_EVIDENCE_DOCUMENT_NAME, stripeEvidenceDocument } from './evidence-document';
export { coreChargebackRecorder, coreChargeRecorder, coreRefundRecorder } from './core';
export type {
  ChargeAnswerSink,
  ChargebackSink,
  CoreChargebackRecorderOptions,
  CoreChargeRecorderOptions,
  CoreRefundRecorderOptions,
  RefundAnswerSink,
} from './core';
export { STRIPE_HALTING_CODES } from './errors';
export type { StripeHaltCode } from './errors';
export type { StripeEventStore } from './events';
export {
  paymentIntentParams,
  STRIPE_IDEMPOTENCY_KEY_LIFETIME_MINUTES,
  STRIPE_METADATA_KEYS,
  STRIPE_PAYOUT_METADATA_KEY,
  STRIPE_REFUND_METADATA_KEY,
  STRIPE_REVERSED_TRANSFER_METADATA_KEY,
  stripeGateway,
} from './gateway';
export type {
  AuthenticationRequiredInfo,
  ConnectedAccountLookup,
  CustomerLookup,
  StripeCustomerRef,
  StripeGateway,
  StripeGatewayOptions,
  TransferReversalFailedInfo,
} from './gateway';
export { stripeCardSetup } from './setup';
export type { CardSetup, StripeCardSetup, StripeCardSetupOptions } from './setup';
export { STRIPE_STUDENT_METADATA_KEY, STRIPE_WEBHOOK_EVENTS, stripeWebhookRoutes } from './webhooks';
export type {
  StripeWebhookOptions,
  StripeWebhookRecorder,
  WebhookCardSaved,
  WebhookChargeAnswer,
  WebhookChargeback,
  WebhookForeignRefund,
  WebhookRefund,
  WebhookRefundAnswer,
} from './webhooks';
