import { addMinutes, isAfter } from 'date-fns';
import { CHARGED_OUTCOMES } from '../rules/status';
import type { Session } from '../session/model';
import { accepted, refuse, type TransitionContext, type TransitionResult } from '../session/transition';
import type { PayoutLedger } from './payouts';
import { refundedSoFar, requestRefund } from './refunds';

/**
 * Disputes (issue #23, point 2; DESIGN.md "third release"): a student's complaint about a charged session,
 * answered by the tutor and, when they do not agree, decided by a person on the platform.
 *
 * The dispute machine is pure (`decideDispute`): which role may take which step from which status, and
 * what refund a closing step asks for. `openDispute` / `actOnDispute` are its two commands on a session:
 * each step is one compare-and-set of the session's version with its audit events (the step's message is
 * kept in the event), the dispute row (`dispute_open` / `dispute_update` ledger writes) and, when the step
 * closes the dispute with money back, the refund it opens through the refund ledger (its tutor part taken
 * from the payout not yet sent, or reversed from the transfer already made).
 *
 *   open ──offer──▶ offered ──accept_offer──▶ resolved (partial_refund)
 *    │  ╲             │  ╲──decline_offer──▶ contested
 *    │   ╲──contest──▶ contested ◀──contest──╯
 *    └─accept─▶ resolved (full_refund)      (offered ──accept──▶ resolved (full_refund))
 *   open | offered | contested ──resolve (platform: full, partial or none)──▶ resolved
 */

/** Why a student disputes a session. */
export type DisputeReason = 'tutor_absent' | 'ended_early' | 'technical_problem' | 'quality' | 'other';

/** The reasons, in the order a form lists them. */
export const DISPUTE_REASONS: readonly DisputeReason[] = ['tutor_absent', 'ended_early', 'technical_problem', 'quality', 'other'];

/**
 * Where a dispute stands: `open` (the tutor's turn), `offered` (the tutor offered a partial refund: the
 * student's turn), `contested` (the tutor contested, or the student declined the offer: the platform's turn),
 * `resolved` (final: never changes again).
 */
export type DisputeStatus = 'open' | 'offered' | 'contested' | 'resolved';

/** Who acts on a dispute. The platform's people are authorised by the host. */
export type DisputeRole = 'student' | 'tutor' | 'platform';

/** How a dispute ended. */
export type DisputeResolution = 'full_refund' | 'partial_refund' | 'no_refund';

/** The most characters of a dispute message. */
export const MAX_DISPUTE_MESSAGE_LENGTH = 2000;

/** One dispute: at most one per session, identified by `sessionId`. Messages live in its audit events. */
export interface Dispute {
  readonly sessionId: string;
  readonly status: DisputeStatus;
  readonly reason: DisputeReason;
  /** The student who opened it. */
  readonly openedBy: string;
  readonly openedAt: Date;
  /** The tutor's standing offer (minor units) while `offered`, else the last offer made, or `null`. */
  readonly offerMinor: number | null;
  readonly resolution: DisputeResolution | null;
  /** The refund the resolution asked for (0 for `no_refund`), or `null` while unresolved. */
  readonly refundMinor: number | null;
  /** Who closed it (a user id) and in which role, or `null`. */
  readonly resolvedBy: string | null;
  readonly resolvedByRole: DisputeRole | null;
  readonly resolvedAt: Date | null;
  readonly updatedAt: Date;
}

/** A step on an open dispute. */
export type DisputeAction =
  /** Tutor: refund in full. */
  | { readonly type: 'accept' }
  /** Tutor: offer a partial refund (whole minor units, 1 … what is left of the charge). */
  | { readonly type: 'offer'; readonly amountMinor: number }
  /** Tutor: contest (a person on the platform decides). */
  | { readonly type: 'contest' }
  /** Student: take the tutor's offer. */
  | { readonly type: 'accept_offer' }
  /** Student: decline the offer (a person on the platform decides). */
  | { readonly type: 'decline_offer' }
  /** Platform: decide. `amountMinor` only for `partial_refund`. */
  | { readonly type: 'resolve'; readonly resolution: DisputeResolution; readonly amountMinor?: number };

/** Every step's type. */
export type DisputeActionType = DisputeAction['type'];

const MAY: Readonly<Record<DisputeActionType, { role: DisputeRole; from: readonly DisputeStatus[] }>> = {
  accept: { role: 'tutor', from: ['open', 'offered', 'contested'] },
  offer: { role: 'tutor', from: ['open', 'offered'] },
  contest: { role: 'tutor', from: ['open', 'offered'] },
  accept_offer: { role: 'student', from: ['offered'] },
  decline_offer: { role: 'student', from: ['offered'] },
  resolve: { role: 'platform', from: ['open', 'offered', 'contested'] },
};

/** What the dispute machine decided: the next status and offer, and the refund a closing step asks for. */
export type DisputeDecision =
  | {
      readonly ok: true;
      readonly status: DisputeStatus;
      readonly offerMinor: number | null;
      /** Set when the step closes the dispute. */
      readonly resolution: DisputeResolution | null;
      /** Minor units to refund when it closes (0: none). */
      readonly refundMinor: number;
    }
  | { readonly ok: false; readonly code: 'DISPUTE_NOT_ALLOWED' | 'INVALID_INPUT'; readonly message: string };

