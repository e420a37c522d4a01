import type { ChargebackLossBearer, PayoutTiming } from '../rules/policy';
import type { ChargeAttempt, Session, SessionEventDraft } from '../session/model';
import { accepted, refuse, SYSTEM_ACTOR, unchanged, type TransitionContext, type TransitionRefused, type TransitionResult } from '../session/transition';
import type { PayoutAnswer } from './answers';
import type { DisputeEvidenceFields } from './evidence';
import type { Payout, PayoutResult } from './payouts';

/**
 * Chargebacks (issue #24; DESIGN.md "third release"): a card dispute the student opened at their bank
 * (Stripe `charge.dispute.*`), recorded against the ledger attempt it disputes. The gateway reports each
 * change (`core.chargebacks.record`); the core keeps the newest report, stages the evidence it can build
 * from what it stored (`buildDisputeEvidence`, at Stripe with `submit: false`), and a person submits it
 * (`core.chargebacks.submitEvidence`). Who bears the loss is policy (`chargebackLossBearer`): the platform,
 * or the tutor — then the tutor's share of the disputed amount (in proportion to the charge's payout) is
 * taken back once the funds are withdrawn (a transfer reversal, or withheld from a payout not yet sent) and
 * given back if the platform wins.
 *
 * Participants see that a chargeback exists (`chargeback.opened` / `chargeback.closed` events name only its
 * number), never its internals: the rows are for the platform's people and the server.
 */

/**
 * The gateway's status of the dispute (Stripe's `Dispute.status`): the `warning_*` ones are inquiries (no
 * funds withdrawn yet); `needs_response` / `warning_needs_response` wait for evidence; `won`, `lost`,
 * `warning_closed` and `prevented` are final.
 */
export type ChargebackStatus =
  | 'warning_needs_response'
  | 'warning_under_review'
  | 'warning_closed'
  | 'needs_response'
  | 'under_review'
  | 'won'
  | 'lost'
  | 'prevented';

/** Every status, in the order a report is preferred when two carry the same time (later wins). */
export const CHARGEBACK_STATUSES: readonly ChargebackStatus[] = [
  'warning_needs_response',
  'warning_under_review',
  'needs_response',
  'under_review',
  'warning_closed',
  'prevented',
  'won',
  'lost',
];

/** The statuses after which the gateway changes nothing more. */
export const FINAL_CHARGEBACK_STATUSES: readonly ChargebackStatus[] = ['warning_closed', 'prevented', 'won', 'lost'];

export type { ChargebackLossBearer };

/**
 * Where the tutor's share of a chargeback stands (only when the tutor bears the loss; moves only forward):
 * - `none`: nothing taken from the tutor (the platform bears the loss; the funds are not withdrawn yet; or an
 *   `after_review` payout not yet sent, which every chargeback not in a final status holds);
 * - `reversed`: taken back from the tutor's transfer (a reversal under `chargebackShareKey(…, 'reverse')`);
 * - `withheld`: lost while the payout was not yet sent: the payout is reduced by `tutorShareMinor` (final);
 * - `reinstated`: given back after the platform won (a transfer under `chargebackShareKey(…, 'reinstate')`; final);
 * - `failed`: the gateway refused the reversal or the reinstatement for good: a person must look
 *   (`chargeback.needs_attention`); `core.chargebacks.retry()` tries again under the same key.
 *
 * Storage allows `none` → `reversed` | `withheld` | `failed`, `reversed` → `reinstated` | `failed`,
 * `failed` → `reversed` | `reinstated`, and nothing else.
 */
export type ChargebackTutorShare = 'none' | 'reversed' | 'withheld' | 'reinstated' | 'failed';

/** Where the evidence stands: `none` (not staged yet), `staged` (at the gateway, not submitted), `submitted` (final). */
export type ChargebackEvidenceState = 'none' | 'staged' | 'submitted';

