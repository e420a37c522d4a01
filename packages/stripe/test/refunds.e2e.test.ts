import { createSessionsCore } from '@itutor/sessions-core';
import { refundedSoFar } from '@itutor/sessions-core/adapter';
import { createFakeVideoProvider, createInMemoryAdapter, createManualClock } from '@itutor/sessions-core/testing';
import { describe, expect, it } from 'vitest';
import { stripeGateway } from '../src/index';
import { useStripeFake } from './support';

const world = useStripeFake();
const START = new Date('2026-06-01T14:00:00.000Z');
const addMinutes = (at: Date, minutes: number) => new Date(at.getTime() + minutes * 60_000);

/** One session per price, settled and paid through the Stripe gateway against the fake. */
async function paid(prices: number[]) {
  const clock = createManualClock(addMinutes(START, -24 * 60));
  const account = world.fake.addConnectedAccount();
  const customer = world.fake.addCustomer();
  const paymentMethod = world.fake.addPaymentMethod(customer, 'succeed');
  const gateway = stripeGateway({
    stripe: world.stripe,
    customerFor: () => ({ customer, paymentMethod }),
    connectedAccountFor: () => account,
    requestTimeoutMs: 250,
  });
  const core = createSessionsCore({
    adapter: createInMemoryAdapter(),
    videoProvider: createFakeVideoProvider(),
    paymentGateway: gateway,
    clock,
    settlement: { chargeTimeoutMs: 400, runBudgetMs: 20_000 },
    policy: { chargeDeadlineMinutes: 1380 },
  });
  await core.providers.connect({ tutorId: 'tutor-a', provider: 'zoom', tokens: null });
  const ids: string[] = [];
  for (const [i, priceMinor] of prices.entries()) {
    const { session } = await core.sessions.create({
      bookingId: `bk-${i}`,
      tutorId: 'tutor-a',
      studentId: 'student-a',
      scheduledStartAt: START,
      durationMinutes: 60,
      priceMinor,
    });
    ids.push(session.id);
  }
  clock.set(addMinutes(START, 60));
  expect((await core.settlement.run()).chargesSucceeded).toBe(prices.length);
  const chargeOf = async (sessionId: string) => {
    const pi = (await core.sessions.get(sessionId))!.chargeReference!;
    return world.fake.charges.find((c) => c.payment_intent === pi)!;
  };
  return { core, clock, ids, chargeOf };
}

describe('core.refunds.create through stripeGateway (against the fake)', () => {
  it('a full refund returns the charge, the tutor\'s transfer and the platform\'s fee whole; the ledger says the same', async () => {
    const { core, ids, chargeOf } = await paid([15_000]);
    const [id] = ids as [string];
    const { refund } = await core.refunds.create({ sessionId: id, reason: 'tutor did not show', actorId: 'admin-1' });
    expect(refund).toMatchObject({ status: 'succeeded', amountMinor: 15_000, payoutMinor: 13_500, feeMinor: 1_500 });
    expect(refund.gatewayReference).toMatch(/^re_/);
    expect(await chargeOf(id)).toMatchObject({ amount_refunded: 15_000, refunded: true, transfer_reversed: 13_500, application_fee_refunded: 1_500 });
    const [stripeRefund] = world.fake.refunds;
    expect(stripeRefund).toMatchObject({ id: refund.gatewayReference, amount: 15_000, reverse_transfer: true, refund_application_fee: true });
    expect(stripeRefund!.metadata).toMatchObject({ itutor_session_id: id, itutor_attempt: '1', itutor_refund_key: refund.idempotencyKey });
    const requests = world.fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/refunds');
    expect(requests.map((r) => r.idempotencyKey)).toEqual([refund.idempotencyKey]);
    await expect(core.refunds.create({ sessionId: id, reason: 'again', actorId: 'admin-1' })).rejects.toMatchObject({ code: 'NOTHING_TO_REFUND' });
  });

  it('partial refunds: each under its own key; the shares come back in proportion and the last returns what is left', async () => {
    const { core, ids, chargeOf } = await paid([15_000, 7_777]);
    const [even, odd] = ids as [string, string];
    const first = await core.refunds.create({ sessionId: even, amountMinor: 5_000, reason: 'short lesson', actorId: 'admin-1' });
    expect(first.refund).toMatchObject({ status: 'succeeded', payoutMinor: 4_500, feeMinor: 500 });
    expect(await chargeOf(even)).toMatchObject({ amount_refunded: 5_000, transfer_reversed: 4_500, application_fee_refunded: 500 });
    const rest = await core.refunds.create({ sessionId: even, reason: 'the rest', actorId: 'admin-1' });
    expect(rest.refund).toMatchObject({ refund: 2, status: 'succeeded', amountMinor: 10_000, payoutMinor: 9_000, feeMinor: 1_000 });
    expect(rest.refund.idempotencyKey).not.toBe(first.refund.idempotencyKey);
    expect(await chargeOf(even)).toMatchObject({ amount_refunded: 15_000, refunded: true, transfer_reversed: 13_500, application_fee_refunded: 1_500 });

    // An odd price (7 777: payout 6 999, fee 778) in three parts: Stripe rounds each refund's shares on its
    // own, so partial totals may differ from the ledger's by a minor unit per refund; they meet exactly once
    // the charge is refunded in full.
    for (const [n, amountMinor] of [1_001, 2_222].entries()) {
      const { refund } = await core.refunds.create({ sessionId: odd, amountMinor, reason: 'part', actorId: 'admin-1' });
      const charge = await chargeOf(odd);
      const ledger = refundedSoFar(await core.refunds.list(odd));
      expect(refund.status).toBe('succeeded');
      // Stripe floors each refund's shares on its own; the ledger's running split floors the total.
      expect(Math.abs(charge.transfer_reversed - ledger.payoutMinor)).toBeLessThanOrEqual(n + 1);
      expect(Math.abs(charge.application_fee_refunded - ledger.feeMinor)).toBeLessThanOrEqual(n + 1);
    }
    await core.refunds.create({ sessionId: odd, reason: 'the rest', actorId: 'admin-1' });
    expect(refundedSoFar(await core.refunds.list(odd))).toEqual({ amountMinor: 7_777, payoutMinor: 6_999, feeMinor: 778 });
    expect(await chargeOf(odd)).toMatchObject({ amount_refunded: 7_777, refunded: true, transfer_reversed: 6_999, application_fee_refunded: 778 });
  });

  it('a dropped connection leaves the refund unknown; retryRefunds sends it under the same key and Stripe returns the money once', async () => {
    const { core, clock, ids, chargeOf } = await paid([15_000]);
    const [id] = ids as [string];
    world.fake.failNext({ kind: 'drop', processed: true }, { times: 1, path: '/v1/refunds' });
    const lost = await core.refunds.create({ sessionId: id, amountMinor: 3_000, reason: 'dropped', actorId: 'admin-1' });
    expect(lost.refund.status).toBe('unknown');
    clock.set(addMinutes(clock.now(), 1));
    const report = await core.refunds.retry();
    expect(report, JSON.stringify(await core.refunds.list(id))).toMatchObject({ retried: 1, succeeded: 1 });
    expect(world.fake.refunds).toHaveLength(1);
    expect(await chargeOf(id)).toMatchObject({ amount_refunded: 3_000, transfer_reversed: 2_700, application_fee_refunded: 300 });
    const keys = new Set(world.fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/refunds').map((r) => r.idempotencyKey));
    expect(keys).toEqual(new Set([lost.refund.idempotencyKey]));
    expect(await core.refunds.list(id)).toMatchObject([{ status: 'succeeded', calls: 2 }]);
  });
});
