import { isBefore } from 'date-fns';
import { SessionError } from '../errors';
import type { SessionPolicy } from '../rules/policy';
import type { ChargeResult, SessionWrite } from '../ports';
import type { ChargeAttempt, LedgerWrite, Session } from '../session/model';
import { accepted, refuse, SYSTEM_ACTOR, transitionContext, type TransitionContext, type TransitionResult } from '../session/transition';
import { chargeDeadline, chargeIdempotencyKey } from './charges';
import { scheduledPayout } from './payouts';

/** The payout row a collected charge opens (`after_review` only), as a ledger write. */
function payoutOpened(ctx: TransitionContext, collected: Session): LedgerWrite[] {
  const payout = scheduledPayout(ctx, collected);
  return payout ? [{ type: 'payout_open', payout }] : [];
}

/** Its `payout.scheduled` event. */
function payoutScheduled(ctx: TransitionContext, collected: Session) {
  const payout = scheduledPayout(ctx, collected);
  return payout ? [ctx.event('payout.scheduled', SYSTEM_ACTOR, { payout: payout.payout, amountMinor: payout.amountMinor, dueAt: payout.dueAt.toISOString() })] : [];
}

/**
 * The one decider of gateway answers, early or late: what the gateway said (validated here, the same way
 * for charges and refunds), and what a charge answer changes — for the open attempt as settlement records
 * it, or for any other attempt (a late success). Refund answers are recorded in `refunds.ts`.
 */

/** A validated gateway answer, as the ledger records it. */
export type ChargeAnswer =
  | { readonly status: 'succeeded'; readonly reference: string | null }
  | {
      readonly status: 'failed';
      readonly failureCode: string;
      readonly reference: string | null;
      /** Only the student can make it go through (see `ChargeResult`): the charge waits for them on-session. */
      readonly needsCustomer?: boolean;
    }
  | {
      readonly status: 'unknown';
      readonly reason: string;
      readonly reference: string | null;
      /**
       * The gateway halted the attempt (it answered `{ status: 'halted', code }`; `reason` is the code):
       * the charge is failed for good at once and never sent again; the ledger row becomes `halted` (its
       * `failureCode` the code) and never changes again. See `ChargeResult`.
       */
      readonly halted?: boolean;
    };

/**
 * A validated refund answer, as the ledger records it. `unknown` covers a call that threw or timed
 * out; `halted` (the gateway answered `halted`) records the refund as failed for good with the
 * answer's code, never sent again.
 */
export type RefundAnswer =
  | { readonly status: 'succeeded' | 'pending'; readonly reference: string | null; readonly reversalFailureCode?: string }
  | { readonly status: 'failed'; readonly failureCode: string; readonly reference: string | null; readonly halted?: boolean }
  | { readonly status: 'unknown'; readonly reason: string; readonly reference: string | null };

/** A validated payout answer: like a charge's (`halted` is an `unknown` marked `halted`: failed for good). */
export type PayoutAnswer = ChargeAnswer;

const MAX_TEXT = 200;
const text = (value: unknown): string | null =>
  typeof value === 'string' && value.length > 0 && value.length <= MAX_TEXT ? value : null;

/** What any gateway answer says, read once for charges and refunds alike. */
type ReadAnswer =
  | { readonly status: 'succeeded' | 'pending'; readonly reference: string | null }
  | { readonly status: 'failed'; readonly failureCode: string; readonly reference: string | null }
  | { readonly status: 'halted'; readonly code: string; readonly reference: string | null }
  | { readonly status: 'unknown'; readonly reason: string; readonly reference: string | null };

function readAnswer(value: unknown): ReadAnswer {
  const unrecognised = { status: 'unknown', reason: 'unrecognised_answer', reference: null } as const;
  if (typeof value !== 'object' || value === null) return unrecognised;
  const answer = value as Record<string, unknown>;
  const reference = answer.reference === undefined || answer.reference === null ? null : text(answer.reference);
  // An explicit `unknown` is taken whatever its reference; any other answer needs a well-formed one.
  if (answer.status === 'unknown') return { status: 'unknown', reason: text(answer.reason) ?? 'gateway_unknown', reference };
  if (reference === null && answer.reference !== undefined && answer.reference !== null) return unrecognised;
  if (answer.status === 'succeeded' || answer.status === 'pending') return { status: answer.status, reference };
  const failureCode = text(answer.failureCode);
  if (answer.status === 'failed' && failureCode !== null) return { status: 'failed', failureCode, reference };
  const code = text(answer.code);
  if (answer.status === 'halted' && code !== null) return { status: 'halted', code, reference };
  return unrecognised;
}

