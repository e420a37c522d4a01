import { v7 as uuidv7 } from 'uuid';
import type { AttendanceRepository } from '../session/attendance';
import type { RefundInstruction, RefundLedgerReader, RefundResult } from '../ledger/refunds';
import type { PayoutInstruction, PayoutLedgerReader, PayoutResult } from '../ledger/payouts';
import type { DisputeReader } from '../ledger/disputes';
import type {
  ChargebackEvidenceInstruction,
  ChargebackEvidenceResult,
  ChargebackReader,
  ChargebackShareInstruction,
  ChargebackShareResult,
} from '../ledger/chargebacks';
import type { PayoutTiming } from '../rules/policy';
import type {
  ChargeAttempt,
  ChargedOutcome,
  ConnectionMark,
  LedgerWrite,
  ProviderConnection,
  ProviderTokensWrite,
  SealedProviderTokens,
  Session,
  SessionEvent,
  SessionEventDraft,
  StoredProviderTokens,
  VideoProviderName,
} from '../session/model';

/**
 * Ports: the interfaces the core's services need from the outside world. An adapter implements
 * {@link SessionsAdapter} for a database: the four required ports (sessions, provider connections, the
 * event log, the charge ledger) and, when it can, the optional ones (refunds, video meetings,
 * attendance); the contract suite in `@itutor/sessions-core/testing` checks it (see
 * docs/guide/writing-an-adapter.md). "Not found" is `null`, never an exception.
 */

/** The source of "now". Services never read the system clock directly. */
export interface Clock {
  now(): Date;
}

/** The system clock. */
export const systemClock: Clock = { now: () => new Date() };

/** Makes ids for new sessions and events. */
export type IdGenerator = () => string;

/** Random UUID v4 from Web Crypto (Node 20+, browsers, edge runtimes): ids with no time in them. */
export const randomId: IdGenerator = () => globalThis.crypto.randomUUID();

/**
 * Time-ordered UUID v7 (RFC 9562): the default for new sessions. An id made later sorts after one made
 * earlier, so every index keyed by session id (the sessions' primary key, the ledger's keys, the events
 * by session) takes a settlement's entries in the part holding recent sessions, not on a random page
 * of the platform's whole history: with random ids, settling 10,000 sessions beside 2,000,000 others
 * dirtied about 9,000 random ledger index pages (one full-page image each in the WAL), with these about
 * ten. Its first 48 bits are the creation time in milliseconds, so an id tells when its session was
 * made; pass `ids: randomId` where that must not show.
 */
export const timeOrderedId: IdGenerator = () => uuidv7();

/** One compare-and-set write: replace the session if it still has `expectedVersion`. */
export interface SessionWrite {
  /** The version the writer read. The write is refused if the stored version differs. */
  readonly expectedVersion: number;
  /**
   * The write's own id (a UUID), the same each time the same write is sent: the core's services stamp one on
   * every write they make. It makes a write idempotent: an adapter that sends a write
   * again because its commit's reply was lost finds the session at the version this write made, with this
   * id as its last applied write id, and answers the stored session as a win without writing anything
   * again (no second event, no second ledger change). A different write at that stale version still loses.
   * Adapters store the id of the last write applied to each session (a column of the session row).
   * Optional: a write without one is applied as always and is never recognised as a retry.
   */
  readonly writeId?: string;
  /** The full next session. Its `version` is `expectedVersion + 1` for state changes. */
  readonly next: Session;
  /**
   * The session the write was made from, exactly as this adapter returned it (a read, a claim, or a
   * write's answer) at `expectedVersion`. Optional, a hint for the payload: an adapter may then store only
   * the fields in which `next` differs from it, plus `claimedUntil` always (a claim's lease changes it
   * without a new version), onto the stored session — which the compare-and-set holds at `previous`.
   * Either way a winning write stores `next`. An adapter may also ignore it and store `next` whole.
   * The settlement run sets it on the writes it makes (settling, opening and expiring charges, recording answers).
   */
  readonly previous?: Session;
  /** Audit events appended in the same atomic step; none are written when the write is refused. */
  readonly events: readonly SessionEventDraft[];
  /** Charge-ledger changes applied in the same atomic step; none when the write is refused. */
  readonly ledger?: readonly LedgerWrite[];
}

/** Result of inserting a new session. */
export type InsertSessionResult =
  | { readonly inserted: true; readonly session: Session }
  /** A session for the same booking already existed; nothing was written. */
  | { readonly inserted: false; readonly session: Session };

