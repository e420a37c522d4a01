import { isSessionError } from '@itutor/sessions-core';
import { payoutIdempotencyKey, refundIdempotencyKey, type RefundInstruction } from '@itutor/sessions-core/adapter';
import Stripe from 'stripe';
import { describe, expect, it, vi } from 'vitest';
import type { StripeClientLike, TransferReversalFailedInfo, WebhookRefundAnswer } from '../src/index';
import { createMemoryEventStore, type FakeEvent } from '../src/testing/index';
import { gatewayFor, instruction, mountStripeWebhook, useStripeFake, WEBHOOK_SECRET } from './support';

const world = useStripeFake();
const posts = (path: string | RegExp) => world.fake.requests.filter((r) => r.method === 'POST' && (typeof path === 'string' ? r.path === path : path.test(r.path)));
const REVERSALS = /^\/v1\/transfers\/[^/]+\/reversals$/;
const REFUND_KEY = refundIdempotencyKey('s1', 1, 1);
const REVERSAL_KEY = `${REFUND_KEY}-reversal`;

/** A separate (`after_review`) charge of 15 000, and the tutor paid 13 500 by a transfer: the PaymentIntent and the transfer. */
async function paidSeparately() {
  const gateway = gatewayFor(world);
  const charged = await gateway.charge(instruction({ payoutTiming: 'after_review' }));
  const paymentIntent = charged.reference!;
  const payout = await gateway.transfer({
    idempotencyKey: payoutIdempotencyKey('s1', 1),
    sessionId: 's1',
    payout: 1,
    tutorId: 'tutor-1',
    amountMinor: 13_500,
    currency: 'TTD',
    chargeReference: paymentIntent,
    transferGroup: 's1',
  });
  if (charged.status !== 'succeeded' || payout.status !== 'succeeded') throw new Error(`not paid: ${JSON.stringify([charged, payout])}`);
  return { paymentIntent, transfer: payout.reference! };
}

/** A refund of the session's charge: 5 000, of which 4 500 is the tutor's part, reversed from `transfer` when given. */
const refundOf = (paymentIntent: string, transfer?: string, overrides: Partial<RefundInstruction> = {}): RefundInstruction => ({
  idempotencyKey: REFUND_KEY,
  sessionId: 's1',
  attempt: 1,
  gatewayReference: paymentIntent,
  amountMinor: 5_000,
  currency: 'TTD',
  ...(transfer ? { reverseTransfer: { transferReference: transfer, amountMinor: 4_500, idempotencyKey: REVERSAL_KEY } } : {}),
  ...overrides,
});

