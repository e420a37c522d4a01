import { withDeadline } from '../deadline';
import { isSessionError, SessionError, type SessionErrorCode } from '../errors';
import type { Booking, CreateMeetingInput, Meeting } from '../ports';
import type { CoreContext } from '../command/context';
import { openSession, validateBooking } from './machine';
import type { Session, VideoProviderName } from './model';
import { SYSTEM_ACTOR } from './transition';

/**
 * Session creation: a confirmed booking becomes a session with a meeting. The machine opens the session
 * (`openSession`); this service checks the tutor's connection and the student's payment method, makes the
 * meeting under a time limit, and stores the session without leaving anything half-made.
 */

/** `Retry-After` of `PROVIDER_UNAVAILABLE` when the provider did not ask for a wait of its own. */
const PROVIDER_RETRY_AFTER_SECONDS = 5;
/** The longest provider-requested wait passed on as `Retry-After`. */
const MAX_PROVIDER_RETRY_AFTER_SECONDS = 300;

/** The creation service behind `core.sessions.create`. */
export function createSessionCreator(ctx: CoreContext) {
  const { sessions, policy } = ctx;

  /** Runs one video-provider call under `meetingCallTimeoutMs`: its answer, or `'timeout'`. */
  function withinMeetingTimeLimit<T>(call: (signal: AbortSignal) => Promise<T>): Promise<{ value: T } | 'timeout'> {
    return withDeadline<{ value: T } | 'timeout'>(async (signal) => ({ value: await call(signal) }), {
      timeoutMs: ctx.meetingCallTimeoutMs,
      what: 'the video provider',
      onTimeout: () => 'timeout',
    });
  }

  /** Best-effort clean-up of a meeting under the time limit: never throws. */
  async function deleteMeeting(input: { provider: VideoProviderName; tutorId: string; meetingId: string }): Promise<void> {
    await withinMeetingTimeLimit(() => ctx.video.deleteMeeting(input)).catch(() => undefined);
  }

  /**
   * Creates the booking's meeting under the time limit. A provider that throws (other than a
   * `SessionError` of its own, such as `PROVIDER_NOT_CONNECTED`), passes the limit or answers something
   * that is not a meeting becomes `PROVIDER_UNAVAILABLE` (HTTP 503 with `Retry-After`). Whatever the
   * provider may have made is left under the booking's key for the retry to get back, except a malformed
   * answer's meeting, deleted when it names one no session holds.
   */
  async function createMeeting(input: Omit<CreateMeetingInput, 'signal'>, bookingId: string): Promise<Meeting> {
    let raced: { value: unknown } | 'timeout';
    try {
      raced = await withinMeetingTimeLimit((signal) => ctx.video.createMeeting({ ...input, signal }));
    } catch (error) {
      if (isSessionError(error) && !PROVIDER_FAILURES.includes(error.code)) throw error;
      throw providerUnavailable(input.provider, 'error', error);
    }
    if (raced === 'timeout') throw providerUnavailable(input.provider, 'timeout');
    const answer = raced.value;
    if (isMeeting(answer)) return { meetingId: answer.meetingId, joinUrl: answer.joinUrl };
    const named = (answer as { meetingId?: unknown } | null)?.meetingId;
    if (isMeetingId(named)) {
      // Clean up what the bad answer names, unless a session for the booking holds it (or we cannot tell).
      const holder = await sessions.findByBookingId(bookingId).then(
        (stored) => (stored === null ? null : stored.meetingId),
        () => undefined,
      );
      if (holder !== undefined && holder !== named) await deleteMeeting({ provider: input.provider, tutorId: input.tutorId, meetingId: named });
    }
    throw providerUnavailable(input.provider, 'malformed_answer');
  }

  /** The tutor's provider, refused with `PROVIDER_NOT_CONNECTED` unless connected. */
  async function connectedProvider(tutorId: string): Promise<VideoProviderName> {
    const connection = await ctx.adapter.connections.findByTutor(tutorId);
    if (connection && connection.status === 'connected') return connection.provider;
    throw new SessionError(
      'PROVIDER_NOT_CONNECTED',
      connection
        ? `The tutor's ${connection.provider} connection is ${connection.status}; they must reconnect before accepting bookings`
        : 'The tutor has not connected Zoom or Google Meet',
      { tutorId },
    );
  }

  /**
   * Stores the opened session. When the insert fails, the session is looked up before anything is
   * undone: the meeting is deleted only when no session for the booking holds it, so a write that
   * committed despite an error keeps its meeting, and a failure leaves nothing half-made.
   */
  async function store(booking: Booking, opened: ReturnType<typeof openSession>): Promise<{ session: Session; created: boolean }> {
    const { session } = opened;
    const dropMeeting = () => deleteMeeting({ provider: session.provider, tutorId: booking.tutorId, meetingId: session.meetingId });
    let result;
    try {
      result = await sessions.insert(session, opened.events);
    } catch (error) {
      // The insert may have committed before the error reached us (a lost reply, a connection that
      // dropped after commit): read before deciding anything about the meeting.
      let stored: Session | null;
      try {
        stored = await sessions.findByBookingId(booking.bookingId);
      } catch {
        throw error; // cannot tell: keep the meeting; a retry gets it again through the booking's key
      }
      if (stored === null) {
        await dropMeeting();
        throw error;
      }
      if (stored.meetingId !== session.meetingId) await dropMeeting();
      return { session: assertSameBooking(stored, booking), created: stored.id === session.id };
    }
    if (!result.inserted && result.session.meetingId !== session.meetingId) await dropMeeting();
    return { session: result.inserted ? result.session : assertSameBooking(result.session, booking), created: result.inserted };
  }

  return async function create(booking: Booking, actorId: string = SYSTEM_ACTOR): Promise<{ session: Session; created: boolean }> {
    validateBooking(booking, policy);
    const existing = await sessions.findByBookingId(booking.bookingId);
    if (existing) return { session: assertSameBooking(existing, booking), created: false };
    const provider = await connectedProvider(booking.tutorId);
    if (ctx.paymentMethodCheck && (await ctx.paymentMethodCheck(booking.studentId)) !== true) {
      throw new SessionError('NO_PAYMENT_METHOD', 'The student has no usable payment method; they must save a card before booking', {
        studentId: booking.studentId,
      });
    }
    const meeting = await createMeeting(
      {
        idempotencyKey: `itutor-booking-${booking.bookingId}`,
        provider,
        tutorId: booking.tutorId,
        topic: 'Tutoring session',
        startAt: booking.scheduledStartAt,
        durationMinutes: booking.durationMinutes,
      },
      booking.bookingId,
    );
    return store(booking, openSession(booking, { id: ctx.ids(), provider, meeting, actorId, now: ctx.clock.now(), policy }));
  };
}

