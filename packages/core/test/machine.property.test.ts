import fc from 'fast-check';
import { addMinutes, addSeconds } from 'date-fns';
import { describe, expect, it } from 'vitest';
import { definePolicy, type ChargeAttempt, type Session } from '@itutor/sessions-core';
import { effectiveStatus, FINAL_STATUSES, isFinalStatus } from '@itutor/sessions-core/rules';
import { transition, type ChargeAnswer, type SessionCommand } from '@itutor/sessions-core/adapter';
import { buildSession } from '@itutor/sessions-core/testing';

const START = new Date('2026-06-01T15:00:00.000Z');

const commandArb: fc.Arbitrary<SessionCommand> = fc.oneof(
  fc.constantFrom('tutor-a', 'student-a', 'stranger').map((actorId) => ({ type: 'JOIN' as const, actorId })),
  fc.constantFrom('tutor-a', 'student-a', 'stranger').map((actorId) => ({ type: 'MARK_NO_SHOW' as const, actorId })),
  fc.constantFrom('tutor-a', 'student-a', 'stranger').map((actorId) => ({ type: 'REPORT_TUTOR_ABSENT' as const, actorId })),
  fc.constant({ type: 'SETTLE' as const }),
  fc.integer({ min: -10, max: 200 }).map((m) => ({ type: 'RECORD_MEETING_ENDED' as const, endedAt: addMinutes(START, m) })),
  fc
    .record({ actorId: fc.constantFrom('tutor-a', 'student-a', 'ops'), by: fc.constantFrom('tutor', 'student', 'platform' as const) })
    .map((c) => ({ type: 'CANCEL' as const, ...c })),
  fc
    .record({
      attempt: fc.integer({ min: 0, max: 4 }),
      result: fc.constantFrom<ChargeAnswer>(
        { status: 'succeeded', reference: 'ch_1' },
        { status: 'failed', failureCode: 'card_declined', reference: null },
        { status: 'unknown', reason: 'timeout', reference: null },
      ),
    })
    .map((c) => ({ type: 'RECORD_CHARGE_RESULT' as const, ...c })),
  fc.constant({ type: 'OPEN_CHARGE_ATTEMPT' as const }),
  fc.constant({ type: 'EXPIRE_CHARGE' as const }),
);

/** Steps at non-decreasing times from well before the join window to well after the end. */
const stepsArb = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 30 * 60 }), commandArb), { minLength: 1, maxLength: 25 })
  .map((steps) => {
    let t = addMinutes(START, -20);
    return steps.map(([dt, command]) => {
      t = addSeconds(t, dt);
      return { now: t, command };
    });
  });

