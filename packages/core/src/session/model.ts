import type { Chargeback } from '../ledger/chargebacks';
import type { Dispute } from '../ledger/disputes';
import type { Payout } from '../ledger/payouts';
import type { PayoutTiming } from '../rules/policy';
import type { Refund } from '../ledger/refunds';
import type { SessionStatus } from '../rules/status';

/** The two people in a session. */
export type ParticipantRole = 'student' | 'tutor';

/** The video providers a tutor can connect. */
export type VideoProviderName = 'zoom' | 'google_meet';

/**
 * Where the charge of a settled session stands (the session's summary of its ledger):
 * - `none`: nothing to charge (not settled yet, or an outcome without a charge);
 * - `pending`: money still to be collected: an attempt is open (sent, or its answer is unknown), or
 *   the last attempt was declined and the next one opens at the next retry;
 * - `succeeded`: exactly one attempt succeeded. Final: storage refuses any later change of the charge
 *   summary (`chargeStatus`, `chargeIdempotencyKey`, `chargeAttempts`, `chargeReference`), and any
 *   `chargeStatus` but `succeeded` for a session whose ledger holds a succeeded attempt;
 * - `failed`: failed for good (attempts or time used up): a person must look at it
 *   (`core.charges.listNeedingAttention()`);
 * - `awaiting_customer`: the gateway said only the student can make the charge go through (3-D Secure
 *   `authentication_required`, or a decline the bank says the customer must fix: the answer's
 *   `needsCustomer`). It is never sent off-session again, and the settlement run never claims it: the
 *   student completes it on-session (`core.charges.startOnSession`), each time on a new ledger attempt
 *   (its key on the session while the student's attempt is open), until one succeeds.
 */
export type ChargeStatus = 'none' | 'pending' | 'succeeded' | 'failed' | 'awaiting_customer';

/**
 * The status of one ledger attempt: `pending` (opened, no answer yet), `unknown` (the call threw, timed
 * out or answered something unclassifiable: retried under the same key), `succeeded`, `failed` (a
 * definite decline: the next retry opens a new attempt with a new key), or `halted` (the gateway answered
 * `halted`: never sent again; the first call may have taken money, so it is not called failed).
 *
 * Storage keeps the record of money taken: an attempt moves only forward (`pending` → `unknown` /
 * `succeeded` / `failed` / `halted`, `unknown` → the same), and a `succeeded`, `failed` or `halted`
 * attempt never changes again. An attempt's key, outcome, amounts, currency and `requestedAt` never
 * change, its `calls` never go down, and a stored `gatewayReference` is never replaced or erased.
 */
export type ChargeAttemptStatus = 'pending' | 'unknown' | 'succeeded' | 'failed' | 'halted';

/** The outcomes that take money (the list is `CHARGED_OUTCOMES` of the rules; a test keeps the two equal). */
export type ChargedOutcome = 'COMPLETED_ASSUMED' | 'NO_SHOW_STUDENT' | 'CANCELLED_LATE' | 'NOBODY_JOINED';

/**
 * One attempt to take a session's money: a row of the charge ledger. Identified by
 * (`sessionId`, `attempt`); its idempotency key is its own and never reused by another attempt.
 * Its amounts always equal the session's outcome amounts.
 */
export interface ChargeAttempt {
  readonly sessionId: string;
  /**
   * 1 for the first attempt, +1 for each attempt opened after a definite failure, and +1 for the row that
   * records a late success of a declined or halted attempt (already `succeeded`, never sent; see
   * `decideChargeAnswer`).
   */
  readonly attempt: number;
  /** Server-side only: the gateway deduplicates on it. */
  readonly idempotencyKey: string;
  readonly outcome: ChargedOutcome;
  readonly amountMinor: number;
  readonly payoutMinor: number;
  readonly feeMinor: number;
  readonly currency: string;
  readonly status: ChargeAttemptStatus;
  /** The gateway's id for the charge (server-side only). */
  readonly gatewayReference: string | null;
  /** The gateway's failure code for a definite failure (e.g. `card_declined`), or why it is unknown. */
  readonly failureCode: string | null;
  /** Gateway calls made under this attempt's key. */
  readonly calls: number;
  /** When the attempt was opened. */
  readonly requestedAt: Date;
  /** When the last answer (or the last unknown outcome) was recorded. */
  readonly answeredAt: Date | null;
}

/** A ledger attempt without its server-side fields, as participants may read it. */
export type PublicChargeAttempt = Omit<ChargeAttempt, 'idempotencyKey' | 'gatewayReference'>;