/** Options for claiming work for a settlement run. */
export interface ClaimOptions {
  /** Business time of the run. */
  readonly now: Date;
  /** At most this many sessions. */
  readonly limit: number;
  /** The lease given to the charges to collect it returns (group (b)); others skip them until then. */
  readonly claimUntil: Date;
  /**
   * A cursor into the due sessions (group (a)): only those after it in due order (`chargeScheduledAt`,
   * then `id`) are returned. A settlement run passes the last due session of its previous claim, so
   * that its claim loops page through the due list without handing the same session out twice (due
   * sessions are not leased). Absent: from the start of the list.
   */
  readonly after?: { readonly chargeScheduledAt: Date; readonly id: string };
  /**
   * Lease the due sessions (group (a)) until `claimUntil` too, like the charges to collect, so that
   * concurrent claims never return the same due session. A settlement run asks for it when settling
   * calls out (reconciliation asks the video provider for each meeting's end: two runs must not both
   * ask). Default false: due sessions are returned as stored, without any write.
   */
  readonly leaseDue?: boolean;
}

/** Storage of sessions. Every method is atomic on its own. */
export interface SessionRepository {
  /**
   * Inserts a new session with its events, unless a session for the same `bookingId` exists: then
   * returns that one and writes nothing. Must be safe when two inserts for one booking race.
   */
  insert(session: Session, events: readonly SessionEventDraft[]): Promise<InsertSessionResult>;
  findById(id: string): Promise<Session | null>;
  findByBookingId(bookingId: string): Promise<Session | null>;
  /**
   * Applies each write as its own atomic compare-and-set together with its events and ledger changes
   * (all or nothing per write). Returns, in order,
   * the stored session for each write that won, or `null` for each that lost (version changed, or the
   * session does not exist, or a final session would change more than its charge bookkeeping). A write
   * that is the session's last applied write sent again (same {@link SessionWrite.writeId}, the session
   * at the version it made) answers the stored session and writes nothing. A write that breaks a storage
   * rule (a ledger or refund rule) fails the whole call: it rejects and no write of the batch is stored.
   * Adapters should apply a batch in one round trip.
   */
  applyWrites(writes: readonly SessionWrite[]): Promise<Array<Session | null>>;
  /**
   * Claims up to `limit` sessions needing settlement work, in two groups, in both only when
   * `claimedUntil` is null or `<= now`:
   * (a) non-final sessions with `chargeScheduledAt <= now` (after `after`, when given), oldest
   * `chargeScheduledAt` first, then `id` (ascending). They are returned as stored, **without a lease and
   * without any write** (unless `leaseDue`: then leased like group (b)): settling one is a compare-and-set
   * on its version, so two runs that get the same due session settle it once (the other's write loses).
   * Then, with what is left of `limit`,
   * (b) final sessions whose `chargeStatus` is `pending` whose charge is due: oldest first by the time
   * it became collectable — `chargeScheduledAt`, or `finalizedAt` when the session was made final before
   * then (a late cancellation, a no-show), which must be `<= now` — then `id`. These are leased until
   * `claimUntil` (the lease is what stops two runs from sending one charge at once): concurrent claims
   * never return the same group-(b) session. The lease is bookkeeping: it does not change `version`.
   * A write whose `next.claimedUntil` is null releases a lease (the session is claimable again at once);
   * a write that sets one (an opened charge) holds the session back until it passes. The cost must depend on `limit`, not on the size of the table.
   */
  claimForSettlement(options: ClaimOptions): Promise<Session[]>;
}

/**
 * What {@link ProviderConnectionRepository.save} does with the tokens: sealed tokens replace the stored
 * ones, `null` clears them, `'keep'` leaves them (and their version) exactly as they are.
 */
export type TokensToSave = SealedProviderTokens | null | 'keep';

/**
 * Storage of tutors' video-provider connections: at most one per tutor, each with its encrypted OAuth
 * tokens and their refresh lock. Tokens are server-side only: no method but the two token methods
 * returns them, and no event holds one.
 */