/** One chargeback: a row of the chargeback ledger, identified by (`sessionId`, `chargeback`) and by `reference`. */
export interface Chargeback {
  readonly sessionId: string;
  /** 1 for the session's first chargeback, then 2, … */
  readonly chargeback: number;
  /** The ledger attempt whose charge is disputed (a succeeded one). */
  readonly attempt: number;
  /** The gateway's id of the dispute (Stripe `dp_…`). Server-side only. */
  readonly reference: string;
  readonly status: ChargebackStatus;
  /** The bank's reason as the gateway names it (Stripe: `fraudulent`, `product_not_received`, …). */
  readonly reason: string;
  /** The disputed amount, minor units. */
  readonly amountMinor: number;
  readonly currency: string;
  /** The gateway's dispute fee as reported (0 until reported). */
  readonly feeMinor: number;
  /** Funds the gateway took from the platform for it so far (never goes down). */
  readonly fundsWithdrawnMinor: number;
  /** Funds given back so far (never goes down). */
  readonly fundsReinstatedMinor: number;
  /** The evidence deadline, or `null` when the gateway gave none. */
  readonly evidenceDueBy: Date | null;
  /** The time of the newest report taken (older reports change nothing). */
  readonly gatewayUpdatedAt: Date;
  /** The policy's `chargebackLossBearer` when it opened. */
  readonly lossBearer: ChargebackLossBearer;
  /**
   * The tutor's share of the disputed amount: `amountMinor × payoutMinor / chargeMinor` of the disputed
   * attempt, rounded down (0 when the platform bears the loss).
   */
  readonly tutorShareMinor: number;
  readonly tutorShare: ChargebackTutorShare;
  readonly evidence: ChargebackEvidenceState;
  /** The evidence as staged at the gateway (what the person reads before submitting), or `null`. */
  readonly stagedEvidence: DisputeEvidenceFields | null;
  readonly evidenceStagedAt: Date | null;
  /** Who submitted the evidence (a platform person's id), and when. */
  readonly submittedBy: string | null;
  readonly submittedAt: Date | null;
  readonly openedAt: Date;
  /** When a final status was first recorded, or `null`. */
  readonly closedAt: Date | null;
  readonly updatedAt: Date;
}

/** What the gateway reports about one dispute (`core.chargebacks.record`; the Stripe webhook builds it). */
export interface ChargebackReport {
  readonly sessionId: string;
  /** The ledger attempt whose charge is disputed (Stripe: from the PaymentIntent's metadata). */
  readonly attempt: number;
  readonly reference: string;
  readonly status: ChargebackStatus;
  readonly reason: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly feeMinor: number;
  readonly fundsWithdrawnMinor: number;
  readonly fundsReinstatedMinor: number;
  readonly evidenceDueBy: Date | null;
  /** When the gateway made this report (Stripe: the event's `created`); an older report than the stored one is ignored. */
  readonly reportedAt: Date;
}

/** Storage of chargebacks. Rows are written only through `SessionWrite.ledger` (`chargeback_open` / `chargeback_update`). */
export interface ChargebackReader {
  /** A session's chargebacks, by number. */
  listBySession(sessionId: string): Promise<Chargeback[]>;
  /** The chargeback with this gateway reference, or `null`. */
  findByReference(reference: string): Promise<Chargeback | null>;
  /**
   * The work list: chargebacks not in a final status (see `FINAL_CHARGEBACK_STATUSES`), and closed ones whose
   * tutor share is still to move (see {@link shareStillToMove}: `won` with the share `reversed`; `lost` with
   * `lossBearer` `tutor`, `tutorShareMinor` > 0 and the share `none`). Soonest `evidenceDueBy` first (those
   * without one last), then `openedAt`, then `sessionId`, `chargeback`; at most `limit`.
   */
  listOpen(options: { readonly limit: number }): Promise<Chargeback[]>;
}

/** A closed chargeback whose tutor share is still to move (it stays on `ChargebackReader.listOpen` until moved). */
export function shareStillToMove(c: Pick<Chargeback, 'status' | 'tutorShare' | 'lossBearer' | 'tutorShareMinor'>): boolean {
  return (c.status === 'won' && c.tutorShare === 'reversed') || (c.status === 'lost' && c.lossBearer === 'tutor' && c.tutorShareMinor > 0 && c.tutorShare === 'none');
}

/** The idempotency key of moving the tutor's share of a chargeback: one per session, chargeback and direction. */
export function chargebackShareKey(sessionId: string, chargeback: number, direction: 'reverse' | 'reinstate'): string {
  return `itutor-chargeback-${sessionId}-${chargeback}-${direction}`;
}

