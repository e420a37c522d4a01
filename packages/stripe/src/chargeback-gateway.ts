import {
  type ChargebackEvidenceInstruction,
  type ChargebackEvidenceResult,
  type ChargebackShareInstruction,
  type ChargebackShareResult,
  type DisputeEvidenceFields,
} from '@itutor/sessions-core/adapter';
import { classifyStripeTransfer, STRIPE_FAILURE_CODES } from './classify';
import type { StripePaymentIntentLike, StripeTransferLike } from './client';
import { misconfigured } from './errors';
import { clip, uploadEvidenceDocument } from './evidence-document';
import {
  destinationFor,
  errorOf,
  idOf,
  isCurrency,
  isKey,
  isPaymentIntentId,
  refusedAnswer,
  STRIPE_METADATA_KEYS,
  unknown,
  untilAborted,
  wholeMinor,
  type GatewayContext,
} from './gateway-support';

/**
 * Metadata key of the transfer reversal or transfer that moves the tutor's share of a chargeback
 * (`moveChargebackShare`): the move's idempotency key (`chargebackShareKey(session, chargeback, direction)`),
 * beside the session id and attempt of `STRIPE_METADATA_KEYS`.
 */
export const STRIPE_CHARGEBACK_METADATA_KEY = 'itutor_chargeback';

/** The heading under which the participants' messages join `uncategorized_text` (see {@link stripeDisputeEvidence}). */
const MESSAGES_HEADING = "Messages between the student and the tutor in the platform's own dispute, oldest first:";

/**
 * The core's dispute evidence (`buildDisputeEvidence`) as Stripe's `evidence` parameter of `disputes.update`: the
 * text fields as they are, fields without a value left out. Stripe's `customer_communication` is not text but the
 * id of an uploaded file, so the participants' messages are added to `uncategorized_text` instead, under a heading,
 * the whole kept within Stripe's 20,000 characters a field (the messages are cut first). This is exactly what
 * `stageChargebackEvidence` stages.
 */
export function stripeDisputeEvidence(evidence: DisputeEvidenceFields): Record<string, string> {
  const out: Record<string, string> = {};
  const text = (name: keyof DisputeEvidenceFields, value: string | null | undefined) => {
    if (typeof value === 'string' && value !== '') out[name] = value;
  };
  text('service_date', evidence.service_date);
  text('product_description', evidence.product_description);
  text('access_activity_log', evidence.access_activity_log);
  text('cancellation_policy_disclosure', evidence.cancellation_policy_disclosure);
  text('refund_policy_disclosure', evidence.refund_policy_disclosure);
  const messages = evidence.customer_communication;
  const trail = evidence.uncategorized_text ?? '';
  text('uncategorized_text', clip(typeof messages === 'string' && messages !== '' ? `${trail}${trail ? '\n\n' : ''}${MESSAGES_HEADING}\n${messages}` : trail));
  return out;
}

/** The idempotency key of submitting a chargeback's evidence: a lost answer's retry gets Stripe's first answer, not "already submitted". */
const submitKey = (instruction: ChargebackEvidenceInstruction) => `itutor-chargeback-${instruction.sessionId}-${instruction.chargeback}-submit`;

interface EvidenceErrorShape {
  readonly type?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
  readonly requestId?: unknown;
  readonly statusCode?: unknown;
}

/**
 * Stripe's refusal of an evidence call (`disputes.update`, or the evidence document's `files.create`) as the
 * answer: an invalid request → `failed` with its code and message; a refused key → thrown
 * `GATEWAY_MISCONFIGURED`; anything else (network, 5xx, 429, an idempotency error) is thrown.
 */
