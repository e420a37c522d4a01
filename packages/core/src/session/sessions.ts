import type { CoreContext } from '../command/context';
import type { Booking } from '../ports';
import { assertValidInstant } from '../rules/timing';
import { earliestStudentJoin } from './attendance';
import { createSessionCreator } from './create';
import type { SessionCommand } from './machine';
import type { CancelledBy, Session, SessionEvent } from './model';

/**
 * `core.sessions`: a session's life — created for a booking, joined, marked no-show, ended, cancelled —
 * and its audit trail. Settlement (`core.settlement`) ends the sessions nobody else ended.
 */
export interface SessionsResource {
  /**
   * Creates the session for a confirmed booking, or returns the existing one (`created: false`).
   * Idempotent per `bookingId`; refuses with `PROVIDER_NOT_CONNECTED` when the tutor has no connected
   * provider, `NO_PAYMENT_METHOD` when `paymentMethodCheck` says the student cannot pay, and
   * `BOOKING_CONFLICT` when the booking's session exists with other details. The meeting is created first
   * (keyed by booking, so a retry gets the same meeting back), under `meetingCallTimeoutMs`: a provider
   * that fails, passes the limit or answers something that is not a meeting is refused with
   * `PROVIDER_UNAVAILABLE` (HTTP 503, `Retry-After`; nothing is stored, and a meeting the provider made
   * anyway is the one the retry gets back under the booking's key — or, named by a malformed answer, is
   * deleted). When the insert fails, the session is looked up before anything is undone: the meeting is
   * deleted only when no session for the booking holds it, so a write that committed despite an error
   * keeps its meeting, and a failure leaves nothing half-made that a retry cannot finish.
   */
  create(booking: Booking, actorId?: string): Promise<{ session: Session; created: boolean }>;
  /** A session by id, or `null`. */
  get(sessionId: string): Promise<Session | null>;
  /** A session by its booking, or `null`. */
  getByBooking(bookingId: string): Promise<Session | null>;
  /**
   * Records `userId`'s join (first join time per role) and returns the meeting URL. Refuses before
   * `joinOpensAt` (`TOO_EARLY` with `details.availableAt`) and once the session is final.
   */
  join(input: { sessionId: string; userId: string }): Promise<{ session: Session; joinUrl: string }>;
  /**
   * The tutor marks the student absent: `NO_SHOW_STUDENT`, 50 % charged, and the charge is sent at
   * once under the call's time limit. Returns the session after that attempt; a charge whose answer
   * is unknown (or that timed out) stays `pending` and the cron completes it.
   */
  markNoShow(input: { sessionId: string; userId: string }): Promise<Session>;
  /** Cancels before the scheduled start, by the tutor, the student or the platform. No charge. */
  cancel(input: { sessionId: string; userId: string; by: CancelledBy; reason?: string }): Promise<Session>;
  /**
   * Records when the meeting ended (provider webhooks, reconciliation). Refuses an end before the
   * session could start (before `joinOpensAt`) or in the future with `INVALID_INPUT`, and any report
   * once the session is final. When several reports arrive, the latest end wins: a report of an
   * earlier or equal end changes nothing.
   */
  recordMeetingEnded(input: { sessionId: string; endedAt: Date }): Promise<Session>;
  /** A session's audit events, oldest first. */
  listEvents(sessionId: string): Promise<SessionEvent[]>;
}

/** `core.sessions` over the core's context; `chargeNow` sends a no-show's charge (settlement's). */
export function createSessionsResource(ctx: CoreContext, deps: { readonly chargeNow: (session: Session) => Promise<Session>; readonly leaseMinutes: number }): SessionsResource {
  const { runner, sessions } = ctx;
  const create = createSessionCreator(ctx);
  return {
    create,
    get: (sessionId) => sessions.findById(sessionId),
    getByBooking: (bookingId) => sessions.findByBookingId(bookingId),

    async join(input) {
      const { session } = await runner.run(input.sessionId, { type: 'JOIN', actorId: input.userId });
      return { session, joinUrl: session.joinUrl };
    },

    async markNoShow(input) {
      // The provider's evidence of the student's join (the machine refuses with STUDENT_JOINED, source
      // 'provider', when it falls within the wait). Without attendance storage: the Join button alone.
      const attendance = ctx.adapter.attendance;
      const command: Promise<SessionCommand> = (
        attendance && typeof input.sessionId === 'string' ? attendance.listBySession(input.sessionId) : Promise.resolve(null)
      ).then((entries) => ({ type: 'MARK_NO_SHOW', actorId: input.userId, providerStudentJoinedAt: entries ? earliestStudentJoin(entries) : null }));
      // The charge is leased to this call so a cron run does not send it at the same moment.
      const { session, effects } = await runner.run(input.sessionId, command, { lease: { minutes: deps.leaseMinutes } });
      return effects.some((effect) => effect.type === 'CHARGE') && session.chargeStatus === 'pending' && session.chargeIdempotencyKey !== null
        ? deps.chargeNow(session)
        : session;
    },

    async cancel(input) {
      const command: SessionCommand = { type: 'CANCEL', actorId: input.userId, by: input.by };
      return (await runner.run(input.sessionId, input.reason ? { ...command, reason: input.reason } : command)).session;
    },

    async recordMeetingEnded(input) {
      assertValidInstant(input.endedAt, 'endedAt');
      return (await runner.run(input.sessionId, { type: 'RECORD_MEETING_ENDED', endedAt: input.endedAt })).session;
    },

    listEvents: (sessionId) => ctx.adapter.events.listBySession(sessionId),
  };
}
