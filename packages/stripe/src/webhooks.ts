import type { ChargeResult, Clock } from '@itutor/sessions-core';
import { json, problem } from '@itutor/sessions-core/http';
import { z } from 'zod';
import { classifyStripeCharge } from './classify';
import type { StripeClientLike, StripeEventLike } from './client';
import type { StripeEventStore } from './events';
import { STRIPE_METADATA_KEYS } from './gateway';

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
  /** `charge.refunded`. Without it, the event is acknowledged and ignored. */
  recordRefund?(refund: WebhookRefund): Promise<void>;
  /** `setup_intent.succeeded` of a SetupIntent made by `createCardSetup`. Without it, ignored. */
  recordCardSaved?(card: WebhookCardSaved): Promise<void>;
}

/** Options of {@link stripeWebhookHandler}. */
export interface StripeWebhookOptions {
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
  /** Told about a recorder failure (answered 500, so Stripe retries). */
  readonly onError?: (error: unknown, event: { readonly id: string; readonly type: string }) => void;
}

/** The event types the handler acts on; every other type is acknowledged (200) and ignored. */
export const STRIPE_WEBHOOK_EVENTS = [
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'payment_intent.processing',
  'charge.refunded',
  'setup_intent.succeeded',
] as const;

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
const setupIntentSchema = z.object({ id: z.string().min(1), customer: idOf, payment_method: idOf, metadata }).loose();

const idString = (value: z.infer<typeof idOf>): string | null => (typeof value === 'string' ? value : (value?.id ?? null));

/** The session and attempt a charge's metadata names, or `null` when it is not a charge of this SDK. */
function attemptOf(meta: Readonly<Record<string, string>> | null | undefined): { sessionId: string; attempt: number } | null {
  const sessionId = meta?.[STRIPE_METADATA_KEYS.sessionId];
  const attempt = meta?.[STRIPE_METADATA_KEYS.attempt];
  if (!sessionId || !attempt || !/^[1-9]\d{0,8}$/.test(attempt)) return null;
  return { sessionId, attempt: Number(attempt) };
}

/** Reads the body up to `maxBytes`; `null` when it is larger. */
async function readBody(request: Request, maxBytes: number): Promise<Uint8Array | null> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) return null;
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

const ignored = (reason: string) => json({ received: true, ignored: reason });

/**
 * The Web `Request → Response` handler for `POST /api/webhooks/stripe` (mount it on that route; it does no
 * routing of its own). It:
 *
 * 1. verifies `Stripe-Signature` over the raw body with the client's own check
 *    (`stripe.webhooks.constructEventAsync`, `toleranceSeconds`): a missing, wrong or stale signature → 400,
 *    nothing recorded;
 * 2. acknowledges every event type it does not act on (200, ignored), and PaymentIntents / charges
 *    without this SDK's metadata;
 * 3. deduplicates by event id through the {@link StripeEventStore} (a duplicate → 200, nothing recorded);
 * 4. hands the event to the {@link StripeWebhookRecorder}; if that throws, forgets the event id again and
 *    answers 500, so Stripe delivers it again.
 *
 * Errors are `application/problem+json` like the core's routes (400 `INVALID_INPUT`, 405, 413, 500).
 */
export function stripeWebhookHandler(options: StripeWebhookOptions): (request: Request) => Promise<Response> {
  const secrets = typeof options.webhookSecret === 'string' ? [options.webhookSecret] : [...options.webhookSecret];
  if (secrets.length === 0 || secrets.some((s) => typeof s !== 'string' || s.trim() === '')) {
    throw new TypeError('webhookSecret must be the endpoint signing secret (whsec_...)');
  }
  const tolerance = options.toleranceSeconds ?? 300;
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const { stripe, events, recorder } = options;

  async function verify(body: Uint8Array, header: string): Promise<StripeEventLike | null> {
    for (const secret of secrets) {
      try {
        return await stripe.webhooks.constructEventAsync(body, header, secret, tolerance, undefined, options.clock?.now().getTime());
      } catch {
        // Try the next secret; none matching is a bad signature.
      }
    }
    return null;
  }

  /** What to record for a verified event, or why it is ignored. */
  async function recordingFor(event: StripeEventLike): Promise<{ run: () => Promise<void> } | { ignore: string }> {
    if (event.type.startsWith('payment_intent.')) {
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
      return { run: () => recorder.recordChargeAnswer(answer) };
    }
    if (event.type === 'charge.refunded') {
      if (!recorder.recordRefund) return { ignore: 'refunds are not recorded' };
      const charge = chargeSchema.safeParse(event.data.object);
      if (!charge.success) return { ignore: 'not a charge' };
      const paymentIntentId = idString(charge.data.payment_intent);
      if (!paymentIntentId) return { ignore: 'not a charge of this SDK' };
      // Charges usually carry their PaymentIntent's metadata; when not, ask Stripe (a failure → 500, retried).
      const attempt =
        attemptOf(charge.data.metadata) ?? attemptOf((await stripe.paymentIntents.retrieve(paymentIntentId, undefined, { maxNetworkRetries: 1 })).metadata);
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
      const record = recorder.recordRefund.bind(recorder);
      return { run: () => record(refund) };
    }
    if (event.type === 'setup_intent.succeeded') {
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
    return { ignore: 'event type not handled' };
  }

  return async (request) => {
    if (request.method.toUpperCase() !== 'POST') {
      return problem('METHOD_NOT_ALLOWED', 'Use POST for this route', { headers: { allow: 'POST' } });
    }
    const body = await readBody(request, maxBodyBytes);
    if (body === null) return problem('PAYLOAD_TOO_LARGE', `Request body must be at most ${maxBodyBytes} bytes`);
    const header = request.headers.get('stripe-signature');
    if (!header) return problem('INVALID_INPUT', 'Missing Stripe-Signature header');
    const event = await verify(body, header);
    if (event === null) return problem('INVALID_INPUT', 'Invalid Stripe-Signature: wrong signature, unknown secret, or timestamp outside the tolerance');
    if (typeof event.id !== 'string' || typeof event.type !== 'string' || !(STRIPE_WEBHOOK_EVENTS as readonly string[]).includes(event.type)) {
      return ignored('event type not handled');
    }

    let plan: Awaited<ReturnType<typeof recordingFor>>;
    try {
      plan = await recordingFor(event);
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
  };
}
