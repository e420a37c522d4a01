import { retryCompareAndSet } from './compare-and-set';
import { SessionError } from './errors';
import { classifyChargeResult, SYSTEM_ACTOR, transition, type ChargeAnswer } from './machine';
import type { SessionPolicy } from './policy';
import type { ChargeLedgerReader, ChargeResult, Clock, EventLogReader, SessionRepository, SessionWrite } from './ports';
import type { ChargeAttempt, LedgerWrite, Session, SessionEventDraft } from './session';

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
 * - `late_success`: money was taken on an attempt the core had closed (declined, superseded, or failed
 *   for good): recorded and flagged for a person (see {@link decideChargeAnswer}).
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
 *   `unknown` one changes nothing.
 * - Any other attempt, answered `succeeded` — a late success (the attempt had been declined and a new one
 *   opened, or the charge was failed for good while the attempt's answer was unknown, or a person
 *   confirmed a declined charge with the student on-session):
 *   - when no attempt has succeeded, the money is collected by this attempt: its ledger row becomes
 *     `succeeded`, the session `chargeStatus: 'succeeded'` with its reference and no open attempt (so no
 *     further attempt is sent), with `charge.succeeded` (`late: true`) and `charge.needs_attention`
 *     (`reason: 'late_success'`, `chargedTwice: false`): a later attempt may have been sent too, or a
 *     person may already be chasing the charge;
 *   - when another attempt already succeeded, the student was charged twice: the ledger keeps its one
 *     succeeded attempt (the rule "at most one succeeded charge per session" holds in storage) and only
 *     `charge.needs_attention` (`reason: 'late_success'`, `chargedTwice: true`, `succeededAttempt`) is
 *     appended, once per attempt. A person refunds one charge; find it at the gateway by the session id
 *     and attempt (the Stripe gateway puts both in the PaymentIntent's metadata). References are not put
 *     in events (participants can read events).
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
  if (open) {
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
  const attention = event('charge.needs_attention', {
    attempt,
    amountMinor: row.amountMinor,
    reason: LATE_SUCCESS_REASON,
    chargedTwice: other !== undefined,
    succeededAttempt: other?.attempt ?? null,
    previousChargeStatus: session.chargeStatus,
    openAttempt: session.chargeIdempotencyKey !== null && session.chargeAttempts !== attempt ? session.chargeAttempts : null,
  });
  const bumped = { ...session, version: session.version + 1, updatedAt: now };
  if (other) return { outcome: 'late_success', write: { next: bumped, events: [attention], ledger: [] } };
  const recorded: LedgerWrite = {
    type: 'answer',
    sessionId: session.id,
    attempt,
    status: 'succeeded',
    gatewayReference: answer.reference,
    failureCode: null,
    answeredAt: now,
  };
  return {
    outcome: 'late_success',
    write: {
      next: { ...bumped, chargeStatus: 'succeeded', chargeReference: answer.reference ?? row.gatewayReference, chargeIdempotencyKey: null },
      events: [event('charge.succeeded', { attempt, amountMinor: row.amountMinor, late: true }), attention],
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
