import { addMinutes, isBefore } from 'date-fns';
import type { CoreContext } from '../command/context';
import { leaseEnd } from '../command/lease';
import { leaseFor } from '../command/runner';
import { withDeadline } from '../deadline';
import type { ClaimOptions, MeetingTimes, SessionWrite } from '../ports';
import { isFinalStatus } from '../rules/status';
import { MEETING_END_CLOCK_SKEW_MINUTES } from '../session/attendance';
import { transition, type SessionCommand } from '../session/machine';
import type { Session } from '../session/model';
import type { TransitionOk, TransitionResult } from '../session/transition';
import type { AttendanceEntry } from '../session/attendance';
import { classifyChargeResult, type ChargeAnswer } from './answers';
import { chargeDeadline, chargeInstructionFor } from './charges';
import { emptyTally, type SettlementOptions, type SettlementReport, type Tally } from './settlement-options';

/**
 * Settlement and charging: the cron's run over due sessions, and the charge calls of a no-show. The
 * rules (outcome, amounts, which ledger attempt, when a charge is failed for good) are the machines';
 * this module only runs them: claims work, applies their writes in batches, calls the gateway under a
 * time limit and records every answer.
 */

/** `core.settlement`: the cron's work. */
export interface SettlementResource {
  /**
   * Settles every session whose scheduled end has passed, and sends every charge still to be
   * collected (unknown answers under the same key, declined ones under a new attempt's key). Works in
   * claimed batches within `settlement.runBudgetMs`; safe to run concurrently: each session is settled
   * once, by whichever write wins its compare-and-set (due sessions are claimed without a lease, so runs
   * that overlap may both try one; the loser counts a conflict, and only the winner sends the charge), and
   * a racing no-show simply wins or loses the same way. Charges to collect are leased to one run.
   */
  run(): Promise<SettlementReport>;
}

type MeetingEndAnswer =
  | { readonly status: 'ended'; readonly endedAt: Date }
  /** The provider has no end (still running, or it cannot tell): the usual rules apply. */
  | { readonly status: 'no_end' }
  /** The provider reports that the meeting never started (`MeetingTimes.neverStarted`). */
  | { readonly status: 'never_started' }
  /** The provider did not answer in time, failed, or answered something unusable. */
  | { readonly status: 'unavailable' };

/** What a settlement run works with: the core's context and the resolved options. */
interface SettlementEnv {
  readonly ctx: CoreContext;
  readonly options: Required<SettlementOptions>;
}

/**
 * One gateway call for a session's open attempt, bounded by `chargeTimeoutMs`. Never throws: a thrown
 * call, a timeout and an unclassifiable answer are all `unknown`.
 */
function callGateway(env: SettlementEnv, session: Session): Promise<ChargeAnswer> {
  const instruction = chargeInstructionFor(session);
  return withDeadline(
    (signal) =>
      Promise.resolve()
        .then(() => env.ctx.gateway.charge(instruction, { signal }))
        // A halt is an answer (`{ status: 'halted', code }`); a throw, whatever it carries, is unknown.
        .then(classifyChargeResult, (): ChargeAnswer => ({ status: 'unknown', reason: 'gateway_error', reference: null })),
    { timeoutMs: env.options.chargeTimeoutMs, what: 'the charge call', onTimeout: () => ({ status: 'unknown', reason: 'timeout', reference: null }) },
  );
}

/**
 * Records gateway answers in one batched write. The next lease: none once the charge is settled for
 * good (succeeded or failed), `chargeRetryMinutes` from now while it is still to be collected.
 */
async function recordAnswers(env: SettlementEnv, answers: ReadonlyArray<readonly [Session, ChargeAnswer]>, tally: Tally): Promise<Map<string, Session>> {
  const { ctx, options } = env;
  const now = ctx.clock.now();
  const writes: SessionWrite[] = [];
  const declined: boolean[] = [];
  for (const [session, answer] of answers) {
    const result = transition(session, { type: 'RECORD_CHARGE_RESULT', attempt: session.chargeAttempts, result: answer }, now, ctx.policy);
    if (!result.ok) continue;
    const claimedUntil = leaseFor({ minutes: options.chargeRetryMinutes }, session, result.session, now);
    writes.push({ expectedVersion: session.version, previous: session, next: { ...result.session, claimedUntil }, events: result.events, ledger: result.ledger });
    declined.push(answer.status === 'failed');
  }
  const stored = writes.length > 0 ? await ctx.sessions.applyWrites(writes) : [];
  const latest = new Map<string, Session>();
  stored.forEach((s, i) => {
    if (s === null) {
      tally.conflicts++;
      return;
    }
    latest.set(s.id, s);
    ctx.tellAwaitingCustomer(writes[i]!.previous ?? writes[i]!.next, s);
    if (s.chargeStatus === 'succeeded') tally.chargesSucceeded++;
    else if (declined[i]) tally.chargesFailed++;
    else tally.chargesPending++;
    if (s.chargeStatus === 'failed') tally.chargesNeedingAttention++;
  });
  return latest;
}

