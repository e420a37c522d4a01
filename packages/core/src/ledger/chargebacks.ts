import type { DisputeEvidenceFields } from './evidence';
import type { PayoutResult } from './payouts';
import type { ChargebackLossBearer, PayoutTiming } from '../rules/policy';

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
   * The platform's work list: chargebacks not in a final status (see `FINAL_CHARGEBACK_STATUSES`), soonest
   * `evidenceDueBy` first (those without one last), then `openedAt`, then `sessionId`, `chargeback`; at most `limit`.
   */
  listOpen(options: { readonly limit: number }): Promise<Chargeback[]>;
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
