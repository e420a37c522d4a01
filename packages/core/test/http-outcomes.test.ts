/**
 * The third release's routes (#22) through `createSessionsHandler`: report-tutor-absent, the cancellation
 * fee preview, cancel (with the fee re-checked) and reschedule, each with who may call it.
 */
import { addMinutes } from 'date-fns';
import { beforeEach, describe, expect, it } from 'vitest';
import { asService, asUser, createHttpFixture, expectJson, expectProblem, NO_SHOW_ELIGIBLE_AT, START, STUDENT_A, STUDENT_B, TUTOR_A, type HttpFixture } from './support/http-fixture';

const path = (id: string, action: string) => `/api/sessions/${id}/${action}`;

let fx: HttpFixture;
beforeEach(async () => {
  fx = await createHttpFixture();
});

describe('POST /api/sessions/{id}/report-tutor-absent', () => {
  it('200 for the present student after the wait: NO_SHOW_TUTOR, nothing charged; 409 STUDENT_NOT_PRESENT before joining; 403 for the tutor', async () => {
    const session = await fx.createSession();
    fx.clock.set(NO_SHOW_ELIGIBLE_AT);
    await expectProblem(await fx.send('POST', path(session.id, 'report-tutor-absent'), { headers: asUser(STUDENT_A) }), 409, 'STUDENT_NOT_PRESENT');
    await expectProblem(await fx.send('POST', path(session.id, 'report-tutor-absent'), { headers: asUser(TUTOR_A) }), 403, 'NOT_SESSION_STUDENT');
    await fx.core.sessions.join({ sessionId: session.id, userId: STUDENT_A });
    const body = await expectJson<{ session: Record<string, unknown> }>(await fx.send('POST', path(session.id, 'report-tutor-absent'), { headers: asUser(STUDENT_A) }), 200);
    expect(body.session).toMatchObject({ id: session.id, status: 'NO_SHOW_TUTOR', chargeAmountMinor: 0, payoutAmountMinor: 0, noShowQuote: null });
    expect(fx.gateway.instructions).toHaveLength(0);
  });

  it('the tutor without presence is refused TUTOR_NOT_PRESENT on mark-no-show, with the reason in the problem', async () => {
    const session = await fx.createSession();
    fx.clock.set(NO_SHOW_ELIGIBLE_AT);
    const problem = await expectProblem(await fx.send('POST', path(session.id, 'mark-no-show'), { headers: asUser(TUTOR_A) }), 409, 'TUTOR_NOT_PRESENT');
    expect(problem.detail).toMatch(/join first/);
  });
});

describe('GET /api/sessions/{id}/cancellation and POST .../cancel', () => {
  it('the preview states the fee for the caller; the cancel with that fee charges exactly it once', async () => {
    const session = await fx.createSession();
    fx.clock.set(addMinutes(START, -90));
    const preview = await expectJson<{ quote: Record<string, unknown> }>(await fx.send('GET', path(session.id, 'cancellation'), { headers: asUser(STUDENT_A) }), 200);
    expect(preview.quote).toEqual({
      status: 'CANCELLED_LATE',
      by: 'student',
      chargePercent: 50,
      chargeMinor: 7500,
      payoutMinor: 6750,
      feeMinor: 750,
      tier: { minutesBefore: 0, chargePercent: 50 },
      minutesBefore: 90,
      validUntil: START.toISOString(),
    });
    const tutorPreview = await expectJson<{ quote: Record<string, unknown> }>(await fx.send('GET', path(session.id, 'cancellation'), { headers: asUser(TUTOR_A) }), 200);
    expect(tutorPreview.quote).toMatchObject({ status: 'CANCELLED', by: 'tutor', chargeMinor: 0 });
    await expectProblem(await fx.send('GET', path(session.id, 'cancellation'), { headers: asUser(STUDENT_B) }), 403, 'NOT_SESSION_PARTICIPANT');
    const cancelled = await expectJson<{ session: Record<string, unknown> }>(
      await fx.send('POST', path(session.id, 'cancel'), { headers: asUser(STUDENT_A), body: { expectedChargeMinor: 7500, reason: 'ill' } }),
      200,
    );
    expect(cancelled.session).toMatchObject({ status: 'CANCELLED_LATE', cancelledBy: 'student', chargeAmountMinor: 7500, chargeStatus: 'succeeded' });
    expect(fx.gateway.charges.size).toBe(1);
    await expectProblem(await fx.send('POST', path(session.id, 'cancel'), { headers: asUser(STUDENT_A), body: { expectedChargeMinor: 7500 } }), 409, 'SESSION_FINAL');
    expect(fx.gateway.instructions).toHaveLength(1);
  });

  it('409 CANCELLATION_FEE_CHANGED with the fee now when the confirmed fee is no longer the fee; nothing changes', async () => {
    const session = await fx.createSession();
    fx.clock.set(addMinutes(START, -1439));
    const before = await fx.snapshot();
    const problem = await expectProblem(
      await fx.send('POST', path(session.id, 'cancel'), { headers: asUser(STUDENT_A), body: { expectedChargeMinor: 0 } }),
      409,
      'CANCELLATION_FEE_CHANGED',
    );
    expect((problem as unknown as { quote: unknown }).quote).toMatchObject({ status: 'CANCELLED_LATE', chargeMinor: 7500, validUntil: START.toISOString() });
    expect(await fx.snapshot()).toEqual(before);
  });

  it('the server cancels as the platform, free; 409 TOO_LATE from the start on', async () => {
    const session = await fx.createSession();
    fx.clock.set(addMinutes(START, -10));
    const body = await expectJson<{ session: Record<string, unknown> }>(await fx.send('POST', path(session.id, 'cancel'), { headers: asService() }), 200);
    expect(body.session).toMatchObject({ status: 'CANCELLED', cancelledBy: 'platform', chargeAmountMinor: 0 });
    const other = await fx.createSession('booking-a2');
    fx.clock.set(addMinutes(START, 120));
    await expectProblem(await fx.send('POST', path(other.id, 'cancel'), { headers: asUser(STUDENT_B) }), 409, 'TOO_LATE');
    await expectProblem(await fx.send('GET', path(other.id, 'cancellation'), { headers: asUser(STUDENT_B) }), 409, 'TOO_LATE');
  });
});

