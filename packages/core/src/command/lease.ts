import { addMinutes } from 'date-fns';

/**
 * The end of a settlement lease taken at `now` for `minutes` (`SettlementOptions.leaseMinutes` for a
 * claim or a no-show's own charge, `chargeRetryMinutes` for the wait before an unknown answer is asked
 * again): until then no claim takes the session (`ClaimOptions.claimUntil`, `Session.claimedUntil`).
 * The one place a lease end is computed.
 */
export function leaseEnd(now: Date, minutes: number): Date {
  return addMinutes(now, minutes);
}
