import { addMinutes } from 'date-fns';
import { SessionError } from './errors';
import { chargeInstructionFor, SYSTEM_ACTOR, transition, type SessionCommand, type SessionEffect } from './machine';
import { assertValidPriceMinor } from './money';
import { definePolicy, type SessionPolicy } from './policy';
import {
  randomId,
  systemClock,
  type Booking,
  type ChargeResult,
  type Clock,
  type IdGenerator,
  type PaymentGateway,
  type SessionsAdapter,
  type SessionWrite,
  type VideoProvider,
} from './ports';
import type {
  CancelledBy,
  ProviderConnection,
  ProviderTokens,
  Session,
  SessionEvent,
  SessionEventDraft,
  VideoProviderName,
} from './session';
import { isFinalStatus } from './status';
import { computeSessionTimings } from './timing';

/** Tuning of settlement runs. */
export interface SettlementOptions {
  /** Sessions claimed per batch (one claim and one batched write per batch). Default 500. */
  readonly batchSize?: number;
  /**
   * Claim loops run side by side in one run (their claims never overlap), so the database works on one
   * batch while the gateway answers for another. Default 1.
   */
  readonly concurrency?: number;
  /** Stop after this many batches in one run (bounds a cron tick). Default 100. */
  readonly maxBatches?: number;
  /** Lease on claimed sessions, in minutes; a crashed worker's sessions are retried after it. Default 5. */
  readonly leaseMinutes?: number;
  /** Charges in flight at once. Default 32. */
  readonly chargeConcurrency?: number;
  /** A failed charge is retried until it has been attempted this often. Default 5. */
  readonly maxChargeAttempts?: number;
  /** Minutes before a failed charge is retried. Default 5. */
  readonly chargeRetryMinutes?: number;
}

/** Everything the services need. */
export interface SessionsCoreConfig {
  readonly adapter: SessionsAdapter;
  readonly videoProvider: VideoProvider;
  readonly paymentGateway: PaymentGateway;
  /** Default: the system clock. Tests pass a manual clock. */
  readonly clock?: Clock;
  /** Default: random UUIDs. */
  readonly ids?: IdGenerator;
  /** Overrides of `DEFAULT_POLICY`; validated once here. */
  readonly policy?: Partial<SessionPolicy>;
  readonly settlement?: SettlementOptions;
}

/** What one settlement run did. */
export interface SettlementReport {
  readonly completed: number;
  readonly earlyEnded: number;
  /** Sessions another actor changed first (for example a no-show racing the cron); not an error. */
  readonly conflicts: number;
  readonly chargesSucceeded: number;
  readonly chargesFailed: number;
  /** Charges whose result is unknown (the gateway threw); retried after the lease. */
  readonly chargesPending: number;
}