/** A move of the tutor's share the core asks the gateway for (`PaymentGateway.moveChargebackShare`). */
export interface ChargebackShareInstruction {
  /** `reverse`: take the share back from the tutor; `reinstate`: give it back (the platform won). */
  readonly direction: 'reverse' | 'reinstate';
  /** `chargebackShareKey(...)`: the same for every call of one move. */
  readonly idempotencyKey: string;
  readonly sessionId: string;
  readonly tutorId: string;
  readonly chargeback: number;
  /** The disputed ledger attempt. */
  readonly attempt: number;
  readonly amountMinor: number;
  readonly currency: string;
  readonly payoutTiming: PayoutTiming;
  /** The disputed attempt's gateway reference (Stripe: the PaymentIntent; `with_charge`: its charge's transfer is reversed). */
  readonly chargeReference: string;
  /** `after_review`: the succeeded payout's reference (Stripe: the transfer reversed); `null` otherwise. */
  readonly payoutReference: string | null;
}

/** What staging or submitting evidence needs (`PaymentGateway.stageChargebackEvidence` / `submitChargebackEvidence`). */
export interface ChargebackEvidenceInstruction {
  readonly sessionId: string;
  readonly chargeback: number;
  /** The gateway's dispute id. */
  readonly reference: string;
  /** The evidence to stage (`submit: false`); for a submit, the staged evidence. */
  readonly evidence: DisputeEvidenceFields;
}

/** The gateway's answer to staging or submitting evidence. */
export type ChargebackEvidenceResult =
  | { readonly status: 'succeeded' }
  /** The gateway refused it (Stripe: a validation error, or the dispute no longer takes evidence). */
  | { readonly status: 'failed'; readonly failureCode: string; readonly message?: string };

/** Re-exported for the gateway port. */
export type ChargebackShareResult = PayoutResult;

/** What `core.chargebacks.record` did with a report. */
export type ChargebackRecordOutcome = 'opened' | 'updated' | 'unchanged';

const rank = (status: ChargebackStatus) => CHARGEBACK_STATUSES.indexOf(status);
const isFinal = (status: ChargebackStatus) => FINAL_CHARGEBACK_STATUSES.includes(status);

/** Whether the platform's people must send evidence: the statuses that wait for a response. */
export function awaitsEvidence(status: ChargebackStatus): boolean {
  return status === 'needs_response' || status === 'warning_needs_response';
}

/**
 * The tutor's share of a disputed amount: in proportion to the disputed attempt's payout, rounded down (the
 * tutor is never asked for more than their part), and 0 when the platform bears the loss.
 */
export function chargebackTutorShare(amountMinor: number, attempt: Pick<ChargeAttempt, 'amountMinor' | 'payoutMinor'>, bearer: ChargebackLossBearer): number {
  if (bearer !== 'tutor' || attempt.amountMinor <= 0) return 0;
  const disputed = Math.min(amountMinor, attempt.amountMinor);
  // Exact integer arithmetic: both factors are at most 10^9 minor units in practice; BigInt keeps it exact always.
  return Number((BigInt(disputed) * BigInt(attempt.payoutMinor)) / BigInt(attempt.amountMinor));
}

/**
 * Decides what a gateway report changes (pure): a new reference opens the session's next chargeback against
 * the disputed attempt (which must have succeeded); a report about a stored one is taken when it is newer
 * (`reportedAt` later, or the same time and a later status in `CHARGEBACK_STATUSES`) — a final status is
 * never left again — and funds withdrawn / reinstated only ever grow, whatever the report's age. Entering a
 * final status writes `closedAt` and `chargeback.closed`. Events name only the chargeback's number.
 */