describe('stripeGateway.refund of a separate (after_review) charge', () => {
  it('before the payout: a plain refund (no reverse_transfer, no refund_application_fee), no reversal', async () => {
    const result = await gatewayFor(world).charge(instruction({ payoutTiming: 'after_review' }));
    const refunded = await gatewayFor(world).refund(refundOf(result.reference!));
    const [refund] = world.fake.refunds;
    expect(refunded).toEqual({ status: 'succeeded', reference: refund!.id });
    expect(posts('/v1/refunds')[0]!.params).toEqual({
      payment_intent: result.reference,
      amount: '5000',
      metadata: { itutor_session_id: 's1', itutor_attempt: '1', itutor_refund_key: REFUND_KEY },
    });
    expect(refund).toMatchObject({ reverse_transfer: false, refund_application_fee: false });
    expect(posts(REVERSALS)).toHaveLength(0);
    // The gateway read the PaymentIntent to know which kind of charge it refunds.
    expect(world.fake.requests.filter((r) => r.method === 'GET' && r.path.startsWith(`/v1/payment_intents/${result.reference}`))).toHaveLength(1);
  });

  it("after the payout: the refund, then a reversal of the refund's payout part under its own key", async () => {
    const { paymentIntent, transfer } = await paidSeparately();
    const refunded = await gatewayFor(world).refund(refundOf(paymentIntent, transfer));
    const [refund] = world.fake.refunds;
    expect(refunded).toEqual({ status: 'succeeded', reference: refund!.id });
    expect(posts('/v1/refunds')[0]!.params).toEqual({
      payment_intent: paymentIntent,
      amount: '5000',
      metadata: { itutor_session_id: 's1', itutor_attempt: '1', itutor_refund_key: REFUND_KEY, itutor_reversed_transfer: transfer },
    });
    const [reversalRequest] = posts(REVERSALS);
    expect(reversalRequest!.path).toBe(`/v1/transfers/${transfer}/reversals`);
    expect(reversalRequest!.idempotencyKey).toBe(REVERSAL_KEY);
    expect(reversalRequest!.params).toEqual({ amount: '4500', metadata: { itutor_session_id: 's1', itutor_attempt: '1', itutor_refund_key: REFUND_KEY } });
    expect(world.fake.transfers[0]).toMatchObject({ amount: 13_500, amount_reversed: 4_500, reversed: false });
    expect(world.fake.transferReversals).toMatchObject([{ transfer, amount: 4_500 }]);
    expect(world.fake.charges[0]).toMatchObject({ amount_refunded: 5_000, transfer_reversed: 0, application_fee_refunded: 0 });
  });

  it('the same refund again → the refund and the reversal replayed under their keys: one of each', async () => {
    const { paymentIntent, transfer } = await paidSeparately();
    const gateway = gatewayFor(world);
    const first = await gateway.refund(refundOf(paymentIntent, transfer));
    expect(await gateway.refund(refundOf(paymentIntent, transfer))).toEqual(first);
    expect(world.fake.refunds).toHaveLength(1);
    expect(world.fake.transferReversals).toHaveLength(1);
    expect(posts(REVERSALS).map((r) => r.replayed)).toEqual([false, true]);
  });

  it("the refund of a destination charge keeps Stripe's flags; a reverseTransfer for it halts (it would take the tutor's share twice)", async () => {
    const charged = await gatewayFor(world).charge(instruction());
    const gateway = gatewayFor(world);
    expect(await gateway.refund(refundOf(charged.reference!, 'tr_123'))).toEqual({ status: 'halted', code: 'INVALID_INSTRUCTION' });
    expect(posts('/v1/refunds')).toHaveLength(0);
    expect(await gateway.refund(refundOf(charged.reference!))).toMatchObject({ status: 'succeeded' });
    expect(posts('/v1/refunds')[0]!.params).toMatchObject({ reverse_transfer: 'true', refund_application_fee: 'true' });
  });

  it('an invalid reverseTransfer halts (INVALID_INSTRUCTION) without sending anything', async () => {
    const gateway = gatewayFor(world);
    const reverse = { transferReference: 'tr_1', amountMinor: 4_500, idempotencyKey: REVERSAL_KEY };
    for (const bad of [
      { transferReference: 'ch_1' },
      { amountMinor: 0 },
      { amountMinor: 5_001 },
      { amountMinor: 1.5 },
      { idempotencyKey: '' },
      { idempotencyKey: REFUND_KEY },
    ]) {
      expect(await gateway.refund(refundOf('pi_1', undefined, { reverseTransfer: { ...reverse, ...bad } }))).toEqual({ status: 'halted', code: 'INVALID_INSTRUCTION' });
    }
    expect(world.fake.requests).toHaveLength(0);
  });

  it('a refused refund reverses nothing', async () => {
    const { paymentIntent, transfer } = await paidSeparately();
    expect(await gatewayFor(world).refund(refundOf(paymentIntent, transfer, { amountMinor: 15_001 }))).toEqual({ status: 'failed', failureCode: 'amount_too_large' });
    expect(posts(REVERSALS)).toHaveLength(0);
  });

  it('a pending refund is answered pending once its reversal is made', async () => {
    const { paymentIntent, transfer } = await paidSeparately();
    world.fake.setRefundBehaviour('pending');
    expect(await gatewayFor(world).refund(refundOf(paymentIntent, transfer))).toEqual({ status: 'pending', reference: world.fake.refunds[0]!.id });
    expect(world.fake.transferReversals).toHaveLength(1);
  });
});