/**
 * Validates a gateway's answer at the port. A well-formed `succeeded`, or `failed` with a failure code,
 * is taken as it is; a well-formed `halted` (with a `code`) is an `unknown` answer marked `halted` (its
 * `reason` the code: the attempt is stored as `halted` and the charge failed for good); an explicit
 * `unknown`, and anything else (another status, a missing or oversized field, not an object at all), is
 * `unknown` for that session alone, never an error for the batch.
 */
export function classifyChargeResult(value: unknown): ChargeAnswer {
  const answer = readAnswer(value);
  switch (answer.status) {
    case 'pending': // a charge is never `pending`: not an answer the ledger can take
      return { status: 'unknown', reason: 'unrecognised_answer', reference: null };
    case 'halted':
      return { status: 'unknown', reason: answer.code, reference: answer.reference, halted: true };
    case 'succeeded':
      return { status: 'succeeded', reference: answer.reference };
    case 'failed': {
      const needsCustomer = (value as { needsCustomer?: unknown }).needsCustomer === true || answer.failureCode === AUTHENTICATION_REQUIRED;
      return needsCustomer ? { ...answer, needsCustomer } : answer;
    }
    default:
      return answer;
  }
}

/** The failure code that always means the student must act (3-D Secure), whatever the gateway's flag says. */
export const AUTHENTICATION_REQUIRED = 'authentication_required';

/**
 * Validates a gateway's refund answer at the port, like `classifyChargeResult`: a well-formed `succeeded`,
 * `pending`, or `failed` with a failure code is taken as it is; a well-formed `halted` (with a `code`) is
 * failed for good with that code (`halted: true`); anything else is `unknown` (retried under the same key).
 */
export function classifyRefundResult(value: unknown): RefundAnswer {
  const answer = readAnswer(value);
  if (answer.status === 'halted') return { status: 'failed', failureCode: answer.code, reference: answer.reference, halted: true };
  // A refund that came back while the tutor's transfer could not be reversed: kept, to be flagged.
  const reversal = text((value as { reversalFailureCode?: unknown }).reversalFailureCode);
  return reversal !== null && (answer.status === 'succeeded' || answer.status === 'pending') ? { ...answer, reversalFailureCode: reversal } : answer;
}

/** Validates a gateway's payout (transfer) answer at the port, exactly like a charge's (`classifyChargeResult`). */
export function classifyPayoutResult(value: unknown): PayoutAnswer {
  return classifyChargeResult(value);
}

/**
 * `RECORD_CHARGE_RESULT`: the gateway's answer for the open attempt. A success collects the charge; a
 * decline closes the attempt (the next retry opens a new key); an unknown answer keeps it open; the
 * attempt cap, the deadline and a halt fail the charge for good, flagged for a person.
 */
