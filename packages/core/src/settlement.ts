import { addMinutes } from 'date-fns';
import { isChargeHaltError } from './charge-halt';
import { SessionError } from './errors';
import { chargeInstructionFor, classifyChargeResult, transition, type ChargeAnswer } from './machine';
import type { SessionPolicy } from './policy';
import type { Clock, PaymentGateway, SessionRepository, SessionWrite } from './ports';
import type { Session } from './session';
import { isFinalStatus } from './status';

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
}

/** What one settlement run did. */
export interface SettlementReport {
  readonly completed: number;
  readonly earlyEnded: number;
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
  conflicts: number;
  chargesSucceeded: number;
  chargesFailed: number;
  chargesPending: number;
  chargesNeedingAttention: number;
  chargesDeferred: number;
}

/** The settlement runner over a session repository and a payment gateway. */
export function createSettlement(deps: {
  readonly sessions: SessionRepository;
  readonly gateway: PaymentGateway;
  readonly clock: Clock;
  readonly policy: SessionPolicy;
  readonly options: Required<SettlementOptions>;
}) {
  const { sessions, gateway, clock, policy, options } = deps;
  const leaseFrom = (now: Date) => addMinutes(now, options.leaseMinutes);

  /**
   * One gateway call for a session's open attempt, bounded by `chargeTimeoutMs`. Never throws: a thrown
   * call, a timeout and an unclassifiable answer are all `unknown`.
   */
  async function callGateway(session: Session): Promise<ChargeAnswer> {
    const instruction = chargeInstructionFor(session);
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<ChargeAnswer>((resolve) => {
      timer = setTimeout(() => {
        controller.abort(new Error(`charge call timed out after ${options.chargeTimeoutMs} ms`));
        resolve({ status: 'unknown', reason: 'timeout', reference: null });
      }, options.chargeTimeoutMs);
    });
    const answered = Promise.resolve()
      .then(() => gateway.charge(instruction, { signal: controller.signal }))
      .then(classifyChargeResult, (error: unknown): ChargeAnswer =>
        // A halting error (see CHARGE_HALT) fails the charge for good at once, its code kept in the ledger.
        isChargeHaltError(error)
          ? { status: 'unknown', reason: error.code, reference: null, halted: true }
          : { status: 'unknown', reason: 'gateway_error', reference: null },
      );
    try {
      return await Promise.race([answered, timedOut]);
    } finally {
      clearTimeout(timer);
    }
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
      const claimedUntil = result.session.chargeStatus === 'pending' ? addMinutes(now, options.chargeRetryMinutes) : null;
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
    conflicts: 0,
    chargesSucceeded: 0,
    chargesFailed: 0,
    chargesPending: 0,
    chargesNeedingAttention: 0,
    chargesDeferred: 0,
  });

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
          const claimed = await sessions.claimForSettlement({ now, limit: options.batchSize, claimUntil: leaseFrom(now) });
          if (claimed.length === 0) break;

          const writes: SessionWrite[] = [];
          const settles: boolean[] = [];
          for (const session of claimed) {
            const final = isFinalStatus(session.status);
            if (final && session.chargeStatus !== 'pending') continue;
            if (final && session.chargeIdempotencyKey !== null) {
              enqueue(session); // an open attempt: send it again under the same key
              continue;
            }
            // Not final: settle it. Final with a declined attempt: open the next one (a new key).
            const result = transition(session, final ? { type: 'OPEN_CHARGE_ATTEMPT' } : { type: 'SETTLE' }, now, policy);
            if (!result.ok) continue;
            writes.push({ expectedVersion: session.version, next: result.session, events: result.events, ledger: result.ledger });
            settles.push(!final);
          }
          const stored = writes.length > 0 ? await sessions.applyWrites(writes) : [];
          stored.forEach((s, i) => {
            if (s === null) {
              tally.conflicts++;
              return;
            }
            if (settles[i] && s.status === 'COMPLETED_ASSUMED') tally.completed++;
            else if (settles[i] && s.status === 'EARLY_END_SHORT') tally.earlyEnded++;
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
