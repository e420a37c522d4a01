import { SessionError } from '../errors';
import type { SessionPolicy } from '../rules/policy';
import type { Clock, SessionRepository, SessionWrite } from '../ports';
import { transition, type SessionCommand } from '../session/machine';
import type { Session } from '../session/model';
import type { SessionEffect } from '../session/transition';
import { lostRace, retryCompareAndSet, retryUntilDecided } from './compare-and-set';
import { leaseEnd } from './lease';

/**
 * The one command runner of the core: read → decide → compare-and-set (with the lease) → effects. Every
 * service that changes a session goes through it; settlement's batches use the same decisions and lease
 * rule (`leaseFor`) over many sessions at once.
 */

/**
 * What happens to the settlement lease (`Session.claimedUntil`) when a command writes:
 * - `'keep'`: as it was (a join, a cancel, a refund: they do not touch the charge);
 * - `'release'`: none once the charge is settled for good, as it was while it is still to be collected
 *   (an answer reported by a webhook);
 * - `{ minutes }`: a charge the write leaves to be collected is leased to this call for `minutes`, so a cron
 *   run does not send it at the same moment (a no-show sends its charge itself; settlement's answers wait
 *   `chargeRetryMinutes` before the next try); none once it is settled for good.
 */
export type LeaseRule = 'keep' | 'release' | { readonly minutes: number };

/** The lease a write leaves on `next`, read as `current`, at `now`: the one place the rule is applied. */
export function leaseFor(rule: LeaseRule, current: Pick<Session, 'claimedUntil'>, next: Pick<Session, 'chargeStatus'>, now: Date): Date | null {
  if (rule === 'keep') return current.claimedUntil;
  if (next.chargeStatus !== 'pending') return null;
  return rule === 'release' ? current.claimedUntil : leaseEnd(now, rule.minutes);
}

/** A decision taken on the session as read: the write to make (`null`: nothing changes) and what to answer. */
export interface Decision<R> {
  readonly write: Omit<SessionWrite, 'expectedVersion' | 'writeId'> | null;
  /** The answer, given the session as stored after the write (or as read, when nothing was written). */
  readonly answer: (stored: Session) => R | Promise<R>;
}

/** How a command is run. */
export interface RunOptions {
  /** Default `'keep'`. */
  readonly lease?: LeaseRule;
  /**
   * `'capped'` (default): a command lost to another write is judged again a few times, then `CONFLICT`
   * (`retryCompareAndSet`). `'until-decided'`: judged again for as long as others progress (refunds:
   * `retryUntilDecided`), so an ordinary race never fails.
   */
  readonly retry?: 'capped' | 'until-decided';
}

/** The result of a state-machine command: the session after it and the effects to perform. */
export interface CommandResult {
  readonly session: Session;
  readonly effects: readonly SessionEffect[];
}

/** The runner over the core's session repository, clock and policy. */
export interface CommandRunner {
  /** The session, or `NOT_FOUND`. */
  load(sessionId: string): Promise<Session>;
  /**
   * Runs any decision: reads the session, lets `decide` judge it at business time `now` (reading more
   * if it must), writes with a compare-and-set under the lease rule, and answers. A lost race is judged
   * again on the winner's state.
   */
  decide<R>(sessionId: string, decide: (current: Session, now: Date) => Decision<R> | Promise<Decision<R>>, options?: RunOptions): Promise<R>;
  /**
   * Runs a state-machine command through {@link CommandRunner.decide}. A command that needs another read
   * (the no-show's attendance evidence) comes as a promise, so that read runs beside the session's own:
   * one round trip of latency instead of two (read once: a retry after a lost race reuses it). A command
   * the machine accepts without change (a repeated join) writes nothing.
   */
  run(sessionId: string, command: SessionCommand | Promise<SessionCommand>, options?: RunOptions): Promise<CommandResult>;
}

export function createCommandRunner(deps: { readonly sessions: SessionRepository; readonly clock: Clock; readonly policy: SessionPolicy }): CommandRunner {
  const { sessions, clock, policy } = deps;

  async function load(sessionId: string): Promise<Session> {
    const session = typeof sessionId === 'string' ? await sessions.findById(sessionId) : null;
    if (!session) throw new SessionError('NOT_FOUND', `Session ${String(sessionId)} was not found`);
    return session;
  }

  async function decideOnce<R>(
    current: Session,
    decision: Decision<R>,
    now: Date,
    lease: LeaseRule,
  ): Promise<{ won: true; value: R } | { won: false }> {
    if (decision.write === null) return { won: true, value: await decision.answer(current) };
    const next = { ...decision.write.next, claimedUntil: leaseFor(lease, current, decision.write.next, now) };
    const [stored] = await sessions.applyWrites([{ ...decision.write, expectedVersion: current.version, next }]);
    return stored ? { won: true, value: await decision.answer(stored) } : { won: false };
  }

  function decide<R>(
    sessionId: string,
    judge: (current: Session, now: Date) => Decision<R> | Promise<Decision<R>>,
    options: RunOptions = {},
    read: () => Promise<Session> = () => load(sessionId),
  ): Promise<R> {
    const lease = options.lease ?? 'keep';
    const round = async () => {
      const current = await read();
      const now = clock.now();
      return { current, outcome: await decideOnce(current, await judge(current, now), now, lease) };
    };
    if (options.retry === 'until-decided') {
      return retryUntilDecided('The session', async () => {
        const { current, outcome } = await round();
        return outcome.won ? outcome.value : lostRace(current.version);
      });
    }
    return retryCompareAndSet('The session', async () => {
      const { outcome } = await round();
      return outcome.won ? outcome.value : null;
    });
  }

  return {
    load,
    decide: (sessionId, judge, options) => decide(sessionId, judge, options),
    run(sessionId, commandOrRead, options) {
      let command: SessionCommand | undefined;
      // The session and the command's own read, side by side; the command is awaited once.
      const read = async () => {
        const [current, resolved] = await Promise.all([load(sessionId), command ?? commandOrRead]);
        command = resolved;
        return current;
      };
      return decide<CommandResult>(
        sessionId,
        (current, now) => {
          const result = transition(current, command!, now, policy);
          if (!result.ok) throw result.error;
          if (!result.changed) return { write: null, answer: (session) => ({ session, effects: result.effects }) };
          return {
            write: { next: result.session, events: result.events, ledger: result.ledger },
            answer: (session) => ({ session, effects: result.effects }),
          };
        },
        options,
        read,
      );
    },
  };
}
