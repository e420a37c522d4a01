/**
 * The HTTP contract of DESIGN.md, route by route and outcome by outcome, through `createSessionsHandler`.
 */
import { addMinutes, addMilliseconds, addSeconds } from 'date-fns';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Session } from '@itutor/sessions-core';
import {
  asCron,
  asService,
  asUser,
  BOOKING_A1,
  BOOKING_A2,
  BOOKING_B1,
  BOOKING_C1,
  createHttpFixture,
  CRON_SECRET,
  END,
  expectJson,
  expectProblem,
  expectRefusal,
  JOIN_OPENS_AT,
  makeRequest,
  NO_SHOW_ELIGIBLE_AT,
  PRICE,
  routes,
  START,
  STUDENT_A,
  STUDENT_B,
  TUTOR_A,
  TUTOR_B,
  TUTOR_C,
  type HttpFixture,
} from './support/http-fixture';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SECRET_FIELDS = ['joinUrl', 'meetingId', 'chargeIdempotencyKey', 'claimedUntil', 'chargeReference'];

type SessionJsonBody = Record<string, unknown> & { id: string; status: string };

function expectNoSecrets(session: Record<string, unknown>) {
  for (const field of SECRET_FIELDS) expect(session).not.toHaveProperty(field);
}

const post = (path: string, headers: Record<string, string> = {}, body?: unknown) =>
  makeRequest('POST', path, body === undefined ? { headers } : { headers, body: body as Record<string, unknown> });

let fx: HttpFixture;
beforeEach(async () => {
  fx = await createHttpFixture();
});

