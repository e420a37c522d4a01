import { isSessionError, type Session, type SessionsCore } from '@itutor/sessions-core';
import type { ChargebackReport } from '@itutor/sessions-core/adapter';
import { addMinutes } from 'date-fns';
import type { AdapterContractHarness } from './contract';
import { ContractViolation } from './contract';
import type { FakeTransferBehaviour, RecordingPaymentGateway } from './fakes';

/**
 * The fault cases of chargebacks and payment recovery (issue #24, point 5), run by `runSettlementFaultSuite`:
 * dispute reports out of order and delivered twice by two workers at once; a reversal of the tutor's share
 * that hangs, fails, throws or is lost after the gateway made it; a student completing the payment while the
 * cron runs. Whatever happens: one chargeback per dispute, holding its newest state; each share taken back
 * and given back at most once; each session's money taken at most once.
 */

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ContractViolation(message);
}

/** What the cases need of the fault suite's world. */
export interface ChargebackFaultWorld {
  readonly clock: { now(): Date; set(at: Date): void; advance(by: { minutes?: number; seconds?: number }): Date };
  readonly gateway: RecordingPaymentGateway;
  readonly workers: readonly SessionsCore[];
}

/** A deterministic shuffle (the same seed, the same order). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let a = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    a = (Math.imul(a ^ (a >>> 15), 2246822507) + 0x9e3779b9) >>> 0;
    const j = a % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** The life of one dispute at the bank, as the gateway reports it, oldest first. */
function lifeOf(s: Session, at: Date, won: boolean): ChargebackReport[] {
  const amountMinor = s.chargeAmountMinor ?? 0;
  const base = { sessionId: s.id, attempt: s.chargeAttempts, reference: `dp_${s.bookingId}`, reason: 'product_not_received', amountMinor, currency: s.currency, feeMinor: 0, fundsReinstatedMinor: 0, evidenceDueBy: addMinutes(at, 7 * 24 * 60) };
  const second = (n: number) => new Date(at.getTime() + n * 1000);
  return [
    { ...base, status: 'needs_response', fundsWithdrawnMinor: 0, reportedAt: second(1) },
    { ...base, status: 'needs_response', fundsWithdrawnMinor: amountMinor, feeMinor: 1_500, reportedAt: second(2) },
    { ...base, status: 'under_review', fundsWithdrawnMinor: amountMinor, feeMinor: 1_500, reportedAt: second(3) },
    { ...base, status: won ? 'won' : 'lost', fundsWithdrawnMinor: amountMinor, feeMinor: 1_500, reportedAt: second(4) },
    ...(won ? [{ ...base, status: 'won' as const, fundsWithdrawnMinor: amountMinor, fundsReinstatedMinor: amountMinor, feeMinor: 1_500, reportedAt: second(5) }] : []),
  ];
}

/** Each session's tutor share against the gateway: taken and given back at most once each, and as the final state says. */
async function checkShares(h: AdapterContractHarness, w: ChargebackFaultWorld, sessions: readonly Session[]): Promise<void> {
  for (const s of sessions) {
    const rows = await h.adapter.chargebacks!.listBySession(s.id);
    check(rows.length <= 1, `${s.bookingId}: ${rows.length} chargebacks for one dispute`);
    const moves = [...w.gateway.shareMoves.values()].filter((m) => m.sessionId === s.id);
    const reversed = moves.filter((m) => m.direction === 'reverse');
    const reinstated = moves.filter((m) => m.direction === 'reinstate');
    check(reversed.length <= 1 && reinstated.length <= 1, `${s.bookingId}: the share moved ${reversed.length}×/${reinstated.length}×`);
    const row = rows[0];
    if (!row) continue;
    if (row.tutorShare === 'reversed') check(reversed.length === 1 && reinstated.length === 0, `${s.bookingId}: reversed in storage, not at the gateway`);
    if (row.tutorShare === 'reinstated') check(reversed.length === 1 && reinstated.length === 1, `${s.bookingId}: reinstated in storage, not at the gateway`);
    if (row.tutorShare === 'none') check(reversed.length === reinstated.length, `${s.bookingId}: nothing in storage, but the gateway moved the share`);
    // Once the work list is done, a won chargeback leaves the tutor whole and a lost one (tutor bearing it) took the share.
    if (row.status === 'won') check(row.tutorShare === 'none' || row.tutorShare === 'reinstated', `${s.bookingId}: won, but the share is ${row.tutorShare}`);
    if (row.status === 'lost' && row.lossBearer === 'tutor') check(row.tutorShare !== 'none', `${s.bookingId}: lost, but the share was never taken`);
    for (const m of moves) check(m.amountMinor === row.tutorShareMinor, `${s.bookingId}: moved ${m.amountMinor}, the share is ${row.tutorShareMinor}`);
  }
}

