import fc from 'fast-check';
import { addMinutes, addSeconds } from 'date-fns';
import { describe, expect, it } from 'vitest';
import { noShowGuard, studentJoinEvidence } from '@itutor/sessions-core/rules';
import { transition } from '@itutor/sessions-core/adapter';
import { type MatchParticipant, type MeetingEventInput, type ParticipantRole, type Session } from '@itutor/sessions-core';
import { buildSession } from '@itutor/sessions-core/testing';
import { booking, makeCore, START } from './support/core-fixture';

const session = (overrides: Partial<Session> = {}) => buildSession({ scheduledStartAt: START, durationMinutes: 60, ...overrides });

describe('noShowGuard with provider evidence (property)', () => {
  // Instants from 2 hours before the start to 3 hours after, at second resolution; `null` = none.
  const instant = fc.option(fc.integer({ min: -7_200, max: 10_800 }).map((s) => addSeconds(START, s)), { nil: null });
  const roleArb = fc.constantFrom<ParticipantRole | null>('tutor', 'student', null);

  /** A join recorded at or before `now` (the presence rule's test; `null` is none). */
  const by = (at: Date | null, now: Date) => at !== null && at.getTime() <= now.getTime();

  it('refuses STUDENT_JOINED exactly when a join (button or provider) is at or before noShowEligibleAt, with its source; then TOO_EARLY, then TUTOR_NOT_PRESENT', () => {
    fc.assert(
      fc.property(instant, instant, instant, instant, instant.filter((d) => d !== null), (button, provider, tutorButton, tutorProvider, now) => {
        const s = session({ studentJoinedAt: button, tutorJoinedAt: tutorButton });
        const guard = noShowGuard(s, 'tutor', now!, { studentJoinedAt: provider, tutorJoinedAt: tutorProvider });
        const buttonInTime = button !== null && button.getTime() <= s.noShowEligibleAt.getTime();
        const providerInTime = provider !== null && provider.getTime() <= s.noShowEligibleAt.getTime();
        if (buttonInTime || providerInTime) {
          expect(guard).toMatchObject({ allowed: false, code: 'STUDENT_JOINED' });
          if (guard.allowed) return;
          // Our own Join button is preferred evidence; the provider's report counts when it is the only one.
          expect(guard.source).toBe(buttonInTime ? 'join_button' : 'provider');
          expect(guard.studentJoinedAt).toEqual(buttonInTime ? button : provider);
        } else if (now!.getTime() < s.noShowEligibleAt.getTime()) {
          expect(guard).toMatchObject({ allowed: false, code: 'TOO_EARLY', availableAt: s.noShowEligibleAt });
        } else if (!by(tutorButton, now!) && !by(tutorProvider, now!)) {
          // The presence rule: the tutor's own join (button or provider) must be recorded by now.
          expect(guard).toEqual({ allowed: false, code: 'TUTOR_NOT_PRESENT' });
        } else {
          expect(guard).toEqual({ allowed: true });
        }
      }),
      { numRuns: 3_000 },
    );
  });

  it("the student's provider evidence never allows what the Join button alone refuses; the tutor's only lifts TUTOR_NOT_PRESENT; only the tutor may mark", () => {
    fc.assert(
      fc.property(instant, instant, instant, instant, instant.filter((d) => d !== null), roleArb, (button, provider, tutorButton, tutorProvider, now, role) => {
        const s = session({ studentJoinedAt: button, tutorJoinedAt: tutorButton });
        const without = noShowGuard(s, role, now!, { tutorJoinedAt: tutorProvider });
        const withEvidence = noShowGuard(s, role, now!, { studentJoinedAt: provider, tutorJoinedAt: tutorProvider });
        if (!without.allowed) expect(withEvidence.allowed).toBe(false);
        // The tutor's provider-reported join changes an answer only from TUTOR_NOT_PRESENT to allowed, and
        // only when that join is at or before now.
        const withoutTutor = noShowGuard(s, role, now!, { studentJoinedAt: provider });
        if (withoutTutor.allowed) expect(withEvidence).toEqual({ allowed: true });
        else if (withEvidence.allowed) {
          expect(withoutTutor.code).toBe('TUTOR_NOT_PRESENT');
          expect(by(tutorProvider, now!)).toBe(true);
        } else expect(withEvidence).toEqual(withoutTutor);
        if (role !== 'tutor') expect(withEvidence).toEqual({ allowed: false, code: 'NOT_SESSION_TUTOR' });
      }),
      { numRuns: 1_000 },
    );
  });

  it('the state machine refuses MARK_NO_SHOW with the guard’s code, time and source, and changes nothing', () => {
    fc.assert(
      fc.property(instant, instant, instant, fc.integer({ min: 0, max: 200 }), (provider, tutorButton, tutorProvider, minutes) => {
        const s = session({ tutorJoinedAt: tutorButton });
        const now = addMinutes(START, minutes);
        const guard = noShowGuard(s, 'tutor', now, { studentJoinedAt: provider, tutorJoinedAt: tutorProvider });
        const result = transition(
          s,
          { type: 'MARK_NO_SHOW', actorId: s.tutorId, providerStudentJoinedAt: provider, providerTutorJoinedAt: tutorProvider },
          now,
        );
        expect(result.ok).toBe(guard.allowed);
        if (result.ok) expect(result.session.status).toBe('NO_SHOW_STUDENT');
        if (!result.ok && !guard.allowed) {
          expect(result.error.code).toBe(guard.code);
          if (guard.code === 'STUDENT_JOINED') expect(result.error.details).toMatchObject({ source: 'provider', studentJoinedAt: provider });
        }
      }),
      { numRuns: 1_000 },
    );
  });

  it('studentJoinEvidence: boundaries and invalid dates', () => {
    const s = session();
    expect(studentJoinEvidence(s, s.noShowEligibleAt)).toEqual({ source: 'provider', studentJoinedAt: s.noShowEligibleAt });
    expect(studentJoinEvidence(s, addSeconds(s.noShowEligibleAt, 1))).toBeNull();
    expect(studentJoinEvidence(s, new Date(Number.NaN))).toBeNull();
    expect(studentJoinEvidence({ ...s, studentJoinedAt: START }, START)).toEqual({ source: 'join_button', studentJoinedAt: START });
  });
});

