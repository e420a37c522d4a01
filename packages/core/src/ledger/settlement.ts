import { addMinutes, isBefore } from 'date-fns';
import { withDeadline } from '../deadline';
import { SessionError } from '../errors';
import { leaseEnd } from '../command/lease';
import { chargeDeadline, chargeInstructionFor, classifyChargeResult, transition, type ChargeAnswer, type SessionCommand, type TransitionResult } from '../session/machine';
import type { SessionPolicy } from '../rules/policy';
import type { AttendanceRepository } from '../session/attendance';
import { MEETING_END_CLOCK_SKEW_MINUTES } from '../session/attendance-service';
import type { Clock, MeetingTimes, PaymentGateway, SessionRepository, SessionWrite, VideoProvider } from '../ports';
import type { Session } from '../session/model';
import { isFinalStatus } from '../rules/status';

/**
 * Settlement and charging: the cron's run over due sessions, and the charge calls of a no-show. The
 * rules (outcome, amounts, which ledger attempt, when a charge is failed for good) are the state
 * machine's; this module only runs it: claims work, applies the machine's writes in batches, calls the
 * gateway under a time limit and records every answer.
 */

/** Tuning of settlement runs. Every value is a whole number ≥ 1. */
export interface SettlementOptions {
  /** Sessions claimed per batch (one claim and one batched write per batch). Default 500. */
  readonly batchSize?: number;
  /**
   * Claim loops run side by side in one run (their claims never overlap), so the database works on one
   * batch while the process prepares the next. Default 2.
   */
  readonly concurrency?: number;
  /**
   * Stop after this many batches in one run. Default 1000 (500,000 sessions at the default batch size):
   * a cron tick is bounded by `runBudgetMs`; this is a cap on top of it.
   */
  readonly maxBatches?: number;
  /** Lease on claimed sessions, in minutes; a crashed worker's sessions are retried after it. Default 5. */
  readonly leaseMinutes?: number;
  /**
   * Gateway calls in flight at once. Default 100: enough to hide a gateway's latency (10,000 charges at
   * 100 ms each take about 10 s). The rate a provider allows is the gateway's to enforce (Stripe allows
   * about 100 writes per second in live mode; a gateway that sends faster gets 429s, which count as
   * unknown and are retried under the same key); lower this to cap the load from one run.
   */
  readonly chargeConcurrency?: number;
  /** Minutes before a declined or unknown charge is tried again. Default 5. */
  readonly chargeRetryMinutes?: number;
  /** Time limit of one gateway call in ms; past it the answer counts as unknown. Default 5000. */
  readonly chargeTimeoutMs?: number;
  /**
   * Time budget of one settlement run in ms (default 50 000, under one cron minute). No batch is
   * claimed and no gateway call is started that could not finish within it; sessions left over keep
   * their lease and are taken by a later run. Must exceed `chargeTimeoutMs`.
   */
  readonly runBudgetMs?: number;
  /**
   * Reconciliation before settlement (when the video provider has `getMeetingTimes`): the time limit of
   * one lookup of a due session's actual meeting end, in ms. Default 3000, or `chargeTimeoutMs` when
   * that is lower. No lookup starts that could not finish within the run's budget.
   */
  readonly reconcileTimeoutMs?: number;
  /** Provider lookups in flight at once within one batch. Default 20 (provider APIs rate-limit reads too). */
  readonly reconcileConcurrency?: number;
  /**
   * Minutes after the scheduled end during which a session whose meeting end is unknown is not settled
   * while the provider cannot answer (an error or a timeout): it keeps its lease and is tried again by
   * a run after `leaseMinutes`. Past this window it is settled on what is known, and the settlement's
   * audit event says the end was unknown (`meetingEndUnknown`). Default 60. Keep it well inside the
   * payment gateway's charge deadline.
   */
  readonly reconcileForMinutes?: number;
}

