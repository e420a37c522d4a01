import { subMilliseconds } from 'date-fns';
import type { CoreContext } from '../command/context';
import { withDeadline } from '../deadline';
import { isSessionError, SessionError } from '../errors';
import { transition } from '../session/machine';
import type { Session } from '../session/model';
import { classifyPayoutResult, type PayoutAnswer } from './answers';
import { payoutsFromLedger, type Payout, type PayoutInstruction, type PayoutLedger, type PayoutLedgerReader } from './payouts';

/** What `core.payouts.recordAnswer` did: the session after the answer, and the payout row. */
interface PayoutReport {
  readonly session: Session;
  readonly payout: Payout;
}

/** What one `core.payouts.run()` pass did. */
interface PayoutRunReport {
  /** Payouts acted on (due scheduled ones, and sent ones whose answer was unknown). */
  readonly due: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Still unknown: sent again under the same key by a later pass. */
  readonly unknown: number;
  /** Nothing left to pay (refunded in full): closed without a transfer. */
  readonly cancelled: number;
  /** Held back by a dispute opened meanwhile, or not due after all. */
  readonly held: number;
  /** Answers that could not be recorded because the session kept changing (a later pass finishes them). */
  readonly conflicts: number;
}

/** `core.payouts`: the tutor's share, moved in a step of its own (see `ledger/payouts.ts`). */
export interface PayoutsResource {
  /**
   * A session's payouts (server-side: with keys and references; see `toPublicPayout`). A `with_charge`
   * session answers the one payout that completed with its charge (none before the charge succeeded).
   */
  list(sessionId: string): Promise<Payout[]>;
  /**
   * The cron's payout pass: sends every `after_review` payout that is due and not held by a dispute — for
   * the outcome's payout less the tutor's part of the refunds, fixed in a compare-and-set before the
   * gateway's `transfer` is called under the payout's own key — and sends again, under the same key, those
   * whose answer is unknown once one call's time limit has passed. Records every answer (a decline opens
   * the next payout under a new key until `maxChargeAttempts`, then `payout.needs_attention`). A dispute
   * opened while the pass runs either wins the race (the payout stays held) or loses it (the payout was
   * already sent: a later refund reverses the transfer). At most `limit` (default 100, at most 1000) payouts.
   */
  run(options?: { limit?: number }): Promise<{
    /** Payouts acted on (due scheduled ones, and sent ones whose answer was unknown). */
    readonly due: number;
    readonly succeeded: number;
    readonly failed: number;
    /** Still unknown: sent again under the same key by a later pass. */
    readonly unknown: number;
    /** Nothing left to pay (refunded in full): closed without a transfer. */
    readonly cancelled: number;
    /** Held back by a dispute opened meanwhile, or not due after all. */
    readonly held: number;
    /** Answers that could not be recorded because the session kept changing (a later pass finishes them). */
    readonly conflicts: number;
  }>;
  /**
   * Records a gateway's answer for payout `payout` that arrived outside `run` (a webhook). Only a sent,
   * open payout takes it; validated like a gateway's answer.
   */
  recordAnswer(input: { sessionId: string; payout: number; result: unknown }): Promise<{ readonly session: Session; readonly payout: Payout }>;
}

/** Reads a session's whole ledger beside each other (charges, refunds, payouts, dispute). */
export async function readLedger(ctx: CoreContext, sessionId: string): Promise<PayoutLedger> {
  const { adapter } = ctx;
  const [charges, refunds, payouts, dispute, chargebacks] = await Promise.all([
    adapter.charges.listBySession(sessionId),
    adapter.refunds?.listBySession(sessionId) ?? [],
    adapter.payouts?.listBySession(sessionId) ?? [],
    adapter.disputes?.findBySession(sessionId) ?? null,
    adapter.chargebacks?.listBySession(sessionId) ?? [],
  ]);
  return { charges, refunds, payouts, dispute, chargebacks };
}