export function recordChargeResult(ctx: TransitionContext, attempt: number, result: ChargeAnswer): TransitionResult {
  const { session, now, policy } = ctx;
  // The only change a final session accepts: bookkeeping of its own charge, never its outcome.
  const awaiting = session.chargeStatus === 'awaiting_customer';
  if ((session.chargeStatus !== 'pending' && !awaiting) || session.chargeIdempotencyKey === null) {
    return refuse('NO_CHARGE_PENDING', `Session has no charge awaiting an answer (${session.chargeStatus})`);
  }
  if (attempt !== session.chargeAttempts) {
    return refuse('NO_CHARGE_PENDING', `Attempt ${attempt} is not the open attempt (${session.chargeAttempts})`);
  }
  // A halted attempt is stored as `halted` (never changed again), not `unknown` (which may still take an answer).
  const halted = result.status === 'unknown' && result.halted === true;
  const answer: LedgerWrite = {
    type: 'answer',
    sessionId: session.id,
    attempt,
    status: halted ? 'halted' : result.status,
    gatewayReference: result.reference,
    failureCode: result.status === 'failed' ? result.failureCode : result.status === 'unknown' ? result.reason : null,
    answeredAt: now,
  };
  const facts = { attempt, amountMinor: session.chargeAmountMinor };
  if (result.status === 'succeeded') {
    const collected = ctx.next({ chargeStatus: 'succeeded', chargeReference: result.reference });
    return accepted(collected, [ctx.event('charge.succeeded', SYSTEM_ACTOR, facts), ...payoutScheduled(ctx, collected)], [answer, ...payoutOpened(ctx, collected)]);
  }
  const events = [
    result.status === 'failed'
      ? ctx.event('charge.failed', SYSTEM_ACTOR, { ...facts, failureCode: result.failureCode, ...(result.needsCustomer ? { needsCustomer: true } : {}) })
      : ctx.event('charge.unknown', SYSTEM_ACTOR, { ...facts, reason: result.reason }),
  ];
  // A definite failure closes the attempt (the next retry opens a new key); an unknown keeps it open.
  const closed = result.status === 'failed' ? { chargeIdempotencyKey: null } : {};
  // Only the student can fix it, or the student's own attempt failed: it waits for them, never sent off-session
  // again, and the host is told once (on entering the state). A halt still fails it for good.
  if (!halted && ((result.status === 'failed' && result.needsCustomer === true) || (awaiting && result.status === 'failed'))) {
    const told = awaiting ? [] : [ctx.event('charge.customer_action_required', SYSTEM_ACTOR, { ...facts, failureCode: result.failureCode })];
    return accepted(ctx.next({ chargeStatus: 'awaiting_customer', chargeIdempotencyKey: null }), [...events, ...told], [answer]);
  }
  // The student's own attempt is theirs to finish: no cap and no deadline while it waits for them.
  if (awaiting && !halted) return accepted(ctx.next(closed), events, [answer]);
  const deadline = chargeDeadline(session, policy);
  const pastDeadline = deadline !== null && !isBefore(now, deadline);
  const attemptsUsed = result.status === 'failed' && attempt >= policy.maxChargeAttempts;
  if (!attemptsUsed && !pastDeadline && !halted) return accepted(ctx.next(closed), events, [answer]);
  events.push(
    ctx.event('charge.needs_attention', SYSTEM_ACTOR, {
      ...facts,
      reason: halted ? 'gateway_halted' : attemptsUsed ? 'attempts_exhausted' : 'deadline_passed',
      lastAnswer: result.status,
      ...(halted ? { code: result.reason } : {}),
    }),
  );
  return accepted(ctx.next({ chargeStatus: 'failed', ...closed }), events, [answer]);
}

/** A gateway's answer for one ledger attempt, reported outside settlement (a payment webhook). */
export interface ChargeAnswerInput {
  readonly sessionId: string;
  /** The ledger attempt the answer is for (the gateway got it with the charge, e.g. in Stripe's metadata). */
  readonly attempt: number;
  /** The answer, validated like a gateway's: anything but a well-formed `succeeded` / `failed` is `unknown`. */
  readonly result: ChargeResult;
}

/**
 * What `core.charges.recordAnswer` did:
 * - `recorded`: the answer of the open attempt, recorded exactly as settlement records a gateway's answer
 *   (a success collects the charge, a decline closes the attempt, the caps and deadline apply);
 * - `unchanged`: nothing to record — a repeated answer, an `unknown` answer (the attempt is already
 *   awaiting its answer and settlement retries it under the same key), or a decline / unknown answer for
 *   an attempt that is no longer open;
 * - `late_success`: money was taken on an attempt the core had closed (declined, superseded, halted, or
 *   failed for good): recorded — on the attempt's own row while it may still take an answer, else on a new
 *   `succeeded` row, the declined or halted one never changing — and flagged for a person (see
 *   `decideChargeAnswer`).
 */
export type ChargeAnswerOutcome = 'recorded' | 'unchanged' | 'late_success';

/** The result of `core.charges.recordAnswer`: the session after the answer, and what was done. */
export interface ChargeAnswerReport {
  readonly session: Session;
  readonly outcome: ChargeAnswerOutcome;
}

