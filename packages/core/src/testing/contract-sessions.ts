import { transition, type SessionEventDraft, type SessionWrite } from '@itutor/sessions-core/adapter';
import { type Session } from '@itutor/sessions-core';
import { addMinutes, addSeconds } from 'date-fns';
import { buildSession } from './builders';
import type { ContractCaseKit } from './contract';
import { check, checkEvents, checkSession, created, newWriteId, show, writeOf } from './contract-kit';

/**
 * The contract's session cases: every kind of session write round-trips every field (through the
 * adapter's reads and the raw reader), inserts, compare-and-set, batches, storage-rule failures, write
 * ids, frozen final sessions and the append-only event log.
 */
export function sessionContractCases({ t, start, uuid }: ContractCaseKit): void {
  const session = (n: number, over: Parameters<typeof buildSession>[0] = {}) =>
    buildSession({ id: uuid(n), bookingId: `b-${n}`, scheduledStartAt: start, ...over });

  t('insert round-trips every field of a new session, with its event (payload compared by value, not key order)', async (h, w) => {
    await w.insert(session(1, { priceMinor: 999_999_999_999, durationMinutes: 97, joinUrl: 'https://zoom.us/j/85012345678?pwd=AbC.dEf-123_x' }));
    await w.insert(session(2, { provider: 'google_meet', meetingId: 'spaces/AbC-123_x', joinUrl: 'https://meet.google.com/abc-defg-hij', priceMinor: 1, tutorId: 'tutor-b', studentId: 'student-b' }));
    check((await h.adapter.sessions.findById(uuid(404))) === null, 'findById of an unknown id must be null');
    check((await h.adapter.sessions.findByBookingId('nope')) === null, 'findByBookingId of an unknown booking must be null');
  });

  t('a second insert for a booking answers the stored session, every field, and writes nothing', async (h, w) => {
    const first = await w.insert(session(1, { bookingId: 'b-dup' }));
    const second = session(2, { bookingId: 'b-dup', priceMinor: 20_000 });
    const result = await h.adapter.sessions.insert(second, [created(second)]);
    check(result.inserted === false, 'a second insert for a booking must not insert');
    checkSession(result.session, first, 'the second insert\'s answer (the stored session)');
    check((await h.raw.session(second.id)) === null, 'the losing insert stores no row');
    checkEvents(await h.raw.events(second.id), [], 'the losing insert\'s events');
    await w.verifyAll('after the losing insert');
  });

  t('racing inserts for one booking store exactly one session', async (h) => {
    const racers = Array.from({ length: 8 }, (_, i) => session(10 + i, { bookingId: 'b-race' }));
    const results = await Promise.all(racers.map((s) => h.adapter.sessions.insert(s, [created(s)])));
    const winners = results.filter((r) => r.inserted);
    check(winners.length === 1, `expected one winner, got ${winners.length}`);
    check(new Set(results.map((r) => r.session.id)).size === 1, 'every racer must get the same session back');
    check((await h.raw.sessionsForBooking('b-race')).length === 1, 'exactly one row per booking');
    const winner = racers.find((s) => s.id === winners[0]!.session.id)!;
    checkSession(await h.raw.session(winner.id), winner, 'the winning racer, raw read');
    for (const s of racers) check((await h.raw.events(s.id)).length === (s === winner ? 1 : 0), `${s.id}: only the winner appends its event`);
  });

  t('joins (student, then tutor) round-trip every field', async (_h, w) => {
    const s = await w.insert(session(1));
    await w.step(s.id, { type: 'JOIN', actorId: s.studentId }, addMinutes(start, -3));
    const joined = await w.step(s.id, { type: 'JOIN', actorId: s.tutorId }, addMinutes(start, 1));
    check(joined.status === 'JOIN_OPEN' && joined.studentJoinedAt !== null && joined.tutorJoinedAt !== null, 'the suite expected both joins recorded');
  });

  t('meeting ends round-trip every field (an early end, then a later one), and the early end settles short', async (_h, w) => {
    const s = await w.insert(session(1));
    await w.step(s.id, { type: 'JOIN', actorId: s.tutorId }, start);
    await w.step(s.id, { type: 'JOIN', actorId: s.studentId }, addMinutes(start, 1));
    await w.step(s.id, { type: 'RECORD_MEETING_ENDED', endedAt: addMinutes(start, 20), source: 'webhook' }, addMinutes(start, 21));
    await w.step(s.id, { type: 'RECORD_MEETING_ENDED', endedAt: addMinutes(start, 25) }, addMinutes(start, 26));
    const settled = await w.step(s.id, { type: 'SETTLE' }, s.chargeScheduledAt);
    check(settled.status === 'EARLY_END_SHORT' && settled.chargeStatus === 'none', `an early-ended meeting settles short without a charge, got ${settled.status}`);
  });

  t('a no-show round-trips every field, with its charge attempt', async (_h, w) => {
    const s = await w.insert(session(1, { priceMinor: 15_001 }));
    await w.step(s.id, { type: 'JOIN', actorId: s.tutorId }, addMinutes(start, -1));
    const marked = await w.step(s.id, { type: 'MARK_NO_SHOW', actorId: s.tutorId }, s.noShowEligibleAt);
    check(marked.status === 'NO_SHOW_STUDENT' && marked.chargeStatus === 'pending' && marked.finalizedAt !== null, 'the suite expected a no-show with a charge to collect');
  });

  t("the third release's outcomes round-trip every field: a tutor no-show, nobody joined, a late cancellation with its attempt", async (_h, w) => {
    const absent = await w.insert(session(1));
    await w.step(absent.id, { type: 'JOIN', actorId: absent.studentId }, addMinutes(start, 1));
    const reported = await w.step(absent.id, { type: 'REPORT_TUTOR_ABSENT', actorId: absent.studentId }, absent.noShowEligibleAt);
    check(reported.status === 'NO_SHOW_TUTOR' && reported.chargeAmountMinor === 0 && reported.chargeStatus === 'none', 'the suite expected a tutor no-show without a charge');
    const empty = await w.insert(session(2));
    const nobody = await w.step(empty.id, { type: 'SETTLE', meetingNeverStarted: true }, empty.chargeScheduledAt);
    check(nobody.status === 'NOBODY_JOINED' && nobody.chargeAmountMinor === 0, 'the suite expected nobody joined without a charge');
    const late = await w.insert(session(3, { priceMinor: 15_001 }));
    const cancelled = await w.step(late.id, { type: 'CANCEL', actorId: late.studentId, by: 'student', reason: 'ill', expectedChargeMinor: 7500 }, addMinutes(start, -30));
    check(
      cancelled.status === 'CANCELLED_LATE' && cancelled.cancelledBy === 'student' && cancelled.chargeAmountMinor === 7500 && cancelled.chargeStatus === 'pending',
      'the suite expected a late cancellation charged half of 15001',
    );
  });

  t('a reschedule round-trips every moved timing, with its event; the old and new times are in the payload', async (_h, w) => {
    const s = await w.insert(session(1));
    const moved = await w.step(s.id, { type: 'RESCHEDULE', actorId: s.tutorId, by: 'tutor', startAt: addMinutes(start, 2 * 24 * 60 + 7), reason: 'conference' }, addMinutes(start, -2 * 24 * 60));
    check(moved.joinOpensAt.getTime() === addMinutes(moved.scheduledStartAt, -(s.scheduledStartAt.getTime() - s.joinOpensAt.getTime()) / 60_000).getTime(), 'the join window moves with the start');
    // Moved again, back: still the same row, id and meeting.
    const back = await w.step(s.id, { type: 'RESCHEDULE', actorId: s.studentId, by: 'student', startAt: addMinutes(start, 5 * 24 * 60) }, addMinutes(start, -2 * 24 * 60));
    check(back.meetingId === s.meetingId && back.joinUrl === s.joinUrl && back.bookingId === s.bookingId, 'a reschedule keeps the meeting and the booking');
  });

  t('a settlement round-trips every field (charged in full), with its charge attempt', async (_h, w) => {
    const s = await w.insert(session(1, { priceMinor: 15_001 }));
    const settled = await w.step(s.id, { type: 'SETTLE' }, addMinutes(s.chargeScheduledAt, 3), { claimedUntil: addMinutes(s.chargeScheduledAt, 8) });
    check(settled.status === 'COMPLETED_ASSUMED' && settled.chargeAttempts === 1, 'the suite expected a settlement with an attempt');
  });

  t('cancellations round-trip every field (by a participant and by the platform)', async (_h, w) => {
    const a = await w.insert(session(1));
    const b = await w.insert(session(2));
    const byStudent = await w.step(a.id, { type: 'CANCEL', actorId: a.studentId, by: 'student', reason: 'ill' }, addMinutes(start, -90));
    const byPlatform = await w.step(b.id, { type: 'CANCEL', actorId: 'admin-1', by: 'platform' }, addMinutes(start, -1));
    check(byStudent.cancelledBy === 'student' && byPlatform.cancelledBy === 'platform', 'the suite expected both cancellations');
  });

  t('a batch of different writes round-trips every field of each, answers included', async (_h, w) => {
    const joining = await w.insert(session(1));
    const ending = await w.insert(session(2));
    const settling = await w.insert(session(3, { priceMinor: 15_001 }));
    const cancelling = await w.insert(session(4));
    const absent = await w.insert(session(5));
    await w.step(absent.id, { type: 'JOIN', actorId: absent.tutorId }, start);
    const write = (s: Session, command: Parameters<typeof transition>[1], at: Date): SessionWrite =>
      writeOf(w.expected(s.id), transition(w.expected(s.id), command, at), { writeId: newWriteId() });
    await w.apply([
      write(joining, { type: 'JOIN', actorId: joining.studentId }, addMinutes(start, 2)),
      write(ending, { type: 'RECORD_MEETING_ENDED', endedAt: addMinutes(start, 30) }, addMinutes(start, 31)),
      write(settling, { type: 'SETTLE' }, settling.chargeScheduledAt),
      write(cancelling, { type: 'CANCEL', actorId: cancelling.tutorId, by: 'tutor' }, addMinutes(start, -10)),
      write(absent, { type: 'MARK_NO_SHOW', actorId: absent.tutorId }, absent.noShowEligibleAt),
    ]);
    // Charge answers in one batch: a reference, then an answer without one keeps it.
    const answer = (s: Session, result: Parameters<typeof transition>[1], at: Date) => write(s, result, at);
    const at = addMinutes(settling.chargeScheduledAt, 1);
    await w.apply([
      answer(settling, { type: 'RECORD_CHARGE_RESULT', attempt: 1, result: { status: 'unknown', reason: 'timeout', reference: 'pi_settling' } }, at),
      answer(absent, { type: 'RECORD_CHARGE_RESULT', attempt: 1, result: { status: 'unknown', reason: 'timeout', reference: 'pi_absent' } }, at),
    ]);
    await w.apply([
      answer(settling, { type: 'RECORD_CHARGE_RESULT', attempt: 1, result: { status: 'succeeded', reference: null } }, addMinutes(at, 1)),
      answer(absent, { type: 'RECORD_CHARGE_RESULT', attempt: 1, result: { status: 'failed', failureCode: 'card_declined', reference: null } }, addMinutes(at, 1)),
    ]);
    check(w.charges.get(settling.id)![0]!.gatewayReference === 'pi_settling', 'the suite expected the reference kept');
  });

  t('compare-and-set: the current version wins with its events; a stale version loses and writes nothing', async (_h, w) => {
    const s = await w.insert(session(1));
    const join = transition(s, { type: 'JOIN', actorId: s.tutorId }, start);
    check(join.ok, 'join should be accepted');
    await w.apply([{ expectedVersion: 7, next: { ...join.session, version: 8 }, events: join.events }], [false]);
    await w.apply([{ expectedVersion: 1, next: join.session, events: join.events }]);
    await w.apply([{ expectedVersion: 1, next: { ...join.session, version: 2, studentJoinedAt: start }, events: join.events }], [false]);
  });

  t('a write for a missing session answers null and stores nothing', async (h, w) => {
    const ghost = session(99);
    await w.apply([{ expectedVersion: 1, next: { ...ghost, version: 2 }, events: [created(ghost)] }], [false]);
    check((await h.raw.session(ghost.id)) === null, 'no row may appear');
    checkEvents(await h.raw.events(ghost.id), [], 'no event may appear');
  });

  t('racing writes on one version: exactly one wins, with its events alone', async (h, w) => {
    const s = await w.insert(session(1));
    const racers = Array.from({ length: 10 }, (_, i) => {
      const r = transition(s, { type: 'RECORD_MEETING_ENDED', endedAt: addMinutes(start, 10 + i) }, addMinutes(start, 59));
      check(r.ok, 'the meeting end should be accepted');
      return { expectedVersion: 1, next: r.session, events: r.events, writeId: newWriteId() } satisfies SessionWrite;
    });
    const answers = (await Promise.all(racers.map((r) => h.adapter.sessions.applyWrites([r])))).map(([a]) => a);
    const winners = answers.filter((a) => a !== null && a !== undefined);
    check(winners.length === 1, `expected exactly one winner, got ${winners.length}`);
    const winner = racers[answers.findIndex((a) => a !== null && a !== undefined)]!;
    w.sessions.set(s.id, winner.next);
    w.appended(winner.events);
    await w.verify(s.id, 'after the race');
  });

  t('a batch answers each write on its own, in order; a losing write stores nothing', async (_h, w) => {
    const a = await w.insert(session(1));
    const b = await w.insert(session(2));
    const c = await w.insert(session(3));
    const [ra, rb, rc] = [a, b, c].map((s) => transition(s, { type: 'SETTLE' }, addMinutes(start, 60)));
    check(ra?.ok && rb?.ok && rc?.ok, 'settle should be accepted');
    await w.apply(
      [writeOf(a, ra), writeOf(b, rb, { expectedVersion: 5, next: { ...rb.session, version: 6 } }), writeOf(c, rc)],
      [true, false, true],
    );
  });

  t('a write that breaks a storage rule fails its whole batch: the call rejects and nothing of the batch is stored', async (h, w) => {
    const a = await w.insert(session(1));
    const b = await w.insert(session(2));
    const join = transition(a, { type: 'JOIN', actorId: a.studentId }, start);
    const settle = transition(b, { type: 'SETTLE' }, b.chargeScheduledAt);
    check(join.ok && settle.ok && settle.ledger[0]?.type === 'open', 'the suite expected a join and a settlement with an attempt');
    const opened = settle.ledger[0];
    // An attempt whose amounts are not the session's outcome amounts: storage must refuse it.
    const wrong = { ...settle, ledger: [{ type: 'open' as const, attempt: { ...opened.attempt, amountMinor: opened.attempt.amountMinor + 2, feeMinor: opened.attempt.feeMinor + 2 } }] };
    let rejected = false;
    try {
      await h.adapter.sessions.applyWrites([writeOf(a, join), writeOf(b, wrong)]);
    } catch {
      rejected = true;
    }
    check(rejected, 'a batch with a write storage refuses must reject');
    await w.verifyAll('after the refused batch (nothing of it may be stored)');
  });

  t('write ids: a write sent again after its reply was lost answers as the win it was and writes nothing again; another write at that version still loses', async (_h, w) => {
    const s = await w.insert(session(1, { priceMinor: 15_001 }));
    const other = await w.insert(session(2));
    const settle = transition(s, { type: 'SETTLE' }, s.chargeScheduledAt);
    check(settle.ok, 'settle should be accepted');
    const settling = writeOf(s, settle, { writeId: newWriteId() });
    await w.apply([settling]);
    // The commit's reply was lost: the same write again (same id, same expected version).
    await w.apply([settling], [true], [true]);
    await w.apply([{ ...settling }], [true], [true]);
    // Others at that stale version lose: another write id, or none.
    const cancel = transition(s, { type: 'CANCEL', actorId: 'admin', by: 'platform' }, addMinutes(start, -5));
    check(cancel.ok, 'cancel should be accepted');
    await w.apply([writeOf(s, cancel, { writeId: newWriteId() })], [false]);
    await w.apply([writeOf(s, cancel)], [false]);
    await w.apply([{ ...settling, writeId: newWriteId() }], [false]);
    await w.apply([{ ...settling, writeId: undefined }], [false]);
    // A charge answer sent again in a batch beside a new write: one more call, not two; the new write applies.
    const settled = w.expected(s.id);
    const answered = writeOf(
      settled,
      transition(settled, { type: 'RECORD_CHARGE_RESULT', attempt: 1, result: { status: 'unknown', reason: 'timeout', reference: 'pi_w' } }, addMinutes(s.chargeScheduledAt, 1)),
      { writeId: newWriteId() },
    );
    await w.apply([answered]);
    const joinOther = writeOf(other, transition(other, { type: 'JOIN', actorId: other.tutorId }, start), { writeId: newWriteId() });
    await w.apply([answered, joinOther], [true, true], [true, false]);
    check(w.charges.get(s.id)![0]!.calls === 1, 'the suite expected one call recorded');
    // The answer again, alone: still one call.
    await w.apply([answered], [true], [true]);
  });

  t('writes made from `previous` store `next` whole: alone, in a batch, after a lease taken since the read, and lose at a stale version', async (_h, w) => {
    const a = await w.insert(session(1, { priceMinor: 15_001 }));
    const b = await w.insert(session(2, { priceMinor: 20_000 }));
    const c = await w.insert(session(3));
    const due = a.chargeScheduledAt;
    // One write alone: the settlement, leased to this run (claimedUntil set, version and many fields changed).
    const settleA = transition(a, { type: 'SETTLE' }, due);
    check(settleA.ok, 'settle should be accepted');
    const [settledA] = await w.apply([writeOf(a, settleA, { previous: a, writeId: newWriteId(), next: { ...settleA.session, claimedUntil: addMinutes(due, 5) } })]);
    // A batch: b settled (no lease), c joined (its other fields as they were), each from the session as read.
    const settleB = transition(b, { type: 'SETTLE' }, due);
    const joinC = transition(c, { type: 'JOIN', actorId: c.tutorId }, start);
    const [settledB] = await w.apply([writeOf(b, settleB, { previous: b, writeId: newWriteId() }), writeOf(c, joinC, { previous: c, writeId: newWriteId() })]);
    check(settledB && settledB.claimedUntil === null, 'the suite expected b settled without a lease');
    // A claim leases both charges since their settlements were read; the answers made from those reads
    // store their own claimedUntil (none: the charges are settled), not the lease — also b's, whose
    // claimedUntil is the same in `previous` and `next`.
    await w.claim({ now: addMinutes(due, 10), limit: 10, claimUntil: addMinutes(due, 15) }, [c.id, a.id, b.id], 'a claim between the read and the answer');
    const answered = [settledA!, settledB].map((from) => {
      const answer = transition(from, { type: 'RECORD_CHARGE_RESULT', attempt: 1, result: { status: 'succeeded', reference: `pi_${from.bookingId}` } }, addMinutes(due, 11));
      check(answer.ok, 'the answer should be accepted');
      return writeOf(from, answer, { previous: from, writeId: newWriteId(), next: { ...answer.session, claimedUntil: null } });
    });
    await w.apply(answered);
    // From a stale read: loses, writes nothing.
    const stale = transition(c, { type: 'CANCEL', actorId: 'admin', by: 'platform' }, addMinutes(start, -5));
    await w.apply([writeOf(c, stale, { previous: c, writeId: newWriteId() })], [false]);
  });

  t('a final session cannot change its outcome, only its charge bookkeeping; storage itself refuses (after allowing a bookkeeping change)', async (h, w) => {
    const open = await w.insert(session(1));
    const paid = await w.insert(session(2, { priceMinor: 15_001 }));
    const cancelled = await w.insert(session(3));
    // The raw helper must be able to write: storage allows any change of a session that is not final...
    const changedOpen: Session = { ...open, version: 2, meetingEndedAt: addMinutes(start, 5), tutorJoinedAt: start, joinUrl: `${open.joinUrl}&x=1`, updatedAt: addMinutes(start, 5) };
    check(await h.raw.tryWriteSession(changedOpen), 'raw.tryWriteSession must be able to change a session that is not final (storage allows it)');
    w.sessions.set(open.id, changedOpen);
    await w.verify(open.id, 'after a direct change of a session that is not final');
    await w.step(paid.id, { type: 'SETTLE' }, paid.chargeScheduledAt);
    await w.step(cancelled.id, { type: 'CANCEL', actorId: cancelled.tutorId, by: 'tutor' }, addMinutes(start, -60));
    // ...and of a final one, a change of its bookkeeping only.
    const final = w.expected(paid.id);
    const bookkeeping: Session = { ...final, version: final.version + 1, claimedUntil: addMinutes(final.chargeScheduledAt, 9), updatedAt: addSeconds(final.updatedAt, 1) };
    check(await h.raw.tryWriteSession(bookkeeping), 'raw.tryWriteSession must be able to change a final session\'s bookkeeping (storage allows it)');
    w.sessions.set(paid.id, bookkeeping);
    await w.verify(paid.id, 'after a direct bookkeeping change of a final session');
    // Through the adapter: a change of the outcome is refused.
    let refused = false;
    try {
      const [changed] = await h.adapter.sessions.applyWrites([{ expectedVersion: bookkeeping.version, next: { ...bookkeeping, status: 'CANCELLED', version: bookkeeping.version + 1 }, events: [] }]);
      refused = changed === null;
    } catch {
      refused = true;
    }
    check(refused, 'changing the status of a final session must be refused (null or an error)');
    // Directly: storage refuses every outcome change.
    const frozen: Array<[Session, string]> = [
      [{ ...bookkeeping, version: bookkeeping.version + 1, finalizedAt: addSeconds(bookkeeping.finalizedAt!, 1) }, 'finalizedAt'],
      [{ ...bookkeeping, version: bookkeeping.version + 1, meetingEndedAt: addMinutes(start, 10) }, 'meetingEndedAt'],
      [{ ...bookkeeping, version: bookkeeping.version + 1, studentJoinedAt: start }, 'studentJoinedAt'],
      [{ ...bookkeeping, version: bookkeeping.version + 1, joinUrl: `${bookkeeping.joinUrl}&y=2` }, 'joinUrl'],
      [{ ...bookkeeping, version: bookkeeping.version + 1, status: 'EARLY_END_SHORT' }, 'status'],
    ];
    const cancelledNow = w.expected(cancelled.id);
    frozen.push([{ ...cancelledNow, version: cancelledNow.version + 1, cancelledBy: 'student' }, 'cancelledBy']);
    frozen.push([{ ...cancelledNow, version: cancelledNow.version + 1, finalizedAt: addSeconds(cancelledNow.finalizedAt!, -1) }, 'finalizedAt of a cancellation']);
    for (const [next, field] of frozen) {
      check(!(await h.raw.tryWriteSession(next)), `storage itself must refuse to change ${field} of a final session (raw.tryWriteSession answered true)`);
    }
    await w.verifyAll('after the refused changes');
    // Charge bookkeeping through the adapter is allowed.
    const booked = await w.step(paid.id, { type: 'RECORD_CHARGE_RESULT', attempt: 1, result: { status: 'succeeded', reference: 'ch_1' } }, addMinutes(paid.chargeScheduledAt, 1));
    check(booked.chargeStatus === 'succeeded', 'charge bookkeeping on a final session must be allowed');
  });

  t('events: listed in append order with every field; the log takes appends and refuses changes and removals', async (h, w) => {
    const s = await w.insert(session(1));
    await w.step(s.id, { type: 'JOIN', actorId: s.tutorId }, start);
    await w.step(s.id, { type: 'RECORD_MEETING_ENDED', endedAt: addMinutes(start, 30) }, addMinutes(start, 31));
    // The raw helper must be able to write: an append is allowed.
    const appended: SessionEventDraft = {
      type: 'session.joined',
      sessionId: s.id,
      tutorId: s.tutorId,
      actor: s.studentId,
      occurredAt: addMinutes(start, 32),
      payload: { role: 'student', first: false, via: { raw: true, list: [3, 2, 1] } },
    };
    check(await h.raw.tryChangeEvent({ kind: 'append', event: appended }), 'raw.tryChangeEvent must be able to append an event (storage allows it)');
    w.appended([appended]);
    await w.verify(s.id, 'after a direct append');
    const [, joined] = await h.raw.events(s.id);
    check(joined, 'the join event must be stored');
    check(!(await h.raw.tryChangeEvent({ kind: 'replace', event: { ...joined, type: 'session.cancelled', payload: { tampered: true } } })), 'storage must refuse to change an event');
    check(!(await h.raw.tryChangeEvent({ kind: 'replace', event: { ...joined, occurredAt: addMinutes(joined.occurredAt, 1) } })), 'storage must refuse to change an event\'s time');
    check(!(await h.raw.tryChangeEvent({ kind: 'remove', eventId: joined.id })), 'storage must refuse to remove an event');
    await w.verify(s.id, `after the refused changes of event ${show(joined.id)}`);
  });
}
