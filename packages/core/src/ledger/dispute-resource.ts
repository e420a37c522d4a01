import type { CoreContext } from '../command/context';
import { SessionError } from '../errors';
import { transition } from '../session/machine';
import type { Session } from '../session/model';
import { buildDisputeView, type DisputeViewJson } from './dispute-view';
import type { Dispute, DisputeAction, DisputeReader, DisputeReason, DisputeRole } from './disputes';
import { readLedger } from './payout-resource';
import type { Refund } from './refunds';
import type { RefundSender } from './refund-resource';

/** Input of `core.disputes.open`. */
interface OpenDisputeInput {
  readonly sessionId: string;
  /** The session's student (checked). */
  readonly actorId: string;
  readonly reason: DisputeReason;
  /** What went wrong, in the student's words (1–2000 characters). */
  readonly message: string;
}

/** Input of `core.disputes.act`. */
interface DisputeStepInput {
  readonly sessionId: string;
  readonly actorId: string;
  /**
   * The actor's role. `student` and `tutor` are checked against the session; `platform` is taken as given:
   * the host must have checked that `actorId` is one of its people (the HTTP handler asks its
   * `isPlatformStaff` hook).
   */
  readonly role: DisputeRole;
  readonly action: DisputeAction;
  /** Required to contest and to resolve; optional otherwise (1–2000 characters). Kept in the audit event. */
  readonly message?: string;
}

/** What a dispute step did: the session, the dispute after it, and the refund it opened (already sent), if any. */
interface DisputeReport {
  readonly session: Session;
  readonly dispute: Dispute;
  readonly refund: Refund | null;
}

/** `core.disputes`: a student's complaint about a charged session, answered and decided (see `ledger/disputes.ts`). */
export interface DisputesResource {
  /**
   * Opens the session's one dispute (`dispute.opened`, the message in it): only its student, only when its
   * charge succeeded, within `disputeWindowMinutes` of the outcome. While it is unresolved the tutor's
   * `after_review` payout is held. Refusals: `NOT_SESSION_STUDENT`, `NOTHING_TO_DISPUTE`, `DISPUTE_EXISTS`,
   * `DISPUTE_WINDOW_CLOSED`, `INVALID_INPUT`, `NOT_FOUND`, `DISPUTES_NOT_SUPPORTED`.
   */
  open(input: {
    readonly sessionId: string;
    /** The session's student (checked). */
    readonly actorId: string;
    readonly reason: DisputeReason;
    /** What went wrong, in the student's words (1–2000 characters). */
    readonly message: string;
  }): Promise<{ readonly session: Session; readonly dispute: Dispute; readonly refund: Refund | null }>;
  /**
   * One step on the dispute (see `DisputeAction`): the tutor accepts (full refund), offers a partial refund
   * or contests; the student accepts or declines an offer; a person on the platform resolves (full, partial
   * or no refund). A closing step with money back opens the refund in the same compare-and-set (through the
   * refund ledger: its tutor part taken from the payout not yet sent, or reversed from the transfer made)
   * and sends it before answering; an unknown refund answer is finished by `core.refunds.retry()`.
   * Refusals: `DISPUTE_NOT_ALLOWED` (this role, this step, now), `DISPUTE_RESOLVED`, `PAYOUT_IN_FLIGHT`,
   * `REFUNDS_NOT_SUPPORTED` (a step that refunds without the refund ledger or a gateway that refunds),
   * `NOT_SESSION_STUDENT` / `NOT_SESSION_TUTOR`, `INVALID_INPUT`, `NOT_FOUND`, `DISPUTES_NOT_SUPPORTED`.
   * Two people resolving at once: one wins, the other is judged again and refused `DISPUTE_RESOLVED`.
   */
  act(input: {
    readonly sessionId: string;
    readonly actorId: string;
    /**
     * The actor's role. `student` and `tutor` are checked against the session; `platform` is taken as given:
     * the host must have checked that `actorId` is one of its people (the HTTP handler asks its
     * `isPlatformStaff` hook).
     */
    readonly role: DisputeRole;
    readonly action: DisputeAction;
    /** Required to contest and to resolve; optional otherwise (1–2000 characters). Kept in the audit event. */
    readonly message?: string;
  }): Promise<{ readonly session: Session; readonly dispute: Dispute; readonly refund: Refund | null }>;
  /** The session's dispute, or `null`. */
  get(sessionId: string): Promise<Dispute | null>;
  /**
   * The facts side by side for `viewer` (the same facts for every role; see `DisputeViewJson`). The caller
   * checks that the reader is the session's student or tutor, or one of the platform's people.
   */
  view(input: { readonly sessionId: string; readonly viewer: DisputeRole }): Promise<DisputeViewJson>;
  /** Unresolved disputes, oldest first: the platform's queue. `limit` default 100, at most 1000. */
  listUnresolved(options?: { limit?: number }): Promise<Dispute[]>;
}

