import {
  CHARGEBACK_STATUSES,
  refundIdempotencyKey,
  withDeadline,
  type ChargebackReport,
  type ChargebackStatus,
  type ChargeResult,
  type RefundResult,
} from '@itutor/sessions-core/adapter';
import { type Clock } from '@itutor/sessions-core';
import { json, problem, readBodyBytes, type SessionsRoutePlugin } from '@itutor/sessions-core/http';
import { z } from 'zod';
import { classifyStripeCharge, classifyStripeRefund } from './classify';
import type { StripeClientLike, StripeEventLike, StripeRefundLike, StripeTransferReversalLike } from './client';
import type { StripeEventStore } from './events';
import { STRIPE_METADATA_KEYS, STRIPE_REFUND_METADATA_KEY, STRIPE_REVERSED_TRANSFER_METADATA_KEY } from './gateway';

/** A charge answer reported by Stripe's webhook, for one ledger attempt. */
export interface WebhookChargeAnswer {
  readonly sessionId: string;
  readonly attempt: number;
  /** `succeeded` / `failed` (`payment_intent.payment_failed`) / `unknown` (`processing`). */
  readonly result: ChargeResult;
  /** The Stripe event (`evt_...`), for the host's logs. */
  readonly eventId: string;
}

/** A refund reported by Stripe's `charge.refunded` webhook, for one ledger attempt's charge. */
export interface WebhookRefund {
  readonly sessionId: string;
  readonly attempt: number;
  /** The PaymentIntent (`pi_...`), the ledger's gateway reference. */
  readonly paymentIntentId: string;
  /** The charge (`ch_...`). */
  readonly chargeId: string;
  readonly amountMinor: number;
  /** Everything refunded on the charge so far (Stripe's `amount_refunded`), not just this refund. */
  readonly amountRefundedMinor: number;
  readonly fullyRefunded: boolean;
  readonly eventId: string;
}

/**
 * Stripe's answer for one refund made by `stripeGateway.refund` (the Refund's metadata names the session,
 * the attempt and the refund's key, from which its number comes), reported by `charge.refunded`,
 * `refund.created`, `refund.updated`, `refund.failed` or `charge.refund.updated`.
 */
export interface WebhookRefundAnswer {
  readonly sessionId: string;
  /** The refund's number in the core's refund ledger (`Refund.refund`: 1, 2, ...). */
  readonly refundNumber: number;
  /** The refunded charge attempt. */
  readonly attempt: number;
  /**
   * Classified like the gateway's own answers (`classifyStripeRefund`): Refund `succeeded` → `succeeded`;
   * `failed` / `canceled` → `failed` with Stripe's `failure_reason` (or `canceled`); `pending` /
   * `requires_action` → `pending` (accepted, not final: it changes nothing for a refund already accepted).
   */
  readonly result: RefundResult;
  /** The Refund (`re_...`). */
  readonly refundId: string;
  readonly eventId: string;
}

/**
 * A refund of a charge of this SDK that `stripeGateway` did not make (no refund metadata of this SDK): made
 * in the Stripe dashboard or by other code. The core's refund ledger does not know it.
 */
export interface WebhookForeignRefund {
  /** The Refund (`re_...`). Key your records by it: one refund may be reported by several events. */
  readonly refundId: string;
  /** The charged session and attempt (from the charge's or its PaymentIntent's metadata). */
  readonly sessionId: string;
  readonly attempt: number;
  readonly chargeId: string;
  readonly paymentIntentId: string;
  readonly amountMinor: number;
  /** Stripe's status of the Refund (`succeeded`, `pending`, `failed`, ...). */
  readonly status: string | null;
  readonly eventId: string;
}

/**
 * A chargeback Stripe reported (`charge.dispute.created`, `.updated`, `.closed`, `.funds_withdrawn`,
 * `.funds_reinstated`) on a charge of this SDK: the dispute as the event shows it, for `core.chargebacks.record`.
 */
