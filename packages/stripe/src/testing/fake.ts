import { formFingerprint, formFromEntries, parseStripeForm, type FormObject } from './form';
import { createFakeDisputes, type FakeDispute, type FakeDisputeOptions } from './disputes';
import { createFakeFiles, type FakeFile, type FakeFileUpload } from './files';
import { multipartBoundary, parseMultipart, type MultipartFile } from './multipart';
import { bool, flat, integer, invalid, obj, str, StripeHttpError } from './http';

/**
 * A local fake of the parts of Stripe's API this package uses, following Stripe's documented behaviour:
 * form-encoded requests, a secret key in `Authorization`, `Idempotency-Key` replay (the first answer is
 * replayed for the same key and parameters — errors included, `Idempotent-Replayed: true` — a 400
 * `idempotency_error` when the parameters differ, a 409 while the first request is still running),
 * off-session PaymentIntents on saved payment methods that succeed, decline (402 `card_error` with a
 * `decline_code`), need authentication (402 `authentication_required`) or stay `processing`, Connect
 * destination charges with application fees, separate charges (`transfer_group`, no `transfer_data`) and
 * transfers to connected accounts (`source_transaction`, reversals), SetupIntents, refunds with transfer
 * reversal, webhook events signed like Stripe signs them — and injected faults (429, 500, hangs, dropped
 * connections) on any endpoint, transfers and reversals included. Issue #24 added payment recovery (on-session
 * PaymentIntents made with `confirm=false`, `POST /v1/payment_intents/{id}/confirm`, a 3-D Secure page and
 * {@link StripeFake.authenticate}) and disputes ({@link StripeFake.openDispute}, evidence through
 * `POST /v1/disputes/{id}`, {@link StripeFake.closeDispute}, each change a `charge.dispute.*` event); a
 * destination charge now makes its Transfer (`charge.transfer`), which its refunds and chargebacks reverse;
 * and file uploads (`POST /v1/files`, `multipart/form-data` as the official client's `files.create` sends it,
 * `GET /v1/files/{id}`, {@link StripeFake.files}), whose `dispute_evidence` files the evidence's file fields name.
 *
 * The official client reaches it through {@link startStripeFakeServer} (`host` / `port` / `protocol`
 * options) or through `Stripe.createFetchHttpClient(fake.fetch)`.
 */

/** How a saved payment method answers an off-session charge. */
export type FakeCardBehaviour =
  | 'succeed'
  /** The PaymentIntent stays `processing` until {@link StripeFake.finishProcessing}. */
  | 'processing'
  /**
   * The bank asks for 3-D Secure: off-session → 402 `authentication_required` (the PaymentIntent left
   * `requires_payment_method` with `last_payment_error`); on-session → `requires_action` until the student
   * authenticates ({@link StripeFake.authenticate}, or the 3-D Secure page).
   */
  | 'authentication_required'
  /** A decline: 402 `card_error`, `code` (default `card_declined`), `decline_code` and, when given, the issuer's `advice_code`. */
  | { readonly decline: string; readonly code?: string; readonly advice?: string };

/**
 * An injected fault, for the next matching request(s):
 * - `rate_limit`: 429 `rate_limit` before anything runs (not saved under the key);
 * - `server_error`: 500 `api_error`; with `saved`, after running the request and saved under its key
 *   (Stripe replays a 500 like any first answer), else before anything runs;
 * - `hang`: no answer until the fake closes; with `processed` (default) the request runs first and its
 *   answer is saved under the key — the answer is lost in flight;
 * - `drop`: the connection is closed without an answer; `processed` as for `hang`. (The official client
 *   retries a closed connection once by itself, under the same key.)
 * - `delay`: waits `ms`, then answers normally.
 */
export type StripeFakeFault =
  | { readonly kind: 'rate_limit' }
  | { readonly kind: 'server_error'; readonly saved?: boolean }
  | { readonly kind: 'hang'; readonly processed?: boolean }
  | { readonly kind: 'drop'; readonly processed?: boolean }
  | { readonly kind: 'delay'; readonly ms: number };

/** One request the fake received. */
export interface StripeFakeRequest {
  readonly method: string;
  readonly path: string;
  /**
   * The decoded form body. For a `multipart/form-data` request (a file upload), its text fields, and each file
   * part as `{ filename, type, size }` (its content type as declared and its size in bytes, as strings).
   */
  readonly params: FormObject;
  readonly idempotencyKey: string | null;
  /** The status answered; `null` for a hang or a dropped connection. */
  readonly status: number | null;
  /** True when the answer was a replay of the key's first answer. */
  readonly replayed: boolean;
  readonly fault: StripeFakeFault['kind'] | null;
}

/** A PaymentIntent as the fake holds it (Stripe's JSON shape, the fields this SDK uses). */
export interface FakePaymentIntent {
  readonly id: string;
  readonly object: 'payment_intent';
  amount: number;
  currency: string;
  customer: string | null;
  payment_method: string | null;
  status: string;
  confirmation_method: 'automatic';
  capture_method: 'automatic';
  off_session: boolean;
  application_fee_amount: number | null;
  transfer_data: { destination: string } | null;
  /** Groups a separate charge with its transfers (the SDK sets the session id). */
  transfer_group: string | null;
  metadata: Record<string, string>;
  latest_charge: string | null;
  last_payment_error: { type: string; code: string; decline_code?: string; advice_code?: string; message: string } | null;
  /** While `requires_action`: where the student authenticates (the fake's 3-D Secure page, see {@link StripeFake.authenticate}). */
  next_action: { type: 'redirect_to_url'; redirect_to_url: { url: string; return_url: string | null } } | null;
  client_secret: string;
  created: number;
  livemode: false;
}

/** A charge as the fake holds it, with what Connect moved. */
export interface FakeCharge {
  readonly id: string;
  readonly object: 'charge';
  /** `pending` while its PaymentIntent is `processing`; `failed` when that ends in a decline. */
  status: 'succeeded' | 'pending' | 'failed';
  amount: number;
  amount_refunded: number;
  refunded: boolean;
  currency: string;
  payment_intent: string;
  metadata: Record<string, string>;
  application_fee_amount: number | null;
  transfer_group: string | null;
  destination: string | null;
  /** What the connected account received (amount − application fee), before reversals. */
  transferred: number;
  /** Transfer reversed by refunds with `reverse_transfer`. */
  transfer_reversed: number;
  /** Application fee returned by refunds with `refund_application_fee`. */
  application_fee_refunded: number;
  /** A destination charge's transfer to the connected account (`tr_...`, made when it succeeds), else `null`. */
  transfer: string | null;
  /** True once a dispute was opened on it. */
  disputed: boolean;
  created: number;
}

/** A refund as the fake holds it. */
export interface FakeRefund {
  readonly id: string;
  readonly object: 'refund';
  amount: number;
  charge: string;
  payment_intent: string;
  /** `succeeded` at once, or `pending` under {@link StripeFake.setRefundBehaviour}`('pending')` until {@link StripeFake.finishRefund}. */
  status: 'succeeded' | 'pending' | 'failed' | 'canceled';
  /** Why a `failed` refund failed (e.g. `lost_or_stolen_card`). */
  failure_reason: string | null;
  metadata: Record<string, string>;
  reverse_transfer: boolean;
  refund_application_fee: boolean;
  created: number;
}

/** A transfer to a connected account as the fake holds it (Stripe's JSON adds the `reversals` list). */
export interface FakeTransfer {
  readonly id: string;
  readonly object: 'transfer';
  amount: number;
  /** What its reversals took back so far. */
  amount_reversed: number;
  /** True once reversed in full. */
  reversed: boolean;
  currency: string;
  destination: string;
  /** The charge (`ch_...`) that funds it, or `null` (funded from the platform's available balance). */
  source_transaction: string | null;
  transfer_group: string | null;
  metadata: Record<string, string>;
  created: number;
  livemode: false;
}

/** A reversal of (part of) a transfer. */
export interface FakeTransferReversal {
  readonly id: string;
  readonly object: 'transfer_reversal';
  amount: number;
  currency: string;
  /** The reversed transfer (`tr_...`). */
  transfer: string;
  metadata: Record<string, string>;
  created: number;
}

/** A webhook event as Stripe sends it. */
export interface FakeEvent {
  readonly id: string;
  readonly object: 'event';
  readonly type: string;
  readonly created: number;
  readonly livemode: false;
  readonly api_version: string;
  readonly pending_webhooks: number;
  readonly data: { readonly object: unknown };
}

