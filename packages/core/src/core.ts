import { withDeadline } from './deadline';
import { leaseEnd } from './command/lease';
import { createChargeAnswerRecorder, type ChargeAnswerInput, type ChargeAnswerReport } from './ledger/answers';
import { retryCompareAndSet } from './command/compare-and-set';
import { isSessionError, SessionError } from './errors';
import { SYSTEM_ACTOR, transition, type SessionCommand, type SessionEffect } from './session/machine';
import { assertValidPriceMinor } from './rules/money';
import { chargeDeadlineForKeyLifetime, definePolicy, type SessionPolicy } from './rules/policy';
import {
  timeOrderedId,
  systemClock,
  type Booking,
  type Clock,
  type CreateMeetingInput,
  type IdGenerator,
  type Meeting,
  type PaymentGateway,
  type SessionsAdapter,
  type VideoProvider,
} from './ports';
import type {
  CancelledBy,
  ChargeAttempt,
  ProviderConnection,
  SealedProviderTokens,
  Session,
  SessionEvent,
  SessionEventDraft,
  VideoProviderName,
} from './session/model';
import { earliestStudentJoin, type AttendanceEntry, type MatchParticipant, type MeetingEventInput, type MeetingEventOutcome } from './session/attendance';
import { createAttendanceService } from './session/attendance-service';
import { toChargeAttentionSummary, type ChargeAttentionSummary } from './ledger/attention';
import { createRefundService, type RefundChargeInput, type RefundReport, type RefundRetryReport } from './ledger/refund-service';
import type { Refund } from './ledger/refunds';
import { createSettlement, resolveSettlementOptions, type SettlementOptions, type SettlementReport } from './ledger/settlement';
import { withWriteIds } from './command/write-ids';
import { assertValidInstant, computeSessionTimings } from './rules/timing';

export type { SettlementOptions, SettlementReport } from './ledger/settlement';
export type { RefundChargeInput, RefundReport, RefundRetryReport } from './ledger/refund-service';

/** Everything the services need. */
export interface SessionsCoreConfig {
  readonly adapter: SessionsAdapter;
  readonly videoProvider: VideoProvider;
  readonly paymentGateway: PaymentGateway;
  /** Default: the system clock. Tests pass a manual clock. */
  readonly clock?: Clock;
  /** Ids of new sessions. Default: time-ordered UUID v7 (`timeOrderedId`); `randomId` for v4. */
  readonly ids?: IdGenerator;
  /**
   * Overrides of `DEFAULT_POLICY`; validated once here. Left unset, `chargeDeadlineMinutes` follows the
   * gateway: a little under its `idempotencyKeyLifetimeMinutes` when it declares one
   * (`chargeDeadlineForKeyLifetime`; Stripe → 1 380). Set explicitly, it must be under that lifetime.
   * The policy in force is `core.policy`.
   */
  readonly policy?: Partial<SessionPolicy>;
  readonly settlement?: SettlementOptions;
  /**
   * Optional check at session creation: does the student have a payment method the gateway can charge
   * later? When it resolves `false`, `createForBooking` refuses with `NO_PAYMENT_METHOD` (HTTP 409) before
   * any meeting is made. Leave it out to allow bookings without one (the charge then fails and is retried
   * until the policy's caps). With Stripe: `paymentMethodCheck: cards.hasUsablePaymentMethod` (from
   * `stripeCardSetup`). A check that throws fails the creation with that error (retry it): it neither
   * refuses nor allows the booking. Not asked when the booking's session exists already.
   */
  readonly paymentMethodCheck?: (studentId: string) => Promise<boolean> | boolean;
  /**
   * Matches a participant the video provider reported (e-mail, name, provider account) to the session's
   * `'tutor'` or `'student'`, or `'unknown'` (see `core.recordMeetingEvent`). Without it every reported
   * participant is `'unknown'`, and provider attendance never counts as the student's join.
   */
  readonly matchParticipant?: MatchParticipant;
  /**
   * Time limit, in ms, of one video-provider call made while creating a session: `createMeeting` (its
   * `signal` is aborted then) and `deleteMeeting` when a meeting is cleaned up. Default 15 000: longer than
   * one API call of the video package (10 s), short enough for a request a person waits on. Past it
   * `createForBooking` refuses with `PROVIDER_UNAVAILABLE`; a meeting the provider still makes afterwards is
   * kept under the booking's key, so the retry gets it back.
   */
  readonly meetingCallTimeoutMs?: number;
}

