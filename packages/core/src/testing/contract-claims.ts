import { DEFAULT_POLICY, type Session } from '@itutor/sessions-core';
import { addMilliseconds, addMinutes } from 'date-fns';
import { buildSession } from './builders';
import type { ContractCaseKit } from './contract';
import { check, created, type World } from './contract-kit';

/**
 * The contract's claim cases: the two groups of `claimForSettlement` (due sessions, then charges to
 * collect), each oldest `chargeScheduledAt` first then `id`; the limit across groups; leases in both
 * groups (never handed out before they pass, handed out at their end, released by a write); what is
 * never claimed; racing claims.
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

  t('claims due sessions that are not final, oldest chargeScheduledAt first then id, and leases them without a version change', async (_h, w) => {
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
  });

  t('a rescheduled session is claimed at its new end, never at its old one; a late cancellation is claimed for its charge', async (_h, w) => {
    const moved = await w.insert(session(1, start));
    const newStart = addMinutes(start, 3 * 24 * 60);
    const stored = await w.step(moved.id, { type: 'RESCHEDULE', actorId: moved.studentId, by: 'student', startAt: newStart }, addMinutes(start, -2 * 24 * 60));
    check(stored.scheduledStartAt.getTime() === newStart.getTime() && stored.chargeScheduledAt.getTime() === addMinutes(newStart, stored.durationMinutes).getTime(), 'the reschedule moves every timing');
    await w.claim({ now: addMinutes(moved.chargeScheduledAt, 1), limit: 10, claimUntil: addMinutes(moved.chargeScheduledAt, 6) }, [], 'a claim at the old end');
    // A student's cancellation inside the late window opens a charge to collect (CANCELLED_LATE).
    const late = await w.insert(session(2, addMinutes(start, -600)));
    const cancelled = await w.step(late.id, { type: 'CANCEL', actorId: late.studentId, by: 'student' }, addMinutes(late.scheduledStartAt, -60), { claimedUntil: null });
    check(cancelled.status === 'CANCELLED_LATE' && cancelled.chargeStatus === 'pending', 'the suite expected a late cancellation with its charge to collect');
    const now = addMinutes(stored.chargeScheduledAt, 1);
    await w.claim({ now, limit: 10, claimUntil: addMinutes(now, 5) }, ids(stored, cancelled), 'a claim after the new end (the due session, then the charge)');
  });

  t('a leased session is not handed out before its lease has passed, and is at its end (both groups)', async (_h, w) => {
    const now = addMinutes(start, 120);
    const due = await w.insert(session(1, start));
    const collect = await toCollect(w, session(2, addMinutes(start, -600)));
    const lease = addMinutes(now, 5);
    await w.claim({ now, limit: 10, claimUntil: lease }, ids(due, collect), 'the first claim');
    await w.claim({ now, limit: 10, claimUntil: addMinutes(now, 6) }, [], 'a claim while both are leased');
    await w.claim({ now: addMilliseconds(lease, -1), limit: 10, claimUntil: addMinutes(now, 6) }, [], 'a claim a millisecond before the lease ends');
    await w.claim({ now: lease, limit: 10, claimUntil: addMinutes(lease, 5) }, ids(due, collect), 'a claim when the lease ends');
  });

  t('a write that releases the lease (claimedUntil null) makes the session claimable again at once; a write that keeps it does not (both groups)', async (_h, w) => {
    const now = addMinutes(start, 120);
    const due = await w.insert(session(1, start));
    const collect = await toCollect(w, session(2, addMinutes(start, -600)));
    const lease = addMinutes(now, 5);
    await w.claim({ now, limit: 10, claimUntil: lease }, ids(due, collect), 'the first claim');
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
    await w.claim({ now, limit: 0, claimUntil: until }, [], 'a claim with limit 0');
    await w.claim({ now, limit: 2, claimUntil: until }, ids(d1, d2), 'a claim with limit 2 (due sessions first)');
    await w.claim({ now, limit: 2, claimUntil: until }, ids(d3, c1), 'the next claim with limit 2 (the last due session, then the oldest charge to collect)');
    await w.claim({ now, limit: 10, claimUntil: until }, ids(c2, c3), 'the next claim (the other charges to collect, oldest first)');
    await w.claim({ now, limit: 10, claimUntil: until }, [], 'a claim with everything leased');
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

  t('racing claims never hand out the same session twice', async (h, w) => {
    const now = addMinutes(start, 600);
    for (let i = 0; i < 50; i++) {
      const s = session(100 + i, addMinutes(start, i), { tutorId: 'tutor-race' });
      await h.adapter.sessions.insert(s, [created(s)]);
    }
    for (let i = 0; i < 10; i++) await toCollect(w, session(200 + i, addMinutes(start, -600 + i)));
    const claims = await Promise.all(
      Array.from({ length: 6 }, () => h.adapter.sessions.claimForSettlement({ now, limit: 15, claimUntil: addMinutes(now, 5) })),
    );
    const claimed = claims.flat().map((s) => s.id);
    check(new Set(claimed).size === claimed.length, 'a session was claimed twice');
    check(claimed.length === 60, `expected all 60 claimed once, got ${claimed.length}`);
  });
}
