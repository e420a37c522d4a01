import { DEFAULT_POLICY, toSessionJson } from '@itutor/sessions-core';
import { describe, expect, it } from 'vitest';
import { formatCountdown } from '../src/labels';
import { joinStateAt, noShowStateAt, tutorAbsentStateAt } from '../src/state';
import { at, makeSession } from './fixtures';

// The tutor joined through our Join button before the start: the presence rule lets them mark a no-show.
const session = makeSession({ tutorJoinedAt: at(-2) });
const ms = (d: Date) => d.getTime();

describe('joinStateAt', () => {
  it('walks waiting → open → in-progress → ended on the exact instants', () => {
    expect(joinStateAt(session, ms(at(-5)) - 1)).toMatchObject({ phase: 'waiting', canJoin: false, secondsUntilOpen: 1, status: 'SCHEDULED' });
    expect(joinStateAt(session, ms(at(-5)))).toMatchObject({ phase: 'open', canJoin: true, secondsUntilStart: 300, status: 'JOIN_OPEN' });
    expect(joinStateAt(session, ms(at(0)))).toMatchObject({ phase: 'in-progress', canJoin: true });
    expect(joinStateAt(session, ms(at(60)))).toMatchObject({ phase: 'ended', canJoin: true, showNoShowWarning: false });
    expect(joinStateAt(session, null)).toMatchObject({ phase: 'unknown', canJoin: false, secondsUntilOpen: null });
  });

  it('accepts the JSON form and a later server instant', () => {
    const json = toSessionJson(session, { policy: DEFAULT_POLICY });
    const state = joinStateAt(json, ms(at(-5)), { notBefore: ms(at(-5)) + 30_000 });
    expect(state).toMatchObject({ phase: 'waiting', secondsUntilOpen: 30 });
  });

  it('shows the no-show warning exactly while core noShowGuard answers TOO_EARLY', () => {
    expect(joinStateAt(session, ms(session.noShowEligibleAt) - 1).showNoShowWarning).toBe(true);
    expect(joinStateAt(session, ms(session.noShowEligibleAt)).showNoShowWarning).toBe(false);
    // A student who joined in time has nothing left to be warned about.
    expect(joinStateAt(makeSession({ studentJoinedAt: at(2) }), ms(at(3))).showNoShowWarning).toBe(false);
    // Before an instant is known: shown unless no wait could lift the refusal.
    expect(joinStateAt(session, null).showNoShowWarning).toBe(true);
    expect(joinStateAt(makeSession({ studentJoinedAt: at(2) }), null).showNoShowWarning).toBe(false);
    expect(joinStateAt(makeSession({ status: 'CANCELLED' }), null)).toMatchObject({ phase: 'final', showNoShowWarning: false });
  });

  it('is final for every final status, whatever the time', () => {
    for (const status of ['COMPLETED_ASSUMED', 'NO_SHOW_STUDENT', 'EARLY_END_SHORT', 'CANCELLED'] as const) {
      expect(joinStateAt(makeSession({ status }), ms(at(1))).phase).toBe('final');
    }
  });
});

describe('noShowStateAt', () => {
  it('opens exactly at noShowEligibleAt', () => {
    expect(noShowStateAt(session, ms(session.noShowEligibleAt) - 1)).toMatchObject({ phase: 'waiting', canMarkNoShow: false, secondsUntilEligible: 1 });
    expect(noShowStateAt(session, ms(session.noShowEligibleAt))).toMatchObject({ phase: 'open', canMarkNoShow: true });
  });

  it("carries the server's quote from the session JSON, and null without one", () => {
    const json = toSessionJson(session, { policy: DEFAULT_POLICY });
    expect(noShowStateAt(json, ms(at(20))).quote).toEqual({ chargeBps: 5000, chargeMinor: 7500, payoutMinor: 6750, feeMinor: 750 });
    expect(joinStateAt(json, ms(at(1))).noShowChargeBps).toBe(5000);
    for (const input of [session, toSessionJson(session, { policy: null })]) {
      expect(noShowStateAt(input, ms(at(20))).quote).toBeNull();
      expect(joinStateAt(input, ms(at(1))).noShowChargeBps).toBeNull();
    }
  });

  it('hides when the student joined at or before the end of the wait, or when final', () => {
    expect(noShowStateAt(makeSession({ studentJoinedAt: session.noShowEligibleAt }), ms(at(30)))).toMatchObject({ phase: 'hidden', hiddenReason: 'student-joined' });
    expect(noShowStateAt(makeSession({ tutorJoinedAt: at(-2), studentJoinedAt: at(19, 1) }), ms(at(30))).phase).toBe('open');
    expect(noShowStateAt(makeSession({ status: 'COMPLETED_ASSUMED' }), ms(at(30)))).toMatchObject({ phase: 'hidden', hiddenReason: 'final' });
  });
});