export interface WebhookChargeback {
  /**
   * The core's report: the session and attempt from the disputed PaymentIntent's metadata, the dispute's id
   * (`dp_...`) as `reference`, its status, reason, amount, currency (upper case), the evidence deadline
   * (`evidence_details.due_by`), and from its balance transactions the dispute fee (the sum of their fees, never
   * below 0) and the funds withdrawn (the negative amounts, as a positive sum) and reinstated (the positive ones).
   * `reportedAt` is the event's `created`: the core keeps the newest report, so deliveries out of order are safe.
   */
  readonly report: ChargebackReport;
  /** The Stripe event (`evt_...`), for the host's logs. */
  readonly eventId: string;
}

/** A card saved through `createCardSetup` (`setup_intent.succeeded`): store it as the student's payment method. */
export interface WebhookCardSaved {
  readonly studentId: string;
  readonly customer: string;
  readonly paymentMethod: string;
  readonly setupIntentId: string;
  readonly eventId: string;
}

/**
 * Where the webhook handler records what Stripe reports. Each method must be idempotent and must
 * resolve — not throw — for an answer that no longer applies (an attempt already answered or
 * superseded): a throw answers 500 and Stripe delivers the event again, for days.
 */
export interface StripeWebhookRecorder {
  /** `payment_intent.succeeded` / `.payment_failed` / `.processing` of a charge made by `stripeGateway`. */
  recordChargeAnswer(answer: WebhookChargeAnswer): Promise<void>;
  /** `charge.refunded`, the charge's refunded total. Without it (and without `recordRefundAnswer`), the event is ignored. */
  recordRefund?(refund: WebhookRefund): Promise<void>;
  /**
   * The answer for one refund made by `stripeGateway.refund`: from each refund of the charge in
   * `charge.refunded`, and from `refund.created` / `refund.updated` / `refund.failed` /
   * `charge.refund.updated`. `coreRefundRecorder(core)` passes it to `core.refunds.recordAnswer`. Called once
   * per refund of the charge for `charge.refunded` (earlier refunds included), so it must be idempotent.
   * Without it, refund events are acknowledged and ignored.
   */
  recordRefundAnswer?(answer: WebhookRefundAnswer): Promise<void>;
  /** `setup_intent.succeeded` of a SetupIntent made by `createCardSetup`. Without it, ignored. */
  recordCardSaved?(card: WebhookCardSaved): Promise<void>;
  /**
   * `charge.dispute.*` on a charge of this SDK: `coreChargebackRecorder(core)` passes the report to
   * `core.chargebacks.record`. Each delivery is handed over once (duplicates are the route's to drop), in the
   * order Stripe delivers them, which need not be the order they happened in. Without it, dispute events are
   * acknowledged and ignored.
   */
  recordChargeback?(chargeback: WebhookChargeback): Promise<void>;
}

/** Options of {@link stripeWebhookRoutes}. */
export interface StripeWebhookOptions {
  /** The route's path under the mount's base path. Default `/webhooks/stripe` (`POST /api/webhooks/stripe`). */
  readonly path?: string;
  readonly stripe: StripeClientLike;
  /** The endpoint's signing secret (`whsec_...`); several while rolling it (any one may match). */
  readonly webhookSecret: string | readonly string[];
  readonly events: StripeEventStore;
  readonly recorder: StripeWebhookRecorder;
  /** Oldest signature timestamp accepted, in seconds. Default 300 (the client's default). */
  readonly toleranceSeconds?: number;
  /** Largest body accepted, in bytes. Default 1 MiB. */
  readonly maxBodyBytes?: number;
  /** "Now" for the timestamp check. Default: the system clock. */
  readonly clock?: Clock;
  /**
   * Time limit in ms of each Stripe read the handler makes (`refunds.list` for `charge.refunded`,
   * `paymentIntents.retrieve` for a charge without metadata and for a dispute's PaymentIntent, `charges.retrieve`
   * for a dispute naming only its charge, `transfers.listReversals` for a refund that reverses the tutor's
   * transfer). Past it the event is answered 500 and Stripe
   * delivers it again. Default 5 000.
   */
  readonly requestTimeoutMs?: number;
  /**
   * Told (awaited, after the refund answers are recorded) about each refund of a charge of this SDK that
   * `stripeGateway` did not make — a refund from the Stripe dashboard — listed by `charge.refunded`: the
   * core's ledger does not know it, so finance should. A throw answers 500 (Stripe delivers the event again,
   * and the hook is told again). Refunds of charges that are not this SDK's are not reported.
   */
  readonly onForeignRefund?: (refund: WebhookForeignRefund) => void | Promise<void>;
  /** Told about a recorder failure (answered 500, so Stripe retries). */
  readonly onError?: (error: unknown, event: { readonly id: string; readonly type: string }) => void;
}