/**
 * Asks the provider for a due session's actual meeting end, bounded by `reconcileTimeoutMs`. Never
 * throws: a failure, a timeout and a malformed answer are all `unavailable`.
 */
function lookupMeetingEnd(env: SettlementEnv, session: Session): Promise<MeetingEndAnswer> {
  const video = env.ctx.video;
  return withDeadline(
    (signal) =>
      Promise.resolve()
        .then(() => video.getMeetingTimes!({ provider: session.provider, tutorId: session.tutorId, meetingId: session.meetingId, signal }))
        .then(
          (times: MeetingTimes | null): MeetingEndAnswer => {
            if (times === null) return { status: 'no_end' };
            if (typeof times !== 'object') return { status: 'unavailable' };
            if (times.neverStarted === true && times.startedAt === null && times.endedAt === null) return { status: 'never_started' };
            if (times.endedAt === null) return { status: 'no_end' };
            return times.endedAt instanceof Date && !Number.isNaN(times.endedAt.getTime())
              ? { status: 'ended', endedAt: times.endedAt }
              : { status: 'unavailable' };
          },
          (): MeetingEndAnswer => ({ status: 'unavailable' }),
        ),
    { timeoutMs: env.options.reconcileTimeoutMs, what: 'the meeting lookup', onTimeout: (): MeetingEndAnswer => ({ status: 'unavailable' }) },
  );
}