/** Default of `SessionsCoreConfig.meetingCallTimeoutMs`. */
const DEFAULT_MEETING_CALL_TIMEOUT_MS = 15_000;
/** `Retry-After` of `PROVIDER_UNAVAILABLE` when the provider did not ask for a wait of its own. */
const PROVIDER_RETRY_AFTER_SECONDS = 5;
/** The longest provider-requested wait passed on as `Retry-After`. */
const MAX_PROVIDER_RETRY_AFTER_SECONDS = 300;

/**
 * Creates the SDK's services over an adapter and the provider / gateway ports.
 *
 * ```ts
 * const core = createSessionsCore({ adapter, videoProvider, paymentGateway });
 * const { session } = await core.createForBooking(booking);
 * ```
 */
export function createSessionsCore(config: SessionsCoreConfig) {
  const policy = policyForGateway(config.policy, config.paymentGateway);
  const meetingCallTimeoutMs = config.meetingCallTimeoutMs ?? DEFAULT_MEETING_CALL_TIMEOUT_MS;
  if (!Number.isSafeInteger(meetingCallTimeoutMs) || meetingCallTimeoutMs < 1) {
    throw new SessionError('INVALID_INPUT', 'meetingCallTimeoutMs must be a whole number ≥ 1', {
      issues: [{ path: 'meetingCallTimeoutMs', message: 'must be a whole number ≥ 1' }],
    });
  }
  const clock = config.clock ?? systemClock;
  const newId = config.ids ?? timeOrderedId;
  const { connections, events, charges } = config.adapter;
  // Every session write of the services goes through here and carries a write id.
  const sessions = withWriteIds(config.adapter.sessions);
  const settlementOptions = resolveSettlementOptions(config.settlement);
  const settlement = createSettlement({
    sessions,
    gateway: config.paymentGateway,
    clock,
    policy,
    options: settlementOptions,
    video: config.videoProvider,
    attendance: config.adapter.attendance,
  });
  const recordChargeAnswer = createChargeAnswerRecorder({ sessions, charges, events, clock, policy });
  const refunds = createRefundService({
    sessions,
    charges,
    refunds: config.adapter.refunds,
    gateway: config.paymentGateway,
    clock,
    policy,
    timeoutMs: settlementOptions.chargeTimeoutMs,
  });

  const attendance = createAttendanceService({
    attendance: config.adapter.attendance,
    clock,
    matchParticipant: config.matchParticipant,
    recordMeetingEnded: async (sessionId, endedAt) =>
      (await runCommand(sessionId, { type: 'RECORD_MEETING_ENDED', endedAt, source: 'webhook' })).session,
  });

  /** Runs one video-provider call under `meetingCallTimeoutMs`: its answer, or `'timeout'`. */
  function withinMeetingTimeLimit<T>(call: (signal: AbortSignal) => Promise<T>): Promise<{ value: T } | 'timeout'> {
    return withDeadline<{ value: T } | 'timeout'>(async (signal) => ({ value: await call(signal) }), {
      timeoutMs: meetingCallTimeoutMs,
      what: 'the video provider',
      onTimeout: () => 'timeout',
    });
  }

  /**
   * Creates the booking's meeting under the time limit. A provider that throws (other than a
   * `SessionError` of its own, such as `PROVIDER_NOT_CONNECTED`), passes the limit or answers something
   * that is not a meeting becomes `PROVIDER_UNAVAILABLE` (HTTP 503 with `Retry-After`). Whatever the
   * provider may have made is left under the booking's key for the retry to get back, except a malformed
   * answer's meeting, deleted when it names one no session holds.
   */
  async function createMeeting(input: Omit<CreateMeetingInput, 'signal'>, bookingId: string): Promise<Meeting> {
    let answer: unknown;
    try {
      const raced = await withinMeetingTimeLimit((signal) => config.videoProvider.createMeeting({ ...input, signal }));
      if (raced === 'timeout') throw providerUnavailable(input.provider, 'timeout');
      answer = raced.value;
    } catch (error) {
      if (isSessionError(error)) throw error;
      throw providerUnavailable(input.provider, 'error', error);
    }
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

  /** Best-effort clean-up of a meeting under the time limit: never throws. */
  async function deleteMeeting(input: { provider: VideoProviderName; tutorId: string; meetingId: string }): Promise<void> {
    await withinMeetingTimeLimit(() => config.videoProvider.deleteMeeting(input)).catch(() => undefined);
  }

  async function load(sessionId: string): Promise<Session> {
    const session = typeof sessionId === 'string' ? await sessions.findById(sessionId) : null;
    if (!session) throw new SessionError('NOT_FOUND', `Session ${String(sessionId)} was not found`);
    return session;
  }

  /**
   * Runs a state-machine command: read → transition → compare-and-set with its events and ledger
   * changes. A command the machine accepts without change (a repeated join) writes nothing.
   */
  function runCommand(
    sessionId: string,
    // A command that needs another read (the no-show's attendance evidence) comes as a promise, so that
    // read runs beside the session's own: one round trip of latency instead of two.
    commandOrRead: SessionCommand | Promise<SessionCommand>,
    prepare: (next: Session, now: Date) => Session = (next) => next,
  ): Promise<{ session: Session; effects: readonly SessionEffect[] }> {
    return retryCompareAndSet('The session', async () => {
      const [current, command] = await Promise.all([load(sessionId), commandOrRead]);
      const now = clock.now();
      const result = transition(current, command, now, policy);
      if (!result.ok) throw result.error;
      if (!result.changed) return { session: current, effects: result.effects };
      const [stored] = await sessions.applyWrites([
        { expectedVersion: current.version, next: prepare(result.session, now), events: result.events, ledger: result.ledger },
      ]);
      return stored ? { session: stored, effects: result.effects } : null;
    });
  }

  return {
    /**
     * The validated policy in force: `DEFAULT_POLICY` with the host's overrides, and a
     * `chargeDeadlineMinutes` that follows the gateway's idempotency-key lifetime when the host set none.
     */
    policy,
    /** The clock the services read (the HTTP layer uses it for `Retry-After`). */
    clock,

    /**
     * Creates the session for a confirmed booking, or returns the existing one (`created: false`).
     * Idempotent per `bookingId`; refuses with `PROVIDER_NOT_CONNECTED` when the tutor has no connected
     * provider. The meeting is created first (keyed by booking, so a retry gets the same meeting back),
     * under `meetingCallTimeoutMs`: a provider that fails, passes the limit or answers something that is not
     * a meeting is refused with `PROVIDER_UNAVAILABLE` (HTTP 503, `Retry-After`; nothing is stored, and a
     * meeting the provider made anyway is the one the retry gets back under the booking's key — or, named
     * by a malformed answer, is deleted).
     * When the insert fails, the session is looked up before anything is undone: the meeting is deleted
     * only when no session for the booking holds it, so a write that committed despite an error keeps
     * its meeting, and a failure leaves nothing half-made that a retry cannot finish.
     */
    async createForBooking(booking: Booking, actorId: string = SYSTEM_ACTOR): Promise<{ session: Session; created: boolean }> {
      const timings = computeSessionTimings(booking.scheduledStartAt, booking.durationMinutes, policy);
      assertValidPriceMinor(booking.priceMinor);
      for (const key of ['bookingId', 'tutorId', 'studentId'] as const) {
        if (typeof booking[key] !== 'string' || booking[key].trim() === '' || booking[key].length > 200) {
          throw new SessionError('INVALID_INPUT', `${key} must be a non-empty string of at most 200 characters`, {
            issues: [{ path: key, message: 'invalid' }],
          });
        }
      }
      if (booking.currency !== undefined && !/^[A-Z]{3}$/.test(booking.currency)) {
        throw new SessionError('INVALID_INPUT', 'currency must be a three-letter ISO 4217 code', {
          issues: [{ path: 'currency', message: 'invalid' }],
        });
      }
      if (booking.tutorId === booking.studentId) {
        throw new SessionError('INVALID_INPUT', 'A tutor cannot book themselves', {
          issues: [{ path: 'studentId', message: 'equals tutorId' }],
        });
      }
      const existing = await sessions.findByBookingId(booking.bookingId);
      if (existing) return { session: assertSameBooking(existing, booking), created: false };

      const connection = await connections.findByTutor(booking.tutorId);
      if (!connection || connection.status !== 'connected') {
        throw new SessionError(
          'PROVIDER_NOT_CONNECTED',
          connection
            ? `The tutor's ${connection.provider} connection is ${connection.status}; they must reconnect before accepting bookings`
            : 'The tutor has not connected Zoom or Google Meet',
          { tutorId: booking.tutorId },
        );
      }
      if (config.paymentMethodCheck && (await config.paymentMethodCheck(booking.studentId)) !== true) {
        throw new SessionError('NO_PAYMENT_METHOD', 'The student has no usable payment method; they must save a card before booking', {
          studentId: booking.studentId,
        });
      }
      const meeting = await createMeeting(
        {
          idempotencyKey: `itutor-booking-${booking.bookingId}`,
          provider: connection.provider,
          tutorId: booking.tutorId,
          topic: 'Tutoring session',
          startAt: timings.scheduledStartAt,
          durationMinutes: timings.durationMinutes,
        },
        booking.bookingId,
      );
      const now = clock.now();
      const session: Session = {
        id: newId(),
        bookingId: booking.bookingId,
        tutorId: booking.tutorId,
        studentId: booking.studentId,
        status: 'SCHEDULED',
        version: 1,
        ...timings,
        priceMinor: booking.priceMinor,
        currency: booking.currency ?? policy.currency,
        provider: connection.provider,
        meetingId: meeting.meetingId,
        joinUrl: meeting.joinUrl,
        studentJoinedAt: null,
        tutorJoinedAt: null,
        meetingEndedAt: null,
        finalizedAt: null,
        cancelledBy: null,
        chargeAmountMinor: null,
        payoutAmountMinor: null,
        platformFeeMinor: null,
        chargeStatus: 'none',
        chargeIdempotencyKey: null,
        chargeAttempts: 0,
        chargeReference: null,
        claimedUntil: null,
        createdAt: now,
        updatedAt: now,
      };
      const created: SessionEventDraft = {
        type: 'session.created',
        sessionId: session.id,
        tutorId: session.tutorId,
        actor: actorId,
        occurredAt: now,
        payload: { bookingId: booking.bookingId, provider: connection.provider, priceMinor: booking.priceMinor },
      };
      const dropMeeting = () => deleteMeeting({ provider: connection.provider, tutorId: booking.tutorId, meetingId: meeting.meetingId });
      let result;
      try {
        result = await sessions.insert(session, [created]);
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
        if (stored.meetingId !== meeting.meetingId) await dropMeeting();
        return { session: assertSameBooking(stored, booking), created: stored.id === session.id };
      }
      if (!result.inserted && result.session.meetingId !== meeting.meetingId) await dropMeeting();
      return { session: result.inserted ? result.session : assertSameBooking(result.session, booking), created: result.inserted };
    },

    /**
     * Records `userId`'s join (first join time per role) and returns the meeting URL. Refuses before
     * `joinOpensAt` (`TOO_EARLY` with `details.availableAt`) and once the session is final.
     */
    async join(input: { sessionId: string; userId: string }): Promise<{ session: Session; joinUrl: string }> {
      const { session } = await runCommand(input.sessionId, { type: 'JOIN', actorId: input.userId });
      return { session, joinUrl: session.joinUrl };
    },

    /**
     * The tutor marks the student absent: `NO_SHOW_STUDENT`, 50 % charged, and the charge is sent at
     * once under the call's time limit. Returns the session after that attempt; a charge whose answer
     * is unknown (or that timed out) stays `pending` and the cron completes it.
     */
    async markNoShow(input: { sessionId: string; userId: string }): Promise<Session> {
      // The provider's evidence of the student's join (the machine refuses with STUDENT_JOINED, source
      // 'provider', when it falls within the wait). Without attendance storage: the Join button alone.
      // Read beside the session (runCommand awaits both), once: a retry after a conflict reuses it.
      const attendanceStore = config.adapter.attendance;
      const command: Promise<SessionCommand> = (
        attendanceStore && typeof input.sessionId === 'string' ? attendanceStore.listBySession(input.sessionId) : Promise.resolve(null)
      ).then((entries) => ({
        type: 'MARK_NO_SHOW',
        actorId: input.userId,
        providerStudentJoinedAt: entries ? earliestStudentJoin(entries) : null,
      }));
      const { session } = await runCommand(input.sessionId, command, (next, now) => ({
        ...next,
        // Lease the charge to this call so a cron run does not send it at the same moment.
        claimedUntil: next.chargeStatus === 'pending' ? leaseEnd(now, settlementOptions.leaseMinutes) : next.claimedUntil,
      }));
      if (session.chargeStatus !== 'pending' || session.chargeIdempotencyKey === null) return session;
      return settlement.chargeNow(session);
    },

    /**
     * Records when the meeting ended (provider webhooks, reconciliation). Refuses an end before the
     * session could start (before `joinOpensAt`) or in the future with `INVALID_INPUT`, and any report
     * once the session is final. When several reports arrive, the latest end wins: a report of an
     * earlier or equal end changes nothing.
     */
    async recordMeetingEnded(input: { sessionId: string; endedAt: Date }): Promise<Session> {
      assertValidInstant(input.endedAt, 'endedAt');
      return (await runCommand(input.sessionId, { type: 'RECORD_MEETING_ENDED', endedAt: input.endedAt })).session;
    },

    /**
     * Records a verified provider meeting event (a `ProviderMeetingEvent` of `@itutor/sessions-video` fits:
     * `onMeetingEvent: (e) => core.recordMeetingEvent(e)`). Finds the session by (provider, meetingId):
     * none → `{ status: 'unknown_meeting' }` (acknowledge it; never a throw). Joins and leaves are stored
     * once per (provider, eventId) with an `attendance.recorded` event, matched by `matchParticipant`
     * (`duplicate` for a replay). A meeting end goes through `RECORD_MEETING_ENDED` (the last end wins); an
     * end before `joinOpensAt`, far in the future or after the session became final is ignored and logged
     * as a `session.meeting_end_ignored` event. `meeting.started` is acknowledged (`ignored`). Refuses
     * malformed events with `INVALID_INPUT` and an adapter without attendance storage with
     * `ATTENDANCE_NOT_SUPPORTED`.
     */
    recordMeetingEvent(event: MeetingEventInput): Promise<MeetingEventOutcome> {
      return attendance.recordMeetingEvent(event);
    },

    /** Whether the adapter stores provider-reported attendance (`SessionsAdapter.attendance`). */
    attendanceSupported: config.adapter.attendance !== undefined,

    /**
     * A session's provider-reported joins and leaves, by time (server-side: includes participants'
     * e-mails). Empty when the adapter has no attendance storage.
     */
    listAttendance(sessionId: string): Promise<AttendanceEntry[]> {
      return attendance.listAttendance(sessionId);
    },

    /** Cancels before the scheduled start, by the tutor, the student or the platform. No charge. */
    async cancel(input: { sessionId: string; userId: string; by: CancelledBy; reason?: string }): Promise<Session> {
      const command: SessionCommand = { type: 'CANCEL', actorId: input.userId, by: input.by };
      return (await runCommand(input.sessionId, input.reason ? { ...command, reason: input.reason } : command)).session;
    },

    /**
     * Settles every session whose scheduled end has passed, and sends every charge still to be
     * collected (unknown answers under the same key, declined ones under a new attempt's key). Works in
     * claimed batches within `settlement.runBudgetMs`; safe to run concurrently (each session is settled
     * once, by whichever run claims it; a racing no-show simply wins or loses its compare-and-set).
     */
    settleDueSessions(): Promise<SettlementReport> {
      return settlement.settleDueSessions();
    },

    /**
     * Records a payment gateway's answer for one ledger attempt that arrived outside settlement (a
     * payment webhook such as Stripe's `payment_intent.succeeded`), through the same compare-and-set as
     * every other command. Idempotent: a repeated answer changes nothing. The open attempt's `succeeded`
     * or `failed` answer is recorded as settlement records it; an `unknown` answer changes nothing (the
     * attempt is retried under its key anyway); a `succeeded` answer for an attempt that is no longer open
     * is a late success — recorded, and flagged for a person with a `charge.needs_attention` event
     * (`reason: 'late_success'`); a decline of an attempt no longer open changes nothing. See
     * `decideChargeAnswer` for the exact rules. Refuses an unknown session or attempt with `NOT_FOUND`.
     */
    recordChargeAnswer(input: ChargeAnswerInput): Promise<ChargeAnswerReport> {
      return recordChargeAnswer(input);
    },

    /**
     * Refunds all or part of a session's succeeded charge. The refund is opened first — a ledger row with its
     * own idempotency key (`refundIdempotencyKey`), its amount split into payout and fee parts by
     * `refundSplit`, and a `refund.requested` event, in one compare-and-set through the state machine — then
     * the gateway's `refund` is called under the settlement's `chargeTimeoutMs`, and its answer recorded
     * (`refund.succeeded`, `refund.pending`, `refund.failed` or `refund.unknown`). An unknown answer (a throw,
     * a timeout) leaves the refund `unknown`: `retryRefunds()` sends it again under the same key, never a
     * second key. `amountMinor` defaults to all that is left of the charge.
     *
     * Refusals (every code it answers): `NOTHING_TO_REFUND` (no succeeded charge, or already refunded in
     * full), `REFUND_EXCEEDS_CHARGE` (more than is left; `details.refundableMinor` says how much is),
     * `INVALID_INPUT`, `NOT_FOUND`, `REFUNDS_NOT_SUPPORTED` (the gateway has no `refund`, or the adapter no
     * refund ledger), and `CONFLICT` only when storage keeps refusing the refund's write while the session
     * does not change (a lagging read replica or an adapter defect; nothing was stored or sent: try again).
     * Racing refunds of one charge are decided one after the other: a refund that loses a race is judged
     * again against the winner, as often as others keep winning, until it is opened or refused for what is
     * left — never `CONFLICT` for an ordinary race. Once opened and sent, it is answered as stored even when
     * its answer cannot be recorded (then still `pending`; `retryRefunds()` completes it), so an error never
     * invites a second refund. Storage refuses any write that would refund more than the charge. The core
     * does not decide who may refund: check `actorId`'s rights before calling.
     */
    refundCharge(input: RefundChargeInput): Promise<RefundReport> {
      return refunds.refundCharge(input);
    },

    /**
     * Sends again, each under its own key, the refunds whose answer is unknown and those opened but never
     * answered (the process stopped in between), once one call's time limit has passed since their last
     * answer; records the answers. Run it from the cron beside `settleDueSessions()`. At most `limit`
     * (default 100, at most 1000) refunds per pass.
     */
    retryRefunds(options: { limit?: number } = {}): Promise<RefundRetryReport> {
      return refunds.retryRefunds(options);
    },

    /**
     * Records a gateway's answer for refund number `refund` that arrived outside `refundCharge` (a payment
     * webhook). Only an open refund (`pending` or `unknown`) takes it; an answer for a refund already
     * `succeeded` or `failed` changes nothing. The answer is validated like a gateway's (anything malformed is
     * `unknown`).
     */
    recordRefundAnswer(input: { sessionId: string; refund: number; result: unknown }): Promise<RefundReport> {
      return refunds.recordRefundAnswer(input);
    },

    /** A session's refunds by number (server-side: includes keys and references; see `toPublicRefund`). */
    listRefunds(sessionId: string): Promise<Refund[]> {
      return refunds.listRefunds(sessionId);
    },

    /** A session's charge ledger: every attempt, oldest first (server-side: includes keys and references). */
    listCharges(sessionId: string): Promise<ChargeAttempt[]> {
      return charges.listBySession(sessionId);
    },

    /**
     * **Server-only.** Sessions whose charge failed for good (attempts or time used up, or halted;
     * `chargeStatus = 'failed'`), oldest first, as stored: with each session's join URL and meeting id, its
     * charge idempotency key and gateway reference — what an operator needs to reconcile with the gateway,
     * and what must never reach a browser. For a page, use `listChargeAttentionSummaries` (no secret
     * fields, with the reason). Each has a `charge.needs_attention` event saying why. At most `limit`
     * (default 100, 1–1000).
     */
    listChargesNeedingAttention(options: { limit?: number } = {}): Promise<Session[]> {
      return charges.listNeedingAttention({ limit: attentionLimit(options) });
    },

    /**
     * The charges that need a person, browser-safe: for each session of `listChargesNeedingAttention` (same
     * order and `limit`), its `PublicSession` (no join URL, meeting id, idempotency key or gateway reference)
     * and the reason, code and time of its latest `charge.needs_attention` event (`ChargeAttentionSummary`).
     * Reads each session's events (at most 8 reads at once). Who may see the list is the host's call.
     */
    async listChargeAttentionSummaries(options: { limit?: number } = {}): Promise<ChargeAttentionSummary[]> {
      const listed = await charges.listNeedingAttention({ limit: attentionLimit(options) });
      const summaries: ChargeAttentionSummary[] = new Array(listed.length);
      let next = 0;
      const worker = async () => {
        while (next < listed.length) {
          const index = next++;
          const session = listed[index]!;
          summaries[index] = toChargeAttentionSummary(session, await events.listBySession(session.id));
        }
      };
      await Promise.all(Array.from({ length: Math.min(8, listed.length) }, worker));
      return summaries;
    },

    /** A session by id, or `null`. */
    getSession(sessionId: string): Promise<Session | null> {
      return sessions.findById(sessionId);
    },

    /** A session by its booking, or `null`. */
    getSessionByBooking(bookingId: string): Promise<Session | null> {
      return sessions.findByBookingId(bookingId);
    },

    /** A session's audit events, oldest first. */
    listEvents(sessionId: string): Promise<SessionEvent[]> {
      return events.listBySession(sessionId);
    },

    /** The tutor's provider connection (without tokens), or `null`. */
    getProviderConnection(tutorId: string): Promise<ProviderConnection | null> {
      return connections.findByTutor(tutorId);
    },

    /** True when the tutor has a `connected` provider and so can accept bookings. */
    async canAcceptBookings(tutorId: string): Promise<boolean> {
      return (await connections.findByTutor(tutorId))?.status === 'connected';
    },

    /**
     * Connects Zoom or Google Meet for a tutor, replacing any existing connection in one step (switching
     * or reconnecting), with its tokens and a `provider.connected` / `provider.switched` event.
     * Tokens must be sealed (encrypted; `@itutor/sessions-video` seals them): plaintext tokens are
     * refused with `INVALID_INPUT`. They are stored server-side only.
     */
    async connectProvider(input: {
      tutorId: string;
      provider: VideoProviderName;
      tokens: SealedProviderTokens | null;
      externalAccountId?: string | null;
      actorId?: string;
    }): Promise<ProviderConnection> {
      if (input.provider !== 'zoom' && input.provider !== 'google_meet') {
        throw new SessionError('INVALID_INPUT', `provider must be "zoom" or "google_meet"`, {
          issues: [{ path: 'provider', message: 'unknown provider' }],
        });
      }
      assertSealedTokens(input.tokens);
      return retryCompareAndSet('The connection', async () => {
        const current = await connections.findByTutor(input.tutorId);
        const now = clock.now();
        const connection: ProviderConnection = {
          tutorId: input.tutorId,
          provider: input.provider,
          status: 'connected',
          externalAccountId: input.externalAccountId ?? null,
          version: (current?.version ?? 0) + 1,
          connectedAt: now,
          updatedAt: now,
        };
        const event: SessionEventDraft = {
          type: current ? 'provider.switched' : 'provider.connected',
          sessionId: null,
          tutorId: input.tutorId,
          actor: input.actorId ?? input.tutorId,
          occurredAt: now,
          payload: { provider: input.provider, previousProvider: current?.provider ?? null },
        };
        return connections.save(connection, input.tokens, event, current ? current.version : null);
      });
    },

    /**
     * Always refused with `DISCONNECT_REQUIRES_REPLACEMENT`: a tutor must keep one provider. Switch with
     * `connectProvider` instead. Exists so hosts get the rule's error rather than inventing their own.
     */
    async disconnectProvider(input: { tutorId: string }): Promise<never> {
      throw new SessionError(
        'DISCONNECT_REQUIRES_REPLACEMENT',
        'A tutor cannot disconnect their video provider without connecting a replacement',
        { tutorId: input.tutorId },
      );
    },

    /** Marks a tutor's connection `expired` / `invalid` (e.g. refresh failed) or `connected` again. */
    async setProviderStatus(input: {
      tutorId: string;
      status: ProviderConnection['status'];
      actorId?: string;
    }): Promise<ProviderConnection> {
      return retryCompareAndSet('The connection', async () => {
        const current = await connections.findByTutor(input.tutorId);
        if (!current) throw new SessionError('NOT_FOUND', `Tutor ${input.tutorId} has no provider connection`);
        const now = clock.now();
        return connections.save(
          { ...current, status: input.status, version: current.version + 1, updatedAt: now },
          // The tokens stay as they are: rewriting them here could undo a refresh that just stored a
          // rotated (single-use) refresh token.
          'keep',
          {
            type: 'provider.status_changed',
            sessionId: null,
            tutorId: input.tutorId,
            actor: input.actorId ?? SYSTEM_ACTOR,
            occurredAt: now,
            payload: { provider: current.provider, from: current.status, to: input.status },
          },
          current.version,
        );
      });
    },
  };
}

/** The services returned by {@link createSessionsCore}. */
export type SessionsCore = ReturnType<typeof createSessionsCore>;

const isSealedToken = (value: unknown): boolean =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { keyId?: unknown }).keyId === 'string' &&
  (value as { keyId: string }).keyId !== '' &&
  typeof (value as { ciphertext?: unknown }).ciphertext === 'string' &&
  (value as { ciphertext: string }).ciphertext !== '';