/** The event types the handler acts on; every other type is acknowledged (200) and ignored. */
export const STRIPE_WEBHOOK_EVENTS = [
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'payment_intent.processing',
  'charge.refunded',
  'refund.created',
  'refund.updated',
  'refund.failed',
  'charge.refund.updated',
  'setup_intent.succeeded',
  'charge.dispute.created',
  'charge.dispute.updated',
  'charge.dispute.closed',
  'charge.dispute.funds_withdrawn',
  'charge.dispute.funds_reinstated',
] as const;

/** The refund event types whose object is a Refund (`charge.refunded`'s is the Charge). */
const REFUND_OBJECT_EVENTS: readonly string[] = ['refund.created', 'refund.updated', 'refund.failed', 'charge.refund.updated'];

/** Metadata key naming the student on SetupIntents made by `createCardSetup`. */
export const STRIPE_STUDENT_METADATA_KEY = 'itutor_student_id';

const metadata = z.record(z.string(), z.string()).nullish();
const idOf = z.union([z.string(), z.object({ id: z.string() }).loose()]).nullish();
const paymentIntentSchema = z
  .object({
    id: z.string().min(1),
    status: z.string(),
    metadata,
    last_payment_error: z.object({ code: z.string().nullish(), decline_code: z.string().nullish() }).loose().nullish(),
  })
  .loose();
const chargeSchema = z
  .object({
    id: z.string().min(1),
    amount: z.number().int(),
    amount_refunded: z.number().int(),
    refunded: z.boolean(),
    payment_intent: idOf,
    metadata,
  })
  .loose();
const refundSchema = z
  .object({
    id: z.string().min(1),
    amount: z.number().int(),
    status: z.string().nullable(),
    failure_reason: z.string().nullish(),
    metadata,
    charge: idOf,
    payment_intent: idOf,
  })
  .loose();
/** The refunds Stripe embeds in a Charge (API versions before 2022-11-15 only). */
const embeddedRefunds = z.object({ data: z.array(refundSchema), has_more: z.boolean() }).loose().nullish();
const disputeSchema = z
  .object({
    id: z.string().min(1),
    amount: z.number().int().nonnegative(),
    currency: z.string().regex(/^[A-Za-z]{3}$/),
    status: z.string(),
    reason: z.string().nullish(),
    charge: idOf,
    payment_intent: idOf,
    evidence_details: z.object({ due_by: z.number().int().nullish() }).loose().nullish(),
    balance_transactions: z.array(z.object({ amount: z.number().int(), fee: z.number().int().nullish() }).loose()).nullish(),
  })
  .loose();
const setupIntentSchema = z.object({ id: z.string().min(1), customer: idOf, payment_method: idOf, metadata }).loose();

const idString = (value: z.infer<typeof idOf>): string | null => (typeof value === 'string' ? value : (value?.id ?? null));

/** The session and attempt a charge's metadata names, or `null` when it is not a charge of this SDK. */
function attemptOf(meta: Readonly<Record<string, string>> | null | undefined): { sessionId: string; attempt: number } | null {
  const sessionId = meta?.[STRIPE_METADATA_KEYS.sessionId];
  const attempt = meta?.[STRIPE_METADATA_KEYS.attempt];
  if (!sessionId || !attempt || !/^[1-9]\d{0,8}$/.test(attempt)) return null;
  return { sessionId, attempt: Number(attempt) };
}

/**
 * The session, attempt and refund number a Refund's metadata names (set by `stripeGateway.refund`), or
 * `null` when it is not a refund of this SDK. The number is read from the refund's key, which must be
 * exactly `refundIdempotencyKey(session, attempt, number)`.
 */
function refundOf(meta: Readonly<Record<string, string>> | null | undefined): { sessionId: string; attempt: number; refundNumber: number } | null {
  const attempt = attemptOf(meta);
  const key = meta?.[STRIPE_REFUND_METADATA_KEY];
  const number = key === undefined ? undefined : /-([1-9]\d{0,8})$/.exec(key)?.[1];
  if (!attempt || !key || number === undefined) return null;
  const refundNumber = Number(number);
  return refundIdempotencyKey(attempt.sessionId, attempt.attempt, refundNumber) === key ? { ...attempt, refundNumber } : null;
}

