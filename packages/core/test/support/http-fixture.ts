/**
 * A complete HTTP test bed for `@itutor/sessions-core/http`: manual clock, in-memory adapter, fake video
 * provider, recording payment gateway, the services, a simple host authenticator and a bookings map,
 * mounted behind `createSessionsHandler`. Plus request builders, problem assertions and state snapshots.
 */
import { expect } from 'vitest';
import { createSessionsCore, type Booking, type Session, type SessionPolicy, type SessionsCore } from '@itutor/sessions-core';
import { createSessionsHandler, type AuthContext, type Authenticator } from '@itutor/sessions-core/http';
import {
  createFakeVideoProvider,
  createInMemoryAdapter,
  createManualClock,
  createRecordingPaymentGateway,
  type FakeVideoProvider,
  type InMemoryAdapter,
  type ManualClock,
  type RecordingPaymentGateway,
} from '@itutor/sessions-core/testing';
import { addDays, addMinutes } from 'date-fns';

/** The scheduled start of the seeded bookings (60 minutes, TTD 150.00). */
export const START = new Date('2026-03-11T15:00:00.000Z');
export const DURATION = 60;
export const PRICE = 15_000;
/** For 60 minutes: floor(60 × 33 / 100) = 19. */
export const NO_SHOW_WAIT = 19;
export const JOIN_OPENS_AT = addMinutes(START, -5);
export const NO_SHOW_ELIGIBLE_AT = addMinutes(START, NO_SHOW_WAIT);
export const END = addMinutes(START, DURATION);
/** Where the clock starts: a day before the seeded sessions. */
export const CLOCK_START = addDays(START, -1);

export const CRON_SECRET = 'cron-secret-0123456789-abcdefXYZ';
export const MAX_BODY_BYTES = 8 * 1024;

export const TUTOR_A = 'tutor-a'; // zoom connected
export const TUTOR_B = 'tutor-b'; // no provider connection
export const TUTOR_C = 'tutor-c'; // google meet connected (tests may expire it)
export const STUDENT_A = 'student-a';
export const STUDENT_B = 'student-b';

/** Seeded bookings. `booking-a1` is the main one: tutor-a teaches student-a at START. */
export const BOOKING_A1 = 'booking-a1';
export const BOOKING_A2 = 'booking-a2';
export const BOOKING_B1 = 'booking-b1';
export const BOOKING_C1 = 'booking-c1';

const TUTORS = [TUTOR_A, TUTOR_B, TUTOR_C] as const;

/** The host's authenticator for tests: `Authorization: Bearer user:<id>` or `Bearer service:<id>`. */
export const fakeAuthenticator: Authenticator = (request): AuthContext | null => {
  const header = request.headers.get('authorization');
  const match = header ? /^Bearer (user|service):(.+)$/.exec(header) : null;
  if (!match) return null;
  return match[1] === 'service' ? { userId: match[2]!, isService: true } : { userId: match[2]! };
};

/** Authorization headers for a user / the host's server. */
export const asUser = (userId: string) => ({ authorization: `Bearer user:${userId}` });
export const asService = (id = 'host-server') => ({ authorization: `Bearer service:${id}` });
export const asCron = (secret = CRON_SECRET) => ({ authorization: `Bearer ${secret}` });

export type Body = string | Uint8Array | ReadableStream<Uint8Array> | Record<string, unknown> | unknown[] | number | boolean | null;

export interface RequestOptions {
  readonly headers?: Record<string, string>;
  /**
   * Strings and bytes are sent as they are; `ReadableStream`s are streamed (no Content-Length); anything
   * else is `JSON.stringify`d. Omit for no body.
   */
  readonly body?: Body;
  /** Content type of a body; default `application/json`; `null` sends none at all. */
  readonly contentType?: string | null;
}

const encoder = new TextEncoder();

/** Builds a `Request` for `path` (e.g. `/api/sessions/create-for-booking`). */
export function makeRequest(method: string, path: string, options: RequestOptions = {}): Request {
  const headers = new Headers(options.headers);
  const init: RequestInit & { duplex?: 'half' } = { method, headers };
  if (options.body !== undefined) {
    const { body } = options;
    if (body instanceof ReadableStream) {
      init.body = body;
      init.duplex = 'half';
    } else {
      // Strings go as bytes so the runtime adds no `text/plain` content type of its own.
      const bytes = body instanceof Uint8Array ? body : encoder.encode(typeof body === 'string' ? body : JSON.stringify(body));
      init.body = new Uint8Array(bytes); // a copy over a plain ArrayBuffer (what BodyInit's type wants)
    }
    const contentType = options.contentType === undefined ? 'application/json' : options.contentType;
    if (contentType !== null && !headers.has('content-type')) headers.set('content-type', contentType);
  }
  return new Request(`http://localhost${path}`, init);
}

