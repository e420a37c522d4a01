import { isAfter } from 'date-fns';
import type { SessionPolicy } from '../rules/policy';
import { CHARGED_OUTCOMES } from '../rules/status';
import type { AttendanceEntry } from '../session/attendance';
import type { ChargeAttempt, Session, SessionEvent } from '../session/model';
import { decideDispute, disputeWindowClosesAt, type Dispute, type DisputeActionType, type DisputeRole } from './disputes';
import type { Chargeback } from './chargebacks';
import { chargebackHoldsPayout, holdsPayout, payoutLeft, payoutsFromLedger, type Payout } from './payouts';
import { refundedSoFar, type Refund } from './refunds';

/**
 * The facts of a disputed session, side by side (issue #23, point 3): built only from what the SDK stored —
 * the session's policy snapshot and timings, joins by our button, provider attendance, the meeting's end,
 * charges, refunds, payouts and the audit trail. The same facts for the student, the tutor and the
 * platform: only `viewer` and `allowedSteps` differ. No e-mail, name or provider account of anyone (the
 * attendance rows keep those; the view keeps role, kind and time), no idempotency key or gateway reference,
 * and actors by role, not by id.
 */

/** Where the tutor's payout stands, as a card shows it. */
export type PayoutStateName =
  /** Nothing to pay (no succeeded charge, or an outcome without a payout). */
  | 'none'
  /** `after_review`: waiting for the review window to close. */
  | 'scheduled'
  /** `after_review`: a dispute holds it. */
  | 'held'
  /** Sent, answer awaited. */
  | 'sending'
  /** Paid (with the charge, or by its transfer). */
  | 'paid'
  /** Nothing left to pay: refunded in full before it was sent. */
  | 'cancelled'
  /** Failed for good: a person must look. */
  | 'failed';

/** The payout card's facts (minor units). */
export interface PayoutStateJson {
  readonly state: PayoutStateName;
  readonly timing: Session['payoutTiming'];
  /** The outcome's payout. */
  readonly outcomeMinor: number;
  /** What is (or will be) paid: for a payout not sent yet, what is left after refunds; once sent, what was sent. */
  readonly amountMinor: number;
  /** True when refunds reduced it below the outcome's payout (before it was sent). */
  readonly reduced: boolean;
  /** Taken back from the tutor after it was paid (refunds of a paid payout). */
  readonly reversedMinor: number;
  /** When it is due (ISO 8601), or `null`. */
  readonly dueAt: string | null;
  /** When it was paid (ISO 8601), or `null`. */
  readonly paidAt: string | null;
  /** For `held`: what holds it — the platform's own dispute, or a card dispute at the bank (a chargeback). */
  readonly heldBy?: 'dispute' | 'chargeback';
}

/** A dispute as JSON. */
export interface DisputeJson {
  readonly status: Dispute['status'];
  readonly reason: Dispute['reason'];
  readonly openedAt: string;
  readonly offerMinor: number | null;
  readonly resolution: Dispute['resolution'];
  readonly refundMinor: number | null;
  readonly resolvedByRole: DisputeRole | null;
  readonly resolvedAt: string | null;
  readonly updatedAt: string;
}

/** One line of the timeline: an audit event by role, with its (participant-safe) payload. */
export interface TimelineEntryJson {
  readonly type: SessionEvent['type'];
  /** Who: the session's student or tutor, a person on the platform, or `system` (cron, webhooks). */
  readonly role: DisputeRole | 'system';
  readonly occurredAt: string;
  /** The event's payload (never holds a key, reference, e-mail or name); a dispute step's `message` is here. */
  readonly payload: Readonly<Record<string, unknown>>;
}