const ignored = (reason: string) => json({ received: true, ignored: reason });

/**
 * The Stripe webhook route, `POST /api/webhooks/stripe`, as a route plug-in of the core's one mount
 * (`createSessionsHandler({ ..., routes: [stripeWebhookRoutes({ ... })] })` from
 * `@itutor/sessions-core/http`). It authenticates itself (the mount hands it the request untouched, never
 * calls the host's authenticator) and:
 *
 * 1. verifies `Stripe-Signature` over the raw body with the client's own check
 *    (`stripe.webhooks.constructEventAsync`, `toleranceSeconds`): a missing, wrong or stale signature → 400,
 *    nothing recorded;
 * 2. acknowledges every event type it does not act on (200, ignored), and PaymentIntents / charges
 *    without this SDK's metadata;
 * 3. deduplicates by event id through the `StripeEventStore` (a duplicate → 200, nothing recorded);
 * 4. hands the event to the {@link StripeWebhookRecorder}; if that throws, forgets the event id again and
 *    answers 500, so Stripe delivers it again.
 *
 * Refunds: for `charge.refunded` it reads the charge's refunds (embedded in the Charge by API versions
 * before 2022-11-15, else `stripe.refunds.list({ charge, limit: 100 })` under `requestTimeoutMs`; a failed
 * or slow read answers 500 before the event id is remembered) and hands each refund made by
 * `stripeGateway.refund` to `recordRefundAnswer` ({@link WebhookRefundAnswer}); refunds made elsewhere (the
 * Stripe dashboard) go to `onForeignRefund`. `refund.created`, `refund.updated`, `refund.failed` and
 * `charge.refund.updated` carry one Refund, handed to `recordRefundAnswer` when it is this SDK's.
 *
 * Chargebacks: `charge.dispute.created`, `.updated`, `.closed`, `.funds_withdrawn` and `.funds_reinstated` are
 * read for the disputed PaymentIntent's metadata (`paymentIntents.retrieve` under `requestTimeoutMs`, or
 * `charges.retrieve` when the dispute names only its charge; a failed read answers 500 before the event id is
 * remembered) and handed to `recordChargeback` as a {@link WebhookChargeback}; disputes of other charges are
 * acknowledged and ignored. A refund that
 * takes the tutor's part back from a transfer of its own (`after_review`, metadata
 * `STRIPE_REVERSED_TRANSFER_METADATA_KEY`) is handed over as accepted only once that transfer has its
 * reversal (`transfers.listReversals`): until then the gateway's retry finishes it.
 *
 * Errors are `application/problem+json` like the core's routes (400 `INVALID_INPUT`, 413, 500; the mount
 * answers 405 for other methods than POST).
 *
 * ```ts
 * const handle = createSessionsHandler({
 *   core, authenticate, getBooking, cronSecret,
 *   routes: [
 *     stripeWebhookRoutes({
 *       stripe, webhookSecret: process.env.STRIPE_WEBHOOK_SECRET!, events: stripeEvents,
 *       recorder: {
        recordChargeAnswer: coreChargeRecorder(core),
        recordRefundAnswer: coreRefundRecorder(core),
        recordChargeback: coreChargebackRecorder(core),
      },
 *     }),
 *   ],
 * });
 * ```
 */
export function stripeWebhookRoutes(options: StripeWebhookOptions): SessionsRoutePlugin {
  const handle = stripeWebhookHandler(options);
  return { id: 'stripe-webhook', routes: [{ methods: ['POST'], path: options.path ?? '/webhooks/stripe', auth: 'none', handle }] };
}

/** What every delivery shares: the options, their defaults applied. */
interface WebhookContext {
  readonly options: StripeWebhookOptions;
  readonly secrets: readonly string[];
  readonly tolerance: number;
  readonly maxBodyBytes: number;
  readonly stripe: StripeClientLike;
  readonly events: StripeEventStore;
  readonly recorder: StripeWebhookRecorder;
  readonly readTimeout: number;
  readonly readOptions: { readonly maxNetworkRetries: number; readonly timeout: number };
}

