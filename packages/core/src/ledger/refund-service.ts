import { subMilliseconds } from 'date-fns';
import { lostRace, retryUntilDecided } from '../command/compare-and-set';
import { withDeadline } from '../deadline';
import { SessionError } from '../errors';
import { classifyRefundResult, refundInstructionFor, transition, type RefundAnswer } from '../session/machine';
import type { SessionPolicy } from '../rules/policy';
import type { ChargeLedgerReader, Clock, PaymentGateway, SessionRepository } from '../ports';
import type { Refund, RefundLedgerReader } from './refunds';
import type { Session } from '../session/model';

/** Input of `core.refundCharge`. */
export interface RefundChargeInput {
  readonly sessionId: string;
  /** Minor units to return (whole, ≥ 1, at most what is left of the charge). Default: all that is left. */
  readonly amountMinor?: number;
  /** Why (1–200 characters; participants can read it in the audit log and the refund rows). */
  readonly reason: string;
  /** Who asks (the host has checked they may: the core does not decide who may refund). */
  readonly actorId: string;
}

/** What `core.refundCharge` did: the session after the refund's answer was recorded, and the refund row. */
export interface RefundReport {
  readonly session: Session;
  /** The refund as stored: `succeeded`, `pending` (accepted, the webhook finishes it), `failed` or `unknown`. */
  readonly refund: Refund;
}

/** What one `core.retryRefunds()` pass did. */
export interface RefundRetryReport {
  /** Refunds sent again under their own key. */
  readonly retried: number;
  readonly succeeded: number;
  /** Accepted by the gateway, final answer still to come (its webhook). */
  readonly pending: number;
  readonly failed: number;
  /** Still unknown: retried by a later pass. */
  readonly unknown: number;
  /** Answers that could not be recorded because the session kept changing (retried by a later pass). */
  readonly conflicts: number;
}