function evidenceRefusal(error: unknown, reference: string): ChargebackEvidenceResult {
  const e = (typeof error === 'object' && error !== null ? error : {}) as EvidenceErrorShape;
  if (e.type === 'StripeInvalidRequestError') {
    const failureCode = typeof e.code === 'string' && e.code !== '' ? e.code.slice(0, 200) : 'invalid_request';
    return { status: 'failed', failureCode, ...(typeof e.message === 'string' ? { message: e.message.slice(0, 500) } : {}) };
  }
  if (e.type === 'StripeAuthenticationError' || e.type === 'StripePermissionError') {
    throw misconfigured(`Stripe refused the request (${String(e.statusCode)}): check the API key and the account's permissions (dispute ${reference})`, typeof e.requestId === 'string' ? e.requestId : undefined, error);
  }
  throw error;
}

/**
 * `stageChargebackEvidence` (`submit: false`, with the evidence) and `submitChargebackEvidence` (`submit: true`,
 * under the submit's idempotency key): one `disputes.update`. With `evidenceDocument`, staging first uploads the
 * evidence document (`files.create`) and names it in `uncategorized_file`; a refused upload stages nothing.
 * Stripe's answers as {@link evidenceRefusal} reads them: not staged or not submitted, asked again later, when
 * thrown.
 */
export async function evidenceOnce(ctx: GatewayContext, instruction: ChargebackEvidenceInstruction, submit: boolean, signal: AbortSignal | undefined): Promise<ChargebackEvidenceResult> {
  const reference: unknown = instruction.reference;
  if (typeof reference !== 'string' || !/^(dp|du)_[A-Za-z0-9_]+$/.test(reference)) {
    return { status: 'failed', failureCode: 'INVALID_INSTRUCTION', message: "reference must be the Stripe dispute's id (dp_...)" };
  }
  if (!submit && (typeof instruction.evidence !== 'object' || instruction.evidence === null)) {
    return { status: 'failed', failureCode: 'INVALID_INSTRUCTION', message: 'evidence must be the dispute evidence fields' };
  }
  let params: Record<string, unknown> = { submit: true };
  if (!submit) {
    const evidence: Record<string, string> = stripeDisputeEvidence(instruction.evidence);
    if (ctx.options.evidenceDocument) {
      const uploaded = await uploadEvidenceDocument(ctx, instruction, signal);
      if ('aborted' in uploaded) throw new Error(`The Stripe call was aborted (evidence document of dispute ${reference})`);
      if ('error' in uploaded.value) return evidenceRefusal(uploaded.value.error, reference);
      evidence.uncategorized_file = uploaded.value.file.id;
    }
    params = { evidence, submit: false };
  }
  const request = submit ? { ...ctx.request, idempotencyKey: submitKey(instruction) } : ctx.request;
  const answered = await untilAborted(
    () =>
      ctx.stripe.disputes.update(reference, params, request).then(
        () => ({ updated: true as const }),
        (error: unknown) => ({ error }),
      ),
    signal,
  );
  if ('aborted' in answered) throw new Error(`The Stripe call was aborted (dispute ${reference})`);
  return 'error' in answered.value ? evidenceRefusal(answered.value.error, reference) : { status: 'succeeded' };
}

/** True for a move of the tutor's share the gateway can send (nothing is sent otherwise: `halted` `INVALID_INSTRUCTION`). */
function isValidShare(instruction: ChargebackShareInstruction): boolean {
  const { direction } = instruction;
  const common =
    (direction === 'reverse' || direction === 'reinstate') &&
    wholeMinor(instruction.amountMinor, 1) &&
    isCurrency(instruction.currency) &&
    isKey(instruction.idempotencyKey) &&
    typeof instruction.sessionId === 'string' &&
    instruction.sessionId !== '';
  if (!common || direction === 'reinstate') return common;
  // Reversing: the payout's transfer (`after_review`), or the destination charge's PaymentIntent (`with_charge`).
  return instruction.payoutTiming === 'after_review'
    ? typeof instruction.payoutReference === 'string' && /^tr_[A-Za-z0-9_]+$/.test(instruction.payoutReference)
    : isPaymentIntentId(instruction.chargeReference);
}

