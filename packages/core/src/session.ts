import type { SessionStatus } from './status';

/** The two people in a session. */
export type ParticipantRole = 'student' | 'tutor';

/** The video providers a tutor can connect. */
export type VideoProviderName = 'zoom' | 'google_meet';

/** What is known about the charge of a settled session. */
export type ChargeStatus = 'none' | 'pending' | 'succeeded' | 'failed';

/** Who cancelled a session. */
export type CancelledBy = 'tutor' | 'student' | 'platform';

/**
 * A tutoring session as stored. Plain data; every instant is an absolute UTC `Date`, every amount an
 * integer in minor units. Timings are computed once at creation and never recomputed.
 */
export interface Session {
  readonly id: string;
  readonly bookingId: string;
  readonly tutorId: string;
  readonly studentId: string;
  /** The stored status; may lag behind time. Readers use {@link effectiveStatus}. */
  readonly status: SessionStatus;
  /** Incremented by every accepted change; the compare-and-set token. */
  readonly version: number;

  readonly scheduledStartAt: Date;
  readonly scheduledEndAt: Date;
  readonly durationMinutes: number;
  readonly joinOpensAt: Date;
  readonly noShowWaitMinutes: number;
  readonly minPayableMinutes: number;
  readonly noShowEligibleAt: Date;
  readonly chargeScheduledAt: Date;

  readonly priceMinor: number;
  readonly currency: string;

  readonly provider: VideoProviderName;
  readonly meetingId: string;
  /** Secret-ish: handed out only by the join service after the join is recorded. */
  readonly joinUrl: string;

  readonly studentJoinedAt: Date | null;
  readonly tutorJoinedAt: Date | null;
  readonly meetingEndedAt: Date | null;

  /** Business time at which the outcome was decided (no-show, settlement or cancellation). */
  readonly finalizedAt: Date | null;
  readonly cancelledBy: CancelledBy | null;

  /** Amounts; `null` until the session is final. */
  readonly chargeAmountMinor: number | null;
  readonly payoutAmountMinor: number | null;
  readonly platformFeeMinor: number | null;

  readonly chargeStatus: ChargeStatus;
  /** Derived from the session and outcome; the gateway deduplicates on it. */
  readonly chargeIdempotencyKey: string | null;
  readonly chargeAttempts: number;
  readonly chargeReference: string | null;

  /**
   * A worker's lease: while it is in the future, no other settlement run takes this session. Bookkeeping
   * only, it is not a state change and does not bump `version`.
   */
  readonly claimedUntil: Date | null;

  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/**
 * The fields of a session that are safe to send to a browser: everything but the meeting URL and the
 * worker bookkeeping. The join URL is handed out only by the join endpoint, after the join is recorded.
 */
export type PublicSession = Omit<Session, 'joinUrl' | 'meetingId' | 'claimedUntil' | 'chargeIdempotencyKey' | 'chargeReference'>;

/** Drops the fields a browser must not see. */
export function toPublicSession(session: Session): PublicSession {
  const { joinUrl: _u, meetingId: _m, claimedUntil: _c, chargeIdempotencyKey: _k, chargeReference: _r, ...rest } =
    session;
  return rest;
}

/** Event types in the audit log. */
export type SessionEventType =
  | 'session.created'
  | 'session.joined'
  | 'session.no_show_marked'
  | 'session.settled'
  | 'session.meeting_ended'
  | 'session.cancelled'
  | 'charge.requested'
  | 'charge.succeeded'
  | 'charge.failed'
  | 'provider.connected'
  | 'provider.switched'
  | 'provider.status_changed';

/** The actor of an event: a user id, or `system` for the cron and webhooks. */
export type EventActor = string;

/** An event the core asks an adapter to append. */
export interface SessionEventDraft {
  readonly type: SessionEventType;
  /** The session, or `null` for provider-connection events. */
  readonly sessionId: string | null;
  /** The tutor the event concerns (always set; lets tutors read their provider history). */
  readonly tutorId: string;
  readonly actor: EventActor;
  /** Business time: when it happened by the service's clock. */
  readonly occurredAt: Date;
  readonly payload: Readonly<Record<string, unknown>>;
}

/** An appended audit event. `recordedAt` is when the adapter wrote it. */
export interface SessionEvent extends SessionEventDraft {
  readonly id: string;
  readonly recordedAt: Date;
}

/** A tutor's video-provider connection, without its OAuth tokens. */
export interface ProviderConnection {
  readonly tutorId: string;
  readonly provider: VideoProviderName;
  /** Only `connected` lets a tutor accept bookings. */
  readonly status: 'connected' | 'expired' | 'invalid';
  /** The provider-side account (e.g. Zoom user id); not secret. */
  readonly externalAccountId: string | null;
  readonly version: number;
  readonly connectedAt: Date;
  readonly updatedAt: Date;
}

/** OAuth tokens of a connection. Stored server-side only; never returned to a browser. */
export interface ProviderTokens {
  readonly accessToken: string;
  readonly refreshToken: string | null;
  readonly expiresAt: Date | null;
}

/**
 * The only fields a final session may still change: bookkeeping of its own charge and of workers'
 * leases. Everything else (status, amounts, times) is frozen once a session is final; adapters enforce
 * this in storage too (the Supabase migration does it with a trigger).
 */
export const FINAL_SESSION_MUTABLE_FIELDS = [
  'version',
  'updatedAt',
  'chargeStatus',
  'chargeAttempts',
  'chargeReference',
  'claimedUntil',
] as const satisfies ReadonlyArray<keyof Session>;
