import { addMinutes, differenceInMilliseconds, subMinutes } from 'date-fns';
import { SessionError } from '../errors';
import { DEFAULT_POLICY, type SessionPolicy } from './policy';

/**
 * Timing rules, in one place. All arithmetic on instants goes through date-fns; minute counts are
 * integers computed with integer arithmetic (`floor(d × p / 100)`, never `d × 0.33`), which is also
 * exactly what the SQL functions in `@itutor/sessions-supabase` compute.
 */

/** `floor(durationMinutes × noShowWaitPercent / 100)`: how long a tutor waits before a no-show. */
export function noShowWaitMinutes(durationMinutes: number, policy: SessionPolicy = DEFAULT_POLICY): number {
  return Math.floor((durationMinutes * policy.noShowWaitPercent) / 100);
}

/** `floor(durationMinutes × minPayablePercent / 100)`: the minimum payable length of a meeting. */
export function minPayableMinutes(durationMinutes: number, policy: SessionPolicy = DEFAULT_POLICY): number {
  return Math.floor((durationMinutes * policy.minPayablePercent) / 100);
}

/** Throws `INVALID_INPUT` unless `durationMinutes` is a whole number within the policy's range. */
export function assertValidDuration(durationMinutes: number, policy: SessionPolicy = DEFAULT_POLICY): void {
  if (
    typeof durationMinutes !== 'number' ||
    !Number.isInteger(durationMinutes) ||
    durationMinutes < policy.minDurationMinutes ||
    durationMinutes > policy.maxDurationMinutes
  ) {
    throw new SessionError(
      'INVALID_INPUT',
      `durationMinutes must be a whole number of minutes from ${policy.minDurationMinutes} to ${policy.maxDurationMinutes}, got ${String(durationMinutes)}`,
      { issues: [{ path: 'durationMinutes', message: 'out of range' }] },
    );
  }
}

/**
 * The earliest instant the SDK accepts: 2000-01-01T00:00:00Z. Together with {@link LATEST_INSTANT} it
 * keeps every instant inside what every adapter stores and prints the same way (PostgreSQL's
 * `timestamptz` and ISO 8601 with a four-digit year), so no adapter fails where another succeeds.
 */
export const EARLIEST_INSTANT: Date = /* @__PURE__ */ new Date(/* @__PURE__ */ Date.UTC(2000, 0, 1));

/**
 * The first instant the SDK no longer accepts: 9999-12-31T00:00:00Z (so a session of up to a day that
 * starts before it also ends within year 9999).
 */
export const LATEST_INSTANT: Date = /* @__PURE__ */ new Date(/* @__PURE__ */ Date.UTC(9999, 11, 31));

/**
 * Throws `INVALID_INPUT` unless `value` is a valid `Date` from {@link EARLIEST_INSTANT} (inclusive) to
 * {@link LATEST_INSTANT} (exclusive).
 */
export function assertValidInstant(value: Date, path: string): void {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new SessionError('INVALID_INPUT', `${path} must be a valid instant`, {
      issues: [{ path, message: 'invalid date' }],
    });
  }
  if (value.getTime() < EARLIEST_INSTANT.getTime() || value.getTime() >= LATEST_INSTANT.getTime()) {
    throw new SessionError(
      'INVALID_INPUT',
      `${path} must be from ${EARLIEST_INSTANT.toISOString()} up to (not including) ${LATEST_INSTANT.toISOString()}`,
      { issues: [{ path, message: 'out of range' }] },
    );
  }
}

/** The timings stored on a session when it is created. */
export interface SessionTimings {
  readonly scheduledStartAt: Date;
  readonly scheduledEndAt: Date;
  readonly durationMinutes: number;
  readonly joinOpensAt: Date;
  readonly noShowWaitMinutes: number;
  readonly minPayableMinutes: number;
  readonly noShowEligibleAt: Date;
  readonly chargeScheduledAt: Date;
}

/** Computes every timing of a session from its start and duration under `policy`. */
export function computeSessionTimings(
  scheduledStartAt: Date,
  durationMinutes: number,
  policy: SessionPolicy = DEFAULT_POLICY,
): SessionTimings {
  assertValidInstant(scheduledStartAt, 'scheduledStartAt');
  assertValidDuration(durationMinutes, policy);
  const wait = noShowWaitMinutes(durationMinutes, policy);
  const scheduledEndAt = addMinutes(scheduledStartAt, durationMinutes);
  return {
    scheduledStartAt,
    scheduledEndAt,
    durationMinutes,
    joinOpensAt: subMinutes(scheduledStartAt, policy.joinLeadMinutes),
    noShowWaitMinutes: wait,
    minPayableMinutes: minPayableMinutes(durationMinutes, policy),
    noShowEligibleAt: addMinutes(scheduledStartAt, wait),
    chargeScheduledAt: scheduledEndAt,
  };
}

/** Whole seconds from `now` until `target`, never negative (for countdowns and `Retry-After`). */
export function secondsUntil(target: Date, now: Date): number {
  // Whole seconds, rounded up (what differenceInSeconds with roundingMethod 'ceil' gives), without its
  // rounding helpers: this ships in the React kit's bundle.
  return Math.max(0, Math.ceil(differenceInMilliseconds(target, now) / 1000));
}