describe('state machine properties', () => {
  it('no command sequence changes a final status, settles twice, or takes money twice; the ledger follows the rules', () => {
    // A deadline the steps can pass (they span up to 12.5 hours), so EXPIRE_CHARGE is accepted too.
    const policy = definePolicy({ maxChargeAttempts: 3, chargeDeadlineMinutes: 120 });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 240 }), fc.integer({ min: 0, max: 1_000_000 }), stepsArb, (duration, price, steps) => {
        let session: Session = buildSession({ scheduledStartAt: START, durationMinutes: duration, priceMinor: price });
        let finalStatus: Session['status'] | null = null;
        let outcomes = 0;
        const ledger = new Map<number, ChargeAttempt>();
        for (const { now, command } of steps) {
          const before = session;
          const result = transition(session, command, now, policy);
          if (!result.ok) {
            expect(result.error.code).toMatch(/^[A-Z_]+$/);
            continue;
          }
          expect(result.session.version).toBe(before.version + (result.changed ? 1 : 0));
          if (!result.changed) expect(result.events).toHaveLength(0);
          expect(before.version).toBe(session.version); // inputs never mutated
          if (command.type === 'EXPIRE_CHARGE') {
            // Past the deadline an open attempt is closed without another gateway call and without a ledger answer.
            expect(result.effects).toEqual([]);
            expect(result.ledger).toEqual([]);
            expect(result.session.chargeStatus).toBe('failed');
            expect(now.getTime()).toBeGreaterThanOrEqual(addMinutes(before.finalizedAt!, policy.chargeDeadlineMinutes).getTime());
          }
          session = result.session;
          outcomes += result.events.filter((e) =>
            ['session.settled', 'session.no_show_marked', 'session.tutor_no_show_marked', 'session.cancelled'].includes(e.type),
          ).length;
          for (const w of result.ledger) {
            if (w.type === 'open') {
              expect(ledger.has(w.attempt.attempt)).toBe(false);
              expect([...ledger.values()].some((a) => a.idempotencyKey === w.attempt.idempotencyKey)).toBe(false);
              expect(w.attempt.amountMinor).toBe(session.chargeAmountMinor);
              expect(w.attempt.payoutMinor).toBe(session.payoutAmountMinor);
              expect(w.attempt.feeMinor).toBe(session.platformFeeMinor);
              ledger.set(w.attempt.attempt, w.attempt);
            } else if (w.type === 'answer') {
              const row = ledger.get(w.attempt);
              expect(row).toBeDefined();
              expect(row!.status === 'pending' || row!.status === 'unknown').toBe(true); // answered attempts are closed
              ledger.set(w.attempt, { ...row!, status: w.status });
            }
          }
          const succeeded = [...ledger.values()].filter((a) => a.status === 'succeeded').length;
          expect(succeeded).toBeLessThanOrEqual(1);
          expect(session.chargeStatus === 'succeeded').toBe(succeeded === 1);
          expect(ledger.size).toBeLessThanOrEqual(policy.maxChargeAttempts);
          if (session.chargeStatus === 'pending' && session.chargeIdempotencyKey !== null) {
            expect(ledger.get(session.chargeAttempts)?.idempotencyKey).toBe(session.chargeIdempotencyKey);
          }
          if (finalStatus !== null) expect(session.status).toBe(finalStatus);
          if (isFinalStatus(session.status)) {
            finalStatus ??= session.status;
            const { chargeAmountMinor: c, payoutAmountMinor: p, platformFeeMinor: f } = session;
            expect(c).toBe((p ?? NaN) + (f ?? NaN));
            expect(c).toBeLessThanOrEqual(price);
          } else {
            expect(session.chargeAmountMinor).toBeNull();
          }
        }
        expect(outcomes).toBeLessThanOrEqual(1);
      }),
      { numRuns: 3_000 },
    );
  });

  it('effective status is JOIN_OPEN exactly from joinOpensAt for a stored SCHEDULED session', () => {
    fc.assert(
      fc.property(fc.integer({ min: -3600, max: 3600 }), (offsetSeconds) => {
        const session = buildSession({ scheduledStartAt: START });
        const now = addSeconds(session.joinOpensAt, offsetSeconds);
        expect(effectiveStatus(session, now)).toBe(offsetSeconds >= 0 ? 'JOIN_OPEN' : 'SCHEDULED');
      }),
    );
  });

  it('final statuses are shown as stored whatever the time', () => {
    expect(FINAL_STATUSES).toHaveLength(7); // the seed's four and NO_SHOW_TUTOR, NOBODY_JOINED, CANCELLED_LATE
    for (const status of FINAL_STATUSES) {
      expect(effectiveStatus(buildSession({ scheduledStartAt: START, status }), addMinutes(START, 5))).toBe(status);
    }
  });
});