/** The write a charge answer needs, or `null` when it changes nothing. */
export interface ChargeAnswerDecision {
  readonly outcome: ChargeAnswerOutcome;
  readonly write: Omit<SessionWrite, 'expectedVersion'> | null;
}

/** The reason of the `charge.needs_attention` event of a late success. */
export const LATE_SUCCESS_REASON = 'late_success';

/**
 * Decides what a gateway's answer for ledger attempt `attempt` changes (pure: no I/O, no clock), early
 * or late: the one decider of charge answers. `ledger` is the session's attempts; `lateSuccessFlagged` says whether a late success of this attempt
 * was already flagged (read from the audit log; it matters only when another attempt succeeded).
 *
 * - The open attempt (`chargeStatus: 'pending'`, a key, `attempt = chargeAttempts`): a `succeeded` or
 *   `failed` answer goes through the state machine's `RECORD_CHARGE_RESULT`, as in settlement; an
 *   `unknown` one changes nothing. An answer that names another gateway reference than the one already
 *   stored on the attempt is not the attempt's own answer (one key, one gateway charge; storage never
 *   replaces a stored reference): a `succeeded` one is recorded like a late success on a row of its own and
 *   flagged for a person (below), anything else changes nothing.
 * - Any other attempt, answered `succeeded` — a late success (the attempt had been declined and a new one
 *   opened, or the charge was failed for good while the attempt's answer was unknown or after the gateway
 *   halted it, or a person confirmed a declined charge with the student on-session):
 *   - when no attempt has succeeded, the money is collected: the session becomes `chargeStatus:
 *     'succeeded'` with the reference and no open attempt (so no further attempt is ever sent), with
 *     `charge.succeeded` (`late: true`) and `charge.needs_attention` (`reason: 'late_success'`,
 *     `chargedTwice: false`): a later attempt may have been sent too, or a person may already be chasing
 *     the charge. Where the success is recorded follows the ledger's storage rules (a succeeded, declined
 *     or halted attempt never changes):
 *     - an attempt still `pending` or `unknown` (the charge was failed for good at the deadline while its
 *       answer was unknown) takes the answer on its own row, which becomes `succeeded` (unless the answer
 *       names another reference than the one stored on the row, which storage never replaces: then as
 *       below);
 *     - a `failed` (declined) or `halted` attempt stays exactly as it is, and the success is appended as
 *       a new ledger row: the next attempt number, its own derived key (`chargeIdempotencyKey`, never sent
 *       to the gateway), the session's outcome and amounts, status `succeeded`, the late reference (or the
 *       answered attempt's), `calls: 0`, requested and answered now; the session's `chargeAttempts` counts
 *       it. `charge.succeeded` then names the new row (`attempt`) and the attempt the gateway answered
 *       (`answeredAttempt`).
 *     Either way `charge.needs_attention` names the answered attempt (`attempt`) and the row now holding
 *     the success (`recordedAttempt`). The ledger keeps exactly one succeeded row.
 *   - when another attempt already succeeded, the student was charged twice: the ledger keeps its one
 *     succeeded attempt (the rule "at most one succeeded charge per session" holds in storage) and only
 *     `charge.needs_attention` (`reason: 'late_success'`, `chargedTwice: true`, `succeededAttempt`: the
 *     ledger row holding the success) is appended, once per attempt. A person refunds one charge; find it
 *     at the gateway by the session id and attempt (the Stripe gateway puts both in the PaymentIntent's
 *     metadata; for a success recorded on an appended row, its `charge.succeeded` event names the answered
 *     attempt). References are not put in events (participants can read events).
 * - Any other attempt, answered `failed` or `unknown`, or `succeeded` when its row already says so:
 *   nothing changes.
 */
