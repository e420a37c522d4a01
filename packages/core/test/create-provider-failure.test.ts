/**
 * `POST /api/sessions/create-for-booking` (and `core.sessions.create`) when the video provider fails: before
 * creating, after creating (the answer lost), hanging, answering nonsense. Each is a documented problem (503
 * `PROVIDER_UNAVAILABLE` with `Retry-After`), stores nothing, leaves no orphan meeting (or only the one the
 * retry gets back under the booking's key), and the retry makes exactly one meeting and one session.
 */
import { createSessionsCore, isSessionError, SessionError, type VideoProvider } from '@itutor/sessions-core';
import { type CreateMeetingInput, type Meeting } from '@itutor/sessions-core/adapter';
import { createSessionsHandler } from '@itutor/sessions-core/http';
import { createFakeVideoProvider, createInMemoryAdapter, createManualClock, createRecordingPaymentGateway } from '@itutor/sessions-core/testing';
import { addMinutes } from 'date-fns';
import { describe, expect, it } from 'vitest';

const START = new Date('2026-06-01T15:00:00.000Z');
const CRON_SECRET = 'cron-secret-0123456789-abcdefXYZ';
const TIME_LIMIT_MS = 60;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Fault =
  | 'throw-before'
  | 'throw-after'
  | 'hang'
  | 'hang-honouring-abort'
  | 'late-create'
  | 'null'
  | 'number-id'
  | 'empty-id'
  | 'bad-join-url'
  | 'missing-join-url'
  | 'rate-limited';

/** The fake provider behind a switch: the next createMeeting fails as told, then it works. */
function faultyProvider() {
  const fake = createFakeVideoProvider();
  let next: Fault | null = null;
  const late: Array<Promise<unknown>> = [];
  const provider: VideoProvider = {
    async createMeeting(input: CreateMeetingInput): Promise<Meeting> {
      const fault = next;
      next = null;
      switch (fault) {
        case null:
          return fake.createMeeting(input);
        case 'throw-before':
          throw new Error('connect ECONNREFUSED (token sk_live_secret in a careless message)');
        case 'throw-after':
          await fake.createMeeting(input);
          throw new Error('socket hang up');
        case 'hang':
          return new Promise<Meeting>(() => undefined);
        case 'hang-honouring-abort':
          return new Promise<Meeting>((_, reject) => input.signal?.addEventListener('abort', () => reject(input.signal!.reason)));
        case 'late-create': {
          // Made after the core stopped waiting (it ignores the abort): kept under the booking's key.
          const made = sleep(TIME_LIMIT_MS * 2).then(() => fake.createMeeting(input));
          late.push(made);
          return made;
        }
        case 'null':
          return null as unknown as Meeting;
        case 'number-id':
          return { meetingId: 42, joinUrl: 'https://zoom.us/j/42' } as unknown as Meeting;
        case 'empty-id':
          return { meetingId: ' ', joinUrl: 'https://zoom.us/j/1' };
        case 'bad-join-url': {
          const made = await fake.createMeeting(input);
          return { meetingId: made.meetingId, joinUrl: 'javascript:alert(1)' };
        }
        case 'missing-join-url': {
          const made = await fake.createMeeting(input);
          return { meetingId: made.meetingId } as unknown as Meeting;
        }
        case 'rate-limited':
          throw Object.assign(new Error('rate limited'), { code: 'RATE_LIMITED', retryAfterMs: 30_500 });
      }
    },
    deleteMeeting: (input) => fake.deleteMeeting(input),
  };
  return {
    fake,
    provider,
    failNext(fault: Fault) {
      next = fault;
    },
    settleLate: () => Promise.all(late),
  };
}

async function world() {
  const clock = createManualClock(addMinutes(START, -24 * 60));
  const adapter = createInMemoryAdapter({ clock });
  const video = faultyProvider();
  const core = createSessionsCore({
    adapter,
    videoProvider: video.provider,
    paymentGateway: createRecordingPaymentGateway(),
    clock,
    meetingCallTimeoutMs: TIME_LIMIT_MS,
  });
  await core.providers.connect({ tutorId: 'tutor-a', provider: 'zoom', tokens: null });
  const unexpected: unknown[] = [];
  const booking = { bookingId: 'booking-1', tutorId: 'tutor-a', studentId: 'student-a', scheduledStartAt: START, durationMinutes: 60, priceMinor: 15_000 };
  const handle = createSessionsHandler({
    core,
    authenticate: () => ({ userId: 'tutor-a' }),
    getBooking: async (id) => (id === booking.bookingId ? booking : null),
    cronSecret: CRON_SECRET,
    onUnexpectedError: (error) => unexpected.push(error),
  });
  const create = () =>
    handle(
      new Request('http://localhost/api/sessions/create-for-booking', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer user' },
        body: JSON.stringify({ bookingId: booking.bookingId }),
      }),
    );
  return { adapter, video, core, booking, create, unexpected };
}

