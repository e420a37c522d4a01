/**
 * `@itutor/sessions-stripe`: the core's `PaymentGateway` on Stripe (off-session Connect destination
 * charges, or separate charges and transfers when the tutor is paid after a review window), the Stripe webhook route (a plug-in of the core's one mount), and card setup at booking time. Server-side only.
 */
export { classifyStripeCharge, classifyStripeRefund, classifyStripeTransfer, STRIPE_FAILURE_CODES } from './classify';
export type {
  StripeChargeClassification,
  StripeChargeOutcome,
  StripeRefundClassification,
  StripeRefundOutcome,
  StripeTransferClassification,
  StripeTransferOutcome,
} from './classify';
export type {
  StripeClientLike,
  StripeEventLike,
  StripeListLike,
  StripePaymentIntentLike,
  StripePaymentMethodLike,
  StripeRefundLike,
  StripeRequestOptions,
  StripeSetupIntentLike,
  StripeTransferLike,
  StripeTransferReversalLike,
} from './client';
export { coreChargeRecorder, coreRefundRecorder } from './core';
export type { ChargeAnswerSink, CoreChargeRecorderOptions, CoreRefundRecorderOptions, RefundAnswerSink } from './core';
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
  WebhookForeignRefund,
  WebhookRefund,
  WebhookRefundAnswer,
} from './webhooks';
