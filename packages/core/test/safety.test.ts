import { addMinutes, addYears } from 'date-fns';
import { describe, expect, it } from 'vitest';
import { EARLIEST_INSTANT, LATEST_INSTANT } from '@itutor/sessions-core/rules';
import { createSessionsCore, type SessionsAdapter } from '@itutor/sessions-core';
import { createFakeVideoProvider, createInMemoryAdapter, createManualClock, createRecordingPaymentGateway } from '@itutor/sessions-core/testing';
import { START, booking, makeCore } from './support/core-fixture';

/** An in-memory adapter whose next insert behaves as told. */
function flakyInsertAdapter(mode: 'commit-then-throw' | 'throw' | 'throw-and-reads-fail') {
  const inner = createInMemoryAdapter();
  let armed = true;
  let readsFail = false;
  const adapter: SessionsAdapter = {
    ...inner,
    sessions: {
      ...inner.sessions,
      async insert(session, events) {
        if (!armed) return inner.sessions.insert(session, events);
        armed = false;
        if (mode === 'commit-then-throw') await inner.sessions.insert(session, events);
        if (mode === 'throw-and-reads-fail') readsFail = true;
        throw new Error('connection reset by peer');
      },
      async findByBookingId(bookingId) {
        if (readsFail) throw new Error('connection reset by peer');
        return inner.sessions.findByBookingId(bookingId);
      },
    },
  };
  return { adapter, inner };
}

async function coreOver(adapter: SessionsAdapter) {
  const clock = createManualClock(addMinutes(START, -24 * 60));
  const video = createFakeVideoProvider();
  const core = createSessionsCore({ adapter, videoProvider: video, paymentGateway: createRecordingPaymentGateway(), clock });
  await core.providers.connect({ tutorId: 'tutor-a', provider: 'zoom', tokens: null });
  return { core, video, clock };
}

describe('session creation that cannot half-fail', () => {
  it('an insert that committed before its error keeps its meeting and returns the session', async () => {
    const { adapter, inner } = flakyInsertAdapter('commit-then-throw');
    const { core, video } = await coreOver(adapter);
    const b = booking();
    const { session, created } = await core.sessions.create(b);
    expect(created).toBe(true);
    expect(video.deleted).toEqual([]);
    expect(video.meetings.has(session.meetingId)).toBe(true);
    expect((await inner.raw.sessionsForBooking(b.bookingId)).map((s) => s.meetingId)).toEqual([session.meetingId]);
  });

  it('an insert that failed deletes the meeting and rethrows; the retry makes one meeting and one session', async () => {
    const { adapter, inner } = flakyInsertAdapter('throw');
    const { core, video } = await coreOver(adapter);
    const b = booking();
    await expect(core.sessions.create(b)).rejects.toThrow('connection reset by peer');
    expect(video.deleted).toHaveLength(1);
    expect(await inner.raw.sessionsForBooking(b.bookingId)).toEqual([]);
    const { session, created } = await core.sessions.create(b);
    expect(created).toBe(true);
    expect(video.meetings.has(session.meetingId)).toBe(true);
    expect(video.calls.every((c) => c.idempotencyKey === `itutor-booking-${b.bookingId}`)).toBe(true);
  });

  it('when it cannot tell whether the insert committed, it keeps the meeting for the retry', async () => {
    const { adapter } = flakyInsertAdapter('throw-and-reads-fail');
    const { core, video } = await coreOver(adapter);
    await expect(core.sessions.create(booking())).rejects.toThrow('connection reset by peer');
    expect(video.deleted).toEqual([]);
    expect(video.meetings.size).toBe(1);
  });
});

describe('instants', () => {
  it.each([
    ['year 1999', new Date('1999-12-31T23:59:59.999Z')],
    ['year 0', new Date('0000-06-01T00:00:00Z')],
    ['year 10000', new Date('+010000-01-01T00:00:00Z')],
    ['the latest instant itself', LATEST_INSTANT],
  ])('a start in %s is refused with INVALID_INPUT on every adapter', async (_, scheduledStartAt) => {
    const { core } = await makeCore();
    await expect(core.sessions.create(booking({ scheduledStartAt }))).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      details: { issues: [{ path: 'scheduledStartAt', message: 'out of range' }] },
    });
  });

  it('the ends of the range are accepted', async () => {
    const { core } = await makeCore();
    await expect(core.sessions.create(booking({ scheduledStartAt: addMinutes(EARLIEST_INSTANT, 5) }))).resolves.toMatchObject({ created: true });
    await expect(core.sessions.create(booking({ scheduledStartAt: new Date(LATEST_INSTANT.getTime() - 1), durationMinutes: 1440 }))).resolves.toMatchObject({
      created: true,
    });
  });
});

