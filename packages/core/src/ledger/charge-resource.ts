import type { CoreContext } from '../command/context';
import { SessionError } from '../errors';
import type { ChargeAttempt, Session } from '../session/model';
import { classifyChargeResult, decideChargeAnswer, LATE_SUCCESS_REASON, type ChargeAnswerInput, type ChargeAnswerReport } from './answers';
import { toChargeAttentionSummary, type ChargeAttentionSummary } from './attention';

/** `core.charges`: the charge ledger — its attempts, the answers gateways report, and what needs a person. */
export interface ChargesResource {
  /** A session's charge ledger: every attempt, oldest first (server-side: includes keys and references). */
  list(sessionId: string): Promise<ChargeAttempt[]>;
  /**
   * Records a payment gateway's answer for one ledger attempt that arrived outside settlement (a
   * payment webhook such as Stripe's `payment_intent.succeeded`), through the same compare-and-set as
   * every other command. Idempotent: a repeated answer changes nothing. The open attempt's `succeeded`
   * or `failed` answer is recorded as settlement records it; an `unknown` answer changes nothing (the
   * attempt is retried under its key anyway); a `succeeded` answer for an attempt that is no longer open
   * is a late success — recorded, and flagged for a person with a `charge.needs_attention` event
   * (`reason: 'late_success'`); a decline of an attempt no longer open changes nothing. See
   * `decideChargeAnswer` for the exact rules. Refuses an unknown session or attempt with `NOT_FOUND`.
   */
  recordAnswer(input: ChargeAnswerInput): Promise<ChargeAnswerReport>;
  /**
   * **Server-only.** Sessions whose charge failed for good (attempts or time used up, or halted;
   * `chargeStatus = 'failed'`), oldest first, as stored: with each session's join URL and meeting id, its
   * charge idempotency key and gateway reference — what an operator needs to reconcile with the gateway,
   * and what must never reach a browser. For a page, use `listAttentionSummaries` (no secret fields, with
   * the reason). Each has a `charge.needs_attention` event saying why. At most `limit` (default 100, 1–1000).
   */
  listNeedingAttention(options?: { limit?: number }): Promise<Session[]>;
  /**
   * The charges that need a person, browser-safe: for each session of `listNeedingAttention` (same order
   * and `limit`), its `PublicSession` (no join URL, meeting id, idempotency key or gateway reference) and
   * the reason, code and time of its latest `charge.needs_attention` event (`ChargeAttentionSummary`).
   * Reads each session's events (at most 8 reads at once). Who may see the list is the host's call.
   */
  listAttentionSummaries(options?: { limit?: number }): Promise<ChargeAttentionSummary[]>;
}

/** `core.charges` over the core's context. */
export function createChargesResource(ctx: CoreContext): ChargesResource {
  const { charges, events } = ctx.adapter;
  return {
    list: (sessionId) => charges.listBySession(sessionId),

    recordAnswer(input) {
      const issues: Array<{ path: string; message: string }> = [];
      if (typeof input?.sessionId !== 'string' || input.sessionId === '' || input.sessionId.length > 200) {
        issues.push({ path: 'sessionId', message: 'must be a non-empty string of at most 200 characters' });
      }
      if (!Number.isSafeInteger(input?.attempt) || input.attempt < 1) issues.push({ path: 'attempt', message: 'must be a whole number ≥ 1' });
      if (issues.length > 0) {
        return Promise.reject(
          new SessionError('INVALID_INPUT', `Invalid charge answer: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, { issues }),
        );
      }
      const answer = classifyChargeResult(input.result);
      // Settlement's lease stays as it is while the charge is still to be collected; none once it is settled.
      return ctx.runner.decide(
        input.sessionId,
        async (current, now) => {
          const ledger = await charges.listBySession(current.id);
          // The audit log is read only when the decision needs it: a success of an attempt after another succeeded.
          const needsHistory = answer.status === 'succeeded' && ledger.some((a) => a.status === 'succeeded' && a.attempt !== input.attempt);
          const lateSuccessFlagged =
            needsHistory &&
            (await events.listBySession(current.id)).some(
              (e) => e.type === 'charge.needs_attention' && e.payload.reason === LATE_SUCCESS_REASON && e.payload.attempt === input.attempt,
            );
          const decision = decideChargeAnswer({ session: current, ledger, attempt: input.attempt, answer, now, policy: ctx.policy, lateSuccessFlagged });
          return { write: decision.write, answer: (session) => ({ session, outcome: decision.outcome }) };
        },
        { lease: 'release' },
      );
    },

    listNeedingAttention: (options) => charges.listNeedingAttention({ limit: attentionLimit(options) }),

    async listAttentionSummaries(options) {
      const listed = await charges.listNeedingAttention({ limit: attentionLimit(options) });
      const summaries: ChargeAttentionSummary[] = new Array(listed.length);
      let next = 0;
      const worker = async () => {
        while (next < listed.length) {
          const index = next++;
          const session = listed[index]!;
          summaries[index] = toChargeAttentionSummary(session, await events.listBySession(session.id));
        }
      };
      await Promise.all(Array.from({ length: Math.min(8, listed.length) }, worker));
      return summaries;
    },
  };
}

/** The `limit` of the attention lists: whole, 1–1000, default 100. */
function attentionLimit(options: { limit?: number } | undefined): number {
  const limit = options?.limit ?? 100;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) {
    throw new SessionError('INVALID_INPUT', 'limit must be a whole number from 1 to 1000', {
      issues: [{ path: 'limit', message: 'out of range' }],
    });
  }
  return limit;
}
