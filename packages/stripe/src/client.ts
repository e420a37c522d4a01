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
  readonly last_payment_error?: {
    readonly code?: string | null;
    readonly decline_code?: string | null;
    /** The issuer's advice (`try_again_later`, `do_not_try_again`, `confirm_card_data`), when Stripe passes one. */
    readonly advice_code?: string | null;
  } | null;
  /**
   * The PaymentIntent's latest Charge (`ch_...`), as an id or expanded (`expand: ['latest_charge']`): a
   * transfer's `source_transaction`; for a destination charge, its `transfer` is the tutor's transfer.
   */
  readonly latest_charge?: string | { readonly id: string; readonly transfer?: string | { readonly id: string } | null } | null;
  /** What the browser confirms the payment with (Stripe.js); answered to the secret key only. */
  readonly client_secret?: string | null;
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

/** The fields of a Charge this package reads (a dispute's charge, when the dispute names no PaymentIntent). */
export interface StripeChargeLike {
  readonly id: string;
  /** The charge's PaymentIntent (`pi_...`), as an id or expanded. */
  readonly payment_intent?: string | { readonly id: string } | null;
  /** A copy of the PaymentIntent's metadata (Stripe copies it onto the charges it makes). */
  readonly metadata?: Readonly<Record<string, string>> | null;
}

/** The fields of a Dispute this package reads (the object of `charge.dispute.*` events and of `disputes.update`). */
export interface StripeDisputeLike {
  readonly id: string;
  readonly status: string;
  readonly amount?: number;
  readonly currency?: string;
  readonly reason?: string;
  readonly charge?: string | { readonly id: string } | null;
  readonly payment_intent?: string | { readonly id: string } | null;
}

/** The fields of a File this package reads (the answer of `files.create`). */
export interface StripeFileLike {
  /** `file_...` */
  readonly id: string;
  readonly purpose?: string;
  readonly size?: number;
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
  /** When Stripe made the event, in seconds since the epoch (the time of a dispute report). */
  readonly created?: number;
  readonly data: { readonly object: unknown };
}

/**
 * What `stripeGateway`, `stripeCardSetup` and `stripeWebhookRoutes` call on the Stripe client. Chargebacks
 * (issue #24) added `disputes.update` (staging and submitting evidence), `charges.retrieve` (a dispute's
 * charge, when the dispute names no PaymentIntent) and the optional `files.create` (the evidence document,
 * used only with `stripeGateway`'s `evidenceDocument` option).
 */
export interface StripeClientLike {
  readonly paymentIntents: {
    create(params: Record<string, unknown> & { amount: number; currency: string }, options?: StripeRequestOptions): Promise<StripePaymentIntentLike>;
    retrieve(id: string, params?: Record<string, unknown>, options?: StripeRequestOptions): Promise<StripePaymentIntentLike>;
  };
  readonly charges: {
    retrieve(id: string, params?: Record<string, unknown>, options?: StripeRequestOptions): Promise<StripeChargeLike>;
  };
  readonly disputes: {
    /** Stages (`submit: false`) or submits (`submit: true`) a dispute's evidence. */
    update(id: string, params?: Record<string, unknown>, options?: StripeRequestOptions): Promise<StripeDisputeLike>;
  };
  /**
   * Uploads a file (`multipart/form-data` to `files.stripe.com`): the evidence document of `stripeGateway`'s
   * `evidenceDocument` option. Optional: a client (or test double) without it works for everything else.
   */
  readonly files?: {
    create(
      params: Record<string, unknown> & { purpose: string; file: { data: Uint8Array; name?: string; type?: string } },
      options?: StripeRequestOptions,
    ): Promise<StripeFileLike>;
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
