import { isSessionError, type Session } from '@itutor/sessions-core';
import { addMinutes } from 'date-fns';
import type { AdapterContractHarness } from './contract';
import { ContractViolation } from './contract';
import type { FakeTransferBehaviour, RecordingPaymentGateway } from './fakes';

/**
 * The fault cases of money after the session (issue #23, point 5), run by `runSettlementFaultSuite` for
 * adapters with payouts and disputes: transfers that hang, fail, answer twice or are lost after the
 * gateway made them; a dispute opened while the payout run runs; two people resolving at once; a refund
 * racing a payout. Whatever happens, money moves exactly as the final dispute state says, never twice.
 */

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ContractViolation(message);
}

/** What the money cases need of the fault suite's world. */
export interface MoneyAfterWorld {
  readonly clock: { now(): Date; set(at: Date): void; advance(by: { minutes?: number; seconds?: number }): Date };
  readonly gateway: RecordingPaymentGateway;
  readonly workers: ReadonlyArray<import('@itutor/sessions-core').SessionsCore>;
}

/**
 * The tutor's money for each session, at the gateway and in storage, against the final state: at most one
 * transfer per session; transfers less reversals equal the payout less the tutor part of the refunds that
 * succeeded once the payout succeeded (0 before); the refunds at the gateway are the stored ones; a resolved
 * dispute's refund is exactly what it says.
 */
export async function checkPayoutMoney(h: AdapterContractHarness, w: MoneyAfterWorld, sessions: readonly Session[]): Promise<void> {
  const payouts = h.adapter.payouts!;
  for (const s of sessions) {
    const stored = (await h.raw.session(s.id))!;
    const rows = await payouts.listBySession(s.id);
    const succeeded = rows.filter((p) => p.status === 'succeeded');
    check(succeeded.length <= 1, `${s.bookingId}: ${succeeded.length} payouts succeeded`);
    const transfers = [...w.gateway.transfers.values()].filter((t) => t.sessionId === s.id);
    check(transfers.length <= 1, `${s.bookingId}: the gateway transferred ${transfers.length} times`);
    const refunds = (await h.adapter.refunds!.listBySession(s.id)).filter((r) => r.status === 'succeeded');
    const reversed = refunds
      .map((r) => w.gateway.reversals.get(`${r.idempotencyKey}-reversal`)?.amountMinor ?? 0)
      .reduce((a, b) => a + b, 0);
    const paid = transfers.reduce((a, t) => a + t.amountMinor, 0);
    const refundedPayout = refunds.reduce((a, r) => a + r.payoutMinor, 0);
    if (succeeded.length === 1) {
      check(transfers.length === 1 && transfers[0]!.amountMinor === succeeded[0]!.amountMinor, `${s.bookingId}: the succeeded payout is the one transfer made`);
      check(paid - reversed === (stored.payoutAmountMinor ?? 0) - refundedPayout, `${s.bookingId}: the tutor keeps ${paid - reversed}, the outcome less refunds says ${(stored.payoutAmountMinor ?? 0) - refundedPayout}`);
    }
    // Every refund the gateway made is a stored refund not failed, and every stored success was made once.
    const live = (await h.adapter.refunds!.listBySession(s.id)).filter((r) => r.status !== 'failed');
    const gatewayKeys = [...w.gateway.refunds.values()].filter((r) => r.sessionId === s.id).map((r) => r.idempotencyKey);
    check(gatewayKeys.every((k) => live.some((r) => r.idempotencyKey === k)), `${s.bookingId}: the gateway made a refund storage does not hold`);
    check(refunds.every((r) => gatewayKeys.includes(r.idempotencyKey)), `${s.bookingId}: a stored refund succeeded that the gateway never made`);
    const dispute = await h.adapter.disputes?.findBySession(s.id);
    if (dispute?.status === 'resolved') {
      const disputeRefunds = (await h.adapter.refunds!.listBySession(s.id)).filter((r) => r.reason.startsWith('Dispute') && r.status !== 'failed');
      check(disputeRefunds.reduce((a, r) => a + r.amountMinor, 0) === dispute.refundMinor, `${s.bookingId}: the dispute says ${dispute.refundMinor} back, the refund ledger holds ${disputeRefunds.map((r) => r.amountMinor).join('+')}`);
    }
  }
}

/** Runs `fn` until it stops throwing `PAYOUT_IN_FLIGHT` (a transfer's answer awaited), advancing the clock. */
async function afterInFlight<T>(w: MoneyAfterWorld, fn: () => Promise<T>): Promise<T | null> {
  for (let i = 0; i < 5; i++) {
    try {
      return await fn();
    } catch (error) {
      if (!isSessionError(error, 'PAYOUT_IN_FLIGHT')) throw error;
      w.clock.advance({ minutes: 1 });
      await Promise.all(w.workers.map((core) => core.payouts.run()));
    }
  }
  return null;
}

