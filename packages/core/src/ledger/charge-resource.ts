import type { CoreContext } from '../command/context';
import { withDeadline } from '../deadline';
import { SessionError } from '../errors';
import type { ChargeAttempt, Session } from '../session/model';
import { transitionContext } from '../session/transition';
import { classifyChargeResult, decideChargeAnswer, LATE_SUCCESS_REASON, type ChargeAnswer, type ChargeAnswerInput, type ChargeAnswerReport } from './answers';
import { toChargeAttentionSummary, type ChargeAttentionSummary } from './attention';
import { chargeInstructionFor } from './charges';
import { classifyOnSessionResult, openOnSessionAttempt, type OnSessionPayment } from './recovery';

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
  /**
   * Payment recovery: the student completes a charge that waits for them (`chargeStatus:
   * 'awaiting_customer'`) on-session. Opens the next ledger attempt under a new key (or keeps the attempt
   * already open for them), asks the gateway to prepare it (`PaymentGateway.startOnSessionCharge`, under the
   * attempt's key, within one call's time limit) and answers what the browser needs: `requires_customer`
   * with the client secret, for this student only (never stored), or the outcome when the gateway already has
   * one — recorded first exactly as a webhook's answer would be (`succeeded`: the charge is collected once;
   * `failed`: it keeps waiting for the student, whose next start opens a new attempt). The settlement run
   * never claims a session waiting for its student, so the cron never races this. Refusals:
   * `NOT_SESSION_STUDENT`, `NO_CHARGE_PENDING` (nothing waits for the student: `details.chargeStatus`),
   * `PAYMENT_RECOVERY_NOT_SUPPORTED` (the gateway has no `startOnSessionCharge`), `GATEWAY_UNAVAILABLE` (the
   * call threw or timed out: the attempt stays open; try again), `NOT_FOUND`, `INVALID_INPUT`.
   */
  startOnSession(input: { readonly sessionId: string; readonly studentId: string }): Promise<OnSessionPayment>;
}

/** What `core.charges` needs besides the context. */
export interface ChargesResourceDeps {
  /** Time limit of one gateway call a person waits on (`settlement.chargeTimeoutMs`). */
  readonly timeoutMs: number;
}

/** `core.charges` over the core's context. */
export function createChargesResource(ctx: CoreContext, deps: ChargesResourceDeps): ChargesResource {
  const { charges, events } = ctx.adapter;

  /** Records a validated answer for one attempt (the webhook's path and the on-session start's). */
  function record(sessionId: string, attempt: number, answer: ChargeAnswer): Promise<ChargeAnswerReport> {
    let before: Session | undefined;
    return ctx.runner
      .decide(
        sessionId,
        async (current, now) => {
          before = current;
          const ledger = await charges.listBySession(current.id);
          // The audit log is read only when the decision needs it: a success of an attempt after another succeeded.
          const needsHistory = answer.status === 'succeeded' && ledger.some((a) => a.status === 'succeeded' && a.attempt !== attempt);
          const lateSuccessFlagged =
            needsHistory &&
            (await events.listBySession(current.id)).some(
              (e) => e.type === 'charge.needs_attention' && e.payload.reason === LATE_SUCCESS_REASON && e.payload.attempt === attempt,
            );
          const decision = decideChargeAnswer({ session: current, ledger, attempt, answer, now, policy: ctx.policy, lateSuccessFlagged });
          return { write: decision.write, answer: (session) => ({ session, outcome: decision.outcome }) };
        },
        // Settlement's lease stays as it is while the charge is still to be collected; none once it is settled.
        { lease: 'release' },
      )
      .then((report) => {
        if (before) ctx.tellAwaitingCustomer(before, report.session);
        return report;
      });
  }

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
      return record(input.sessionId, input.attempt, classifyChargeResult(input.result));
    },

    startOnSession(input) {
      return startOnSession(ctx, deps, record, input);
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

/** `core.charges.startOnSession` (see `ChargesResource.startOnSession`). */
async function startOnSession(
  ctx: CoreContext,
  deps: ChargesResourceDeps,
  record: (sessionId: string, attempt: number, answer: ChargeAnswer) => Promise<ChargeAnswerReport>,
  input: { readonly sessionId: string; readonly studentId: string },
): Promise<OnSessionPayment> {
  const issues = ['sessionId', 'studentId']
    .filter((key) => {
      const v = (input as unknown as Record<string, unknown> | undefined)?.[key];
      return typeof v !== 'string' || v === '' || v.length > 200;
    })
    .map((path) => ({ path, message: 'must be a non-empty string of at most 200 characters' }));
  if (issues.length > 0) throw new SessionError('INVALID_INPUT', `Invalid payment start: ${issues.map((i) => i.path).join(', ')}`, { issues });
  const prepare = ctx.gateway.startOnSessionCharge?.bind(ctx.gateway);
  if (prepare === undefined) throw new SessionError('PAYMENT_RECOVERY_NOT_SUPPORTED', 'The payment gateway cannot charge on-session (startOnSessionCharge is missing)');
  const session = await ctx.runner.decide(
    input.sessionId,
    (current, now) => {
      if (current.studentId !== input.studentId) throw new SessionError('NOT_SESSION_STUDENT', 'Only the session\'s student completes its payment');
      const result = openOnSessionAttempt(transitionContext(current, now, ctx.policy), input.studentId);
      if (!result.ok) throw result.error;
      return { write: result.changed ? { next: result.session, events: result.events, ledger: result.ledger } : null, answer: (stored: Session) => stored };
    },
    { retry: 'until-decided' },
  );
  // The same instruction as an off-session attempt's: the gateway decides how to take it on-session.
  const instruction = chargeInstructionFor(session);
  const facts = { attempt: instruction.attempt, amountMinor: instruction.amountMinor, currency: instruction.currency };
  let answer: ReturnType<typeof classifyOnSessionResult>;
  try {
    answer = await withDeadline((signal) => Promise.resolve().then(() => prepare(instruction, { signal })).then(classifyOnSessionResult), {
      timeoutMs: deps.timeoutMs,
      what: 'the on-session charge call',
    });
  } catch (error) {
    throw new SessionError('GATEWAY_UNAVAILABLE', 'The payment gateway did not answer; try again', {}, { cause: error });
  }
  if (answer.status === 'requires_customer') return { status: 'requires_customer', clientSecret: answer.clientSecret, ...facts };
  // The gateway is deciding (Stripe: `processing`): the webhook will say. Any other unknown answer (a network
  // error, an answer that could not be read) is not a state to show the student: try again.
  if (answer.status === 'unknown' && answer.reason === 'processing') return { status: 'processing', ...facts };
  if (answer.status === 'unknown') throw new SessionError('GATEWAY_UNAVAILABLE', `The payment gateway's answer is not known yet (${answer.reason}); try again`);
  const { session: after } = await record(session.id, instruction.attempt, answer);
  if (after.chargeStatus === 'succeeded') return { status: 'succeeded', ...facts };
  return answer.status === 'failed' ? { status: 'failed', failureCode: answer.failureCode, ...facts } : { status: 'processing', ...facts };
}
