import { SessionError, type SessionErrorCode, type SessionErrorDetails } from '../errors';
import { DEFAULT_POLICY, type SessionPolicy } from '../rules/policy';
import type { ChargeEffect } from '../ledger/charges';
import type { RefundEffect } from '../ledger/refunds';
import type { PayoutEffect } from '../ledger/payouts';
import type { LedgerWrite, Session, SessionEventDraft } from './model';

/**
 * What every decision of the machines (the session's in `session/machine.ts`, the ledger's in `ledger/`)
 * answers, and the one context object they take. A decision is pure: no I/O, no clock reads.
 */

/** The actor id used for the cron job and provider webhooks. */
export const SYSTEM_ACTOR = 'system';

/** A side effect the runner performs after the write succeeds. Each machine owns its own effect types. */
export type SessionEffect = ChargeEffect | RefundEffect | PayoutEffect;

/** An accepted command. */
export interface TransitionOk {
  readonly ok: true;
  /**
   * False when the command was accepted but changes nothing (a participant's repeated join, a meeting
   * end no later than the one stored): the runner then writes nothing and appends no event.
   */
  readonly changed: boolean;
  readonly session: Session;
  readonly events: readonly SessionEventDraft[];
  /** Ledger changes to apply in the same atomic write. */
  readonly ledger: readonly LedgerWrite[];
  readonly effects: readonly SessionEffect[];
}

/** A refused command. The session is unchanged. */
export interface TransitionRefused {
  readonly ok: false;
  readonly error: SessionError;
}

/** Result of `transition`. */
export type TransitionResult = TransitionOk | TransitionRefused;

/** The one argument of every decision: the session as read, business time, the policy, and two makers. */
export interface TransitionContext {
  readonly session: Session;
  readonly now: Date;
  readonly policy: SessionPolicy;
  /** An audit event of this session at `now`. */
  event(type: SessionEventDraft['type'], actor: string, payload?: Record<string, unknown>): SessionEventDraft;
  /** The session with `changes`, its version + 1 and `updatedAt` now. */
  next(changes: Partial<Session>): Session;
}

/** The context of one decision about `session` at `now`. */
export function transitionContext(session: Session, now: Date, policy: SessionPolicy = DEFAULT_POLICY): TransitionContext {
  return {
    session,
    now,
    policy,
    event: (type, actor, payload = {}) => ({ type, sessionId: session.id, tutorId: session.tutorId, actor, occurredAt: now, payload }),
    next: (changes) => ({ ...session, ...changes, version: session.version + 1, updatedAt: now }),
  };
}

/** A refusal with a stable code. */
export const refuse = (code: SessionErrorCode, message: string, details: SessionErrorDetails = {}): TransitionRefused => ({
  ok: false,
  error: new SessionError(code, message, details),
});

/** Accepted, and nothing changes: nothing is written. */
export const unchanged = (session: Session): TransitionOk => ({ ok: true, changed: false, session, events: [], ledger: [], effects: [] });

/** Accepted with a change. */
export const accepted = (
  session: Session,
  events: readonly SessionEventDraft[],
  ledger: readonly LedgerWrite[] = [],
  effects: readonly SessionEffect[] = [],
): TransitionOk => ({ ok: true, changed: true, session, events, ledger, effects });

/** The refusal of any command on a final session. */
export function finalRefusal(session: Session): TransitionRefused {
  return refuse('SESSION_FINAL', `Session is already final (${session.status})`, { status: session.status });
}