/** The cases; `make` builds a world with the given policy and `book` its sessions (settled and paid). */
export function moneyAfterFaultCases(
  t: (name: string, body: (h: AdapterContractHarness) => Promise<void>) => void,
  make: (h: AdapterContractHarness, count: number, prefix: string) => Promise<{ w: MoneyAfterWorld; sessions: Session[]; dueAt: Date }>,
): void {
  const supported = (h: AdapterContractHarness) => h.adapter.payouts !== undefined && h.adapter.disputes !== undefined && h.adapter.refunds !== undefined;

  t('a transfer that hangs, fails, throws or is lost after the gateway made it: each tutor paid exactly once, for exactly the payout', async (h) => {
    if (!supported(h)) return;
    const { w, sessions, dueAt } = await make(h, 6, 'pay');
    w.clock.set(dueAt);
    w.gateway.scriptTransfers(...(['hang', 'decline', 'lose-response', 'throw', 'succeed', 'halt'] satisfies FakeTransferBehaviour[]));
    const began = Date.now();
    await Promise.all(w.workers.map((core) => core.payouts.run()));
    check(Date.now() - began < 10_000, 'a hanging transfer holds up only itself');
    await checkPayoutMoney(h, w, sessions);
    for (let round = 0; round < 4; round++) {
      w.clock.advance({ minutes: 1 });
      await Promise.all(w.workers.map((core) => core.payouts.run()));
    }
    // An answer delivered twice (a webhook replaying the transfer's success) changes nothing.
    for (const s of sessions) {
      const paid = (await w.workers[0]!.payouts.list(s.id)).find((p) => p.status === 'succeeded');
      if (!paid) continue;
      const again = await w.workers[1]!.payouts.recordAnswer({ sessionId: s.id, payout: paid.payout, result: { status: 'succeeded', reference: paid.gatewayReference } });
      check(again.payout.calls === paid.calls, `${s.bookingId}: a repeated answer is not recorded again`);
    }
    const statuses = await Promise.all(sessions.map(async (s) => (await w.workers[0]!.payouts.list(s.id)).map((p) => p.status).join('>')));
    check(statuses.filter((x) => x.endsWith('succeeded')).length === 5, `five tutors paid after retries (one halted for a person): ${statuses.join(', ')}`);
    check(statuses.some((x) => x.endsWith('halted')), 'the halted payout stays halted');
    await checkPayoutMoney(h, w, sessions);
  });

  t('a dispute opened while the payout run runs, a refund racing a payout, two people resolving at once: money as the final state says, never twice', async (h) => {
    if (!supported(h)) return;
    const { w, sessions, dueAt } = await make(h, 8, 'race');
    const [a, b] = w.workers as [import('@itutor/sessions-core').SessionsCore, import('@itutor/sessions-core').SessionsCore];
    w.clock.set(dueAt);
    w.gateway.scriptTransfers('lose-response', 'succeed', 'hang', 'succeed');
    await Promise.all([
      a.payouts.run(),
      ...sessions.map((s, i) =>
        i % 2 === 0
          ? b.disputes.open({ sessionId: s.id, actorId: s.studentId, reason: 'ended_early', message: 'Left early' }).catch((e) => (isSessionError(e) ? null : Promise.reject(e)))
          : i % 3 === 0
            ? afterInFlight(w, () => b.refunds.create({ sessionId: s.id, amountMinor: 500, reason: 'goodwill', actorId: 'ops' }))
            : Promise.resolve(null),
      ),
    ]);
    // Two people decide each dispute at once, differently: one wins, the other is refused.
    await Promise.all(
      sessions.map(async (s, i) => {
        if (i % 2 !== 0) return;
        const decide = (core: typeof a, resolution: 'full_refund' | 'no_refund') =>
          afterInFlight(w, () => core.disputes.act({ sessionId: s.id, actorId: `ops-${resolution}`, role: 'platform', action: { type: 'resolve', resolution }, message: 'Decided' })).then(
            () => 'won',
            (e) => (isSessionError(e, 'DISPUTE_RESOLVED') ? 'lost' : Promise.reject(e)),
          );
        const results = await Promise.all([decide(a, 'full_refund'), decide(b, 'no_refund')]);
        check(results.filter((r) => r === 'won').length === 1, `${s.bookingId}: exactly one resolution wins (${results.join(', ')})`);
      }),
    );
    for (let round = 0; round < 4; round++) {
      w.clock.advance({ minutes: 1 });
      await Promise.all([a.payouts.run(), b.payouts.run(), a.refunds.retry()]);
    }
    for (const s of sessions) {
      const dispute = await h.adapter.disputes!.findBySession(s.id);
      const payouts = await a.payouts.list(s.id);
      if (dispute) check(dispute.status === 'resolved', `${s.bookingId}: the dispute is resolved`);
      const last = payouts.at(-1)!;
      check(last.status === 'succeeded' || last.status === 'cancelled', `${s.bookingId}: the payout ends paid or cancelled (${payouts.map((p) => p.status).join('>')})`);
    }
    await checkPayoutMoney(h, w, sessions);
  });
}
