import { refundIdempotencyKey, type RefundInstruction } from '@itutor/sessions-core/adapter';
import { describe, expect, it } from 'vitest';
import { classifyStripeRefund } from '../src/index';
import { gatewayFor, instruction, useStripeFake } from './support';

const world = useStripeFake();
const refundRequests = () => world.fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/refunds');

/** A succeeded charge through the gateway: 15 000 charged, 13 500 to the tutor, 1 500 fee. */
async function charged(overrides: Parameters<typeof instruction>[0] = {}) {
  const result = await gatewayFor(world).charge(instruction(overrides));
  if (result.status !== 'succeeded' || !result.reference) throw new Error(`charge did not succeed: ${JSON.stringify(result)}`);
  return result.reference;
}

const refundOf = (reference: string, amountMinor: number, n = 1): RefundInstruction => ({
  idempotencyKey: refundIdempotencyKey('s1', 1, n),
  sessionId: 's1',
  attempt: 1,
  gatewayReference: reference,
  amountMinor,
  currency: 'TTD',
});

describe('stripeGateway.refund: reverse_transfer and refund_application_fee', () => {
  it('a full refund: the exact request, the refund key, and both shares returned whole', async () => {
    const pi = await charged();
    const result = await gatewayFor(world).refund(refundOf(pi, 15_000));
    const [refund] = world.fake.refunds;
    expect(result).toEqual({ status: 'succeeded', reference: refund!.id });
    const [request] = refundRequests();
    expect(request!.idempotencyKey).toBe('itutor-refund-s1-1-1');
    expect(request!.params).toEqual({
      payment_intent: pi,
      amount: '15000',
      reverse_transfer: 'true',
      refund_application_fee: 'true',
      metadata: { itutor_session_id: 's1', itutor_attempt: '1', itutor_refund_key: 'itutor-refund-s1-1-1' },
    });
    expect(world.fake.charges[0]).toMatchObject({ amount_refunded: 15_000, refunded: true, transfer_reversed: 13_500, application_fee_refunded: 1_500 });
  });

  it('partial refunds return the tutor\'s and the platform\'s shares in proportion; the last one takes what is left', async () => {
    const pi = await charged();
    const gateway = gatewayFor(world);
    expect(await gateway.refund(refundOf(pi, 5_000, 1))).toMatchObject({ status: 'succeeded' });
    expect(world.fake.charges[0]).toMatchObject({ amount_refunded: 5_000, transfer_reversed: 4_500, application_fee_refunded: 500 });
    expect(await gateway.refund(refundOf(pi, 10_000, 2))).toMatchObject({ status: 'succeeded' });
    expect(world.fake.charges[0]).toMatchObject({ amount_refunded: 15_000, transfer_reversed: 13_500, application_fee_refunded: 1_500 });
    // Nothing left: a third refund is a definite failure.
    expect(await gateway.refund(refundOf(pi, 1, 3))).toEqual({ status: 'failed', failureCode: 'charge_already_refunded' });
  });

  it('a retry under the same key returns the money once; the same key with another amount halts (IDEMPOTENCY_CONFLICT)', async () => {
    const pi = await charged();
    const gateway = gatewayFor(world);
    const first = await gateway.refund(refundOf(pi, 4_000));
    expect(await gateway.refund(refundOf(pi, 4_000))).toEqual(first);
    expect(world.fake.refunds).toHaveLength(1);
    expect(await gateway.refund(refundOf(pi, 5_000))).toEqual({ status: 'halted', code: 'IDEMPOTENCY_CONFLICT' });
    expect(world.fake.charges[0]!.amount_refunded).toBe(4_000);
  });

  it('definite refusals are failed with Stripe\'s code; 429, 500 and dropped connections are unknown', async () => {
    const pi = await charged();
    const gateway = gatewayFor(world);
    expect(await gateway.refund(refundOf(pi, 15_001, 1))).toEqual({ status: 'failed', failureCode: 'amount_too_large' });
    expect(await gateway.refund(refundOf('pi_unknown', 100, 2))).toEqual({ status: 'failed', failureCode: 'resource_missing' });
    world.fake.failNext({ kind: 'rate_limit' }, { path: '/v1/refunds' });
    expect(await gateway.refund(refundOf(pi, 100, 3))).toEqual({ status: 'unknown', reason: 'rate_limited' });
    world.fake.failNext({ kind: 'server_error', saved: false }, { path: '/v1/refunds' });
    expect(await gateway.refund(refundOf(pi, 100, 4))).toEqual({ status: 'unknown', reason: 'stripe_unavailable' });
    world.fake.failNext({ kind: 'drop', processed: true }, { times: 2, path: '/v1/refunds' });
    expect(await gateway.refund(refundOf(pi, 100, 5))).toMatchObject({ status: 'unknown' });
    // The dropped refund ran at Stripe: its retry under the same key gets that refund back, not a second one.
    expect(await gateway.refund(refundOf(pi, 100, 5))).toMatchObject({ status: 'succeeded' });
    expect(world.fake.charges[0]!.amount_refunded).toBe(100);
    expect(world.fake.refunds.map((r) => r.metadata.itutor_refund_key)).toEqual(['itutor-refund-s1-1-5']);
  });

  it('refuses an invalid refund instruction without sending anything (INVALID_INSTRUCTION, halting)', async () => {
    const gateway = gatewayFor(world);
    for (const bad of [{ amountMinor: 0 }, { amountMinor: 1.5 }, { gatewayReference: 'ch_123' }, { idempotencyKey: '' }, { currency: 'T' }, { attempt: 0 }]) {
      expect(await gateway.refund({ ...refundOf('pi_123', 100), ...bad })).toEqual({ status: 'halted', code: 'INVALID_INSTRUCTION' });
    }
    expect(world.fake.requests).toHaveLength(0);
  });

  it('classifyStripeRefund: pending and requires_action are pending; failed and canceled are failed', () => {
    expect(classifyStripeRefund({ refund: { id: 're_1', amount: 1, status: 'pending' } })).toEqual({ kind: 'answer', result: { status: 'pending', reference: 're_1' } });
    expect(classifyStripeRefund({ refund: { id: 're_2', amount: 1, status: 'requires_action' } })).toMatchObject({ result: { status: 'pending' } });
    expect(classifyStripeRefund({ refund: { id: 're_3', amount: 1, status: 'failed', failure_reason: 'lost_or_stolen_card' } })).toEqual({
      kind: 'answer',
      result: { status: 'failed', failureCode: 'lost_or_stolen_card', reference: 're_3' },
    });
    expect(classifyStripeRefund({ refund: { id: 're_4', amount: 1, status: 'canceled' } })).toMatchObject({ result: { status: 'failed', failureCode: 'canceled' } });
    expect(classifyStripeRefund({ refund: { id: 're_5', amount: 1, status: null } })).toMatchObject({ result: { status: 'unknown' } });
    expect(classifyStripeRefund({ error: 'not an error object' })).toEqual({ kind: 'answer', result: { status: 'unknown', reason: 'unexpected_error' } });
  });
});