/** The cases; `make` builds a world with the given policy and `count` sessions settled (and, unless `needsCustomer`, paid). */
export function chargebackFaultCases(
  t: (name: string, body: (h: AdapterContractHarness) => Promise<void>) => void,
  make: (h: AdapterContractHarness, count: number, prefix: string, options: { readonly needsCustomer: boolean }) => Promise<{ w: ChargebackFaultWorld; sessions: Session[] }>,
): void {
  const supported = (h: AdapterContractHarness) => h.adapter.chargebacks !== undefined;

  t('dispute reports out of order and twice, by two workers at once: one chargeback holding the newest state; the share moved at most once each way', async (h) => {
    if (!supported(h)) return;
    const { w, sessions } = await make(h, 6, 'cbo', { needsCustomer: false });
    const [a, b] = w.workers as [SessionsCore, SessionsCore];
    const at = w.clock.now();
    await Promise.all(
      sessions.map(async (s, i) => {
        const life = lifeOf(s, at, i % 2 === 0);
        // Every report twice, shuffled, half to each worker, all at once.
        const deliveries = shuffled([...life, ...life], 7 + i);
        await Promise.all(
          deliveries.map((r, k) =>
            (k % 2 === 0 ? a : b).chargebacks.record(r).catch((e) => (isSessionError(e, 'CONFLICT') ? null : Promise.reject(e))),
          ),
        );
        const [row] = await h.adapter.chargebacks!.listBySession(s.id);
        const last = life.at(-1)!;
        check(row?.status === last.status && row.fundsWithdrawnMinor === last.fundsWithdrawnMinor && row.fundsReinstatedMinor === last.fundsReinstatedMinor, `${s.bookingId}: stored ${row?.status}, the newest report says ${last.status}`);
        check(row.gatewayUpdatedAt.getTime() === last.reportedAt.getTime(), `${s.bookingId}: the newest report's time is kept`);
      }),
    );
    await Promise.all([a.chargebacks.retry(), b.chargebacks.retry()]);
    await checkShares(h, w, sessions);
    for (const s of sessions) {
      const closed = (await h.raw.events(s.id)).filter((e) => e.type === 'chargeback.closed');
      check(closed.length === 1, `${s.bookingId}: closed ${closed.length} times`);
    }
  });

  t("a reversal of the tutor's share that hangs, fails, throws or is lost: sent again under its key, flagged when refused, never taken twice", async (h) => {
    if (!supported(h)) return;
    const { w, sessions } = await make(h, 5, 'cbr', { needsCustomer: false });
    const [a, b] = w.workers as [SessionsCore, SessionsCore];
    w.gateway.scriptShareMoves(...(['hang', 'decline', 'lose-response', 'throw', 'succeed'] satisfies FakeTransferBehaviour[]));
    const at = w.clock.now();
    for (const s of sessions) await a.chargebacks.record(lifeOf(s, at, false)[1]!);
    for (let round = 0; round < 3; round++) {
      w.clock.advance({ minutes: 1 });
      await Promise.all([a.chargebacks.retry(), b.chargebacks.retry()]);
    }
    await checkShares(h, w, sessions);
    const shares = await Promise.all(sessions.map(async (s) => (await h.adapter.chargebacks!.listBySession(s.id))[0]!.tutorShare));
    check(shares.filter((x) => x === 'reversed').length === 4 && shares.filter((x) => x === 'failed').length === 1, `four reversed after retries, one refused: ${shares.join(', ')}`);
    const failed = sessions[shares.indexOf('failed')]!;
    const flags = (await h.raw.events(failed.id)).filter((e) => e.type === 'chargeback.needs_attention' && e.payload.reason === 'share_move_failed');
    check(flags.length === 1, `${failed.bookingId}: the refused reversal is flagged once`);
  });

  t('a student completing the payment while the cron runs: the money is taken once, by the attempt the student confirmed', async (h) => {
    const { w, sessions } = await make(h, 6, 'rec', { needsCustomer: true });
    const [a, b] = w.workers as [SessionsCore, SessionsCore];
    for (const s of sessions) check((await h.raw.session(s.id))?.chargeStatus === 'awaiting_customer', `${s.bookingId} waits for its student`);
    const offSession = w.gateway.instructions.length;
    await Promise.all(
      sessions.map(async (s, i) => {
        const started = await (i % 2 === 0 ? a : b).charges.startOnSession({ sessionId: s.id, studentId: s.studentId });
        check(started.status === 'requires_customer', `${s.bookingId}: the student gets a secret`);
        const key = (await h.raw.session(s.id))!.chargeIdempotencyKey!;
        // The cron runs while the student confirms; the webhook and the student's return answer at once, twice.
        w.clock.advance({ minutes: 10 });
        const cron = Promise.all([a.settlement.run(), b.settlement.run()]);
        w.gateway.completeOnSession(key, 'succeed');
        const result = { status: 'succeeded', reference: `pi_${key}` } as const;
        await Promise.all([
          cron,
          a.charges.recordAnswer({ sessionId: s.id, attempt: started.attempt, result }),
          b.charges.recordAnswer({ sessionId: s.id, attempt: started.attempt, result }),
          (i % 2 === 0 ? b : a).charges.startOnSession({ sessionId: s.id, studentId: s.studentId }).catch((e) => (isSessionError(e, 'NO_CHARGE_PENDING') ? null : Promise.reject(e))),
        ]);
      }),
    );
    for (let round = 0; round < 3; round++) {
      w.clock.advance({ minutes: 600 });
      await Promise.all([a.settlement.run(), b.settlement.run()]);
    }
    const onSessionCalls = w.gateway.instructions.slice(offSession);
    check(onSessionCalls.every((i) => i.attempt >= 2), 'no attempt but the students\' own was sent after the first decline');
    for (const s of sessions) {
      const stored = (await h.raw.session(s.id))!;
      const ledger = await h.raw.charges(s.id);
      check(stored.chargeStatus === 'succeeded', `${s.bookingId}: paid (${stored.chargeStatus})`);
      check(ledger.filter((r) => r.status === 'succeeded').length === 1, `${s.bookingId}: one succeeded attempt`);
      const taken = [...w.gateway.charges.values()].filter((c) => c.sessionId === s.id);
      check(taken.length === 1, `${s.bookingId}: the gateway took money ${taken.length} times`);
      const told = (await h.raw.events(s.id)).filter((e) => e.type === 'charge.customer_action_required');
      check(told.length === 1, `${s.bookingId}: the host was told ${told.length} times`);
    }
  });
}