export interface ProviderConnectionRepository {
  /** The tutor's connection (whatever its status), or `null`. Never carries tokens. */
  findByTutor(tutorId: string): Promise<ProviderConnection | null>;
  /**
   * Creates or replaces the tutor's connection in one atomic step, with its tokens and event.
   * With `expectedVersion` (replacing), returns `null` if the stored version differs.
   * The token version: a new connection starts at 1 with tokens, 0 without; replacing a connection with
   * new tokens or with `null` (clearing them, also when it held none) grows it by one and clears the
   * refresh lease, so a refresh that read the old version loses its compare-and-set; `'keep'` (a status
   * change) leaves the tokens, their version and the lease exactly as they are.
   */
  save(
    connection: ProviderConnection,
    tokens: TokensToSave,
    event: SessionEventDraft,
    expectedVersion: number | null,
  ): Promise<ProviderConnection | null>;
  /**
   * The tutor's encrypted tokens with the connection's provider and status and the refresh lock, for
   * server-side provider calls only; `null` when there is no connection or it holds no tokens.
   */
  findTokens(tutorId: string): Promise<StoredProviderTokens | null>;
  /**
   * The refresh lock: writes `next` only if the stored token version is still `expectedVersion`, the
   * connection's provider is `next.provider`, the connection holds tokens and `next.version` is
   * `expectedVersion + 1`; resolves whether it wrote. Atomic (one statement in SQL): of any number
   * of racing writes with one expected version, exactly one wins.
   *
   * With `mark` (a refused refresh), the same step also sets the connection's status to `mark.status`,
   * grows the connection's version by one and appends `mark.event` — only while the connection is
   * `connected` (an already expired or invalid connection is not marked again). Without `mark` the
   * connection's status and version never change.
   */
  compareAndSetTokens(tutorId: string, expectedVersion: number, next: ProviderTokensWrite, mark: ConnectionMark | null): Promise<boolean>;
}

/** Read access to the charge ledger. Attempts are written only through {@link SessionWrite.ledger}. */
export interface ChargeLedgerReader {
  /** A session's attempts, by attempt number (oldest first). */
  listBySession(sessionId: string): Promise<ChargeAttempt[]>;
  /**
   * Sessions whose charge failed for good (`chargeStatus = 'failed'`): a person must look at them.
   * Oldest `chargeScheduledAt` first (then `id`), at most `limit`.
   */
  listNeedingAttention(options: { readonly limit: number }): Promise<Session[]>;
}

/** Read access to the audit log. There is no update or delete: the log is append-only. */
export interface EventLogReader {
  /** A session's events, oldest first: in the order they were appended (a write's events in their given order). */
  listBySession(sessionId: string): Promise<SessionEvent[]>;
  /** Every event about a tutor (sessions and provider changes), oldest first: in the order they were appended. */
  listByTutor(tutorId: string): Promise<SessionEvent[]>;
}

/** What a {@link VideoProvider} needs to create a meeting. */
export interface CreateMeetingInput {
  /** Stable per booking: a provider that can deduplicate must return the same meeting for it. */
  readonly idempotencyKey: string;
  readonly provider: VideoProviderName;
  readonly tutorId: string;
  readonly topic: string;
  readonly startAt: Date;
  readonly durationMinutes: number;
  /**
   * Aborted when the core stops waiting (`SessionsCoreConfig.meetingCallTimeoutMs`). A provider may stop
   * then, or finish and keep the meeting under `idempotencyKey`: the booking's retry asks for it again.
   */
  readonly signal?: AbortSignal;
}

/** A created meeting. */
export interface Meeting {
  readonly meetingId: string;
  readonly joinUrl: string;
}

/** A meeting's actual times as the provider reports them (reconciliation before settlement). */
export interface MeetingTimes {
  readonly startedAt: Date | null;
  /** `null` while the meeting has not ended, or when it never took place. */
  readonly endedAt: Date | null;
  /**
   * `true` only when the provider positively reports that the meeting never started (Meet: no conference
   * record for the space; Zoom: no past meeting, and the meeting itself still waiting to start). Settlement
   * takes it as reliable evidence for `NOBODY_JOINED` when neither participant joined by any source. Leave
   * it out whenever the provider cannot tell (a lookup that is not found is not proof).
   */
  readonly neverStarted?: boolean;
}

/** Where a meeting moves to: a reschedule (`core.sessions.reschedule`). */
export interface MoveMeetingInput {
  readonly provider: VideoProviderName;
  readonly tutorId: string;
  readonly meetingId: string;
  /** The new start (the session's new `scheduledStartAt`). */
  readonly startAt: Date;
  readonly durationMinutes: number;
  /** Aborted when the core stops waiting (`meetingCallTimeoutMs`). */
  readonly signal?: AbortSignal;
}

