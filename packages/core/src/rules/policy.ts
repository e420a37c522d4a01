import { SessionError } from '../errors';

/**
 * The business numbers a host may change. Percentages apply to the session duration (whole minutes,
 * rounded down); rates are integer basis points (1 bp = 0.01 %) so money never touches floats.
 * A policy is read when a session is created or settled; the timings it produces are stored on the
 * session, so changing the policy later never rewrites existing sessions.
 */
export interface SessionPolicy {
  /** Minutes before the scheduled start at which Join opens. Default 5. */
  readonly joinLeadMinutes: number;
  /** No-show wait as a whole percentage of the duration, rounded down. Default 33. */
  readonly noShowWaitPercent: number;
  /** Minimum payable length as a whole percentage of the duration, rounded down. Default 66. */
  readonly minPayablePercent: number;
  /** Share of the price charged when a session completes, in basis points. Default 10000 (100 %). */
  readonly completedChargeBps: number;
  /** Share of the price charged for a student no-show, in basis points. Default 5000 (50 %). */
  readonly noShowChargeBps: number;
  /** Tutor's share of whatever is charged, in basis points. Default 9000 (90 %). */
  readonly tutorPayoutBps: number;
  /**
   * When the meeting ended before the scheduled end but lasted at least `minPayableMinutes`, charge in
   * full instead of settling as `EARLY_END_SHORT`. Default `false` (the seed's locked rule).
   */
  readonly chargeEarlyEndAfterMinPayable: boolean;
  /** Shortest allowed session in minutes. Default 1. */
  readonly minDurationMinutes: number;
  /** Longest allowed session in minutes. Default 1440 (one day). */
  readonly maxDurationMinutes: number;
  /** ISO 4217 currency of prices. Default `TTD`. Amounts are in its minor unit (cents). */
  readonly currency: string;
  /**
   * Ledger attempts (each with its own idempotency key) before a declined charge is failed for good and
   * flagged for a person. Default 5.
   */
  readonly maxChargeAttempts: number;
  /**
   * Minutes after the outcome (`finalizedAt`) after which a charge not yet collected is failed for
   * good and flagged for a person, however many attempts it had. Default 4320 (three days) — but when
   * the payment gateway declares a shorter idempotency-key lifetime and the host does not set this,
   * `createSessionsCore` uses `chargeDeadlineForKeyLifetime` instead (Stripe: 1 380, 23 hours).
   * The policy in force is `core.policy`.
   */
  readonly chargeDeadlineMinutes: number;
  /**
   * Settle as `NO_SHOW_STUDENT` automatically at the scheduled end when the video provider's attendance
   * shows the tutor in the meeting for the whole no-show wait and the student never there (by our Join
   * button or any provider report; see `autoNoShowEvidence`). Needs attendance storage on the adapter
   * and provider webhooks feeding `core.attendance.record`. Default `false`: a no-show is the tutor's
   * call, and a session nobody reported on settles by the usual rules.
   */
  readonly autoNoShowFromAttendance: boolean;
  /**
   * Settle as `NO_SHOW_TUTOR` (no charge, no payout) automatically at the scheduled end when the video
   * provider's attendance shows the student in the meeting and the tutor never there by any source (our
   * Join button or a provider report). Needs attendance storage and provider webhooks, like
   * `autoNoShowFromAttendance`. Default `false`: the student reports a tutor no-show
   * (`core.sessions.reportTutorAbsent`).
   */
  readonly autoTutorNoShowFromAttendance: boolean;
  /**
   * Share of the price (whole percent) charged when settlement finds, from reliable attendance evidence,
   * that nobody joined (`NOBODY_JOINED`). Default 0: nothing is charged and nothing paid out.
   */
  readonly nobodyJoinedChargePercent: number;
  /**
   * The student's cancellation fee by how long before the start they cancel, judged at the moment of the
   * cancellation: the tier with the greatest `minutesBefore` not above the whole minutes left before the
   * start applies (none applies: free). A tier of 0 % cancels as `CANCELLED`, any other as
   * `CANCELLED_LATE`, charged through the charge ledger. A tutor or the platform cancelling is always free
   * for the student. Default: 24 h or more before, free; later, 50 %. At most 10 tiers, distinct
   * `minutesBefore`.
   */
  readonly cancellationTiers: readonly CancellationTier[];
  /**
   * The least notice, in minutes, of a reschedule: both the session's start and its new start must be at
   * least this far ahead when it is asked for. Default 1440 (one day). Later than that the reschedule is
   * refused (`TOO_LATE`); the host may offer a (late) cancellation instead.
   */
  readonly rescheduleMinNoticeMinutes: number;
  /**
   * When the tutor is paid, kept on each session when it is created (`Session.payoutTiming`):
   * `with_charge` (default: the charge pays the tutor at once, Stripe destination charges) or
   * `after_review` (the platform takes the charge; the tutor's payout is transferred once
   * `reviewWindowMinutes` have passed since the outcome, and not while a dispute is open).
   */
  readonly payoutTiming: PayoutTiming;
  /** Minutes after the outcome before an `after_review` payout is sent. Default 4320 (72 hours). */
  readonly reviewWindowMinutes: number;
  /** Minutes after a charged outcome during which the student may open a dispute. Default 4320 (72 hours). */
  readonly disputeWindowMinutes: number;
  /**
   * Who bears a chargeback the platform loses (kept on each chargeback when it opens): `platform` (default:
   * the tutor keeps their pay) or `tutor` (the tutor's share of the disputed amount, in proportion to their
   * payout, is taken back once the bank withdraws the funds, and given back if the platform wins).
   */
  readonly chargebackLossBearer: ChargebackLossBearer;
}