export function createPayoutsResource(ctx: CoreContext, deps: { readonly timeoutMs: number }): PayoutsResource {
  const { runner, clock, gateway } = ctx;
  const { timeoutMs } = deps;

  function requirePayouts(needsGateway: boolean): PayoutLedgerReader {
    if (ctx.adapter.payouts === undefined) throw new SessionError('PAYOUTS_NOT_SUPPORTED', 'The adapter has no payout ledger (SessionsAdapter.payouts)');
    if (needsGateway && typeof gateway.transfer !== 'function') {
      throw new SessionError('PAYOUTS_NOT_SUPPORTED', 'The payment gateway cannot transfer (PaymentGateway.transfer is missing)');
    }
    return ctx.adapter.payouts;
  }

  function callGateway(instruction: PayoutInstruction): Promise<PayoutAnswer> {
    return withDeadline(
      (signal) =>
        Promise.resolve()
          .then(() => gateway.transfer!(instruction, { signal }))
          .then(classifyPayoutResult, (): PayoutAnswer => ({ status: 'unknown', reason: 'gateway_error', reference: null })),
      { timeoutMs, what: 'the transfer call', onTimeout: () => ({ status: 'unknown', reason: 'timeout', reference: null }) },
    );
  }

  function record(sessionId: string, number: number, answer: PayoutAnswer): Promise<PayoutReport> {
    const reader = requirePayouts(false);
    const row = (list: readonly Payout[]) => list.find((p) => p.payout === number)!;
    return runner.decide(
      sessionId,
      async (current, now) => {
        const payouts = await reader.listBySession(sessionId);
        const result = transition(current, { type: 'RECORD_PAYOUT_RESULT', payout: number, result: answer, payouts }, now, ctx.policy);
        if (!result.ok) throw result.error;
        if (!result.changed) return { write: null, answer: (session) => ({ session, payout: row(payouts) }) };
        return {
          write: { next: result.session, events: result.events, ledger: result.ledger },
          answer: async (session) => ({ session, payout: row(await reader.listBySession(sessionId)) }),
        };
      },
      { retry: 'until-decided' },
    );
  }

  /** Sends one due payout: fix its amount (or cancel it) in a compare-and-set, call the gateway, record. */
  async function sendOne(payout: Payout, resendBefore: Date): Promise<keyof Omit<PayoutRunReport, 'due'>> {
    // The decision answers the transfer to make (`null`: cancelled, nothing left to pay).
    let instruction: PayoutInstruction | null;
    try {
      instruction = await runner.decide(
        payout.sessionId,
        async (current, now) => {
          const ledger = await readLedger(ctx, current.id);
          const result = transition(current, { type: 'SEND_PAYOUT', payout: payout.payout, ledger, resendBefore }, now, ctx.policy);
          if (!result.ok) throw result.error;
          const effect = result.effects.find((e) => e.type === 'PAYOUT');
          const write = result.changed ? { next: result.session, events: result.events, ledger: result.ledger } : null;
          return { write, answer: () => (effect?.type === 'PAYOUT' ? effect.instruction : null) };
        },
        { retry: 'until-decided' },
      );
    } catch (error) {
      // A dispute opened meanwhile, or another pass sent it first: nothing to do now.
      if (isSessionError(error, 'PAYOUT_HELD') || isSessionError(error, 'TOO_EARLY') || isSessionError(error, 'NO_PAYOUT_DUE')) return 'held';
      if (isSessionError(error, 'CONFLICT')) return 'conflicts';
      throw error;
    }
    if (instruction === null) return 'cancelled';
    try {
      const { payout: stored } = await record(payout.sessionId, payout.payout, await callGateway(instruction));
      return stored.status === 'succeeded' ? 'succeeded' : stored.status === 'failed' || stored.status === 'halted' ? 'failed' : 'unknown';
    } catch (error) {
      if (isSessionError(error, 'CONFLICT')) return 'conflicts';
      throw error;
    }
  }

  return {
    async list(sessionId) {
      const session = await runner.load(sessionId);
      const [charges, stored] = await Promise.all([ctx.adapter.charges.listBySession(sessionId), ctx.adapter.payouts?.listBySession(sessionId) ?? []]);
      return payoutsFromLedger(session, charges, stored);
    },

    async run(options = {}) {
      const reader = requirePayouts(true);
      const limit = options.limit ?? 100;
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) {
        throw new SessionError('INVALID_INPUT', 'limit must be a whole number from 1 to 1000', { issues: [{ path: 'limit', message: 'out of range' }] });
      }
      const now = clock.now();
      // A payout sent within one call's time limit may still be in flight: leave it.
      const resendBefore = subMilliseconds(now, timeoutMs);
      const due = await reader.listDue({ now, resendBefore, limit });
      const tally = { due: due.length, succeeded: 0, failed: 0, unknown: 0, cancelled: 0, held: 0, conflicts: 0 };
      const outcomes = await Promise.all(due.map((p) => sendOne(p, resendBefore)));
      for (const outcome of outcomes) tally[outcome]++;
      return tally;
    },

    async recordAnswer(input) {
      requirePayouts(false);
      if (!Number.isSafeInteger(input?.payout) || input.payout < 1) {
        throw new SessionError('INVALID_INPUT', 'payout must be a whole number ≥ 1', { issues: [{ path: 'payout', message: 'invalid' }] });
      }
      return record(input.sessionId, input.payout, classifyPayoutResult(input.result));
    },
  };
}