/** What to record for a verified event, or why it is ignored. */
type Recording = { run: () => Promise<void> } | { ignore: string };

/** Checks the options (throws `TypeError`) and applies their defaults. */
function webhookContext(options: StripeWebhookOptions): WebhookContext {
  const secrets = typeof options.webhookSecret === 'string' ? [options.webhookSecret] : [...options.webhookSecret];
  if (secrets.length === 0 || secrets.some((s) => typeof s !== 'string' || s.trim() === '')) {
    throw new TypeError('webhookSecret must be the endpoint signing secret (whsec_...)');
  }
  const tolerance = options.toleranceSeconds ?? 300;
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const { stripe, events, recorder } = options;
  const readTimeout = options.requestTimeoutMs ?? 5_000;
  if (!Number.isSafeInteger(readTimeout) || readTimeout < 1) throw new TypeError('requestTimeoutMs must be a whole number ≥ 1');
  // One retry by the client (same request, a read), within the handler's own time limit.
  const readOptions = { maxNetworkRetries: 1, timeout: readTimeout };
  return { options, secrets, tolerance, maxBodyBytes, stripe, events, recorder, readTimeout, readOptions };
}

/** One Stripe read under the handler's time limit. */
function read<T>(ctx: WebhookContext, promise: Promise<T>, what: string): Promise<T> {
  // A read that passes the limit rejects (`TimeoutError`), like a failed one.
  return withDeadline(() => promise, { timeoutMs: ctx.readTimeout, what: `Stripe ${what}` });
}

/** The answer a Refund of this SDK carries, or `null` for a refund `stripeGateway` did not make. */
function answerFor(refund: StripeRefundLike, eventId: string): WebhookRefundAnswer | null {
  const ours = refundOf(refund.metadata);
  if (!ours) return null;
  const classified = classifyStripeRefund({ refund });
  if (classified.kind !== 'answer') return null;
  return { ...ours, result: classified.result, refundId: refund.id, eventId };
}

/**
 * True when `refund` takes the tutor's part back from a transfer of its own (`after_review`: its metadata
 * names the transfer) and Stripe reports it accepted, but the transfer has no reversal for it yet
 * (`transfers.listReversals`, the reversal's metadata naming the refund's key). The gateway makes the
 * reversal right after the refund; until it exists the refund is not reported, so a refund whose reversal's
 * answer was lost stays open in the core and is sent again (both under their keys) rather than closed by
 * this event with the tutor's part never taken back. A failed refund is always reported. Throws when Stripe
 * cannot be read (the event is answered 500 and delivered again).
 */
async function reversalMissing(ctx: WebhookContext, refund: StripeRefundLike, answer: WebhookRefundAnswer): Promise<boolean> {
  const transfer = refund.metadata?.[STRIPE_REVERSED_TRANSFER_METADATA_KEY];
  if (!transfer || (answer.result.status !== 'succeeded' && answer.result.status !== 'pending')) return false;
  const key = refund.metadata?.[STRIPE_REFUND_METADATA_KEY];
  let after: string | undefined;
  for (let page = 0; page < 100; page++) {
    const params: Record<string, unknown> = { limit: 100, ...(after ? { starting_after: after } : {}) };
    const listed = await read(ctx, ctx.stripe.transfers.listReversals(transfer, params, ctx.readOptions), 'transfers.listReversals');
    if (listed.data.some((r: StripeTransferReversalLike) => r.metadata?.[STRIPE_REFUND_METADATA_KEY] === key)) return false;
    if (!listed.has_more || listed.data.length === 0) return true;
    after = listed.data.at(-1)!.id;
  }
  return true;
}

/**
 * A charge's refunds: those embedded in the Charge (API versions before 2022-11-15), else read with
 * `refunds.list({ charge, limit: 100 })`, page after page, each read under the time limit. Throws when
 * Stripe cannot be read (the event is answered 500 and delivered again).
 */