/**
 * A change to the ledger, applied in the same atomic step as the session write that carries it:
 * `open` inserts a new attempt; `answer` records a gateway answer on an existing attempt (the adapter
 * adds one to its `calls`; a `null` reference keeps the stored one); `refund_open` inserts a new refund
 * (see `Refund`); `refund_answer` records a gateway answer on an existing refund (again one more `calls`,
 * a `null` reference keeps the stored one). Storage refuses a refund whose attempt has not succeeded, whose
 * parts do not sum to its amount, or that would take the refunds not failed beyond the charge, its payout or
 * its fee. It refuses an `open` for a session whose ledger holds a succeeded attempt (money taken is never
 * asked for again; a late success is recorded by an `open` of a row that is itself `succeeded`, see
 * `decideChargeAnswer`), and an `answer` that breaks the rules of {@link ChargeAttemptStatus} (an attempt
 * already succeeded, failed or halted; a status back to `pending`; another reference than the stored one).
 * A refused change fails the whole `applyWrites` call, as a database statement would.
 */
export type LedgerWrite =
  | { readonly type: 'open'; readonly attempt: ChargeAttempt }
  | {
      readonly type: 'answer';
      readonly sessionId: string;
      readonly attempt: number;
      readonly status: Exclude<ChargeAttemptStatus, 'pending'>;
      readonly gatewayReference: string | null;
      readonly failureCode: string | null;
      readonly answeredAt: Date;
    }
  | { readonly type: 'refund_open'; readonly refund: Refund }
  | {
      readonly type: 'refund_answer';
      readonly sessionId: string;
      readonly refund: number;
      readonly status: Refund['status'];
      readonly gatewayReference: string | null;
      readonly failureCode: string | null;
      readonly answeredAt: Date;
    }
  /** Inserts a payout row (`scheduled`; see `Payout`). */
  | { readonly type: 'payout_open'; readonly payout: Payout }
  /**
   * Sends a `scheduled` payout (→ `pending`, its amount fixed: the outcome's payout less the tutor's part of
   * the refunds not failed) or cancels it (→ `cancelled`, amount 0, nothing left to pay). Storage refuses it
   * while the session's dispute is unresolved, for another amount, or when a payout already succeeded.
   */
  | {
      readonly type: 'payout_send';
      readonly sessionId: string;
      readonly payout: number;
      readonly status: 'pending' | 'cancelled';
      readonly amountMinor: number;
      readonly sentAt: Date;
      /** The number of the session's last refund when it was sent (0: none): see `Payout.refundsBefore`. */
      readonly refundsBefore: number;
    }
  /** A gateway answer on a sent payout (`pending` / `unknown` only; one more `calls`; a `null` reference keeps the stored one). */
  | {
      readonly type: 'payout_answer';
      readonly sessionId: string;
      readonly payout: number;
      readonly status: 'unknown' | 'succeeded' | 'failed' | 'halted';
      readonly gatewayReference: string | null;
      readonly failureCode: string | null;
      readonly answeredAt: Date;
    }
  /** Inserts the session's one dispute (`open`). Storage refuses a second. */
  | { readonly type: 'dispute_open'; readonly dispute: Dispute }
  /** Replaces the session's dispute with its next state. Storage refuses any change of a `resolved` one. */
  | { readonly type: 'dispute_update'; readonly dispute: Dispute }
  /**
   * Inserts a chargeback (a card dispute at the student's bank; see `Chargeback`). Storage refuses a second
   * row with the same `reference`, a number that is not the session's next, and an attempt that has not succeeded.
   */
  | { readonly type: 'chargeback_open'; readonly chargeback: Chargeback }
  /**
   * Replaces a chargeback with its next state (matched by `sessionId` and `chargeback`). Storage refuses a
   * change of its identity (`attempt`, `reference`, `currency`, `lossBearer`, `tutorShareMinor`, `openedAt`), evidence
   * going back (`none` → `staged` → `submitted`), a tutor share going back (see `ChargebackTutorShare`),
   * and funds withdrawn or reinstated going down.
   */
  | { readonly type: 'chargeback_update'; readonly chargeback: Chargeback };

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
  /** The stored status; may lag behind time. Readers use `effectiveStatus`. */
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
  /**
   * When the tutor is paid (`policy.payoutTiming` when the session was created; never changes): with the
   * charge (`with_charge`, a destination charge) or by a transfer after the review window (`after_review`).
   */
  readonly payoutTiming: PayoutTiming;

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
  /**
   * The idempotency key of the open ledger attempt, or `null` when none is open (nothing to charge,
   * or the last attempt was declined and the next opens at the next retry). Server-side only.
   */
  readonly chargeIdempotencyKey: string | null;
  /** How many ledger attempts have been opened. */
  readonly chargeAttempts: number;
  /** The gateway's id for the succeeded charge. Server-side only. */
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