/** Refuses anything but sealed tokens (or `null`); the message never repeats what was passed. */
function assertSealedTokens(tokens: unknown): asserts tokens is SealedProviderTokens | null {
  if (tokens === null) return;
  const t = tokens as Partial<Record<keyof SealedProviderTokens, unknown>> | undefined;
  const problem =
    typeof t !== 'object' || t === null
      ? 'must be sealed tokens or null'
      : !isSealedToken(t.accessToken)
        ? 'accessToken must be a sealed token ({ keyId, ciphertext }); plaintext tokens are never stored'
        : t.refreshToken !== null && !isSealedToken(t.refreshToken)
          ? 'refreshToken must be a sealed token ({ keyId, ciphertext }) or null; plaintext tokens are never stored'
          : t.expiresAt !== null && !(t.expiresAt instanceof Date && !Number.isNaN(t.expiresAt.getTime()))
            ? 'expiresAt must be a valid Date or null'
            : null;
  if (problem !== null) {
    throw new SessionError('INVALID_INPUT', `tokens ${problem} (seal them with sealProviderTokens from @itutor/sessions-video)`, {
      issues: [{ path: 'tokens', message: problem }],
    });
  }
}

/** The `limit` of the attention lists: whole, 1–1000, default 100. */
function attentionLimit(options: { limit?: number } | undefined): number {
  const limit = options?.limit ?? 100;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) {
    throw new SessionError('INVALID_INPUT', 'limit must be a whole number from 1 to 1000', {
      issues: [{ path: 'limit', message: 'out of range' }],
    });
  }
  return limit;
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
 * `PROVIDER_UNAVAILABLE`: the video provider could not create the meeting (threw, passed the time limit, or
 * answered something that is not a meeting). `details`: `provider`, `reason` (`error`, `timeout`,
 * `malformed_answer`), `retryAfterSeconds` (the provider's own requested wait when it gave one, e.g. a rate
 * limit, else 5), and `providerCode` when the provider's error carried a string `code`. The message never
 * repeats the provider's (it may hold details of the host's account); the error is its `cause`.
 */