/** The fake's answer to one request (an HTTP answer, or a connection closed without one). */
export type StripeFakeAnswer =
  | { readonly kind: 'response'; readonly status: number; readonly headers: Readonly<Record<string, string>>; readonly body: string }
  | { readonly kind: 'drop' };

/** A request as the transports hand it to {@link StripeFake.dispatch}. */
export interface StripeFakeIncoming {
  readonly method: string;
  /** Path with query string, e.g. `/v1/payment_intents`. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  /**
   * The request body: text, or its bytes. A `multipart/form-data` body (a file upload) is read as bytes, so
   * binary files arrive intact: the server and `fetch` pass bytes for it.
   */
  readonly body: string | Uint8Array;
}

/** Options of {@link createStripeFake}. */
export interface StripeFakeOptions {
  /** The secret key the fake accepts. Default `sk_test_itutor_fake`. */
  readonly apiKey?: string;
  /** Seconds since the epoch, for `created` fields and event times. Default: the system clock. */
  readonly now?: () => number;
  /**
   * Embed the charge's refunds (`refunds: { object: 'list', data, has_more }`) in the Charge of
   * `charge.refunded` events, as API versions before 2022-11-15 did. Default `false`: current versions do
   * not, and a webhook reads them with `GET /v1/refunds?charge=...`.
   */
  readonly embedRefundsInCharge?: boolean;
}

/** How new refunds answer: `succeed` at once (default), or stay `pending` until {@link StripeFake.finishRefund}. */
export type FakeRefundBehaviour = 'succeed' | 'pending';

/** The fake and its controls. */
export interface StripeFake {
  readonly apiKey: string;
  /** Answers one request. Used by the transports; tests rarely call it. */
  dispatch(request: StripeFakeIncoming): Promise<StripeFakeAnswer>;
  /** A `fetch` that answers from this fake (for `Stripe.createFetchHttpClient(fake.fetch)`). */
  readonly fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  /** Adds a customer; returns its id (`cus_...`). */
  addCustomer(input?: { readonly id?: string; readonly email?: string }): string;
  /**
   * Adds a saved card to a customer; returns its id (`pm_...`). `expires` defaults to 12/2099.
   */
  addPaymentMethod(
    customer: string,
    behaviour?: FakeCardBehaviour,
    expires?: { readonly month: number; readonly year: number },
  ): string;
  /** Changes how a saved card answers from now on (a student fixed their card). */
  setBehaviour(paymentMethod: string, behaviour: FakeCardBehaviour): void;
  /** Adds a Connect account; returns its id (`acct_...`). Its `transfers` capability is active. */
  addConnectedAccount(id?: string): string;
  /**
   * Sets an account's `transfers` capability: while `inactive`, a transfer to it is refused (400
   * `insufficient_capabilities_for_transfer`, as Stripe refuses an account that cannot receive transfers).
   */
  setTransfersCapability(account: string, status: 'active' | 'inactive'): void;
  /**
   * The platform's available balance for transfers without a `source_transaction` (default `null`: no
   * limit). A transfer larger than it is refused (400 `balance_insufficient`); a transfer takes from it and a
   * reversal gives back. Transfers with a `source_transaction` are funded by that charge instead: together at
   * most its amount less what was refunded of it.
   */
  setAvailableBalance(minor: number | null): void;
  /**
   * The next `times` (default 1) requests matching `method` (default POST) and `path` (default
   * `/v1/payment_intents`) get `fault`. Paths are matched without the query: `/v1/refunds`, `/v1/transfers`,
   * or a RegExp such as `/^\/v1\/transfers\/[^/]+\/reversals$/` for reversals.
   */
  failNext(fault: StripeFakeFault, options?: { readonly times?: number; readonly method?: string; readonly path?: string | RegExp }): void;
  /** Removes every fault not yet used. */
  clearFaults(): void;
  /** Finishes a `processing` PaymentIntent: it succeeds, or fails with a decline. Emits the event. */
  finishProcessing(paymentIntentId: string, outcome: 'succeeded' | { readonly decline: string }): FakePaymentIntent;
  /** How refunds created from now on answer (default `succeed`). */
  setRefundBehaviour(behaviour: FakeRefundBehaviour): void;
  /**
   * Ends a refund as Stripe would: a `pending` one succeeds, fails (`{ failure: 'lost_or_stolen_card' }`,
   * Stripe's `failure_reason`) or is `canceled`; a `succeeded` one may still fail. A failed or canceled refund
   * gives its amount back to the charge (`amount_refunded`; transfer reversals and fee refunds stay). Emits
   * `refund.updated` and `charge.refund.updated`, and `refund.failed` for a failure.
   */
  finishRefund(refundId: string, outcome: 'succeeded' | 'canceled' | { readonly failure: string }): FakeRefund;
  /** Completes a SetupIntent as Stripe.js would after the student entered a card: a new saved card (`pm_...`). */
  completeSetup(setupIntentId: string, behaviour?: FakeCardBehaviour): string;
  /**
   * The student's step in the browser for an on-session PaymentIntent (`requires_confirmation`, made with
   * `confirm=false`, or `requires_action` after a confirmation asked for 3-D Secure), done as Stripe.js would:
   * `succeed` confirms it authenticated — a card that only wanted authentication succeeds (its charge, and the
   * destination charge's transfer, are made; `payment_intent.succeeded`), a declining card is declined
   * (`requires_payment_method` with `last_payment_error`; `payment_intent.payment_failed`); `fail` is a failed
   * authentication (`requires_payment_method`, `last_payment_error.code` `payment_intent_authentication_failure`;
   * `payment_intent.payment_failed`). The same as the buttons of the 3-D Secure page ({@link StripeFake.authenticationPath}).
   * Throws Stripe's 400 `payment_intent_unexpected_state` answer for a PaymentIntent in another state.
   */
  authenticate(paymentIntentId: string, outcome: 'succeed' | 'fail'): FakePaymentIntent;
  /**
   * The fake's 3-D Secure page of a PaymentIntent, `/fake-3ds/<id>?client_secret=<its client secret>` (append it
   * to the server's `url`): an HTML page with "Complete authentication" and "Fail authentication" buttons that
   * `POST` back to the same path and run {@link StripeFake.authenticate}. Served by `dispatch` (and so by the server and
   * `fetch`) without an API key, to whoever has the client secret. A PaymentIntent that a confirmation moved to
   * `requires_action` names the same page in `next_action.redirect_to_url.url`. Page requests are not in `requests`.
   */
  authenticationPath(paymentIntentId: string): string;
  /**
   * Opens a dispute (a chargeback) on a succeeded charge, named by its PaymentIntent or charge id, as a bank
   * would: `charge.dispute.created` (status `needs_response`, evidence due in `evidenceDueInDays`, default 7), then
   * the funds withdrawn — a balance transaction of −amount with a dispute fee of 1 500 —
   * `charge.dispute.funds_withdrawn`. An inquiry (`inquiry: true`) is `warning_needs_response` and withdraws
   * nothing. Evidence is staged or submitted with `POST /v1/disputes/{id}` (`disputes.update`): Stripe's evidence
   * fields only (others → 400 `parameter_unknown`), text within Stripe's limits (20 000 characters for the long
   * fields, 150 000 together), file fields naming a `dispute_evidence` file — uploaded with `POST /v1/files`
   * (`files.create`) or {@link StripeFake.addFile} — (else 400 `resource_missing`), those files together at most
   * 4.5 MB (else 400), only while the dispute waits for evidence (else 400); `submit` (Stripe's default) moves it
   * to `under_review` (`warning_under_review`). Each update emits `charge.dispute.updated`.
   */
  openDispute(paymentIntentOrCharge: string, options?: FakeDisputeOptions): FakeDispute;
  /**
   * The bank decides: `won` → status `won`, `charge.dispute.closed`, then the funds given back (a balance
   * transaction of +amount, fee 0) and `charge.dispute.funds_reinstated`; `lost` → status `lost`,
   * `charge.dispute.closed`. An inquiry closes as `warning_closed`.
   */
  closeDispute(disputeId: string, outcome: 'won' | 'lost'): FakeDispute;
  /**
   * Uploads a file without a request, as `POST /v1/files` would (its format read from its bytes and checked
   * against the purpose's formats and size; a refusal is thrown); returns its id (`file_...`), e.g. for the
   * file fields of dispute evidence (`dispute_evidence`, the default purpose). Without `upload`, the file is an
   * 8-byte placeholder PNG named `evidence.png`. Unlike the endpoint, any purpose is taken.
   */
  addFile(purpose?: string, upload?: FakeFileUpload): string;
  /**
   * Every file uploaded, oldest first (Stripe's File objects): `POST /v1/files` takes the official client's
   * `files.create` (`multipart/form-data`: `purpose` and `file`), reads the file's format from its bytes and
   * answers the File (`type` `pdf` / `jpg` / `png` / ..., `size`, `filename`, `url: null`). Refused with a 400
   * `invalid_request_error`: no `file` (`parameter_missing`), no `purpose` (`parameter_missing`), a purpose
   * Stripe does not take for uploads (param `purpose`), a format the purpose does not take ("We don't currently
   * support that file type...": `dispute_evidence` takes PDF, JPEG and PNG), a file over the purpose's size (5 MB
   * for `dispute_evidence`), a `dispute_evidence` PDF of more than 50 pages. `Idempotency-Key` replay as for
   * every POST (the parameters compared are the fields and the file's name, size and bytes, not the multipart
   * boundary). `GET /v1/files/{id}` reads one (404 `resource_missing` for an unknown id), `GET /v1/files` lists
   * them, newest first (`purpose`, `limit`).
   */
  readonly files: readonly FakeFile[];
  /** A copy of the bytes of an uploaded file; throws for an unknown file. */
  fileContents(fileId: string): Uint8Array;
  readonly requests: readonly StripeFakeRequest[];
  readonly paymentIntents: readonly FakePaymentIntent[];
  readonly charges: readonly FakeCharge[];
  readonly refunds: readonly FakeRefund[];
  /** Every transfer made, oldest first. */
  readonly transfers: readonly FakeTransfer[];
  /** Every transfer reversal made, oldest first. */
  readonly transferReversals: readonly FakeTransferReversal[];
  /** Every event the fake emitted, oldest first. */
  readonly events: readonly FakeEvent[];
  /** Every dispute opened, oldest first. */
  readonly disputes: readonly FakeDispute[];
  /**
   * A webhook delivery of `event` as Stripe makes it: the JSON body signed with `secret`
   * (`Stripe-Signature: t=<timestamp>,v1=<HMAC-SHA256 of "t.body">`). `timestamp` in seconds defaults to now.
   */
  webhookRequest(event: FakeEvent, options: { readonly secret: string; readonly url?: string; readonly timestamp?: number }): Promise<Request>;
  /** Ends every hanging request (their connections are closed). */
  releaseHangs(): void;
}

