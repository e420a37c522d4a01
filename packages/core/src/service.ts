import { addMinutes } from 'date-fns';
import { createChargeAnswerRecorder, type ChargeAnswerInput, type ChargeAnswerReport } from './charge-answers';
import { retryCompareAndSet } from './compare-and-set';
import { SessionError } from './errors';
import { SYSTEM_ACTOR, transition, type SessionCommand, type SessionEffect } from './machine';
import { assertValidPriceMinor } from './money';
import { definePolicy, type SessionPolicy } from './policy';
import {
  timeOrderedId,
  systemClock,
  type Booking,
  type Clock,
  type IdGenerator,
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
} from './session';
import { earliestStudentJoin, type AttendanceEntry, type MatchParticipant, type MeetingEventInput, type MeetingEventOutcome } from './attendance';
import { createAttendanceService } from './attendance-service';
import { createRefundService, type RefundChargeInput, type RefundReport, type RefundRetryReport } from './refund-service';
import type { Refund } from './refunds';
import { createSettlement, resolveSettlementOptions, type SettlementOptions, type SettlementReport } from './settlement';
import { withWriteIds } from './write-ids';
import { assertValidInstant, computeSessionTimings } from './timing';

export type { SettlementOptions, SettlementReport } from './settlement';
export type { RefundChargeInput, RefundReport, RefundRetryReport } from './refund-service';

/** Everything the services need. */
export interface SessionsCoreConfig {
  readonly adapter: SessionsAdapter;
  readonly videoProvider: VideoProvider;
  readonly paymentGateway: PaymentGateway;
  /** Default: the system clock. Tests pass a manual clock. */
  readonly clock?: Clock;
  /** Ids of new sessions. Default: time-ordered UUID v7 (`timeOrderedId`); `randomId` for v4. */
  readonly ids?: IdGenerator;
  /** Overrides of `DEFAULT_POLICY`; validated once here. */
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
}

/**
 * Creates the SDK's services over an adapter and the provider / gateway ports.
 *
 * ```ts
 * const core = createSessionsCore({ adapter, videoProvider, paymentGateway });
 * const { session } = await core.createForBooking(booking);
 * ```
 */
export function createSessionsCore(config: SessionsCoreConfig) {
  const policy = definePolicy(config.policy);
  assertDeadlineWithinKeyLifetime(policy, config.paymentGateway);
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
  const leaseFrom = (now: Date) => addMinutes(now, settlementOptions.leaseMinutes);
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
    /** The validated policy in force. */
    policy,
    /** The clock the services read (the HTTP layer uses it for `Retry-After`). */
    clock,

    /**
     * Creates the session for a confirmed booking, or returns the existing one (`created: false`).
     * Idempotent per `bookingId`; refuses with `PROVIDER_NOT_CONNECTED` when the tutor has no connected
     * provider. The meeting is created first (keyed by booking, so a retry gets the same meeting back).
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
      const meeting = await config.videoProvider.createMeeting({
        idempotencyKey: `itutor-booking-${booking.bookingId}`,
        provider: connection.provider,
        tutorId: booking.tutorId,
        topic: 'Tutoring session',
        startAt: timings.scheduledStartAt,
        durationMinutes: timings.durationMinutes,
      });
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
      const dropMeeting = () =>
        config.videoProvider
          .deleteMeeting({ provider: connection.provider, tutorId: booking.tutorId, meetingId: meeting.meetingId })
          .catch(() => undefined);
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
        claimedUntil: next.chargeStatus === 'pending' ? leaseFrom(now) : next.claimedUntil,
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
     * Refusals: `NOTHING_TO_REFUND` (no succeeded charge, or already refunded in full),
     * `REFUND_EXCEEDS_CHARGE` (more than is left; `details.refundableMinor` says how much is),
     * `INVALID_INPUT`, `NOT_FOUND`, `REFUNDS_NOT_SUPPORTED` (the gateway has no `refund`, or the adapter no
     * refund ledger). Racing refunds of one charge are decided one after the other (the loser re-reads and is
     * judged again), and storage refuses any write that would refund more than the charge. The core does not
     * decide who may refund: check `actorId`'s rights before calling.
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
     * Sessions whose charge failed for good (attempts or time used up; `chargeStatus = 'failed'`), oldest
     * first: a person must look at them. Each has a `charge.needs_attention` event saying why.
     */
    listChargesNeedingAttention(options: { limit?: number } = {}): Promise<Session[]> {
      const limit = options.limit ?? 100;
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) {
        throw new SessionError('INVALID_INPUT', 'limit must be a whole number from 1 to 1000', {
          issues: [{ path: 'limit', message: 'out of range' }],
        });
      }
      return charges.listNeedingAttention({ limit });
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

/**
 * Refuses a charge deadline the gateway's idempotency keys do not outlive: an unknown answer is retried
 * under the same key until the deadline, and a gateway that has forgotten the key (Stripe: after 24 hours)
 * would take the money a second time.
 */
function assertDeadlineWithinKeyLifetime(policy: SessionPolicy, gateway: PaymentGateway): void {
  const lifetime = gateway?.idempotencyKeyLifetimeMinutes;
  if (lifetime === undefined) return;
  if (!Number.isSafeInteger(lifetime) || lifetime < 1) {
    throw new SessionError('INVALID_POLICY', 'paymentGateway.idempotencyKeyLifetimeMinutes must be a whole number ≥ 1', {
      issues: [{ path: 'paymentGateway.idempotencyKeyLifetimeMinutes', message: 'must be a whole number ≥ 1' }],
    });
  }
  if (policy.chargeDeadlineMinutes >= lifetime) {
    const message = `must be less than the payment gateway's idempotency-key lifetime (${lifetime} minutes): a retry after the gateway forgot the key could charge twice`;
    throw new SessionError('INVALID_POLICY', `Invalid session policy: chargeDeadlineMinutes (${policy.chargeDeadlineMinutes}) ${message}`, {
      issues: [{ path: 'chargeDeadlineMinutes', message }],
    });
  }
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