/** Applies commands in turn; the result carries every event and ledger change, and the last session. */
function chain(env: SettlementEnv, session: Session, commands: readonly SessionCommand[], now: Date): TransitionResult {
  let current = session;
  const events: SessionWrite['events'][number][] = [];
  const ledger: NonNullable<SessionWrite['ledger']>[number][] = [];
  let last: TransitionResult | null = null;
  for (const command of commands) {
    const result = transition(current, command, now, env.ctx.policy);
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
  env: SettlementEnv,
  session: Session,
  now: Date,
  canLookup: () => boolean,
  tally: Tally,
  prefetched: ReadonlyMap<string, AttendanceEntry[]> | null,
): Promise<SessionWrite | null> {
  const { ctx, options } = env;
  const commands: SessionCommand[] = [];
  let meetingEndUnknown: 'provider_unavailable' | undefined;
  let meetingNeverStarted = false;
  if (ctx.video.getMeetingTimes && session.meetingEndedAt === null && session.meetingId) {
    const answer = canLookup() ? await lookupMeetingEnd(env, session) : ({ status: 'unavailable' } as const);
    if (answer.status === 'unavailable') {
      // Not guessed while the window lasts: the session keeps the lease of its claim (due sessions are
      // leased when the provider can be asked) and a later run asks again after `leaseMinutes`.
      if (isBefore(now, addMinutes(session.chargeScheduledAt, options.reconcileForMinutes))) {
        tally.settlementsDeferred++;
        return null;
      }
      meetingEndUnknown = 'provider_unavailable';
    } else if (answer.status === 'never_started') {
      meetingNeverStarted = true;
    } else if (answer.status === 'ended') {
      // A provider clock a little ahead of ours: within the tolerance the end is taken as now.
      const endedAt = answer.endedAt > now && answer.endedAt <= addMinutes(now, MEETING_END_CLOCK_SKEW_MINUTES) ? now : answer.endedAt;
      const ended = transition(session, { type: 'RECORD_MEETING_ENDED', endedAt, source: 'reconciliation' }, now, ctx.policy);
      // An end the machine refuses (before Join opened, in the future) is not used, as from a webhook.
      if (ended.ok && ended.changed) {
        commands.push({ type: 'RECORD_MEETING_ENDED', endedAt, source: 'reconciliation' });
        tally.meetingEndsReconciled++;
      }
    }
  }
  const attendance = !needsAttendance(env, session)
    ? undefined
    : prefetched
      ? (prefetched.get(session.id) ?? [])
      : await ctx.adapter.attendance!.listBySession(session.id);
  commands.push({
    type: 'SETTLE',
    ...(attendance ? { attendance } : {}),
    ...(meetingNeverStarted ? { meetingNeverStarted } : {}),
    ...(meetingEndUnknown ? { meetingEndUnknown } : {}),
  });
  const result = chain(env, session, commands, now);
  if (!result.ok) return null;
  return settledWrite(env, session, result, now);
}

/**
 * The settlement write of a due session: its charge, when one is opened, leased for `leaseMinutes` to
 * this run (which sends it next), so no other run sends it at the same moment; none when nothing is to
 * be collected. Due sessions are usually claimed without a lease: this write is where a settled
 * session's lease begins.
 */
function settledWrite(env: SettlementEnv, session: Session, result: TransitionOk, now: Date): SessionWrite {
  const claimedUntil = leaseFor({ minutes: env.options.leaseMinutes }, session, result.session, now);
  return { expectedVersion: session.version, previous: session, next: { ...result.session, claimedUntil }, events: result.events, ledger: result.ledger };
}

/**
 * Whether settling `session` reads its provider-reported attendance: only with attendance storage, and
 * only when it can change the outcome — nobody joined by our Join button (`NOBODY_JOINED` may follow), or
 * an automatic no-show is on and its absent side has no Join button join.
 */
function needsAttendance(env: SettlementEnv, session: Session): boolean {
  const { policy, adapter } = env.ctx;
  if (!adapter.attendance) return false;
  if (session.studentJoinedAt === null && session.tutorJoinedAt === null) return true;
  return (policy.autoNoShowFromAttendance && session.studentJoinedAt === null) || (policy.autoTutorNoShowFromAttendance && session.tutorJoinedAt === null);
}

/** {@link settlementWrite} for a batch, at most `reconcileConcurrency` provider lookups at once. */
async function settlementWrites(env: SettlementEnv, due: readonly Session[], now: Date, canLookup: () => boolean, tally: Tally) {
  const { ctx, options } = env;
  const writes: Array<SessionWrite | null> = new Array(due.length).fill(null);
  // The batch's attendance in one read when the adapter can (else one read per session that needs it).
  const needing = due.filter((session) => needsAttendance(env, session)).map((session) => session.id);
  const many = ctx.adapter.attendance?.listBySessions;
  let prefetched: Map<string, AttendanceEntry[]> | null = null;
  if (needing.length > 0 && many) {
    prefetched = new Map();
    // At most 1000 ids a call (the port's limit).
    for (let i = 0; i < needing.length; i += 1000) {
      for (const [id, entries] of await many.call(ctx.adapter.attendance, needing.slice(i, i + 1000))) prefetched.set(id, entries);
    }
  }
  if (ctx.video.getMeetingTimes === undefined && (needing.length === 0 || prefetched !== null)) {
    // The common case without reconciliation: no awaits per session.
    due.forEach((session, i) => {
      const attendance = prefetched && needsAttendance(env, session) ? (prefetched.get(session.id) ?? []) : undefined;
      const result = transition(session, attendance ? { type: 'SETTLE', attendance } : { type: 'SETTLE' }, now, ctx.policy);
      if (result.ok) writes[i] = settledWrite(env, session, result, now);
    });
    return writes;
  }
  let nextIndex = 0;
  const worker = async () => {
    for (let i = nextIndex++; i < due.length; i = nextIndex++) writes[i] = await settlementWrite(env, due[i]!, now, canLookup, tally, prefetched);
  };
  await Promise.all(Array.from({ length: Math.min(options.reconcileConcurrency, due.length) }, worker));
  return writes;
}

/**
 * The write for a claimed session that is already final and still has a charge to collect, or what to do
 * instead: past the deadline it is expired (nothing is sent or opened again: a gateway that has forgotten
 * the key could take the money twice); an open attempt is sent again under the same key; after a decline
 * the next attempt is opened under a new key.
 */
function chargeWrite(env: SettlementEnv, session: Session, now: Date): SessionWrite | 'send' | null {
  const { ctx } = env;
  if (session.chargeStatus !== 'pending') return null;
  const deadline = chargeDeadline(session, ctx.policy);
  if (deadline !== null && !isBefore(now, deadline)) {
    const expired = transition(session, { type: 'EXPIRE_CHARGE' }, now, ctx.policy);
    if (!expired.ok) return null;
    const claimedUntil = leaseFor({ minutes: env.options.leaseMinutes }, session, expired.session, now);
    return { expectedVersion: session.version, previous: session, next: { ...expired.session, claimedUntil }, events: expired.events, ledger: expired.ledger };
  }
  if (session.chargeIdempotencyKey !== null) return 'send';
  const result = transition(session, { type: 'OPEN_CHARGE_ATTEMPT' }, now, ctx.policy);
  if (!result.ok) return null;
  return { expectedVersion: session.version, previous: session, next: result.session, events: result.events, ledger: result.ledger };
}

/**
 * One settlement run. Claims, settlement writes, gateway calls and answer writes form a pipeline: a slow
 * or hanging call holds up only its own session; answers are recorded in batches as they arrive.
 */
class SettlementRun {
  readonly tally = emptyTally();
  private readonly deadline: number;
  /** Sessions whose open attempt is to be sent. */
  private readonly queue: Session[] = [];
  private producing = true;
  /** Idle charge workers waiting for an item (one is woken per item queued). */
  private readonly itemWaiters: Array<() => void> = [];
  /** Claim loops waiting for room (woken when a worker takes one). */
  private readonly roomWaiters: Array<() => void> = [];
  /** Charge workers waiting for the answer writes to catch up. */
  private readonly flushWaiters: Array<() => void> = [];
  private readonly answers: Array<readonly [Session, ChargeAnswer]> = [];
  private readonly flushes = new Set<Promise<void>>();
  private batches = 0;
  private claimError: unknown = null;
  private writeError: unknown = null;
  /**
   * The last due session claimed so far: the next claim starts after it. Due sessions are claimed
   * without a lease, so the run's claim loops page through the due list with this cursor, one claim at
   * a time (`claims` chains them), instead of handing each other the same sessions.
   */
  private cursor: ClaimOptions['after'] = undefined;
  private claims: Promise<unknown> = Promise.resolve();

  constructor(private readonly env: SettlementEnv) {
    this.deadline = Date.now() + env.options.runBudgetMs;
  }

  private canStartCall = () => Date.now() + this.env.options.chargeTimeoutMs <= this.deadline;
  private canLookup = () => Date.now() + this.env.options.reconcileTimeoutMs <= this.deadline;

  private enqueue(session: Session) {
    this.queue.push(session);
    this.itemWaiters.shift()?.();
  }

  private static wakeAll(waiters: Array<() => void>) {
    for (const resolve of waiters.splice(0, waiters.length)) resolve();
  }

  /**
   * Backpressure on the answers: at most `concurrency` answer writes in flight. Without it an instant
   * gateway answers faster than the database records, and every unrecorded batch is held in memory until
   * the end of the run: memory then grows with the number due instead of staying flat.
   */
  private answersBacklogged() {
    return this.answers.length >= this.env.options.batchSize && this.flushes.size >= this.env.options.concurrency;
  }

  private flush() {
    const batch = this.answers.splice(0, this.answers.length);
    if (batch.length === 0) return;
    const done = recordAnswers(this.env, batch, this.tally).then(
      () => undefined,
      (error: unknown) => {
        // The answers are lost, not the money: the sessions keep their lease and are sent again under the
        // same keys, which the gateway answers the same way.
        this.writeError ??= error;
      },
    );
    this.flushes.add(done);
    void done.finally(() => {
      this.flushes.delete(done);
      if (this.answers.length >= this.env.options.batchSize) this.flush();
      SettlementRun.wakeAll(this.flushWaiters);
    });
  }

  /**
   * One claim, after the previous one of this run has answered (see `cursor`); the cursor moves to the
   * last due (non-final) session it returned. A failed claim leaves the cursor as it was.
   */
  private claim(now: Date): Promise<Session[]> {
    const { ctx, options } = this.env;
    const claimed = this.claims.then(async () => {
      const sessions = await ctx.sessions.claimForSettlement({
        now,
        limit: options.batchSize,
        claimUntil: leaseEnd(now, options.leaseMinutes),
        ...(this.cursor ? { after: this.cursor } : {}),
        // Settling calls out when the provider can be asked for the meeting's end: then due sessions are
        // leased at claim, so concurrent runs never ask twice and a deferred one waits out its lease.
        ...(ctx.video.getMeetingTimes ? { leaseDue: true } : {}),
      });
      // Group (a) comes first: the last non-final session is the last due one.
      for (let i = sessions.length - 1; i >= 0; i--) {
        const s = sessions[i]!;
        if (isFinalStatus(s.status)) continue;
        this.cursor = { chargeScheduledAt: s.chargeScheduledAt, id: s.id };
        break;
      }
      return sessions;
    });
    this.claims = claimed.catch(() => undefined);
    return claimed;
  }

  /** Claims one batch and writes its settlements and charge openings; false when there is no more work. */
  private async claimBatch(): Promise<boolean> {
    const { ctx, options } = this.env;
    const now = ctx.clock.now();
    const claimed = await this.claim(now);
    if (claimed.length === 0) return false;
    const writes: SessionWrite[] = [];
    const settles: boolean[] = [];
    const due: Session[] = [];
    for (const session of claimed) {
      if (!isFinalStatus(session.status)) {
        due.push(session); // settle it (after reconciliation, when the provider can be asked)
        continue;
      }
      const write = chargeWrite(this.env, session, now);
      if (write === 'send') this.enqueue(session);
      else if (write !== null) {
        writes.push(write);
        settles.push(false);
      }
    }
    for (const write of await settlementWrites(this.env, due, now, this.canLookup, this.tally)) {
      if (write === null) continue;
      writes.push(write);
      settles.push(true);
    }
    const stored = writes.length > 0 ? await ctx.sessions.applyWrites(writes) : [];
    stored.forEach((s, i) => this.count(s, settles[i]!));
    return claimed.length === options.batchSize;
  }

  /** Counts one stored write of a batch, and queues its charge when one is open. */
  private count(s: Session | null, settled: boolean) {
    const tally = this.tally;
    if (s === null) {
      tally.conflicts++;
      return;
    }
    if (!settled && s.chargeStatus === 'failed') tally.chargesNeedingAttention++;
    if (settled && s.status === 'COMPLETED_ASSUMED') tally.completed++;
    else if (settled && s.status === 'EARLY_END_SHORT') tally.earlyEnded++;
    else if (settled && s.status === 'NO_SHOW_STUDENT') tally.noShows++;
    else if (settled && s.status === 'NO_SHOW_TUTOR') tally.tutorNoShows++;
    else if (settled && s.status === 'NOBODY_JOINED') tally.nobodyJoined++;
    if (s.chargeStatus === 'pending' && s.chargeIdempotencyKey !== null) this.enqueue(s);
  }

  private async claimLoop() {
    const { options } = this.env;
    while (this.batches < options.maxBatches && this.canStartCall()) {
      // Backpressure: claim no more than the gateway can be sent soon.
      while (this.queue.length >= options.batchSize) await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
      this.batches++;
      if (!(await this.claimBatch())) break;
    }
  }

  private async chargeWorker() {
    const { options } = this.env;
    for (;;) {
      while (this.answersBacklogged()) await new Promise<void>((resolve) => this.flushWaiters.push(resolve));
      const session = this.queue.shift();
      if (session === undefined) {
        if (!this.producing) return;
        await new Promise<void>((resolve) => this.itemWaiters.push(resolve));
        continue;
      }
      if (this.queue.length < options.batchSize) SettlementRun.wakeAll(this.roomWaiters);
      if (!this.canStartCall()) {
        this.tally.chargesDeferred++;
        continue;
      }
      this.answers.push([session, await callGateway(this.env, session)]);
      if (this.answers.length >= options.batchSize && this.flushes.size < options.concurrency) this.flush();
    }
  }

  async run(): Promise<SettlementReport> {
    const { options } = this.env;
    // A failed claim loop stops only itself; what was already claimed is still sent and recorded.
    const producers = Promise.allSettled(Array.from({ length: options.concurrency }, () => this.claimLoop())).then((results) => {
      for (const r of results) if (r.status === 'rejected') this.claimError ??= r.reason;
      this.producing = false;
      SettlementRun.wakeAll(this.itemWaiters);
    });
    const consumers = Promise.all(Array.from({ length: options.chargeConcurrency }, () => this.chargeWorker()));
    await Promise.all([producers, consumers]);
    while (this.answers.length > 0 || this.flushes.size > 0) {
      if (this.answers.length > 0 && this.flushes.size < options.concurrency) this.flush();
      else await Promise.race([...this.flushes]);
    }
    if (this.claimError !== null) throw this.claimError;
    if (this.writeError !== null) throw this.writeError;
    return { ...this.tally };
  }
}

/** `core.settlement`, and the no-show's charge call, over the core's context. */
export function createSettlement(ctx: CoreContext, options: Required<SettlementOptions>) {
  const env: SettlementEnv = { ctx, options };
  return {
    /** Sends a session's open attempt now and records the answer (the no-show path). */
    async chargeNow(session: Session): Promise<Session> {
      const answer = await callGateway(env, session);
      const latest = await recordAnswers(env, [[session, answer]], emptyTally());
      return latest.get(session.id) ?? session;
    },
    resource: { run: () => new SettlementRun(env).run() } satisfies SettlementResource,
  };
}
