import { addMinutes, addSeconds } from 'date-fns';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { definePolicy, type Session } from '@itutor/sessions-core';
import { transition } from '@itutor/sessions-core/adapter';
import { amountsForOutcome, cancellationQuote, cancellationTierAt, isFinalStatus, noShowGuard, tutorAbsentGuard } from '@itutor/sessions-core/rules';
import { buildSession, createFakeVideoProvider } from '@itutor/sessions-core/testing';
import { booking, makeCore, START } from './support/core-fixture';

/**
 * The third release's outcomes (#22): the presence rule, the tutor's no-show, nobody joined, the
 * cancellation tiers and the reschedule, through the state machine and the services over the in-memory
 * adapter.
 */

const attendanceEntry = (sessionId: string, role: 'tutor' | 'student' | 'unknown', at: Date, n: number) => ({
  provider: 'zoom' as const,
  eventId: `evt-${sessionId}-${n}`,
  kind: 'participant.joined' as const,
  meetingId: '',
  occurredAt: at,
  receivedAt: at,
  participant: { email: `${role}@example.com`, name: role, providerUserId: null, participantId: `p-${role}-${n}` },
});

async function created(config: Parameters<typeof makeCore>[0] = {}) {
  const world = await makeCore(config);
  const { session } = await world.core.sessions.create(booking());
  return { ...world, session };
}