describe('meeting-end reports', () => {
  it('an end before the session could start or in the future is refused; the latest end wins', async () => {
    const { core, clock, adapter } = await makeCore();
    const { session } = await core.sessions.create(booking());
    clock.set(addMinutes(START, 50));
    await expect(core.sessions.recordMeetingEnded({ sessionId: session.id, endedAt: addMinutes(START, -30) })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(core.sessions.recordMeetingEnded({ sessionId: session.id, endedAt: addMinutes(START, -6) })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(core.sessions.recordMeetingEnded({ sessionId: session.id, endedAt: addMinutes(START, 51) })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(core.sessions.recordMeetingEnded({ sessionId: session.id, endedAt: addYears(START, 9000) })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect((await core.sessions.recordMeetingEnded({ sessionId: session.id, endedAt: addMinutes(START, 30) })).meetingEndedAt).toEqual(addMinutes(START, 30));
    // An earlier report after a later one changes nothing (no version bump, no event).
    const earlier = await core.sessions.recordMeetingEnded({ sessionId: session.id, endedAt: addMinutes(START, 10) });
    expect(earlier.meetingEndedAt).toEqual(addMinutes(START, 30));
    const later = await core.sessions.recordMeetingEnded({ sessionId: session.id, endedAt: addMinutes(START, 45) });
    expect(later.meetingEndedAt).toEqual(addMinutes(START, 45));
    expect(later.version).toBe(earlier.version + 1);
    const ends = (await adapter.raw.events(session.id)).filter((e) => e.type === 'session.meeting_ended');
    expect(ends.map((e) => e.payload)).toEqual([
      { endedAt: addMinutes(START, 30).toISOString(), previousEndedAt: null },
      { endedAt: addMinutes(START, 45).toISOString(), previousEndedAt: addMinutes(START, 30).toISOString() },
    ]);
    clock.set(addMinutes(START, 60));
    expect(await core.settlement.run()).toMatchObject({ earlyEnded: 1 });
  });
});

describe('joins', () => {
  it('sixty concurrent joins by the same student all succeed with the URL; one change, one event', async () => {
    const { core, clock, adapter } = await makeCore();
    const { session } = await core.sessions.create(booking());
    clock.set(addMinutes(START, 1));
    const results = await Promise.allSettled(Array.from({ length: 60 }, () => core.sessions.join({ sessionId: session.id, userId: 'student-a' })));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    for (const r of results) if (r.status === 'fulfilled') expect(r.value.joinUrl).toBe(session.joinUrl);
    const stored = await adapter.raw.session(session.id);
    expect(stored).toMatchObject({ version: session.version + 1, studentJoinedAt: addMinutes(START, 1) });
    expect((await adapter.raw.events(session.id)).filter((e) => e.type === 'session.joined')).toHaveLength(1);
  });

  it('the tutor and the student joining at once both succeed', async () => {
    const { core, clock, adapter } = await makeCore();
    const { session } = await core.sessions.create(booking());
    clock.set(START);
    const all = await Promise.all(
      Array.from({ length: 20 }, (_, i) => core.sessions.join({ sessionId: session.id, userId: i % 2 ? 'tutor-a' : 'student-a' })),
    );
    expect(all).toHaveLength(20);
    expect(await adapter.raw.session(session.id)).toMatchObject({ tutorJoinedAt: START, studentJoinedAt: START });
    expect((await adapter.raw.events(session.id)).filter((e) => e.type === 'session.joined')).toHaveLength(2);
  });
});

describe('settlement options', () => {
  it.each([
    [{ batchSize: 0 }, 'settlement.batchSize'],
    [{ chargeTimeoutMs: 1.5 }, 'settlement.chargeTimeoutMs'],
    [{ chargeTimeoutMs: 60_000 }, 'settlement.runBudgetMs'],
    [{ maxChargeAttempts: 3 }, 'moved to the policy'],
    [{ bogus: 1 }, 'settlement.bogus'],
  ])('%j is refused with INVALID_INPUT naming it', async (settlement, message) => {
    await expect(makeCore({ settlement: settlement as never })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining(message),
    });
  });
});