describe('state machine rules', () => {
  const s = () => buildSession({ scheduledStartAt: START, durationMinutes: 60 });

  it('join: refused before T−5 with the opening instant, accepted at T−5:00, first join time kept', () => {
    const early = transition(s(), { type: 'JOIN', actorId: 'student-a' }, addSeconds(START, -301));
    expect(early.ok || early.error.code).toBe('TOO_EARLY');
    if (!early.ok) expect(early.error.details.availableAt).toEqual(addMinutes(START, -5));
    const first = transition(s(), { type: 'JOIN', actorId: 'student-a' }, addMinutes(START, -5));
    expect(first.ok && first.session.status).toBe('JOIN_OPEN');
    if (!first.ok) return;
    expect(first.session.studentJoinedAt).toEqual(addMinutes(START, -5));
    const again = transition(first.session, { type: 'JOIN', actorId: 'student-a' }, addMinutes(START, 3));
    expect(again.ok && again.session.studentJoinedAt).toEqual(addMinutes(START, -5));
    const stranger = transition(s(), { type: 'JOIN', actorId: 'someone' }, START);
    expect(!stranger.ok && stranger.error.code).toBe('NOT_SESSION_PARTICIPANT');
  });

  it('no-show: each refusal has its own code', () => {
    const eligible = addMinutes(START, 19);
    // The tutor's presence is recorded (Join button) unless a case says otherwise, so each refusal is its own.
    const present = () => ({ ...s(), status: 'JOIN_OPEN' as const, tutorJoinedAt: START });
    const byStudent = transition(present(), { type: 'MARK_NO_SHOW', actorId: 'student-a' }, eligible);
    expect(!byStudent.ok && byStudent.error.code).toBe('NOT_SESSION_TUTOR');
    const early = transition(present(), { type: 'MARK_NO_SHOW', actorId: 'tutor-a' }, addSeconds(eligible, -1));
    expect(!early.ok && early.error.code).toBe('TOO_EARLY');
    const joinedAtWait = { ...present(), studentJoinedAt: eligible };
    const joined = transition(joinedAtWait, { type: 'MARK_NO_SHOW', actorId: 'tutor-a' }, eligible);
    expect(!joined.ok && joined.error.code).toBe('STUDENT_JOINED');
    const final = transition({ ...present(), status: 'COMPLETED_ASSUMED' }, { type: 'MARK_NO_SHOW', actorId: 'tutor-a' }, eligible);
    expect(!final.ok && final.error.code).toBe('SESSION_FINAL');
    const lateJoin = { ...present(), studentJoinedAt: addSeconds(eligible, 1) };
    const ok = transition(lateJoin, { type: 'MARK_NO_SHOW', actorId: 'tutor-a' }, addMinutes(eligible, 1));
    expect(ok.ok && ok.session.status).toBe('NO_SHOW_STUDENT');

    // The presence rule: a tutor whose presence is not recorded by now is refused, last in the order.
    const absentTutor = { ...s(), studentJoinedAt: addSeconds(eligible, 1) };
    const notPresent = transition(absentTutor, { type: 'MARK_NO_SHOW', actorId: 'tutor-a' }, addMinutes(eligible, 1));
    expect(!notPresent.ok && notPresent.error.code).toBe('TUTOR_NOT_PRESENT');
    expect(!notPresent.ok && notPresent.error.details).toEqual({});
    const joinLater = transition({ ...s(), tutorJoinedAt: addMinutes(eligible, 2) }, { type: 'MARK_NO_SHOW', actorId: 'tutor-a' }, addMinutes(eligible, 1));
    expect(!joinLater.ok && joinLater.error.code).toBe('TUTOR_NOT_PRESENT'); // a join recorded after now is not presence now
    // The earlier refusals win over it: the guard order NOT_SESSION_TUTOR, SESSION_FINAL, STUDENT_JOINED, TOO_EARLY, TUTOR_NOT_PRESENT.
    expect(transition({ ...s(), studentJoinedAt: eligible }, { type: 'MARK_NO_SHOW', actorId: 'tutor-a' }, eligible)).toMatchObject({ ok: false, error: { code: 'STUDENT_JOINED' } });
    expect(transition(s(), { type: 'MARK_NO_SHOW', actorId: 'tutor-a' }, addSeconds(eligible, -1))).toMatchObject({ ok: false, error: { code: 'TOO_EARLY' } });
    expect(transition({ ...s(), status: 'COMPLETED_ASSUMED' }, { type: 'MARK_NO_SHOW', actorId: 'tutor-a' }, eligible)).toMatchObject({ ok: false, error: { code: 'SESSION_FINAL' } });
    // A provider-reported join matched to the tutor is presence too.
    const byProvider = transition(absentTutor, { type: 'MARK_NO_SHOW', actorId: 'tutor-a', providerTutorJoinedAt: START }, addMinutes(eligible, 1));
    expect(byProvider.ok && byProvider.session.status).toBe('NO_SHOW_STUDENT');
  });

  it('cancel: only before the start, only by a participant in their own role or the platform', () => {
    const before = addMinutes(START, -1);
    expect(transition(s(), { type: 'CANCEL', actorId: 'student-a', by: 'student' }, before).ok).toBe(true);
    expect(transition(s(), { type: 'CANCEL', actorId: 'ops-1', by: 'platform' }, before).ok).toBe(true);
    const asOther = transition(s(), { type: 'CANCEL', actorId: 'student-a', by: 'tutor' }, before);
    expect(!asOther.ok && asOther.error.code).toBe('NOT_SESSION_PARTICIPANT');
    const late = transition(s(), { type: 'CANCEL', actorId: 'tutor-a', by: 'tutor' }, START);
    expect(!late.ok && late.error.code).toBe('TOO_LATE');
    const done = transition(s(), { type: 'CANCEL', actorId: 'tutor-a', by: 'tutor' }, before);
    expect(done.ok && [done.session.status, done.session.chargeAmountMinor, done.effects.length]).toEqual(['CANCELLED', 0, 0]);
  });

  it('settle: not before the scheduled end; early end → no charge unless the policy switch and min payable', () => {
    const end = addMinutes(START, 60);
    const early = transition(s(), { type: 'SETTLE' }, addSeconds(end, -1));
    expect(!early.ok && early.error.code).toBe('TOO_EARLY');
    const shortMeeting = { ...s(), meetingEndedAt: addMinutes(START, 45) };
    const short = transition(shortMeeting, { type: 'SETTLE' }, end);
    expect(short.ok && [short.session.status, short.session.chargeAmountMinor, short.effects.length]).toEqual(['EARLY_END_SHORT', 0, 0]);
    const lenient = transition(shortMeeting, { type: 'SETTLE' }, end, definePolicy({ chargeEarlyEndAfterMinPayable: true }));
    expect(lenient.ok && lenient.session.status).toBe('COMPLETED_ASSUMED');
    const tooShort = { ...s(), meetingEndedAt: addMinutes(START, 38) };
    const stillShort = transition(tooShort, { type: 'SETTLE' }, end, definePolicy({ chargeEarlyEndAfterMinPayable: true }));
    expect(stillShort.ok && stillShort.session.status).toBe('EARLY_END_SHORT');
    const atEnd = transition({ ...s(), meetingEndedAt: end }, { type: 'SETTLE' }, end);
    expect(atEnd.ok && atEnd.session.status).toBe('COMPLETED_ASSUMED');
  });
});