describe('stripeGateway.refund: when the reversal does not answer', () => {
  it('the reversal answer lost after Stripe acted → unknown (transfer_reversal_network_error, the refund as reference); the retry repeats both safely', async () => {
    const { paymentIntent, transfer } = await paidSeparately();
    const gateway = gatewayFor(world);
    world.fake.failNext({ kind: 'drop', processed: true }, { times: 2, path: REVERSALS });
    const first = await gateway.refund(refundOf(paymentIntent, transfer));
    const refundId = world.fake.refunds[0]!.id;
    expect(first).toEqual({ status: 'unknown', reason: 'transfer_reversal_network_error', reference: refundId });
    expect(await gateway.refund(refundOf(paymentIntent, transfer))).toEqual({ status: 'succeeded', reference: refundId });
    expect(world.fake.refunds).toHaveLength(1);
    expect(world.fake.transferReversals).toHaveLength(1);
    expect(world.fake.transfers[0]!.amount_reversed).toBe(4_500);
  });

  it('429 on the reversal → unknown (transfer_reversal_rate_limited); the retry reverses once', async () => {
    const { paymentIntent, transfer } = await paidSeparately();
    const gateway = gatewayFor(world);
    world.fake.failNext({ kind: 'rate_limit' }, { path: REVERSALS });
    expect(await gateway.refund(refundOf(paymentIntent, transfer))).toMatchObject({ status: 'unknown', reason: 'transfer_reversal_rate_limited' });
    expect(world.fake.transferReversals).toHaveLength(0);
    expect(await gateway.refund(refundOf(paymentIntent, transfer))).toMatchObject({ status: 'succeeded' });
    expect(world.fake.transferReversals).toHaveLength(1);
    expect(world.fake.refunds).toHaveLength(1);
  });

  it('a hanging reversal: the core aborts → unknown (transfer_reversal_aborted); the retry gets the reversal made', async () => {
    const { paymentIntent, transfer } = await paidSeparately();
    const gateway = gatewayFor(world);
    world.fake.failNext({ kind: 'hang' }, { path: REVERSALS });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('refund call timed out')), 150);
    const first = await gateway.refund(refundOf(paymentIntent, transfer), { signal: controller.signal });
    expect(first).toEqual({ status: 'unknown', reason: 'transfer_reversal_aborted', reference: world.fake.refunds[0]!.id });
    expect(await gateway.refund(refundOf(paymentIntent, transfer))).toMatchObject({ status: 'succeeded' });
    expect(world.fake.transferReversals).toHaveLength(1);
    expect(world.fake.refunds).toHaveLength(1);
  });

  it('Stripe refuses the key on the reversal → throws GATEWAY_MISCONFIGURED (unknown for the core); the retry completes it', async () => {
    const { paymentIntent, transfer } = await paidSeparately();
    const refused = Stripe.errors.generateV1Error({ type: 'invalid_request_error', statusCode: 401, message: 'Invalid API Key', requestId: 'req_1' } as Parameters<
      typeof Stripe.errors.generateV1Error
    >[0]);
    const real = world.stripe as unknown as StripeClientLike;
    const stripe: StripeClientLike = { ...real, transfers: { ...real.transfers, createReversal: () => Promise.reject(refused) } };
    const error = await gatewayFor(world, { stripe }).refund(refundOf(paymentIntent, transfer)).catch((e: unknown) => e);
    expect(isSessionError(error, 'GATEWAY_MISCONFIGURED')).toBe(true);
    expect(world.fake.refunds).toHaveLength(1);
    expect(await gatewayFor(world).refund(refundOf(paymentIntent, transfer))).toMatchObject({ status: 'succeeded' });
    expect(world.fake.refunds).toHaveLength(1);
    expect(world.fake.transferReversals).toHaveLength(1);
  });
});

describe('stripeGateway.refund: when Stripe definitely refuses the reversal', () => {
  it("the refund is answered as made (the student's money is back) and onTransferReversalFailed is told, not awaited", async () => {
    const { paymentIntent, transfer } = await paidSeparately();
    // Someone reversed the whole transfer by hand: nothing is left to take back.
    await world.stripe.transfers.createReversal(transfer);
    const told = vi.fn((_info: TransferReversalFailedInfo) => new Promise<void>(() => undefined));
    const result = await gatewayFor(world, { onTransferReversalFailed: told }).refund(refundOf(paymentIntent, transfer));
    const refundId = world.fake.refunds[0]!.id;
    // The core is told too (it flags the reversal for a person): the refused reversal's code rides on the answer.
    expect(result).toEqual({ status: 'succeeded', reference: refundId, reversalFailureCode: expect.any(String) });
    await vi.waitFor(() => expect(told).toHaveBeenCalledTimes(1));
    expect(told).toHaveBeenCalledWith({
      sessionId: 's1',
      attempt: 1,
      refundKey: REFUND_KEY,
      refundId,
      transferId: transfer,
      amountMinor: 4_500,
      reversalKey: REVERSAL_KEY,
      failureCode: 'invalid_request',
    });
    expect(world.fake.transferReversals).toHaveLength(1); // the one made by hand
  });

  it('an idempotency conflict on the reversal key is a definite refusal too (IDEMPOTENCY_CONFLICT); a throwing hook changes nothing', async () => {
    const { paymentIntent, transfer } = await paidSeparately();
    await world.stripe.transfers.createReversal(transfer, { amount: 100 }, { idempotencyKey: REVERSAL_KEY });
    const failures: string[] = [];
    const gateway = gatewayFor(world, {
      onTransferReversalFailed: (info) => {
        failures.push(info.failureCode);
        throw new Error('pager down');
      },
    });
    expect(await gateway.refund(refundOf(paymentIntent, transfer))).toMatchObject({ status: 'succeeded' });
    await vi.waitFor(() => expect(failures).toEqual(['IDEMPOTENCY_CONFLICT']));
  });
});