/**
 * The dispute machine (pure): may `role` take `action` on `dispute` now, and what follows. `refundableMinor`
 * is what is left of the charge (its amount less refunds not failed).
 */
export function decideDispute(
  dispute: Pick<Dispute, 'status' | 'offerMinor'>,
  role: DisputeRole,
  action: DisputeAction,
  refundableMinor: number,
): DisputeDecision {
  const rule = MAY[action.type];
  if (rule === undefined) return { ok: false, code: 'INVALID_INPUT', message: `Unknown dispute step` };
  if (rule.role !== role || !rule.from.includes(dispute.status)) {
    return { ok: false, code: 'DISPUTE_NOT_ALLOWED', message: `The ${role} may not ${action.type.replace('_', ' ')} a dispute that is ${dispute.status}` };
  }
  const amountOk = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 1 && (n as number) <= refundableMinor;
  const closed = (resolution: DisputeResolution, refundMinor: number): DisputeDecision => ({ ok: true, status: 'resolved', offerMinor: dispute.offerMinor, resolution, refundMinor });
  switch (action.type) {
    case 'accept':
      return closed('full_refund', refundableMinor);
    case 'offer':
      if (!amountOk(action.amountMinor)) return { ok: false, code: 'INVALID_INPUT', message: `amountMinor must be a whole number from 1 to ${refundableMinor}` };
      return { ok: true, status: 'offered', offerMinor: action.amountMinor, resolution: null, refundMinor: 0 };
    case 'contest':
    case 'decline_offer':
      return { ok: true, status: 'contested', offerMinor: dispute.offerMinor, resolution: null, refundMinor: 0 };
    case 'accept_offer':
      return closed('partial_refund', Math.min(dispute.offerMinor ?? 0, refundableMinor));
    case 'resolve':
      if (action.resolution === 'full_refund') return closed('full_refund', refundableMinor);
      if (action.resolution === 'no_refund') return closed('no_refund', 0);
      if (action.resolution !== 'partial_refund') return { ok: false, code: 'INVALID_INPUT', message: 'resolution must be full_refund, partial_refund or no_refund' };
      if (!amountOk(action.amountMinor)) return { ok: false, code: 'INVALID_INPUT', message: `amountMinor must be a whole number from 1 to ${refundableMinor}` };
      return closed('partial_refund', action.amountMinor);
  }
}

/** Read access to disputes. Disputes are written only through `SessionWrite.ledger`. */
export interface DisputeReader {
  /** The session's dispute, or `null`. */
  findBySession(sessionId: string): Promise<Dispute | null>;
  /** Disputes not yet `resolved`, oldest `openedAt` first (then session id), at most `limit`: the platform's queue. */
  listUnresolved(options: { readonly limit: number }): Promise<Dispute[]>;
}

/** A dispute as participants read it (it holds nothing secret: the same shape). */
export type PublicDispute = Dispute;

/** When a session's dispute window closes: `disputeWindowMinutes` after its outcome. */
export function disputeWindowClosesAt(session: Pick<Session, 'finalizedAt'>, windowMinutes: number): Date | null {
  return session.finalizedAt === null ? null : addMinutes(session.finalizedAt, windowMinutes);
}

/** The ledger a dispute step reads with the session (under its compare-and-set). */
export type DisputeLedger = PayoutLedger;

/** The message every step carries (trimmed; required to open and to contest). */
function messageIssue(message: unknown, required: boolean): string | null {
  if (message === undefined || message === null || message === '') return required ? 'is required' : null;
  if (typeof message !== 'string' || message.trim() === '' || message.length > MAX_DISPUTE_MESSAGE_LENGTH) {
    return `must be a non-empty string of at most ${MAX_DISPUTE_MESSAGE_LENGTH} characters`;
  }
  return null;
}

