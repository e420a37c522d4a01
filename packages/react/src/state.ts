import {
  effectiveStatus,
  fromSessionJson,
  isFinalStatus,
  secondsUntil,
  type PublicSession,
  type SessionJson,
  type SessionStatus,
} from './deps';

/**
 * Pure derivations of what a participant may do at an instant. No React, no clock reads: the hooks
 * feed them the shared clock's instant; hosts may call them anywhere (a server too).
 */

/** A session as the components accept it: the core's `PublicSession` or its JSON form. */
export type SessionInput = PublicSession | SessionJson;

/** Returns a `PublicSession` (instants as `Date`s) from either form. */
export function toPublicSessionInput(session: SessionInput): PublicSession {
  return session.scheduledStartAt instanceof Date ? (session as PublicSession) : fromSessionJson(session);
}

/** Where a session stands for the Join button. `unknown`: no instant yet (server render without one). */
export type JoinPhase = 'unknown' | 'waiting' | 'open' | 'in-progress' | 'ended' | 'final';

/** What {@link joinStateAt} derives. */
export interface JoinState {
  readonly phase: JoinPhase;
  /** Effective status at the instant (the stored status when the instant is unknown). */
  readonly status: SessionStatus;
  /** True when Join may be pressed: from `opensAt` until the scheduled end, unless final. */
  readonly canJoin: boolean;
  /** When Join opens: `joinOpensAt`, or later if the server said so (`notBefore`). */
  readonly opensAt: Date;
  /** Whole seconds until `opensAt` (0 once open); `null` when the instant is unknown or final. */
  readonly secondsUntilOpen: number | null;
  /** Whole seconds until the scheduled start (0 once started); `null` when unknown or final. */
  readonly secondsUntilStart: number | null;
  /** True until the no-show wait is over, while the session is neither ended nor final. */
  readonly showNoShowWarning: boolean;
  /** The session's stored no-show wait, in minutes. */
  readonly noShowWaitMinutes: number;
}

/** Options for {@link joinStateAt} and {@link noShowStateAt}. */
export interface JoinStateOptions {
  /** Epoch ms before which the action stays closed: the server's `availableAt` after `TOO_EARLY`. */
  readonly notBefore?: number | null;
}

/** The Join state of `session` at `now` (epoch ms, or `null` for "not known yet"). */
export function joinStateAt(session: SessionInput, now: number | null, options: JoinStateOptions = {}): JoinState {
  const s = toPublicSessionInput(session);
  const opens = Math.max(+s.joinOpensAt, options.notBefore ?? 0);
  const at = new Date(now ?? 0);
  const final = isFinalStatus(s.status);
  const known = now !== null && !final;
  const phase: JoinPhase = final
    ? 'final'
    : now === null
      ? 'unknown'
      : now < opens
        ? 'waiting'
        : now < +s.scheduledStartAt
          ? 'open'
          : now < +s.scheduledEndAt
            ? 'in-progress'
            : 'ended';
  return {
    phase,
    status: known ? effectiveStatus(s, at) : s.status,
    // DESIGN: joining stays possible until the session is final, also past the scheduled end.
    canJoin: phase === 'open' || phase === 'in-progress' || phase === 'ended',
    opensAt: new Date(opens),
    secondsUntilOpen: known ? secondsUntil(new Date(opens), at) : null,
    secondsUntilStart: known ? secondsUntil(s.scheduledStartAt, at) : null,
    showNoShowWarning: !final && phase !== 'ended' && (now ?? 0) < +s.noShowEligibleAt,
    noShowWaitMinutes: s.noShowWaitMinutes,
  };
}

/** Where a session stands for the no-show button. `hidden`: show nothing (see `hiddenReason`). */
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

/** The no-show state of `session` at `now` (epoch ms, or `null` for "not known yet"). */
export function noShowStateAt(session: SessionInput, now: number | null, options: JoinStateOptions = {}): NoShowState {
  const s = toPublicSessionInput(session);
  const eligible = Math.max(+s.noShowEligibleAt, options.notBefore ?? 0);
  // The rule: a join recorded at or before the end of the wait rules out a no-show.
  const hiddenReason: NoShowHiddenReason | null = isFinalStatus(s.status)
    ? 'final'
    : s.studentJoinedAt && +s.studentJoinedAt <= +s.noShowEligibleAt
      ? 'student-joined'
      : null;
  const known = now !== null && !hiddenReason;
  return {
    phase: hiddenReason ? 'hidden' : now === null ? 'unknown' : now < eligible ? 'waiting' : 'open',
    hiddenReason,
    canMarkNoShow: known && now >= eligible,
    eligibleAt: new Date(eligible),
    secondsUntilEligible: known ? secondsUntil(new Date(eligible), new Date(now)) : null,
  };
}
