'use client';
/**
 * `@itutor/sessions-react/payments`: the student's on-session payment of a charge their bank wants them to
 * confirm (3-D Secure, or a decline only they can fix). The headless `useCompletePayment` hook (reads
 * `GET {basePath}/sessions/{id}/payment`, completes through `POST …/payment` and the host's confirm, Stripe.js
 * in a real host) and `CompletePaymentButton` ("Complete payment of TTD 75.00"). Its own entry point, so a
 * page without it pays nothing in the main bundle. A client module; it reads the main entry's
 * `SessionClockProvider` (base path, locale).
 */
export { useCompletePayment } from './useCompletePayment';
export type {
  CompletePaymentState,
  CompletePaymentStatus,
  ConfirmPaymentFunction,
  ConfirmPaymentInput,
  ConfirmPaymentResult,
  PaymentFailure,
  UseCompletePaymentOptions,
} from './useCompletePayment';
export { CompletePaymentButton } from './CompletePaymentButton';
export type { CompletePaymentButtonProps } from './CompletePaymentButton';
export { DEFAULT_PAYMENT_LABELS } from './payment-labels';
export type { PaymentLabels, PaymentLabelsInput } from './payment-labels';
// The wire types of the payment routes (the core client's `getPayment` / `startPayment` answer them).
export type { OnSessionPayment, PaymentStatusJson } from '@itutor/sessions-core/client';