/** What one settlement run did. */
export interface SettlementReport {
  readonly completed: number;
  readonly earlyEnded: number;
  /** Sessions settled as `NO_SHOW_STUDENT` automatically (policy `autoNoShowFromAttendance`). */
  readonly noShows: number;
  /** Sessions another actor changed first (for example a no-show racing the cron); not an error. */
  readonly conflicts: number;
  readonly chargesSucceeded: number;
  /** Attempts declined in this run (each is retried under a new key until the policy's caps). */
  readonly chargesFailed: number;
  /** Attempts whose answer is unknown (threw, timed out, unclassifiable); retried under the same key. */
  readonly chargesPending: number;
  /** Charges failed for good in this run: a person must look at them. */
  readonly chargesNeedingAttention: number;
  /** Charges not sent because the run's time budget was used up; a later run sends them. */
  readonly chargesDeferred: number;
  /** Meeting ends learnt from the video provider before settling (reconciliation). */
  readonly meetingEndsReconciled: number;
  /**
   * Due sessions not settled in this run because the provider could not tell the meeting's end yet (slow
   * or down) or the run's budget left no time to ask; a later run settles them.
   */
  readonly settlementsDeferred: number;
}

const DEFAULT_OPTIONS: Required<SettlementOptions> = {
  batchSize: 500,
  concurrency: 2,
  maxBatches: 1000,
  leaseMinutes: 5,
  chargeConcurrency: 100,
  chargeRetryMinutes: 5,
  chargeTimeoutMs: 5_000,
  runBudgetMs: 50_000,
  reconcileTimeoutMs: 3_000,
  reconcileConcurrency: 20,
  reconcileForMinutes: 60,
};

