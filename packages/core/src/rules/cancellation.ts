import { SessionError } from '../errors';
import type { CancelledBy, Session } from '../session/model';
import { amountsForOutcome, type ChargeSplit } from './money';
import { DEFAULT_POLICY, type CancellationTier, type SessionPolicy } from './policy';

/**
 * The cancellation rule, in one place: who cancels and how long before the start decide the status and
 * the fee. The state machine's `CANCEL`, the fee preview (`core.sessions.previewCancellation`, its HTTP
 * route) and the SQL function `itutor_cancellation_quote` all follow it; a property test proves
 * the SQL agrees.
 */

/** What a cancellation would be at a given moment: its status, who cancels, the fee and how long it holds. */
export interface CancellationQuote extends ChargeSplit {
  /** `CANCELLED` (free) or `CANCELLED_LATE` (a fee above zero, charged through the charge ledger). */
  readonly status: 'CANCELLED' | 'CANCELLED_LATE';
  readonly by: CancelledBy;
  /** Whole percent of the price charged (0 when free). */
  readonly chargePercent: number;
  /** The tier the cancellation falls in, or `null` (none applies, or not the student cancelling). */
  readonly tier: CancellationTier | null;
  /** Whole minutes left before the start at the moment judged (rounded down; 0 in the last minute). */
  readonly minutesBefore: number;
  /**
   * The last instant at which this quote holds: the end of its tier (`scheduledStartAt − tier.minutesBefore`)
   * or, when free for good, the start. Later the next tier applies, or the session can no longer be
   * cancelled.
   */
  readonly validUntil: Date;
}

/**
 * The tier that applies with `minutesBefore` whole minutes left: the one with the greatest
 * `minutesBefore` not above it, or `null`. Reads the tiers in any order.
 */
export function cancellationTierAt(minutesBefore: number, tiers: readonly CancellationTier[]): CancellationTier | null {
  let best: CancellationTier | null = null;
  for (const tier of tiers) {
    if (tier.minutesBefore <= minutesBefore && (best === null || tier.minutesBefore > best.minutesBefore)) best = tier;
  }
  return best;
}

/**
 * The cancellation of a session of `priceMinor` starting at `scheduledStartAt`, by `by`, at `now`. The
 * student pays the tier's percent of the price (DESIGN: "tiers by minutes before the start, judged at
 * the moment of the cancellation"); a tutor or the platform cancelling is always free for the student.
 * The split of a fee follows the policy's `tutorPayoutBps`. Refuses a cancellation at or after the start
 * with `TOO_LATE` and an invalid instant with `INVALID_INPUT`.
 */
export function cancellationQuote(
  session: Pick<Session, 'scheduledStartAt' | 'priceMinor'>,
  by: CancelledBy,
  now: Date,
  policy: SessionPolicy = DEFAULT_POLICY,
): CancellationQuote {
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
    throw new SessionError('INVALID_INPUT', 'now must be a valid instant', { issues: [{ path: 'now', message: 'invalid' }] });
  }
  const start = session.scheduledStartAt.getTime();
  const left = start - now.getTime();
  if (left <= 0) throw new SessionError('TOO_LATE', 'A session can only be cancelled before its scheduled start');
  const minutesBefore = Math.floor(left / 60_000);
  const tier = by === 'student' ? cancellationTierAt(minutesBefore, policy.cancellationTiers) : null;
  const chargePercent = tier?.chargePercent ?? 0;
  const split = amountsForOutcome(session.priceMinor, 'CANCELLED_LATE', policy, chargePercent);
  return {
    status: split.chargeMinor > 0 ? 'CANCELLED_LATE' : 'CANCELLED',
    by,
    chargePercent,
    ...split,
    tier,
    minutesBefore,
    validUntil: new Date(tier ? start - tier.minutesBefore * 60_000 : start),
  };
}

/** The JSON form of a `CancellationQuote` (`@itutor/sessions-core/rules`) (the preview route's answer): `validUntil` as an ISO string. */
export type CancellationQuoteJson = Omit<CancellationQuote, 'validUntil'> & { readonly validUntil: string };

/** A {@link CancellationQuote} as JSON-ready data. */
export function toCancellationQuoteJson(quote: CancellationQuote): CancellationQuoteJson {
  return { ...quote, tier: quote.tier ? { ...quote.tier } : null, validUntil: quote.validUntil.toISOString() };
}
