import { subMilliseconds } from 'date-fns';
import type { CoreContext } from '../command/context';
import { withDeadline } from '../deadline';
import { isSessionError, SessionError } from '../errors';
import { transition } from '../session/machine';
import { classifyRefundResult, type RefundAnswer } from './answers';
import { payoutToReverse, refundInstructionFor, type Refund, type RefundLedgerReader } from './refunds';
import type { Session } from '../session/model';

/** Input of `core.refunds.create`. */
export interface RefundChargeInput {
  readonly sessionId: string;
  /** Minor units to return (whole, ≥ 1, at most what is left of the charge). Default: all that is left. */
  readonly amountMinor?: number;
  /** Why (1–200 characters; participants can read it in the audit log and the refund rows). */
  readonly reason: string;
  /** Who asks (the host has checked they may: the core does not decide who may refund). */
  readonly actorId: string;
}

/** What `core.refunds.create` did: the session after the refund's answer was recorded, and the refund row. */
export interface RefundReport {
  readonly session: Session;
  /** The refund as stored: `succeeded`, `pending` (accepted, the webhook finishes it), `failed` or `unknown`. */
  readonly refund: Refund;
}

/** What one `core.refunds.retry()` pass did. */
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

/** `core.refunds`: refunds of a session's succeeded charge, each its own ledger row with its own key. */
export interface RefundsResource {
  /**
   * Refunds all or part of a session's succeeded charge. The refund is opened first — a ledger row with its
   * own idempotency key (`refundIdempotencyKey`), its amount split into payout and fee parts by
   * `refundSplit`, and a `refund.requested` event, in one compare-and-set through the state machine — then
   * the gateway's `refund` is called under the settlement's `chargeTimeoutMs`, and its answer recorded
   * (`refund.succeeded`, `refund.pending`, `refund.failed` or `refund.unknown`). An unknown answer (a throw,
   * a timeout) leaves the refund `unknown`: `retry()` sends it again under the same key, never a second
   * key. `amountMinor` defaults to all that is left of the charge.
   *
   * Refusals (every code it answers): `NOTHING_TO_REFUND` (no succeeded charge, or already refunded in
   * full), `REFUND_EXCEEDS_CHARGE` (more than is left; `details.refundableMinor` says how much is),
   * `INVALID_INPUT`, `NOT_FOUND`, `REFUNDS_NOT_SUPPORTED` (the gateway has no `refund`, or the adapter no
   * refund ledger), and `CONFLICT` only when storage keeps refusing the refund's write while the session
   * does not change (a lagging read replica or an adapter defect; nothing was stored or sent: try again).
   * Racing refunds of one charge are decided one after the other: a refund that loses a race is judged
   * again against the winner, as often as others keep winning, until it is opened or refused for what is
   * left — never `CONFLICT` for an ordinary race. Once opened and sent, it is answered as stored even when
   * its answer cannot be recorded (then still `pending`; `retry()` completes it), so an error never
   * invites a second refund. Storage refuses any write that would refund more than the charge. The core
   * does not decide who may refund: check `actorId`'s rights before calling.
   */
  create(input: RefundChargeInput): Promise<RefundReport>;
  /** A session's refunds by number (server-side: includes keys and references; see `toPublicRefund`). */
  list(sessionId: string): Promise<Refund[]>;
  /**
   * Sends again, each under its own key, the refunds whose answer is unknown and those opened but never
   * answered (the process stopped in between), once one call's time limit has passed since their last
   * answer; records the answers. Run it from the cron beside `core.settlement.run()`. At most `limit`
   * (default 100, at most 1000) refunds per pass.
   */
  retry(options?: { limit?: number }): Promise<RefundRetryReport>;
  /**
   * Records a gateway's answer for refund number `refund` that arrived outside `create` (a payment
   * webhook). Only an open refund (`pending` or `unknown`) takes it; an answer for a refund already
   * `succeeded` or `failed` changes nothing. The answer is validated like a gateway's (anything malformed is
   * `unknown`).
   */
  recordAnswer(input: { sessionId: string; refund: number; result: unknown }): Promise<RefundReport>;
}

/** Sends opened refunds and records their answers: shared by `core.refunds` and `core.disputes`. */
export interface RefundSender {
  /** The gateway's answer for a stored refund, under the time limit. Never throws: a throw or a timeout is `unknown`. */
  callGateway(refund: Refund): Promise<RefundAnswer>;
  /** Records an answer through the state machine, judged again after every lost race. */
  record(sessionId: string, number: number, answer: RefundAnswer): Promise<RefundReport>;
  /** Sends an opened refund and records its answer; answers the refund as stored when the record keeps losing. */
  send(opened: Refund): Promise<RefundReport>;
}