describe('POST /api/sessions/create-for-booking', () => {
  it('201: creates the session and its meeting; the body carries the public session and created: true', async () => {
    const response = await fx.send('POST', routes.create, { headers: asUser(TUTOR_A), body: { bookingId: BOOKING_A1 } });
    const body = await expectJson<{ session: SessionJsonBody; created: boolean }>(response, 201);
    expect(body.created).toBe(true);
    expect(body.session).toMatchObject({
      bookingId: BOOKING_A1,
      tutorId: TUTOR_A,
      studentId: STUDENT_A,
      status: 'SCHEDULED',
      version: 1,
      priceMinor: PRICE,
      currency: 'TTD',
      provider: 'zoom',
      durationMinutes: 60,
      noShowWaitMinutes: 19,
      minPayableMinutes: 39,
      scheduledStartAt: START.toISOString(),
      scheduledEndAt: END.toISOString(),
      joinOpensAt: JOIN_OPENS_AT.toISOString(),
      noShowEligibleAt: NO_SHOW_ELIGIBLE_AT.toISOString(),
      chargeScheduledAt: END.toISOString(),
      studentJoinedAt: null,
      tutorJoinedAt: null,
      chargeAmountMinor: null,
    });
    expect(body.session.id).toMatch(UUID);
    expectNoSecrets(body.session);
    expect(response.headers.get('cache-control')).toBe('no-store');

    const rows = await fx.adapter.raw.sessionsForBooking(BOOKING_A1);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.id).toBe(body.session.id);
    expect(fx.video.meetings.size).toBe(1);
    expect(rows[0]!.joinUrl).toBe([...fx.video.meetings.values()][0]!.joinUrl);
    const events = await fx.adapter.raw.events(body.session.id);
    expect(events.map((e) => [e.type, e.actor])).toEqual([['session.created', TUTOR_A]]);
  });

  it('200: a retry returns the same session with created: false and makes no second meeting', async () => {
    const first = await expectJson<{ session: SessionJsonBody; created: boolean }>(
      await fx.send('POST', routes.create, { headers: asUser(TUTOR_A), body: { bookingId: BOOKING_A1 } }),
      201,
    );
    const before = await fx.snapshot();
    for (const headers of [asUser(TUTOR_A), asService()]) {
      const again = await expectJson<{ session: SessionJsonBody; created: boolean }>(
        await fx.send('POST', routes.create, { headers, body: { bookingId: BOOKING_A1 } }),
        200,
      );
      expect(again.created).toBe(false);
      expect(again.session.id).toBe(first.session.id);
      expect(again.session).toEqual(first.session);
      expectNoSecrets(again.session);
    }
    expect(fx.video.meetings.size).toBe(1);
    expect(fx.video.calls).toHaveLength(1);
    expect(await fx.snapshot()).toEqual(before);
  });

  it('201: the server (service caller) may create the session for any booking; the actor is "system"', async () => {
    const body = await expectJson<{ session: SessionJsonBody; created: boolean }>(
      await fx.send('POST', routes.create, { headers: asService(), body: { bookingId: BOOKING_A1 } }),
      201,
    );
    expect(body.created).toBe(true);
    expect((await fx.adapter.raw.events(body.session.id)).map((e) => e.actor)).toEqual(['system']);
  });

  it('400: an invalid body is refused with INVALID_INPUT naming the field', async () => {
    for (const body of [{}, { bookingId: '' }, { bookingId: '   ' }, { bookingId: 42 }]) {
      const { problem } = await expectRefusal(fx, post(routes.create, asUser(TUTOR_A), body), 400, 'INVALID_INPUT');
      expect(problem.detail).toContain('bookingId');
      expect(problem.issues?.map((i) => i.path)).toEqual(['bookingId']);
    }
    expect(fx.video.calls).toHaveLength(0);
  });

  it('401: no credentials, or credentials the host does not accept', async () => {
    const attempts: Array<Record<string, string>> = [{}, { authorization: 'Bearer nobody' }, { authorization: `Bearer ${CRON_SECRET}` }];
    for (const headers of attempts) {
      const { response, problem } = await expectRefusal(fx, post(routes.create, headers, { bookingId: BOOKING_A1 }), 401, 'UNAUTHENTICATED');
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(problem.detail).toMatch(/sign in/i);
    }
  });

  it("403: only the booking's tutor (or the server) may create it: not the student, not another tutor", async () => {
    for (const userId of [STUDENT_A, TUTOR_B, TUTOR_C]) {
      const { problem } = await expectRefusal(fx, post(routes.create, asUser(userId), { bookingId: BOOKING_A1 }), 403, 'FORBIDDEN');
      expect(problem.detail).toMatch(/tutor/);
    }
    expect(fx.video.calls).toHaveLength(0);
  });

  it('404: an unknown booking', async () => {
    const { problem } = await expectRefusal(fx, post(routes.create, asUser(TUTOR_A), { bookingId: 'booking-nope' }), 404, 'NOT_FOUND');
    expect(problem.detail).toContain('booking-nope');
  });

  it('409 PROVIDER_NOT_CONNECTED: a tutor without a connection', async () => {
    const { problem } = await expectRefusal(fx, post(routes.create, asUser(TUTOR_B), { bookingId: BOOKING_B1 }), 409, 'PROVIDER_NOT_CONNECTED');
    expect(problem.detail).toMatch(/not connected/i);
    // The server cannot bypass it either.
    await expectRefusal(fx, post(routes.create, asService(), { bookingId: BOOKING_B1 }), 409, 'PROVIDER_NOT_CONNECTED');
    expect(fx.video.calls).toHaveLength(0);
  });

  it("409 PROVIDER_NOT_CONNECTED: a tutor whose connection expired; reconnecting lets the booking through", async () => {
    await fx.core.providers.setStatus({ tutorId: TUTOR_C, status: 'expired' });
    const { problem } = await expectRefusal(fx, post(routes.create, asUser(TUTOR_C), { bookingId: BOOKING_C1 }), 409, 'PROVIDER_NOT_CONNECTED');
    expect(problem.detail).toContain('expired');
    await fx.core.providers.setStatus({ tutorId: TUTOR_C, status: 'invalid' });
    await expectRefusal(fx, post(routes.create, asUser(TUTOR_C), { bookingId: BOOKING_C1 }), 409, 'PROVIDER_NOT_CONNECTED');
    expect(fx.video.calls).toHaveLength(0);

    await fx.core.providers.setStatus({ tutorId: TUTOR_C, status: 'connected' });
    const body = await expectJson<{ session: SessionJsonBody }>(await fx.handle(post(routes.create, asUser(TUTOR_C), { bookingId: BOOKING_C1 })), 201);
    expect(body.session.provider).toBe('google_meet');
  });
});

