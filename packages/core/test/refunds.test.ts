import { addMinutes, addSeconds } from 'date-fns';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { refundedSoFar, refundIdempotencyKey, refundSplit, type RefundStatus } from '@itutor/sessions-core/adapter';
import { toPublicRefund } from '@itutor/sessions-core/rules';
import { booking, makeCore, START } from './support/core-fixture';

/** A settled, charged session (price 15 000: charge 15 000, payout 13 500, fee 1 500). */
async function charged(priceMinor = 15_000, config: Parameters<typeof makeCore>[0] = {}) {
  const fixture = await makeCore(config);
  const { session } = await fixture.core.sessions.create(booking({ priceMinor }));
  fixture.clock.set(addMinutes(START, 60));
  await fixture.core.settlement.run();
  return { ...fixture, session: (await fixture.core.sessions.get(session.id))! };
}

describe('refundSplit (the one rounding rule)', () => {
  it('a single refund: fee part = floor(amount × fee / charge), payout part the rest; a full refund returns both whole', () => {
    const charge = { amountMinor: 15_000, payoutMinor: 13_500, feeMinor: 1_500 };
    const none = { amountMinor: 0, payoutMinor: 0, feeMinor: 0 };
    expect(refundSplit(charge, none, 15_000)).toEqual({ payoutMinor: 13_500, feeMinor: 1_500 });
    expect(refundSplit(charge, none, 999)).toEqual({ payoutMinor: 900, feeMinor: 99 });
    expect(refundSplit({ amountMinor: 3, payoutMinor: 2, feeMinor: 1 }, none, 1)).toEqual({ payoutMinor: 1, feeMinor: 0 });
  });

  it('property: parts sum exactly; cumulative refunds never exceed the charge, payout or fee; refunded in full returns both whole', () => {
    const chargeArb = fc
      .record({ amountMinor: fc.integer({ min: 1, max: 100_000_000 }), rateBp: fc.integer({ min: 0, max: 10_000 }) })
      .map(({ amountMinor, rateBp }) => {
        const payoutMinor = Math.floor((amountMinor * rateBp) / 10_000);
        return { amountMinor, payoutMinor, feeMinor: amountMinor - payoutMinor };
      });
    const stepArb = fc.record({ share: fc.double({ min: 0, max: 1, noNaN: true }), outcome: fc.constantFrom<RefundStatus>('succeeded', 'failed', 'pending', 'unknown') });
    fc.assert(
      fc.property(chargeArb, fc.array(stepArb, { maxLength: 12 }), fc.boolean(), (charge, steps, finishInFull) => {
        const rows: Array<{ amountMinor: number; payoutMinor: number; feeMinor: number; status: RefundStatus }> = [];
        const open = (amountMinor: number, status: RefundStatus) => {
          const split = refundSplit(charge, refundedSoFar(rows), amountMinor);
          expect(split.payoutMinor + split.feeMinor).toBe(amountMinor);
          expect(split.payoutMinor).toBeGreaterThanOrEqual(0);
          expect(split.feeMinor).toBeGreaterThanOrEqual(0);
          rows.push({ amountMinor, ...split, status });
          const total = refundedSoFar(rows);
          expect(total.amountMinor).toBeLessThanOrEqual(charge.amountMinor);
          expect(total.payoutMinor).toBeLessThanOrEqual(charge.payoutMinor);
          expect(total.feeMinor).toBeLessThanOrEqual(charge.feeMinor);
        };
        for (const step of steps) {
          const left = charge.amountMinor - refundedSoFar(rows).amountMinor;
          if (left === 0) break;
          open(Math.max(1, Math.min(left, Math.round(left * step.share))), step.outcome);
        }
        const left = charge.amountMinor - refundedSoFar(rows).amountMinor;
        if (finishInFull && left > 0) open(left, 'succeeded');
        if (refundedSoFar(rows).amountMinor === charge.amountMinor) {
          expect(refundedSoFar(rows)).toEqual(charge);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('core.refunds.create', () => {
  it('refunds in full by default: persisted with its own key, split into payout and fee, events in order', async () => {
    const { core, gateway, adapter, session } = await charged();
    const { refund, session: after } = await core.refunds.create({ sessionId: session.id, reason: 'lesson quality', actorId: 'admin-1' });
    expect(refund).toMatchObject({
      refund: 1,
      attempt: 1,
      idempotencyKey: refundIdempotencyKey(session.id, 1, 1),
      amountMinor: 15_000,
      payoutMinor: 13_500,
      feeMinor: 1_500,
      currency: 'TTD',
      status: 'succeeded',
      reason: 'lesson quality',
      requestedBy: 'admin-1',
      gatewayReference: `re_${refundIdempotencyKey(session.id, 1, 1)}`,
      calls: 1,
    });
    expect(after.version).toBe(session.version + 2);
    expect(after.chargeStatus).toBe('succeeded');
    expect(gateway.refundInstructions).toEqual([
      { idempotencyKey: refund.idempotencyKey, sessionId: session.id, attempt: 1, gatewayReference: session.chargeReference, amountMinor: 15_000, currency: 'TTD' },
    ]);
    const events = (await adapter.raw.events(session.id)).slice(-2);
    expect(events.map((e) => [e.type, e.actor])).toEqual([
      ['refund.requested', 'admin-1'],
      ['refund.succeeded', 'system'],
    ]);
    expect(JSON.stringify(events)).not.toContain(refund.idempotencyKey);
    expect(toPublicRefund(refund)).not.toHaveProperty('idempotencyKey');
    await expect(core.refunds.create({ sessionId: session.id, reason: 'again', actorId: 'admin-1' })).rejects.toMatchObject({ code: 'NOTHING_TO_REFUND' });
  });

  it('partial refunds: each its own key; more than is left is REFUND_EXCEEDS_CHARGE; the rest returns the shares exactly', async () => {
    const { core, gateway, session } = await charged(15_001);
    // charge 15 001, payout 13 500, fee 1 501
    const first = await core.refunds.create({ sessionId: session.id, amountMinor: 5_000, reason: 'partial', actorId: 'admin-1' });
    expect(first.refund).toMatchObject({ amountMinor: 5_000, feeMinor: 500, payoutMinor: 4_500 });
    await expect(core.refunds.create({ sessionId: session.id, amountMinor: 10_002, reason: 'too much', actorId: 'admin-1' })).rejects.toMatchObject({
      code: 'REFUND_EXCEEDS_CHARGE',
      details: { refundableMinor: 10_001 },
    });
    const rest = await core.refunds.create({ sessionId: session.id, reason: 'the rest', actorId: 'admin-1' });
    expect(rest.refund).toMatchObject({ refund: 2, amountMinor: 10_001, feeMinor: 1_001, payoutMinor: 9_000 });
    expect(new Set(gateway.refundInstructions.map((i) => i.idempotencyKey)).size).toBe(2);
    expect(refundedSoFar(await core.refunds.list(session.id))).toEqual({ amountMinor: 15_001, payoutMinor: 13_500, feeMinor: 1_501 });
  });

  it('refuses bad input, sessions without a succeeded charge, and a gateway without refund', async () => {
    const { core, session, clock } = await charged();
    for (const input of [
      { amountMinor: 0, reason: 'x' },
      { amountMinor: 1.5, reason: 'x' },
      { amountMinor: 10, reason: '' },
      { amountMinor: 10, reason: 'x'.repeat(201) },
    ]) {
      await expect(core.refunds.create({ sessionId: session.id, actorId: 'admin-1', ...input })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    }
    await expect(core.refunds.create({ sessionId: 'nope', reason: 'x', actorId: 'a' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const { session: fresh } = await core.sessions.create(booking({ scheduledStartAt: addMinutes(clock.now(), 60 * 24) }));
    await expect(core.refunds.create({ sessionId: fresh.id, reason: 'x', actorId: 'a' })).rejects.toMatchObject({ code: 'NOTHING_TO_REFUND' });

    const noRefunds = await charged(15_000, { paymentGateway: { charge: async (i) => ({ status: 'succeeded', reference: `pi_${i.idempotencyKey}` }) } });
    await expect(noRefunds.core.refunds.create({ sessionId: noRefunds.session.id, reason: 'x', actorId: 'a' })).rejects.toMatchObject({
      code: 'REFUNDS_NOT_SUPPORTED',
    });
    expect(await noRefunds.core.refunds.list(noRefunds.session.id)).toEqual([]);
  });

  it('a declined refund frees its amount; the next refund opens a new number and key', async () => {
    const { core, gateway, session } = await charged();
    gateway.scriptRefunds('decline');
    const declined = await core.refunds.create({ sessionId: session.id, reason: 'first', actorId: 'admin-1' });
    expect(declined.refund).toMatchObject({ status: 'failed', failureCode: 'charge_already_refunded' });
    const again = await core.refunds.create({ sessionId: session.id, reason: 'second', actorId: 'admin-1' });
    expect(again.refund).toMatchObject({ refund: 2, status: 'succeeded', amountMinor: 15_000 });
  });

  it('a lost answer is unknown, retried under the same key by retryRefunds (never a second key), money returned once', async () => {
    const { core, gateway, session, clock } = await charged();
    gateway.scriptRefunds('throw', 'lose-response');
    const lost = await core.refunds.create({ sessionId: session.id, amountMinor: 2_000, reason: 'lost', actorId: 'admin-1' });
    expect(lost.refund).toMatchObject({ status: 'unknown', failureCode: 'gateway_error', calls: 1 });
    // The room is held: an unknown refund counts against the charge.
    await expect(core.refunds.create({ sessionId: session.id, amountMinor: 13_001, reason: 'x', actorId: 'a' })).rejects.toMatchObject({ code: 'REFUND_EXCEEDS_CHARGE' });
    // Not before one call's time limit has passed.
    expect(await core.refunds.retry()).toMatchObject({ retried: 0 });
    clock.set(addSeconds(clock.now(), 6));
    expect(await core.refunds.retry()).toMatchObject({ retried: 1, unknown: 1 }); // returned, but the answer is lost
    clock.set(addSeconds(clock.now(), 6));
    expect(await core.refunds.retry()).toMatchObject({ retried: 1, succeeded: 1 });
    expect(await core.refunds.retry()).toMatchObject({ retried: 0 });
    expect(new Set(gateway.refundInstructions.map((i) => i.idempotencyKey))).toEqual(new Set([lost.refund.idempotencyKey]));
    expect(gateway.refundInstructions).toHaveLength(3);
    expect(gateway.refunds.size).toBe(1);
    expect(await core.refunds.list(session.id)).toMatchObject([{ refund: 1, status: 'succeeded', calls: 3 }]);
  });

  it('a hanging gateway is cut off at the time limit (unknown); a halting error fails the refund for good', async () => {
    const { core, gateway, session, adapter, clock } = await charged(15_000, { settlement: { chargeTimeoutMs: 50, runBudgetMs: 1_000 } });
    gateway.scriptRefunds('hang', 'halt');
    const hung = await core.refunds.create({ sessionId: session.id, amountMinor: 100, reason: 'hang', actorId: 'a' });
    expect(hung.refund).toMatchObject({ status: 'unknown', failureCode: 'timeout' });
    const halted = await core.refunds.create({ sessionId: session.id, amountMinor: 100, reason: 'halt', actorId: 'a' });
    expect(halted.refund).toMatchObject({ status: 'failed', failureCode: 'IDEMPOTENCY_CONFLICT' });
    const failed = (await adapter.raw.events(session.id)).filter((e) => e.type === 'refund.failed').map((e) => e.payload);
    expect(failed).toEqual([{ refund: halted.refund.refund, attempt: 1, amountMinor: 100, failureCode: 'IDEMPOTENCY_CONFLICT', halted: true }]);
    // Failed for good: never sent again.
    const sent = gateway.refundInstructions.filter((i) => i.idempotencyKey === halted.refund.idempotencyKey).length;
    clock.set(addMinutes(clock.now(), 30));
    await core.refunds.retry();
    expect(gateway.refundInstructions.filter((i) => i.idempotencyKey === halted.refund.idempotencyKey)).toHaveLength(sent);
  });

  it('a pending answer waits for the webhook: recordRefundAnswer finishes it; answers for settled refunds change nothing', async () => {
    const { core, gateway, session, clock } = await charged();
    gateway.scriptRefunds('pending');
    const pending = await core.refunds.create({ sessionId: session.id, reason: 'slow', actorId: 'a' });
    expect(pending.refund).toMatchObject({ status: 'pending', calls: 1 });
    clock.set(addMinutes(clock.now(), 10));
    expect(await core.refunds.retry()).toMatchObject({ retried: 0 }); // accepted: not sent again
    const done = await core.refunds.recordAnswer({ sessionId: session.id, refund: 1, result: { status: 'succeeded', reference: 're_x' } });
    expect(done.refund).toMatchObject({ status: 'succeeded', gatewayReference: 're_x' });
    const again = await core.refunds.recordAnswer({ sessionId: session.id, refund: 1, result: { status: 'failed', failureCode: 'late' } });
    expect(again.session.version).toBe(done.session.version);
    expect(again.refund.status).toBe('succeeded');
  });

  it('racing refunds never over-refund: the losers are judged again against the winners', async () => {
    const { core, session, gateway } = await charged();
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => core.refunds.create({ sessionId: session.id, amountMinor: 4_000, reason: `race ${i}`, actorId: 'a' })),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(3);
    // The losers are refused because nothing fits any more — never an undocumented CONFLICT.
    for (const r of lost) expect(r.reason.code).toBe('REFUND_EXCEEDS_CHARGE');
    const rows = await core.refunds.list(session.id);
    expect(refundedSoFar(rows).amountMinor).toBe(12_000);
    expect(gateway.refunds.size).toBe(3);
  });

  it('many racers (60) that all fit: every one succeeds, each judged again against the winners until it wins; one gateway call per refund', async () => {
    const { core, session, gateway } = await charged();
    const results = await Promise.allSettled(
      Array.from({ length: 60 }, (_, i) => core.refunds.create({ sessionId: session.id, amountMinor: 250, reason: `race ${i}`, actorId: 'a' })),
    );
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason?.code);
    expect(refused).toEqual([]);
    const rows = await core.refunds.list(session.id);
    expect(rows).toHaveLength(60);
    expect(rows.every((r) => r.status === 'succeeded')).toBe(true);
    expect(refundedSoFar(rows)).toEqual({ amountMinor: 15_000, payoutMinor: 13_500, feeMinor: 1_500 });
    expect(gateway.refundInstructions).toHaveLength(60);
    expect(new Set(gateway.refundInstructions.map((i) => i.idempotencyKey)).size).toBe(60);
    // Once all is refunded, another refund is a documented refusal.
    await expect(core.refunds.create({ sessionId: session.id, reason: 'more', actorId: 'a' })).rejects.toMatchObject({ code: 'NOTHING_TO_REFUND' });
  });

  it('many racers (40) of which only some fit: each either succeeds or gets a documented refusal; never more than the charge', async () => {
    const { core, session, gateway } = await charged();
    const amounts = Array.from({ length: 40 }, (_, i) => 500 + ((i * 337) % 900));
    const results = await Promise.allSettled(amounts.map((amountMinor, i) => core.refunds.create({ sessionId: session.id, amountMinor, reason: `race ${i}`, actorId: 'a' })));
    for (const r of results) {
      if (r.status === 'rejected') expect(['REFUND_EXCEEDS_CHARGE', 'NOTHING_TO_REFUND']).toContain(r.reason?.code);
    }
    const rows = await core.refunds.list(session.id);
    const won = results.filter((r) => r.status === 'fulfilled').length;
    expect(rows).toHaveLength(won);
    expect(refundedSoFar(rows).amountMinor).toBeLessThanOrEqual(15_000);
    // A refused one was refused because it did not fit what was left when it was judged last.
    const smallestRefused = Math.min(...results.flatMap((r, i) => (r.status === 'rejected' ? [amounts[i]!] : [])));
    expect(15_000 - refundedSoFar(rows).amountMinor).toBeLessThan(smallestRefused);
    expect(gateway.refundInstructions).toHaveLength(rows.length);
  });

  it('storage that refuses a write while nothing changes (stalled rounds): CONFLICT after a few rounds, nothing stored, nothing sent', async () => {
    const { core, session, gateway, adapter } = await charged();
    const applyWrites = adapter.sessions.applyWrites.bind(adapter.sessions);
    let refusals = 0;
    adapter.sessions.applyWrites = async (writes) => {
      if (writes.some((w) => w.ledger?.some((l) => l.type === 'refund_open'))) {
        refusals++;
        return writes.map(() => null);
      }
      return applyWrites(writes);
    };
    await expect(core.refunds.create({ sessionId: session.id, amountMinor: 100, reason: 'stuck', actorId: 'a' })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(refusals).toBe(4); // the first loss and MAX_STALLED_ROUNDS (3) more at the same version
    expect(await core.refunds.list(session.id)).toEqual([]);
    expect(gateway.refundInstructions).toHaveLength(0);
  });

  it("storage that refuses recording the gateway's answer: the refund is answered as stored (open), never an error inviting a second refund; retryRefunds completes it", async () => {
    const { core, session, gateway, adapter, clock } = await charged();
    const applyWrites = adapter.sessions.applyWrites.bind(adapter.sessions);
    let refuseAnswers = true;
    adapter.sessions.applyWrites = async (writes) =>
      refuseAnswers && writes.some((w) => w.ledger?.some((l) => l.type === 'refund_answer')) ? writes.map(() => null) : applyWrites(writes);
    const report = await core.refunds.create({ sessionId: session.id, amountMinor: 100, reason: 'answer lost in storage', actorId: 'a' });
    expect(report.refund).toMatchObject({ refund: 1, status: 'pending', answeredAt: null });
    expect(gateway.refundInstructions).toHaveLength(1);
    refuseAnswers = false;
    clock.set(addMinutes(clock.now(), 1));
    expect(await core.refunds.retry()).toMatchObject({ retried: 1, succeeded: 1 });
    expect(await core.refunds.list(session.id)).toMatchObject([{ refund: 1, status: 'succeeded' }]);
    expect(gateway.refunds.size).toBe(1);
  });
});