export function decideChargebackReport(
  ctx: TransitionContext,
  report: ChargebackReport,
  facts: { readonly charges: readonly ChargeAttempt[]; readonly chargebacks: readonly Chargeback[] },
): { readonly outcome: ChargebackRecordOutcome; readonly chargeback: Chargeback; readonly result: TransitionResult } | TransitionRefused {
  const { now, policy } = ctx;
  const stored = facts.chargebacks.find((c) => c.reference === report.reference);
  if (stored === undefined) {
    const attempt = facts.charges.find((a) => a.attempt === report.attempt && a.status === 'succeeded');
    if (!attempt) return refuse('NOTHING_TO_DISPUTE', `Attempt ${report.attempt} of the session has no succeeded charge`, { attempt: report.attempt });
    const number = facts.chargebacks.reduce((max, c) => Math.max(max, c.chargeback), 0) + 1;
    const bearer = policy.chargebackLossBearer;
    const opened: Chargeback = {
      sessionId: ctx.session.id,
      chargeback: number,
      attempt: report.attempt,
      reference: report.reference,
      status: report.status,
      reason: report.reason,
      amountMinor: report.amountMinor,
      currency: report.currency,
      feeMinor: report.feeMinor,
      fundsWithdrawnMinor: report.fundsWithdrawnMinor,
      fundsReinstatedMinor: report.fundsReinstatedMinor,
      evidenceDueBy: report.evidenceDueBy,
      gatewayUpdatedAt: report.reportedAt,
      lossBearer: bearer,
      tutorShareMinor: chargebackTutorShare(report.amountMinor, attempt, bearer),
      tutorShare: 'none',
      evidence: 'none',
      stagedEvidence: null,
      evidenceStagedAt: null,
      submittedBy: null,
      submittedAt: null,
      openedAt: now,
      closedAt: isFinal(report.status) ? now : null,
      updatedAt: now,
    };
    const events = [ctx.event('chargeback.opened', SYSTEM_ACTOR, { chargeback: number })];
    if (!isFinal(report.status)) events.push(ctx.event('chargeback.needs_attention', SYSTEM_ACTOR, { chargeback: number, reason: 'evidence_needed' }));
    else events.push(ctx.event('chargeback.closed', SYSTEM_ACTOR, { chargeback: number, outcome: report.status }));
    return { outcome: 'opened', chargeback: opened, result: accepted(ctx.next({}), events, [{ type: 'chargeback_open', chargeback: opened }]) };
  }
  const newer =
    report.reportedAt.getTime() > stored.gatewayUpdatedAt.getTime() ||
    (report.reportedAt.getTime() === stored.gatewayUpdatedAt.getTime() && rank(report.status) > rank(stored.status));
  const takeStatus = newer && !(isFinal(stored.status) && !isFinal(report.status));
  const next: Chargeback = {
    ...stored,
    ...(takeStatus ? { status: report.status, reason: report.reason, evidenceDueBy: report.evidenceDueBy } : {}),
    gatewayUpdatedAt: newer ? report.reportedAt : stored.gatewayUpdatedAt,
    feeMinor: Math.max(stored.feeMinor, report.feeMinor),
    fundsWithdrawnMinor: Math.max(stored.fundsWithdrawnMinor, report.fundsWithdrawnMinor),
    fundsReinstatedMinor: Math.max(stored.fundsReinstatedMinor, report.fundsReinstatedMinor),
  };
  const changed =
    next.status !== stored.status ||
    next.reason !== stored.reason ||
    next.evidenceDueBy?.getTime() !== stored.evidenceDueBy?.getTime() ||
    next.gatewayUpdatedAt.getTime() !== stored.gatewayUpdatedAt.getTime() ||
    next.feeMinor !== stored.feeMinor ||
    next.fundsWithdrawnMinor !== stored.fundsWithdrawnMinor ||
    next.fundsReinstatedMinor !== stored.fundsReinstatedMinor;
  if (!changed) return { outcome: 'unchanged', chargeback: stored, result: unchanged(ctx.session) };
  const closing = isFinal(next.status) && stored.closedAt === null;
  const updated: Chargeback = { ...next, closedAt: closing ? now : stored.closedAt, updatedAt: now };
  const events = closing ? [ctx.event('chargeback.closed', SYSTEM_ACTOR, { chargeback: stored.chargeback, outcome: next.status })] : [];
  return { outcome: 'updated', chargeback: updated, result: accepted(ctx.next({}), events, [{ type: 'chargeback_update', chargeback: updated }]) };
}

/** The work a stored chargeback still asks for (after each report, and on `core.chargebacks.retry()`). */
export type ChargebackWork =
  | { readonly type: 'stage' }
  | { readonly type: 'move'; readonly direction: 'reverse' | 'reinstate' }
  | { readonly type: 'withhold' };