describe('POST /api/sessions/{id}/join', () => {
  let session: Session;
  beforeEach(async () => {
    session = await fx.createSession(BOOKING_A1);
  });

  it('200: the tutor at exactly T−5 gets the join URL; the join is recorded and the session is JOIN_OPEN', async () => {
    fx.clock.set(JOIN_OPENS_AT);
    const body = await expectJson<{ joinUrl: string; session: SessionJsonBody }>(
      await fx.handle(post(routes.join(session.id), asUser(TUTOR_A))),
      200,
    );
    expect(body.joinUrl).toBe(session.joinUrl);
    expect(body.joinUrl).toMatch(/^https:\/\/zoom\.us\/j\//);
    expect(body.session).toMatchObject({ id: session.id, status: 'JOIN_OPEN', tutorJoinedAt: JOIN_OPENS_AT.toISOString(), studentJoinedAt: null });
    expectNoSecrets(body.session);

    const stored = await fx.stored(session.id);
    expect(stored.status).toBe('JOIN_OPEN');
    expect(stored.tutorJoinedAt).toEqual(JOIN_OPENS_AT);
    expect(stored.studentJoinedAt).toBeNull();
    const events = await fx.adapter.raw.events(session.id);
    expect(events.at(-1)).toMatchObject({ type: 'session.joined', actor: TUTOR_A, payload: { role: 'tutor', first: true } });
  });

  it('200: the student after T−5 (and again later: the first join time is kept)', async () => {
    const joinedAt = addMinutes(START, 3);
    fx.clock.set(joinedAt);
    const body = await expectJson<{ joinUrl: string; session: SessionJsonBody }>(
      await fx.handle(post(routes.join(session.id), asUser(STUDENT_A))),
      200,
    );
    expect(body.joinUrl).toBe(session.joinUrl);
    expect(body.session).toMatchObject({ status: 'JOIN_OPEN', studentJoinedAt: joinedAt.toISOString(), tutorJoinedAt: null });
    expect((await fx.stored(session.id)).studentJoinedAt).toEqual(joinedAt);

    fx.clock.advance({ minutes: 10 });
    const again = await expectJson<{ session: SessionJsonBody }>(
      await fx.handle(post(routes.join(session.id), asUser(STUDENT_A), {})),
      200,
    );
    expect(again.session.studentJoinedAt).toBe(joinedAt.toISOString());
    expect((await fx.stored(session.id)).studentJoinedAt).toEqual(joinedAt);
    // A repeated join by the same participant changes nothing: same version, no second event.
    expect(again.session.version).toBe(body.session.version);
    expect((await fx.adapter.raw.events(session.id)).filter((e) => e.type === 'session.joined')).toHaveLength(1);
  });

  it('401: no credentials', async () => {
    fx.clock.set(START);
    const { response } = await expectRefusal(fx, post(routes.join(session.id)), 401, 'UNAUTHENTICATED');
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('403 NOT_SESSION_PARTICIPANT: another student or tutor', async () => {
    fx.clock.set(START);
    for (const userId of [STUDENT_B, TUTOR_B, 'someone']) {
      await expectRefusal(fx, post(routes.join(session.id), asUser(userId)), 403, 'NOT_SESSION_PARTICIPANT');
    }
  });

  it('404: an unknown session id (a UUID) and an id that is not a UUID', async () => {
    fx.clock.set(START);
    const unknown = globalThis.crypto.randomUUID();
    const { problem } = await expectRefusal(fx, post(routes.join(unknown), asUser(TUTOR_A)), 404, 'NOT_FOUND');
    expect(problem.detail).toContain(unknown);
    for (const id of ['not-a-uuid', '123', `${session.id}x`, '%E0%A4%A']) {
      await expectRefusal(fx, post(routes.join(id), asUser(TUTOR_A)), 404, 'NOT_FOUND');
    }
  });

  it('409 TOO_EARLY one second before T−5, with Retry-After and availableAt', async () => {
    fx.clock.set(addSeconds(JOIN_OPENS_AT, -1));
    for (const userId of [TUTOR_A, STUDENT_A]) {
      const { response, problem } = await expectRefusal(fx, post(routes.join(session.id), asUser(userId)), 409, 'TOO_EARLY');
      expect(response.headers.get('retry-after')).toBe('1');
      expect(problem.availableAt).toBe(JOIN_OPENS_AT.toISOString());
    }
  });

  it('409 TOO_EARLY: Retry-After is the whole seconds left, rounded up', async () => {
    const cases: Array<[Date, string]> = [
      [addMinutes(JOIN_OPENS_AT, -10), '600'],
      [addMilliseconds(JOIN_OPENS_AT, -1500), '2'],
      [addMilliseconds(JOIN_OPENS_AT, -1), '1'],
      [addMinutes(START, -24 * 60), String(24 * 3600 - 300)],
    ];
    for (const [now, expected] of cases) {
      fx.clock.set(now);
      const { response, problem } = await expectRefusal(fx, post(routes.join(session.id), asUser(STUDENT_A)), 409, 'TOO_EARLY');
      expect(response.headers.get('retry-after')).toBe(expected);
      expect(problem.availableAt).toBe(JOIN_OPENS_AT.toISOString());
    }
  });

  it('409 SESSION_FINAL after settlement', async () => {
    fx.clock.set(END);
    await expectJson(await fx.handle(makeRequest('POST', routes.cron, { headers: asCron() })), 200);
    expect((await fx.stored(session.id)).status).toBe('COMPLETED_ASSUMED');
    for (const userId of [TUTOR_A, STUDENT_A]) {
      const { problem } = await expectRefusal(fx, post(routes.join(session.id), asUser(userId)), 409, 'SESSION_FINAL');
      expect(problem.detail).toContain('COMPLETED_ASSUMED');
      expect(problem).not.toHaveProperty('availableAt');
    }
  });

  it('409 SESSION_FINAL after a cancellation (even once the join window is open)', async () => {
    fx.clock.set(addMinutes(START, -30));
    await fx.core.sessions.cancel({ sessionId: session.id, userId: STUDENT_A, by: 'student' });
    fx.clock.set(START);
    for (const userId of [TUTOR_A, STUDENT_A]) {
      await expectRefusal(fx, post(routes.join(session.id), asUser(userId)), 409, 'SESSION_FINAL');
    }
  });
});

describe('POST /api/sessions/{id}/mark-no-show', () => {
  let session: Session;
  beforeEach(async () => {
    session = await fx.createSession(BOOKING_A1);
  });

  it('200: the tutor at start + wait gets the settled session; 7500 / 6750 / 750 and one charge instruction', async () => {
    fx.clock.set(START);
    await expectJson(await fx.handle(post(routes.join(session.id), asUser(TUTOR_A))), 200); // the presence rule
    fx.clock.set(NO_SHOW_ELIGIBLE_AT);
    const body = await expectJson<{ session: SessionJsonBody }>(await fx.handle(post(routes.noShow(session.id), asUser(TUTOR_A))), 200);
    expect(body.session).toMatchObject({
      id: session.id,
      status: 'NO_SHOW_STUDENT',
      chargeAmountMinor: 7500,
      payoutAmountMinor: 6750,
      platformFeeMinor: 750,
      chargeStatus: 'succeeded',
      finalizedAt: NO_SHOW_ELIGIBLE_AT.toISOString(),
    });
    expectNoSecrets(body.session);

    const key = `itutor-session-${session.id}-NO_SHOW_STUDENT-1`;
    expect(fx.gateway.instructions).toHaveLength(1);
    expect(fx.gateway.instructions[0]).toMatchObject({
      idempotencyKey: key,
      sessionId: session.id,
      bookingId: BOOKING_A1,
      studentId: STUDENT_A,
      tutorId: TUTOR_A,
      outcome: 'NO_SHOW_STUDENT',
      amountMinor: 7500,
      payoutMinor: 6750,
      feeMinor: 750,
      currency: 'TTD',
    });
    const stored = await fx.stored(session.id);
    expect(stored).toMatchObject({ status: 'NO_SHOW_STUDENT', chargeIdempotencyKey: key, chargeStatus: 'succeeded', chargeAmountMinor: 7500 });
    const events = await fx.adapter.raw.events(session.id);
    expect(events.map((e) => e.type)).toEqual(['session.created', 'session.joined', 'session.no_show_marked', 'charge.requested', 'charge.succeeded']);
    expect(events[2]!.actor).toBe(TUTOR_A);
  });

  it('409 TUTOR_NOT_PRESENT: a tutor who has not joined may not mark the student absent; after joining they may', async () => {
    fx.clock.set(NO_SHOW_ELIGIBLE_AT);
    const { problem } = await expectRefusal(fx, post(routes.noShow(session.id), asUser(TUTOR_A)), 409, 'TUTOR_NOT_PRESENT');
    expect(problem.detail).toMatch(/join/);
    expect(fx.gateway.instructions).toHaveLength(0);
    expect(await fx.stored(session.id)).toMatchObject({ status: 'SCHEDULED', chargeStatus: 'none' });
    await expectJson(await fx.handle(post(routes.join(session.id), asUser(TUTOR_A))), 200);
    const body = await expectJson<{ session: SessionJsonBody }>(await fx.handle(post(routes.noShow(session.id), asUser(TUTOR_A))), 200);
    expect(body.session.status).toBe('NO_SHOW_STUDENT');
    expect(fx.gateway.instructions).toHaveLength(1);
  });

  it('200: a student who joined only after the wait does not block the no-show', async () => {
    fx.clock.set(START);
    await expectJson(await fx.handle(post(routes.join(session.id), asUser(TUTOR_A))), 200); // the presence rule
    fx.clock.set(addSeconds(NO_SHOW_ELIGIBLE_AT, 1));
    await expectJson(await fx.handle(post(routes.join(session.id), asUser(STUDENT_A))), 200);
    const body = await expectJson<{ session: SessionJsonBody }>(await fx.handle(post(routes.noShow(session.id), asUser(TUTOR_A))), 200);
    expect(body.session.status).toBe('NO_SHOW_STUDENT');
  });

  it('401: no credentials', async () => {
    fx.clock.set(NO_SHOW_ELIGIBLE_AT);
    await expectRefusal(fx, post(routes.noShow(session.id)), 401, 'UNAUTHENTICATED');
  });

  it('403 NOT_SESSION_TUTOR: the student, another tutor, a stranger', async () => {
    fx.clock.set(NO_SHOW_ELIGIBLE_AT);
    for (const userId of [STUDENT_A, TUTOR_B, STUDENT_B]) {
      const { problem } = await expectRefusal(fx, post(routes.noShow(session.id), asUser(userId)), 403, 'NOT_SESSION_TUTOR');
      expect(problem.detail).toMatch(/tutor/);
    }
  });

  it('404: an unknown session id and a non-UUID id', async () => {
    fx.clock.set(NO_SHOW_ELIGIBLE_AT);
    await expectRefusal(fx, post(routes.noShow(globalThis.crypto.randomUUID()), asUser(TUTOR_A)), 404, 'NOT_FOUND');
    await expectRefusal(fx, post(routes.noShow('booking-a1'), asUser(TUTOR_A)), 404, 'NOT_FOUND');
  });

  it('409 TOO_EARLY one second before start + wait, with Retry-After and availableAt', async () => {
    fx.clock.set(addSeconds(NO_SHOW_ELIGIBLE_AT, -1));
    const { response, problem } = await expectRefusal(fx, post(routes.noShow(session.id), asUser(TUTOR_A)), 409, 'TOO_EARLY');
    expect(response.headers.get('retry-after')).toBe('1');
    expect(problem.availableAt).toBe(NO_SHOW_ELIGIBLE_AT.toISOString());

    fx.clock.set(START);
    const early = await expectRefusal(fx, post(routes.noShow(session.id), asUser(TUTOR_A)), 409, 'TOO_EARLY');
    expect(early.response.headers.get('retry-after')).toBe(String(19 * 60));
    expect(fx.gateway.instructions).toHaveLength(0);
  });

  it('409 STUDENT_JOINED: the student joined within the wait (also exactly at start + wait)', async () => {
    fx.clock.set(addMinutes(START, 2));
    await expectJson(await fx.handle(post(routes.join(session.id), asUser(STUDENT_A))), 200);
    fx.clock.set(NO_SHOW_ELIGIBLE_AT);
    const refused = await expectRefusal(fx, post(routes.noShow(session.id), asUser(TUTOR_A)), 409, 'STUDENT_JOINED');
    // The evidence travels as fields, so a client can say why without parsing the message.
    expect(refused.problem).toMatchObject({ source: 'join_button', studentJoinedAt: addMinutes(START, 2).toISOString() });

    const other = await fx.createSession('booking-a2');
    const eligible = other.noShowEligibleAt;
    fx.clock.set(eligible);
    await expectJson(await fx.handle(post(routes.join(other.id), asUser(STUDENT_B))), 200);
    fx.clock.set(addMinutes(eligible, 5));
    await expectRefusal(fx, post(routes.noShow(other.id), asUser(TUTOR_A)), 409, 'STUDENT_JOINED');
    expect(fx.gateway.instructions).toHaveLength(0);
  });

  it('409 SESSION_FINAL: a second no-show; exactly one charge instruction in total', async () => {
    fx.clock.set(START);
    await expectJson(await fx.handle(post(routes.join(session.id), asUser(TUTOR_A))), 200); // the presence rule
    fx.clock.set(NO_SHOW_ELIGIBLE_AT);
    await expectJson(await fx.handle(post(routes.noShow(session.id), asUser(TUTOR_A))), 200);
    fx.clock.advance({ minutes: 1 });
    const { problem } = await expectRefusal(fx, post(routes.noShow(session.id), asUser(TUTOR_A)), 409, 'SESSION_FINAL');
    expect(problem.detail).toContain('NO_SHOW_STUDENT');
    // The cron at the scheduled end must not charge again either.
    fx.clock.set(END);
    const cron = await expectJson<{ report: Record<string, number> }>(await fx.handle(makeRequest('GET', routes.cron, { headers: asCron() })), 200);
    expect(cron.report.completed).toBe(0);
    expect(fx.gateway.instructions).toHaveLength(1);
    expect(fx.gateway.charges.size).toBe(1);
  });

  it('409 SESSION_FINAL after settlement', async () => {
    fx.clock.set(END);
    await expectJson(await fx.handle(makeRequest('POST', routes.cron, { headers: asCron() })), 200);
    await expectRefusal(fx, post(routes.noShow(session.id), asUser(TUTOR_A)), 409, 'SESSION_FINAL');
    expect(fx.gateway.instructions).toHaveLength(1);
    expect(fx.gateway.instructions[0]!.outcome).toBe('COMPLETED_ASSUMED');
  });
});

describe('the session JSON carries the no-show amounts (noShowQuote), computed on the server', () => {
  const DEFAULT_QUOTE = { chargeBps: 5000, chargeMinor: 7500, payoutMinor: 6750, feeMinor: 750 };

  it('create, join: the amounts of the default policy while a no-show is possible', async () => {
    const created = await expectJson<{ session: SessionJsonBody }>(
      await fx.send('POST', routes.create, { headers: asUser(TUTOR_A), body: { bookingId: BOOKING_A1 } }),
      201,
    );
    expect(created.session.noShowQuote).toEqual(DEFAULT_QUOTE);
    fx.clock.set(JOIN_OPENS_AT);
    const joined = await expectJson<{ session: SessionJsonBody }>(await fx.handle(post(routes.join(created.session.id), asUser(TUTOR_A))), 200);
    expect(joined.session.noShowQuote).toEqual(DEFAULT_QUOTE);
  });

  it('null once the student joined within the wait: no no-show is possible any more', async () => {
    const session = await fx.createSession(BOOKING_A1);
    fx.clock.set(START);
    const joined = await expectJson<{ session: SessionJsonBody }>(await fx.handle(post(routes.join(session.id), asUser(STUDENT_A))), 200);
    expect(joined.session).toMatchObject({ studentJoinedAt: START.toISOString(), noShowQuote: null });
  });

  it("the host's policy: the JSON states exactly what the no-show then charges, and null after it", async () => {
    fx = await createHttpFixture({ policy: { noShowChargeBps: 3333, tutorPayoutBps: 8000 } });
    fx.addBooking({ bookingId: 'booking-odd', priceMinor: 15_001 });
    const created = await expectJson<{ session: SessionJsonBody }>(
      await fx.send('POST', routes.create, { headers: asUser(TUTOR_A), body: { bookingId: 'booking-odd' } }),
      201,
    );
    // floor(15001 × 0.3333) = 4999; floor(4999 × 0.8) = 3999; the fee takes the rest.
    expect(created.session.noShowQuote).toEqual({ chargeBps: 3333, chargeMinor: 4999, payoutMinor: 3999, feeMinor: 1000 });
    fx.clock.set(START);
    await expectJson(await fx.handle(post(routes.join(created.session.id), asUser(TUTOR_A))), 200); // the presence rule
    fx.clock.set(NO_SHOW_ELIGIBLE_AT);
    const settled = await expectJson<{ session: SessionJsonBody }>(await fx.handle(post(routes.noShow(created.session.id), asUser(TUTOR_A))), 200);
    expect(settled.session).toMatchObject({ status: 'NO_SHOW_STUDENT', chargeAmountMinor: 4999, payoutAmountMinor: 3999, platformFeeMinor: 1000 });
    expect(fx.gateway.instructions[0]).toMatchObject({ amountMinor: 4999, payoutMinor: 3999, feeMinor: 1000 });
    expect(settled.session.noShowQuote).toBeNull();
  });
});

describe('GET/POST /api/cron/process-charges', () => {
  let session: Session;
  beforeEach(async () => {
    session = await fx.createSession(BOOKING_A1);
  });

  it.each(['GET', 'POST'])('%s with the secret settles a due session: COMPLETED_ASSUMED 15000 / 13500 / 1500', async (method) => {
    fx.clock.set(END);
    const body = await expectJson<{ report: Record<string, number> }>(await fx.send(method, routes.cron, { headers: asCron() }), 200);
    expect(body.report).toEqual({ completed: 1, earlyEnded: 0, conflicts: 0, chargesSucceeded: 1, chargesFailed: 0, chargesPending: 0, chargesNeedingAttention: 0, chargesDeferred: 0, noShows: 0, tutorNoShows: 0, nobodyJoined: 0, meetingEndsReconciled: 0, settlementsDeferred: 0 });
    const stored = await fx.stored(session.id);
    expect(stored).toMatchObject({
      status: 'COMPLETED_ASSUMED',
      chargeAmountMinor: 15_000,
      payoutAmountMinor: 13_500,
      platformFeeMinor: 1_500,
      chargeStatus: 'succeeded',
      finalizedAt: END,
    });
    expect(fx.gateway.instructions).toHaveLength(1);
    expect(fx.gateway.instructions[0]).toMatchObject({
      idempotencyKey: `itutor-session-${session.id}-COMPLETED_ASSUMED-1`,
      attempt: 1,
      amountMinor: 15_000,
      payoutMinor: 13_500,
      feeMinor: 1_500,
    });

    // A second run finds nothing to do.
    const again = await expectJson<{ report: Record<string, number> }>(await fx.send(method, routes.cron, { headers: asCron() }), 200);
    expect(again.report).toEqual({ completed: 0, earlyEnded: 0, conflicts: 0, chargesSucceeded: 0, chargesFailed: 0, chargesPending: 0, chargesNeedingAttention: 0, chargesDeferred: 0, noShows: 0, tutorNoShows: 0, nobodyJoined: 0, meetingEndsReconciled: 0, settlementsDeferred: 0 });
    expect(fx.gateway.instructions).toHaveLength(1);
  });

  it('200 with zero counts before the scheduled end (one second early): nothing is settled', async () => {
    fx.clock.set(addSeconds(END, -1));
    const body = await expectJson<{ report: Record<string, number> }>(await fx.send('GET', routes.cron, { headers: asCron() }), 200);
    expect(body.report.completed).toBe(0);
    expect((await fx.stored(session.id)).status).toBe('SCHEDULED');
    expect(fx.gateway.instructions).toHaveLength(0);
  });

  it.each(['malformed', 'processing', 'throw'] as const)('a gateway answering %s still gets 200 with counts; the charge stays to collect', async (behaviour) => {
    await fx.createSession(BOOKING_A2);
    fx.clock.set(addMinutes(END, 180));
    fx.gateway.script(behaviour);
    const body = await expectJson<{ report: Record<string, number> }>(await fx.send('POST', routes.cron, { headers: asCron() }), 200);
    expect(body.report).toMatchObject({ completed: 2, chargesSucceeded: 1, chargesPending: 1 });
    expect(fx.unexpectedErrors).toEqual([]);
    const ledger = await fx.core.charges.list(fx.gateway.instructions[0]!.sessionId);
    expect(ledger).toMatchObject([{ attempt: 1, status: 'unknown', calls: 1 }]);
  });

  it('a meeting that ended early settles as EARLY_END_SHORT with no charge and no instruction', async () => {
    fx.clock.set(addMinutes(START, 31));
    await fx.core.sessions.recordMeetingEnded({ sessionId: session.id, endedAt: addMinutes(START, 30) });
    fx.clock.set(addMinutes(END, 1));
    const body = await expectJson<{ report: Record<string, number> }>(await fx.send('POST', routes.cron, { headers: asCron() }), 200);
    expect(body.report).toEqual({ completed: 0, earlyEnded: 1, conflicts: 0, chargesSucceeded: 0, chargesFailed: 0, chargesPending: 0, chargesNeedingAttention: 0, chargesDeferred: 0, noShows: 0, tutorNoShows: 0, nobodyJoined: 0, meetingEndsReconciled: 0, settlementsDeferred: 0 });
    expect(await fx.stored(session.id)).toMatchObject({
      status: 'EARLY_END_SHORT',
      chargeAmountMinor: 0,
      payoutAmountMinor: 0,
      platformFeeMinor: 0,
      chargeStatus: 'none',
      chargeIdempotencyKey: null,
    });
    expect(fx.gateway.instructions).toHaveLength(0);
  });

  it('a meeting that ended at the scheduled end is charged in full', async () => {
    fx.clock.set(END);
    await fx.core.sessions.recordMeetingEnded({ sessionId: session.id, endedAt: END });
    const body = await expectJson<{ report: Record<string, number> }>(await fx.send('GET', routes.cron, { headers: asCron() }), 200);
    expect(body.report.completed).toBe(1);
    expect((await fx.stored(session.id)).chargeAmountMinor).toBe(15_000);
  });

  it('the Bearer scheme name is case-insensitive (RFC 9110): "bearer <secret>" is accepted', async () => {
    fx.clock.set(END);
    const body = await expectJson<{ report: Record<string, number> }>(
      await fx.send('GET', routes.cron, { headers: { authorization: `bearer ${CRON_SECRET}` } }),
      200,
    );
    expect(body.report.completed).toBe(1);
  });

  const refused: Array<[string, Record<string, string>]> = [
    ['missing', {}],
    ['wrong secret', asCron('definitely-not-the-cron-secret')],
    ['wrong length (one character short)', asCron(CRON_SECRET.slice(0, -1))],
    ['wrong length (one character more)', asCron(`${CRON_SECRET}x`)],
    ['same length, last character differs', asCron(`${CRON_SECRET.slice(0, -1)}${CRON_SECRET.endsWith('Z') ? 'Y' : 'Z'}`)],
    ['different case', asCron(CRON_SECRET.toUpperCase())],
    ['lowercase bearer with a wrong secret', { authorization: 'bearer not-the-secret-at-all-000' }],
    ['Basic scheme with the secret', { authorization: `Basic ${CRON_SECRET}` }],
    ['Basic scheme, base64', { authorization: `Basic ${btoa(`cron:${CRON_SECRET}`)}` }],
    ['scheme only', { authorization: 'Bearer' }],
    ['empty bearer token', { authorization: 'Bearer  ' }],
    ['secret without a scheme', { authorization: CRON_SECRET }],
    ['secret plus another token', { authorization: `Bearer ${CRON_SECRET} extra` }],
    ['a user token', asUser(TUTOR_A)],
    ['a service token', asService()],
  ];
  it.each(refused)('401 (%s): nothing is settled', async (_name, headers) => {
    fx.clock.set(END);
    for (const method of ['GET', 'POST']) {
      const { response, problem } = await expectRefusal(fx, makeRequest(method, routes.cron, { headers }), 401, 'UNAUTHENTICATED');
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(problem.detail).toMatch(/cron secret/);
    }
    expect((await fx.stored(session.id)).status).toBe('SCHEDULED');
    expect(fx.gateway.instructions).toHaveLength(0);
  });
});

describe('every error response', () => {
  it('is problem+json whose status matches the HTTP status, with a stable code and a detail', async () => {
    const session = await fx.createSession(BOOKING_A1);
    fx.clock.set(addMinutes(START, -30));
    const cases: Array<[Request, number, string]> = [
      [post(routes.create, asUser(TUTOR_A), { nope: 1 }), 400, 'INVALID_INPUT'],
      [post(routes.join(session.id)), 401, 'UNAUTHENTICATED'],
      [post(routes.noShow(session.id), asUser(STUDENT_A)), 403, 'NOT_SESSION_TUTOR'],
      [post(routes.join(globalThis.crypto.randomUUID()), asUser(TUTOR_A)), 404, 'NOT_FOUND'],
      [makeRequest('PUT', routes.join(session.id), { headers: asUser(TUTOR_A) }), 405, 'METHOD_NOT_ALLOWED'],
      [post(routes.join(session.id), asUser(TUTOR_A)), 409, 'TOO_EARLY'],
      [makeRequest('GET', '/api/nothing-here'), 404, 'ROUTE_NOT_FOUND'],
    ];
    for (const [request, status, code] of cases) {
      const { problem } = await expectRefusal(fx, request, status, code);
      expect(problem.type).toBe(`https://itutor.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`);
    }
    // expectProblem on its own: a refusal's Retry-After only ever accompanies TOO_EARLY.
    const forbidden = await fx.handle(post(routes.noShow(session.id), asUser(STUDENT_A)));
    expect(forbidden.headers.get('retry-after')).toBeNull();
    await expectProblem(forbidden, 403, 'NOT_SESSION_TUTOR');
  });
});