/** Who bears a lost chargeback. */
export type ChargebackLossBearer = 'platform' | 'tutor';

/** When the tutor is paid: with the charge (destination charges) or after the review window. */
export type PayoutTiming = 'with_charge' | 'after_review';

/** One tier of the cancellation fee: cancelled `minutesBefore` or more before the start → `chargePercent` of the price. */
export interface CancellationTier {
  /** Whole minutes before the scheduled start from which this tier applies (0: up to the start). */
  readonly minutesBefore: number;
  /** Whole percent of the price charged, 0–100. */
  readonly chargePercent: number;
}

/**
 * The defaults from the product rules (DESIGN.md). One of them depends on the payment gateway:
 * `chargeDeadlineMinutes` is 4320 here, and `createSessionsCore` lowers it to fit under a gateway's
 * declared idempotency-key lifetime when the host leaves it unset (see
 * `chargeDeadlineForKeyLifetime`; the effective policy is `core.policy`).
 */
export const DEFAULT_POLICY: SessionPolicy = /* @__PURE__ */ Object.freeze({
  joinLeadMinutes: 5,
  noShowWaitPercent: 33,
  minPayablePercent: 66,
  completedChargeBps: 10_000,
  noShowChargeBps: 5_000,
  tutorPayoutBps: 9_000,
  chargeEarlyEndAfterMinPayable: false,
  minDurationMinutes: 1,
  maxDurationMinutes: 1440,
  currency: 'TTD',
  maxChargeAttempts: 5,
  chargeDeadlineMinutes: 4320,
  autoNoShowFromAttendance: false,
  autoTutorNoShowFromAttendance: false,
  nobodyJoinedChargePercent: 0,
  cancellationTiers: /* @__PURE__ */ Object.freeze([
    /* @__PURE__ */ Object.freeze({ minutesBefore: 1440, chargePercent: 0 }),
    /* @__PURE__ */ Object.freeze({ minutesBefore: 0, chargePercent: 50 }),
  ]),
  rescheduleMinNoticeMinutes: 1440,
  payoutTiming: 'with_charge',
  reviewWindowMinutes: 4320,
  disputeWindowMinutes: 4320,
  chargebackLossBearer: 'platform',
});

/**
 * Minutes the derived charge deadline stays under a gateway's idempotency-key lifetime. The deadline
 * counts from the outcome and a key's life from its first call (never earlier), so the margin covers
 * what can still happen after the deadline check: a charge sent just before the deadline and answered
 * up to one call's time limit later, a lease that outlives a crashed worker (5 minutes by default), and
 * clock skew between this server and the gateway.
 */
export const CHARGE_DEADLINE_KEY_MARGIN_MINUTES = 60;

/**
 * The default `chargeDeadlineMinutes` with a gateway that remembers idempotency keys for
 * `keyLifetimeMinutes` (`PaymentGateway.idempotencyKeyLifetimeMinutes`): the lifetime less
 * {@link CHARGE_DEADLINE_KEY_MARGIN_MINUTES}, at least 1 (the smallest deadline the policy allows), and
 * never more than `DEFAULT_POLICY.chargeDeadlineMinutes` (4320): a gateway that keeps keys longer does
 * not make charges wait longer. Stripe (1 440) → 1 380. Without a lifetime (`undefined`), 4320.
 * `createSessionsCore` uses it when the host does not set `chargeDeadlineMinutes`; a lifetime of 1 minute
 * leaves no deadline that fits, and the core refuses it with `INVALID_POLICY`.
 */
export function chargeDeadlineForKeyLifetime(keyLifetimeMinutes: number | undefined): number {
  const fallback = DEFAULT_POLICY.chargeDeadlineMinutes;
  if (keyLifetimeMinutes === undefined) return fallback;
  return Math.min(fallback, Math.max(1, keyLifetimeMinutes - CHARGE_DEADLINE_KEY_MARGIN_MINUTES));
}