/** Drops the fields of a ledger attempt a browser must not see (its key and the gateway's reference). */
export function toPublicChargeAttempt(attempt: ChargeAttempt): PublicChargeAttempt {
  const { idempotencyKey: _k, gatewayReference: _r, ...rest } = attempt;
  return rest;
}

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
  | 'session.tutor_no_show_marked'
  | 'session.rescheduled'
  | 'session.settled'
  | 'session.meeting_ended'
  | 'session.meeting_end_ignored'
  | 'attendance.recorded'
  | 'session.cancelled'
  | 'charge.requested'
  | 'charge.succeeded'
  | 'charge.failed'
  | 'charge.unknown'
  | 'charge.needs_attention'
  | 'charge.customer_action_required'
  | 'refund.requested'
  | 'refund.pending'
  | 'refund.succeeded'
  | 'refund.failed'
  | 'refund.unknown'
  | 'payout.scheduled'
  | 'payout.requested'
  | 'payout.succeeded'
  | 'payout.failed'
  | 'payout.unknown'
  | 'payout.cancelled'
  | 'payout.needs_attention'
  | 'dispute.opened'
  | 'dispute.accepted'
  | 'dispute.offered'
  | 'dispute.contested'
  | 'dispute.offer_accepted'
  | 'dispute.offer_declined'
  | 'dispute.decided'
  | 'dispute.resolved'
  | 'chargeback.opened'
  | 'chargeback.closed'
  | 'chargeback.needs_attention'
  | 'chargeback.evidence_staged'
  | 'chargeback.evidence_submitted'
  | 'chargeback.share_reversed'
  | 'chargeback.share_withheld'
  | 'chargeback.share_reinstated'
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

/**
 * OAuth tokens in plaintext, as a provider answers them. Never stored as they are: seal (encrypt) them
 * first (`@itutor/sessions-video` does it with AES-256-GCM); the repositories only take {@link SealedProviderTokens}.
 */
export interface ProviderTokens {
  readonly accessToken: string;
  readonly refreshToken: string | null;
  readonly expiresAt: Date | null;
}

/**
 * One encrypted token as stored: the id of the host's key beside the ciphertext, so keys can be
 * rotated. The core never decrypts; it only keeps the two strings together.
 */
export interface SealedToken {
  readonly keyId: string;
  readonly ciphertext: string;
}

/** A connection's OAuth tokens, encrypted by the host. Server-side only; never returned to a browser. */
export interface SealedProviderTokens {
  readonly accessToken: SealedToken;
  readonly refreshToken: SealedToken | null;
  /** When the access token expires (`null`: unknown). */
  readonly expiresAt: Date | null;
}

/**
 * A connection's stored tokens with their refresh lock: what a token manager reads. `version` is the
 * tokens' own compare-and-set guard (separate from the connection's version): it grows by one on every
 * token write, and replacing the tokens (connecting, switching) makes it grow too, so a refresh that
 * started before loses its compare-and-set.
 */
export interface StoredProviderTokens extends SealedProviderTokens {
  /** The connection's provider. */
  readonly provider: VideoProviderName;
  /** The connection's status (read only here: tokens never make a connection `connected`). */
  readonly status: ProviderConnection['status'];
  readonly version: number;
  /** Set while one caller refreshes the tokens; others wait until it is cleared or has passed. */
  readonly refreshLeaseUntil: Date | null;
  /** When the tokens were last written. */
  readonly updatedAt: Date;
}

/** One compare-and-set token write ({@link StoredProviderTokens} without the connection's status). */
export type ProviderTokensWrite = Omit<StoredProviderTokens, 'status'>;

/**
 * Marks a connection `expired` / `invalid` in the same atomic step as a token write (a refresh the
 * provider refused), with its audit event. Applied only while the connection is `connected`.
 */
export interface ConnectionMark {
  readonly status: 'expired' | 'invalid';
  /** Appended when the mark is applied (`provider.status_changed`); never holds a token. */
  readonly event: SessionEventDraft;
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
  'chargeIdempotencyKey',
  'chargeAttempts',
  'chargeReference',
  'claimedUntil',
] as const satisfies ReadonlyArray<keyof Session>;