async function refundsOf(ctx: WebhookContext, chargeId: string, embedded: unknown): Promise<StripeRefundLike[]> {
  const inline = embeddedRefunds.safeParse(embedded);
  if (inline.success && inline.data && !inline.data.has_more) return inline.data.data;
  const all: StripeRefundLike[] = [];
  for (let page = 0; page < 100; page++) {
    const params: Record<string, unknown> = { charge: chargeId, limit: 100, ...(all.length > 0 ? { starting_after: all.at(-1)!.id } : {}) };
    const listed = await read(ctx, ctx.stripe.refunds.list(params, ctx.readOptions), 'refunds.list');
    all.push(...listed.data);
    if (!listed.has_more || listed.data.length === 0) return all;
  }
  return all;
}

/** The event, if the signature holds for any of the secrets; `null` otherwise. */
async function verify(ctx: WebhookContext, body: Uint8Array, header: string): Promise<StripeEventLike | null> {
  for (const secret of ctx.secrets) {
    try {
      return await ctx.stripe.webhooks.constructEventAsync(body, header, secret, ctx.tolerance, undefined, ctx.options.clock?.now().getTime());
    } catch {
      // Try the next secret; none matching is a bad signature.
    }
  }
  return null;
}

/** `payment_intent.*`: the charge answer of a ledger attempt. */
function paymentIntentRecording(ctx: WebhookContext, event: StripeEventLike): Recording {
  const pi = paymentIntentSchema.safeParse(event.data.object);
  if (!pi.success) return { ignore: 'not a PaymentIntent' };
  const attempt = attemptOf(pi.data.metadata);
  if (!attempt) return { ignore: 'not a charge of this SDK' };
  const classified = classifyStripeCharge({ paymentIntent: pi.data });
  if (classified.kind !== 'answer') return { ignore: 'unclassifiable' };
  const expected = { 'payment_intent.succeeded': 'succeeded', 'payment_intent.payment_failed': 'failed', 'payment_intent.processing': 'unknown' }[
    event.type
  ];
  // The snapshot's status and the event type agree for Stripe's events; if not, record nothing.
  if (classified.result.status !== expected) return { ignore: `status ${pi.data.status} does not match ${event.type}` };
  const answer: WebhookChargeAnswer = { ...attempt, result: classified.result, eventId: event.id };
  const { recorder } = ctx;
  return { run: () => recorder.recordChargeAnswer(answer) };
}

/** `charge.refunded`: the charge's refunded total, the answers of its refunds of this SDK, and the foreign ones. */
async function chargeRefundedRecording(ctx: WebhookContext, event: StripeEventLike): Promise<Recording> {
  const { recorder } = ctx;
  const recordTotal = recorder.recordRefund?.bind(recorder);
  const recordAnswer = recorder.recordRefundAnswer?.bind(recorder);
  const onForeign = ctx.options.onForeignRefund;
  if (!recordTotal && !recordAnswer) return { ignore: 'refunds are not recorded' };
  const charge = chargeSchema.safeParse(event.data.object);
  if (!charge.success) return { ignore: 'not a charge' };
  const paymentIntentId = idString(charge.data.payment_intent);
  if (!paymentIntentId) return { ignore: 'not a charge of this SDK' };
  // Charges usually carry their PaymentIntent's metadata; when not, ask Stripe (a failure → 500, retried).
  const attempt = attemptOf(charge.data.metadata) ?? attemptOf((await read(ctx, ctx.stripe.paymentIntents.retrieve(paymentIntentId, undefined, ctx.readOptions), 'paymentIntents.retrieve')).metadata);
  if (!attempt) return { ignore: 'not a charge of this SDK' };
  const refund: WebhookRefund = {
    ...attempt,
    paymentIntentId,
    chargeId: charge.data.id,
    amountMinor: charge.data.amount,
    amountRefundedMinor: charge.data.amount_refunded,
    fullyRefunded: charge.data.refunded,
    eventId: event.id,
  };
  // Which refunds: read before the event is remembered, so a failed read (→ 500) leaves it unseen.
  const answers: WebhookRefundAnswer[] = [];
  const foreign: WebhookForeignRefund[] = [];
  if (recordAnswer || onForeign) {
    for (const r of await refundsOf(ctx, charge.data.id, charge.data.refunds)) {
      const ours = answerFor(r, event.id);
      if (ours) {
        if (!(await reversalMissing(ctx, r, ours))) answers.push(ours);
      } else foreign.push({ refundId: r.id, ...attempt, chargeId: charge.data.id, paymentIntentId, amountMinor: r.amount, status: r.status, eventId: event.id });
    }
  }
  return {
    run: async () => {
      if (recordTotal) await recordTotal(refund);
      if (recordAnswer) for (const answer of answers) await recordAnswer(answer);
      if (onForeign) for (const f of foreign) await onForeign(f);
    },
  };
}

