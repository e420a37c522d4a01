import { DEFAULT_POLICY, type Refund, type Session } from '@itutor/sessions-core';
import { EARLIEST_INSTANT, LATEST_INSTANT } from '@itutor/sessions-core/rules';
import { refundIdempotencyKey, transition, type ChargeAnswer, type RefundAnswer } from '@itutor/sessions-core/adapter';
import { addMinutes } from 'date-fns';
import { buildSession } from './builders';
import type { AdapterContractHarness, ContractCaseKit } from './contract';
import { REFUND_KEYS, check, checkRecord, checkSession, writeOf, type World } from './contract-kit';

/**
 * The contract's ledger cases: charge attempts and refunds round-trip every field after every open and
 * answer; an answer without a reference keeps the stored one; the storage rules (with a positive control
 * for each raw helper); the attention list and the refund retry list in their documented order.
 */
export function ledgerContractCases({ t, start, uuid }: ContractCaseKit): void {
  const session = (n: number, over: Parameters<typeof buildSession>[0] = {}) =>
    buildSession({ id: uuid(n), bookingId: `ledger-${n}`, scheduledStartAt: start, priceMinor: 15_001, ...over });
  const settled = async (w: World, s: Session) => {
    await w.insert(s);
    return w.step(s.id, { type: 'SETTLE' }, s.chargeScheduledAt);
  };
  const answer = (w: World, id: string, result: ChargeAnswer, at: Date, policy = DEFAULT_POLICY) =>
    w.step(id, { type: 'RECORD_CHARGE_RESULT', attempt: w.expected(id).chargeAttempts, result }, at, { policy });

  t('settling opens attempt 1 in the same write: every field of the attempt (amounts exact, its own key)', async (_h, w) => {
    const s = await settled(w, session(1));
    const [row] = w.charges.get(s.id)!;
    check(row && row.amountMinor === 15_001 && row.payoutMinor === 13_500 && row.feeMinor === 1_501, 'the suite expected the outcome amounts');
    check(row.idempotencyKey === w.expected(s.id).chargeIdempotencyKey, 'the suite expected the attempt\'s key on the session');
  });

  t('charge answers update their attempt, one more call each; an answer without a reference keeps the stored one', async (_h, w) => {
    const s = await settled(w, session(1));
    const at = addMinutes(s.chargeScheduledAt, 1);
    await answer(w, s.id, { status: 'unknown', reason: 'timeout', reference: 'pi_1' }, at);
    await answer(w, s.id, { status: 'unknown', reason: 'gateway_error', reference: null }, addMinutes(at, 1));
    await answer(w, s.id, { status: 'succeeded', reference: null }, addMinutes(at, 2));
    const [row] = w.charges.get(s.id)!;
    check(row?.gatewayReference === 'pi_1' && row.calls === 3 && row.status === 'succeeded', 'the suite expected the reference kept over three calls');
  });

  t('a declined attempt closes with its code and reference; the next opens with a new key; both rows stay', async (_h, w) => {
    const s = await settled(w, session(1));
    const at = addMinutes(s.chargeScheduledAt, 1);
    await answer(w, s.id, { status: 'failed', failureCode: 'card_declined', reference: 'pi_1' }, at);
    check(w.expected(s.id).chargeIdempotencyKey === null, 'the suite expected no open attempt');
    await w.step(s.id, { type: 'OPEN_CHARGE_ATTEMPT' }, addMinutes(at, 5));
    await answer(w, s.id, { status: 'failed', failureCode: 'insufficient_funds', reference: null }, addMinutes(at, 6));
    await w.step(s.id, { type: 'OPEN_CHARGE_ATTEMPT' }, addMinutes(at, 10));
    await answer(w, s.id, { status: 'succeeded', reference: 'pi_3' }, addMinutes(at, 11));
    check(w.charges.get(s.id)!.length === 3, 'the suite expected three attempts');
  });

  t('a stale answer loses and changes neither the session nor the ledger', async (_h, w) => {
    const s = await settled(w, session(1));
    const at = addMinutes(s.chargeScheduledAt, 1);
    await answer(w, s.id, { status: 'succeeded', reference: 'ch_42' }, at);
    const stale = transition(s, { type: 'RECORD_CHARGE_RESULT', attempt: 1, result: { status: 'failed', failureCode: 'card_declined', reference: null } }, at);
    await w.apply([writeOf(s, stale)], [false]);
  });

  t('storage takes an answer written directly, and refuses amounts other than the outcome, a reused key and a second success', async (h, w) => {
    const s = await settled(w, session(1));
    const row = w.charges.get(s.id)![0]!;
    // The raw helper must be able to write: an answer on the open attempt is allowed.
    const unknown = { ...row, status: 'unknown' as const, failureCode: 'timeout', gatewayReference: 'pi_raw', calls: 1, answeredAt: addMinutes(s.chargeScheduledAt, 1) };
    check(await h.raw.tryWriteCharge(unknown), 'raw.tryWriteCharge must be able to record an answer on an open attempt (storage allows it)');
    w.charges.set(s.id, [unknown]);
    await w.verify(s.id, 'after a direct answer');
    const second = { ...row, attempt: 2, idempotencyKey: `${row.idempotencyKey}-2` };
    check(!(await h.raw.tryWriteCharge({ ...second, amountMinor: row.amountMinor + 2, feeMinor: row.feeMinor + 2 })), 'amounts other than the outcome must be refused');
    check(!(await h.raw.tryWriteCharge({ ...second, payoutMinor: row.payoutMinor - 1 })), 'charge ≠ payout + fee must be refused');
    check(!(await h.raw.tryWriteCharge({ ...second, idempotencyKey: row.idempotencyKey })), 'a reused idempotency key must be refused');
    const paid = { ...unknown, status: 'succeeded' as const, failureCode: null, calls: 2 };
    check(await h.raw.tryWriteCharge(paid), 'raw.tryWriteCharge must be able to record the first success (storage allows it)');
    w.charges.set(s.id, [paid]);
    check(!(await h.raw.tryWriteCharge({ ...second, status: 'succeeded', calls: 1, answeredAt: addMinutes(s.chargeScheduledAt, 2) })), 'a second success must be refused');
    await w.verify(s.id, 'after the refused writes');
  });

  t('lists the sessions whose charge failed for good: oldest chargeScheduledAt first, then id, up to the limit, every field', async (h, w) => {
    const policy = { ...DEFAULT_POLICY, maxChargeAttempts: 1 };
    const fail = async (n: number, startAt: Date) => {
      const s = await settled(w, session(n, { scheduledStartAt: startAt }));
      await answer(w, s.id, { status: 'failed', failureCode: 'card_declined', reference: null }, addMinutes(s.chargeScheduledAt, 1), policy);
      check(w.expected(s.id).chargeStatus === 'failed', 'with one attempt allowed, a decline fails for good');
      return w.expected(s.id);
    };
    // Inserted out of order; two share their chargeScheduledAt.
    const newest = await fail(10, addMinutes(start, 60));
    const tieHigh = await fail(14, start);
    const oldest = await fail(12, addMinutes(start, -120));
    const tieLow = await fail(11, start);
    await settled(w, session(20, { scheduledStartAt: addMinutes(start, -500) })); // pending: not listed
    const expect = async (limit: number, sessions: Session[]) => {
      const listed = await h.adapter.charges.listNeedingAttention({ limit });
      check(
        listed.map((s) => s.id).join() === sessions.map((s) => s.id).join(),
        `listNeedingAttention({ limit: ${limit} }) answered [${listed.map((s) => s.bookingId).join(', ')}], expected [${sessions.map((s) => s.bookingId).join(', ')}]`,
      );
      listed.forEach((s, i) => checkSession(s, sessions[i]!, `listNeedingAttention, ${sessions[i]!.bookingId}`));
    };
    await expect(3, [oldest, tieLow, tieHigh]);
    await expect(10, [oldest, tieLow, tieHigh, newest]);
    await expect(0, []);
  });

  t('instants at both ends of the accepted range round-trip exactly', async (_h, w) => {
    await w.insert(session(1, { bookingId: 'earliest', scheduledStartAt: addMinutes(EARLIEST_INSTANT, 5), durationMinutes: 1440 }));
    const late = await w.insert(session(2, { bookingId: 'latest', scheduledStartAt: new Date(LATEST_INSTANT.getTime() - 1), durationMinutes: 1440 }));
    await w.step(late.id, { type: 'JOIN', actorId: late.tutorId }, new Date(LATEST_INSTANT.getTime() - 1));
  });

  // ---------------------------------------------------------------------------------------------------
  // Refunds (adapters with `refunds`).
  // ---------------------------------------------------------------------------------------------------

  /** A settled session whose charge succeeded (charge 15 001, payout 13 500, fee 1 501). */
  const paid = async (w: World, n: number, over: Parameters<typeof buildSession>[0] = {}) => {
    const s = await settled(w, session(n, over));
    return answer(w, s.id, { status: 'succeeded', reference: `pi_${n}` }, addMinutes(s.chargeScheduledAt, 1));
  };
  const ledgerOf = async (h: AdapterContractHarness, s: Session) => ({ charges: await h.adapter.charges.listBySession(s.id), refunds: await h.adapter.refunds!.listBySession(s.id) });
  const request = async (h: AdapterContractHarness, w: World, id: string, amountMinor: number | null, at: Date) =>
    w.step(id, { type: 'REQUEST_REFUND', amountMinor, reason: 'contract', actorId: 'admin', ...(await ledgerOf(h, w.expected(id))) }, at);
  const refundAnswer = async (h: AdapterContractHarness, w: World, id: string, refund: number, result: RefundAnswer, at: Date) =>
    w.step(id, { type: 'RECORD_REFUND_RESULT', refund, result, refunds: await h.adapter.refunds!.listBySession(id) }, at);

  t(
    'a refund opens and is answered in the same write as the session, every field; an answer without a reference keeps the stored one',
    async (h, w) => {
      const s = await paid(w, 1);
      const at = addMinutes(s.chargeScheduledAt, 30);
      await request(h, w, s.id, 5_000, at);
      const [opened] = w.refunds.get(s.id)!;
      check(opened?.amountMinor === 5_000 && opened.feeMinor === 500 && opened.idempotencyKey === refundIdempotencyKey(s.id, 1, 1), 'the suite expected refund 1');
      await refundAnswer(h, w, s.id, 1, { status: 'pending', reference: 're_1' }, addMinutes(at, 1));
      await refundAnswer(h, w, s.id, 1, { status: 'succeeded', reference: null }, addMinutes(at, 2));
      check(w.refunds.get(s.id)![0]!.gatewayReference === 're_1', 'the suite expected the reference kept');
      await request(h, w, s.id, null, addMinutes(at, 3));
      await refundAnswer(h, w, s.id, 2, { status: 'unknown', reason: 'timeout', reference: 're_2' }, addMinutes(at, 4));
      await refundAnswer(h, w, s.id, 2, { status: 'failed', failureCode: 'charge_disputed', reference: null }, addMinutes(at, 5));
    },
    { port: 'refunds' },
  );

  t(
    'a charge answer without a reference keeps the stored one, so the charge can still be refunded',
    async (h, w) => {
      const s = await settled(w, session(1));
      const at = addMinutes(s.chargeScheduledAt, 1);
      await answer(w, s.id, { status: 'unknown', reason: 'timeout', reference: 'pi_kept' }, at);
      await answer(w, s.id, { status: 'succeeded', reference: null }, addMinutes(at, 1));
      const listed = await h.adapter.charges.listBySession(s.id);
      check(listed[0]?.gatewayReference === 'pi_kept', `the succeeded attempt must keep its reference, got ${listed[0]?.gatewayReference}`);
      await request(h, w, s.id, null, addMinutes(at, 2));
    },
    { port: 'refunds' },
  );

  t(
    'racing refunds of one charge never over-refund; storage refuses any excess (after allowing a failed refund)',
    async (h, w) => {
      const s = await paid(w, 2);
      const at = addMinutes(s.chargeScheduledAt, 30);
      const ledger = await ledgerOf(h, s);
      const a = transition(s, { type: 'REQUEST_REFUND', amountMinor: 9_000, reason: 'contract', actorId: 'admin', ...ledger }, at);
      const b = transition(s, { type: 'REQUEST_REFUND', amountMinor: 9_000, reason: 'contract', actorId: 'admin', ...ledger }, at);
      const results = await Promise.all([h.adapter.sessions.applyWrites([writeOf(s, a)]), h.adapter.sessions.applyWrites([writeOf(s, b)])]);
      check(results.filter(([r]) => r !== null).length === 1, 'exactly one of two racing refunds must win');
      const won = results[0]![0] !== null ? a : b;
      check(won.ok, 'the winner was accepted');
      w.sessions.set(s.id, won.session);
      w.appended(won.events);
      w.refunds.set(s.id, [{ ...(won.ledger[0] as { refund: Refund }).refund }]);
      await w.verify(s.id, 'after the race');
      const winner = w.expected(s.id);
      const again = transition(winner, { type: 'REQUEST_REFUND', amountMinor: 9_000, reason: 'contract', actorId: 'admin', ...(await ledgerOf(h, winner)) }, at);
      check(!again.ok && again.error.code === 'REFUND_EXCEEDS_CHARGE', 'the loser, judged again, exceeds what is left');
      const current = w.refunds.get(s.id)![0]!;
      const excess: Refund = { ...current, refund: 2, idempotencyKey: refundIdempotencyKey(s.id, 1, 2), amountMinor: 9_000, payoutMinor: 8_100, feeMinor: 900 };
      // A writer that skips the state machine: its compare-and-set would win, storage must refuse the excess.
      let refused = false;
      try {
        const [r] = await h.adapter.sessions.applyWrites([
          { expectedVersion: winner.version, next: { ...winner, version: winner.version + 1 }, events: [], ledger: [{ type: 'refund_open', refund: excess }] },
        ]);
        refused = r === null;
      } catch {
        refused = true;
      }
      check(refused, 'storage must refuse refunds beyond the charge');
      await w.verify(s.id, 'after the refused refund (nothing of it may be stored)');
      // The raw helper must be able to write: a failed refund does not count against the charge.
      const failed = { ...excess, status: 'failed' as const, failureCode: 'declined', calls: 1, answeredAt: addMinutes(at, 1) };
      check(await h.raw.tryWriteRefund!(failed), 'raw.tryWriteRefund must be able to store a failed refund (storage allows it)');
      w.refunds.set(s.id, [current, failed]);
      await w.verify(s.id, 'after a direct failed refund');
      const third = { ...excess, refund: 3, idempotencyKey: refundIdempotencyKey(s.id, 1, 3) };
      check(!(await h.raw.tryWriteRefund!(third)), 'a direct refund beyond the charge must be refused');
      check(!(await h.raw.tryWriteRefund!({ ...third, amountMinor: 100, payoutMinor: 50, feeMinor: 49 })), 'parts must sum to the amount');
      check(!(await h.raw.tryWriteRefund!({ ...third, amountMinor: 100, payoutMinor: 0, feeMinor: 100, attempt: 7 })), 'a refund of no succeeded attempt must be refused');
      check(!(await h.raw.tryWriteRefund!({ ...third, amountMinor: 1_000, payoutMinor: 0, feeMinor: 1_000 })), 'refunds beyond the fee must be refused');
      await w.verify(s.id, 'after the refused direct refunds');
    },
    { port: 'refunds' },
  );

  t(
    'refunds to retry: unknown ones and ones never answered, from their last answer, oldest requestedAt first (then session, then refund), up to the limit',
    async (h, w) => {
      const at = addMinutes(start, 24 * 60);
      const a = await paid(w, 3);
      const b = await paid(w, 1);
      const c = await paid(w, 2);
      // a: refund 1 succeeded and refund 2 accepted (pending with an answer): not listed; refund 3, requested
      // before all others, unknown since at + 3. b: refund 1 never answered. c: refund 1 unknown since at + 2,
      // refund 2 never answered. b, c and their refunds were requested at `at`.
      await request(h, w, a.id, 1_000, addMinutes(at, -10));
      await refundAnswer(h, w, a.id, 1, { status: 'succeeded', reference: 're_a1' }, addMinutes(at, -9));
      await request(h, w, a.id, 1_000, addMinutes(at, -8));
      await refundAnswer(h, w, a.id, 2, { status: 'pending', reference: 're_a2' }, addMinutes(at, -7));
      await request(h, w, a.id, 1_000, addMinutes(at, -6));
      await refundAnswer(h, w, a.id, 3, { status: 'unknown', reason: 'timeout', reference: null }, addMinutes(at, 3));
      await request(h, w, c.id, 1_000, at);
      await request(h, w, b.id, 1_000, at);
      await request(h, w, c.id, 1_000, at);
      await refundAnswer(h, w, c.id, 1, { status: 'unknown', reason: 'timeout', reference: null }, addMinutes(at, 2));
      const expect = async (before: Date, limit: number, wanted: Array<[Session, number]>) => {
        const listed = await h.adapter.refunds!.listToRetry({ before, limit });
        const name = (r: { sessionId: string; refund: number }) => `${w.sessions.get(r.sessionId)?.bookingId ?? r.sessionId}#${r.refund}`;
        check(
          listed.map(name).join() === wanted.map(([s, n]) => `${s.bookingId}#${n}`).join(),
          `listToRetry({ before: ${before.toISOString()}, limit: ${limit} }) answered [${listed.map(name).join(', ')}], expected [${wanted.map(([s, n]) => `${s.bookingId}#${n}`).join(', ')}]`,
        );
        listed.forEach((r, i) => checkRecord(r, w.refunds.get(wanted[i]![0].id)!.find((x) => x.refund === wanted[i]![1])!, REFUND_KEYS, `listToRetry [${i}]`));
      };
      // b's id sorts before c's: at one requestedAt, b's refunds come first; a's refund 3 is the oldest.
      await expect(at, 10, [[b, 1], [c, 2]]);
      await expect(addMinutes(at, 2), 10, [[b, 1], [c, 1], [c, 2]]);
      await expect(addMinutes(at, 3), 10, [[a, 3], [b, 1], [c, 1], [c, 2]]);
      await expect(addMinutes(at, 60), 2, [[a, 3], [b, 1]]);
      await expect(addMinutes(at, 60), 0, []);
    },
    { port: 'refunds' },
  );
}
