import { DEFAULT_POLICY, definePolicy, type Session } from '@itutor/sessions-core';
import { transition, type ChargeAnswer, type Dispute, type LedgerWrite, type SessionCommand } from '@itutor/sessions-core/adapter';
import { addMinutes } from 'date-fns';
import { buildSession } from './builders';
import type { AdapterContractHarness, ContractCaseKit } from './contract';
import { PAYOUT_KEYS, check, checkRecord, writeOf, type World } from './contract-kit';

/**
 * The contract's cases for money after the session (issue #23): `after_review` payout rows round-trip every
 * field from scheduled to sent to answered, the due list in its documented order and filters (held by an
 * unresolved dispute, resent only after `resendBefore`), the session's one dispute round-trips every step,
 * and storage refuses what the ledger's rules forbid (a payout sent while a dispute is open or for another
 * amount, a second dispute, a change of a resolved one) without storing any part of the write.
 */
export function moneyAfterContractCases({ t, start, uuid }: ContractCaseKit): void {
  const policy = definePolicy({ payoutTiming: 'after_review', reviewWindowMinutes: 60 });
  const session = (n: number) => buildSession({ id: uuid(n), bookingId: `after-${n}`, scheduledStartAt: start, priceMinor: 15_001 }, policy);
  /** Settled and paid: charge 15 001, payout 13 500 scheduled for the end of the review window. */
  const paid = async (w: World, n: number) => {
    const s = await w.insert(session(n));
    const settled = await w.step(s.id, { type: 'SETTLE' }, s.chargeScheduledAt, { policy });
    const result: ChargeAnswer = { status: 'succeeded', reference: `pi_${n}` };
    return w.step(s.id, { type: 'RECORD_CHARGE_RESULT', attempt: settled.chargeAttempts, result }, addMinutes(s.chargeScheduledAt, 1), { policy });
  };
  const ledgerOf = async (h: AdapterContractHarness, id: string) => {
    const { adapter } = h;
    return {
      charges: await adapter.charges.listBySession(id),
      refunds: (await adapter.refunds?.listBySession(id)) ?? [],
      payouts: (await adapter.payouts?.listBySession(id)) ?? [],
      dispute: (await adapter.disputes?.findBySession(id)) ?? null,
    };
  };
  const step = async (h: AdapterContractHarness, w: World, id: string, make: (ledger: Awaited<ReturnType<typeof ledgerOf>>) => SessionCommand, at: Date) =>
    w.step(id, make(await ledgerOf(h, id)), at, { policy });
  /** A write that skips the state machine: storage must refuse it whole (a throw or a lost write), storing nothing. */
  const refused = async (h: AdapterContractHarness, w: World, s: Session, ledger: readonly LedgerWrite[], what: string) => {
    let ok = false;
    try {
      const [r] = await h.adapter.sessions.applyWrites([{ expectedVersion: s.version, next: { ...s, version: s.version + 1 }, events: [], ledger }]);
      ok = r === null;
    } catch {
      ok = true;
    }
    check(ok, `storage must refuse ${what}`);
    await w.verify(s.id, `after the refused write (${what}: nothing of it may be stored)`);
  };

  t(
    'an after_review payout opens scheduled with the charge, is sent with its amount fixed, answered twice: every field round-trips',
    async (h, w) => {
      const s = await paid(w, 1);
      const [row] = w.payouts.get(s.id) ?? [];
      check(row?.status === 'scheduled' && row.amountMinor === 13_500 && row.dueAt.getTime() === addMinutes(s.finalizedAt!, 60).getTime(), 'the suite expected a scheduled payout');
      const due = addMinutes(s.finalizedAt!, 60);
      await step(h, w, s.id, (ledger) => ({ type: 'SEND_PAYOUT', payout: 1, ledger }), due);
      await step(h, w, s.id, (l) => ({ type: 'RECORD_PAYOUT_RESULT', payout: 1, result: { status: 'unknown', reason: 'timeout', reference: 'tr_1' }, payouts: l.payouts }), addMinutes(due, 1));
      await step(h, w, s.id, (l) => ({ type: 'RECORD_PAYOUT_RESULT', payout: 1, result: { status: 'succeeded', reference: null }, payouts: l.payouts }), addMinutes(due, 2));
      const [done] = w.payouts.get(s.id)!;
      check(done?.status === 'succeeded' && done.gatewayReference === 'tr_1' && done.calls === 2 && done.refundsBefore === 0, 'the suite expected the reference kept over two answers');
      await refused(h, w, w.expected(s.id), [{ type: 'payout_answer', sessionId: s.id, payout: 1, status: 'failed', gatewayReference: null, failureCode: 'x', answeredAt: due }], 'a change of a succeeded payout');
    },
    { port: 'payouts' },
  );

  t(
    'listDue: scheduled payouts due by now, oldest dueAt first then session id; sent ones only once resendBefore has passed',
    async (h, w) => {
      const [a, b, c] = [await paid(w, 3), await paid(w, 2), await paid(w, 4)];
      const due = addMinutes(a.finalizedAt!, 60);
      await step(h, w, c.id, (ledger) => ({ type: 'SEND_PAYOUT', payout: 1, ledger }), due);
      const expect = async (now: Date, resendBefore: Date, limit: number, wanted: Session[]) => {
        const listed = await h.adapter.payouts!.listDue({ now, resendBefore, limit });
        const name = (id: string) => w.sessions.get(id)?.bookingId ?? id;
        check(
          listed.map((p) => name(p.sessionId)).join() === wanted.map((s) => s.bookingId).join(),
          `listDue(now ${now.toISOString()}, resendBefore ${resendBefore.toISOString()}, limit ${limit}) answered [${listed.map((p) => name(p.sessionId)).join(', ')}], expected [${wanted.map((s) => s.bookingId).join(', ')}]`,
        );
        listed.forEach((p, i) => checkRecord(p, w.payouts.get(p.sessionId)!.find((x) => x.payout === p.payout)!, PAYOUT_KEYS, `listDue [${i}]`));
      };
      await expect(addMinutes(due, -1), addMinutes(due, -1), 10, []);
      // a (uuid 3) and b (uuid 2) are due at the same time: b's id sorts first. c was sent at `due`.
      await expect(due, addMinutes(due, -1), 10, [b, a]);
      await expect(due, due, 10, [b, a, c].sort((x, y) => (x.id < y.id ? -1 : 1)));
      await expect(due, due, 1, [b]);
    },
    { port: 'payouts' },
  );

  t(
    "a dispute round-trips every step; while it is open the payout is held (not listed due, storage refuses to send it); a second dispute is refused",
    async (h, w) => {
      const s = await paid(w, 5);
      const at = addMinutes(s.finalizedAt!, 10);
      await step(h, w, s.id, (ledger) => ({ type: 'OPEN_DISPUTE', actorId: s.studentId, reason: 'ended_early', message: 'Left early', ledger }), at);
      const opened = w.disputes.get(s.id)!;
      check(opened.status === 'open', 'the suite expected an open dispute');
      await refused(h, w, w.expected(s.id), [{ type: 'dispute_open', dispute: { ...opened, reason: 'quality' } }], 'a second dispute of one session');
      if (h.adapter.payouts) {
        const due = addMinutes(s.finalizedAt!, 60);
        const listed = await h.adapter.payouts.listDue({ now: due, resendBefore: due, limit: 10 });
        check(!listed.some((p) => p.sessionId === s.id), 'listDue must not list a payout held by an unresolved dispute');
        const refundsBefore = 0;
        await refused(h, w, w.expected(s.id), [{ type: 'payout_send', sessionId: s.id, payout: 1, status: 'pending', amountMinor: 13_500, sentAt: due, refundsBefore }], 'a payout sent while a dispute is open');
      }
      await step(h, w, s.id, (ledger) => ({ type: 'DISPUTE_ACTION', actorId: s.tutorId, role: 'tutor', action: { type: 'offer', amountMinor: 7_500 }, message: 'Half', ledger }), addMinutes(at, 1));
      await step(h, w, s.id, (ledger) => ({ type: 'DISPUTE_ACTION', actorId: s.studentId, role: 'student', action: { type: 'decline_offer' }, ledger }), addMinutes(at, 2));
      await step(h, w, s.id, (ledger) => ({ type: 'DISPUTE_ACTION', actorId: 'ops', role: 'platform', action: { type: 'resolve', resolution: 'no_refund' }, message: 'As charged', ledger }), addMinutes(at, 3));
      const resolved: Dispute = w.disputes.get(s.id)!;
      check(resolved.status === 'resolved' && resolved.resolution === 'no_refund' && resolved.resolvedByRole === 'platform', 'the suite expected a resolved dispute');
      await refused(h, w, w.expected(s.id), [{ type: 'dispute_update', dispute: { ...resolved, status: 'contested', resolution: null } }], 'a change of a resolved dispute');
    },
    { port: 'disputes' },
  );

  t(
    'a partial refund before the payout reduces it: storage refuses to send the outcome payout, takes the reduced one',
    async (h, w) => {
      check(h.adapter.refunds !== undefined, 'an adapter with payouts needs refunds too (the payout is reduced by them)');
      const s = await paid(w, 6);
      const at = addMinutes(s.finalizedAt!, 10);
      await step(h, w, s.id, (l) => ({ type: 'REQUEST_REFUND', amountMinor: 5_000, reason: 'contract', actorId: 'admin', ...l }), at);
      const due = addMinutes(s.finalizedAt!, 60);
      const current = w.expected(s.id);
      await refused(h, w, current, [{ type: 'payout_send', sessionId: s.id, payout: 1, status: 'pending', amountMinor: 13_500, sentAt: due, refundsBefore: 1 }], 'a payout of more than is left after refunds');
      const sent = transition(current, { type: 'SEND_PAYOUT', payout: 1, ledger: await ledgerOf(h, s.id) }, due, policy);
      check(sent.ok && sent.ledger[0]?.type === 'payout_send' && sent.ledger[0].amountMinor === 13_500 - 4_500, 'the suite expected the payout reduced by the refund\'s payout part');
      await w.apply([writeOf(current, sent)]);
      void DEFAULT_POLICY;
    },
    { port: 'payouts' },
  );
}