interface Idempotent {
  readonly fingerprint: string;
  answer: { status: number; body: string } | null;
}

interface Card {
  readonly id: string;
  customer: string;
  behaviour: FakeCardBehaviour;
  readonly exp_month: number;
  readonly exp_year: number;
}

interface SetupIntent {
  readonly id: string;
  readonly object: 'setup_intent';
  customer: string;
  usage: string;
  status: string;
  payment_method: string | null;
  metadata: Record<string, string>;
  client_secret: string;
  created: number;
}

interface PendingFault {
  readonly fault: StripeFakeFault;
  readonly method: string;
  readonly path: string | RegExp;
  remaining: number;
}

const API_VERSION = '2025-01-01.fake';

/** Creates a fake Stripe. See {@link StripeFake}. */
export function createStripeFake(options: StripeFakeOptions = {}): StripeFake {
  const apiKey = options.apiKey ?? 'sk_test_itutor_fake';
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  let refundBehaviour: FakeRefundBehaviour = 'succeed';
  const tag = Math.random().toString(36).slice(2, 8);
  let counter = 0;
  const newId = (prefix: string) => `${prefix}_${tag}${(++counter).toString().padStart(6, '0')}`;

  const customers = new Map<string, { id: string; email: string | null }>();
  const cards = new Map<string, Card>();
  const accounts = new Set<string>();
  /** Accounts whose `transfers` capability is inactive. */
  const cannotReceiveTransfers = new Set<string>();
  let availableBalance: number | null = null;
  const transfers = new Map<string, FakeTransfer>();
  const reversals: FakeTransferReversal[] = [];
  const paymentIntents = new Map<string, FakePaymentIntent>();
  const charges = new Map<string, FakeCharge>();
  const refunds: FakeRefund[] = [];
  const setupIntents = new Map<string, SetupIntent>();
  const events: FakeEvent[] = [];
  const requests: StripeFakeRequest[] = [];
  const keys = new Map<string, Idempotent>();
  let faults: PendingFault[] = [];
  const hangs = new Set<() => void>();
  /** Files uploaded through `POST /v1/files` or {@link StripeFake.addFile}. */
  const files = createFakeFiles({ now, newId });
  /** `http://<host>` of the request being answered: where the 3-D Secure page of a `next_action` is served. */
  let baseUrl = 'http://127.0.0.1';

  const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
  function emit(type: string, object: unknown): void {
    events.push({ id: newId('evt'), object: 'event', type, created: now(), livemode: false, api_version: API_VERSION, pending_webhooks: 1, data: { object: clone(object) } });
  }

  const disputes = createFakeDisputes({
    now,
    newId,
    emit,
    chargeFor(paymentIntentOrCharge) {
      const pi = paymentIntents.get(paymentIntentOrCharge);
      const charge = charges.get(pi ? (pi.latest_charge ?? '') : paymentIntentOrCharge);
      if (!charge || charge.status !== 'succeeded') throw new Error(`fake Stripe: ${paymentIntentOrCharge} has no succeeded charge to dispute`);
      return { id: charge.id, paymentIntent: charge.payment_intent, currency: charge.currency, left: charge.amount - charge.amount_refunded };
    },
    markDisputed(chargeId) {
      charges.get(chargeId)!.disputed = true;
    },
    evidenceFileSize: (id) => files.sizeOf(id, 'dispute_evidence'),
  });

  /** Where the student authenticates a PaymentIntent: the fake's 3-D Secure page (path and query). */
  const authenticationPath = (pi: FakePaymentIntent) => `/fake-3ds/${encodeURIComponent(pi.id)}?client_secret=${encodeURIComponent(pi.client_secret)}`;

  /**
   * The student's step in the browser, done: `succeed` confirms the PaymentIntent on-session as authenticated
   * (its card then answers as it does — a card that only wanted authentication succeeds); `fail` is a failed
   * authentication (`payment_intent_authentication_failure`). Emits the PaymentIntent's event.
   */
  function authenticate(id: string, outcome: 'succeed' | 'fail'): FakePaymentIntent {
    const pi = paymentIntents.get(id);
    if (!pi || (pi.status !== 'requires_confirmation' && pi.status !== 'requires_action')) {
      throw new StripeHttpError(400, { type: 'invalid_request_error', code: 'payment_intent_unexpected_state', message: `This PaymentIntent (${id}) does not need authentication (its status is ${String(pi?.status)}).` }, false);
    }
    const card = pi.payment_method ? cards.get(pi.payment_method) : undefined;
    if (!card) throw invalid('You cannot confirm this PaymentIntent because it is missing a payment method.', 'payment_method', 'payment_intent_unexpected_state');
    pi.next_action = null;
    if (outcome === 'fail') {
      pi.status = 'requires_payment_method';
      pi.last_payment_error = {
        type: 'invalid_request_error',
        code: 'payment_intent_authentication_failure',
        message: 'The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.',
      };
      emit('payment_intent.payment_failed', pi);
      return pi;
    }
    try {
      confirm(pi, card, true);
    } catch (error) {
      // A decline after authentication: the PaymentIntent holds it (`last_payment_error`), as Stripe.js reports.
      if (!(error instanceof StripeHttpError)) throw error;
    }
    return pi;
  }

  /** `POST /v1/payment_intents/{id}/confirm` (server-side): on-session unless `off_session=true`. */
  function confirmPaymentIntent(id: string, params: FormObject): FakePaymentIntent {
    const pi = paymentIntents.get(id);
    if (!pi) throw invalid(`No such payment_intent: '${id}'`, 'id', 'resource_missing', 404);
    if (pi.status !== 'requires_confirmation' && pi.status !== 'requires_payment_method') {
      throw invalid(`This PaymentIntent's status is ${pi.status}: it cannot be confirmed.`, undefined, 'payment_intent_unexpected_state');
    }
    const pm = str(params.payment_method) ?? pi.payment_method;
    const card = pm ? cards.get(pm) : undefined;
    if (!card) throw invalid('You cannot confirm this PaymentIntent because it is missing a payment method.', 'payment_method');
    if (pi.customer !== null && card.customer !== pi.customer) throw invalid(`The provided PaymentMethod ${pm} does not belong to the customer ${pi.customer}.`, 'payment_method');
    pi.payment_method = card.id;
    pi.off_session = bool(params.off_session);
    confirm(pi, card);
    return pi;
  }

  /** A placeholder file: the 8-byte PNG signature, a format every purpose with formats accepts. */
  const PLACEHOLDER = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

  function addFile(purpose: string, upload?: FakeFileUpload): string {
    const data = upload?.data ?? PLACEHOLDER;
    try {
      return files.create(purpose, { data, filename: upload?.name ?? (upload ? 'evidence' : 'evidence.png') }).id;
    } catch (error) {
      if (error instanceof StripeHttpError) throw new Error(`fake Stripe: ${String(error.error.message)}`);
      throw error;
    }
  }

  function cardError(pi: FakePaymentIntent, code: string, message: string, declineCode?: string, adviceCode?: string): StripeHttpError {
    const codes = { ...(declineCode ? { decline_code: declineCode } : {}), ...(adviceCode ? { advice_code: adviceCode } : {}) };
    pi.last_payment_error = { type: 'card_error', code, ...codes, message };
    return new StripeHttpError(
      402,
      {
        type: 'card_error',
        code,
        ...codes,
        message,
        payment_intent: clone(pi),
        payment_method: pi.payment_method ? { id: pi.payment_method, object: 'payment_method' } : undefined,
        doc_url: `https://stripe.com/docs/error-codes/${code.replaceAll('_', '-')}`,
      },
      true,
    );
  }

  /** A new charge of `pi` (its latest charge). */
  function newCharge(pi: FakePaymentIntent, status: FakeCharge['status']): FakeCharge {
    const charge: FakeCharge = {
      id: newId('ch'),
      object: 'charge',
      status,
      amount: pi.amount,
      amount_refunded: 0,
      refunded: false,
      currency: pi.currency,
      payment_intent: pi.id,
      metadata: { ...pi.metadata },
      application_fee_amount: pi.application_fee_amount,
      transfer_group: pi.transfer_group,
      destination: pi.transfer_data?.destination ?? null,
      transferred: 0,
      transfer_reversed: 0,
      application_fee_refunded: 0,
      transfer: null,
      disputed: false,
      created: now(),
    };
    charges.set(charge.id, charge);
    pi.latest_charge = charge.id;
    return charge;
  }

  /** `pi` succeeds: its pending charge (after `processing`) or a new one; Connect moves the destination's share. */
  function succeed(pi: FakePaymentIntent): void {
    const pending = pi.latest_charge ? charges.get(pi.latest_charge) : undefined;
    const charge = pending?.status === 'pending' ? pending : newCharge(pi, 'succeeded');
    charge.status = 'succeeded';
    charge.transferred = pi.transfer_data ? pi.amount - (pi.application_fee_amount ?? 0) : 0;
    pi.status = 'succeeded';
    pi.last_payment_error = null;
    pi.next_action = null;
    // A destination charge moves the tutor's share by a Transfer of its own, funded by the charge.
    if (pi.transfer_data && charge.transferred > 0) charge.transfer = destinationTransfer(charge, pi.transfer_data.destination).id;
    emit('charge.succeeded', charge);
    emit('payment_intent.succeeded', pi);
  }

  /** The Transfer Stripe makes with a destination charge (`charge.transfer`), its amount the charge less the fee. */
  function destinationTransfer(charge: FakeCharge, destination: string): FakeTransfer {
    const transfer: FakeTransfer = {
      id: newId('tr'),
      object: 'transfer',
      amount: charge.transferred,
      amount_reversed: 0,
      reversed: false,
      currency: charge.currency,
      destination,
      source_transaction: charge.id,
      transfer_group: charge.transfer_group,
      metadata: {},
      created: now(),
      livemode: false,
    };
    transfers.set(transfer.id, transfer);
    emit('transfer.created', transferJson(transfer));
    return transfer;
  }

  /** Runs a confirmation of `pi` with its card (`authenticated`: the student passed 3-D Secure); throws the 402 for a decline. */
  function confirm(pi: FakePaymentIntent, card: Card, authenticated = false): void {
    const behaviour = card.behaviour;
    if (behaviour === 'succeed' || (behaviour === 'authentication_required' && authenticated)) return succeed(pi);
    if (behaviour === 'processing') {
      pi.status = 'processing';
      emit('charge.pending', newCharge(pi, 'pending'));
      emit('payment_intent.processing', pi);
      return;
    }
    if (behaviour === 'authentication_required') {
      if (!pi.off_session) {
        pi.status = 'requires_action';
        pi.next_action = { type: 'redirect_to_url', redirect_to_url: { url: `${baseUrl}${authenticationPath(pi)}`, return_url: null } };
        emit('payment_intent.requires_action', pi);
        return;
      }
      pi.status = 'requires_payment_method';
      const error = cardError(pi, 'authentication_required', 'Your card was declined. This transaction requires authentication.', 'authentication_required');
      emit('payment_intent.payment_failed', pi);
      throw error;
    }
    pi.status = 'requires_payment_method';
    const error = cardError(pi, behaviour.code ?? 'card_declined', 'Your card was declined.', behaviour.decline, behaviour.advice);
    emit('payment_intent.payment_failed', pi);
    throw error;
  }

  function createPaymentIntent(params: FormObject): FakePaymentIntent {
    const amount = integer(params.amount, 'amount', 1);
    const currency = str(params.currency);
    if (!currency || !/^[a-z]{3}$/.test(currency)) throw invalid(`Invalid currency: ${String(currency)}`, 'currency', 'parameter_invalid_string');
    const customer = str(params.customer) ?? null;
    if (customer !== null && !customers.has(customer)) throw invalid(`No such customer: '${customer}'`, 'customer', 'resource_missing');
    const pm = str(params.payment_method) ?? null;
    const card = pm === null ? undefined : cards.get(pm);
    if (pm !== null && !card) throw invalid(`No such PaymentMethod: '${pm}'`, 'payment_method', 'resource_missing');
    if (card && customer !== null && card.customer !== customer) {
      throw invalid(`The provided PaymentMethod ${pm} does not belong to the customer ${customer}.`, 'payment_method');
    }
    const transfer = obj(params.transfer_data);
    const destination = transfer ? str(transfer.destination) : undefined;
    if (transfer && (!destination || !accounts.has(destination))) {
      throw invalid(`No such destination: '${String(destination)}'`, 'transfer_data[destination]', 'resource_missing');
    }
    const transferGroup = params.transfer_group === undefined ? null : str(params.transfer_group);
    if (transferGroup === undefined) throw invalid('Invalid string: transfer_group', 'transfer_group', 'parameter_invalid_string');
    const fee = params.application_fee_amount === undefined ? null : integer(params.application_fee_amount, 'application_fee_amount', 0);
    if (fee !== null && !transfer) {
      throw invalid('Can only apply an application_fee_amount when the PaymentIntent is attempting a direct payment (using an OAuth key or Stripe-Account header) or destination payment (using `transfer_data[destination]`).', 'application_fee_amount');
    }
    if (fee !== null && fee > amount) throw invalid('The application fee cannot be greater than the amount.', 'application_fee_amount');
    const offSession = bool(params.off_session);
    if (offSession && !bool(params.confirm)) throw invalid('off_session can only be set when confirm is true.', 'off_session');
    if (bool(params.confirm) && pm === null) throw invalid('You cannot confirm this PaymentIntent because it is missing a payment method.', 'payment_method');

    const id = newId('pi');
    const pi: FakePaymentIntent = {
      id,
      object: 'payment_intent',
      amount,
      currency,
      customer,
      payment_method: pm,
      status: pm === null ? 'requires_payment_method' : 'requires_confirmation',
      confirmation_method: 'automatic',
      capture_method: 'automatic',
      off_session: offSession,
      application_fee_amount: fee,
      transfer_data: destination ? { destination } : null,
      transfer_group: transferGroup,
      metadata: flat(params.metadata),
      latest_charge: null,
      last_payment_error: null,
      next_action: null,
      client_secret: `${id}_secret_${Math.random().toString(36).slice(2, 12)}`,
      created: now(),
      livemode: false,
    };
    paymentIntents.set(id, pi);
    emit('payment_intent.created', pi);
    if (bool(params.confirm) && card) confirm(pi, card);
    return pi;
  }

  function createRefund(params: FormObject): FakeRefund {
    const piId = str(params.payment_intent);
    const chargeId = str(params.charge);
    const pi = piId ? paymentIntents.get(piId) : undefined;
    if (piId && !pi) throw invalid(`No such payment_intent: '${piId}'`, 'payment_intent', 'resource_missing');
    const charge = pi ? (pi.latest_charge ? charges.get(pi.latest_charge) : undefined) : chargeId ? charges.get(chargeId) : undefined;
    if (!pi && !chargeId) throw invalid('One of the following params should be provided for this request: payment_intent or charge.', 'payment_intent');
    if (!charge || charge.status !== 'succeeded' || (pi && pi.status !== 'succeeded')) {
      throw invalid(`This PaymentIntent (${String(piId ?? chargeId)}) does not have a successful charge to refund.`, 'payment_intent', 'charge_not_refundable');
    }
    const remaining = charge.amount - charge.amount_refunded;
    if (remaining === 0) throw invalid(`Charge ${charge.id} has already been refunded.`, 'charge', 'charge_already_refunded');
    const amount = params.amount === undefined ? remaining : integer(params.amount, 'amount', 1);
    if (amount > remaining) {
      throw invalid(`Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`, 'amount', 'amount_too_large');
    }
    const reverse = bool(params.reverse_transfer);
    const refundFee = bool(params.refund_application_fee);
    if ((reverse || refundFee) && !charge.destination) throw invalid('This charge has no transfer to reverse.', 'reverse_transfer');
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded === charge.amount;
    // Stripe reverses the transfer and refunds the fee in proportion to the refund; the last refund
    // takes what is left, so a full refund in parts returns everything.
    const share = (total: number, done: number) => (charge.refunded ? total - done : Math.floor((total * amount) / charge.amount));
    if (reverse) {
      const reversed = share(charge.transferred, charge.transfer_reversed);
      charge.transfer_reversed += reversed;
      // Stripe reverses the destination charge's own transfer (a TransferReversal of it), as far as it has amount left.
      const transfer = charge.transfer ? transfers.get(charge.transfer) : undefined;
      const taken = transfer ? Math.min(reversed, transfer.amount - transfer.amount_reversed) : 0;
      if (transfer && taken > 0) reverseTransfer(transfer, taken, flat(params.metadata));
    }
    if (refundFee) charge.application_fee_refunded += share(charge.application_fee_amount ?? 0, charge.application_fee_refunded);
    const refund: FakeRefund = {
      id: newId('re'),
      object: 'refund',
      amount,
      charge: charge.id,
      payment_intent: charge.payment_intent,
      status: refundBehaviour === 'pending' ? 'pending' : 'succeeded',
      failure_reason: null,
      metadata: flat(params.metadata),
      reverse_transfer: reverse,
      refund_application_fee: refundFee,
      created: now(),
    };
    refunds.push(refund);
    emit('refund.created', refund);
    emit('charge.refunded', chargeEventObject(charge));
    return refund;
  }

  /** A charge's refunds, newest first, as Stripe lists them. */
  const refundsOfCharge = (chargeId: string) => refunds.filter((r) => r.charge === chargeId).reverse();

  /** The Charge of a `charge.refunded` event: with its refunds embedded only under `embedRefundsInCharge`. */
  function chargeEventObject(charge: FakeCharge) {
    if (!options.embedRefundsInCharge) return charge;
    const data = refundsOfCharge(charge.id);
    return { ...charge, refunds: { object: 'list', data, has_more: false, total_count: data.length, url: `/v1/charges/${charge.id}/refunds` } };
  }

  function listRefunds(params: FormObject) {
    const chargeId = str(params.charge);
    const piId = str(params.payment_intent);
    const limit = params.limit === undefined ? 10 : integer(params.limit, 'limit', 1);
    if (limit > 100) throw invalid('This value must be less than or equal to 100.', 'limit', 'parameter_invalid_integer');
    let all = chargeId ? refundsOfCharge(chargeId) : [...refunds].reverse();
    if (piId) all = all.filter((r) => r.payment_intent === piId);
    const after = str(params.starting_after);
    if (after !== undefined) {
      const index = all.findIndex((r) => r.id === after);
      if (index < 0) throw invalid(`No such refund: '${after}'`, 'starting_after', 'resource_missing');
      all = all.slice(index + 1);
    }
    return { object: 'list', url: '/v1/refunds', has_more: all.length > limit, data: all.slice(0, limit) };
  }

  /** Stripe's answer to an account that cannot take the payment or balance move asked for. */
  const balanceInsufficient = () =>
    new StripeHttpError(
      400,
      {
        type: 'invalid_request_error',
        code: 'balance_insufficient',
        message:
          'Insufficient funds in Stripe account. In test mode, you can add funds to your available balance (bypassing your pending balance) by creating a charge with 4000 0000 0000 0077 as the card number. You can use the /v1/balance endpoint to view your Stripe balance (for more details, see stripe.com/docs/api#balance).',
        doc_url: 'https://stripe.com/docs/error-codes/balance-insufficient',
      },
      true,
    );

  /** What transfers funded by `chargeId` (`source_transaction`) moved so far, less their reversals. */
  const transferredFrom = (chargeId: string) =>
    [...transfers.values()].filter((t) => t.source_transaction === chargeId).reduce((sum, t) => sum + t.amount - t.amount_reversed, 0);

  /** Checks a transfer's `source_transaction`: a succeeded charge in the transfer's currency with `amount` left to fund. */
  function checkSource(sourceId: string, amount: number, currency: string): void {
    const charge = charges.get(sourceId);
    if (!charge) throw invalid(`No such charge: '${sourceId}'`, 'source_transaction', 'resource_missing');
    if (charge.status !== 'succeeded') {
      throw invalid(`The source_transaction ${sourceId} has not succeeded (its status is ${charge.status}): only a succeeded charge can fund a transfer.`, 'source_transaction');
    }
    if (charge.currency !== currency) {
      throw invalid(`The currency of source_transaction's balance transaction (${charge.currency}) must be the same as the transfer currency (${currency}).`, 'currency');
    }
    // The charge's funds pay the transfer: what was refunded or already transferred from it is gone.
    if (amount > charge.amount - charge.amount_refunded - transferredFrom(sourceId)) throw balanceInsufficient();
  }

  function createTransfer(params: FormObject): FakeTransfer {
    const amount = integer(params.amount, 'amount', 1);
    const currency = str(params.currency);
    if (!currency || !/^[a-z]{3}$/.test(currency)) throw invalid(`Invalid currency: ${String(currency)}`, 'currency', 'parameter_invalid_string');
    const destination = str(params.destination);
    if (!destination) throw invalid('Missing required param: destination.', 'destination', 'parameter_missing');
    if (!accounts.has(destination)) throw invalid(`No such destination: '${destination}'`, 'destination', 'resource_missing');
    if (cannotReceiveTransfers.has(destination)) {
      throw invalid(
        'Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments',
        'destination',
        'insufficient_capabilities_for_transfer',
      );
    }
    const source = params.source_transaction === undefined ? null : str(params.source_transaction);
    if (source === undefined) throw invalid('Invalid string: source_transaction', 'source_transaction', 'parameter_invalid_string');
    const group = params.transfer_group === undefined ? null : str(params.transfer_group);
    if (group === undefined) throw invalid('Invalid string: transfer_group', 'transfer_group', 'parameter_invalid_string');
    if (source !== null) checkSource(source, amount, currency);
    else if (availableBalance !== null) {
      if (amount > availableBalance) throw balanceInsufficient();
      availableBalance -= amount;
    }
    const transfer: FakeTransfer = {
      id: newId('tr'),
      object: 'transfer',
      amount,
      amount_reversed: 0,
      reversed: false,
      currency,
      destination,
      source_transaction: source,
      transfer_group: group,
      metadata: flat(params.metadata),
      created: now(),
      livemode: false,
    };
    transfers.set(transfer.id, transfer);
    emit('transfer.created', transferJson(transfer));
    return transfer;
  }

  function findTransfer(id: string): FakeTransfer {
    const transfer = transfers.get(id);
    if (!transfer) throw invalid(`No such transfer: '${id}'`, 'id', 'resource_missing', 404);
    return transfer;
  }

  function createReversal(transferId: string, params: FormObject): FakeTransferReversal {
    const transfer = findTransfer(transferId);
    const remaining = transfer.amount - transfer.amount_reversed;
    if (remaining === 0) throw invalid(`Transfer ${transfer.id} has already been fully reversed.`, 'amount');
    const amount = params.amount === undefined ? remaining : integer(params.amount, 'amount', 1);
    if (amount > remaining) {
      throw invalid(`Transfer reversal amount (${amount}) is greater than the amount remaining on the transfer (${remaining}).`, 'amount');
    }
    return reverseTransfer(transfer, amount, flat(params.metadata));
  }

  /** Takes `amount` back from `transfer`: a TransferReversal. */
  function reverseTransfer(transfer: FakeTransfer, amount: number, metadata: Record<string, string>): FakeTransferReversal {
    transfer.amount_reversed += amount;
    transfer.reversed = transfer.amount_reversed === transfer.amount;
    if (transfer.source_transaction === null && availableBalance !== null) availableBalance += amount;
    const reversal: FakeTransferReversal = {
      id: newId('trr'),
      object: 'transfer_reversal',
      amount,
      currency: transfer.currency,
      transfer: transfer.id,
      metadata,
      created: now(),
    };
    reversals.push(reversal);
    emit('transfer.reversed', transferJson(transfer));
    return reversal;
  }

  /** A transfer's reversals, newest first, as Stripe lists them. */
  function listReversals(transferId: string, params: FormObject) {
    const transfer = findTransfer(transferId);
    const limit = params.limit === undefined ? 10 : integer(params.limit, 'limit', 1);
    if (limit > 100) throw invalid('This value must be less than or equal to 100.', 'limit', 'parameter_invalid_integer');
    let all = reversals.filter((r) => r.transfer === transfer.id).reverse();
    const after = str(params.starting_after);
    if (after !== undefined) {
      const index = all.findIndex((r) => r.id === after);
      if (index < 0) throw invalid(`No such transfer reversal: '${after}'`, 'starting_after', 'resource_missing');
      all = all.slice(index + 1);
    }
    return { object: 'list', url: `/v1/transfers/${transfer.id}/reversals`, has_more: all.length > limit, data: all.slice(0, limit) };
  }

  /** A Transfer as Stripe answers it: with the first page of its reversals. */
  function transferJson(transfer: FakeTransfer) {
    const data = reversals.filter((r) => r.transfer === transfer.id).reverse();
    return { ...transfer, reversals: { object: 'list', data: data.slice(0, 10), has_more: data.length > 10, total_count: data.length, url: `/v1/transfers/${transfer.id}/reversals` } };
  }

  function publicCharge(charge: FakeCharge) {
    const { transferred: _t, transfer_reversed: _r, application_fee_refunded: _f, destination: _d, ...rest } = charge;
    return rest;
  }

  /** Runs one authorised request; returns status and JSON body, or throws a StripeHttpError. */
  function route(method: string, path: string, params: FormObject, uploads: readonly MultipartFile[]): { status: number; body: unknown } {
    const segments = path.split('?')[0]!.split('/').filter(Boolean);
    const [version, resource, id, sub, subId] = segments;
    if (version !== 'v1') throw invalid(`Unrecognized request URL (${method}: ${path}).`, undefined, undefined, 404);
    if (method === 'POST' && resource === 'payment_intents' && id === undefined) return { status: 200, body: createPaymentIntent(params) };
    if (method === 'GET' && resource === 'payment_intents' && id !== undefined && sub === undefined) {
      const pi = paymentIntents.get(id);
      if (!pi) throw invalid(`No such payment_intent: '${id}'`, 'id', 'resource_missing', 404);
      const expand = Object.values(obj(parseStripeForm(path.split('?')[1] ?? '').expand) ?? {});
      const charge = pi.latest_charge ? charges.get(pi.latest_charge) : undefined;
      return { status: 200, body: expand.includes('latest_charge') && charge ? { ...pi, latest_charge: publicCharge(charge) } : pi };
    }
    if (method === 'POST' && resource === 'payment_intents' && id !== undefined && sub === 'confirm' && subId === undefined) {
      return { status: 200, body: confirmPaymentIntent(id, params) };
    }
    if (resource === 'disputes') return disputes.route(method, id, sub, params);
    if (resource === 'files') return files.route(method, id, sub, method === 'GET' ? { ...parseStripeForm(path.split('?')[1] ?? ''), ...params } : params, uploads);

    if (method === 'GET' && resource === 'charges' && id !== undefined && sub === undefined) {
      const charge = charges.get(id);
      if (!charge) throw invalid(`No such charge: '${id}'`, 'id', 'resource_missing', 404);
      return { status: 200, body: publicCharge(charge) };
    }
    if (method === 'POST' && resource === 'customers' && id === undefined) {
      const customer = { id: newId('cus'), email: str(params.email) ?? null };
      customers.set(customer.id, customer);
      return { status: 200, body: { ...customer, object: 'customer', metadata: flat(params.metadata) } };
    }
    if (method === 'GET' && resource === 'customers' && id !== undefined && sub === 'payment_methods' && subId !== undefined) {
      if (!customers.has(id)) throw invalid(`No such customer: '${id}'`, 'customer', 'resource_missing', 404);
      const card = cards.get(subId);
      if (!card || card.customer !== id) throw invalid(`No such PaymentMethod: '${subId}'`, 'payment_method', 'resource_missing', 404);
      return { status: 200, body: paymentMethodJson(card) };
    }
    if (method === 'POST' && resource === 'setup_intents' && id === undefined) {
      const customer = str(params.customer);
      if (!customer || !customers.has(customer)) throw invalid(`No such customer: '${String(customer)}'`, 'customer', 'resource_missing');
      const siId = newId('seti');
      const si: SetupIntent = {
        id: siId,
        object: 'setup_intent',
        customer,
        usage: str(params.usage) ?? 'off_session',
        status: 'requires_payment_method',
        payment_method: null,
        metadata: flat(params.metadata),
        client_secret: `${siId}_secret_${Math.random().toString(36).slice(2, 12)}`,
        created: now(),
      };
      setupIntents.set(siId, si);
      return { status: 200, body: si };
    }
    if (method === 'POST' && resource === 'refunds' && id === undefined) return { status: 200, body: createRefund(params) };
    if (resource === 'transfers') return transferRoute(method, path, params, id, sub, subId);
    if (method === 'GET' && resource === 'refunds' && id === undefined) return { status: 200, body: listRefunds({ ...parseStripeForm(path.split('?')[1] ?? ''), ...params }) };
    throw invalid(`Unrecognized request URL (${method}: ${path}).`, undefined, undefined, 404);
  }

  /** `/v1/transfers...`: create and read transfers, create and list their reversals. */
  function transferRoute(method: string, path: string, params: FormObject, id?: string, sub?: string, subId?: string): { status: number; body: unknown } {
    if (method === 'POST' && id === undefined) return { status: 200, body: transferJson(createTransfer(params)) };
    if (method === 'GET' && id !== undefined && sub === undefined) return { status: 200, body: transferJson(findTransfer(id)) };
    if (method === 'POST' && id !== undefined && sub === 'reversals' && subId === undefined) return { status: 200, body: createReversal(id, params) };
    if (method === 'GET' && id !== undefined && sub === 'reversals' && subId === undefined) {
      return { status: 200, body: listReversals(id, { ...parseStripeForm(path.split('?')[1] ?? ''), ...params }) };
    }
    throw invalid(`Unrecognized request URL (${method}: ${path}).`, undefined, undefined, 404);
  }

  function paymentMethodJson(card: Card) {
    return {
      id: card.id,
      object: 'payment_method',
      type: 'card',
      customer: card.customer,
      card: { brand: 'visa', last4: '4242', exp_month: card.exp_month, exp_year: card.exp_year },
    };
  }

  const response = (status: number, body: string, extra: Record<string, string> = {}): StripeFakeAnswer => ({
    kind: 'response',
    status,
    headers: { 'content-type': 'application/json', 'request-id': newId('req'), 'stripe-version': API_VERSION, ...extra },
    body,
  });
  const errorBody = (error: Record<string, unknown>) => JSON.stringify({ error });

  function takeFault(method: string, path: string): StripeFakeFault | null {
    const bare = path.split('?')[0]!;
    const found = faults.find(
      (f) => f.remaining > 0 && f.method === method && (typeof f.path === 'string' ? f.path === bare : f.path.test(bare)),
    );
    if (!found) return null;
    found.remaining--;
    faults = faults.filter((f) => f.remaining > 0);
    return found.fault;
  }

  const hang = () => new Promise<void>((resolve) => hangs.add(resolve));

  async function dispatch(incoming: StripeFakeIncoming): Promise<StripeFakeAnswer> {
    const method = incoming.method.toUpperCase();
    const path = incoming.path;
    const header = (name: string) => incoming.headers[name] ?? incoming.headers[name.toLowerCase()];
    const { params, uploads, canonical, text, problem } = readBody(incoming.body, header('content-type'));
    const key = header('idempotency-key') ?? null;
    const log = (status: number | null, replayed: boolean, fault: StripeFakeFault | null) =>
      requests.push({ method, path, params, idempotencyKey: key, status, replayed, fault: fault?.kind ?? null });

    const host = header('host');
    if (host) baseUrl = `http://${host}`;
    // The student's 3-D Secure step is a browser page: no API key, the PaymentIntent's client secret instead.
    if (path.startsWith('/fake-3ds/')) return threeDSecure(method, path, text);

    const authorization = header('authorization') ?? '';
    if (authorization !== `Bearer ${apiKey}`) {
      log(401, false, null);
      return response(401, errorBody({ type: 'invalid_request_error', message: 'Invalid API Key provided: sk_test_********' }));
    }

    const fault = takeFault(method, path);
    if (fault?.kind === 'rate_limit') {
      log(429, false, fault);
      return response(
        429,
        errorBody({ type: 'invalid_request_error', code: 'rate_limit', message: 'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.' }),
      );
    }
    const before = fault !== null && (fault.kind === 'hang' || fault.kind === 'drop') && fault.processed === false;
    if (before || (fault?.kind === 'server_error' && !fault.saved)) {
      if (fault.kind === 'server_error') {
        log(500, false, fault);
        return response(500, errorBody({ type: 'api_error', message: 'An unknown error occurred' }), { 'stripe-should-retry': 'true' });
      }
      log(null, false, fault);
      if (fault.kind === 'hang') await hang();
      return { kind: 'drop' };
    }

    if (problem) {
      log(problem.status, false, fault);
      return response(problem.status, errorBody(problem.error));
    }
    // Idempotency (POST only, as Stripe): the first answer for a key is replayed for the same parameters.
    let entry: Idempotent | undefined;
    if (key !== null && method === 'POST') {
      const fingerprint = formFingerprint(method, path.split('?')[0]!, canonical);
      entry = keys.get(key);
      if (entry && entry.fingerprint !== fingerprint) {
        log(400, false, fault);
        return response(
          400,
          errorBody({
            type: 'idempotency_error',
            message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
          }),
          { 'idempotency-key': key },
        );
      }
      if (entry && entry.answer === null) {
        log(409, false, fault);
        return response(
          409,
          errorBody({
            type: 'invalid_request_error',
            code: 'idempotency_key_in_use',
            message: 'There is currently another in-progress request using this Stripe-Idempotency-Key. Please try again later.',
          }),
          { 'idempotency-key': key },
        );
      }
      if (entry?.answer) {
        log(entry.answer.status, true, fault);
        if (fault?.kind === 'hang') {
          await hang();
          return { kind: 'drop' };
        }
        if (fault?.kind === 'drop') return { kind: 'drop' };
        return response(entry.answer.status, entry.answer.body, { 'idempotency-key': key, 'idempotent-replayed': 'true' });
      }
      entry = { fingerprint, answer: null };
      keys.set(key, entry);
    }

    // A slow request: its key is in use meanwhile (a second request with it gets 409).
    if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));
    let status: number;
    let body: string;
    let saved = true;
    try {
      const result = route(method, path, params, uploads);
      status = result.status;
      body = JSON.stringify(result.body);
    } catch (error) {
      if (!(error instanceof StripeHttpError)) throw error;
      status = error.status;
      body = errorBody(error.error);
      saved = error.saved;
    }
    if (fault?.kind === 'server_error') {
      // A 500 after the request ran: Stripe saves it under the key and replays it.
      status = 500;
      body = errorBody({ type: 'api_error', message: 'An unknown error occurred' });
      saved = true;
    }
    if (entry) {
      if (saved) entry.answer = { status, body };
      else keys.delete(key!);
    }
    if (fault?.kind === 'hang' || fault?.kind === 'drop') {
      log(null, false, fault);
      if (fault.kind === 'hang') await hang();
      return { kind: 'drop' };
    }
    log(status, false, fault);
    return response(status, body, key === null ? {} : { 'idempotency-key': key });
  }

  /**
   * A request body decoded: a form body's parameters, or a `multipart/form-data` body's text fields (the file
   * parts in `uploads`, described in `params` as `{ filename, type, size }`). `canonical` is what idempotency
   * compares: the form body, or for multipart the fields and each file's name, type, size and a digest of its
   * bytes (the boundary differs on every call). A malformed multipart body is a `problem` (400).
   */
  function readBody(body: string | Uint8Array, contentType: string | undefined) {
    const boundary = multipartBoundary(contentType);
    const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
    const none = { uploads: [] as readonly MultipartFile[], text, problem: null as StripeHttpError | null };
    if (boundary === null) return { ...none, params: parseStripeForm(text), canonical: text };
    try {
      const parsed = parseMultipart(typeof body === 'string' ? new TextEncoder().encode(body) : body, boundary);
      const params = formFromEntries(parsed.fields);
      for (const file of parsed.files) params[file.name] = { filename: file.filename ?? '', type: file.type ?? '', size: String(file.data.length) };
      const digest = (data: Uint8Array) => data.reduce((h, b) => Math.imul(h ^ b, 0x01000193) >>> 0, 0x811c9dc5).toString(16);
      const described = parsed.files.map((f) => [f.name, `${f.filename ?? ''};${f.type ?? ''};${f.data.length};${digest(f.data)}`]);
      return { ...none, params, uploads: parsed.files, canonical: new URLSearchParams([...parsed.fields.map(([k, v]) => [k, v]), ...described]).toString() };
    } catch (error) {
      if (!(error instanceof StripeHttpError)) throw error;
      return { ...none, params: {} as FormObject, canonical: text, problem: error };
    }
  }

  const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const page = (status: number, title: string, body: string): StripeFakeAnswer => ({
    kind: 'response',
    status,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(title)}</title></head><body><main><h1>${escape(title)}</h1>${body}</main></body></html>`,
  });

  /**
   * The fake's 3-D Secure page: `GET /fake-3ds/{pi}?client_secret=...` shows the payment and, while it waits for
   * the student, a "Complete authentication" and a "Fail authentication" button; each `POST`s back
   * (`client_secret`, `result=succeed|fail`) and runs {@link StripeFake.authenticate}. A wrong client secret → 404.
   */
  function threeDSecure(method: string, path: string, body: string): StripeFakeAnswer {
    const [bare, query = ''] = path.split('?');
    const id = decodeURIComponent(bare!.slice('/fake-3ds/'.length));
    const form = method === 'POST' ? new URLSearchParams(body) : new URLSearchParams(query);
    const pi = paymentIntents.get(id);
    if (!pi || form.get('client_secret') !== pi.client_secret) return page(404, 'No such payment', '<p>This authentication link is not valid.</p>');
    const amount = `${pi.currency.toUpperCase()} ${(pi.amount / 100).toFixed(2)}`;
    if (method === 'POST') {
      const result = form.get('result');
      if (result !== 'succeed' && result !== 'fail') return page(400, 'Authentication', '<p>Choose to complete or to fail the authentication.</p>');
      try {
        authenticate(pi.id, result);
      } catch (error) {
        if (!(error instanceof StripeHttpError)) throw error;
        return page(400, 'Authentication', `<p>${escape(String(error.error.message))}</p>`);
      }
      const done = pi.status === 'succeeded' ? 'Payment succeeded' : pi.status === 'processing' ? 'Payment processing' : 'Payment failed';
      return page(200, done, `<p data-status="${escape(pi.status)}">${escape(amount)}: ${escape(pi.status)}.</p>`);
    }
    if (pi.status !== 'requires_confirmation' && pi.status !== 'requires_action') {
      return page(200, 'Authentication', `<p data-status="${escape(pi.status)}">${escape(amount)}: ${escape(pi.status)}. Nothing to authenticate.</p>`);
    }
    const button = (result: string, label: string) =>
      `<form method="post" action="/fake-3ds/${encodeURIComponent(pi.id)}"><input type="hidden" name="client_secret" value="${escape(pi.client_secret)}"><input type="hidden" name="result" value="${result}"><button type="submit">${label}</button></form>`;
    return page(
      200,
      'Authenticate your payment',
      `<p data-status="${escape(pi.status)}">A test bank asks you to confirm a payment of ${escape(amount)} (fake 3-D Secure).</p>${button('succeed', 'Complete authentication')}${button('fail', 'Fail authentication')}`,
    );
  }

  async function signature(payload: string, secret: string, timestamp: number): Promise<string> {
    const encoder = new TextEncoder();
    const cryptoKey = await globalThis.crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    const mac = new Uint8Array(await globalThis.crypto.subtle.sign('HMAC', cryptoKey, encoder.encode(`${timestamp}.${payload}`)));
    return [...mac].map((b) => b.toString(16).padStart(2, '0')).join('');
  }

  const fake: StripeFake = {
    apiKey,
    dispatch,
    async fetch(input, init) {
      const request = new Request(input, init);
      const headers: Record<string, string> = {};
      request.headers.forEach((value, name) => {
        headers[name] = value;
      });
      const url = new URL(request.url);
      headers.host ??= url.host;
      // A file upload is read as bytes: its files may be binary.
      const body = multipartBoundary(headers['content-type']) === null ? await request.text() : new Uint8Array(await request.arrayBuffer());
      const answer = dispatch({ method: request.method, path: url.pathname + url.search, headers, body });
      const signal = init?.signal ?? request.signal;
      const settled = await new Promise<StripeFakeAnswer>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason ?? new DOMException('The operation was aborted.', 'AbortError'));
        const onAbort = () => reject(signal?.reason ?? new DOMException('The operation was aborted.', 'AbortError'));
        signal?.addEventListener('abort', onAbort, { once: true });
        answer.then(resolve, reject).finally(() => signal?.removeEventListener('abort', onAbort));
      });
      if (settled.kind === 'drop') throw Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) });
      return new Response(settled.body, { status: settled.status, headers: settled.headers });
    },
    addCustomer(input = {}) {
      const id = input.id ?? newId('cus');
      customers.set(id, { id, email: input.email ?? null });
      return id;
    },
    addPaymentMethod(customer, behaviour = 'succeed', expires = { month: 12, year: 2099 }) {
      if (!customers.has(customer)) throw new Error(`fake Stripe: no customer ${customer}`);
      const id = newId('pm');
      cards.set(id, { id, customer, behaviour, exp_month: expires.month, exp_year: expires.year });
      return id;
    },
    setBehaviour(paymentMethod, behaviour) {
      const card = cards.get(paymentMethod);
      if (!card) throw new Error(`fake Stripe: no payment method ${paymentMethod}`);
      card.behaviour = behaviour;
    },
    addConnectedAccount(id) {
      const account = id ?? newId('acct');
      accounts.add(account);
      return account;
    },
    setTransfersCapability(account, status) {
      if (!accounts.has(account)) throw new Error(`fake Stripe: no connected account ${account}`);
      if (status === 'inactive') cannotReceiveTransfers.add(account);
      else cannotReceiveTransfers.delete(account);
    },
    setAvailableBalance(minor) {
      if (minor !== null && (!Number.isSafeInteger(minor) || minor < 0)) throw new Error('fake Stripe: the available balance must be a whole number ≥ 0 or null');
      availableBalance = minor;
    },
    failNext(fault, opts = {}) {
      faults.push({ fault, method: (opts.method ?? 'POST').toUpperCase(), path: opts.path ?? '/v1/payment_intents', remaining: opts.times ?? 1 });
    },
    clearFaults() {
      faults = [];
    },
    finishProcessing(paymentIntentId, outcome) {
      const pi = paymentIntents.get(paymentIntentId);
      if (!pi || pi.status !== 'processing') throw new Error(`fake Stripe: ${paymentIntentId} is not processing`);
      if (outcome === 'succeeded') succeed(pi);
      else {
        const charge = pi.latest_charge ? charges.get(pi.latest_charge) : undefined;
        pi.status = 'requires_payment_method';
        pi.last_payment_error = { type: 'card_error', code: 'card_declined', decline_code: outcome.decline, message: 'Your card was declined.' };
        if (charge) {
          charge.status = 'failed';
          emit('charge.failed', charge);
        }
        emit('payment_intent.payment_failed', pi);
      }
      return pi;
    },
    setRefundBehaviour(behaviour) {
      refundBehaviour = behaviour;
    },
    finishRefund(refundId, outcome) {
      const refund = refunds.find((r) => r.id === refundId);
      const ends = outcome === 'succeeded' ? refund?.status === 'pending' : refund?.status === 'pending' || (refund?.status === 'succeeded' && outcome !== 'canceled');
      if (!refund || !ends) throw new Error(`fake Stripe: ${refundId} cannot end as ${JSON.stringify(outcome)} (${String(refund?.status)})`);
      if (outcome === 'succeeded') refund.status = 'succeeded';
      else {
        refund.status = outcome === 'canceled' ? 'canceled' : 'failed';
        refund.failure_reason = outcome === 'canceled' ? null : outcome.failure;
        const charge = charges.get(refund.charge)!;
        charge.amount_refunded -= refund.amount;
        charge.refunded = charge.amount_refunded === charge.amount;
      }
      emit('refund.updated', refund);
      emit('charge.refund.updated', refund);
      if (refund.status === 'failed') emit('refund.failed', refund);
      return refund;
    },
    completeSetup(setupIntentId, behaviour = 'succeed') {
      const si = setupIntents.get(setupIntentId);
      if (!si || si.status !== 'requires_payment_method') throw new Error(`fake Stripe: ${setupIntentId} cannot be completed`);
      const pm = fake.addPaymentMethod(si.customer, behaviour);
      si.status = 'succeeded';
      si.payment_method = pm;
      emit('setup_intent.succeeded', si);
      return pm;
    },
    authenticate(paymentIntentId, outcome) {
      try {
        return authenticate(paymentIntentId, outcome);
      } catch (error) {
        if (error instanceof StripeHttpError) throw new Error(`fake Stripe: ${String(error.error.message)}`);
        throw error;
      }
    },
    authenticationPath(paymentIntentId) {
      const pi = paymentIntents.get(paymentIntentId);
      if (!pi) throw new Error(`fake Stripe: no PaymentIntent ${paymentIntentId}`);
      return authenticationPath(pi);
    },
    openDispute: (paymentIntentOrCharge, opts) => disputes.open(paymentIntentOrCharge, opts),
    closeDispute: (disputeId, outcome) => disputes.close(disputeId, outcome),
    addFile: (purpose = 'dispute_evidence', upload) => addFile(purpose, upload),
    get files() {
      return files.all;
    },
    fileContents(fileId) {
      try {
        return files.contents(fileId);
      } catch {
        throw new Error(`fake Stripe: no file ${fileId}`);
      }
    },
    get disputes() {
      return disputes.all;
    },
    get requests() {
      return requests;
    },
    get paymentIntents() {
      return [...paymentIntents.values()];
    },
    get charges() {
      return [...charges.values()];
    },
    get refunds() {
      return refunds;
    },
    get transfers() {
      return [...transfers.values()];
    },
    get transferReversals() {
      return reversals;
    },
    get events() {
      return events;
    },
    async webhookRequest(event, opts) {
      const payload = JSON.stringify(event, null, 2);
      const timestamp = opts.timestamp ?? now();
      const v1 = await signature(payload, opts.secret, timestamp);
      return new Request(opts.url ?? 'http://localhost/api/webhooks/stripe', {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': `t=${timestamp},v1=${v1}` },
        body: payload,
      });
    },
    releaseHangs() {
      for (const release of hangs) release();
      hangs.clear();
    },
  };
  return fake;
}