describe('noShowStateAt: the presence rule (core noShowGuard answers TUTOR_NOT_PRESENT)', () => {
  const absentTutor = makeSession();

  it('is not-present after the wait while the tutor’s own presence is recorded by nothing', () => {
    // Before the wait the guard answers TOO_EARLY first: the countdown, as before.
    expect(noShowStateAt(absentTutor, ms(at(18)))).toMatchObject({ phase: 'waiting', canMarkNoShow: false, secondsUntilEligible: 60 });
    expect(noShowStateAt(absentTutor, ms(at(19)))).toMatchObject({ phase: 'not-present', canMarkNoShow: false, hiddenReason: null });
    expect(noShowStateAt(absentTutor, ms(at(40)))).toMatchObject({ phase: 'not-present', canMarkNoShow: false });
  });

  it('counts the tutor present from our Join button’s tutorJoinedAt or the provider’s report, from the instant of that join', () => {
    expect(noShowStateAt(makeSession({ tutorJoinedAt: at(19, 30) }), ms(at(19, 29))).phase).toBe('not-present');
    expect(noShowStateAt(makeSession({ tutorJoinedAt: at(19, 30) }), ms(at(19, 30)))).toMatchObject({ phase: 'open', canMarkNoShow: true });
    for (const report of [at(5), at(5).toISOString()]) {
      expect(noShowStateAt(absentTutor, ms(at(20)), { providerTutorJoinedAt: report })).toMatchObject({ phase: 'open', canMarkNoShow: true });
    }
    // A report of a join still to come, or not an instant, records nothing.
    for (const report of [at(21), 'not a date', null]) {
      expect(noShowStateAt(absentTutor, ms(at(20)), { providerTutorJoinedAt: report }).phase).toBe('not-present');
    }
  });

  it('never turns a hidden or unknown state into not-present', () => {
    expect(noShowStateAt(makeSession({ status: 'CANCELLED' }), ms(at(30))).phase).toBe('hidden');
    expect(noShowStateAt(makeSession({ studentJoinedAt: at(2) }), ms(at(30))).phase).toBe('hidden');
    expect(noShowStateAt(absentTutor, null)).toMatchObject({ phase: 'unknown', canMarkNoShow: false });
  });

  it('keeps the student’s no-show warning before an instant is known, whether or not the tutor is present', () => {
    expect(joinStateAt(absentTutor, null).showNoShowWarning).toBe(true);
    expect(joinStateAt(absentTutor, ms(at(18))).showNoShowWarning).toBe(true);
    expect(joinStateAt(absentTutor, ms(at(19))).showNoShowWarning).toBe(false);
  });
});

describe('tutorAbsentStateAt (core tutorAbsentGuard, the student’s side)', () => {
  const present = makeSession({ studentJoinedAt: at(1) });

  it('waits until noShowEligibleAt (or the server’s later instant), then opens for a student whose presence is recorded', () => {
    expect(tutorAbsentStateAt(present, ms(session.noShowEligibleAt) - 1)).toMatchObject({ phase: 'waiting', canReport: false, secondsUntilEligible: 1 });
    expect(tutorAbsentStateAt(present, ms(session.noShowEligibleAt))).toMatchObject({ phase: 'open', canReport: true, hiddenReason: null, secondsUntilEligible: 0 });
    expect(tutorAbsentStateAt(present, ms(at(19)), { notBefore: ms(at(19, 20)) })).toMatchObject({ phase: 'waiting', secondsUntilEligible: 20 });
  });

  it('is not-present after the wait without the student’s presence (Join button or provider report)', () => {
    const absentStudent = makeSession();
    expect(tutorAbsentStateAt(absentStudent, ms(at(20)))).toMatchObject({ phase: 'not-present', canReport: false });
    expect(tutorAbsentStateAt(absentStudent, ms(at(20)), { providerStudentJoinedAt: at(3).toISOString() })).toMatchObject({ phase: 'open', canReport: true });
  });

  it('hides once the tutor joined within the wait (Join button or provider), or when final; a late tutor leaves it open', () => {
    expect(tutorAbsentStateAt(makeSession({ studentJoinedAt: at(1), tutorJoinedAt: at(19) }), ms(at(25)))).toMatchObject({ phase: 'hidden', hiddenReason: 'tutor-joined' });
    expect(tutorAbsentStateAt(present, ms(at(25)), { providerTutorJoinedAt: at(4) })).toMatchObject({ phase: 'hidden', hiddenReason: 'tutor-joined' });
    expect(tutorAbsentStateAt(makeSession({ studentJoinedAt: at(1), tutorJoinedAt: at(19, 1) }), ms(at(25))).phase).toBe('open');
    expect(tutorAbsentStateAt(makeSession({ status: 'NO_SHOW_TUTOR', studentJoinedAt: at(1) }), ms(at(25)))).toMatchObject({ phase: 'hidden', hiddenReason: 'final' });
    // Hidden whatever the instant, even before one is known.
    expect(tutorAbsentStateAt(makeSession({ status: 'CANCELLED' }), null).phase).toBe('hidden');
    expect(tutorAbsentStateAt(present, null)).toMatchObject({ phase: 'unknown', canReport: false, secondsUntilEligible: null });
  });
});

describe('formatCountdown', () => {
  it('formats m:ss and h:mm:ss', () => {
    expect(formatCountdown(0)).toBe('0:00');
    expect(formatCountdown(59)).toBe('0:59');
    expect(formatCountdown(300)).toBe('5:00');
    expect(formatCountdown(3599)).toBe('59:59');
    expect(formatCountdown(3600)).toBe('1:00:00');
    expect(formatCountdown(90_061)).toBe('25:01:01');
  });
});