const isMeetingId = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '' && value.length <= 500;

/** A provider's answer that is a usable meeting: an id (1–500 characters) and an absolute http(s) join URL. */
function isMeeting(value: unknown): value is Meeting {
  if (typeof value !== 'object' || value === null) return false;
  const { meetingId, joinUrl } = value as { meetingId?: unknown; joinUrl?: unknown };
  if (!isMeetingId(meetingId) || typeof joinUrl !== 'string' || joinUrl.length > 2048) return false;
  try {
    const url = new URL(joinUrl);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/**
 * The codes of a video provider's failures (an outage, a refused call, the host's keys or storage): turned
 * into `PROVIDER_UNAVAILABLE` like any other throw; a provider's other `SessionError`s refuse as they are.
 */
export const PROVIDER_FAILURES: readonly SessionErrorCode[] = [
  'PROVIDER_UNAVAILABLE',
  'PROVIDER_RATE_LIMITED',
  'PROVIDER_REQUEST_FAILED',
  'PROVIDER_MISMATCH',
  'PROVIDER_REFRESH_IN_PROGRESS',
  'TOKEN_KEY_INVALID',
  'TOKEN_KEY_UNKNOWN',
  'TOKEN_CIPHERTEXT_MALFORMED',
  'TOKEN_DECRYPTION_FAILED',
  'STORAGE_FAILED',
];

/**
 * `PROVIDER_UNAVAILABLE`: the video provider could not create (or, `doing`, move) the meeting (threw, passed the time limit, or
 * answered something that is not a meeting). `details`: `provider`, `reason` (`error`, `timeout`,
 * `malformed_answer`), `retryAfterSeconds` (the provider's own requested wait when it gave one, e.g. a rate
 * limit, else 5), and `providerCode` when the provider's error carried a string `code`. The message never
 * repeats the provider's (it may hold details of the host's account); the error is its `cause`.
 */
export function providerUnavailable(
  provider: VideoProviderName,
  reason: 'error' | 'timeout' | 'malformed_answer',
  cause?: unknown,
  doing = 'creating the meeting',
): SessionError {
  const c = cause as { retryAfterMs?: unknown; details?: { retryAfterSeconds?: unknown } } | undefined;
  const askedSeconds = c?.details?.retryAfterSeconds;
  const asked = c?.retryAfterMs ?? (typeof askedSeconds === 'number' ? askedSeconds * 1000 : undefined);
  const retryAfterSeconds =
    typeof asked === 'number' && Number.isFinite(asked) && asked > 0
      ? Math.min(MAX_PROVIDER_RETRY_AFTER_SECONDS, Math.ceil(asked / 1000))
      : PROVIDER_RETRY_AFTER_SECONDS;
  const code = (cause as { code?: unknown } | undefined)?.code;
  const what =
    reason === 'timeout' ? 'did not answer in time' : reason === 'malformed_answer' ? 'answered something that is not a meeting' : 'failed';
  const error = new SessionError('PROVIDER_UNAVAILABLE', `The video provider (${provider}) ${what} while ${doing}; try again shortly`, {
    provider,
    reason,
    retryAfterSeconds,
    ...(typeof code === 'string' && code.length <= 100 ? { providerCode: code } : {}),
  });
  if (cause !== undefined) Object.defineProperty(error, 'cause', { value: cause, enumerable: false, configurable: true, writable: true });
  return error;
}

/** The stored session of a booking asked again: refused with `BOOKING_CONFLICT` when the details differ. */
function assertSameBooking(existing: Session, booking: Booking): Session {
  const same =
    existing.tutorId === booking.tutorId &&
    existing.studentId === booking.studentId &&
    existing.scheduledStartAt.getTime() === booking.scheduledStartAt.getTime() &&
    existing.durationMinutes === booking.durationMinutes &&
    existing.priceMinor === booking.priceMinor;
  if (!same) {
    throw new SessionError('BOOKING_CONFLICT', `A session for booking ${booking.bookingId} already exists with different details`, {
      sessionId: existing.id,
    });
  }
  return existing;
}