/** The transfer to take the tutor's share back from, or the answer to give without one. */
async function transferToReverse(ctx: GatewayContext, instruction: ChargebackShareInstruction, signal: AbortSignal | undefined): Promise<{ readonly transfer: string } | { readonly answer: ChargebackShareResult }> {
  if (instruction.payoutTiming === 'after_review') return { transfer: instruction.payoutReference! };
  // A destination charge: the transfer Stripe made with it is its latest charge's `transfer`.
  const read = await untilAborted(
    () =>
      ctx.stripe.paymentIntents.retrieve(instruction.chargeReference, { expand: ['latest_charge'] }, ctx.request).then(
        (paymentIntent): { readonly paymentIntent: StripePaymentIntentLike } | { readonly error: unknown } => ({ paymentIntent }),
        (error: unknown) => ({ error }),
      ),
    signal,
  );
  if ('aborted' in read) return { answer: unknown('aborted') };
  if ('error' in read.value) {
    const classified = classifyStripeTransfer(read.value);
    return { answer: classified.kind === 'refused' ? refusedAnswer(classified, `chargeback ${instruction.chargeback} of session ${instruction.sessionId}`, read.value.error) : classified.result };
  }
  const paymentIntent = read.value.paymentIntent;
  // A separate charge paid the tutor by a payout of its own: that is the transfer to reverse (`after_review`).
  if (!paymentIntent.transfer_data) return { answer: { status: 'halted', code: 'INVALID_INSTRUCTION' } };
  const charge = paymentIntent.latest_charge;
  const transfer = typeof charge === 'object' && charge !== null ? idOf(charge.transfer) : null;
  if (!transfer) return { answer: { status: 'failed', failureCode: STRIPE_FAILURE_CODES.noTransfer } };
  return { transfer };
}

/**
 * `moveChargebackShare`: `reverse` takes `amountMinor` back from the tutor's transfer (the destination charge's
 * transfer for `with_charge`, the payout's for `after_review`) by a TransferReversal; `reinstate` gives it back by
 * a new Transfer to the tutor's connected account (`transfer_group` = the session). Under the move's own key;
 * answered like `transfer`.
 */
export async function moveShareOnce(ctx: GatewayContext, instruction: ChargebackShareInstruction, signal: AbortSignal | undefined): Promise<ChargebackShareResult> {
  if (!isValidShare(instruction)) return { status: 'halted', code: 'INVALID_INSTRUCTION' };
  if (signal?.aborted) return unknown('aborted');
  const what = `chargeback ${instruction.chargeback} of session ${instruction.sessionId} (${instruction.direction})`;
  const metadata = {
    [STRIPE_METADATA_KEYS.sessionId]: instruction.sessionId,
    [STRIPE_METADATA_KEYS.attempt]: String(instruction.attempt),
    [STRIPE_CHARGEBACK_METADATA_KEY]: instruction.idempotencyKey,
  };
  const options = { idempotencyKey: instruction.idempotencyKey, ...ctx.request };
  let call: () => Promise<StripeTransferLike>;
  if (instruction.direction === 'reinstate') {
    const found = await destinationFor(ctx, instruction.tutorId, signal);
    if ('answer' in found) return found.answer;
    const params = { amount: instruction.amountMinor, currency: instruction.currency.toLowerCase(), destination: found.destination, transfer_group: instruction.sessionId, metadata };
    call = () => ctx.stripe.transfers.create(params, options);
  } else {
    const found = await transferToReverse(ctx, instruction, signal);
    if ('answer' in found) return found.answer;
    call = () => ctx.stripe.transfers.createReversal(found.transfer, { amount: instruction.amountMinor, metadata }, options);
  }
  const answered = await untilAborted(
    () =>
      call().then(
        (transfer) => ({ transfer }),
        (error: unknown) => ({ error }),
      ),
    signal,
  );
  if ('aborted' in answered) return unknown('aborted');
  const classified = classifyStripeTransfer(answered.value);
  return classified.kind === 'refused' ? refusedAnswer(classified, what, errorOf(answered.value)) : classified.result;
}