/** The body of `GET {basePath}/sessions/{id}/dispute`. */
export interface DisputeViewJson {
  readonly sessionId: string;
  /** The reader's role. */
  readonly viewer: DisputeRole;
  /** The reader may open a dispute now (the student, no dispute yet, a succeeded charge, inside the window). */
  readonly canOpen: boolean;
  /** When the dispute window closes (ISO 8601), or `null` before the outcome. */
  readonly windowClosesAt: string | null;
  readonly dispute: DisputeJson | null;
  /**
   * Whether the student disputed the card payment at their bank (a chargeback): `open` while one is not
   * decided, `closed` once every one is, `none` without any. Its internals (amounts, reason, evidence) are
   * for the platform's people only (`core.chargebacks`).
   */
  readonly chargeback: 'none' | 'open' | 'closed';
  /** The dispute steps the reader may take now. */
  readonly allowedSteps: readonly DisputeActionType[];
  /** What is left of the charge to refund (minor units). */
  readonly refundableMinor: number;
  readonly session: {
    readonly status: Session['status'];
    readonly scheduledStartAt: string;
    readonly scheduledEndAt: string;
    readonly durationMinutes: number;
    readonly noShowWaitMinutes: number;
    readonly minPayableMinutes: number;
    readonly priceMinor: number;
    readonly currency: string;
    readonly payoutTiming: Session['payoutTiming'];
    readonly provider: Session['provider'];
    readonly cancelledBy: Session['cancelledBy'];
    readonly finalizedAt: string | null;
    readonly studentJoinedAt: string | null;
    readonly tutorJoinedAt: string | null;
    readonly meetingEndedAt: string | null;
    readonly chargeAmountMinor: number | null;
    readonly payoutAmountMinor: number | null;
    readonly platformFeeMinor: number | null;
    readonly chargeStatus: Session['chargeStatus'];
  };
  /** Provider-reported joins and leaves, oldest first (role and time only). */
  readonly attendance: ReadonlyArray<{ readonly role: AttendanceEntry['role']; readonly kind: AttendanceEntry['kind']; readonly occurredAt: string }>;
  readonly charges: ReadonlyArray<{ readonly attempt: number; readonly status: ChargeAttempt['status']; readonly amountMinor: number; readonly requestedAt: string; readonly answeredAt: string | null }>;
  readonly refunds: ReadonlyArray<{ readonly refund: number; readonly status: Refund['status']; readonly amountMinor: number; readonly payoutMinor: number; readonly reason: string; readonly requestedAt: string }>;
  readonly payout: PayoutStateJson;
  readonly timeline: readonly TimelineEntryJson[];
}

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

/** The payout card of a session from its ledger. */
export function payoutState(
  session: Session,
  ledger: { charges: readonly ChargeAttempt[]; refunds: readonly Refund[]; payouts: readonly Payout[]; dispute: Dispute | null; chargebacks?: readonly Chargeback[] },
): PayoutStateJson {
  const rows = payoutsFromLedger(session, ledger.charges, ledger.payouts);
  const outcomeMinor = session.payoutAmountMinor ?? 0;
  const last = rows[rows.length - 1];
  const paid = rows.find((p) => p.status === 'succeeded');
  const refundedAfter = paid ? ledger.refunds.filter((r) => r.status !== 'failed' && r.refund > (paid.refundsBefore ?? 0)) : [];
  const base = { timing: session.payoutTiming, outcomeMinor, dueAt: iso(last?.dueAt ?? null), paidAt: iso(paid?.answeredAt ?? null) };
  if (paid) {
    const reversedMinor = refundedSoFar(refundedAfter).payoutMinor;
    return { ...base, state: 'paid', amountMinor: paid.amountMinor, reduced: paid.amountMinor < outcomeMinor, reversedMinor };
  }
  if (!last) return { ...base, state: 'none', amountMinor: 0, reduced: false, reversedMinor: 0 };
  const left = payoutLeft(session, ledger.refunds, ledger.chargebacks);
  const heldBy = holdsPayout(ledger.dispute) ? 'dispute' : chargebackHoldsPayout(ledger.chargebacks) ? 'chargeback' : null;
  const state: PayoutStateName =
    last.status === 'scheduled' ? (heldBy !== null ? 'held' : 'scheduled') : last.status === 'pending' || last.status === 'unknown' ? 'sending' : last.status === 'cancelled' ? 'cancelled' : 'failed';
  const amountMinor = last.status === 'scheduled' ? left : last.amountMinor;
  return { ...base, state, amountMinor, reduced: amountMinor < outcomeMinor, reversedMinor: 0, ...(state === 'held' && heldBy !== null ? { heldBy } : {}) };
}

/** What the view is built from: the session and everything stored about it, read together. */
export interface DisputeViewInput {
  readonly session: Session;
  readonly viewer: DisputeRole;
  readonly now: Date;
  readonly policy: SessionPolicy;
  readonly dispute: Dispute | null;
  readonly charges: readonly ChargeAttempt[];
  readonly refunds: readonly Refund[];
  readonly payouts: readonly Payout[];
  readonly attendance: readonly AttendanceEntry[];
  readonly events: readonly SessionEvent[];
  /** The session's chargebacks (they hold a payout not yet sent; withheld shares reduce it). */
  readonly chargebacks?: readonly Chargeback[];
}

