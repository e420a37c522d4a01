import { DEFAULT_POLICY, type Session } from '@itutor/sessions-core';
import { addMilliseconds, addMinutes } from 'date-fns';
import { buildSession } from './builders';
import type { ContractCaseKit } from './contract';
import { check, created, type World } from './contract-kit';

/**
 * The contract's claim cases: the two groups of `claimForSettlement` (due sessions, then charges to
 * collect), each oldest first then `id`; the limit across groups; due sessions returned as stored (no
 * lease) and paged by the cursor; charges to collect leased by the claim; written leases in both groups
 * (never handed out before they pass, handed out at their end, released by a write); what is never
 * claimed; racing claims of charges to collect.
 */
export function claimContractCases({ t, start, uuid }: ContractCaseKit): void {
  const session = (n: number, startAt: Date, over: Parameters<typeof buildSession>[0] = {}) =>
    buildSession({ id: uuid(n), bookingId: `claim-${n}`, scheduledStartAt: startAt, ...over });
  /** A final session with its charge still to collect: settled at its end, its attempt open. */
  const toCollect = async (w: World, s: Session) => {
    await w.insert(s);
    return w.step(s.id, { type: 'SETTLE' }, s.chargeScheduledAt, { claimedUntil: null });
  };
  const ids = (...sessions: Session[]) => sessions.map((s) => s.id);

  t('claims due sessions that are not final, oldest chargeScheduledAt first then id, as stored: no lease, no version change', async (_h, w) => {
    const now = addMinutes(start, 120);
    // Inserted out of order; two share their chargeScheduledAt (then the smaller id comes first).
    const later = await w.insert(session(7, start));
    const tieHigh = await w.insert(session(5, addMinutes(start, -60)));
    const exactlyNow = await w.insert(session(1, addMinutes(now, -60)));
    const tieLow = await w.insert(session(3, addMinutes(start, -60)));
    const oldest = await w.insert(session(9, addMinutes(start, -24 * 60)));
    await w.insert(session(2, addMinutes(now, -59))); // due a minute after now
    const cancelled = await w.insert(session(4, addMinutes(start, -600)));
    await w.step(cancelled.id, { type: 'CANCEL', actorId: cancelled.tutorId, by: 'tutor' }, addMinutes(cancelled.scheduledStartAt, -30));
    await w.claim({ now, limit: 10, claimUntil: addMinutes(now, 5) }, ids(oldest, tieLow, tieHigh, later, exactlyNow), 'the first claim');
    // Not leased: a claim without a cursor hands them out again (a run pages with `after`; two runs racing
    // for one session settle it once, by the compare-and-set of their writes).
    await w.claim({ now, limit: 10, claimUntil: addMinutes(now, 5) }, ids(oldest, tieLow, tieHigh, later, exactlyNow), 'a second claim without a cursor');
  });

  t('the cursor pages through the due sessions: only those after it in due order (chargeScheduledAt, then id)', async (_h, w) => {
    const now = addMinutes(start, 120);
    const tieHigh = await w.insert(session(5, addMinutes(start, -60)));
    const tieLow = await w.insert(session(3, addMinutes(start, -60)));
    const oldest = await w.insert(session(9, addMinutes(start, -24 * 60)));
    const later = await w.insert(session(7, start));
    const until = addMinutes(now, 5);
    const after = (s: Session) => ({ chargeScheduledAt: s.chargeScheduledAt, id: s.id });
    await w.claim({ now, limit: 2, claimUntil: until }, ids(oldest, tieLow), 'the first page');
    await w.claim({ now, limit: 2, claimUntil: until, after: after(tieLow) }, ids(tieHigh, later), 'the page after the tie\'s smaller id (same chargeScheduledAt, larger id)');
    await w.claim({ now, limit: 2, claimUntil: until, after: after(later) }, [], 'the page after the last due session');
    await w.claim({ now, limit: 10, claimUntil: until, after: { chargeScheduledAt: tieLow.chargeScheduledAt, id: uuid(4) } }, ids(tieHigh, later), 'a cursor between two ids of one due time');
  });

  t('a rescheduled session is claimed at its new end, never at its old one; a late cancellation is claimed for its charge from its cancellation on', async (_h, w) => {
    const moved = await w.insert(session(1, start));
    const newStart = addMinutes(start, 3 * 24 * 60);
    const stored = await w.step(moved.id, { type: 'RESCHEDULE', actorId: moved.studentId, by: 'student', startAt: newStart }, addMinutes(start, -2 * 24 * 60));
    check(stored.scheduledStartAt.getTime() === newStart.getTime() && stored.chargeScheduledAt.getTime() === addMinutes(newStart, stored.durationMinutes).getTime(), 'the reschedule moves every timing');
    await w.claim({ now: addMinutes(moved.chargeScheduledAt, 1), limit: 10, claimUntil: addMinutes(moved.chargeScheduledAt, 6) }, [], 'a claim at the old end');
    // A student's cancellation inside the late window opens a charge to collect (CANCELLED_LATE), due at
    // once: its scheduled end is still to come.
    const late = await w.insert(session(2, addMinutes(stored.scheduledStartAt, -600)));
    const cancelAt = addMinutes(late.scheduledStartAt, -60);
    const cancelled = await w.step(late.id, { type: 'CANCEL', actorId: late.studentId, by: 'student' }, cancelAt, { claimedUntil: null });
    check(cancelled.status === 'CANCELLED_LATE' && cancelled.chargeStatus === 'pending', 'the suite expected a late cancellation with its charge to collect');
    await w.claim({ now: addMinutes(cancelAt, -1), limit: 10, claimUntil: cancelAt }, [], 'a claim a minute before the cancellation');
    await w.claim({ now: cancelAt, limit: 10, claimUntil: addMinutes(cancelAt, 5) }, ids(cancelled), 'a claim at the cancellation (before the session\'s end)');
    const now = addMinutes(stored.chargeScheduledAt, 1);
    await w.claim({ now, limit: 10, claimUntil: addMinutes(now, 5) }, ids(stored, cancelled), 'a claim after the new end (the due session, then the charge)');
  });

  t('a leased session is not handed out before its lease has passed, and is at its end (a charge to collect leased by a claim, a due session by a write)', async (_h, w) => {
    const now = addMinutes(start, 120);
    const due = await w.insert(session(1, start));
    const collect = await toCollect(w, session(2, addMinutes(start, -600)));
    const lease = addMinutes(now, 5);
    await w.claim({ now, limit: 10, claimUntil: lease }, ids(due, collect), 'the first claim');
    await w.claim({ now, limit: 10, claimUntil: addMinutes(now, 6) }, ids(due), 'a claim while the charge is leased (the due session has no lease)');
    // A deferred settlement's write: the due session leased until `lease`.
    await w.step(due.id, { type: 'RECORD_MEETING_ENDED', endedAt: addMinutes(start, 50) }, now, { claimedUntil: lease });
    await w.claim({ now, limit: 10, claimUntil: addMinutes(now, 6) }, [], 'a claim while both are leased');
    await w.claim({ now: addMilliseconds(lease, -1), limit: 10, claimUntil: addMinutes(now, 6) }, [], 'a claim a millisecond before the leases end');
    await w.claim({ now: lease, limit: 10, claimUntil: addMinutes(lease, 5) }, ids(due, collect), 'a claim when the leases end');
  });

  t('a write that releases the lease (claimedUntil null) makes the session claimable again at once; a write that keeps it does not (both groups)', async (_h, w) => {
    const now = addMinutes(start, 120);
    const due = await w.insert(session(1, start));
    const collect = await toCollect(w, session(2, addMinutes(start, -600)));
    const lease = addMinutes(now, 5);
    await w.step(due.id, { type: 'RECORD_MEETING_ENDED', endedAt: addMinutes(start, 40) }, now, { claimedUntil: lease });
    await w.claim({ now, limit: 10, claimUntil: lease }, ids(collect), 'the first claim (the due session holds a written lease)');
    // Writes that keep the lease: still not claimable.
    await w.step(due.id, { type: 'RECORD_MEETING_ENDED', endedAt: addMinutes(start, 50) }, now);
    await w.step(collect.id, { type: 'RECORD_CHARGE_RESULT', attempt: 1, result: { status: 'unknown', reason: 'timeout', reference: 'pi_1' } }, now);
    await w.claim({ now, limit: 10, claimUntil: lease }, [], 'a claim after writes that keep the lease');
    // Writes that release it: claimable at once, in their groups' order.
    await w.step(due.id, { type: 'RECORD_MEETING_ENDED', endedAt: addMinutes(start, 55) }, now, { claimedUntil: null });
    await w.step(collect.id, { type: 'RECORD_CHARGE_RESULT', attempt: 1, result: { status: 'unknown', reason: 'timeout', reference: null } }, now, { claimedUntil: null });
    await w.claim({ now, limit: 10, claimUntil: addMinutes(now, 7) }, ids(due, collect), 'a claim after writes that release the lease');
  });

  t('groups come in order and the limit holds across them: due sessions first, then charges to collect, each oldest first', async (_h, w) => {
    const now = addMinutes(start, 24 * 60);
    // Charges to collect, older than every due session (their order must not mix the groups), inserted out of order.
    const c2 = await toCollect(w, session(12, addMinutes(start, -300)));
    const c3 = await toCollect(w, session(11, addMinutes(start, -200)));
    const c1 = await toCollect(w, session(13, addMinutes(start, -400)));
    const d3 = await w.insert(session(21, addMinutes(start, 300)));
    const d1 = await w.insert(session(23, addMinutes(start, 100)));
    const d2 = await w.insert(session(22, addMinutes(start, 200)));
    const until = addMinutes(now, 5);
    const after = (s: Session) => ({ chargeScheduledAt: s.chargeScheduledAt, id: s.id });
    await w.claim({ now, limit: 0, claimUntil: until }, [], 'a claim with limit 0');
    await w.claim({ now, limit: 2, claimUntil: until }, ids(d1, d2), 'a claim with limit 2 (due sessions first)');
    await w.claim({ now, limit: 2, claimUntil: until, after: after(d2) }, ids(d3, c1), 'the next page with limit 2 (the last due session, then the oldest charge to collect)');
    await w.claim({ now, limit: 10, claimUntil: until, after: after(d3) }, ids(c2, c3), 'the next page (the other charges to collect, oldest first)');
    await w.claim({ now, limit: 10, claimUntil: until, after: after(d3) }, [], 'a claim with every charge leased, after the last due session');
    await w.claim({ now, limit: 10, claimUntil: until }, ids(d1, d2, d3), 'a claim without a cursor (the due sessions, never leased)');
  });

  t('never claims a session with nothing to collect: charge succeeded, failed for good, none, or not due yet', async (_h, w) => {
    const now = addMinutes(start, 24 * 60);
    const policy = { ...DEFAULT_POLICY, maxChargeAttempts: 1 };
    const paid = await toCollect(w, session(1, addMinutes(start, -300)));
    await w.step(paid.id, { type: 'RECORD_CHARGE_RESULT', attempt: 1, result: { status: 'succeeded', reference: 'ch_1' } }, addMinutes(paid.chargeScheduledAt, 1));
    const failed = await toCollect(w, session(2, addMinutes(start, -200)));
    await w.step(failed.id, { type: 'RECORD_CHARGE_RESULT', attempt: 1, result: { status: 'failed', failureCode: 'card_declined', reference: null } }, addMinutes(failed.chargeScheduledAt, 1), {
      policy,
    });
    check(w.expected(failed.id).chargeStatus === 'failed', 'the suite expected a charge failed for good');
    const short = await w.insert(session(3, addMinutes(start, -100)));
    await w.step(short.id, { type: 'RECORD_MEETING_ENDED', endedAt: addMinutes(short.scheduledStartAt, 5) }, addMinutes(short.scheduledStartAt, 6));
    await w.step(short.id, { type: 'SETTLE' }, short.chargeScheduledAt);
    check(w.expected(short.id).chargeStatus === 'none', 'the suite expected a session with nothing to charge');
    const declined = await toCollect(w, session(4, addMinutes(start, -50)));
    await w.step(declined.id, { type: 'RECORD_CHARGE_RESULT', attempt: 1, result: { status: 'failed', failureCode: 'card_declined', reference: null } }, addMinutes(declined.chargeScheduledAt, 1));
    await w.insert(session(5, addMinutes(now, 10)));
    await w.claim({ now, limit: 10, claimUntil: addMinutes(now, 5) }, ids(declined), 'the claim (only the declined charge is still to collect)');
  });

  t('racing claims never hand out the same charge to collect twice', async (h, w) => {
    const now = addMinutes(start, 600);
    for (let i = 0; i < 30; i++) await toCollect(w, session(200 + i, addMinutes(start, -600 + i)));
    const claims = await Promise.all(
      Array.from({ length: 6 }, () => h.adapter.sessions.claimForSettlement({ now, limit: 6, claimUntil: addMinutes(now, 5) })),
    );
    const claimed = claims.flat().map((s) => s.id);
    check(new Set(claimed).size === claimed.length, 'a charge to collect was claimed twice');
    check(claimed.length === 30, `expected all 30 claimed once, got ${claimed.length}`);
  });

  t('with leaseDue, due sessions are leased like charges to collect: not handed out again before the lease passes, never to two racing claims', async (h, w) => {
    const now = addMinutes(start, 600);
    const due = await w.insert(session(1, start));
    const collect = await toCollect(w, session(2, addMinutes(start, -600)));
    const lease = addMinutes(now, 5);
    await w.claim({ now, limit: 10, claimUntil: lease, leaseDue: true }, ids(due, collect), 'the first claim, leasing due sessions');
    await w.claim({ now, limit: 10, claimUntil: lease }, [], 'a claim while both are leased');
    await w.claim({ now: addMilliseconds(lease, -1), limit: 10, claimUntil: addMinutes(now, 6), leaseDue: true }, [], 'a claim a millisecond before the lease ends');
    await w.claim({ now: lease, limit: 10, claimUntil: addMinutes(lease, 5), leaseDue: true }, ids(due, collect), 'a claim when the lease ends');
    const racers: Session[] = [];
    for (let i = 0; i < 30; i++) {
      const s = session(300 + i, addMinutes(start, i), { tutorId: 'tutor-race' });
      await h.adapter.sessions.insert(s, [created(s)]);
      racers.push(s);
    }
    const later = addMinutes(lease, 10);
    const claims = await Promise.all(
      Array.from({ length: 6 }, () => h.adapter.sessions.claimForSettlement({ now: later, limit: 6, claimUntil: addMinutes(later, 5), leaseDue: true })),
    );
    const claimed = claims.flat().map((s) => s.id);
    check(new Set(claimed).size === claimed.length, 'a due session was claimed twice with leaseDue');
    check(claimed.length === 32, `expected the 30 due sessions and the 2 earlier ones claimed once each, got ${claimed.length}`);
    check(claims.flat().every((s) => s.claimedUntil?.getTime() === addMinutes(later, 5).getTime()), 'a session claimed with leaseDue was not leased');
  });

  t('paging with the cursor hands out every due session exactly once, in due order', async (h, w) => {
    const now = addMinutes(start, 600);
    const due: Session[] = [];
    for (let i = 0; i < 50; i++) {
      const s = session(100 + i, addMinutes(start, i % 7), { tutorId: 'tutor-page' });
      await h.adapter.sessions.insert(s, [created(s)]);
      due.push(s);
    }
    const expected = [...due].sort((a, b) => a.chargeScheduledAt.getTime() - b.chargeScheduledAt.getTime() || (a.id < b.id ? -1 : 1)).map((s) => s.id);
    const paged: string[] = [];
    let after: { chargeScheduledAt: Date; id: string } | undefined;
    for (let page = 0; page < 10; page++) {
      const claimed = await h.adapter.sessions.claimForSettlement({ now, limit: 15, claimUntil: addMinutes(now, 5), ...(after ? { after } : {}) });
      if (claimed.length === 0) break;
      check(claimed.every((s) => s.claimedUntil === null && s.version === 1), 'a due session was leased or changed by a claim');
      paged.push(...claimed.map((s) => s.id));
      const last = claimed[claimed.length - 1]!;
      after = { chargeScheduledAt: last.chargeScheduledAt, id: last.id };
    }
    check(paged.join() === expected.join(), `the pages did not hand out the 50 due sessions once each in due order (got ${paged.length})`);
    void w;
  });
}