/** A matcher by e-mail: the tutor's and the student's addresses. */
const byEmail: MatchParticipant = ({ participant }) =>
  participant.email === 'tutor@example.com' ? 'tutor' : participant.email === 'student@example.com' ? 'student' : 'unknown';

describe('core.attendance.record', () => {
  const setup = async (config: { matchParticipant?: MatchParticipant } = { matchParticipant: byEmail }) => {
    const fixture = await makeCore(config);
    const { session } = await fixture.core.sessions.create(booking());
    let n = 0;
    const event = (kind: MeetingEventInput['kind'], at: Date, overrides: Partial<MeetingEventInput> = {}): MeetingEventInput => ({
      provider: 'zoom',
      eventId: `evt-${++n}`,
      kind,
      meetingId: session.meetingId,
      instanceId: 'uuid-1',
      occurredAt: at,
      receivedAt: at,
      ...(kind.startsWith('participant.')
        ? { participant: { email: 'student@example.com', name: 'Sam', providerUserId: null, participantId: 'p-1' } }
        : {}),
      ...overrides,
    });
    return { ...fixture, session, event };
  };

  it('records a join matched to the student with an attendance.recorded event; a replay changes nothing', async () => {
    const { core, adapter, clock, session, event } = await setup();
    clock.set(addMinutes(START, 3));
    const joined = event('participant.joined', addMinutes(START, 2));
    expect(await core.attendance.record(joined)).toEqual({ status: 'recorded', sessionId: session.id, role: 'student', kind: 'joined' });
    expect(await core.attendance.record(joined)).toEqual({ status: 'duplicate', sessionId: session.id });
    const rows = await core.attendance.list(session.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ role: 'student', kind: 'joined', participantEmail: 'student@example.com', participantId: 'p-1' });
    const events = (await adapter.raw.events(session.id)).filter((e) => e.type === 'attendance.recorded');
    expect(events).toHaveLength(1);
    expect(events[0]!.payload).toEqual({ provider: 'zoom', eventId: joined.eventId, kind: 'joined', role: 'student', at: joined.occurredAt.toISOString() });
    expect(JSON.stringify(events[0]!.payload)).not.toContain('@'); // no e-mail in the audit log
  });

  it('concurrent replays store one row and one event', async () => {
    const { core, adapter, clock, session, event } = await setup();
    clock.set(addMinutes(START, 10));
    const joined = event('participant.joined', addMinutes(START, 1));
    const results = await Promise.all(Array.from({ length: 10 }, () => core.attendance.record(joined)));
    expect(results.filter((r) => r.status === 'recorded')).toHaveLength(1);
    expect(await core.attendance.list(session.id)).toHaveLength(1);
    expect((await adapter.raw.events(session.id)).filter((e) => e.type === 'attendance.recorded')).toHaveLength(1);
  });

  it('keeps unknown participants (no matcher, or a matcher answering something else) and they never block a no-show', async () => {
    const { core, clock, session, event } = await setup({ matchParticipant: () => 'someone' as never });
    clock.set(addMinutes(START, 25));
    const guest = event('participant.joined', addMinutes(START, 1), {
      participant: { email: 'student@example.com', name: null, providerUserId: null, participantId: null },
    });
    expect(await core.attendance.record(guest)).toMatchObject({ status: 'recorded', role: 'unknown' });
    // Nor do they count as the tutor's presence (the presence rule): the tutor has to join.
    await expect(core.sessions.markNoShow({ sessionId: session.id, userId: 'tutor-a' })).rejects.toMatchObject({ code: 'TUTOR_NOT_PRESENT' });
    await core.sessions.join({ sessionId: session.id, userId: 'tutor-a' });
    const marked = await core.sessions.markNoShow({ sessionId: session.id, userId: 'tutor-a' });
    expect(marked.status).toBe('NO_SHOW_STUDENT');
  });

  it('without matchParticipant every participant is unknown', async () => {
    const { core, clock, event } = await setup({});
    clock.set(addMinutes(START, 5));
    expect(await core.attendance.record(event('participant.joined', addMinutes(START, 1)))).toMatchObject({ role: 'unknown' });
  });

  it('a student the provider saw within the wait cannot be marked absent (STUDENT_JOINED, source provider)', async () => {
    const { core, clock, session, event } = await setup();
    clock.set(addMinutes(START, 30));
    await core.attendance.record(event('participant.joined', addMinutes(START, 19))); // wait is 19 minutes: at the boundary
    await expect(core.sessions.markNoShow({ sessionId: session.id, userId: 'tutor-a' })).rejects.toMatchObject({
      code: 'STUDENT_JOINED',
      details: { source: 'provider', studentJoinedAt: addMinutes(START, 19) },
    });
    expect((await core.sessions.get(session.id))!.status).not.toBe('NO_SHOW_STUDENT');
  });

  it('a join by our button is reported with source join_button; a provider join after the wait does not block', async () => {
    const { core, clock, session, event } = await setup();
    clock.set(START);
    await core.sessions.join({ sessionId: session.id, userId: 'tutor-a' }); // the presence rule
    clock.set(addMinutes(START, 30));
    await core.attendance.record(event('participant.joined', addMinutes(START, 20)));
    expect((await core.sessions.markNoShow({ sessionId: session.id, userId: 'tutor-a' })).status).toBe('NO_SHOW_STUDENT');

    const other = await setup();
    other.clock.set(addMinutes(START, 1));
    await other.core.sessions.join({ sessionId: other.session.id, userId: 'tutor-a' });
    await other.core.sessions.join({ sessionId: other.session.id, userId: 'student-a' });
    other.clock.set(addMinutes(START, 30));
    await expect(other.core.sessions.markNoShow({ sessionId: other.session.id, userId: 'tutor-a' })).rejects.toMatchObject({
      code: 'STUDENT_JOINED',
      details: { source: 'join_button' },
    });
  });

  it('a tutor’s provider join never counts as the student’s', async () => {
    const { core, clock, session, event } = await setup();
    clock.set(addMinutes(START, 30));
    const tutor = { email: 'tutor@example.com', name: 'T', providerUserId: 'u-t', participantId: 'p-t' };
    expect(await core.attendance.record(event('participant.joined', addMinutes(START, 1), { participant: tutor }))).toMatchObject({ role: 'tutor' });
    expect((await core.sessions.markNoShow({ sessionId: session.id, userId: 'tutor-a' })).status).toBe('NO_SHOW_STUDENT');
  });

  it('meeting.ended goes through RECORD_MEETING_ENDED: the last end wins, replays change nothing', async () => {
    const { core, clock, session, event } = await setup();
    clock.set(addMinutes(START, 50));
    const first = event('meeting.ended', addMinutes(START, 30));
    expect(await core.attendance.record(first)).toMatchObject({ status: 'meeting_ended', changed: true, meetingEndedAt: addMinutes(START, 30) });
    expect(await core.attendance.record(first)).toMatchObject({ status: 'meeting_ended', changed: false });
    expect(await core.attendance.record(event('meeting.ended', addMinutes(START, 20)))).toMatchObject({ changed: false, meetingEndedAt: addMinutes(START, 30) });
    expect(await core.attendance.record(event('meeting.ended', addMinutes(START, 45)))).toMatchObject({ changed: true, meetingEndedAt: addMinutes(START, 45) });
    expect((await core.sessions.get(session.id))!.meetingEndedAt).toEqual(addMinutes(START, 45));
  });

  it('an end before the session could start is ignored and logged once, not an error', async () => {
    const { core, adapter, clock, session, event } = await setup();
    clock.set(addMinutes(START, 10));
    const early = event('meeting.ended', addMinutes(START, -30));
    expect(await core.attendance.record(early)).toEqual({ status: 'ignored', sessionId: session.id, reason: 'end_before_start' });
    expect(await core.attendance.record(early)).toEqual({ status: 'ignored', sessionId: session.id, reason: 'end_before_start' });
    const logged = (await adapter.raw.events(session.id)).filter((e) => e.type === 'session.meeting_end_ignored');
    expect(logged).toHaveLength(1);
    expect(logged[0]!.payload).toMatchObject({ reason: 'end_before_start', eventId: early.eventId });
    expect((await core.sessions.get(session.id))!.meetingEndedAt).toBeNull();
  });

  it('an end slightly ahead of our clock counts as now; far ahead is ignored; after the outcome it is logged', async () => {
    const { core, clock, session, event } = await setup();
    clock.set(addMinutes(START, 30));
    expect(await core.attendance.record(event('meeting.ended', addMinutes(START, 32)))).toMatchObject({
      status: 'meeting_ended',
      meetingEndedAt: addMinutes(START, 30),
    });
    expect(await core.attendance.record(event('meeting.ended', addMinutes(START, 40)))).toMatchObject({ status: 'ignored', reason: 'end_in_future' });
    clock.set(addMinutes(START, 61));
    await core.settlement.run();
    expect((await core.sessions.get(session.id))!.status).toBe('EARLY_END_SHORT');
    expect(await core.attendance.record(event('meeting.ended', addMinutes(START, 55)))).toMatchObject({ status: 'ignored', reason: 'session_final' });
  });

  it('an unknown meeting is answered, not thrown; meeting.started is acknowledged', async () => {
    const { core, clock, session, event } = await setup();
    clock.set(addMinutes(START, 1));
    expect(await core.attendance.record(event('participant.joined', START, { meetingId: '999' }))).toEqual({ status: 'unknown_meeting' });
    expect(await core.attendance.record(event('meeting.ended', START, { provider: 'google_meet' }))).toEqual({ status: 'unknown_meeting' });
    expect(await core.attendance.record(event('meeting.started', START))).toEqual({ status: 'ignored', sessionId: session.id, reason: 'meeting_started' });
  });

  it('refuses malformed events with INVALID_INPUT, and adapters without attendance with ATTENDANCE_NOT_SUPPORTED', async () => {
    const { core, adapter, video, gateway, clock, event } = await setup();
    await expect(core.attendance.record({ ...event('participant.joined', START), participant: undefined })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(core.attendance.record({ ...event('meeting.ended', START), eventId: '' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(core.attendance.record({ ...event('meeting.ended', START), occurredAt: new Date('x') })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    const { createSessionsCore } = await import('@itutor/sessions-core');
    const { attendance: _dropped, ...withoutAttendance } = adapter;
    const old = createSessionsCore({ adapter: withoutAttendance, videoProvider: video, paymentGateway: gateway, clock });
    await expect(old.attendance.record(event('meeting.ended', START))).rejects.toMatchObject({ code: 'ATTENDANCE_NOT_SUPPORTED' });
    expect(await old.attendance.list('x')).toEqual([]);
  });
});
