import { SessionError } from '@itutor/sessions-core';
import type { StripeClientLike } from './client';
import type { CustomerLookup } from './gateway';
import { STRIPE_STUDENT_METADATA_KEY } from './webhooks';

/** Options of {@link stripeCardSetup}. */
export interface StripeCardSetupOptions {
  readonly stripe: StripeClientLike;
  /** The same host function the gateway uses. `createCardSetup` needs its `customer` only. */
  readonly customerFor: CustomerLookup;
  /** "Now" for the card-expiry check. Default: the system clock. */
  readonly now?: () => Date;
}

/** What the booking page needs to collect a card with Stripe Elements. */
export interface CardSetup {
  /** Pass to Stripe.js (`elements({ clientSecret })`, `stripe.confirmSetup`). Browser-safe, single-use. */
  readonly clientSecret: string;
  readonly setupIntentId: string;
  readonly customer: string;
}

/** The card-setup helpers returned by {@link stripeCardSetup}. */
export interface StripeCardSetup {
  /**
   * Creates a SetupIntent for off-session use (`usage: 'off_session'`) on the student's customer and
   * returns its client secret. Refuses with `NO_CUSTOMER` when `customerFor` has no customer for the
   * student (create the customer first). `idempotencyKey` makes a retried page load reuse one SetupIntent.
   */
  createCardSetup(input: { readonly studentId: string; readonly idempotencyKey?: string }): Promise<CardSetup>;
  /**
   * True when the student has a saved payment method that an off-session charge can use: `customerFor`
   * names one, Stripe has it attached to that customer, and (for cards) it has not expired. Plug it into
   * booking confirmation to refuse bookings the gateway could not charge. Stripe errors other than
   * "no such payment method" are thrown (do not refuse a booking because Stripe is unreachable).
   */
  hasUsablePaymentMethod(studentId: string): Promise<boolean>;
}

/** Card setup at booking time: a SetupIntent for the booking page, and a check before a booking is accepted. */
export function stripeCardSetup(options: StripeCardSetupOptions): StripeCardSetup {
  const { stripe, customerFor } = options;
  const now = options.now ?? (() => new Date());
  return {
    async createCardSetup({ studentId, idempotencyKey }) {
      const ref = await customerFor(studentId);
      if (!ref?.customer) throw new SessionError('NO_GATEWAY_CUSTOMER', `Student ${studentId} has no Stripe customer`, { gateway: 'stripe' });
      const intent = await stripe.setupIntents.create(
        {
          customer: ref.customer,
          usage: 'off_session',
          automatic_payment_methods: { enabled: true },
          metadata: { [STRIPE_STUDENT_METADATA_KEY]: studentId },
        },
        idempotencyKey === undefined ? undefined : { idempotencyKey },
      );
      if (!intent.client_secret) throw new Error(`Stripe returned SetupIntent ${intent.id} without a client secret`);
      return { clientSecret: intent.client_secret, setupIntentId: intent.id, customer: ref.customer };
    },

    async hasUsablePaymentMethod(studentId) {
      const ref = await customerFor(studentId);
      if (!ref?.customer || !ref.paymentMethod) return false;
      let method;
      try {
        method = await stripe.customers.retrievePaymentMethod(ref.customer, ref.paymentMethod);
      } catch (error) {
        const status = (error as { statusCode?: unknown }).statusCode;
        if (status === 404 || (error as { code?: unknown }).code === 'resource_missing') return false;
        throw error;
      }
      const owner = typeof method.customer === 'string' ? method.customer : (method.customer?.id ?? null);
      if (owner !== ref.customer) return false;
      if (method.card) {
        const today = now();
        const year = today.getUTCFullYear();
        const month = today.getUTCMonth() + 1;
        if (method.card.exp_year < year || (method.card.exp_year === year && method.card.exp_month < month)) return false;
      }
      return true;
    },
  };
}
