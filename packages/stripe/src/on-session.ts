import type { ChargeInstruction, OnSessionChargeResult } from '@itutor/sessions-core/adapter';
import { classifyStripeCharge } from './classify';
import type { StripePaymentIntentLike } from './client';
import {
  chargeParams,
  customerOf,
  destinationFor,
  instructionProblems,
  isSeparateCharge,
  readPaymentIntent,
  refusedAnswer,
  unknown,
  untilAborted,
  type GatewayContext,
} from './gateway-support';

/** An error of the create or the read, classified like a charge's (`refused` → `halted`, or thrown as `GATEWAY_MISCONFIGURED`). */
function errorAnswer(error: unknown, what: string): OnSessionChargeResult {
  const classified = classifyStripeCharge({ error });
  return classified.kind === 'refused' ? refusedAnswer(classified, what, error) : classified.result;
}

/**
 * The on-session PaymentIntent as it stands → the core's answer: the student's step (`requires_customer` with the
 * client secret) while it waits for a confirmation, an authentication or a card; its outcome once it has one.
 */
export function onSessionAnswer(paymentIntent: StripePaymentIntentLike): OnSessionChargeResult {
  const waiting = (): OnSessionChargeResult => {
    const secret = paymentIntent.client_secret;
    // A secret key always reads the client secret; without one the browser has nothing to confirm with.
    if (typeof secret !== 'string' || secret === '') return unknown('no_client_secret', paymentIntent.id);
    return { status: 'requires_customer', clientSecret: secret, reference: paymentIntent.id };
  };
  switch (paymentIntent.status) {
    case 'requires_confirmation':
    case 'requires_action':
      return waiting();
    case 'requires_payment_method':
      // Without an error it was never tried: the student confirms it (or gives a card). With one, it was declined.
      if (!paymentIntent.last_payment_error) return waiting();
      break;
    case 'processing':
      return unknown('processing', paymentIntent.id);
    default:
      break;
  }
  const classified = classifyStripeCharge({ paymentIntent });
  // A PaymentIntent never answers `refused`; the branch keeps the types honest.
  return classified.kind === 'answer' ? classified.result : unknown('unrecognised_answer', paymentIntent.id);
}

/**
 * `startOnSessionCharge`: the attempt's PaymentIntent for the student to confirm in the browser (see
 * `StripeGateway.startOnSessionCharge`). Created under the attempt's key, so every call of one attempt names the
 * same PaymentIntent; Stripe answers a repeated create with its first answer (a stale snapshot), so the
 * PaymentIntent is then read to answer how it stands now.
 */
export async function startOnSessionOnce(ctx: GatewayContext, instruction: ChargeInstruction, signal: AbortSignal | undefined): Promise<OnSessionChargeResult> {
  if (instructionProblems(instruction).length > 0) return { status: 'halted', code: 'INVALID_INSTRUCTION' };
  if (signal?.aborted) return unknown('aborted');
  const looked = await customerOf(ctx, instruction.studentId, signal);
  if ('answer' in looked) return looked.answer;
  let destination: string | null = null;
  if (!isSeparateCharge(instruction)) {
    const found = await destinationFor(ctx, instruction.tutorId, signal);
    if ('answer' in found) return found.answer;
    destination = found.destination;
  }
  const customer = { customer: looked.found?.customer || null, paymentMethod: looked.found?.customer ? looked.found.paymentMethod || null : null };
  const params = chargeParams(instruction, customer, destination, 'on_session');
  const what = `on-session charge of session ${instruction.sessionId}, attempt ${instruction.attempt}`;
  const created = await untilAborted(
    () =>
      ctx.stripe.paymentIntents.create(params, { idempotencyKey: instruction.idempotencyKey, ...ctx.request }).then(
        (paymentIntent): { readonly paymentIntent: StripePaymentIntentLike } | { readonly error: unknown } => ({ paymentIntent }),
        (error: unknown) => ({ error }),
      ),
    signal,
  );
  if ('aborted' in created) return unknown('aborted');
  if ('error' in created.value) return errorAnswer(created.value.error, what);
  const read = await readPaymentIntent(ctx, created.value.paymentIntent.id, signal);
  if ('aborted' in read) return unknown('aborted', created.value.paymentIntent.id);
  if ('error' in read.value) return errorAnswer(read.value.error, what);
  return onSessionAnswer(read.value.paymentIntent);
}
