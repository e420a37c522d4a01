/**
 * What the gateway's calls share (internal, not exported by the package): the call context, the
 * instruction checks, the PaymentIntent parameters, the time limit by the core's signal, and small answers.
 */
import { withDeadline, type ChargeInstruction, type ChargeResult } from '@itutor/sessions-core/adapter';
import { STRIPE_FAILURE_CODES, type StripeChargeClassification } from './classify';
import type { StripeClientLike, StripePaymentIntentLike } from './client';
import { isHaltCode, misconfigured } from './errors';
import type { StripeCustomerRef, StripeGatewayOptions } from './gateway';

/** PaymentIntent metadata keys set on every charge (and read back by the webhook handler). */
export const STRIPE_METADATA_KEYS = {
  sessionId: 'itutor_session_id',
  bookingId: 'itutor_booking_id',
  outcome: 'itutor_outcome',
  attempt: 'itutor_attempt',
} as const;

export const wholeMinor = (value: unknown, min: number) => typeof value === 'number' && Number.isSafeInteger(value) && value >= min;
export const isCurrency = (value: unknown) => typeof value === 'string' && /^[A-Za-z]{3}$/.test(value);
export const isKey = (value: unknown) => typeof value === 'string' && value.length > 0 && value.length <= 255;
export const isPaymentIntentId = (value: unknown) => typeof value === 'string' && /^pi_[A-Za-z0-9_]+$/.test(value);

/** The problems that make `instruction` an invalid charge (none for a valid one). */
export function instructionProblems(instruction: ChargeInstruction): string[] {
  const problems: string[] = [];
  if (!wholeMinor(instruction.amountMinor, 1)) problems.push('amountMinor must be a whole number ≥ 1');
  if (!wholeMinor(instruction.payoutMinor, 0)) problems.push('payoutMinor must be a whole number ≥ 0');
  if (!wholeMinor(instruction.feeMinor, 0)) problems.push('feeMinor must be a whole number ≥ 0');
  if (problems.length === 0 && instruction.amountMinor !== instruction.payoutMinor + instruction.feeMinor) {
    problems.push('amountMinor must equal payoutMinor + feeMinor');
  }
  if (!isCurrency(instruction.currency)) problems.push('currency must be an ISO 4217 code');
  if (!isKey(instruction.idempotencyKey)) problems.push('idempotencyKey must be 1–255 characters');
  // Absent from cores before issue #23, whose charges were all destination charges.
  const timing: unknown = instruction.payoutTiming;
  if (timing !== undefined && timing !== 'with_charge' && timing !== 'after_review') problems.push("payoutTiming must be 'with_charge' or 'after_review'");
  return problems;
}

/** An `unknown` answer (retried under the same key). */
export const unknown = (reason: string, reference?: string): ChargeResult => (reference === undefined ? { status: 'unknown', reason } : { status: 'unknown', reason, reference });

/** What every call of one gateway shares: the options, their defaults applied. */
export interface GatewayContext {
  readonly stripe: StripeClientLike;
  readonly options: StripeGatewayOptions;
  /** Per-request options of the Stripe calls: no client retries (the core retries), the time limit. */
  readonly request: { readonly maxNetworkRetries: 0; readonly timeout: number };
}

/** Tells a host hook without waiting for it; its errors are ignored. */
export function tell<T>(hook: ((info: T) => void | Promise<void>) | undefined, info: T): void {
  if (!hook) return;
  void Promise.resolve()
    .then(() => hook(info))
    .catch(() => undefined);
}

/** The answer for a `refused` classification: `halted` for a halting code; throws `GATEWAY_MISCONFIGURED` otherwise. */
export function refusedAnswer(refused: Extract<StripeChargeClassification, { kind: 'refused' }>, what: string, cause: unknown): { status: 'halted'; code: string } {
  if (isHaltCode(refused.code)) return { status: 'halted', code: refused.code };
  throw misconfigured(`${refused.message} (${what})`, refused.requestId, cause);
}

export const errorOf = (value: object) => ('error' in value ? value.error : undefined);

/** The tutor's connected account, or the answer to give without one (`failed`, or `unknown` when the lookup threw or was aborted). */
export async function destinationFor(ctx: GatewayContext, tutorId: string, signal: AbortSignal | undefined): Promise<{ readonly destination: string } | { readonly answer: ChargeResult }> {
  try {
    const found = await untilAborted(() => ctx.options.connectedAccountFor(tutorId), signal);
    if ('aborted' in found) return { answer: unknown('aborted') };
    if (!found.value) return { answer: { status: 'failed', failureCode: STRIPE_FAILURE_CODES.noConnectedAccount } };
    return { destination: found.value };
  } catch {
    return { answer: unknown('account_lookup_failed') };
  }
}

