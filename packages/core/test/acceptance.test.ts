import { addMinutes, addSeconds } from 'date-fns';
import { describe, expect, it } from 'vitest';
import { effectiveStatus } from '@itutor/sessions-core/rules';
import { booking, makeCore, START } from './support/core-fixture';

/** The seed's five acceptance tests, with the timings DESIGN.md settles (60 min → 19 / 39). */
describe('seed acceptance tests', () => {
  it('1. a tutor cannot accept a booking without a connected provider', async () => {
    const { core, adapter, video } = await makeCore();
    const b = booking({ tutorId: 'tutor-without-provider' });
    await expect(core.sessions.create(b)).rejects.toMatchObject({ code: 'PROVIDER_NOT_CONNECTED' });
    await core.providers.setStatus({ tutorId: 'tutor-a', status: 'expired' });
    await expect(core.sessions.create(booking())).rejects.toMatchObject({ code: 'PROVIDER_NOT_CONNECTED' });
    expect(video.calls).toHaveLength(0);
    expect(await adapter.raw.sessionsForBooking(b.bookingId)).toEqual([]);
  });

  it('2. the join window opens at T−5 minutes, not a second earlier', async () => {
    const { core, clock } = await makeCore();
    const { session } = await core.sessions.create(booking());
    clock.set(addSeconds(START, -301));
    expect(effectiveStatus(session, clock.now())).toBe('SCHEDULED');
    await expect(core.sessions.join({ sessionId: session.id, userId: 'student-a' })).rejects.toMatchObject({
      code: 'TOO_EARLY',
      details: { availableAt: addMinutes(START, -5) },
    });
    clock.set(addMinutes(START, -5));
    expect(effectiveStatus(session, clock.now())).toBe('JOIN_OPEN');
    const joined = await core.sessions.join({ sessionId: session.id, userId: 'student-a' });
    expect(joined.joinUrl).toMatch(/^https:\/\/zoom\.us\/j\//);
    expect(joined.session.studentJoinedAt).toEqual(addMinutes(START, -5));
  });

  it('3. a 60-minute session waits 19 minutes and is payable from 39 (90 → 29/59, 100 → 33/66)', async () => {
    const { core } = await makeCore();
    for (const [duration, wait, payable] of [[60, 19, 39], [90, 29, 59], [100, 33, 66]] as const) {
      const { session } = await core.sessions.create(booking({ durationMinutes: duration }));
      expect([session.noShowWaitMinutes, session.minPayableMinutes]).toEqual([wait, payable]);
      expect(session.noShowEligibleAt).toEqual(addMinutes(START, wait));
      expect(session.chargeScheduledAt).toEqual(addMinutes(START, duration));
    }
  });

  it('4. a no-show after the 19-minute wait charges 50 %: 7500 / 6750 / 750', async () => {
    const { core, clock, gateway } = await makeCore();
    const { session } = await core.sessions.create(booking());
    // The presence rule: only a tutor who is in the session may mark the student absent.
    clock.set(START);
    await core.sessions.join({ sessionId: session.id, userId: 'tutor-a' });
    clock.set(addMinutes(START, 19));
    const settled = await core.sessions.markNoShow({ sessionId: session.id, userId: 'tutor-a' });
    expect(settled).toMatchObject({
      status: 'NO_SHOW_STUDENT',
      chargeAmountMinor: 7500,
      payoutAmountMinor: 6750,
      platformFeeMinor: 750,
      chargeStatus: 'succeeded',
    });
    expect(gateway.instructions).toHaveLength(1);
    expect(gateway.instructions[0]).toMatchObject({ amountMinor: 7500, payoutMinor: 6750, feeMinor: 750, outcome: 'NO_SHOW_STUDENT' });
  });

  it('5. at the scheduled end: full charge, unless the meeting ended early', async () => {
    const { core, clock, gateway } = await makeCore();
    const unknownEnd = (await core.sessions.create(booking())).session;
    const endedLate = (await core.sessions.create(booking())).session;
    const endedEarly = (await core.sessions.create(booking())).session;
    clock.set(addMinutes(START, 61));
    await core.sessions.recordMeetingEnded({ sessionId: endedLate.id, endedAt: addMinutes(START, 60) });
    await core.sessions.recordMeetingEnded({ sessionId: endedEarly.id, endedAt: addMinutes(START, 59) });
    const report = await core.settlement.run();
    expect(report).toMatchObject({ completed: 2, earlyEnded: 1, chargesSucceeded: 2 });
    for (const id of [unknownEnd.id, endedLate.id]) {
      expect(await core.sessions.get(id)).toMatchObject({
        status: 'COMPLETED_ASSUMED',
        chargeAmountMinor: 15_000,
        payoutAmountMinor: 13_500,
        platformFeeMinor: 1500,
      });
    }
    expect(await core.sessions.get(endedEarly.id)).toMatchObject({ status: 'EARLY_END_SHORT', chargeAmountMinor: 0, chargeStatus: 'none' });
    expect(gateway.instructions.map((i) => i.sessionId).sort()).toEqual([unknownEnd.id, endedLate.id].sort());
  });
});