type IntRule = readonly [key: keyof SessionPolicy, min: number, max: number];
const INT_RULES: readonly IntRule[] = [
  ['joinLeadMinutes', 0, 1440],
  ['noShowWaitPercent', 0, 100],
  ['minPayablePercent', 0, 100],
  ['completedChargeBps', 0, 10_000],
  ['noShowChargeBps', 0, 10_000],
  ['tutorPayoutBps', 0, 10_000],
  ['minDurationMinutes', 1, 1440],
  ['maxDurationMinutes', 1, 1440],
  ['maxChargeAttempts', 1, 100],
  ['chargeDeadlineMinutes', 1, 525_600],
  ['nobodyJoinedChargePercent', 0, 100],
  ['rescheduleMinNoticeMinutes', 0, 525_600],
  ['reviewWindowMinutes', 0, 525_600],
  ['disputeWindowMinutes', 0, 525_600],
];

const MAX_CANCELLATION_TIERS = 10;

/** The issues of a list of cancellation tiers (empty when valid). */
function cancellationTierIssues(tiers: unknown): Array<{ path: string; message: string }> {
  const path = 'cancellationTiers';
  if (!Array.isArray(tiers)) return [{ path, message: 'must be an array of { minutesBefore, chargePercent }' }];
  if (tiers.length > MAX_CANCELLATION_TIERS) return [{ path, message: `must have at most ${MAX_CANCELLATION_TIERS} tiers` }];
  const issues: Array<{ path: string; message: string }> = [];
  const seen = new Set<number>();
  tiers.forEach((tier: unknown, i) => {
    const t = (tier ?? {}) as Partial<CancellationTier>;
    const whole = (v: unknown, max: number) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
    if (!whole(t.minutesBefore, 525_600)) issues.push({ path: `${path}.${i}.minutesBefore`, message: 'must be a whole number from 0 to 525600' });
    else if (seen.has(t.minutesBefore!)) issues.push({ path: `${path}.${i}.minutesBefore`, message: 'must differ from every other tier' });
    else seen.add(t.minutesBefore!);
    if (!whole(t.chargePercent, 100)) issues.push({ path: `${path}.${i}.chargePercent`, message: 'must be a whole number from 0 to 100' });
  });
  return issues;
}

/**
 * Returns a complete, validated, frozen policy: `DEFAULT_POLICY` with `overrides` applied.
 * Throws `SessionError('INVALID_POLICY')` listing every bad field.
 *
 * Validation is written out here rather than with zod on purpose: the policy is needed in the browser
 * (timing and money display) and zod would cost more than the rest of that path together.
 */
export function definePolicy(overrides: Partial<SessionPolicy> = {}): SessionPolicy {
  const policy = { ...DEFAULT_POLICY, ...overrides } as SessionPolicy;
  const issues: Array<{ path: string; message: string }> = [];
  for (const key of Object.keys(overrides)) {
    if (!(key in DEFAULT_POLICY)) issues.push({ path: key, message: 'is not a policy setting' });
  }
  for (const [key, min, max] of INT_RULES) {
    const value = policy[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      issues.push({ path: key, message: `must be a whole number from ${min} to ${max}` });
    }
  }
  if (policy.minDurationMinutes > policy.maxDurationMinutes) {
    issues.push({ path: 'minDurationMinutes', message: 'must not exceed maxDurationMinutes' });
  }
  if (policy.noShowWaitPercent > policy.minPayablePercent) {
    issues.push({ path: 'noShowWaitPercent', message: 'must not exceed minPayablePercent' });
  }
  issues.push(...cancellationTierIssues(policy.cancellationTiers));
  for (const key of ['chargeEarlyEndAfterMinPayable', 'autoNoShowFromAttendance', 'autoTutorNoShowFromAttendance'] as const) {
    if (typeof policy[key] !== 'boolean') issues.push({ path: key, message: 'must be a boolean' });
  }
  if (policy.payoutTiming !== 'with_charge' && policy.payoutTiming !== 'after_review') {
    issues.push({ path: 'payoutTiming', message: "must be 'with_charge' or 'after_review'" });
  }
  if (policy.chargebackLossBearer !== 'platform' && policy.chargebackLossBearer !== 'tutor') {
    issues.push({ path: 'chargebackLossBearer', message: "must be 'platform' or 'tutor'" });
  }
  if (typeof policy.currency !== 'string' || !/^[A-Z]{3}$/.test(policy.currency)) {
    issues.push({ path: 'currency', message: 'must be a three-letter ISO 4217 code' });
  }
  if (issues.length > 0) {
    throw new SessionError(
      'INVALID_POLICY',
      `Invalid session policy: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`,
      { issues },
    );
  }
  if (overrides.cancellationTiers !== undefined) {
    // Kept sorted (greatest notice first) and frozen: the rule reads them in that order.
    const tiers = [...policy.cancellationTiers].sort((a, b) => b.minutesBefore - a.minutesBefore);
    return Object.freeze({ ...policy, cancellationTiers: Object.freeze(tiers.map((t) => Object.freeze({ minutesBefore: t.minutesBefore, chargePercent: t.chargePercent }))) });
  }
  return Object.freeze(policy);
}
