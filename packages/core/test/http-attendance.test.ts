/**
 * `GET /api/sessions/{id}/attendance`: who may read it, what it answers (and what it never carries), the
 * summary a UI reads, and the browser call (`getSessionAttendance`) over the real handler.
 */
import { addMinutes } from 'date-fns';
import { describe, expect, it } from 'vitest';
import {
  createSessionsCore,
  type AttendanceEntry,
  type MatchParticipant,
  type MeetingEventInput,
  type Session,
  type SessionsAdapter,
} from '@itutor/sessions-core';
import { getSessionAttendance, isSessionError, postSessionAction } from '@itutor/sessions-core/client';
import { createSessionsHandler, toSessionAttendanceJson, type SessionAttendanceJson } from '@itutor/sessions-core/http';
import {
  createFakeVideoProvider,
  createInMemoryAdapter,
  createManualClock,
  createRecordingPaymentGateway,
} from '@itutor/sessions-core/testing';
import {
  asUser,
  CLOCK_START,
  CRON_SECRET,
  DURATION,
  expectJson,
  expectProblem,
  fakeAuthenticator,
  makeRequest,
  NO_SHOW_ELIGIBLE_AT,
  PRICE,
  routes,
  START,
  STUDENT_A,
  STUDENT_B,
  TUTOR_A,
  TUTOR_B,
} from './support/http-fixture';

const attendancePath = (id: string) => `/api/sessions/${id}/attendance`;

const TUTOR_EMAIL = 'tutor@example.com';
const STUDENT_EMAIL = 'student@example.com';

/** The host's matching: by e-mail. */
const byEmail: MatchParticipant = ({ participant }) =>
  participant.email === TUTOR_EMAIL ? 'tutor' : participant.email === STUDENT_EMAIL ? 'student' : 'unknown';

async function setup(options: { attendance?: boolean } = {}) {
  const clock = createManualClock(CLOCK_START);
  const memory = createInMemoryAdapter({ clock });
  const adapter: SessionsAdapter = options.attendance === false ? { ...memory, attendance: undefined } : memory;
  const core = createSessionsCore({
    adapter,
    videoProvider: createFakeVideoProvider(),
    paymentGateway: createRecordingPaymentGateway(),
    clock,
    matchParticipant: byEmail,
  });
  const unexpected: unknown[] = [];
  const handle = createSessionsHandler({
    core,
    authenticate: fakeAuthenticator,
    getBooking: async () => null,
    cronSecret: CRON_SECRET,
    onUnexpectedError: (error) => unexpected.push(error),
  });
  await core.providers.connect({
    tutorId: TUTOR_A,
    provider: 'zoom',
    tokens: { accessToken: { keyId: 'k1', ciphertext: 'sealed-at' }, refreshToken: null, expiresAt: null },
  });
  const { session } = await core.sessions.create({
    bookingId: 'booking-att-1',
    tutorId: TUTOR_A,
    studentId: STUDENT_A,
    scheduledStartAt: START,
    durationMinutes: DURATION,
    priceMinor: PRICE,
  });
  let n = 0;
  /** Records a provider join or leave of `email` (participant `pid`) at `minutes` after the start. */
  const report = async (kind: 'joined' | 'left', minutes: number, who: { email: string | null; pid: string | null; name?: string }) => {
    const at = addMinutes(START, minutes);
    if (clock.now() < at) clock.set(at);
    const event: MeetingEventInput = {
      provider: 'zoom',
      eventId: `evt-${++n}`,
      kind: kind === 'joined' ? 'participant.joined' : 'participant.left',
      meetingId: session.meetingId,
      occurredAt: at,
      receivedAt: at,
      participant: { email: who.email, name: who.name ?? 'Someone', providerUserId: `zoom-user-${who.pid}`, participantId: who.pid },
    };
    if (options.attendance === false) throw new Error('no attendance storage in this setup');
    await core.attendance.record(event);
  };
  const get = (userId: string | null, id = session.id) =>
    handle(makeRequest('GET', attendancePath(id), { headers: userId === null ? {} : asUser(userId) }));
  return { clock, core, handle, session, report, get, unexpected };
}

const student = { email: STUDENT_EMAIL, pid: 'p-student', name: 'Sam Student' };
const tutor = { email: TUTOR_EMAIL, pid: 'p-tutor', name: 'Tara Tutor' };

