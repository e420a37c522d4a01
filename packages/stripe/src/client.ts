/**
 * The part of the official `stripe` client this package uses, as a structural type: an instance of
 * `new Stripe(key, options)` from `stripe` 23 fits it, and so does any object with these methods (a test
 * double). Typed here rather than imported so the package's declarations do not depend on how a host
 * resolves `stripe`'s own types (ESM `export default` vs CommonJS `export =`).
 */

/** Per-request options the package passes (a subset of `stripe`'s `RequestOptions`). */
export interface StripeRequestOptions {
  readonly idempotencyKey?: string;
  readonly maxNetworkRetries?: number;
  readonly timeout?: number;
}

/** The fields of a PaymentIntent this package reads. */
export interface StripePaymentIntentLike {
  readonly id: string;
  readonly status: string;
  readonly amount?: number;
  readonly currency?: string;
  readonly metadata?: Readonly<Record<string, string>> | null;
  readonly last_payment_error?: { readonly code?: string | null; readonly decline_code?: string | null } | null;
  /** The PaymentIntent's latest Charge (`ch_...`), as an id or expanded: a transfer's `source_transaction`. */
  readonly latest_charge?: string | { readonly id: string } | null;
  /** Set for a Connect destination charge (`with_charge`); absent / `null` for a separate charge (`after_review`). */
  readonly transfer_data?: { readonly destination: string | { readonly id: string } } | null;
}

/** The fields of a SetupIntent this package reads. */
export interface StripeSetupIntentLike {
  readonly id: string;
  readonly client_secret: string | null;
  readonly status?: string;
}

/** The fields of a PaymentMethod this package reads. */
export interface StripePaymentMethodLike {
  readonly id: string;
  readonly customer?: string | { readonly id: string } | null;
  readonly card?: { readonly exp_month: number; readonly exp_year: number } | null;
}

/** The fields of a Refund this package reads. */
export interface StripeRefundLike {
  readonly id: string;
  readonly amount: number;
  readonly status: string | null;
  /** Why a `failed` refund failed (e.g. `lost_or_stolen_card`). */
  readonly failure_reason?: string | null;
  /** The refund's metadata: `stripeGateway` sets the session id, attempt and refund key (`STRIPE_REFUND_METADATA_KEY`). */
  readonly metadata?: Readonly<Record<string, string>> | null;
  /** The refunded charge (`ch_...`), as an id or expanded. */
  readonly charge?: string | { readonly id: string } | null;
  /** The refunded PaymentIntent (`pi_...`), as an id or expanded. */
  readonly payment_intent?: string | { readonly id: string } | null;
}

/** The fields of a Transfer this package reads. */
export interface StripeTransferLike {
  readonly id: string;
  readonly amount: number;
  readonly currency?: string;
  /** The transfer's metadata: `stripeGateway.transfer` sets the session id and payout number. */
  readonly metadata?: Readonly<Record<string, string>> | null;
}

/** The fields of a TransferReversal this package reads. */
export interface StripeTransferReversalLike {
  readonly id: string;
  readonly amount: number;
  /** The reversal's metadata: `stripeGateway.refund` sets the session id, attempt and refund key. */
  readonly metadata?: Readonly<Record<string, string>> | null;
}

/** One page of a Stripe list (`refunds.list`, `transfers.listReversals`). */
export interface StripeListLike<T> {
  readonly data: readonly T[];
  readonly has_more: boolean;
}

/** The fields of a webhook Event this package reads. */
export interface StripeEventLike {
  readonly id: string;
  readonly type: string;
  readonly data: { readonly object: unknown };
}

/** What `stripeGateway`, `stripeCardSetup` and `stripeWebhookRoutes` call on the Stripe client. */
export interface StripeClientLike {
  readonly paymentIntents: {
    create(params: Record<string, unknown> & { amount: number; currency: string }, options?: StripeRequestOptions): Promise<StripePaymentIntentLike>;
    retrieve(id: string, params?: Record<string, unknown>, options?: StripeRequestOptions): Promise<StripePaymentIntentLike>;
  };
  readonly setupIntents: {
    create(params?: Record<string, unknown>, options?: StripeRequestOptions): Promise<StripeSetupIntentLike>;
  };
  readonly customers: {
    retrievePaymentMethod(customer: string, paymentMethod: string, params?: Record<string, unknown>, options?: StripeRequestOptions): Promise<StripePaymentMethodLike>;
  };
  readonly refunds: {
    create(params?: Record<string, unknown>, options?: StripeRequestOptions): Promise<StripeRefundLike>;
    /** A charge's refunds, newest first (`{ charge, limit, starting_after }`), read by the webhook handler for `charge.refunded`. */
    list(params?: Record<string, unknown>, options?: StripeRequestOptions): Promise<StripeListLike<StripeRefundLike>>;
  };
  readonly transfers: {
    /** A transfer to a connected account (`stripeGateway.transfer`: the tutor's payout of an `after_review` session). */
    create(params: Record<string, unknown> & { amount?: number; currency: string; destination: string }, options?: StripeRequestOptions): Promise<StripeTransferLike>;
    /** Takes (part of) a transfer back (`stripeGateway.refund` with `reverseTransfer`). */
    createReversal(id: string, params?: Record<string, unknown>, options?: StripeRequestOptions): Promise<StripeTransferReversalLike>;
    /** A transfer's reversals, newest first (`{ limit, starting_after }`), read by the webhook handler for refunds that reverse one. */
    listReversals(id: string, params?: Record<string, unknown>, options?: StripeRequestOptions): Promise<StripeListLike<StripeTransferReversalLike>>;
  };
  readonly webhooks: {
    constructEventAsync(
      payload: string | Uint8Array,
      header: string,
      secret: string,
      tolerance?: number,
      cryptoProvider?: undefined,
      receivedAt?: number,
    ): Promise<StripeEventLike>;
  };
}
