import type { OnSessionPayment, PaymentStatusJson } from '../src/payments';

/**
 * The fixture session's on-session payment: TTD 75.00 (a late cancellation's fee), attempt 2 refused
 * off-session because the bank wants the student (3-D Secure); attempt 3 is the on-session one.
 */
export const PAYMENT_SESSION_ID = '00000000-0000-4000-8000-000000000001';
export const CLIENT_SECRET = 'pi_3_secret_fixture';

/** `GET …/payment` at `chargeStatus`. */
export function paymentStatus(chargeStatus: PaymentStatusJson['chargeStatus'], overrides: Partial<PaymentStatusJson> = {}): PaymentStatusJson {
  return { chargeStatus, amountMinor: 7_500, currency: 'TTD', attempt: chargeStatus === 'awaiting_customer' ? 2 : 3, ...overrides };
}

const base = { attempt: 3, amountMinor: 7_500, currency: 'TTD' } as const;

/** `POST …/payment` answers. */
export const ANSWERS = {
  requiresCustomer: { status: 'requires_customer', clientSecret: CLIENT_SECRET, ...base },
  succeeded: { status: 'succeeded', ...base },
  processing: { status: 'processing', ...base },
  failed: (failureCode = 'card_declined') => ({ status: 'failed', failureCode, ...base }) as OnSessionPayment,
} satisfies Record<string, OnSessionPayment | ((code?: string) => OnSessionPayment)>;