describe('GET /api/sessions/{id}/attendance', () => {
  it('200 for the tutor and for the student: entries by time and the summary, no-store', async () => {
    const { get, report, session, unexpected } = await setup();
    await report('joined', -2, tutor);
    await report('joined', 3, student);
    for (const userId of [TUTOR_A, STUDENT_A]) {
      const response = await get(userId);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const body = await expectJson<SessionAttendanceJson>(response, 200);
      expect(body).toEqual({
        sessionId: session.id,
        entries: [
          { provider: 'zoom', role: 'tutor', kind: 'joined', occurredAt: addMinutes(START, -2).toISOString() },
          { provider: 'zoom', role: 'student', kind: 'joined', occurredAt: addMinutes(START, 3).toISOString() },
        ],
        summary: {
          studentInMeeting: true,
          studentJoinedAt: addMinutes(START, 3).toISOString(),
          tutorInMeeting: true,
          tutorJoinedAt: addMinutes(START, -2).toISOString(),
          unknownInMeeting: 0,
        },
      });
    }
    expect(unexpected).toEqual([]);
  });

  it('never carries e-mails, names, provider user ids or participant ids; unknown participants are only counted', async () => {
    const { get, report } = await setup();
    await report('joined', 1, { email: 'guest@elsewhere.example', pid: 'p-guest', name: '+1 868 555 0100' });
    await report('joined', 2, student);
    const text = await (await get(TUTOR_A)).text();
    for (const secret of ['@', 'guest', 'Sam', '+1 868', 'zoom-user', 'p-guest', 'p-student', 'participant', 'email', 'name"']) {
      expect(text).not.toContain(secret);
    }
    const body = JSON.parse(text) as SessionAttendanceJson;
    expect(body.entries[0]).toEqual({ provider: 'zoom', role: 'unknown', kind: 'joined', occurredAt: addMinutes(START, 1).toISOString() });
    expect(Object.keys(body.entries[0]!).sort()).toEqual(['kind', 'occurredAt', 'provider', 'role']);
    expect(body.summary.unknownInMeeting).toBe(1);
  });

  it('the summary follows joins and leaves: a leave takes the student out, a second device keeps them in', async () => {
    const { get, report } = await setup();
    const summary = async () => (await expectJson<SessionAttendanceJson>(await get(TUTOR_A), 200)).summary;
    expect(await summary()).toEqual({ studentInMeeting: false, studentJoinedAt: null, tutorInMeeting: false, tutorJoinedAt: null, unknownInMeeting: 0 });
    await report('joined', 4, student);
    await report('joined', 5, { ...student, pid: 'p-student-phone' });
    await report('left', 6, student);
    expect(await summary()).toMatchObject({ studentInMeeting: true, studentJoinedAt: addMinutes(START, 4).toISOString() });
    await report('left', 7, { ...student, pid: 'p-student-phone' });
    // Out of the meeting, but the earliest join (the evidence a no-show refusal cites) stays.
    expect(await summary()).toMatchObject({ studentInMeeting: false, studentJoinedAt: addMinutes(START, 4).toISOString() });
  });

  it('403 NOT_SESSION_PARTICIPANT for anyone else: the answer the join route gives a non-participant', async () => {
    const { get, handle, session, clock } = await setup();
    clock.set(addMinutes(START, 1));
    const join = await expectProblem(await handle(makeRequest('POST', routes.join(session.id), { headers: asUser(STUDENT_B) })), 403, 'NOT_SESSION_PARTICIPANT');
    for (const outsider of [STUDENT_B, TUTOR_B]) {
      const problem = await expectProblem(await get(outsider), 403, 'NOT_SESSION_PARTICIPANT');
      expect(problem.title).toBe(join.title);
    }
  });

  it('401 without credentials; 404 for an unknown session id and for a path id that cannot be a session', async () => {
    const { get } = await setup();
    await expectProblem(await get(null), 401, 'UNAUTHENTICATED');
    await expectProblem(await get(TUTOR_A, '00000000-0000-4000-8000-00000000dead'), 404, 'NOT_FOUND');
    await expectProblem(await get(TUTOR_A, 'not-a-session'), 404, 'NOT_FOUND');
  });

  it('405 with Allow: GET for another method, with or without a body', async () => {
    const { handle, session } = await setup();
    const response = await handle(makeRequest('POST', attendancePath(session.id), { headers: asUser(TUTOR_A), body: {} }));
    await expectProblem(response, 405, 'METHOD_NOT_ALLOWED');
    expect(response.headers.get('allow')).toBe('GET');
  });

  it('501 ATTENDANCE_NOT_SUPPORTED when the adapter stores no attendance (after the participant check)', async () => {
    const { get, unexpected } = await setup({ attendance: false });
    await expectProblem(await get(TUTOR_A), 501, 'ATTENDANCE_NOT_SUPPORTED');
    await expectProblem(await get(STUDENT_A), 501, 'ATTENDANCE_NOT_SUPPORTED');
    await expectProblem(await get(STUDENT_B), 403, 'NOT_SESSION_PARTICIPANT');
    expect(unexpected).toEqual([]);
  });
});