export function createDisputesResource(ctx: CoreContext, deps: { readonly refunds: RefundSender }): DisputesResource {
  const { runner, clock } = ctx;

  function requireDisputes(): DisputeReader {
    if (ctx.adapter.disputes === undefined) throw new SessionError('DISPUTES_NOT_SUPPORTED', 'The adapter has no dispute storage (SessionsAdapter.disputes)');
    return ctx.adapter.disputes;
  }

  function checkSessionId(sessionId: unknown): void {
    if (typeof sessionId !== 'string' || sessionId === '' || sessionId.length > 200) {
      throw new SessionError('INVALID_INPUT', 'sessionId must be a non-empty string of at most 200 characters', { issues: [{ path: 'sessionId', message: 'invalid' }] });
    }
  }

  /** Runs a dispute command, then sends the refund it opened (if any). */
  async function step(sessionId: string, command: (ledger: Awaited<ReturnType<typeof readLedger>>) => Parameters<typeof transition>[1]): Promise<DisputeReport> {
    const reader = requireDisputes();
    checkSessionId(sessionId);
    const { session, opened } = await runner.decide(
      sessionId,
      async (current, now) => {
        const ledger = await readLedger(ctx, current.id);
        const result = transition(current, command(ledger), now, ctx.policy);
        if (!result.ok) throw result.error;
        const refund = result.ledger.find((w) => w.type === 'refund_open');
        // A step that gives money back needs the refund ledger and a gateway that refunds: refuse before writing.
        if (refund && (ctx.adapter.refunds === undefined || typeof ctx.gateway.refund !== 'function')) {
          throw new SessionError('REFUNDS_NOT_SUPPORTED', 'This step refunds, but the adapter has no refund ledger or the gateway cannot refund');
        }
        return {
          write: { next: result.session, events: result.events, ledger: result.ledger },
          answer: (stored) => ({ session: stored, opened: refund?.type === 'refund_open' ? refund.refund : null }),
        };
      },
      { retry: 'until-decided' },
    );
    const sent = opened ? await deps.refunds.send(opened) : null;
    const dispute = await reader.findBySession(sessionId);
    return { session: sent?.session ?? session, dispute: dispute!, refund: sent?.refund ?? opened };
  }

  return {
    open(input) {
      return step(input?.sessionId, (ledger) => ({ type: 'OPEN_DISPUTE', actorId: input.actorId, reason: input.reason, message: input.message, ledger }));
    },
    act(input) {
      if (input?.role === 'platform' && (typeof input.actorId !== 'string' || input.actorId === '' || input.actorId.length > 200)) {
        throw new SessionError('INVALID_INPUT', 'actorId must be a non-empty string of at most 200 characters', { issues: [{ path: 'actorId', message: 'invalid' }] });
      }
      if (input?.role !== 'student' && input?.role !== 'tutor' && input?.role !== 'platform') {
        throw new SessionError('INVALID_INPUT', 'role must be student, tutor or platform', { issues: [{ path: 'role', message: 'invalid' }] });
      }
      return step(input.sessionId, (ledger) => ({
        type: 'DISPUTE_ACTION',
        actorId: input.actorId,
        role: input.role,
        action: input.action,
        ...(input.message === undefined ? {} : { message: input.message }),
        ledger,
      }));
    },
    async get(sessionId) {
      return requireDisputes().findBySession(sessionId);
    },
    async view({ sessionId, viewer }) {
      requireDisputes();
      const session = await runner.load(sessionId);
      const [ledger, attendance, events] = await Promise.all([
        readLedger(ctx, sessionId),
        ctx.adapter.attendance?.listBySession(sessionId) ?? [],
        ctx.adapter.events.listBySession(sessionId),
      ]);
      return buildDisputeView({ session, viewer, now: clock.now(), policy: ctx.policy, ...ledger, attendance, events });
    },
    async listUnresolved(options = {}) {
      const limit = options.limit ?? 100;
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) {
        throw new SessionError('INVALID_INPUT', 'limit must be a whole number from 1 to 1000', { issues: [{ path: 'limit', message: 'out of range' }] });
      }
      return requireDisputes().listUnresolved({ limit });
    },
  };
}