const MAX_COMMAND_ATTEMPTS = 5;

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
  const clock = config.clock ?? systemClock;
  const newId = config.ids ?? randomId;
  const { sessions, connections, events } = config.adapter;
  const settlementOptions = {
    batchSize: 500,
    concurrency: 1,
    maxBatches: 100,
    leaseMinutes: 5,
    chargeConcurrency: 32,
    maxChargeAttempts: 5,
    chargeRetryMinutes: 5,
    ...config.settlement,
  };
  const badOptions = Object.entries(settlementOptions).filter(([, v]) => !Number.isSafeInteger(v) || (v as number) < 1);
  if (badOptions.length > 0) {
    throw new SessionError(
      'INVALID_INPUT',
      `settlement options must be whole numbers ≥ 1: ${badOptions.map(([k]) => k).join(', ')}`,
      { issues: badOptions.map(([k]) => ({ path: `settlement.${k}`, message: 'must be a whole number ≥ 1' })) },
    );
  }

  async function load(sessionId: string): Promise<Session> {
    const session = typeof sessionId === 'string' ? await sessions.findById(sessionId) : null;
    if (!session) throw new SessionError('NOT_FOUND', `Session ${String(sessionId)} was not found`);
    return session;
  }

  /**
   * Read → transition → compare-and-set, re-reading on a lost race so the command is judged against
   * the winner's state (a no-show that loses to settlement then fails with `SESSION_FINAL`).
   */
  async function runCommand(
    sessionId: string,
    command: SessionCommand,
    prepare: (next: Session, now: Date) => Session = (next) => next,
  ): Promise<{ session: Session; effects: readonly SessionEffect[] }> {
    for (let attempt = 0; attempt < MAX_COMMAND_ATTEMPTS; attempt++) {
      const current = await load(sessionId);
      const now = clock.now();
      const result = transition(current, command, now, policy);
      if (!result.ok) throw result.error;
      const [stored] = await sessions.applyWrites([
        { expectedVersion: current.version, next: prepare(result.session, now), events: result.events },
      ]);
      if (stored) return { session: stored, effects: result.effects };
    }
    throw new SessionError('CONFLICT', 'The session kept changing; try again');
  }

  async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
    const results = new Array<R>(items.length);
    let index = 0;
    const worker = async () => {
      while (index < items.length) {
        const i = index++;
        results[i] = await fn(items[i] as T);
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return results;
  }

  /**
   * Sends each session's pending charge to the gateway and records the answers in one batched write.
   * A thrown gateway call leaves the charge `pending` under its lease, to be retried with the same key.
   */
  async function runCharges(pending: readonly Session[]) {
    const tally = { succeeded: 0, failed: 0, pending: 0 };
    const answers = await mapLimited(pending, settlementOptions.chargeConcurrency, async (session) => {
      try {
        return await config.paymentGateway.charge(chargeInstructionFor(session));
      } catch {
        return null;
      }
    });
    const writes: SessionWrite[] = [];
    const now = clock.now();
    pending.forEach((session, i) => {
      const answer: ChargeResult | null = answers[i] ?? null;
      if (answer === null) {
        tally.pending++;
        return;
      }
      const result = transition(session, { type: 'RECORD_CHARGE_RESULT', ...answer }, now, policy);
      if (!result.ok) return;
      const claimedUntil = answer.status === 'failed' ? addMinutes(now, settlementOptions.chargeRetryMinutes) : null;
      writes.push({ expectedVersion: session.version, next: { ...result.session, claimedUntil }, events: result.events });
    });
    const stored = writes.length > 0 ? await sessions.applyWrites(writes) : [];
    stored.forEach((s) => {
      if (s?.chargeStatus === 'succeeded') tally.succeeded++;
      else if (s?.chargeStatus === 'failed') tally.failed++;
    });
    const bySession = new Map(stored.filter((s): s is Session => s !== null).map((s) => [s.id, s]));
    return { tally, latest: bySession };
  }

  const leaseFrom = (now: Date) => addMinutes(now, settlementOptions.leaseMinutes);

  return {
    /** The validated policy in force. */
    policy,
    /** The clock the services read (the HTTP layer uses it for `Retry-After`). */
    clock,

    /**
     * Creates the session for a confirmed booking, or returns the existing one (`created: false`).
     * Idempotent per `bookingId`; refuses with `PROVIDER_NOT_CONNECTED` when the tutor has no connected
     * provider. The meeting is created first (keyed by booking) and deleted again if the session row
     * cannot be written, so a failure leaves neither an orphan meeting nor a half-made row.
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
        await dropMeeting();
        throw error;
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
     * The tutor marks the student absent: `NO_SHOW_STUDENT`, 50 % charged, and the charge is sent.
     * Returns the session after the charge attempt.
     */
    async markNoShow(input: { sessionId: string; userId: string }): Promise<Session> {
      const { session } = await runCommand(input.sessionId, { type: 'MARK_NO_SHOW', actorId: input.userId }, (next, now) => ({
        ...next,
        claimedUntil: next.chargeStatus === 'pending' ? leaseFrom(now) : next.claimedUntil,
      }));
      if (session.chargeStatus !== 'pending') return session;
      const { latest } = await runCharges([session]);
      return latest.get(session.id) ?? session;
    },

    /** Records when the meeting ended (called by provider webhooks). Refuses once the session is final. */
    async recordMeetingEnded(input: { sessionId: string; endedAt: Date }): Promise<Session> {
      return (await runCommand(input.sessionId, { type: 'RECORD_MEETING_ENDED', endedAt: input.endedAt })).session;
    },

    /** Cancels before the scheduled start, by the tutor, the student or the platform. No charge. */
    async cancel(input: { sessionId: string; userId: string; by: CancelledBy; reason?: string }): Promise<Session> {
      const command: SessionCommand = { type: 'CANCEL', actorId: input.userId, by: input.by };
      return (await runCommand(input.sessionId, input.reason ? { ...command, reason: input.reason } : command)).session;
    },

    /**
     * Settles every session whose scheduled end has passed, and retries charges that failed or whose
     * result is unknown. Works in claimed batches; safe to run concurrently (each session is settled
     * once, by whichever run claims it; a racing no-show simply wins or loses its compare-and-set).
     */
    async settleDueSessions(): Promise<SettlementReport> {
      const report = { completed: 0, earlyEnded: 0, conflicts: 0, chargesSucceeded: 0, chargesFailed: 0, chargesPending: 0 };
      let batches = 0;
      const claimLoop = async () => {
        while (batches++ < settlementOptions.maxBatches) {
          const now = clock.now();
          const claimed = await sessions.claimForSettlement({
            now,
            limit: settlementOptions.batchSize,
            claimUntil: leaseFrom(now),
            maxChargeAttempts: settlementOptions.maxChargeAttempts,
          });
          if (claimed.length === 0) break;

          const writes: SessionWrite[] = [];
          const retries: Session[] = [];
          for (const session of claimed) {
            if (isFinalStatus(session.status)) {
              if (session.chargeStatus === 'pending' || session.chargeStatus === 'failed') retries.push(session);
              continue;
            }
            const result = transition(session, { type: 'SETTLE' }, now, policy);
            if (result.ok) writes.push({ expectedVersion: session.version, next: result.session, events: result.events });
          }
          const stored = writes.length > 0 ? await sessions.applyWrites(writes) : [];
          const toCharge = [...retries];
          for (const s of stored) {
            if (s === null) report.conflicts++;
            else {
              if (s.status === 'COMPLETED_ASSUMED') report.completed++;
              else if (s.status === 'EARLY_END_SHORT') report.earlyEnded++;
              if (s.chargeStatus === 'pending') toCharge.push(s);
            }
          }
          if (toCharge.length > 0) {
            const { tally } = await runCharges(toCharge);
            report.chargesSucceeded += tally.succeeded;
            report.chargesFailed += tally.failed;
            report.chargesPending += tally.pending;
          }
          if (claimed.length < settlementOptions.batchSize) break;
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, Math.floor(settlementOptions.concurrency)) }, claimLoop));
      return report;
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
     * Connects Zoom or Google Meet for a tutor, replacing any existing connection in one step (switching).
     * Tokens are stored server-side only.
     */
    async connectProvider(input: {
      tutorId: string;
      provider: VideoProviderName;
      tokens: ProviderTokens | null;
      externalAccountId?: string | null;
      actorId?: string;
    }): Promise<ProviderConnection> {
      if (input.provider !== 'zoom' && input.provider !== 'google_meet') {
        throw new SessionError('INVALID_INPUT', `provider must be "zoom" or "google_meet"`, {
          issues: [{ path: 'provider', message: 'unknown provider' }],
        });
      }
      for (let attempt = 0; attempt < MAX_COMMAND_ATTEMPTS; attempt++) {
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
        const saved = await connections.save(connection, input.tokens, event, current ? current.version : null);
        if (saved) return saved;
      }
      throw new SessionError('CONFLICT', 'The connection kept changing; try again');
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
      for (let attempt = 0; attempt < MAX_COMMAND_ATTEMPTS; attempt++) {
        const current = await connections.findByTutor(input.tutorId);
        if (!current) throw new SessionError('NOT_FOUND', `Tutor ${input.tutorId} has no provider connection`);
        const now = clock.now();
        const tokens = await connections.findTokens(input.tutorId);
        const saved = await connections.save(
          { ...current, status: input.status, version: current.version + 1, updatedAt: now },
          tokens,
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
        if (saved) return saved;
      }
      throw new SessionError('CONFLICT', 'The connection kept changing; try again');
    },
  };
}

/** The services returned by {@link createSessionsCore}. */
export type SessionsCore = ReturnType<typeof createSessionsCore>;

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