/** One read of a PaymentIntent under the request's limits: the PaymentIntent, what the client threw, or `ABORTED`. */
export function readPaymentIntent(ctx: GatewayContext, id: string, signal: AbortSignal | undefined) {
  return untilAborted(
    () =>
      ctx.stripe.paymentIntents.retrieve(id, undefined, ctx.request).then(
        (paymentIntent): { readonly paymentIntent: StripePaymentIntentLike } | { readonly error: unknown } => ({ paymentIntent }),
        (error: unknown) => ({ error }),
      ),
    signal,
  );
}

export const idOf = (value: string | { readonly id: string } | null | undefined): string | null => (typeof value === 'string' ? value : (value?.id ?? null));

/** What {@link untilAborted} answers once the core's signal has aborted. */
export const ABORTED = { aborted: true } as const;

/**
 * `call`'s answer, or `ABORTED` as soon as the core's signal aborts (at once when it already has, and then
 * `call` is not made); the call is left to settle on its own. No time limit of its own: the core's is the
 * signal.
 */
export function untilAborted<T>(call: () => T | PromiseLike<T>, signal: AbortSignal | undefined): Promise<{ readonly value: T } | typeof ABORTED> {
  return withDeadline<{ readonly value: T } | typeof ABORTED>(async () => ({ value: await call() }), {
    timeoutMs: Infinity,
    what: 'the Stripe call',
    signal,
    onAbort: () => ABORTED,
  });
}

/** True for a charge that pays the tutor later by a transfer (`after_review`); `with_charge` (or none) is a destination charge. */
export const isSeparateCharge = (instruction: Pick<ChargeInstruction, 'payoutTiming'>) => instruction.payoutTiming === 'after_review';

/**
 * The PaymentIntent create parameters of one ledger attempt. Off-session (`charge`): confirmed at once on the
 * saved payment method (`confirm: true`, `off_session: true`). On-session (`startOnSessionCharge`): not
 * confirmed (`confirm: false`), for the student to confirm in the browser; the customer and the saved payment
 * method are attached when there are any (without one, the browser supplies a card). The money rules are the
 * same: a destination charge for `with_charge`, a separate charge with `transfer_group` for `after_review`.
 */
export function chargeParams(
  instruction: ChargeInstruction,
  customer: { readonly customer: string | null; readonly paymentMethod: string | null },
  destination: string | null,
  mode: 'off_session' | 'on_session',
) {
  const separate = isSeparateCharge(instruction);
  if (!separate && !destination) throw new TypeError("a destination charge (payoutTiming 'with_charge') needs the tutor's connected account");
  return {
    amount: instruction.amountMinor,
    currency: instruction.currency.toLowerCase(),
    ...(customer.customer ? { customer: customer.customer } : {}),
    ...(customer.paymentMethod ? { payment_method: customer.paymentMethod } : {}),
    ...(mode === 'off_session' ? { confirm: true, off_session: true } : { confirm: false }),
    ...(separate
      ? { transfer_group: instruction.sessionId }
      : {
          // Stripe refuses an application fee of 0 on some accounts; no fee is the same as none.
          ...(instruction.feeMinor > 0 ? { application_fee_amount: instruction.feeMinor } : {}),
          transfer_data: { destination: destination! },
        }),
    metadata: {
      [STRIPE_METADATA_KEYS.sessionId]: instruction.sessionId,
      [STRIPE_METADATA_KEYS.bookingId]: instruction.bookingId,
      [STRIPE_METADATA_KEYS.outcome]: instruction.outcome,
      [STRIPE_METADATA_KEYS.attempt]: String(instruction.attempt),
    },
  };
}

/** The student's customer and saved card (`found`), or the answer to give when the lookup threw or was aborted. */
export async function customerOf(ctx: GatewayContext, studentId: string, signal: AbortSignal | undefined): Promise<{ readonly found: StripeCustomerRef | null } | { readonly answer: ChargeResult }> {
  try {
    const found = await untilAborted(() => ctx.options.customerFor(studentId), signal);
    if ('aborted' in found) return { answer: unknown('aborted') };
    return { found: found.value };
  } catch {
    return { answer: unknown('customer_lookup_failed') };
  }
}