describe('stripeWebhookRoutes: a refund that reverses the tutor transfer', () => {
  function webhook() {
    const answers: WebhookRefundAnswer[] = [];
    const handle = mountStripeWebhook({
      stripe: world.stripe,
      webhookSecret: WEBHOOK_SECRET,
      events: createMemoryEventStore(),
      recorder: { recordChargeAnswer: async () => undefined, recordRefundAnswer: async (answer) => void answers.push(answer) },
    });
    const deliver = async (event: FakeEvent) => handle(await world.fake.webhookRequest(event, { secret: WEBHOOK_SECRET }));
    return { deliver, answers };
  }
  const lastEvent = (type: string) => world.fake.events.filter((e) => e.type === type).at(-1)!;

  it("is not reported accepted before its reversal exists (the gateway's retry finishes it), and is once it does", async () => {
    const { paymentIntent, transfer } = await paidSeparately();
    // The reversal never reached Stripe (dropped before it ran, twice: the client's own retry too).
    world.fake.failNext({ kind: 'drop', processed: false }, { times: 2, path: REVERSALS });
    expect(await gatewayFor(world).refund(refundOf(paymentIntent, transfer))).toMatchObject({ status: 'unknown', reason: 'transfer_reversal_network_error' });
    expect(world.fake.transferReversals).toHaveLength(0);
    const { deliver, answers } = webhook();
    for (const type of ['charge.refunded', 'refund.created']) {
      const response = await deliver(lastEvent(type));
      expect(response.status).toBe(200);
    }
    expect(answers).toEqual([]);
    expect(world.fake.requests.filter((r) => r.method === 'GET' && r.path.startsWith(`/v1/transfers/${transfer}/reversals`))).toHaveLength(2);

    // The core's retry sends both again: the reversal is made; the next delivery reports the refund.
    expect(await gatewayFor(world).refund(refundOf(paymentIntent, transfer))).toMatchObject({ status: 'succeeded' });
    const again = { ...lastEvent('refund.created'), id: 'evt_redelivered' };
    expect((await deliver(again)).status).toBe(200);
    expect(answers).toMatchObject([{ sessionId: 's1', refundNumber: 1, attempt: 1, result: { status: 'succeeded' } }]);
  });

  it('a failed refund is reported without looking for the reversal; a failed reversals read answers 500', async () => {
    const { paymentIntent, transfer } = await paidSeparately();
    await gatewayFor(world).refund(refundOf(paymentIntent, transfer));
    const { deliver, answers } = webhook();
    world.fake.failNext({ kind: 'server_error' }, { times: 2, method: 'GET', path: REVERSALS });
    expect((await deliver(lastEvent('refund.created'))).status).toBe(500);
    expect(answers).toEqual([]);
    world.fake.finishRefund(world.fake.refunds[0]!.id, { failure: 'lost_or_stolen_card' });
    const reads = world.fake.requests.filter((r) => r.method === 'GET' && REVERSALS.test(r.path.split('?')[0]!)).length;
    expect((await deliver(lastEvent('refund.failed'))).status).toBe(200);
    expect(answers).toMatchObject([{ result: { status: 'failed', failureCode: 'lost_or_stolen_card' } }]);
    expect(world.fake.requests.filter((r) => r.method === 'GET' && REVERSALS.test(r.path.split('?')[0]!))).toHaveLength(reads);
  });
});