describe('the presence rule', () => {
  it('the tutor may mark the student absent only once their own presence is recorded (TUTOR_NOT_PRESENT before)', async () => {
    const { core, clock, session, gateway } = await created();
    clock.set(session.noShowEligibleAt);
    await expect(core.sessions.markNoShow({ sessionId: session.id, userId: 'tutor-a' })).rejects.toMatchObject({ code: 'TUTOR_NOT_PRESENT' });
    expect((await core.sessions.get(session.id))?.status).toBe('SCHEDULED');
    expect(gateway.instructions).toHaveLength(0);
    await core.sessions.join({ sessionId: session.id, userId: 'tutor-a' });
    const marked = await core.sessions.markNoShow({ sessionId: session.id, userId: 'tutor-a' });
    expect(marked).toMatchObject({ status: 'NO_SHOW_STUDENT', chargeAmountMinor: 7500 });
  });

  it("a provider's report of the tutor in the meeting counts as presence", async () => {
    const { core, clock, session } = await created({ matchParticipant: ({ participant }) => (participant.name === 'tutor' ? 'tutor' : 'unknown') });
    clock.set(addMinutes(START, 2));
    await core.attendance.record({ ...attendanceEntry(session.id, 'tutor', addMinutes(START, 1), 1), meetingId: session.meetingId });
    clock.set(session.noShowEligibleAt);
    await expect(core.sessions.markNoShow({ sessionId: session.id, userId: 'tutor-a' })).resolves.toMatchObject({ status: 'NO_SHOW_STUDENT' });
  });

  it('the guards check in order: who, final, the other side joined, too early, presence (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<'tutor' | 'student' | null>('tutor', 'student', null),
        fc.option(fc.integer({ min: -10, max: 80 }), { nil: null }),
        fc.option(fc.integer({ min: -10, max: 80 }), { nil: null }),
        fc.integer({ min: -5, max: 90 }),
        (role, studentAt, tutorAt, nowAt) => {
          const s = buildSession({
            scheduledStartAt: START,
            studentJoinedAt: studentAt === null ? null : addMinutes(START, studentAt),
            tutorJoinedAt: tutorAt === null ? null : addMinutes(START, tutorAt),
          });
          const now = addMinutes(START, nowAt);
          const noShow = noShowGuard(s, role, now);
          const absent = tutorAbsentGuard(s, role, now);
          const inWait = (at: number | null) => at !== null && addMinutes(START, at) <= s.noShowEligibleAt;
          const present = (at: number | null) => at !== null && addMinutes(START, at) <= now;
          const expectedNoShow =
            role !== 'tutor' ? 'NOT_SESSION_TUTOR' : inWait(studentAt) ? 'STUDENT_JOINED' : now < s.noShowEligibleAt ? 'TOO_EARLY' : !present(tutorAt) ? 'TUTOR_NOT_PRESENT' : null;
          const expectedAbsent =
            role !== 'student' ? 'NOT_SESSION_STUDENT' : inWait(tutorAt) ? 'TUTOR_JOINED' : now < s.noShowEligibleAt ? 'TOO_EARLY' : !present(studentAt) ? 'STUDENT_NOT_PRESENT' : null;
          expect(noShow.allowed ? null : noShow.code).toBe(expectedNoShow);
          expect(absent.allowed ? null : absent.code).toBe(expectedAbsent);
          // The machine refuses with the guard's code and changes nothing.
          const actor = role === 'tutor' ? s.tutorId : role === 'student' ? s.studentId : 'someone-else';
          const marked = transition(s, { type: 'MARK_NO_SHOW', actorId: actor }, now);
          const reported = transition(s, { type: 'REPORT_TUTOR_ABSENT', actorId: actor }, now);
          expect(marked.ok ? null : marked.error.code).toBe(expectedNoShow);
          expect(reported.ok ? null : reported.error.code).toBe(expectedAbsent);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('NO_SHOW_TUTOR', () => {
  it('the present student reports the absent tutor after the wait: nothing charged, nothing paid, on the tutor\'s record', async () => {
    const { core, clock, session, gateway, adapter } = await created();
    clock.set(addMinutes(START, 1));
    await core.sessions.join({ sessionId: session.id, userId: 'student-a' });
    clock.set(addMinutes(session.noShowEligibleAt, -1));
    await expect(core.sessions.reportTutorAbsent({ sessionId: session.id, userId: 'student-a' })).rejects.toMatchObject({
      code: 'TOO_EARLY',
      details: { availableAt: session.noShowEligibleAt },
    });
    await expect(core.sessions.reportTutorAbsent({ sessionId: session.id, userId: 'tutor-a' })).rejects.toMatchObject({ code: 'NOT_SESSION_STUDENT' });
    clock.set(session.noShowEligibleAt);
    const reported = await core.sessions.reportTutorAbsent({ sessionId: session.id, userId: 'student-a' });
    expect(reported).toMatchObject({ status: 'NO_SHOW_TUTOR', chargeAmountMinor: 0, payoutAmountMinor: 0, platformFeeMinor: 0, chargeStatus: 'none' });
    expect(gateway.instructions).toHaveLength(0);
    const events = await adapter.events.listByTutor('tutor-a');
    expect(events.map((e) => e.type)).toContain('session.tutor_no_show_marked');
    // Final: settlement leaves it alone, the tutor can no longer mark the student.
    clock.set(addMinutes(session.chargeScheduledAt, 1));
    await core.settlement.run();
    expect((await core.sessions.get(session.id))?.status).toBe('NO_SHOW_TUTOR');
    await expect(core.sessions.markNoShow({ sessionId: session.id, userId: 'tutor-a' })).rejects.toMatchObject({ code: 'SESSION_FINAL' });
    expect(gateway.instructions).toHaveLength(0);
  });

  it('refused while the student is not present, and when the tutor came within the wait (button or provider)', async () => {
    const { core, clock, session } = await created({ matchParticipant: ({ participant }) => (participant.name === 'tutor' ? 'tutor' : 'student') });
    clock.set(session.noShowEligibleAt);
    await expect(core.sessions.reportTutorAbsent({ sessionId: session.id, userId: 'student-a' })).rejects.toMatchObject({ code: 'STUDENT_NOT_PRESENT' });
    await core.attendance.record({ ...attendanceEntry(session.id, 'tutor', addMinutes(START, 3), 1), meetingId: session.meetingId });
    await core.sessions.join({ sessionId: session.id, userId: 'student-a' });
    await expect(core.sessions.reportTutorAbsent({ sessionId: session.id, userId: 'student-a' })).rejects.toMatchObject({
      code: 'TUTOR_JOINED',
      details: { source: 'provider' },
    });
  });

  it('a tutor who joins after the wait does not stop the report (not there by start + wait)', async () => {
    const { core, clock, session } = await created();
    clock.set(addMinutes(START, 1));
    await core.sessions.join({ sessionId: session.id, userId: 'student-a' });
    clock.set(addMinutes(session.noShowEligibleAt, 2));
    await core.sessions.join({ sessionId: session.id, userId: 'tutor-a' });
    await expect(core.sessions.reportTutorAbsent({ sessionId: session.id, userId: 'student-a' })).resolves.toMatchObject({ status: 'NO_SHOW_TUTOR' });
  });

  it('opt-in at settlement: the provider saw the student and never the tutor → NO_SHOW_TUTOR, no charge', async () => {
    const match = ({ participant }: { participant: { name: string | null } }) => (participant.name === 'student' ? ('student' as const) : ('unknown' as const));
    for (const auto of [true, false]) {
      const { core, clock, session, gateway } = await created({ matchParticipant: match, policy: { autoTutorNoShowFromAttendance: auto } });
      clock.set(addMinutes(START, 2));
      await core.attendance.record({ ...attendanceEntry(session.id, 'student', addMinutes(START, 1), 1), meetingId: session.meetingId });
      clock.set(session.chargeScheduledAt);
      const report = await core.settlement.run();
      const stored = await core.sessions.get(session.id);
      if (auto) {
        expect(stored).toMatchObject({ status: 'NO_SHOW_TUTOR', chargeAmountMinor: 0 });
        expect(report.tutorNoShows).toBe(1);
        expect(gateway.instructions).toHaveLength(0);
      } else {
        // Off: the seed's rule (the student's presence is no evidence the tutor was missing).
        expect(stored).toMatchObject({ status: 'COMPLETED_ASSUMED', chargeAmountMinor: 15_000 });
        expect(report.tutorNoShows).toBe(0);
      }
    }
  });
});

describe('NOBODY_JOINED', () => {
  it('the provider reported attendance for the meeting and neither participant is in it: no charge', async () => {
    const { core, clock, session, gateway } = await created({ matchParticipant: () => 'unknown' });
    clock.set(addMinutes(START, 2));
    await core.attendance.record({ ...attendanceEntry(session.id, 'unknown', addMinutes(START, 1), 1), meetingId: session.meetingId });
    clock.set(session.chargeScheduledAt);
    const report = await core.settlement.run();
    expect(report.nobodyJoined).toBe(1);
    expect(await core.sessions.get(session.id)).toMatchObject({ status: 'NOBODY_JOINED', chargeAmountMinor: 0, payoutAmountMinor: 0, chargeStatus: 'none' });
    expect(gateway.instructions).toHaveLength(0);
    const settledEvent = (await core.sessions.listEvents(session.id)).find((e) => e.type === 'session.settled');
    expect(settledEvent?.payload).toMatchObject({ outcome: 'NOBODY_JOINED', evidence: 'provider_attendance' });
  });

  it('the provider says the meeting never started, and nobody pressed Join: no charge', async () => {
    const video = createFakeVideoProvider({ meetingTimes: true });
    const { core, clock, session, gateway } = await created({ videoProvider: video });
    video.setMeetingTimes(session.meetingId, { startedAt: null, endedAt: null, neverStarted: true });
    clock.set(session.chargeScheduledAt);
    await core.settlement.run();
    const stored = await core.sessions.get(session.id);
    expect(stored).toMatchObject({ status: 'NOBODY_JOINED', chargeAmountMinor: 0 });
    expect(gateway.instructions).toHaveLength(0);
  });

  it('without reliable evidence the seed rule applies; a Join-button join or a matched provider join rules it out', async () => {
    // No provider report at all: nothing is known (a provider without webhooks reports nothing).
    const quiet = await created();
    quiet.clock.set(quiet.session.chargeScheduledAt);
    await quiet.core.settlement.run();
    expect((await quiet.core.sessions.get(quiet.session.id))?.status).toBe('COMPLETED_ASSUMED');
    // "Never started" from the provider, but the student pressed Join: not nobody.
    const video = createFakeVideoProvider({ meetingTimes: true });
    const pressed = await created({ videoProvider: video });
    video.setMeetingTimes(pressed.session.meetingId, { startedAt: null, endedAt: null, neverStarted: true });
    pressed.clock.set(addMinutes(START, 1));
    await pressed.core.sessions.join({ sessionId: pressed.session.id, userId: 'student-a' });
    pressed.clock.set(pressed.session.chargeScheduledAt);
    await pressed.core.settlement.run();
    expect((await pressed.core.sessions.get(pressed.session.id))?.status).toBe('COMPLETED_ASSUMED');
    // A provider answer without `neverStarted` (no record) is no evidence.
    const unknown = createFakeVideoProvider({ meetingTimes: true });
    const silent = await created({ videoProvider: unknown });
    unknown.setMeetingTimes(silent.session.meetingId, { startedAt: null, endedAt: null });
    silent.clock.set(silent.session.chargeScheduledAt);
    await silent.core.settlement.run();
    expect((await silent.core.sessions.get(silent.session.id))?.status).toBe('COMPLETED_ASSUMED');
  });

  it('nobodyJoinedChargePercent charges that share through the ledger', async () => {
    const { core, clock, session, gateway } = await created({ matchParticipant: () => 'unknown', policy: { nobodyJoinedChargePercent: 20 } });
    clock.set(addMinutes(START, 2));
    await core.attendance.record({ ...attendanceEntry(session.id, 'unknown', addMinutes(START, 1), 1), meetingId: session.meetingId });
    clock.set(session.chargeScheduledAt);
    await core.settlement.run();
    expect(await core.sessions.get(session.id)).toMatchObject({ status: 'NOBODY_JOINED', chargeAmountMinor: 3000, payoutAmountMinor: 2700, platformFeeMinor: 300, chargeStatus: 'succeeded' });
    expect(gateway.charges.size).toBe(1);
    expect([...gateway.charges.values()][0]).toMatchObject({ outcome: 'NOBODY_JOINED', amountMinor: 3000 });
  });
});

describe('cancellation tiers', () => {
  const tiers = fc
    .uniqueArray(fc.record({ minutesBefore: fc.integer({ min: 0, max: 5000 }), chargePercent: fc.integer({ min: 0, max: 100 }) }), {
      selector: (t) => t.minutesBefore,
      maxLength: 10,
    });

  it('the quote is the tier with the greatest notice not above the whole minutes left; free for the tutor and the platform (property)', () => {
    fc.assert(
      fc.property(tiers, fc.integer({ min: 1, max: 6000 * 60_000 }), fc.integer({ min: 0, max: 999_999_999_999 }), fc.constantFrom('student', 'tutor', 'platform' as const), (list, msLeft, price, by) => {
        const policy = definePolicy({ cancellationTiers: list });
        const now = new Date(START.getTime() - msLeft);
        const quote = cancellationQuote({ scheduledStartAt: START, priceMinor: price }, by, now, policy);
        const minutes = Math.floor(msLeft / 60_000);
        const eligible = list.filter((t) => t.minutesBefore <= minutes).sort((a, b) => b.minutesBefore - a.minutesBefore);
        const tier = by === 'student' ? (eligible[0] ?? null) : null;
        const percent = tier?.chargePercent ?? 0;
        const charge = Number((BigInt(price) * BigInt(percent)) / 100n);
        expect(quote.minutesBefore).toBe(minutes);
        expect(quote.chargePercent).toBe(percent);
        expect(quote.chargeMinor).toBe(charge);
        expect(quote.payoutMinor + quote.feeMinor).toBe(charge);
        expect(quote.payoutMinor).toBe(Number((BigInt(charge) * 9000n) / 10000n));
        expect(quote.status).toBe(charge > 0 ? 'CANCELLED_LATE' : 'CANCELLED');
        // The quote holds until validUntil inclusive, and the next tier applies a millisecond later; a
        // quote that holds to the start says so.
        if (quote.validUntil.getTime() < START.getTime()) {
          const at = (ms: number) => cancellationQuote({ scheduledStartAt: START, priceMinor: price }, by, new Date(ms), policy);
          expect(at(quote.validUntil.getTime()).tier).toEqual(tier);
          expect(at(quote.validUntil.getTime() + 1).tier?.minutesBefore).not.toBe(tier?.minutesBefore);
          expect(tier).not.toBeNull();
        } else {
          expect(quote.validUntil).toEqual(START);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('default: 24 h or more before is free, later 50 %, judged to the minute', () => {
    const s = { scheduledStartAt: START, priceMinor: 15_000 };
    expect(cancellationQuote(s, 'student', addMinutes(START, -1440))).toMatchObject({ status: 'CANCELLED', chargeMinor: 0, validUntil: addMinutes(START, -1440) });
    expect(cancellationQuote(s, 'student', addSeconds(addMinutes(START, -1440), 1))).toMatchObject({ status: 'CANCELLED_LATE', chargeMinor: 7500, payoutMinor: 6750, feeMinor: 750, chargePercent: 50, validUntil: START });
    expect(cancellationQuote(s, 'tutor', addMinutes(START, -5))).toMatchObject({ status: 'CANCELLED', chargeMinor: 0 });
    expect(() => cancellationQuote(s, 'student', START)).toThrow(expect.objectContaining({ code: 'TOO_LATE' }));
    expect(amountsForOutcome(15_000, 'CANCELLED_LATE', undefined, 50)).toEqual({ chargeMinor: 7500, payoutMinor: 6750, feeMinor: 750 });
    expect(() => amountsForOutcome(15_000, 'CANCELLED_LATE')).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });

  it('refuses tiers that cannot work', () => {
    expect(() => definePolicy({ cancellationTiers: [{ minutesBefore: 10, chargePercent: 101 }] })).toThrow(expect.objectContaining({ code: 'INVALID_POLICY' }));
    expect(() => definePolicy({ cancellationTiers: [{ minutesBefore: 10, chargePercent: 5 }, { minutesBefore: 10, chargePercent: 6 }] })).toThrow(
      expect.objectContaining({ code: 'INVALID_POLICY' }),
    );
    expect(() => definePolicy({ cancellationTiers: 'late' as never })).toThrow(expect.objectContaining({ code: 'INVALID_POLICY' }));
    expect(definePolicy({ cancellationTiers: [{ minutesBefore: 0, chargePercent: 80 }, { minutesBefore: 120, chargePercent: 20 }] }).cancellationTiers.map((t) => t.minutesBefore)).toEqual([120, 0]);
  });

  it('a late student cancel is charged through the ledger at once, exactly the tier, once', async () => {
    const { core, clock, session, gateway } = await created();
    clock.set(addMinutes(START, -120));
    const preview = await core.sessions.previewCancellation({ sessionId: session.id, userId: 'student-a', by: 'student' });
    expect(preview).toMatchObject({ status: 'CANCELLED_LATE', chargeMinor: 7500, chargePercent: 50 });
    const cancelled = await core.sessions.cancel({ sessionId: session.id, userId: 'student-a', by: 'student', expectedChargeMinor: preview.chargeMinor });
    expect(cancelled).toMatchObject({ status: 'CANCELLED_LATE', cancelledBy: 'student', chargeAmountMinor: 7500, payoutAmountMinor: 6750, platformFeeMinor: 750, chargeStatus: 'succeeded' });
    expect(gateway.charges.size).toBe(1);
    expect([...gateway.charges.values()][0]).toMatchObject({ outcome: 'CANCELLED_LATE', amountMinor: 7500, attempt: 1 });
    const ledger = await core.charges.list(session.id);
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({ outcome: 'CANCELLED_LATE', status: 'succeeded', amountMinor: 7500 });
    // The cron has nothing more to do; a second cancel is refused.
    clock.set(addMinutes(START, 90));
    await core.settlement.run();
    expect(gateway.instructions).toHaveLength(1);
    await expect(core.sessions.cancel({ sessionId: session.id, userId: 'student-a', by: 'student' })).rejects.toMatchObject({ code: 'SESSION_FINAL' });
  });

  it('a declined late-cancel fee is retried by the cron under the ledger rules', async () => {
    const { core, clock, session, gateway } = await created();
    clock.set(addMinutes(START, -30));
    gateway.failNext(1);
    const cancelled = await core.sessions.cancel({ sessionId: session.id, userId: 'student-a', by: 'student' });
    expect(cancelled).toMatchObject({ status: 'CANCELLED_LATE', chargeStatus: 'pending' });
    clock.set(addMinutes(START, -20));
    await core.settlement.run();
    clock.set(addMinutes(START, -10));
    await core.settlement.run();
    expect(await core.sessions.get(session.id)).toMatchObject({ chargeStatus: 'succeeded', chargeAttempts: 2 });
    expect(gateway.charges.size).toBe(1);
  });

  it('the fee confirmed is re-checked on the server: a tier change while the dialog was open is refused with the fee now', async () => {
    const { core, clock, session, gateway } = await created();
    clock.set(addMinutes(START, -1441));
    const shown = await core.sessions.previewCancellation({ sessionId: session.id, userId: 'student-a', by: 'student' });
    expect(shown).toMatchObject({ status: 'CANCELLED', chargeMinor: 0, validUntil: addMinutes(START, -1440) });
    clock.set(addMinutes(START, -1439));
    const refusal = await core.sessions.cancel({ sessionId: session.id, userId: 'student-a', by: 'student', expectedChargeMinor: shown.chargeMinor }).catch((e: unknown) => e);
    expect(refusal).toMatchObject({ code: 'CANCELLATION_FEE_CHANGED', details: { quote: { status: 'CANCELLED_LATE', chargeMinor: 7500 } } });
    expect((await core.sessions.get(session.id))?.status).toBe('SCHEDULED');
    expect(gateway.instructions).toHaveLength(0);
  });

  it('the tutor and the platform cancel free at any time before the start; others may not cancel as them', async () => {
    const { core, clock, session } = await created();
    clock.set(addMinutes(START, -1));
    await expect(core.sessions.cancel({ sessionId: session.id, userId: 'student-a', by: 'tutor' })).rejects.toMatchObject({ code: 'NOT_SESSION_PARTICIPANT' });
    await expect(core.sessions.previewCancellation({ sessionId: session.id, userId: 'student-a', by: 'tutor' })).rejects.toMatchObject({ code: 'NOT_SESSION_PARTICIPANT' });
    expect(await core.sessions.cancel({ sessionId: session.id, userId: 'tutor-a', by: 'tutor' })).toMatchObject({ status: 'CANCELLED', cancelledBy: 'tutor', chargeAmountMinor: 0 });
    const other = (await core.sessions.create(booking())).session;
    expect(await core.sessions.cancel({ sessionId: other.id, userId: 'admin', by: 'platform' })).toMatchObject({ status: 'CANCELLED', cancelledBy: 'platform' });
  });
});

describe('reschedule', () => {
  const dayLater = addMinutes(START, 24 * 60);

  it('moves the session and the meeting; same id, booking, meeting and link; an audited event with both times', async () => {
    const { core, clock, session, video } = await created();
    clock.set(addMinutes(START, -3 * 24 * 60));
    const moved = await core.sessions.reschedule({ sessionId: session.id, userId: 'student-a', by: 'student', startAt: dayLater, reason: 'exam' });
    expect(moved).toMatchObject({
      id: session.id,
      bookingId: session.bookingId,
      meetingId: session.meetingId,
      joinUrl: session.joinUrl,
      scheduledStartAt: dayLater,
      scheduledEndAt: addMinutes(dayLater, 60),
      joinOpensAt: addMinutes(dayLater, -5),
      noShowEligibleAt: addMinutes(dayLater, session.noShowWaitMinutes),
      chargeScheduledAt: addMinutes(dayLater, 60),
      durationMinutes: 60,
      status: 'SCHEDULED',
    });
    expect(video.meetings.get(session.meetingId)).toMatchObject({ startAt: dayLater, durationMinutes: 60 });
    const event = (await core.sessions.listEvents(session.id)).find((e) => e.type === 'session.rescheduled');
    expect(event?.payload).toMatchObject({ by: 'student', reason: 'exam', previousStartAt: START.toISOString(), startAt: dayLater.toISOString() });
    // The old times mean nothing now: no join at the old start, no settlement at the old end.
    clock.set(START);
    await expect(core.sessions.join({ sessionId: session.id, userId: 'student-a' })).rejects.toMatchObject({ code: 'TOO_EARLY' });
    clock.set(addMinutes(START, 61));
    await core.settlement.run();
    expect((await core.sessions.get(session.id))?.status).toBe('SCHEDULED');
    // The link handed out works at the new time.
    clock.set(dayLater);
    expect((await core.sessions.join({ sessionId: session.id, userId: 'student-a' })).joinUrl).toBe(session.joinUrl);
  });

  it('keeps the timings of its own snapshot, not a later policy', async () => {
    const first = await created();
    const { createSessionsCore } = await import('@itutor/sessions-core');
    const other = createSessionsCore({ adapter: first.adapter, videoProvider: first.video, paymentGateway: first.gateway, clock: first.clock, policy: { noShowWaitPercent: 10, joinLeadMinutes: 15 } });
    first.clock.set(addMinutes(START, -3 * 24 * 60));
    const moved = await other.sessions.reschedule({ sessionId: first.session.id, userId: 'tutor-a', by: 'tutor', startAt: dayLater });
    expect(moved.noShowWaitMinutes).toBe(first.session.noShowWaitMinutes);
    expect(moved.joinOpensAt).toEqual(addMinutes(dayLater, -5));
  });

  it('refuses inside the minimum notice (old or new start), after a join, once final, and for outsiders', async () => {
    const { core, clock, session, video } = await created();
    clock.set(addMinutes(START, -1439));
    await expect(core.sessions.reschedule({ sessionId: session.id, userId: 'student-a', by: 'student', startAt: dayLater })).rejects.toMatchObject({ code: 'TOO_LATE' });
    clock.set(addMinutes(START, -1440));
    await expect(core.sessions.reschedule({ sessionId: session.id, userId: 'student-a', by: 'student', startAt: addMinutes(clock.now(), 1439) })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    await expect(core.sessions.reschedule({ sessionId: session.id, userId: 'stranger', by: 'student', startAt: dayLater })).rejects.toMatchObject({ code: 'NOT_SESSION_PARTICIPANT' });
    await expect(core.sessions.reschedule({ sessionId: session.id, userId: 'student-a', by: 'student', startAt: new Date(NaN) })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(video.moves).toHaveLength(0);
    await core.sessions.cancel({ sessionId: session.id, userId: 'tutor-a', by: 'tutor' });
    await expect(core.sessions.reschedule({ sessionId: session.id, userId: 'tutor-a', by: 'tutor', startAt: addMinutes(dayLater, 1440) })).rejects.toMatchObject({ code: 'SESSION_FINAL' });
    // With no notice required, still never after someone joined.
    const open = await created({ policy: { rescheduleMinNoticeMinutes: 0 } });
    open.clock.set(addMinutes(START, -3));
    await open.core.sessions.join({ sessionId: open.session.id, userId: 'tutor-a' });
    await expect(open.core.sessions.reschedule({ sessionId: open.session.id, userId: 'tutor-a', by: 'tutor', startAt: dayLater })).rejects.toMatchObject({ code: 'TOO_LATE' });
  });

  it('a provider failure or hang leaves the session as it was, and the meeting moved back; a retry finishes', async () => {
    for (const fault of ['throw', 'lose-response', 'hang'] as const) {
      const { core, clock, session, video } = await created({ meetingCallTimeoutMs: 200 });
      clock.set(addMinutes(START, -3 * 24 * 60));
      video.scriptMoves(fault);
      await expect(core.sessions.reschedule({ sessionId: session.id, userId: 'tutor-a', by: 'tutor', startAt: dayLater })).rejects.toMatchObject({
        code: 'PROVIDER_UNAVAILABLE',
        details: { reason: fault === 'hang' ? 'timeout' : 'error' },
      });
      expect((await core.sessions.get(session.id))?.scheduledStartAt).toEqual(START);
      expect(video.meetings.get(session.meetingId)?.startAt).toEqual(START);
      expect((await core.sessions.listEvents(session.id)).map((e) => e.type)).not.toContain('session.rescheduled');
      const moved = await core.sessions.reschedule({ sessionId: session.id, userId: 'tutor-a', by: 'tutor', startAt: dayLater });
      expect(moved.scheduledStartAt).toEqual(dayLater);
      expect(video.meetings.get(session.meetingId)?.startAt).toEqual(dayLater);
    }
  });

  it('a repeated call after a lost answer changes nothing more: one event, the meeting where the session is', async () => {
    const { core, clock, session, video } = await created();
    clock.set(addMinutes(START, -3 * 24 * 60));
    await core.sessions.reschedule({ sessionId: session.id, userId: 'tutor-a', by: 'tutor', startAt: dayLater });
    const again = await core.sessions.reschedule({ sessionId: session.id, userId: 'tutor-a', by: 'tutor', startAt: dayLater });
    expect(again.scheduledStartAt).toEqual(dayLater);
    expect((await core.sessions.listEvents(session.id)).filter((e) => e.type === 'session.rescheduled')).toHaveLength(1);
    expect(video.meetings.get(session.meetingId)?.startAt).toEqual(dayLater);
  });

  it('racing reschedules and a cancel end in one state, with the meeting where the stored session is', async () => {
    for (let round = 0; round < 20; round++) {
      const { core, clock, session, video } = await created();
      clock.set(addMinutes(START, -3 * 24 * 60));
      const targets = [1, 2, 3].map((d) => addMinutes(START, d * 24 * 60 + round));
      const results = await Promise.allSettled([
        ...targets.map((startAt, i) => core.sessions.reschedule({ sessionId: session.id, userId: i % 2 ? 'tutor-a' : 'student-a', by: i % 2 ? 'tutor' : 'student', startAt })),
        ...(round % 2 ? [core.sessions.cancel({ sessionId: session.id, userId: 'tutor-a', by: 'tutor' })] : []),
      ]);
      const stored = (await core.sessions.get(session.id)) as Session;
      expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
      if (!isFinalStatus(stored.status)) expect(video.meetings.get(session.meetingId)?.startAt).toEqual(stored.scheduledStartAt);
      const events = await core.sessions.listEvents(session.id);
      const lastMove = events.filter((e) => e.type === 'session.rescheduled').at(-1);
      if (lastMove) expect(lastMove.payload.startAt).toBe(stored.status === 'CANCELLED' ? lastMove.payload.startAt : stored.scheduledStartAt.toISOString());
    }
  });
});

describe('the charged outcomes', () => {
  it('the ledger type and the rule list are the same set, and exactly the outcomes the money rule can charge', async () => {
    const { CHARGED_OUTCOMES, SESSION_STATUSES } = await import('../src/rules/status');
    const typed: readonly import('@itutor/sessions-core').ChargeAttempt['outcome'][] = ['COMPLETED_ASSUMED', 'NO_SHOW_STUDENT', 'CANCELLED_LATE', 'NOBODY_JOINED'];
    expect([...CHARGED_OUTCOMES].sort()).toEqual([...typed].sort());
    const policy = definePolicy({ nobodyJoinedChargePercent: 10 });
    const charging = SESSION_STATUSES.filter((status) => amountsForOutcome(15_000, status, policy, 50).chargeMinor > 0);
    expect([...charging].sort()).toEqual([...CHARGED_OUTCOMES].sort());
  });
});
