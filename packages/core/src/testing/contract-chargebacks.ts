import { definePolicy, type Session } from '@itutor/sessions-core';
import {
  decideChargebackReport,
  openOnSessionAttempt,
  recordShareMove,
  transition,
  transitionContext,
  type ChargeAnswer,
  type Chargeback,
  type ChargebackReport,
  type LedgerWrite,
  type TransitionResult,
} from '@itutor/sessions-core/adapter';
import { addMinutes } from 'date-fns';
import { buildSession } from './builders';
import type { AdapterContractHarness, ContractCaseKit } from './contract';
import { CHARGEBACK_KEYS, check, checkRecords, writeOf, type World } from './contract-kit';

/**
 * The contract's cases for chargebacks and payment recovery (issue #24): a chargeback row round-trips every
 * field from its first report through staging, submission and the tutor's share; `findByReference` and
 * `listOpen` answer as documented; storage refuses what the chargeback rules forbid (a reference twice, a
 * number out of turn, a chargeback of a charge that did not succeed, a change of its identity, evidence or a
 * share going back, funds going down) and an `after_review` payout sent while a chargeback is open or for more
 * than is left after a withheld share; a session whose charge waits for its student round-trips and is
 * never claimed for settlement.
 */
export function chargebackContractCases({ t, start, uuid }: ContractCaseKit): void {
  const policy = definePolicy({ payoutTiming: 'after_review', reviewWindowMinutes: 60, chargebackLossBearer: 'tutor' });
  const session = (n: number) => buildSession({ id: uuid(n), bookingId: `chargeback-${n}`, scheduledStartAt: start, priceMinor: 15_000 }, policy);
  /** Settled and paid: charge 15 000 (attempt 1), payout 13 500 scheduled. */
  const paid = async (w: World, n: number) => {
    const s = await w.insert(session(n));
    const settled = await w.step(s.id, { type: 'SETTLE' }, s.chargeScheduledAt, { policy });
    const result: ChargeAnswer = { status: 'succeeded', reference: `pi_cb_${n}` };
    return w.step(s.id, { type: 'RECORD_CHARGE_RESULT', attempt: settled.chargeAttempts, result }, addMinutes(s.chargeScheduledAt, 1), { policy });
  };
  const report = (s: Session, changes: Partial<ChargebackReport> = {}): ChargebackReport => ({
    sessionId: s.id,
    attempt: 1,
    reference: `dp_${s.bookingId}`,
    status: 'needs_response',
    reason: 'fraudulent',
    amountMinor: 10_000,
    currency: 'TTD',
    feeMinor: 1_500,
    fundsWithdrawnMinor: 10_000,
    fundsReinstatedMinor: 0,
    evidenceDueBy: addMinutes(start, 7 * 24 * 60),
    reportedAt: addMinutes(start, 120),
    ...changes,
  });
  /** Applies a decision made on the session as the suite expects it. */
  const decide = async (h: AdapterContractHarness, w: World, id: string, at: Date, make: (s: Session) => Promise<TransitionResult> | TransitionResult) => {
    const from = w.expected(id);
    const result = await make(from);
    check(result.ok && result.changed, `the suite's decision on ${from.bookingId} was refused or changed nothing`);
    await w.apply([writeOf(from, result)]);
    void h;
    void at;
    return w.expected(id);
  };
  const recorded = (h: AdapterContractHarness, w: World, id: string, r: ChargebackReport, at: Date) =>
    decide(h, w, id, at, async (s) => {
      const decided = decideChargebackReport(transitionContext(s, at, policy), r, { charges: w.charges.get(id) ?? [], chargebacks: (await h.adapter.chargebacks!.listBySession(id)) ?? [] });
      check(!('error' in decided), `the suite's report on ${s.bookingId} was refused`);
      return (decided as { result: TransitionResult }).result;
    });
  const row = (w: World, id: string, n = 1): Chargeback => {
    const found = (w.chargebacks.get(id) ?? []).find((c) => c.chargeback === n);
    check(found, `the suite expected chargeback ${n} of ${id}`);
    return found;
  };
  const update = (h: AdapterContractHarness, w: World, id: string, at: Date, next: Chargeback) =>
    decide(h, w, id, at, (s) => {
      const ctx = transitionContext(s, at, policy);
      return { ok: true, changed: true, session: ctx.next({}), events: [], ledger: [{ type: 'chargeback_update', chargeback: next }], effects: [] };
    });
  /** A write that skips the rules: storage must refuse it whole (a throw or a lost write), storing nothing. */
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
    'a chargeback opens on a succeeded attempt and round-trips every field through reports, staging, submission and the share; findByReference; listOpen',
    async (h, w) => {
      const [a, b, c] = [await paid(w, 41), await paid(w, 42), await paid(w, 43)];
      const at = addMinutes(start, 120);
      await recorded(h, w, a.id, report(a, { evidenceDueBy: addMinutes(start, 9 * 24 * 60) }), at);
      await recorded(h, w, b.id, report(b, { evidenceDueBy: null }), at);
      await recorded(h, w, c.id, report(c, { evidenceDueBy: addMinutes(start, 3 * 24 * 60) }), at);
      const staged = { service_date: '2026-01-01', product_description: 'A lesson', access_activity_log: 'joined', cancellation_policy_disclosure: 'tiers', refund_policy_disclosure: 'window', customer_communication: null, uncategorized_text: 'timeline\nline two' };
      await update(h, w, a.id, addMinutes(at, 1), { ...row(w, a.id), evidence: 'staged', stagedEvidence: staged, evidenceStagedAt: addMinutes(at, 1), updatedAt: addMinutes(at, 1) });
      await update(h, w, a.id, addMinutes(at, 2), { ...row(w, a.id), tutorShare: 'reversed', updatedAt: addMinutes(at, 2) });
      await update(h, w, a.id, addMinutes(at, 3), { ...row(w, a.id), evidence: 'submitted', submittedBy: 'ops', submittedAt: addMinutes(at, 3), updatedAt: addMinutes(at, 3) });
      await recorded(h, w, a.id, report(a, { status: 'won', fundsReinstatedMinor: 10_000, reportedAt: addMinutes(at, 60) }), addMinutes(at, 60));
      // Won with the share still taken: closed, but still on the work list until the share is given back.
      checkRecords(await h.adapter.chargebacks!.listOpen({ limit: 10 }), [row(w, c.id), row(w, a.id), row(w, b.id)], CHARGEBACK_KEYS, 'listOpen (a closed chargeback whose share is still to move stays listed)');
      await decide(h, w, a.id, addMinutes(at, 61), (s) => recordShareMove(transitionContext(s, addMinutes(at, 61), policy), row(w, a.id), 'reinstate', { status: 'succeeded', reference: 'tr_x' }));
      check(row(w, a.id).tutorShare === 'reinstated' && row(w, a.id).closedAt !== null, 'the suite expected a closed chargeback with the share given back');
      await w.verify(a.id, 'after the chargeback closed');
      const open = await h.adapter.chargebacks!.listOpen({ limit: 10 });
      checkRecords(open, [row(w, c.id), row(w, b.id)], CHARGEBACK_KEYS, 'listOpen (soonest evidenceDueBy first, none last; closed ones left out)');
      checkRecords(await h.adapter.chargebacks!.listOpen({ limit: 1 }), [row(w, c.id)], CHARGEBACK_KEYS, 'listOpen with limit 1');
      check((await h.adapter.chargebacks!.findByReference('dp_nobody')) === null, 'findByReference must answer null for an unknown reference');
    },
    { port: 'chargebacks' },
  );

  t(
    'storage refuses what the chargeback rules forbid, storing nothing of the write',
    async (h, w) => {
      const s = await paid(w, 44);
      const other = await paid(w, 45);
      const at = addMinutes(start, 120);
      await recorded(h, w, s.id, report(s), at);
      const stored = row(w, s.id);
      const open = (c: Partial<Chargeback>): LedgerWrite => ({ type: 'chargeback_open', chargeback: { ...stored, chargeback: 2, reference: 'dp_fresh', ...c } });
      const change = (c: Partial<Chargeback>): LedgerWrite => ({ type: 'chargeback_update', chargeback: { ...stored, ...c } });
      const current = w.expected(s.id);
      await refused(h, w, current, [open({ reference: stored.reference })], 'a second chargeback with the same reference');
      await refused(h, w, w.expected(other.id), [{ type: 'chargeback_open', chargeback: { ...stored, sessionId: other.id } }], 'a reference another session holds');
      await refused(h, w, current, [open({ chargeback: 3 })], 'a chargeback number out of turn');
      await refused(h, w, current, [open({ attempt: 2 })], 'a chargeback of an attempt that did not succeed');
      await refused(h, w, current, [change({ amountMinor: 9_000 })], 'a change of the disputed amount');
      await refused(h, w, current, [change({ lossBearer: 'platform' })], 'a change of who bears the loss');
      await refused(h, w, current, [change({ fundsWithdrawnMinor: 0 })], 'funds withdrawn going down');
      await refused(h, w, current, [change({ tutorShare: 'reinstated' })], 'a share given back that was never taken');
      await refused(h, w, current, [change({ evidence: 'submitted', submittedBy: 'ops', submittedAt: at })], 'evidence submitted without being staged');
      await refused(h, w, current, [change({ evidence: 'staged' })], 'evidence staged without its fields and time');
      await refused(h, w, current, [change({ tutorShareMinor: 10_001 })], 'a tutor share above the disputed amount');
      await refused(h, w, current, [change({ status: 'lost' })], 'a final status without closedAt');
      const staged = { service_date: '2026-01-01', product_description: 'A lesson', access_activity_log: 'joined', cancellation_policy_disclosure: 'tiers', refund_policy_disclosure: 'window', customer_communication: null, uncategorized_text: 'timeline' };
      await update(h, w, s.id, addMinutes(at, 1), { ...stored, evidence: 'staged', stagedEvidence: staged, evidenceStagedAt: addMinutes(at, 1), updatedAt: addMinutes(at, 1) });
      await update(h, w, s.id, addMinutes(at, 2), { ...row(w, s.id), evidence: 'submitted', submittedBy: 'ops', submittedAt: addMinutes(at, 2), updatedAt: addMinutes(at, 2) });
      await refused(h, w, w.expected(s.id), [change({ ...row(w, s.id), evidence: 'staged', submittedBy: null, submittedAt: null })], 'evidence going back after it was submitted');
      await refused(h, w, w.expected(s.id), [{ type: 'chargeback_update', chargeback: { ...stored, chargeback: 7 } }], 'an update of a chargeback that does not exist');
    },
    { port: 'chargebacks' },
  );

  t(
    'an open chargeback holds an after_review payout; a withheld share reduces the payout sent by exactly that much',
    async (h, w) => {
      check(h.adapter.payouts !== undefined, 'an adapter with chargebacks and payouts must hold payouts for chargebacks');
      const s = await paid(w, 46);
      const at = addMinutes(start, 120);
      await recorded(h, w, s.id, report(s), at);
      const due = addMinutes(s.finalizedAt!, 60);
      const send = (amountMinor: number): LedgerWrite => ({ type: 'payout_send', sessionId: s.id, payout: 1, status: 'pending', amountMinor, sentAt: due, refundsBefore: 0 });
      await refused(h, w, w.expected(s.id), [send(13_500)], 'a payout sent while a chargeback is open');
      await recorded(h, w, s.id, report(s, { status: 'lost', reportedAt: addMinutes(at, 60) }), addMinutes(at, 60));
      await decide(h, w, s.id, addMinutes(at, 61), (x) => recordShareMove(transitionContext(x, addMinutes(at, 61), policy), row(w, s.id), 'withhold', null));
      check(row(w, s.id).tutorShare === 'withheld' && row(w, s.id).tutorShareMinor === 9_000, 'the suite expected a withheld share of 9 000');
      await refused(h, w, w.expected(s.id), [send(13_500)], 'a payout that ignores the withheld share');
      await decide(h, w, s.id, due, (x) => {
        const ledger = { charges: w.charges.get(s.id) ?? [], refunds: [], payouts: w.payouts.get(s.id) ?? [], dispute: null, chargebacks: w.chargebacks.get(s.id) ?? [] };
        return transition(x, { type: 'SEND_PAYOUT', payout: 1, ledger }, due, policy);
      });
      check(w.payouts.get(s.id)?.[0]?.amountMinor === 4_500, 'the suite expected the payout reduced to 4 500');
    },
    { port: 'chargebacks' },
  );

  t('a charge waiting for its student round-trips with its on-session attempt, and is never claimed for settlement', async (h, w) => {
    const plain = definePolicy({});
    const s0 = await w.insert(buildSession({ id: uuid(47), bookingId: 'recovery-47', scheduledStartAt: start, priceMinor: 15_000 }, plain));
    const settled = await w.step(s0.id, { type: 'SETTLE' }, s0.chargeScheduledAt, { policy: plain });
    const result: ChargeAnswer = { status: 'failed', failureCode: 'authentication_required', reference: 'pi_auth', needsCustomer: true };
    const waiting = await w.step(s0.id, { type: 'RECORD_CHARGE_RESULT', attempt: settled.chargeAttempts, result }, addMinutes(s0.chargeScheduledAt, 1), { policy: plain, claimedUntil: null });
    check(waiting.chargeStatus === 'awaiting_customer' && waiting.chargeIdempotencyKey === null, 'the suite expected the charge waiting for the student');
    const at = addMinutes(s0.chargeScheduledAt, 30);
    const started = await decide(h, w, s0.id, at, (s) => openOnSessionAttempt(transitionContext(s, at, plain), s.studentId));
    check(started.chargeStatus === 'awaiting_customer' && started.chargeIdempotencyKey !== null && started.chargeAttempts === 2, "the suite expected the student's attempt open");
    const later = addMinutes(at, 24 * 60);
    await w.claim({ now: later, limit: 10, claimUntil: addMinutes(later, 5) }, [], 'a claim long after: a charge waiting for its student is never the cron\'s');
  });
}
