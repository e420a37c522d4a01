import type { SessionErrorCode } from '@itutor/sessions-core/client';

/**
 * Every piece of text `CompletePaymentButton` shows. Functions receive money already formatted for the
 * locale (core `formatMoney`). Override any subset with the `labels` prop; `errors` and `declines` merge per key.
 */
export interface PaymentLabels {
  /** Why the student is asked, above the button: `amount` formatted ("TTD 75.00"). */
  readonly needed: (amount: string) => string;
  /** The button: `amount` formatted. */
  readonly completePayment: (amount: string) => string;
  /** The button while the payment is being completed (the host's confirm, then the server). */
  readonly completing: string;
  /** The button after a failure or an error. */
  readonly tryAgain: string;
  /** Shown (focused) once the payment went through. */
  readonly succeeded: string;
  /** Shown (focused) while the bank has not answered yet. */
  readonly pending: string;
  /** The failure: `reason` the host's confirm's message, else the decline in words ({@link PaymentLabels.declines}), else `null`. */
  readonly failed: (reason: string | null) => string;
  /** The gateway's decline codes in words (a `failed` answer of the server). */
  readonly declines: Readonly<Record<string, string>>;
  /** The first read failed. */
  readonly loadError: string;
  /** Reads again after a failed first read. */
  readonly retry: string;
  /** Texts for refusals by code (the server's words are used for the others). */
  readonly errors: Readonly<Partial<Record<SessionErrorCode, string>>>;
  /** When the server gave no words. */
  readonly genericError: string;
}

/** Label overrides: any subset; `errors` and `declines` merge per key. */
export type PaymentLabelsInput = Partial<Omit<PaymentLabels, 'errors' | 'declines'>> & {
  readonly errors?: PaymentLabels['errors'];
  readonly declines?: PaymentLabels['declines'];
};

/** The English defaults of `CompletePaymentButton`. */
export const DEFAULT_PAYMENT_LABELS: PaymentLabels = {
  needed: (amount) => `Your bank asks you to confirm the payment of ${amount} for this session.`,
  completePayment: (amount) => `Complete payment of ${amount}`,
  completing: 'Completing payment…',
  tryAgain: 'Try again',
  succeeded: 'Payment complete.',
  pending: 'Payment processing. Your bank has not confirmed it yet; you will be told when it completes.',
  failed: (reason) => (reason ? `The payment did not go through: ${reason}` : 'The payment did not go through.'),
  declines: {
    card_declined: 'your card was declined.',
    insufficient_funds: 'your card has insufficient funds.',
    expired_card: 'your card has expired.',
    incorrect_cvc: "the card's security code is incorrect.",
    authentication_required: 'your bank could not confirm it was you.',
    authentication_failed: 'your bank could not confirm it was you.',
    payment_intent_authentication_failure: 'your bank could not confirm it was you.',
    processing_error: 'your bank had a problem processing it.',
  },
  loadError: 'Your payment could not be checked.',
  retry: 'Try again',
  errors: {
    NO_CHARGE_PENDING: 'There is no payment to complete for this session.',
    NOT_SESSION_STUDENT: "Only the session's student can complete its payment.",
    PAYMENT_RECOVERY_NOT_SUPPORTED: 'Payments cannot be completed here. Contact the platform.',
    GATEWAY_UNAVAILABLE: 'The payment service did not answer. Try again in a minute.',
  },
  genericError: 'Something went wrong.',
};

/** The defaults under `overrides`, the records per key (internal). */
export function resolvePaymentLabels(overrides: PaymentLabelsInput | undefined): PaymentLabels {
  if (!overrides) return DEFAULT_PAYMENT_LABELS;
  return {
    ...DEFAULT_PAYMENT_LABELS,
    ...overrides,
    errors: { ...DEFAULT_PAYMENT_LABELS.errors, ...overrides.errors },
    declines: { ...DEFAULT_PAYMENT_LABELS.declines, ...overrides.declines },
  };
}