/** The refund services of the core: `refundCharge`, `retryRefunds`, `listRefunds`. */
export function createRefundService(deps: {
  readonly sessions: SessionRepository;
  readonly charges: ChargeLedgerReader;
  readonly refunds: RefundLedgerReader | undefined;
  readonly gateway: PaymentGateway;
  readonly clock: Clock;
  readonly policy: SessionPolicy;
  /** Time limit of one gateway call (the settlement's `chargeTimeoutMs`). */
  readonly timeoutMs: number;
}) {
  const { sessions, charges, gateway, clock, policy, timeoutMs } = deps;

  function requireRefunds(needsGateway = true): RefundLedgerReader {
    if (deps.refunds === undefined) {
      throw new SessionError('REFUNDS_NOT_SUPPORTED', 'The adapter has no refund ledger (SessionsAdapter.refunds)');
    }
    if (needsGateway && typeof gateway.refund !== 'function') {
      throw new SessionError('REFUNDS_NOT_SUPPORTED', 'The payment gateway cannot refund (PaymentGateway.refund is missing)');
    }
    return deps.refunds;
  }

  /** One gateway call for a refund under the time limit. Never throws: a throw or a timeout is `unknown`. */
  async function callGateway(refund: Refund): Promise<RefundAnswer> {
    const charge = (await charges.listBySession(refund.sessionId)).find((a) => a.attempt === refund.attempt);
    if (!charge) return { status: 'unknown', reason: 'charge_not_found', reference: null };
    const instruction = refundInstructionFor(refund, charge);
    return withDeadline(
      (signal) =>
        Promise.resolve()
          .then(() => gateway.refund!(instruction, { signal }))
          // A halt is an answer (`{ status: 'halted', code }`); a throw, whatever it carries, is unknown.
          .then(classifyRefundResult, (): RefundAnswer => ({ status: 'unknown', reason: 'gateway_error', reference: null })),
      { timeoutMs, what: 'the refund call', onTimeout: () => ({ status: 'unknown', reason: 'timeout', reference: null }) },
    );
  }

  /**
   * Records a refund's answer through the state machine (read → transition → compare-and-set), judged again
   * after every lost race (`retryUntilDecided`: `CONFLICT` only when storage keeps refusing while nothing
   * changes).
   */
  function record(sessionId: string, number: number, answer: RefundAnswer): Promise<RefundReport> {
    const ledger = requireRefunds(false);
    return retryUntilDecided('The session', async () => {
      const current = await sessions.findById(sessionId);
      if (!current) throw new SessionError('NOT_FOUND', `Session ${sessionId} was not found`);
      const rows = await ledger.listBySession(sessionId);
      const result = transition(current, { type: 'RECORD_REFUND_RESULT', refund: number, result: answer, refunds: rows }, clock.now(), policy);
      if (!result.ok) throw result.error;
      const row = (list: readonly Refund[]) => list.find((r) => r.refund === number)!;
      if (!result.changed) return { session: current, refund: row(rows) };
      const [stored] = await sessions.applyWrites([
        { expectedVersion: current.version, next: { ...result.session, claimedUntil: current.claimedUntil }, events: result.events, ledger: result.ledger },
      ]);
      if (!stored) return lostRace(current.version);
      return { session: stored, refund: row(await ledger.listBySession(sessionId)) };
    });
  }

  return {
    async refundCharge(input: RefundChargeInput): Promise<RefundReport> {
      const ledger = requireRefunds();
      if (typeof input?.sessionId !== 'string' || input.sessionId === '' || input.sessionId.length > 200) {
        throw new SessionError('INVALID_INPUT', 'sessionId must be a non-empty string of at most 200 characters', {
          issues: [{ path: 'sessionId', message: 'invalid' }],
        });
      }
      // Open the refund first (persisted, with its own key), then call the gateway. A racing refund that
      // wins first is no reason to fail: this one is judged again against it until it is opened or refused
      // for what is left (`NOTHING_TO_REFUND`, `REFUND_EXCEEDS_CHARGE`).
      const opened = await retryUntilDecided('The session', async () => {
        const current = await sessions.findById(input.sessionId);
        if (!current) throw new SessionError('NOT_FOUND', `Session ${input.sessionId} was not found`);
        const [attempts, rows] = await Promise.all([charges.listBySession(current.id), ledger.listBySession(current.id)]);
        const result = transition(
          current,
          { type: 'REQUEST_REFUND', amountMinor: input.amountMinor ?? null, reason: input.reason, actorId: input.actorId, charges: attempts, refunds: rows },
          clock.now(),
          policy,
        );
        if (!result.ok) throw result.error;
        const [stored] = await sessions.applyWrites([
          { expectedVersion: current.version, next: { ...result.session, claimedUntil: current.claimedUntil }, events: result.events, ledger: result.ledger },
        ]);
        const open = result.ledger[0];
        if (!stored) return lostRace(current.version);
        if (open?.type !== 'refund_open') throw new Error('The state machine accepted a refund without opening one');
        return open.refund;
      });
      const answer = await callGateway(opened);
      try {
        return await record(opened.sessionId, opened.refund, answer);
      } catch (error) {
        // The refund is stored and was sent: an error now must not invite the caller to refund again (a
        // second refund). When storage kept refusing the answer's write (`CONFLICT`), answer the refund as
        // stored — still open, and `retryRefunds()` sends it again under its key and records the answer.
        if (!(error instanceof SessionError && error.code === 'CONFLICT')) throw error;
        const [session, rows] = await Promise.all([sessions.findById(opened.sessionId), ledger.listBySession(opened.sessionId)]);
        const refund = rows.find((r) => r.refund === opened.refund);
        if (!session || !refund) throw error;
        return { session, refund };
      }
    },

    async retryRefunds(options: { limit?: number } = {}): Promise<RefundRetryReport> {
      const ledger = requireRefunds();
      const limit = options.limit ?? 100;
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) {
        throw new SessionError('INVALID_INPUT', 'limit must be a whole number from 1 to 1000', { issues: [{ path: 'limit', message: 'out of range' }] });
      }
      // A refund opened or answered within one call's time limit may still be in flight: leave it.
      const due = await ledger.listToRetry({ before: subMilliseconds(clock.now(), timeoutMs), limit });
      const tally = { retried: 0, succeeded: 0, pending: 0, failed: 0, unknown: 0, conflicts: 0 };
      await Promise.all(
        due.map(async (refund) => {
          tally.retried++;
          try {
            const { refund: stored } = await record(refund.sessionId, refund.refund, await callGateway(refund));
            tally[stored.status]++;
          } catch (error) {
            if (error instanceof SessionError && error.code === 'CONFLICT') tally.conflicts++;
            else throw error;
          }
        }),
      );
      return tally;
    },

    async recordRefundAnswer(input: { sessionId: string; refund: number; result: unknown }): Promise<RefundReport> {
      requireRefunds(false);
      if (!Number.isSafeInteger(input?.refund) || input.refund < 1) {
        throw new SessionError('INVALID_INPUT', 'refund must be a whole number ≥ 1', { issues: [{ path: 'refund', message: 'invalid' }] });
      }
      return record(input.sessionId, input.refund, classifyRefundResult(input.result));
    },

    listRefunds(sessionId: string): Promise<Refund[]> {
      return requireRefunds(false).listBySession(sessionId);
    },
  };
}
