import { SessionError } from '../errors';

/** Tuning, defaults and the report of settlement runs (`core.settlement.run`). */

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
  /**
   * Lease in minutes on the charges a run claims or opens (and on due sessions when the run asks the
   * video provider before settling them); a crashed worker's charges are retried after it. Default 5.
   */
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
   * claimed and no gateway call is started that could not finish within it; sessions left over are
   * taken by a later run (charges once their lease has passed). Must exceed `chargeTimeoutMs`.
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
  /** Sessions settled as `NO_SHOW_TUTOR` automatically (policy `autoTutorNoShowFromAttendance`). */
  readonly tutorNoShows: number;
  /** Sessions settled as `NOBODY_JOINED` on reliable attendance evidence. */
  readonly nobodyJoined: number;
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

/** The counts of a run as it goes (a `SettlementReport` once done). */
export interface Tally {
  completed: number;
  earlyEnded: number;
  noShows: number;
  tutorNoShows: number;
  nobodyJoined: number;
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
/** A run's counts at the start. */
export const emptyTally = (): Tally => ({
  completed: 0,
  earlyEnded: 0,
  noShows: 0,
  tutorNoShows: 0,
  nobodyJoined: 0,
  conflicts: 0,
  chargesSucceeded: 0,
  chargesFailed: 0,
  chargesPending: 0,
  chargesNeedingAttention: 0,
  chargesDeferred: 0,
  meetingEndsReconciled: 0,
  settlementsDeferred: 0,
});