/** Whether a chargeback exists, from the audit events alone (participants may read those). */
function chargebackState(events: readonly SessionEvent[]): DisputeViewJson['chargeback'] {
  const opened = events.filter((e) => e.type === 'chargeback.opened').length;
  const closed = events.filter((e) => e.type === 'chargeback.closed').length;
  return opened === 0 ? 'none' : opened > closed ? 'open' : 'closed';
}

const STEPS: readonly DisputeActionType[] = ['accept', 'offer', 'contest', 'accept_offer', 'decline_offer', 'resolve'];

/** The dispute view (pure). */
export function buildDisputeView(input: DisputeViewInput): DisputeViewJson {
  const { session, viewer, now, policy, dispute } = input;
  const charge = input.charges.find((a) => a.status === 'succeeded');
  const refundableMinor = charge ? charge.amountMinor - refundedSoFar(input.refunds.filter((r) => r.attempt === charge.attempt)).amountMinor : 0;
  const closesAt = disputeWindowClosesAt(session, policy.disputeWindowMinutes);
  const charged = (CHARGED_OUTCOMES as readonly string[]).includes(session.status) && session.chargeStatus === 'succeeded';
  const canOpen = viewer === 'student' && dispute === null && charged && closesAt !== null && isAfter(closesAt, now);
  // A step is offered when the machine would take it (an offer or partial resolution of at least 1).
  const allowedSteps = dispute
    ? STEPS.filter((type) => decideDispute(dispute, viewer, { type, amountMinor: 1, resolution: 'full_refund' } as never, Math.max(1, refundableMinor)).ok)
    : [];
  const roleOf = (actor: string): TimelineEntryJson['role'] =>
    actor === session.studentId ? 'student' : actor === session.tutorId ? 'tutor' : actor === 'system' ? 'system' : 'platform';
  return {
    sessionId: session.id,
    viewer,
    canOpen,
    windowClosesAt: iso(closesAt),
    dispute: dispute && {
      status: dispute.status,
      reason: dispute.reason,
      openedAt: dispute.openedAt.toISOString(),
      offerMinor: dispute.offerMinor,
      resolution: dispute.resolution,
      refundMinor: dispute.refundMinor,
      resolvedByRole: dispute.resolvedByRole,
      resolvedAt: iso(dispute.resolvedAt),
      updatedAt: dispute.updatedAt.toISOString(),
    },
    chargeback: chargebackState(input.events),
    allowedSteps,
    refundableMinor,
    session: {
      status: session.status,
      scheduledStartAt: session.scheduledStartAt.toISOString(),
      scheduledEndAt: session.scheduledEndAt.toISOString(),
      durationMinutes: session.durationMinutes,
      noShowWaitMinutes: session.noShowWaitMinutes,
      minPayableMinutes: session.minPayableMinutes,
      priceMinor: session.priceMinor,
      currency: session.currency,
      payoutTiming: session.payoutTiming,
      provider: session.provider,
      cancelledBy: session.cancelledBy,
      finalizedAt: iso(session.finalizedAt),
      studentJoinedAt: iso(session.studentJoinedAt),
      tutorJoinedAt: iso(session.tutorJoinedAt),
      meetingEndedAt: iso(session.meetingEndedAt),
      chargeAmountMinor: session.chargeAmountMinor,
      payoutAmountMinor: session.payoutAmountMinor,
      platformFeeMinor: session.platformFeeMinor,
      chargeStatus: session.chargeStatus,
    },
    attendance: input.attendance.map((e) => ({ role: e.role, kind: e.kind, occurredAt: e.occurredAt.toISOString() })),
    charges: input.charges.map((a) => ({ attempt: a.attempt, status: a.status, amountMinor: a.amountMinor, requestedAt: a.requestedAt.toISOString(), answeredAt: iso(a.answeredAt) })),
    refunds: input.refunds.map((r) => ({ refund: r.refund, status: r.status, amountMinor: r.amountMinor, payoutMinor: r.payoutMinor, reason: r.reason, requestedAt: r.requestedAt.toISOString() })),
    payout: payoutState(session, input),
    timeline: input.events.map((e) => ({ type: e.type, role: roleOf(e.actor), occurredAt: e.occurredAt.toISOString(), payload: e.payload })),
  };
}