/** The refund sender over the core's context; `timeoutMs` bounds one gateway call. */
export function createRefundSender(ctx: CoreContext, timeoutMs: number): RefundSender {
  const { runner, gateway } = ctx;
  const { charges } = ctx.adapter;

  async function callGateway(refund: Refund): Promise<RefundAnswer> {
    const [attempts, payouts] = await Promise.all([charges.listBySession(refund.sessionId), ctx.adapter.payouts?.listBySession(refund.sessionId) ?? []]);
    const charge = attempts.find((a) => a.attempt === refund.attempt);
    if (!charge) return { status: 'unknown', reason: 'charge_not_found', reference: null };
    const instruction = refundInstructionFor(refund, charge, payoutToReverse(refund, payouts));
    return withDeadline(
      (signal) =>
        Promise.resolve()
          .then(() => gateway.refund!(instruction, { signal }))
          // A halt is an answer (`{ status: 'halted', code }`); a throw, whatever it carries, is unknown.
          .then(classifyRefundResult, (): RefundAnswer => ({ status: 'unknown', reason: 'gateway_error', reference: null })),
      { timeoutMs, what: 'the refund call', onTimeout: () => ({ status: 'unknown', reason: 'timeout', reference: null }) },
    );
  }

  function record(sessionId: string, number: number, answer: RefundAnswer): Promise<RefundReport> {
    const ledger = ctx.adapter.refunds!;
    const row = (list: readonly Refund[]) => list.find((r) => r.refund === number)!;
    return runner.decide(
      sessionId,
      async (current, now) => {
        const rows = await ledger.listBySession(sessionId);
        const result = transition(current, { type: 'RECORD_REFUND_RESULT', refund: number, result: answer, refunds: rows }, now, ctx.policy);
        if (!result.ok) throw result.error;
        if (!result.changed) return { write: null, answer: (session) => ({ session, refund: row(rows) }) };
        return {
          write: { next: result.session, events: result.events, ledger: result.ledger },
          answer: async (session) => ({ session, refund: row(await ledger.listBySession(sessionId)) }),
        };
      },
      { retry: 'until-decided' },
    );
  }

  async function send(opened: Refund): Promise<RefundReport> {
    const answer = await callGateway(opened);
    try {
      return await record(opened.sessionId, opened.refund, answer);
    } catch (error) {
      // The refund is stored and was sent: an error now must not invite the caller to refund again (a
      // second refund). When storage kept refusing the answer's write (`CONFLICT`), answer the refund as
      // stored — still open, and `retry()` sends it again under its key and records the answer.
      if (!isSessionError(error, 'CONFLICT')) throw error;
      const [session, rows] = await Promise.all([ctx.sessions.findById(opened.sessionId), ctx.adapter.refunds!.listBySession(opened.sessionId)]);
      const refund = rows.find((r) => r.refund === opened.refund);
      if (!session || !refund) throw error;
      return { session, refund };
    }
  }

  return { callGateway, record, send };
}

/** `core.refunds` over the core's context; `timeoutMs` bounds one gateway call (settlement's `chargeTimeoutMs`). */
export function createRefundsResource(ctx: CoreContext, deps: { readonly timeoutMs: number }): RefundsResource {
  const { runner, clock, gateway } = ctx;
  const { charges } = ctx.adapter;
  const { timeoutMs } = deps;
  const { callGateway, record, send } = createRefundSender(ctx, timeoutMs);

  function requireRefunds(needsGateway = true): RefundLedgerReader {
    if (ctx.adapter.refunds === undefined) {
      throw new SessionError('REFUNDS_NOT_SUPPORTED', 'The adapter has no refund ledger (SessionsAdapter.refunds)');
    }
    if (needsGateway && typeof gateway.refund !== 'function') {
      throw new SessionError('REFUNDS_NOT_SUPPORTED', 'The payment gateway cannot refund (PaymentGateway.refund is missing)');
    }
    return ctx.adapter.refunds;
  }

  /** Opens the refund (persisted, with its own key), judged again after every lost race. */
  function open(input: RefundChargeInput, ledger: RefundLedgerReader): Promise<Refund> {
    return runner.decide(
      input.sessionId,
      async (current, now) => {
        const [attempts, rows, payouts] = await Promise.all([
          charges.listBySession(current.id),
          ledger.listBySession(current.id),
          ctx.adapter.payouts?.listBySession(current.id) ?? [],
        ]);
        const command = { amountMinor: input.amountMinor ?? null, reason: input.reason, actorId: input.actorId, charges: attempts, refunds: rows, payouts };
        const result = transition(current, { type: 'REQUEST_REFUND', ...command }, now, ctx.policy);
        if (!result.ok) throw result.error;
        const opened = result.ledger[0];
        if (opened?.type !== 'refund_open') throw new Error('The state machine accepted a refund without opening one');
        return { write: { next: result.session, events: result.events, ledger: result.ledger }, answer: () => opened.refund };
      },
      { retry: 'until-decided' },
    );
  }

  return {
    async create(input) {
      const ledger = requireRefunds();
      if (typeof input?.sessionId !== 'string' || input.sessionId === '' || input.sessionId.length > 200) {
        throw new SessionError('INVALID_INPUT', 'sessionId must be a non-empty string of at most 200 characters', {
          issues: [{ path: 'sessionId', message: 'invalid' }],
        });
      }
      // Open the refund first, then call the gateway. A racing refund that wins first is no reason to
      // fail: this one is judged again against it until it is opened or refused for what is left.
      return send(await open(input, ledger));
    },

    async retry(options = {}) {
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
            if (isSessionError(error, 'CONFLICT')) tally.conflicts++;
            else throw error;
          }
        }),
      );
      return tally;
    },

    async recordAnswer(input) {
      requireRefunds(false);
      if (!Number.isSafeInteger(input?.refund) || input.refund < 1) {
        throw new SessionError('INVALID_INPUT', 'refund must be a whole number ≥ 1', { issues: [{ path: 'refund', message: 'invalid' }] });
      }
      return record(input.sessionId, input.refund, classifyRefundResult(input.result));
    },

    async list(sessionId) {
      return requireRefunds(false).listBySession(sessionId);
    },
  };
}
