import { retryCompareAndSet } from '../command/compare-and-set';
import { SessionError } from '../errors';
import { chargeIdempotencyKey, classifyChargeResult, SYSTEM_ACTOR, transition, type ChargeAnswer } from '../session/machine';
import type { SessionPolicy } from '../rules/policy';
import type { ChargeLedgerReader, ChargeResult, Clock, EventLogReader, SessionRepository, SessionWrite } from '../ports';
import type { ChargeAttempt, LedgerWrite, Session, SessionEventDraft } from '../session/model';

/** A gateway's answer for one ledger attempt, reported outside settlement (a payment webhook). */
export interface ChargeAnswerInput {
  readonly sessionId: string;
  /** The ledger attempt the answer is for (the gateway got it with the charge, e.g. in Stripe's metadata). */
  readonly attempt: number;
  /** The answer, validated like a gateway's: anything but a well-formed `succeeded` / `failed` is `unknown`. */
  readonly result: ChargeResult;
}

/**
 * What `recordChargeAnswer` did:
 * - `recorded`: the answer of the open attempt, recorded exactly as settlement records a gateway's answer
 *   (a success collects the charge, a decline closes the attempt, the caps and deadline apply);
 * - `unchanged`: nothing to record — a repeated answer, an `unknown` answer (the attempt is already
 *   awaiting its answer and settlement retries it under the same key), or a decline / unknown answer for
 *   an attempt that is no longer open;
 * - `late_success`: money was taken on an attempt the core had closed (declined, superseded, halted, or
 *   failed for good): recorded — on the attempt's own row while it may still take an answer, else on a new
 *   `succeeded` row, the declined or halted one never changing — and flagged for a person (see
 *   {@link decideChargeAnswer}).
 */
export type ChargeAnswerOutcome = 'recorded' | 'unchanged' | 'late_success';

/** The result of `recordChargeAnswer`: the session after the answer, and what was done. */
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
 * Decides what a gateway's answer for ledger attempt `attempt` changes (pure: no I/O, no clock).
 * `ledger` is the session's attempts; `lateSuccessFlagged` says whether a late success of this attempt
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
export function decideChargeAnswer(
  session: Session,
  ledger: readonly ChargeAttempt[],
  attempt: number,
  answer: ChargeAnswer,
  now: Date,
  policy: SessionPolicy,
  lateSuccessFlagged: boolean,
): ChargeAnswerDecision {
  const row = ledger.find((a) => a.attempt === attempt);
  if (!row) throw new SessionError('NOT_FOUND', `Session ${session.id} has no charge attempt ${attempt}`, { attempt });
  const open = session.chargeStatus === 'pending' && session.chargeIdempotencyKey !== null && attempt === session.chargeAttempts;
  // One key, one gateway charge: an answer naming another reference than the one stored on the attempt
  // is not that attempt's own answer, and storage never replaces a stored reference.
  const ownReference = answer.reference === null || row.gatewayReference === null || answer.reference === row.gatewayReference;
  if (open && ownReference) {
    if (answer.status === 'unknown') return { outcome: 'unchanged', write: null };
    const result = transition(session, { type: 'RECORD_CHARGE_RESULT', attempt, result: answer }, now, policy);
    if (!result.ok) throw result.error;
    return { outcome: 'recorded', write: { next: result.session, events: result.events, ledger: result.ledger } };
  }
  if (answer.status !== 'succeeded' || row.status === 'succeeded') return { outcome: 'unchanged', write: null };

  const other = ledger.find((a) => a.status === 'succeeded');
  if (other && lateSuccessFlagged) return { outcome: 'unchanged', write: null };
  const event = (type: SessionEventDraft['type'], payload: Record<string, unknown>): SessionEventDraft => ({
    type,
    sessionId: session.id,
    tutorId: session.tutorId,
    actor: SYSTEM_ACTOR,
    occurredAt: now,
    payload,
  });
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
  return {
    outcome: 'late_success',
    write: {
      next: {
        ...bumped,
        chargeStatus: 'succeeded',
        chargeReference: reference,
        chargeIdempotencyKey: null,
        chargeAttempts: Math.max(session.chargeAttempts, recordedAttempt),
      },
      events: [event('charge.succeeded', succeeded), attention],
      ledger: [recorded],
    },
  };
}

/** Records gateway answers reported outside settlement: `core.recordChargeAnswer`. */
export function createChargeAnswerRecorder(deps: {
  readonly sessions: SessionRepository;
  readonly charges: ChargeLedgerReader;
  readonly events: EventLogReader;
  readonly clock: Clock;
  readonly policy: SessionPolicy;
}) {
  const { sessions, charges, events, clock, policy } = deps;
  return async function recordChargeAnswer(input: ChargeAnswerInput): Promise<ChargeAnswerReport> {
    const issues: Array<{ path: string; message: string }> = [];
    if (typeof input?.sessionId !== 'string' || input.sessionId === '' || input.sessionId.length > 200) {
      issues.push({ path: 'sessionId', message: 'must be a non-empty string of at most 200 characters' });
    }
    if (!Number.isSafeInteger(input?.attempt) || input.attempt < 1) issues.push({ path: 'attempt', message: 'must be a whole number ≥ 1' });
    if (issues.length > 0) {
      throw new SessionError('INVALID_INPUT', `Invalid charge answer: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, { issues });
    }
    const answer = classifyChargeResult(input.result);
    return retryCompareAndSet('The session', async () => {
      const current = await sessions.findById(input.sessionId);
      if (!current) throw new SessionError('NOT_FOUND', `Session ${input.sessionId} was not found`);
      const ledger = await charges.listBySession(current.id);
      // The audit log is read only when the decision needs it: a success of an attempt after another succeeded.
      const needsHistory = answer.status === 'succeeded' && ledger.some((a) => a.status === 'succeeded' && a.attempt !== input.attempt);
      const flagged =
        needsHistory &&
        (await events.listBySession(current.id)).some(
          (e) => e.type === 'charge.needs_attention' && e.payload.reason === LATE_SUCCESS_REASON && e.payload.attempt === input.attempt,
        );
      const decision = decideChargeAnswer(current, ledger, input.attempt, answer, clock.now(), policy, flagged);
      if (decision.write === null) return { session: current, outcome: decision.outcome };
      // Settlement's lease stays as it is while the charge is still to be collected; none once it is settled.
      const next = { ...decision.write.next, claimedUntil: decision.write.next.chargeStatus === 'pending' ? current.claimedUntil : null };
      const [stored] = await sessions.applyWrites([{ expectedVersion: current.version, ...decision.write, next }]);
      return stored ? { session: stored, outcome: decision.outcome } : null;
    });
  };
}