/** `OPEN_DISPUTE`: the session's student opens its one dispute, inside the window, on a succeeded charge. */
export function openDispute(
  ctx: TransitionContext,
  command: { readonly actorId: string; readonly reason: DisputeReason; readonly message: string; readonly ledger: DisputeLedger },
): TransitionResult {
  const { session, now, policy } = ctx;
  const issues: Array<{ path: string; message: string }> = [];
  if (!DISPUTE_REASONS.includes(command.reason)) issues.push({ path: 'reason', message: `must be one of ${DISPUTE_REASONS.join(', ')}` });
  const m = messageIssue(command.message, true);
  if (m) issues.push({ path: 'message', message: m });
  if (issues.length > 0) return refuse('INVALID_INPUT', `Invalid dispute: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, { issues });
  if (command.actorId !== session.studentId) return refuse('NOT_SESSION_STUDENT', 'Only the session’s student may open a dispute');
  if (command.ledger.dispute !== null) return refuse('DISPUTE_EXISTS', 'The session already has a dispute', { disputeStatus: command.ledger.dispute.status });
  const charged = (CHARGED_OUTCOMES as readonly string[]).includes(session.status);
  if (!charged || session.chargeStatus !== 'succeeded') {
    return refuse('NOTHING_TO_DISPUTE', `Only a session whose charge succeeded can be disputed (${session.status}, ${session.chargeStatus})`);
  }
  const closesAt = disputeWindowClosesAt(session, policy.disputeWindowMinutes)!;
  if (!isAfter(closesAt, now)) return refuse('DISPUTE_WINDOW_CLOSED', 'The dispute window has closed', { closedAt: closesAt });
  const dispute: Dispute = {
    sessionId: session.id,
    status: 'open',
    reason: command.reason,
    openedBy: command.actorId,
    openedAt: now,
    offerMinor: null,
    resolution: null,
    refundMinor: null,
    resolvedBy: null,
    resolvedByRole: null,
    resolvedAt: null,
    updatedAt: now,
  };
  const opened = ctx.event('dispute.opened', command.actorId, { role: 'student', reason: command.reason, message: command.message.trim() });
  return accepted(ctx.next({}), [opened], [{ type: 'dispute_open', dispute }]);
}

const STEP_EVENT = {
  accept: 'dispute.accepted',
  offer: 'dispute.offered',
  contest: 'dispute.contested',
  accept_offer: 'dispute.offer_accepted',
  decline_offer: 'dispute.offer_declined',
  resolve: 'dispute.decided',
} as const;

/**
 * `DISPUTE_ACTION`: a step on the session's dispute by `role` (the resource has checked that the actor
 * holds it). A closing step with money back opens the refund in the same write (`refund.requested`, the
 * `REFUND` effect); it is refused with `PAYOUT_IN_FLIGHT` while a transfer's answer is awaited.
 */
export function actOnDispute(
  ctx: TransitionContext,
  command: { readonly actorId: string; readonly role: DisputeRole; readonly action: DisputeAction; readonly message?: string; readonly ledger: DisputeLedger },
): TransitionResult {
  const { session, now } = ctx;
  const { ledger, role, action } = command;
  const dispute = ledger.dispute;
  if (dispute === null) return refuse('NOT_FOUND', 'The session has no dispute');
  if (role === 'student' && command.actorId !== session.studentId) return refuse('NOT_SESSION_STUDENT', 'Not the session’s student');
  if (role === 'tutor' && command.actorId !== session.tutorId) return refuse('NOT_SESSION_TUTOR', 'Not the session’s tutor');
  const m = messageIssue(command.message, action?.type === 'contest' || action?.type === 'resolve');
  if (m) return refuse('INVALID_INPUT', `Invalid dispute step: message ${m}`, { issues: [{ path: 'message', message: m }] });
  if (dispute.status === 'resolved') return refuse('DISPUTE_RESOLVED', 'The dispute is already resolved', { resolution: dispute.resolution });
  const charge = ledger.charges.find((a) => a.status === 'succeeded');
  const refundable = charge ? charge.amountMinor - refundedSoFar(ledger.refunds.filter((r) => r.attempt === charge.attempt)).amountMinor : 0;
  const decision = decideDispute(dispute, role, action, refundable);
  if (!decision.ok) return refuse(decision.code, decision.message);
  if (decision.refundMinor > 0 && ledger.payouts.some((p) => p.status === 'pending' || p.status === 'unknown')) {
    return refuse('PAYOUT_IN_FLIGHT', 'The tutor’s payout is being sent; try again in a minute');
  }
  const next: Dispute = {
    ...dispute,
    status: decision.status,
    offerMinor: decision.offerMinor,
    updatedAt: now,
    ...(decision.resolution
      ? { resolution: decision.resolution, refundMinor: decision.refundMinor, resolvedBy: command.actorId, resolvedByRole: role, resolvedAt: now }
      : {}),
  };
  const message = command.message?.trim();
  const step = ctx.event(STEP_EVENT[action.type], command.actorId, {
    role,
    ...(action.type === 'offer' || (action.type === 'resolve' && action.resolution === 'partial_refund') ? { amountMinor: decision.refundMinor || decision.offerMinor } : {}),
    ...(action.type === 'resolve' ? { resolution: action.resolution } : {}),
    ...(message ? { message } : {}),
  });
  const events = [step];
  if (decision.resolution) {
    events.push(ctx.event('dispute.resolved', command.actorId, { role, resolution: decision.resolution, refundMinor: decision.refundMinor }));
  }
  const write = { type: 'dispute_update', dispute: next } as const;
  if (decision.refundMinor === 0) return accepted(ctx.next({}), events, [write]);
  const refund = requestRefund(ctx, {
    amountMinor: decision.refundMinor,
    reason: `Dispute (${dispute.reason}): ${decision.resolution === 'full_refund' ? 'full' : 'partial'} refund`,
    actorId: command.actorId,
    charges: ledger.charges,
    refunds: ledger.refunds,
    payouts: ledger.payouts,
  });
  if (!refund.ok) return refund;
  return accepted(refund.session, [...events, ...refund.events], [write, ...refund.ledger], refund.effects);
}