export const routes = {
  create: '/api/sessions/create-for-booking',
  join: (id: string) => `/api/sessions/${id}/join`,
  noShow: (id: string) => `/api/sessions/${id}/mark-no-show`,
  reportTutorAbsent: (id: string) => `/api/sessions/${id}/report-tutor-absent`,
  cancellation: (id: string) => `/api/sessions/${id}/cancellation`,
  cancel: (id: string) => `/api/sessions/${id}/cancel`,
  reschedule: (id: string) => `/api/sessions/${id}/reschedule`,
  cron: '/api/cron/process-charges',
};

/** Everything a refusal must leave untouched. Compared with `toEqual`. */
export interface StateSnapshot {
  readonly sessions: Record<string, Session>;
  readonly eventsBySession: Record<string, unknown[]>;
  readonly eventsByTutor: Record<string, unknown[]>;
  readonly connections: Record<string, unknown[]>;
  readonly gatewayInstructions: number;
  readonly gatewayCharges: number;
  readonly meetings: number;
  readonly meetingCalls: number;
  readonly meetingsDeleted: number;
}

export interface HttpFixture {
  readonly clock: ManualClock;
  readonly adapter: InMemoryAdapter;
  readonly video: FakeVideoProvider;
  readonly gateway: RecordingPaymentGateway;
  readonly core: SessionsCore;
  readonly bookings: Map<string, Booking>;
  readonly handle: (request: Request) => Promise<Response>;
  /** Errors the handlers answered with 500. */
  readonly unexpectedErrors: unknown[];
  /** Builds and sends a request. */
  send(method: string, path: string, options?: RequestOptions): Promise<Response>;
  /** Adds (or replaces) a booking in the host's source; returns it. */
  addBooking(booking: Partial<Booking> & { bookingId: string }): Booking;
  /** Creates the session for a seeded booking through the services (not HTTP). */
  createSession(bookingId?: string): Promise<Session>;
  /** The stored session, read raw. */
  stored(sessionId: string): Promise<Session>;
  /** Every stored fact the HTTP layer could change. */
  snapshot(): Promise<StateSnapshot>;
}

export interface FixtureOptions {
  readonly maxBodyBytes?: number;
  /** The host's policy overrides (`createSessionsCore({ policy })`). */
  readonly policy?: Partial<SessionPolicy>;
  /** The host's check for the platform's people (the dispute routes). */
  readonly isPlatformStaff?: (auth: AuthContext) => boolean;
}

