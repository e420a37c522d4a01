import {
  effectiveStatus,
  fromSessionJson,
  isFinalStatus,
  secondsUntil,
  type PublicSession,
  type SessionJson,
  type SessionStatus,
} from '@itutor/sessions-core';

/**
 * Pure derivations of what a participant may do at an instant. No React, no clock reads: the hooks
 * feed them the shared clock's instant; hosts may call them directly (for example on a server).
 */

/** A session as the components accept it: the core's `PublicSession` or its JSON form. */
export type SessionInput = PublicSession | SessionJson;

/** Returns a `PublicSession` (instants as `Date`s) from either form. */
export function toPublicSessionInput(session: SessionInput): PublicSession {
  return session.scheduledStartAt instanceof Date ? (session as PublicSession) : fromSessionJson(session);
}

/** Where a session stands for the Join button. `unknown` means "no instant yet" (server render). */
export type JoinPhase = 'unknown' | 'waiting' | 'open' | 'in-progress' | 'ended' | 'final';

/** What {@link joinStateAt} derives. */
export interface JoinState {
  readonly phase: JoinPhase;
  /** Effective status at the instant (stored status when the instant is unknown). */
  readonly status: SessionStatus;
  /** True when the Join button may be pressed. */
  readonly canJoin: boolean;
  /** When Join opens: `joinOpensAt`, or later if the server said so (`notBefore`). */
  readonly opensAt: Date;
  /** Whole seconds until `opensAt` (0 once open); `null` when the instant is unknown. */
  readonly secondsUntilOpen: number | null;
  /** Whole seconds until the scheduled start (0 once started); `null` when unknown. */
  readonly secondsUntilStart: number | null;
  /** True until the no-show wait is over (the no-show warning/notice is relevant). */
  readonly noShowWarningRelevant: boolean;
  /** The session's stored no-show wait, in minutes. */
  readonly noShowWaitMinutes: number;
}

/** Options for {@link joinStateAt}. */
export interface JoinStateOptions {
  /** Epoch ms before which Join stays closed, e.g. the server's `availableAt` after `TOO_EARLY`. */
  readonly notBefore?: number | null;
}

/** The Join state of `session` at `now` (epoch ms, or `null` for "not known yet"). */
export function joinStateAt(session: SessionInput, now: number | null, options: JoinStateOptions = {}): JoinState {
  const s = toPublicSessionInput(session);
  const opensMs = Math.max(s.joinOpensAt.getTime(), options.notBefore ?? -Infinity);
  const opensAt = new Date(opensMs);
  const base = { opensAt, noShowWaitMinutes: s.noShowWaitMinutes };
  if (isFinalStatus(s.status)) {
    return { ...base, phase: 'final', status: s.status, canJoin: false, secondsUntilOpen: null, secondsUntilStart: null, noShowWarningRelevant: false };
  }
  if (now === null) {
    return { ...base, phase: 'unknown', status: s.status, canJoin: false, secondsUntilOpen: null, secondsUntilStart: null, noShowWarningRelevant: true };
  }
  const at = new Date(now);
  const status = effectiveStatus(s, at);
  const secondsUntilOpen = secondsUntil(opensAt, at);
  const secondsUntilStart = secondsUntil(s.scheduledStartAt, at);
  const noShowWarningRelevant = now < s.noShowEligibleAt.getTime();
  const phase: JoinPhase =
    now < opensMs
      ? 'waiting'
      : now < s.scheduledStartAt.getTime()
        ? 'open'
        : now < s.scheduledEndAt.getTime()
          ? 'in-progress'
          : 'ended';
  return {
    ...base,
    phase,
    status,
    canJoin: phase === 'open' || phase === 'in-progress',
    secondsUntilOpen,
    secondsUntilStart,
    noShowWarningRelevant,
  };
}

/** Where a session stands for the no-show button. `hidden`: nothing to show (see `hiddenReason`). */
export type NoShowPhase = 'unknown' | 'waiting' | 'open' | 'hidden';

/** Why the no-show button is hidden. */
export type NoShowHiddenReason = 'final' | 'student-joined';

/** What {@link noShowStateAt} derives. */
export interface NoShowState {
  readonly phase: NoShowPhase;
  readonly hiddenReason: NoShowHiddenReason | null;
  /** True when the tutor may mark a no-show now. */
  readonly canMarkNoShow: boolean;
  /** When a no-show becomes possible: `noShowEligibleAt`, or later if the server said so. */
  readonly eligibleAt: Date;
  /** Whole seconds until `eligibleAt` (0 once eligible); `null` when unknown or hidden. */
  readonly secondsUntilEligible: number | null;
}

/** Options for {@link noShowStateAt}. */
export interface NoShowStateOptions {
  /** Epoch ms before which the no-show stays unavailable (the server's `availableAt`). */
  readonly notBefore?: number | null;
}

/** The no-show state of `session` at `now` (epoch ms, or `null` for "not known yet"). */
export function noShowStateAt(session: SessionInput, now: number | null, options: NoShowStateOptions = {}): NoShowState {
  const s = toPublicSessionInput(session);
  const eligibleMs = Math.max(s.noShowEligibleAt.getTime(), options.notBefore ?? -Infinity);
  const eligibleAt = new Date(eligibleMs);
  const hidden = (hiddenReason: NoShowHiddenReason): NoShowState => ({
    phase: 'hidden',
    hiddenReason,
    canMarkNoShow: false,
    eligibleAt,
    secondsUntilEligible: null,
  });
  if (isFinalStatus(s.status)) return hidden('final');
  // The rule: a join recorded at or before the end of the wait rules out a no-show.
  if (s.studentJoinedAt !== null && s.studentJoinedAt.getTime() <= s.noShowEligibleAt.getTime()) {
    return hidden('student-joined');
  }
  if (now === null) {
    return { phase: 'unknown', hiddenReason: null, canMarkNoShow: false, eligibleAt, secondsUntilEligible: null };
  }
  const open = now >= eligibleMs;
  return {
    phase: open ? 'open' : 'waiting',
    hiddenReason: null,
    canMarkNoShow: open,
    eligibleAt,
    secondsUntilEligible: secondsUntil(eligibleAt, new Date(now)),
  };
}