export function decideChargeAnswer(input: {
  readonly session: Session;
  readonly ledger: readonly ChargeAttempt[];
  readonly attempt: number;
  readonly answer: ChargeAnswer;
  readonly now: Date;
  /** Default: `DEFAULT_POLICY`. */
  readonly policy?: SessionPolicy;
  readonly lateSuccessFlagged: boolean;
}): ChargeAnswerDecision {
  const { session, ledger, attempt, answer, now, lateSuccessFlagged } = input;
  const ctx = transitionContext(session, now, input.policy);
  const row = ledger.find((a) => a.attempt === attempt);
  if (!row) throw new SessionError('NOT_FOUND', `Session ${session.id} has no charge attempt ${attempt}`, { attempt });
  const open =
    (session.chargeStatus === 'pending' || session.chargeStatus === 'awaiting_customer') && session.chargeIdempotencyKey !== null && attempt === session.chargeAttempts;
  // One key, one gateway charge: an answer naming another reference than the one stored on the attempt
  // is not that attempt's own answer, and storage never replaces a stored reference.
  const ownReference = answer.reference === null || row.gatewayReference === null || answer.reference === row.gatewayReference;
  if (open && ownReference) {
    if (answer.status === 'unknown') return { outcome: 'unchanged', write: null };
    const result = recordChargeResult(ctx, attempt, answer);
    if (!result.ok) throw result.error;
    return { outcome: 'recorded', write: { next: result.session, events: result.events, ledger: result.ledger } };
  }
  if (answer.status !== 'succeeded' || row.status === 'succeeded') return { outcome: 'unchanged', write: null };

  const other = ledger.find((a) => a.status === 'succeeded');
  if (other && lateSuccessFlagged) return { outcome: 'unchanged', write: null };
  const event = (type: 'charge.needs_attention' | 'charge.succeeded', payload: Record<string, unknown>) => ctx.event(type, SYSTEM_ACTOR, payload);
  // Where the success is (or already was) recorded: the answered row while it may still take this answer
  // (open to one, and no other reference stored on it), else a new row after every attempt opened so far.
  const takesAnswer = (row.status === 'pending' || row.status === 'unknown') && ownReference;
  const recordedAttempt = other?.attempt ?? (takesAnswer ? attempt : Math.max(session.chargeAttempts, ...ledger.map((a) => a.attempt)) + 1);
  const attention = event('charge.needs_attention', {
    attempt,
    amountMinor: row.amountMinor,
    reason: LATE_SUCCESS_REASON,
    chargedTwice: other !== undefined,
    succeededAttempt: other?.attempt ?? null,
    recordedAttempt,
    previousChargeStatus: session.chargeStatus,
    openAttempt: session.chargeIdempotencyKey !== null && session.chargeAttempts !== attempt ? session.chargeAttempts : null,
  });
  const bumped = { ...session, version: session.version + 1, updatedAt: now };
  if (other) return { outcome: 'late_success', write: { next: bumped, events: [attention], ledger: [] } };
  const reference = answer.reference ?? row.gatewayReference;
  const recorded: LedgerWrite = takesAnswer
    ? { type: 'answer', sessionId: session.id, attempt, status: 'succeeded', gatewayReference: answer.reference, failureCode: null, answeredAt: now }
    : {
        type: 'open',
        attempt: {
          sessionId: session.id,
          attempt: recordedAttempt,
          idempotencyKey: chargeIdempotencyKey(session.id, row.outcome, recordedAttempt),
          outcome: row.outcome,
          amountMinor: row.amountMinor,
          payoutMinor: row.payoutMinor,
          feeMinor: row.feeMinor,
          currency: row.currency,
          status: 'succeeded',
          gatewayReference: reference,
          failureCode: null,
          calls: 0,
          requestedAt: now,
          answeredAt: now,
        },
      };
  const succeeded = takesAnswer
    ? { attempt, amountMinor: row.amountMinor, late: true }
    : { attempt: recordedAttempt, amountMinor: row.amountMinor, late: true, answeredAttempt: attempt };
  const collected: Session = {
    ...bumped,
    chargeStatus: 'succeeded',
    chargeReference: reference,
    chargeIdempotencyKey: null,
    chargeAttempts: Math.max(session.chargeAttempts, recordedAttempt),
  };
  return {
    outcome: 'late_success',
    write: {
      next: collected,
      events: [event('charge.succeeded', succeeded), attention, ...payoutScheduled(ctx, collected)],
      ledger: [recorded, ...payoutOpened(ctx, collected)],
    },
  };
}