describe('toSessionAttendanceJson', () => {
  const entry = (overrides: Partial<AttendanceEntry>): AttendanceEntry => ({
    provider: 'google_meet',
    eventId: 'e',
    sessionId: 's-1',
    role: 'student',
    kind: 'joined',
    participantEmail: 'student@example.com',
    participantName: 'Sam',
    participantProviderUserId: 'users/1',
    participantId: 'conferenceRecords/1/participants/1',
    instanceId: null,
    occurredAt: START,
    receivedAt: START,
    ...overrides,
  });

  it('orders by time, a join before a leave of the same instant (a blip in and out leaves the student out)', () => {
    const json = toSessionAttendanceJson('s-1', [entry({ kind: 'left', eventId: 'a' }), entry({ kind: 'joined', eventId: 'b' })]);
    expect(json.entries.map((e) => e.kind)).toEqual(['joined', 'left']);
    expect(json.summary.studentInMeeting).toBe(false);
  });

  it('reports without a participant id are counted, and a leave never counts below zero', () => {
    const anonymous = (kind: 'joined' | 'left', minutes: number) => entry({ kind, participantId: null, occurredAt: addMinutes(START, minutes) });
    expect(toSessionAttendanceJson('s-1', [anonymous('left', 1), anonymous('joined', 2)]).summary.studentInMeeting).toBe(true);
    expect(toSessionAttendanceJson('s-1', [anonymous('joined', 1), anonymous('joined', 2), anonymous('left', 3)]).summary.studentInMeeting).toBe(true);
    expect(toSessionAttendanceJson('s-1', [anonymous('joined', 1), anonymous('left', 2), anonymous('left', 3)]).summary.studentInMeeting).toBe(false);
  });

  it('the tutor never counts as the student, nor an unknown participant', () => {
    const json = toSessionAttendanceJson('s-1', [entry({ role: 'tutor' }), entry({ role: 'unknown', participantId: 'x' })]);
    expect(json.summary).toEqual({
      studentInMeeting: false,
      studentJoinedAt: null,
      tutorInMeeting: true,
      tutorJoinedAt: START.toISOString(),
      unknownInMeeting: 1,
    });
  });
});

describe('the browser side over the real handler', () => {
  /** `fetch` into the handler, as the signed-in `userId` (the host's cookie, in a real browser). */
  const fetchAs = (handle: (request: Request) => Promise<Response>, userId: string, seen: RequestInit[] = []): typeof fetch =>
    (async (input: RequestInfo | URL, init?: RequestInit) => {
      seen.push(init ?? {});
      const headers = new Headers(init?.headers);
      headers.set('authorization', asUser(userId).authorization);
      return handle(new Request(new URL(String(input), 'http://localhost'), { ...init, headers }));
    }) as typeof fetch;

  it('getSessionAttendance GETs the route with the page’s cookies and returns its body', async () => {
    const { handle, report, session } = await setup();
    await report('joined', 2, student);
    const seen: RequestInit[] = [];
    const attendance = await getSessionAttendance(session.id, { fetch: fetchAs(handle, TUTOR_A, seen) });
    expect(attendance.summary.studentInMeeting).toBe(true);
    expect(seen[0]).toMatchObject({ credentials: 'same-origin' });
    expect(seen[0]!.method ?? 'GET').toBe('GET');
  });

  it('getSessionAttendance throws SessionErrors with the status and code of a refusal', async () => {
    const { handle, session } = await setup({ attendance: false });
    await expect(getSessionAttendance(session.id, { fetch: fetchAs(handle, TUTOR_A) })).rejects.toMatchObject({
      name: 'SessionError',
      code: 'ATTENDANCE_NOT_SUPPORTED',
      details: { httpStatus: 501 },
    });
    await expect(getSessionAttendance(session.id, { fetch: fetchAs(handle, STUDENT_B) })).rejects.toMatchObject({
      code: 'NOT_SESSION_PARTICIPANT',
      details: { httpStatus: 403 },
    });
    const offline = await getSessionAttendance(session.id, { fetch: async () => Promise.reject(new TypeError('offline')) }).catch((e: unknown) => e);
    expect(isSessionError(offline, 'REQUEST_FAILED')).toBe(true);
  });

  it('a no-show refused on the provider’s report reaches the browser with source "provider"', async () => {
    const { handle, report, session, clock } = await setup();
    await report('joined', 10, student);
    clock.set(NO_SHOW_ELIGIBLE_AT);
    const refusal = postSessionAction<{ session: Session }>(session.id, 'mark-no-show', { fetch: fetchAs(handle, TUTOR_A) });
    await expect(refusal).rejects.toMatchObject({ code: 'STUDENT_JOINED', details: { httpStatus: 409, source: 'provider' } });
  });
});