const FAULTS: ReadonlyArray<[Fault, 'error' | 'timeout' | 'malformed_answer']> = [
  ['throw-before', 'error'],
  ['throw-after', 'error'],
  ['hang', 'timeout'],
  ['hang-honouring-abort', 'timeout'],
  ['late-create', 'timeout'],
  ['null', 'malformed_answer'],
  ['number-id', 'malformed_answer'],
  ['empty-id', 'malformed_answer'],
  ['bad-join-url', 'malformed_answer'],
  ['missing-join-url', 'malformed_answer'],
];

describe('create-for-booking when the video provider fails', () => {
  it.each(FAULTS)('%s: 503 PROVIDER_UNAVAILABLE with Retry-After, nothing stored, no orphan meeting; the retry makes exactly one meeting', async (fault, reason) => {
    const w = await world();
    w.video.failNext(fault);
    const started = Date.now();
    const response = await w.create();
    expect(Date.now() - started).toBeLessThan(TIME_LIMIT_MS + 1_000);
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('retry-after')).toBe('5');
    const problem = (await response.json()) as { code: string; status: number; title: string; detail: string };
    expect(problem).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', status: 503, title: 'Service Unavailable' });
    expect(problem.detail).toContain('zoom');
    expect(problem.detail).not.toContain('sk_live_secret'); // the provider's own words stay in the log
    // The host hears of it (with the provider's error as the cause), as for a 500.
    expect(w.unexpected).toHaveLength(1);
    expect(w.unexpected[0]).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', details: { reason } });
    if (reason === 'error') expect((w.unexpected[0] as { cause?: unknown }).cause).toBeInstanceOf(Error);
    expect(await w.adapter.raw.sessionsForBooking(w.booking.bookingId)).toEqual([]);

    await w.video.settleLate(); // a meeting made late exists now: the retry must get that one back
    const survivors = [...w.video.fake.meetings.keys()];
    // Only a meeting the retry reuses may be left over: one under the booking's key, or none.
    expect(survivors.length).toBeLessThanOrEqual(1);
    if (reason === 'malformed_answer' || fault === 'throw-before' || fault.startsWith('hang')) expect(survivors).toEqual([]);

    const retry = await w.create();
    expect(retry.status).toBe(201);
    const { session } = (await retry.json()) as { session: { id: string } };
    const stored = (await w.adapter.raw.sessionsForBooking(w.booking.bookingId))!;
    expect(stored).toHaveLength(1);
    expect(stored[0]!.id).toBe(session.id);
    expect([...w.video.fake.meetings.keys()]).toEqual([stored[0]!.meetingId]);
    if (survivors.length === 1) expect(stored[0]!.meetingId).toBe(survivors[0]);
    expect(w.video.fake.calls.every((c) => c.idempotencyKey === `itutor-booking-${w.booking.bookingId}`)).toBe(true);
  });

  it("a provider's requested wait becomes Retry-After (capped), with its code; a SessionError of the provider's own passes through", async () => {
    const w = await world();
    w.video.failNext('rate-limited');
    const response = await w.create();
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('31');
    let caught: unknown;
    w.video.failNext('rate-limited');
    await w.core.sessions.create(w.booking).catch((error: unknown) => (caught = error));
    expect(isSessionError(caught, 'PROVIDER_UNAVAILABLE')).toBe(true);
    expect((caught as SessionError).details).toMatchObject({ provider: 'zoom', reason: 'error', retryAfterSeconds: 31, providerCode: 'RATE_LIMITED' });

    const refusing = createSessionsCore({
      adapter: createInMemoryAdapter(),
      videoProvider: {
        createMeeting: async () => {
          throw new SessionError('PROVIDER_NOT_CONNECTED', 'the tutor must reconnect', { provider: 'zoom' });
        },
        deleteMeeting: async () => undefined,
      },
      paymentGateway: createRecordingPaymentGateway(),
    });
    await refusing.providers.connect({ tutorId: 'tutor-a', provider: 'zoom', tokens: null });
    await expect(refusing.sessions.create(w.booking)).rejects.toMatchObject({ code: 'PROVIDER_NOT_CONNECTED' });
  });

  it("a provider failure thrown as a SessionError (the video package's codes) is an outage like any other throw, its message kept server-side", async () => {
    const failing = (error: SessionError) =>
      createSessionsCore({
        adapter: createInMemoryAdapter(),
        videoProvider: {
          createMeeting: async () => {
            throw error;
          },
          deleteMeeting: async () => undefined,
        },
        paymentGateway: createRecordingPaymentGateway(),
      });
    const w = await world();
    const limited = new SessionError('PROVIDER_RATE_LIMITED', 'zoom answered 429 {"account":"host-internal"}', { provider: 'zoom', retryAfterSeconds: 31 });
    const core = failing(limited);
    await core.providers.connect({ tutorId: 'tutor-a', provider: 'zoom', tokens: null });
    const caught = await core.sessions.create(w.booking).catch((error: unknown) => error);
    expect(isSessionError(caught, 'PROVIDER_UNAVAILABLE')).toBe(true);
    expect(caught).toMatchObject({ details: { provider: 'zoom', reason: 'error', retryAfterSeconds: 31, providerCode: 'PROVIDER_RATE_LIMITED' }, cause: limited });
    expect((caught as Error).message).not.toContain('host-internal');

    for (const code of ['PROVIDER_UNAVAILABLE', 'PROVIDER_REQUEST_FAILED', 'TOKEN_DECRYPTION_FAILED', 'STORAGE_FAILED'] as const) {
      const other = failing(new SessionError(code, 'inner'));
      await other.providers.connect({ tutorId: 'tutor-a', provider: 'zoom', tokens: null });
      await expect(other.sessions.create(w.booking), code).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE', details: { reason: 'error', retryAfterSeconds: 5, providerCode: code } });
    }
  });

  it('the time limit is passed to the provider as an abort signal, and meetingCallTimeoutMs is validated', async () => {
    const signals: AbortSignal[] = [];
    const core = createSessionsCore({
      adapter: createInMemoryAdapter(),
      videoProvider: {
        createMeeting: (input) => {
          signals.push(input.signal!);
          return new Promise<Meeting>(() => undefined);
        },
        deleteMeeting: async () => undefined,
      },
      paymentGateway: createRecordingPaymentGateway(),
      meetingCallTimeoutMs: TIME_LIMIT_MS,
    });
    await core.providers.connect({ tutorId: 'tutor-a', provider: 'zoom', tokens: null });
    const b = { bookingId: 'b-signal', tutorId: 'tutor-a', studentId: 'student-a', scheduledStartAt: START, durationMinutes: 60, priceMinor: 100 };
    const started = Date.now();
    await expect(core.sessions.create(b)).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE', details: { reason: 'timeout', retryAfterSeconds: 5 } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(TIME_LIMIT_MS - 5);
    expect(signals).toHaveLength(1);
    expect(signals[0]!.aborted).toBe(true);
    for (const meetingCallTimeoutMs of [0, -1, 1.5, Number.NaN]) {
      expect(() =>
        createSessionsCore({ adapter: createInMemoryAdapter(), videoProvider: createFakeVideoProvider(), paymentGateway: createRecordingPaymentGateway(), meetingCallTimeoutMs }),
      ).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    }
  });

  it('a clean-up delete that hangs does not hang the creation: an insert failure still answers within the time limit', async () => {
    const inner = createInMemoryAdapter();
    const fake = createFakeVideoProvider();
    const core = createSessionsCore({
      adapter: { ...inner, sessions: { ...inner.sessions, insert: async () => Promise.reject(new Error('database down')) } },
      videoProvider: { createMeeting: (input) => fake.createMeeting(input), deleteMeeting: () => new Promise<void>(() => undefined) },
      paymentGateway: createRecordingPaymentGateway(),
      meetingCallTimeoutMs: TIME_LIMIT_MS,
    });
    await core.providers.connect({ tutorId: 'tutor-a', provider: 'zoom', tokens: null });
    const started = Date.now();
    await expect(
      core.sessions.create({ bookingId: 'b-x', tutorId: 'tutor-a', studentId: 'student-a', scheduledStartAt: START, durationMinutes: 60, priceMinor: 100 }),
    ).rejects.toThrow('database down');
    expect(Date.now() - started).toBeLessThan(TIME_LIMIT_MS + 1_000);
  });
});