/**
 * What is left to do for a chargeback (pure), in order: stage the evidence (none staged, and the status waits
 * for a response); then, when the tutor bears the loss and has a share — take it back once the funds are
 * withdrawn (or it is lost) and the tutor was paid (`with_charge`, or an `after_review` payout succeeded);
 * withhold it from a payout not yet sent when it is lost (none in flight); give back a reversed share once the
 * platform won. A `failed` share is left to a person.
 */
export function chargebackWork(
  chargeback: Chargeback,
  session: Pick<Session, 'payoutTiming'>,
  payouts: readonly Pick<Payout, 'status'>[],
): ChargebackWork[] {
  const work: ChargebackWork[] = [];
  if (chargeback.evidence === 'none' && awaitsEvidence(chargeback.status)) work.push({ type: 'stage' });
  if (chargeback.lossBearer !== 'tutor' || chargeback.tutorShareMinor <= 0) return work;
  const paid = session.payoutTiming === 'with_charge' || payouts.some((p) => p.status === 'succeeded');
  const inFlight = payouts.some((p) => p.status === 'pending' || p.status === 'unknown');
  const won = chargeback.status === 'won';
  if (chargeback.tutorShare === 'none' && !won) {
    const taken = chargeback.fundsWithdrawnMinor > 0 || chargeback.status === 'lost';
    if (taken && paid) work.push({ type: 'move', direction: 'reverse' });
    else if (chargeback.status === 'lost' && !paid && !inFlight) work.push({ type: 'withhold' });
  }
  if (chargeback.tutorShare === 'reversed' && won) work.push({ type: 'move', direction: 'reinstate' });
  return work;
}

/** The instruction that moves a chargeback's tutor share (see `ChargebackShareInstruction`). */
export function chargebackShareInstruction(
  session: Pick<Session, 'id' | 'tutorId' | 'payoutTiming'>,
  chargeback: Chargeback,
  direction: 'reverse' | 'reinstate',
  references: { readonly charge: string; readonly payout: string | null },
): ChargebackShareInstruction {
  return {
    direction,
    idempotencyKey: chargebackShareKey(session.id, chargeback.chargeback, direction),
    sessionId: session.id,
    tutorId: session.tutorId,
    chargeback: chargeback.chargeback,
    attempt: chargeback.attempt,
    amountMinor: chargeback.tutorShareMinor,
    currency: chargeback.currency,
    payoutTiming: session.payoutTiming,
    chargeReference: references.charge,
    payoutReference: references.payout,
  };
}

/**
 * The write after a share move's answer (pure): `succeeded` → `reversed` / `reinstated` with its event;
 * `failed` (or halted) → `failed` and `chargeback.needs_attention` (`share_move_failed`); `unknown` → nothing
 * (the move is sent again under its key by the next report or `retry()`). `withhold` needs no gateway call.
 */
export function recordShareMove(
  ctx: TransitionContext,
  chargeback: Chargeback,
  move: 'reverse' | 'reinstate' | 'withhold',
  answer: PayoutAnswer | null,
): TransitionResult {
  const now = ctx.now;
  const facts = { chargeback: chargeback.chargeback };
  const write = (tutorShare: ChargebackTutorShare, events: SessionEventDraft[]) =>
    accepted(ctx.next({}), events, [{ type: 'chargeback_update', chargeback: { ...chargeback, tutorShare, updatedAt: now } }]);
  if (move === 'withhold') return write('withheld', [ctx.event('chargeback.share_withheld', SYSTEM_ACTOR, facts)]);
  if (answer === null || (answer.status === 'unknown' && answer.halted !== true)) return unchanged(ctx.session);
  if (answer.status === 'succeeded') {
    return write(move === 'reverse' ? 'reversed' : 'reinstated', [ctx.event(move === 'reverse' ? 'chargeback.share_reversed' : 'chargeback.share_reinstated', SYSTEM_ACTOR, facts)]);
  }
  return write('failed', [ctx.event('chargeback.needs_attention', SYSTEM_ACTOR, { ...facts, reason: 'share_move_failed' })]);
}
