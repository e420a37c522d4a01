import type { CoreContext } from '../command/context';
import { withDeadline } from '../deadline';
import { isSessionError, SessionError } from '../errors';
import { assertValidInstant } from '../rules/timing';
import { PROVIDER_FAILURES, providerUnavailable } from './create';
import { transition, type SessionCommand } from './machine';
import type { CancelledBy, Session } from './model';

/**
 * The reschedule service behind `core.sessions.reschedule`: the machine decides (`RESCHEDULE`), the
 * provider's meeting moves first, then the session is written with a compare-and-set on the version the
 * decision was taken on.
 *
 * Never half-moved: the meeting is moved before every write attempt, and the session is written only on
 * the version that decision read. A lost race (another reschedule, a join, a cancel) is judged again on
 * the winner's state and moves the meeting again before its own write; a reschedule that ends refused
 * or failed moves the meeting back to wherever the stored session starts. So the last write of the
 * session always follows the last move made for it, and a retry of a call whose answer was lost
 * finishes the move (moving a meeting is idempotent; a session already at the new start is not written).
 */

/** What `core.sessions.reschedule` takes. */
export interface RescheduleInput {
  readonly sessionId: string;
  readonly userId: string;
  readonly by: CancelledBy;
  readonly startAt: Date;
  readonly reason?: string;
}

/** Rounds of decide → move → compare-and-set before `CONFLICT`. */
const MAX_ROUNDS = 5;

export function createRescheduler(ctx: CoreContext): (input: RescheduleInput) => Promise<Session> {
  /** Moves the session's meeting to `to`'s times under the time limit; a failure is `PROVIDER_UNAVAILABLE`. */
  async function moveMeeting(to: Session): Promise<void> {
    const move = ctx.video.moveMeeting?.bind(ctx.video);
    if (!move) return; // A provider without times (a Meet space): only the session moves.
    let outcome: 'moved' | 'timeout';
    try {
      outcome = await withDeadline<'moved' | 'timeout'>(
        async (signal) => {
          await move({ provider: to.provider, tutorId: to.tutorId, meetingId: to.meetingId, startAt: to.scheduledStartAt, durationMinutes: to.durationMinutes, signal });
          return 'moved' as const;
        },
        { timeoutMs: ctx.meetingCallTimeoutMs, what: 'the video provider', onTimeout: () => 'timeout' },
      );
    } catch (error) {
      if (isSessionError(error) && !PROVIDER_FAILURES.includes(error.code)) throw error;
      throw providerUnavailable(to.provider, 'error', error, 'moving the meeting');
    }
    if (outcome === 'timeout') throw providerUnavailable(to.provider, 'timeout', undefined, 'moving the meeting');
  }

  /**
   * After a refused or failed round: the meeting goes back to where the stored session starts (best
   * effort; a session we cannot read is left for the retry to finish).
   */
  async function moveBack(sessionId: string, movedTo: Date): Promise<void> {
    const stored = await ctx.sessions.findById(sessionId).catch(() => null);
    if (stored === null || stored.scheduledStartAt.getTime() === movedTo.getTime()) return;
    await moveMeeting(stored).catch(() => undefined);
  }

  return async function reschedule(input: RescheduleInput): Promise<Session> {
    assertValidInstant(input.startAt, 'startAt');
    const command: SessionCommand = {
      type: 'RESCHEDULE',
      actorId: input.userId,
      by: input.by,
      startAt: input.startAt,
      ...(input.reason ? { reason: input.reason } : {}),
    };
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const current = await ctx.runner.load(input.sessionId);
      const result = transition(current, command, ctx.clock.now(), ctx.policy);
      if (!result.ok) {
        if (round > 0) await moveBack(input.sessionId, input.startAt);
        throw result.error;
      }
      let stored: Session | null;
      try {
        // Also when the session is already there (a retry): the meeting may not be, and moving is idempotent.
        await moveMeeting(result.session);
        if (!result.changed) return current;
        stored = (
          await ctx.sessions.applyWrites([
            { expectedVersion: current.version, next: { ...result.session, claimedUntil: current.claimedUntil }, events: result.events, ledger: result.ledger },
          ])
        )[0] ?? null;
      } catch (error) {
        await moveBack(input.sessionId, input.startAt);
        throw error;
      }
      if (stored) return stored;
      // Lost to another write: judged again on the winner's state, and the meeting moved again.
    }
    await moveBack(input.sessionId, input.startAt);
    throw new SessionError('CONFLICT', 'The session kept changing while it was being rescheduled; try again');
  };
}