/** Which meeting to look up: the session's provider, tutor and meeting. */
export interface MeetingLookup {
  readonly provider: VideoProviderName;
  readonly tutorId: string;
  readonly meetingId: string;
  /** Aborted when the settlement run stops waiting (`settlement.reconcileTimeoutMs`). */
  readonly signal?: AbortSignal;
}

/** Creates meetings on Zoom / Google Meet on a tutor's behalf. */
export interface VideoProvider {
  createMeeting(input: CreateMeetingInput): Promise<Meeting>;
  /** Removes a meeting the core no longer needs (a losing duplicate or a failed creation). */
  deleteMeeting(input: { readonly provider: VideoProviderName; readonly tutorId: string; readonly meetingId: string }): Promise<void>;
  /**
   * Optional: the meeting's actual start and end as the provider reports them (Zoom's past meeting,
   * Meet's conference records), `null` when it has no record. With it, settlement reconciles before it
   * decides: a due session whose meeting end is still unknown (a lost or late webhook) is settled on
   * the provider's answer, and is retried later rather than guessed when the provider is slow or down
   * (see `SettlementOptions.reconcileTimeoutMs` / `reconcileForMinutes`). The video package's
   * providers and `videoProviders()` have it.
   */
  getMeetingTimes?(input: MeetingLookup): Promise<MeetingTimes | null>;
  /**
   * Optional: moves the meeting to a new start (a reschedule), keeping its id and join link (Zoom: the
   * meeting's update, `PATCH /meetings/{id}`). Must be idempotent: moving a meeting to where it already is
   * succeeds. Without it (a Meet space has no time) a reschedule moves only the session. A throw or a
   * timeout refuses the reschedule with `PROVIDER_UNAVAILABLE`, and the core moves the meeting back.
   */
  moveMeeting?(input: MoveMeetingInput): Promise<void>;
}

/** A charge the core asks the payment gateway to make: one ledger attempt. */
export interface ChargeInstruction {
  /**
   * The ledger attempt's own key: the same for every call of one attempt (an unknown answer is retried
   * under it), a new one for each attempt opened after a definite failure. Pass it to the gateway as
   * its idempotency key; never show it to a browser.
   */
  readonly idempotencyKey: string;
  /** The ledger attempt (1, 2, ...). */
  readonly attempt: number;
  readonly sessionId: string;
  readonly bookingId: string;
  readonly studentId: string;
  readonly tutorId: string;
  readonly outcome: ChargedOutcome;
  readonly amountMinor: number;
  readonly payoutMinor: number;
  readonly feeMinor: number;
  readonly currency: string;
  /**
   * The session's `payoutTiming`: `with_charge` pays the tutor with the charge (Stripe: a destination charge
   * with `application_fee_amount` = `feeMinor`); `after_review` takes the whole charge for the platform
   * (Stripe: `transfer_group` = the session id), the tutor being paid later by `transfer`.
   */
  readonly payoutTiming: PayoutTiming;
}

/**
 * The gateway's answer. The core validates it (`classifyChargeResult`): anything but a well-formed
 * `succeeded`, `failed` (with a `failureCode`) or `halted` (with a `code`) counts as `unknown`, and so does
 * a call that throws or passes its time limit. An unknown charge is retried under the same key; a failed
 * one opens a new attempt with a new key; a halted one is never sent again.
 */
export type ChargeResult =
  | {
      readonly status: 'succeeded';
      /** The gateway's id for the charge. */
      readonly reference?: string;
    }
  | {
      /** A definite failure (a decline): the gateway did not and will not take this attempt's money. */
      readonly status: 'failed';
      /** The gateway's reason, e.g. `card_declined`, `authentication_required` (at most 200 characters). */
      readonly failureCode: string;
      readonly reference?: string;
      /**
       * Only the student can make this charge go through: the bank wants authentication (3-D Secure), or
       * declined with a reason the customer must fix. The core then never sends it off-session again: the
       * session's charge becomes `awaiting_customer` (told once: `charge.customer_action_required`) and the
       * student completes it on-session (`core.charges.startOnSession`). A failure code of
       * `authentication_required` counts as this too.
       */
      readonly needsCustomer?: boolean;
    }
  | {
      /** Not known yet (for example Stripe's `processing`): retried under the same key. */
      readonly status: 'unknown';
      readonly reference?: string;
      readonly reason?: string;
    }
  | {
      /**
       * Stop: never send this attempt again, under its key or a new one; a person must look. For the few
       * answers where retrying would be wrong — for example Stripe's `idempotency_error` (the attempt's key
       * was already used with different parameters: retrying would either fail forever or, with a new key,
       * risk charging twice), or an instruction the gateway can never accept. The core records the attempt
       * as `halted` with `code` as its `failureCode` (the first call may have taken money: the attempt is
       * not called failed; storage never changes a halted attempt again), fails the charge for good at once
       * (`chargeStatus: 'failed'`, listed by `core.charges.listNeedingAttention`) with a `charge.needs_attention`
       * event whose reason is `gateway_halted` and whose `code` is this one, and never calls the gateway for
       * that session again. The session keeps the attempt's key, so a later webhook saying it succeeded is
       * still matched (recorded as a late success on a ledger row of its own).
       */
      readonly status: 'halted';
      /** Why, kept in the ledger as the attempt's `failureCode` (e.g. `IDEMPOTENCY_CONFLICT`; 1–200 characters). */
      readonly code: string;
      readonly reference?: string;
    };