/** `refund.*` / `charge.refund.updated`: the answer of one refund of this SDK. */
async function refundRecording(ctx: WebhookContext, event: StripeEventLike): Promise<Recording> {
  const recordAnswer = ctx.recorder.recordRefundAnswer?.bind(ctx.recorder);
  if (!recordAnswer) return { ignore: 'refunds are not recorded' };
  const parsed = refundSchema.safeParse(event.data.object);
  if (!parsed.success) return { ignore: 'not a refund' };
  // Refunds this SDK did not make are reported by `charge.refunded` (onForeignRefund), not here.
  const answer = answerFor(parsed.data, event.id);
  if (!answer) return { ignore: 'not a refund of this SDK' };
  if (await reversalMissing(ctx, parsed.data, answer)) return { ignore: 'the refund\'s transfer reversal is not made yet' };
  return { run: () => recordAnswer(answer) };
}

/** `setup_intent.succeeded`: a card saved through `createCardSetup`. */
function setupIntentRecording(ctx: WebhookContext, event: StripeEventLike): Recording {
  const { recorder } = ctx;
  if (!recorder.recordCardSaved) return { ignore: 'saved cards are not recorded' };
  const si = setupIntentSchema.safeParse(event.data.object);
  if (!si.success) return { ignore: 'not a SetupIntent' };
  const studentId = si.data.metadata?.[STRIPE_STUDENT_METADATA_KEY];
  const customer = idString(si.data.customer);
  const paymentMethod = idString(si.data.payment_method);
  if (!studentId || !customer || !paymentMethod) return { ignore: 'not a card setup of this SDK' };
  const card: WebhookCardSaved = { studentId, customer, paymentMethod, setupIntentId: si.data.id, eventId: event.id };
  const record = recorder.recordCardSaved.bind(recorder);
  return { run: () => record(card) };
}

/** The session and attempt of a dispute's charge: from its PaymentIntent's metadata (or its charge's), read under the time limit. */
async function disputedAttempt(ctx: WebhookContext, dispute: z.infer<typeof disputeSchema>): Promise<{ sessionId: string; attempt: number } | null> {
  const paymentIntentId = idString(dispute.payment_intent);
  if (paymentIntentId) {
    const pi = await read(ctx, ctx.stripe.paymentIntents.retrieve(paymentIntentId, undefined, ctx.readOptions), 'paymentIntents.retrieve');
    return attemptOf(pi.metadata);
  }
  const chargeId = idString(dispute.charge);
  if (!chargeId) return null;
  const charge = await read(ctx, ctx.stripe.charges.retrieve(chargeId, undefined, ctx.readOptions), 'charges.retrieve');
  const ofCharge = attemptOf(charge.metadata);
  const chargePaymentIntent = idString(charge.payment_intent);
  if (ofCharge || !chargePaymentIntent) return ofCharge;
  const pi = await read(ctx, ctx.stripe.paymentIntents.retrieve(chargePaymentIntent, undefined, ctx.readOptions), 'paymentIntents.retrieve');
  return attemptOf(pi.metadata);
}

/** The core's report of a dispute (see {@link WebhookChargeback}); `null` for a status the core does not know. */
function chargebackReport(dispute: z.infer<typeof disputeSchema>, attempt: { sessionId: string; attempt: number }, created: number): ChargebackReport | null {
  if (!(CHARGEBACK_STATUSES as readonly string[]).includes(dispute.status)) return null;
  let withdrawn = 0;
  let reinstated = 0;
  let fee = 0;
  for (const t of dispute.balance_transactions ?? []) {
    if (t.amount < 0) withdrawn -= t.amount;
    else reinstated += t.amount;
    fee += t.fee ?? 0;
  }
  const dueBy = dispute.evidence_details?.due_by;
  return {
    ...attempt,
    reference: dispute.id,
    status: dispute.status as ChargebackStatus,
    reason: dispute.reason ?? 'general',
    amountMinor: dispute.amount,
    currency: dispute.currency.toUpperCase(),
    feeMinor: Math.max(0, fee),
    fundsWithdrawnMinor: withdrawn,
    fundsReinstatedMinor: reinstated,
    evidenceDueBy: typeof dueBy === 'number' ? new Date(dueBy * 1000) : null,
    reportedAt: new Date(created * 1000),
  };
}

