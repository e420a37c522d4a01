import type { CoreContext } from '../command/context';
import { SessionError } from '../errors';
import type { Booking } from '../ports';
import { cancellationQuote, type CancellationQuote } from '../rules/cancellation';
import { assertValidInstant } from '../rules/timing';
import { providerJoins } from './attendance';
import { createSessionCreator } from './create';
import { transition, type SessionCommand } from './machine';
import type { CancelledBy, Session, SessionEvent } from './model';
import { createRescheduler } from './reschedule';

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
   * is unknown (or that timed out) stays `pending` and the cron completes it. The presence rule: refused
   * with `TUTOR_NOT_PRESENT` unless the tutor's own presence is recorded (our Join button, or a provider
   * report matched to the tutor); `STUDENT_JOINED` when the student joined within the wait.
   */
  markNoShow(input: { sessionId: string; userId: string }): Promise<Session>;
  /**
   * The student reports the tutor absent: `NO_SHOW_TUTOR`, nothing charged, nothing paid, and the
   * tutor's audit trail shows it (`session.tutor_no_show_marked`). From the end of the no-show wait
   * (`TOO_EARLY` before), if the tutor had not joined by then by any source (`TUTOR_JOINED`), and only
   * while the student's own presence is recorded (`STUDENT_NOT_PRESENT`); only the student
   * (`NOT_SESSION_STUDENT`).
   */
  reportTutorAbsent(input: { sessionId: string; userId: string }): Promise<Session>;
  /**
   * What cancelling now would be, for the confirmation dialog: `CANCELLED` (free) or `CANCELLED_LATE`
   * with the fee of the student's tier, and until when it holds (`validUntil`). Refused for someone who
   * may not cancel as `by`, a final session (`SESSION_FINAL`) and from the start on (`TOO_LATE`).
   */
  previewCancellation(input: { sessionId: string; userId: string; by: CancelledBy }): Promise<CancellationQuote>;
  /**
   * Cancels before the scheduled start, by the tutor, the student or the platform. The student pays the
   * fee of the tier the moment falls in (`policy.cancellationTiers`; default: free 24 h or more before,
   * 50 % later): `CANCELLED_LATE`, charged through the charge ledger and sent at once like a no-show's
   * charge; a tutor or the platform cancelling is free (`CANCELLED`). `expectedChargeMinor`: the fee the
   * canceller confirmed (from `previewCancellation`); when the fee is no longer that (the tier changed
   * while the dialog was open) the cancel is refused with `CANCELLATION_FEE_CHANGED`, `details.quote`
   * holding the fee now. Leave it out only where no one is shown a fee.
   */
  cancel(input: { sessionId: string; userId: string; by: CancelledBy; reason?: string; expectedChargeMinor?: number }): Promise<Session>;
  /**
   * Moves the session to start at `startAt`, by a participant or the platform: same id, booking, meeting
   * and join link, same duration; the timings move by the session's own stored numbers. Allowed before
   * anyone joined and while both the start and the new start are at least `rescheduleMinNoticeMinutes`
   * away (`TOO_LATE` / `INVALID_INPUT`). The provider's meeting is moved first (Zoom's update; a Meet
   * space has no time), under `meetingCallTimeoutMs`: a provider failure or timeout refuses with
   * `PROVIDER_UNAVAILABLE` and the meeting is moved back; the session is then as it was. A repeated call
   * (a lost answer) finishes the move: moving the meeting is idempotent and a session already at
   * `startAt` is not written again.
   */
  reschedule(input: { sessionId: string; userId: string; by: CancelledBy; startAt: Date; reason?: string }): Promise<Session>;
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
  const reschedule = createRescheduler(ctx);

  /**
   * A participant's report with the provider's evidence of both joins (the presence rule, and the
   * other side's join within the wait), read beside the session. Without attendance storage: the Join
   * button alone.
   */
  const withProviderJoins = (input: { sessionId: string; userId: string }, type: 'MARK_NO_SHOW' | 'REPORT_TUTOR_ABSENT'): Promise<SessionCommand> => {
    const attendance = ctx.adapter.attendance;
    return (attendance && typeof input.sessionId === 'string' ? attendance.listBySession(input.sessionId) : Promise.resolve(null)).then((entries) => {
      const joins = entries ? providerJoins(entries) : { studentJoinedAt: null, tutorJoinedAt: null };
      return { type, actorId: input.userId, providerStudentJoinedAt: joins.studentJoinedAt, providerTutorJoinedAt: joins.tutorJoinedAt };
    });
  };

  /** An outcome that opened a charge sends it now, under the call's time limit (settlement's `chargeNow`). */
  const chargeAtOnce = (session: Session, effects: readonly { readonly type: string }[]) =>
    effects.some((effect) => effect.type === 'CHARGE') && session.chargeStatus === 'pending' && session.chargeIdempotencyKey !== null
      ? deps.chargeNow(session)
      : Promise.resolve(session);
  return {
    create,
    get: (sessionId) => sessions.findById(sessionId),
    getByBooking: (bookingId) => sessions.findByBookingId(bookingId),

    async join(input) {
      const { session } = await runner.run(input.sessionId, { type: 'JOIN', actorId: input.userId });
      return { session, joinUrl: session.joinUrl };
    },

    async markNoShow(input) {
      // The charge is leased to this call so a cron run does not send it at the same moment.
      const { session, effects } = await runner.run(input.sessionId, withProviderJoins(input, 'MARK_NO_SHOW'), { lease: { minutes: deps.leaseMinutes } });
      return chargeAtOnce(session, effects);
    },

    async reportTutorAbsent(input) {
      return (await runner.run(input.sessionId, withProviderJoins(input, 'REPORT_TUTOR_ABSENT'))).session;
    },

    async previewCancellation(input) {
      const session = await runner.load(input.sessionId);
      // The machine judges the cancel on the session as read, nothing written: the preview refuses exactly
      // as the cancel would, and quotes the same rule at the same instant.
      const now = ctx.clock.now();
      const judged = transition(session, { type: 'CANCEL', actorId: input.userId, by: input.by }, now, ctx.policy);
      if (!judged.ok) throw judged.error;
      return cancellationQuote(session, input.by, now, ctx.policy);
    },

    async cancel(input) {
      if (input.expectedChargeMinor !== undefined && (!Number.isSafeInteger(input.expectedChargeMinor) || input.expectedChargeMinor < 0)) {
        throw new SessionError('INVALID_INPUT', 'expectedChargeMinor must be a whole number of minor units', {
          issues: [{ path: 'expectedChargeMinor', message: 'not a whole number of minor units' }],
        });
      }
      const command: SessionCommand = {
        type: 'CANCEL',
        actorId: input.userId,
        by: input.by,
        ...(input.reason ? { reason: input.reason } : {}),
        ...(input.expectedChargeMinor !== undefined ? { expectedChargeMinor: input.expectedChargeMinor } : {}),
      };
      const { session, effects } = await runner.run(input.sessionId, command, { lease: { minutes: deps.leaseMinutes } });
      return chargeAtOnce(session, effects);
    },

    reschedule,

    async recordMeetingEnded(input) {
      assertValidInstant(input.endedAt, 'endedAt');
      return (await runner.run(input.sessionId, { type: 'RECORD_MEETING_ENDED', endedAt: input.endedAt })).session;
    },

    listEvents: (sessionId) => ctx.adapter.events.listBySession(sessionId),
  };
}