describe('POST /api/sessions/{id}/reschedule', () => {
  it('200 with the session at its new times and the same meeting; 409 TOO_LATE inside the notice; 400 for a start without a zone', async () => {
    const session = await fx.createSession();
    fx.clock.set(addMinutes(START, -3 * 24 * 60));
    const startAt = addMinutes(START, 2 * 24 * 60);
    await expectProblem(await fx.send('POST', path(session.id, 'reschedule'), { headers: asUser(STUDENT_A), body: { startAt: '2026-03-13T15:00:00' } }), 400, 'INVALID_INPUT');
    await expectProblem(await fx.send('POST', path(session.id, 'reschedule'), { headers: asUser(STUDENT_B), body: { startAt: startAt.toISOString() } }), 403, 'NOT_SESSION_PARTICIPANT');
    const body = await expectJson<{ session: Record<string, unknown> }>(
      await fx.send('POST', path(session.id, 'reschedule'), { headers: asUser(STUDENT_A), body: { startAt: startAt.toISOString(), reason: 'exam' } }),
      200,
    );
    expect(body.session).toMatchObject({ id: session.id, bookingId: session.bookingId, scheduledStartAt: startAt.toISOString(), status: 'SCHEDULED' });
    expect(body.session).not.toHaveProperty('joinUrl');
    expect((await fx.stored(session.id)).joinUrl).toBe(session.joinUrl);
    expect(fx.video.meetings.get(session.meetingId)?.startAt).toEqual(startAt);
    fx.clock.set(addMinutes(startAt, -60));
    await expectProblem(
      await fx.send('POST', path(session.id, 'reschedule'), { headers: asUser(TUTOR_A), body: { startAt: addMinutes(startAt, 2 * 24 * 60).toISOString() } }),
      409,
      'TOO_LATE',
    );
  });

  it('503 PROVIDER_UNAVAILABLE with Retry-After when the meeting cannot be moved; the session is as it was', async () => {
    const session = await fx.createSession();
    fx.clock.set(addMinutes(START, -3 * 24 * 60));
    fx.video.scriptMoves('throw');
    const response = await fx.send('POST', path(session.id, 'reschedule'), { headers: asUser(TUTOR_A), body: { startAt: addMinutes(START, 2 * 24 * 60).toISOString() } });
    await expectProblem(response, 503, 'PROVIDER_UNAVAILABLE');
    expect(response.headers.get('retry-after')).toBe('5');
    expect((await fx.stored(session.id)).scheduledStartAt).toEqual(START);
    expect(fx.video.meetings.get(session.meetingId)?.startAt).toEqual(START);
  });
});