function providerUnavailable(provider: VideoProviderName, reason: 'error' | 'timeout' | 'malformed_answer', cause?: unknown): SessionError {
  const asked = (cause as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  const retryAfterSeconds =
    typeof asked === 'number' && Number.isFinite(asked) && asked > 0
      ? Math.min(MAX_PROVIDER_RETRY_AFTER_SECONDS, Math.ceil(asked / 1000))
      : PROVIDER_RETRY_AFTER_SECONDS;
  const code = (cause as { code?: unknown } | undefined)?.code;
  const what =
    reason === 'timeout' ? 'did not answer in time' : reason === 'malformed_answer' ? 'answered something that is not a meeting' : 'failed';
  const error = new SessionError('PROVIDER_UNAVAILABLE', `The video provider (${provider}) ${what} while creating the meeting; try again shortly`, {
    provider,
    reason,
    retryAfterSeconds,
    ...(typeof code === 'string' && code.length <= 100 ? { providerCode: code } : {}),
  });
  if (cause !== undefined) Object.defineProperty(error, 'cause', { value: cause, enumerable: false, configurable: true, writable: true });
  return error;
}

/**
 * The policy in force: the host's overrides validated, with a charge deadline the gateway's idempotency
 * keys outlive. An unknown answer is retried under the same key until the deadline, and a gateway that
 * has forgotten the key (Stripe: after 24 hours) would take the money a second time. So when the host
 * leaves `chargeDeadlineMinutes` unset, it follows the gateway's declared lifetime
 * (`chargeDeadlineForKeyLifetime`), and a deadline the host sets at or past the lifetime is refused.
 */
function policyForGateway(overrides: Partial<SessionPolicy> | undefined, gateway: PaymentGateway): SessionPolicy {
  const lifetime = gateway?.idempotencyKeyLifetimeMinutes;
  if (lifetime !== undefined && (!Number.isSafeInteger(lifetime) || lifetime < 1)) {
    throw new SessionError('INVALID_POLICY', 'paymentGateway.idempotencyKeyLifetimeMinutes must be a whole number ≥ 1', {
      issues: [{ path: 'paymentGateway.idempotencyKeyLifetimeMinutes', message: 'must be a whole number ≥ 1' }],
    });
  }
  const explicit = overrides?.chargeDeadlineMinutes !== undefined;
  const policy = definePolicy(
    explicit || lifetime === undefined ? overrides : { ...overrides, chargeDeadlineMinutes: chargeDeadlineForKeyLifetime(lifetime) },
  );
  if (lifetime === undefined || policy.chargeDeadlineMinutes < lifetime) return policy;
  if (!explicit) {
    // Only a 1-minute lifetime gets here: the smallest deadline the policy allows is 1 minute.
    const message = `leaves no charge deadline under it (the shortest deadline is 1 minute)`;
    throw new SessionError('INVALID_POLICY', `Invalid session policy: the payment gateway's idempotency-key lifetime (${lifetime} minutes) ${message}`, {
      issues: [{ path: 'paymentGateway.idempotencyKeyLifetimeMinutes', message }],
    });
  }
  const message = `must be less than the payment gateway's idempotency-key lifetime (${lifetime} minutes): a retry after the gateway forgot the key could charge twice`;
  throw new SessionError('INVALID_POLICY', `Invalid session policy: chargeDeadlineMinutes (${policy.chargeDeadlineMinutes}) ${message}`, {
    issues: [{ path: 'chargeDeadlineMinutes', message }],
  });
}

function assertSameBooking(existing: Session, booking: Booking): Session {
  const same =
    existing.tutorId === booking.tutorId &&
    existing.studentId === booking.studentId &&
    existing.scheduledStartAt.getTime() === booking.scheduledStartAt.getTime() &&
    existing.durationMinutes === booking.durationMinutes &&
    existing.priceMinor === booking.priceMinor;
  if (!same) {
    throw new SessionError(
      'BOOKING_CONFLICT',
      `A session for booking ${booking.bookingId} already exists with different details`,
      { sessionId: existing.id },
    );
  }
  return existing;
}