/** What the core passes along with every gateway call. */
export interface ChargeCallOptions {
  /** Aborted when the call passes its time limit (`settlement.chargeTimeoutMs`). */
  readonly signal: AbortSignal;
}

/** Takes money. `@itutor/sessions-stripe` implements it for Stripe. */
export interface PaymentGateway {
  /**
   * Takes the instruction's money under its idempotency key. To stop the attempt for good (a person must
   * look), answer `{ status: 'halted', code }` (see `ChargeResult`). May throw; a thrown error, whatever
   * it carries, always counts as an unknown answer (retried under the same key).
   */
  charge(instruction: ChargeInstruction, options?: ChargeCallOptions): Promise<ChargeResult>;
  /**
   * How long, in minutes, the gateway remembers an idempotency key (Stripe: 1 440, 24 hours). When set,
   * the default `policy.chargeDeadlineMinutes` follows it (`chargeDeadlineForKeyLifetime`: 60 minutes
   * under it, so Stripe gets 1 380), and `createSessionsCore` refuses (`INVALID_POLICY`) a deadline the
   * host sets at or beyond it: unknown answers are retried under the same key until the deadline, and a
   * retry after the gateway forgot the key could charge twice. Leave it out for a gateway that keeps
   * keys for good.
   */
  readonly idempotencyKeyLifetimeMinutes?: number;
  /**
   * Optional: returns all or part of a succeeded charge under the refund's own idempotency key (see
   * `RefundInstruction`). Answers `{ status: 'halted', code }` when the refund must never be sent again
   * (a person must look: it is failed for good with that code). May throw; a thrown error always counts
   * as an unknown answer (retried under the same key).
   */
  refund?(instruction: RefundInstruction, options?: ChargeCallOptions): Promise<RefundResult>;
  /**
   * Optional (needed for `payoutTiming: 'after_review'`): pays the tutor their share of a succeeded charge
   * under the payout's own idempotency key (Stripe: a transfer with `source_transaction` and
   * `transfer_group`). Answers like `charge` (`halted` to stop it for good). May throw; a thrown error
   * always counts as an unknown answer (sent again under the same key).
   */
  transfer?(instruction: PayoutInstruction, options?: ChargeCallOptions): Promise<PayoutResult>;
  /**
   * Optional (payment recovery): prepares the charge of an on-session ledger attempt under the attempt's own
   * key, for the student to confirm in their browser (Stripe: a PaymentIntent with the saved card, not
   * confirmed off-session; its `client_secret` for Stripe.js `confirmCardPayment`). Called again for the same
   * attempt (the student came back) it must answer the same payment, as it stands now. Answers
   * `requires_customer` with the client secret, or the payment's outcome when it already has one (`succeeded`,
   * `failed`; anything else counts as `unknown`). May throw (the core answers `GATEWAY_UNAVAILABLE`; the
   * attempt stays open and the next call asks again under the same key).
   */
  startOnSessionCharge?(instruction: ChargeInstruction, options?: ChargeCallOptions): Promise<OnSessionChargeResult>;
  /**
   * Optional (chargebacks): stages evidence on the gateway's dispute without submitting it (Stripe:
   * `disputes.update(id, { evidence, submit: false })`). May throw (counts as not staged; staged again later).
   */
  stageChargebackEvidence?(instruction: ChargebackEvidenceInstruction, options?: ChargeCallOptions): Promise<ChargebackEvidenceResult>;
  /** Optional (chargebacks): submits the staged evidence (Stripe: `disputes.update(id, { submit: true })`). May throw. */
  submitChargebackEvidence?(instruction: ChargebackEvidenceInstruction, options?: ChargeCallOptions): Promise<ChargebackEvidenceResult>;
  /**
   * Optional (chargebacks with `chargebackLossBearer: 'tutor'`): takes the tutor's share of a chargeback back
   * from their transfer, or gives it back after the platform won, under the instruction's own idempotency key
   * (Stripe: a transfer reversal; a new transfer to the tutor's account). Answers like `transfer`.
   */
  moveChargebackShare?(instruction: ChargebackShareInstruction, options?: ChargeCallOptions): Promise<ChargebackShareResult>;
}