/** `charge.dispute.*`: the dispute's report, for a charge of this SDK. */
async function disputeRecording(ctx: WebhookContext, event: StripeEventLike): Promise<Recording> {
  const record = ctx.recorder.recordChargeback?.bind(ctx.recorder);
  if (!record) return { ignore: 'chargebacks are not recorded' };
  const dispute = disputeSchema.safeParse(event.data.object);
  if (!dispute.success) return { ignore: 'not a dispute' };
  const created = event.created;
  if (typeof created !== 'number' || !Number.isSafeInteger(created)) return { ignore: 'the event has no time' };
  // Which session and attempt: the PaymentIntent says (a failed read → 500, delivered again).
  const attempt = await disputedAttempt(ctx, dispute.data);
  if (!attempt) return { ignore: 'not a charge of this SDK' };
  const report = chargebackReport(dispute.data, attempt, created);
  if (!report) return { ignore: `dispute status ${dispute.data.status} is not known` };
  const chargeback: WebhookChargeback = { report, eventId: event.id };
  return { run: () => record(chargeback) };
}

/** What to record for a verified event, or why it is ignored. */
async function recordingFor(ctx: WebhookContext, event: StripeEventLike): Promise<Recording> {
  if (event.type.startsWith('payment_intent.')) return paymentIntentRecording(ctx, event);
  if (event.type === 'charge.refunded') return chargeRefundedRecording(ctx, event);
  if (REFUND_OBJECT_EVENTS.includes(event.type)) return refundRecording(ctx, event);
  if (event.type === 'setup_intent.succeeded') return setupIntentRecording(ctx, event);
  if (event.type.startsWith('charge.dispute.')) return disputeRecording(ctx, event);
  return { ignore: 'event type not handled' };
}

/** One delivery: verify, plan, deduplicate, record (see {@link stripeWebhookRoutes}). */
async function handleDelivery(ctx: WebhookContext, request: Request): Promise<Response> {
  const { options, events, maxBodyBytes } = ctx;
  const body = await readBodyBytes(request, maxBodyBytes);
  if (body === null) return problem('PAYLOAD_TOO_LARGE', `Request body must be at most ${maxBodyBytes} bytes`);
  const header = request.headers.get('stripe-signature');
  if (!header) return problem('INVALID_INPUT', 'Missing Stripe-Signature header');
  const event = await verify(ctx, body, header);
  if (event === null) return problem('INVALID_INPUT', 'Invalid Stripe-Signature: wrong signature, unknown secret, or timestamp outside the tolerance');
  if (typeof event.id !== 'string' || typeof event.type !== 'string' || !(STRIPE_WEBHOOK_EVENTS as readonly string[]).includes(event.type)) {
    return ignored('event type not handled');
  }

  let plan: Recording;
  try {
    plan = await recordingFor(ctx, event);
  } catch (error) {
    options.onError?.(error, event);
    return problem('INTERNAL', 'The event could not be handled; Stripe will deliver it again');
  }
  if ('ignore' in plan) return ignored(plan.ignore);

  let first: boolean;
  try {
    first = await events.remember(event.id);
  } catch (error) {
    options.onError?.(error, event);
    return problem('INTERNAL', 'The event store is unavailable; Stripe will deliver the event again');
  }
  if (!first) return json({ received: true, duplicate: true });
  try {
    await plan.run();
  } catch (error) {
    await events.forget(event.id).catch(() => undefined);
    options.onError?.(error, event);
    return problem('INTERNAL', 'The event could not be recorded; Stripe will deliver it again');
  }
  return json({ received: true });
}

/** The route's handler: verifies, deduplicates and records one delivery (see {@link stripeWebhookRoutes}). */
function stripeWebhookHandler(options: StripeWebhookOptions): (request: Request) => Promise<Response> {
  const ctx = webhookContext(options);
  return (request) => handleDelivery(ctx, request);
}