export async function createHttpFixture(options: FixtureOptions = {}): Promise<HttpFixture> {
  const clock = createManualClock(CLOCK_START);
  const adapter = createInMemoryAdapter({ clock });
  const video = createFakeVideoProvider();
  const gateway = createRecordingPaymentGateway();
  const core = createSessionsCore({ adapter, videoProvider: video, paymentGateway: gateway, clock, ...(options.policy ? { policy: options.policy } : {}) });
  const bookings = new Map<string, Booking>();
  const unexpectedErrors: unknown[] = [];

  const handle = createSessionsHandler({
    core,
    authenticate: fakeAuthenticator,
    getBooking: async (bookingId) => bookings.get(bookingId) ?? null,
    cronSecret: CRON_SECRET,
    ...(options.maxBodyBytes !== undefined ? { maxBodyBytes: options.maxBodyBytes } : {}),
    onUnexpectedError: (error) => unexpectedErrors.push(error),
    ...(options.isPlatformStaff ? { isPlatformStaff: options.isPlatformStaff } : {}),
  });

  await core.providers.connect({ tutorId: TUTOR_A, provider: 'zoom', tokens: { accessToken: { keyId: 'k1', ciphertext: 'sealed-zoom-at' }, refreshToken: { keyId: 'k1', ciphertext: 'sealed-zoom-rt' }, expiresAt: null } });
  await core.providers.connect({ tutorId: TUTOR_C, provider: 'google_meet', tokens: { accessToken: { keyId: 'k1', ciphertext: 'sealed-meet-at' }, refreshToken: null, expiresAt: null } });

  const addBooking = (booking: Partial<Booking> & { bookingId: string }): Booking => {
    const full: Booking = {
      tutorId: TUTOR_A,
      studentId: STUDENT_A,
      scheduledStartAt: START,
      durationMinutes: DURATION,
      priceMinor: PRICE,
      ...booking,
    };
    bookings.set(full.bookingId, full);
    return full;
  };
  addBooking({ bookingId: BOOKING_A1 });
  addBooking({ bookingId: BOOKING_A2, studentId: STUDENT_B, scheduledStartAt: addMinutes(START, 120) });
  addBooking({ bookingId: BOOKING_B1, tutorId: TUTOR_B, studentId: STUDENT_B });
  addBooking({ bookingId: BOOKING_C1, tutorId: TUTOR_C, studentId: STUDENT_A });

  const stored = async (sessionId: string): Promise<Session> => {
    const session = await adapter.raw.session(sessionId);
    if (!session) throw new Error(`no stored session ${sessionId}`);
    return session;
  };

  return {
    clock,
    adapter,
    video,
    gateway,
    core,
    bookings,
    handle,
    unexpectedErrors,
    send: (method, path, requestOptions) => handle(makeRequest(method, path, requestOptions)),
    addBooking,
    async createSession(bookingId = BOOKING_A1) {
      const booking = bookings.get(bookingId);
      if (!booking) throw new Error(`no booking ${bookingId}`);
      return (await core.sessions.create(booking)).session;
    },
    stored,
    async snapshot() {
      const sessions: Record<string, Session> = {};
      const eventsBySession: Record<string, unknown[]> = {};
      for (const bookingId of bookings.keys()) {
        for (const session of await adapter.raw.sessionsForBooking(bookingId)) {
          sessions[session.id] = session;
          eventsBySession[session.id] = await adapter.raw.events(session.id);
        }
      }
      const eventsByTutor: Record<string, unknown[]> = {};
      const connections: Record<string, unknown[]> = {};
      for (const tutorId of TUTORS) {
        eventsByTutor[tutorId] = await adapter.raw.tutorEvents(tutorId);
        connections[tutorId] = await adapter.raw.connections(tutorId);
      }
      return {
        sessions,
        eventsBySession,
        eventsByTutor,
        connections,
        gatewayInstructions: gateway.instructions.length,
        gatewayCharges: gateway.charges.size,
        meetings: video.meetings.size,
        meetingCalls: video.calls.length,
        meetingsDeleted: video.deleted.length,
      };
    },
  };
}

export interface ProblemJson {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly availableAt?: string;
  readonly issues?: Array<{ path: string; message: string }>;
}

/** Asserts a problem+json response with `status` and `code`; returns its body. */
export async function expectProblem(response: Response, status: number, code: string): Promise<ProblemJson> {
  const text = await response.text();
  expect({ status: response.status, text }).toMatchObject({ status });
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  const body = JSON.parse(text) as ProblemJson;
  expect(body.status).toBe(status);
  expect(body.code).toBe(code);
  expect(typeof body.detail).toBe('string');
  expect(body.detail.length).toBeGreaterThan(0);
  expect(typeof body.title).toBe('string');
  expect(body.type).toMatch(/^https:\/\//);
  return body;
}

/**
 * Sends a request that must be refused: asserts the problem response and that no stored state changed.
 * Returns the response (body consumed) and its problem body.
 */
export async function expectRefusal(
  fx: HttpFixture,
  request: Request,
  status: number,
  code: string,
): Promise<{ response: Response; problem: ProblemJson }> {
  const before = await fx.snapshot();
  const response = await fx.handle(request);
  const problem = await expectProblem(response, status, code);
  expect(await fx.snapshot()).toEqual(before);
  expect(fx.unexpectedErrors).toEqual([]);
  return { response, problem };
}

/** Reads a JSON success body, asserting status and content type. */
export async function expectJson<T = Record<string, unknown>>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  expect({ status: response.status, text }).toMatchObject({ status });
  expect(response.headers.get('content-type')).toBe('application/json');
  return JSON.parse(text) as T;
}