/** Validates settlement options and fills in the defaults. Throws `INVALID_INPUT` listing every bad one. */
export function resolveSettlementOptions(options: SettlementOptions = {}): Required<SettlementOptions> {
  const issues: Array<{ path: string; message: string }> = [];
  for (const key of Object.keys(options)) {
    if (!(key in DEFAULT_OPTIONS)) {
      issues.push({
        path: `settlement.${key}`,
        message: key === 'maxChargeAttempts' ? 'moved to the policy (policy.maxChargeAttempts)' : 'is not a settlement option',
      });
    }
  }
  const resolved = { ...DEFAULT_OPTIONS };
  for (const key of Object.keys(DEFAULT_OPTIONS) as Array<keyof SettlementOptions>) {
    const value = options[key];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 1) issues.push({ path: `settlement.${key}`, message: 'must be a whole number ≥ 1' });
    else resolved[key] = value;
  }
  if (resolved.runBudgetMs <= resolved.chargeTimeoutMs) {
    issues.push({ path: 'settlement.runBudgetMs', message: 'must exceed chargeTimeoutMs' });
  }
  // A lookup never waits longer than a charge call unless the host says so.
  if (options.reconcileTimeoutMs === undefined) resolved.reconcileTimeoutMs = Math.min(resolved.reconcileTimeoutMs, resolved.chargeTimeoutMs);
  if (resolved.runBudgetMs <= resolved.reconcileTimeoutMs) {
    issues.push({ path: 'settlement.runBudgetMs', message: 'must exceed reconcileTimeoutMs' });
  }
  if (issues.length > 0) {
    throw new SessionError('INVALID_INPUT', `Invalid settlement options: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, {
      issues,
    });
  }
  return resolved;
}

interface Tally {
  completed: number;
  earlyEnded: number;
  noShows: number;
  conflicts: number;
  chargesSucceeded: number;
  chargesFailed: number;
  chargesPending: number;
  chargesNeedingAttention: number;
  chargesDeferred: number;
  meetingEndsReconciled: number;
  settlementsDeferred: number;
}

/** What reconciliation learnt of a due session's meeting. */
type MeetingEndAnswer =
  | { readonly status: 'ended'; readonly endedAt: Date }
  /** The provider has no end (still running, or never held): the usual rules apply. */
  | { readonly status: 'no_end' }
  /** The provider did not answer in time, failed, or answered something unusable. */
  | { readonly status: 'unavailable' };

/** The settlement runner over a session repository and a payment gateway. */
export function createSettlement(deps: {
  readonly sessions: SessionRepository;
  readonly gateway: PaymentGateway;
  readonly clock: Clock;
  readonly policy: SessionPolicy;
  readonly options: Required<SettlementOptions>;
  /** With `getMeetingTimes`: reconciliation before settlement. */
  readonly video?: Pick<VideoProvider, 'getMeetingTimes'>;
  /** Read for the automatic no-show (policy `autoNoShowFromAttendance`). */
  readonly attendance?: AttendanceRepository;
}) {
  const { sessions, gateway, clock, policy, options } = deps;

  /**
   * One gateway call for a session's open attempt, bounded by `chargeTimeoutMs`. Never throws: a thrown
   * call, a timeout and an unclassifiable answer are all `unknown`.
   */
  async function callGateway(session: Session): Promise<ChargeAnswer> {
    const instruction = chargeInstructionFor(session);
    return withDeadline(
      (signal) =>
        Promise.resolve()
          .then(() => gateway.charge(instruction, { signal }))
          // A halt is an answer (`{ status: 'halted', code }`); a throw, whatever it carries, is unknown.
          .then(classifyChargeResult, (): ChargeAnswer => ({ status: 'unknown', reason: 'gateway_error', reference: null })),
      { timeoutMs: options.chargeTimeoutMs, what: 'the charge call', onTimeout: () => ({ status: 'unknown', reason: 'timeout', reference: null }) },
    );
  }

  /**
   * Records gateway answers in one batched write. The next lease: none once the charge is settled for
   * good (succeeded or failed), `chargeRetryMinutes` from now while it is still to be collected.
   */
  async function recordAnswers(answers: ReadonlyArray<readonly [Session, ChargeAnswer]>, tally: Tally): Promise<Map<string, Session>> {
    const now = clock.now();
    const writes: SessionWrite[] = [];
    const declined: boolean[] = [];
    for (const [session, answer] of answers) {
      const result = transition(session, { type: 'RECORD_CHARGE_RESULT', attempt: session.chargeAttempts, result: answer }, now, policy);
      if (!result.ok) continue;
      const claimedUntil = result.session.chargeStatus === 'pending' ? leaseEnd(now, options.chargeRetryMinutes) : null;
      writes.push({ expectedVersion: session.version, next: { ...result.session, claimedUntil }, events: result.events, ledger: result.ledger });
      declined.push(answer.status === 'failed');
    }
    const stored = writes.length > 0 ? await sessions.applyWrites(writes) : [];
    const latest = new Map<string, Session>();
    stored.forEach((s, i) => {
      if (s === null) {
        tally.conflicts++;
        return;
      }
      latest.set(s.id, s);
      if (s.chargeStatus === 'succeeded') tally.chargesSucceeded++;
      else if (declined[i]) tally.chargesFailed++;
      else tally.chargesPending++;
      if (s.chargeStatus === 'failed') tally.chargesNeedingAttention++;
    });
    return latest;
  }

  const emptyTally = (): Tally => ({
    completed: 0,
    earlyEnded: 0,
    noShows: 0,
    conflicts: 0,
    chargesSucceeded: 0,
    chargesFailed: 0,
    chargesPending: 0,
    chargesNeedingAttention: 0,
    chargesDeferred: 0,
    meetingEndsReconciled: 0,
    settlementsDeferred: 0,
  });

  /**
   * Asks the provider for a due session's actual meeting end, bounded by `reconcileTimeoutMs`. Never
   * throws: a failure, a timeout and a malformed answer are all `unavailable`.
   */
  async function lookupMeetingEnd(session: Session): Promise<MeetingEndAnswer> {
    return withDeadline(
      (signal) =>
        Promise.resolve()
          .then(() => deps.video!.getMeetingTimes!({ provider: session.provider, tutorId: session.tutorId, meetingId: session.meetingId, signal }))
          .then(
            (times: MeetingTimes | null): MeetingEndAnswer => {
              if (times === null) return { status: 'no_end' };
              if (typeof times !== 'object') return { status: 'unavailable' };
              if (times.endedAt === null) return { status: 'no_end' };
              return times.endedAt instanceof Date && !Number.isNaN(times.endedAt.getTime())
                ? { status: 'ended', endedAt: times.endedAt }
                : { status: 'unavailable' };
            },
            (): MeetingEndAnswer => ({ status: 'unavailable' }),
          ),
      { timeoutMs: options.reconcileTimeoutMs, what: 'the meeting lookup', onTimeout: (): MeetingEndAnswer => ({ status: 'unavailable' }) },
    );
  }

  /** Applies commands in turn; the result carries every event and ledger change, and the last session. */
  function chain(session: Session, commands: readonly SessionCommand[], now: Date): TransitionResult {
    let current = session;
    const events: SessionWrite['events'][number][] = [];
    const ledger: NonNullable<SessionWrite['ledger']>[number][] = [];
    let last: TransitionResult | null = null;
    for (const command of commands) {
      const result = transition(current, command, now, policy);
      if (!result.ok) return result;
      current = result.session;
      events.push(...result.events);
      ledger.push(...result.ledger);
      last = result;
    }
    return { ok: true, changed: true, session: current, events, ledger, effects: last?.effects ?? [] };
  }

  /**
   * The settlement write of a due, non-final session, or `null` when it is deferred to a later run
   * (the provider could not tell the meeting's end in time). Reconciliation first: when the meeting's
   * end is unknown and the provider can be asked, its answer is recorded (`RECORD_MEETING_ENDED`,
   * source `reconciliation`) in the same write as the settlement, so the outcome follows the real end.
   * With the automatic no-show on, the session's attendance goes with the `SETTLE` command.
   */
  async function settlementWrite(
    session: Session,
    now: Date,
    canLookup: () => boolean,
    tally: Tally,
  ): Promise<SessionWrite | null> {
    const commands: SessionCommand[] = [];
    let meetingEndUnknown: 'provider_unavailable' | undefined;
    if (deps.video?.getMeetingTimes && session.meetingEndedAt === null && session.meetingId) {
      const answer = canLookup() ? await lookupMeetingEnd(session) : ({ status: 'unavailable' } as const);
      if (answer.status === 'unavailable') {
        // Not guessed while the window lasts: the session keeps its lease and a later run asks again.
        if (isBefore(now, addMinutes(session.chargeScheduledAt, options.reconcileForMinutes))) {
          tally.settlementsDeferred++;
          return null;
        }
        meetingEndUnknown = 'provider_unavailable';
      } else if (answer.status === 'ended') {
        // A provider clock a little ahead of ours: within the tolerance the end is taken as now.
        const endedAt =
          answer.endedAt > now && answer.endedAt <= addMinutes(now, MEETING_END_CLOCK_SKEW_MINUTES) ? now : answer.endedAt;
        const ended = transition(session, { type: 'RECORD_MEETING_ENDED', endedAt, source: 'reconciliation' }, now, policy);
        // An end the machine refuses (before Join opened, in the future) is not used, as from a webhook.
        if (ended.ok && ended.changed) {
          commands.push({ type: 'RECORD_MEETING_ENDED', endedAt, source: 'reconciliation' });
          tally.meetingEndsReconciled++;
        }
      }
    }
    const attendance =
      policy.autoNoShowFromAttendance && deps.attendance && session.studentJoinedAt === null
        ? await deps.attendance.listBySession(session.id)
        : undefined;
    commands.push({ type: 'SETTLE', ...(attendance ? { attendance } : {}), ...(meetingEndUnknown ? { meetingEndUnknown } : {}) });
    const result = chain(session, commands, now);
    if (!result.ok) return null;
    return { expectedVersion: session.version, next: result.session, events: result.events, ledger: result.ledger };
  }

  /** {@link settlementWrite} for a batch, at most `reconcileConcurrency` provider lookups at once. */
  async function settlementWrites(due: readonly Session[], now: Date, canLookup: () => boolean, tally: Tally) {
    const writes: Array<SessionWrite | null> = new Array(due.length).fill(null);
    const needsIo = deps.video?.getMeetingTimes !== undefined || (policy.autoNoShowFromAttendance && deps.attendance !== undefined);
    if (!needsIo) {
      // The common case without reconciliation: no awaits per session.
      due.forEach((session, i) => {
        const result = transition(session, { type: 'SETTLE' }, now, policy);
        if (result.ok) writes[i] = { expectedVersion: session.version, next: result.session, events: result.events, ledger: result.ledger };
      });
      return writes;
    }
    let nextIndex = 0;
    const worker = async () => {
      for (let i = nextIndex++; i < due.length; i = nextIndex++) writes[i] = await settlementWrite(due[i]!, now, canLookup, tally);
    };
    await Promise.all(Array.from({ length: Math.min(options.reconcileConcurrency, due.length) }, worker));
    return writes;
  }

  return {
    /** Sends a session's open attempt now and records the answer (the no-show path). */
    async chargeNow(session: Session): Promise<Session> {
      const answer = await callGateway(session);
      const latest = await recordAnswers([[session, answer]], emptyTally());
      return latest.get(session.id) ?? session;
    },

    /**
     * Settles every due session and sends every charge still to be collected, within the run's time
     * budget. Claims, settlement writes, gateway calls and answer writes form a pipeline: a slow or
     * hanging call holds up only its own session; answers are recorded in batches as they arrive.
     */
    async settleDueSessions(): Promise<SettlementReport> {
      const tally = emptyTally();
      const started = Date.now();
      const deadline = started + options.runBudgetMs;
      const canStartCall = () => Date.now() + options.chargeTimeoutMs <= deadline;
      const canLookup = () => Date.now() + options.reconcileTimeoutMs <= deadline;

      // Sessions whose open attempt is to be sent. Idle charge workers wait for an item (one is woken
      // per item queued); claim loops wait for room (woken when a worker takes one).
      const queue: Session[] = [];
      let producing = true;
      const itemWaiters: Array<() => void> = [];
      const roomWaiters: Array<() => void> = [];
      const enqueue = (session: Session) => {
        queue.push(session);
        itemWaiters.shift()?.();
      };
      const wakeAll = (waiters: Array<() => void>) => {
        for (const resolve of waiters.splice(0, waiters.length)) resolve();
      };

      const answers: Array<readonly [Session, ChargeAnswer]> = [];
      const flushes = new Set<Promise<void>>();
      let writeError: unknown = null;
      const flush = () => {
        const batch = answers.splice(0, answers.length);
        if (batch.length === 0) return;
        const done = recordAnswers(batch, tally).then(
          () => undefined,
          (error: unknown) => {
            // The answers are lost, not the money: the sessions keep their lease and are sent again
            // under the same keys, which the gateway answers the same way.
            writeError ??= error;
          },
        );
        flushes.add(done);
        void done.finally(() => {
          flushes.delete(done);
          if (answers.length >= options.batchSize) flush();
          wakeAll(flushWaiters);
        });
      };
      // Backpressure on the answers: at most `concurrency` answer writes in flight. Without it an
      // instant gateway answers faster than the database records, and every unrecorded batch (its
      // sessions and their JSON) is held in memory until the end of the run: memory then grows with
      // the number due instead of staying flat.
      const flushWaiters: Array<() => void> = [];
      const answersBacklogged = () => answers.length >= options.batchSize && flushes.size >= options.concurrency;

      let batches = 0;
      const claimLoop = async () => {
        while (batches < options.maxBatches && canStartCall()) {
          // Backpressure: claim no more than the gateway can be sent soon.
          while (queue.length >= options.batchSize) await new Promise<void>((resolve) => roomWaiters.push(resolve));
          batches++;
          const now = clock.now();
          const claimed = await sessions.claimForSettlement({ now, limit: options.batchSize, claimUntil: leaseEnd(now, options.leaseMinutes) });
          if (claimed.length === 0) break;

          const writes: SessionWrite[] = [];
          const settles: boolean[] = [];
          const due: Session[] = [];
          for (const session of claimed) {
            const final = isFinalStatus(session.status);
            if (!final) {
              due.push(session); // settle it (after reconciliation, when the provider can be asked)
              continue;
            }
            if (session.chargeStatus !== 'pending') continue;
            const deadline = chargeDeadline(session, policy);
            if (deadline !== null && !isBefore(now, deadline)) {
              // Past the deadline: nothing is sent or opened again (a gateway that has forgotten the key
              // could take the money twice); failed for good, for a person.
              const expired = transition(session, { type: 'EXPIRE_CHARGE' }, now, policy);
              if (!expired.ok) continue;
              writes.push({ expectedVersion: session.version, next: { ...expired.session, claimedUntil: null }, events: expired.events, ledger: expired.ledger });
              settles.push(false);
              continue;
            }
            if (session.chargeIdempotencyKey !== null) {
              enqueue(session); // an open attempt: send it again under the same key
              continue;
            }
            // Final with a declined attempt: open the next one (a new key).
            const result = transition(session, { type: 'OPEN_CHARGE_ATTEMPT' }, now, policy);
            if (!result.ok) continue;
            writes.push({ expectedVersion: session.version, next: result.session, events: result.events, ledger: result.ledger });
            settles.push(false);
          }
          for (const write of await settlementWrites(due, now, canLookup, tally)) {
            if (write === null) continue;
            writes.push(write);
            settles.push(true);
          }
          const stored = writes.length > 0 ? await sessions.applyWrites(writes) : [];
          stored.forEach((s, i) => {
            if (s === null) {
              tally.conflicts++;
              return;
            }
            if (!settles[i] && s.chargeStatus === 'failed') tally.chargesNeedingAttention++;
            if (settles[i] && s.status === 'COMPLETED_ASSUMED') tally.completed++;
            else if (settles[i] && s.status === 'EARLY_END_SHORT') tally.earlyEnded++;
            else if (settles[i] && s.status === 'NO_SHOW_STUDENT') tally.noShows++;
            if (s.chargeStatus === 'pending' && s.chargeIdempotencyKey !== null) enqueue(s);
          });
          if (claimed.length < options.batchSize) break;
        }
      };

      const chargeWorker = async () => {
        for (;;) {
          while (answersBacklogged()) await new Promise<void>((resolve) => flushWaiters.push(resolve));
          const session = queue.shift();
          if (session === undefined) {
            if (!producing) return;
            await new Promise<void>((resolve) => itemWaiters.push(resolve));
            continue;
          }
          if (queue.length < options.batchSize) wakeAll(roomWaiters);
          if (!canStartCall()) {
            tally.chargesDeferred++;
            continue;
          }
          answers.push([session, await callGateway(session)]);
          if (answers.length >= options.batchSize && flushes.size < options.concurrency) flush();
        }
      };

      let claimError: unknown = null;
      // A failed claim loop stops only itself; what was already claimed is still sent and recorded.
      const producers = Promise.allSettled(Array.from({ length: options.concurrency }, claimLoop)).then((results) => {
        for (const r of results) if (r.status === 'rejected') claimError ??= r.reason;
        producing = false;
        wakeAll(itemWaiters);
      });
      const consumers = Promise.all(Array.from({ length: options.chargeConcurrency }, chargeWorker));
      await Promise.all([producers, consumers]);
      while (answers.length > 0 || flushes.size > 0) {
        if (answers.length > 0 && flushes.size < options.concurrency) flush();
        else await Promise.race([...flushes]);
      }
      if (claimError !== null) throw claimError;
      if (writeError !== null) throw writeError;
      return { ...tally };
    },
  };
}

/** The settlement runner returned by {@link createSettlement}. */
export type Settlement = ReturnType<typeof createSettlement>;