/** The gateway's answer to `startOnSessionCharge`: the student's step, or the payment's outcome. */
export type OnSessionChargeResult =
  | {
      /** The student must confirm it in the browser. */
      readonly status: 'requires_customer';
      /** What the browser confirms with (Stripe: the PaymentIntent's `client_secret`). Never stored. */
      readonly clientSecret: string;
      /** The gateway's id for the payment (Stripe: the PaymentIntent). */
      readonly reference?: string;
    }
  | ChargeResult;

/** A booking as the host's booking system knows it (the host is the source of truth for price). */
export interface Booking {
  readonly bookingId: string;
  readonly tutorId: string;
  readonly studentId: string;
  readonly scheduledStartAt: Date;
  readonly durationMinutes: number;
  readonly priceMinor: number;
  /** Defaults to the policy's currency. */
  readonly currency?: string;
}

/**
 * Remembers the meeting made for each idempotency key (the core's key, one per booking), so a retried
 * creation returns it instead of making a second one. Server-side only (join URLs are secrets). The
 * video package's `MeetingStore` has exactly this shape.
 */
export interface MeetingRepository {
  /** The meeting stored for this key, or `null`. */
  find(provider: VideoProviderName, idempotencyKey: string): Promise<Meeting | null>;
  /** Stores `meeting` for the key unless one is stored already (atomic); resolves to the stored one. */
  insertIfAbsent(provider: VideoProviderName, idempotencyKey: string, meeting: Meeting): Promise<Meeting>;
  /** Forgets a deleted meeting, so its key may make a new one. */
  remove(provider: VideoProviderName, meetingId: string): Promise<void>;
}

/** Everything an adapter provides. */
export interface SessionsAdapter {
  readonly sessions: SessionRepository;
  readonly connections: ProviderConnectionRepository;
  readonly events: EventLogReader;
  readonly charges: ChargeLedgerReader;
  /**
   * Optional: the refund ledger (the bundled adapters have it). Without it `core.refunds.create` refuses with
   * `REFUNDS_NOT_SUPPORTED`. An adapter that has it also applies the `refund_open` / `refund_answer` ledger
   * changes of `SessionWrite.ledger` and enforces the refund rules in storage.
   */
  readonly refunds?: RefundLedgerReader;
  /** Optional: storage for the video providers' meeting idempotency (the bundled adapters have it). */
  readonly meetings?: MeetingRepository;
  /**
   * Optional: provider-reported attendance (the bundled adapters have it). Optional so adapters written
   * before it keep compiling and working: without it `core.attendance.record` refuses with
   * `ATTENDANCE_NOT_SUPPORTED` and a no-show is judged on the Join button alone.
   */
  readonly attendance?: AttendanceRepository;
  /**
   * Optional: the payout ledger (the bundled adapters have it). Needed for `payoutTiming: 'after_review'`
   * (without it `createSessionsCore` refuses that policy with `PAYOUTS_NOT_SUPPORTED`). An adapter that has
   * it applies the `payout_open` / `payout_send` / `payout_answer` ledger changes and enforces the payout
   * rules in storage (see `LedgerWrite`).
   */
  readonly payouts?: PayoutLedgerReader;
  /**
   * Optional: disputes (the bundled adapters have it). Without it `core.disputes` refuses with
   * `DISPUTES_NOT_SUPPORTED`. An adapter that has it applies the `dispute_open` / `dispute_update` ledger
   * changes and enforces the dispute rules in storage.
   */
  readonly disputes?: DisputeReader;
  /**
   * Optional: chargebacks (the bundled adapters have it). Without it `core.chargebacks` refuses with
   * `CHARGEBACKS_NOT_SUPPORTED`. An adapter that has it applies the `chargeback_open` / `chargeback_update`
   * ledger changes and enforces the chargeback rules in storage (see `LedgerWrite`).
   */
  readonly chargebacks?: ChargebackReader;
}
