import { SessionError } from '../errors';
import { DEFAULT_POLICY, type SessionPolicy } from './policy';
import type { SessionStatus } from './status';

/**
 * Money rules, in one place. Amounts are integers in the currency's minor unit (TTD cents:
 * 15000 = TTD 150.00). Charge and payout are rounded down; the platform fee is the remainder, so
 * `charge = payout + fee` holds exactly for every price.
 */

/**
 * Largest price accepted, in minor units: the largest value of the SQL type `numeric(12,2)`
 * (9,999,999,999.99), which is where the Supabase adapter stores money.
 */
export const MAX_PRICE_MINOR = 999_999_999_999;

/** The three amounts of a settled session, in minor units. */
export interface ChargeSplit {
  /** What the student is charged. */
  readonly chargeMinor: number;
  /** What the tutor receives. */
  readonly payoutMinor: number;
  /** What the platform keeps: always `chargeMinor − payoutMinor`. */
  readonly feeMinor: number;
}

const ZERO: ChargeSplit = Object.freeze({ chargeMinor: 0, payoutMinor: 0, feeMinor: 0 });

/** Throws `INVALID_INPUT` unless `amount` is a whole number of minor units in `0..MAX_PRICE_MINOR`. */
export function assertValidPriceMinor(amount: number, path = 'priceMinor'): void {
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount < 0 || amount > MAX_PRICE_MINOR) {
    throw new SessionError(
      'INVALID_INPUT',
      `${path} must be a whole number of minor units from 0 to ${MAX_PRICE_MINOR}, got ${String(amount)}`,
      { issues: [{ path, message: `not a whole number of minor units from 0 to ${MAX_PRICE_MINOR}` }] },
    );
  }
}

/**
 * `floor(amount × bps / 10000)` exactly, for any amount up to `MAX_PRICE_MINOR`. The product itself can
 * exceed 2^53, so the amount is split into whole ten-thousands and a remainder first.
 */
export function applyBasisPoints(amountMinor: number, bps: number): number {
  const whole = Math.floor(amountMinor / 10_000);
  const rest = amountMinor - whole * 10_000;
  return whole * bps + Math.floor((rest * bps) / 10_000);
}

/** Splits a charge of `chargeMinor` into tutor payout (rounded down) and platform fee (the remainder). */
export function splitCharge(chargeMinor: number, policy: SessionPolicy = DEFAULT_POLICY): ChargeSplit {
  const payoutMinor = applyBasisPoints(chargeMinor, policy.tutorPayoutBps);
  return { chargeMinor, payoutMinor, feeMinor: chargeMinor - payoutMinor };
}

/**
 * The amounts for a session of `priceMinor` that ends in `outcome`: 100 % / 90 % for
 * `COMPLETED_ASSUMED`, 50 % / 90 % of that for `NO_SHOW_STUDENT`, `nobodyJoinedChargePercent` (default
 * 0) for `NOBODY_JOINED`, and for `CANCELLED_LATE` the percent of the tier the cancellation fell in,
 * which only the moment of cancelling decides: pass it as `cancellationChargePercent` (see
 * `cancellationQuote`; without it `CANCELLED_LATE` is refused with `INVALID_INPUT`). Nothing for every
 * other status (`NO_SHOW_TUTOR`, `EARLY_END_SHORT`, `CANCELLED`, and the open ones).
 */
export function amountsForOutcome(
  priceMinor: number,
  outcome: SessionStatus,
  policy: SessionPolicy = DEFAULT_POLICY,
  cancellationChargePercent?: number,
): ChargeSplit {
  assertValidPriceMinor(priceMinor);
  switch (outcome) {
    case 'COMPLETED_ASSUMED':
      return splitCharge(applyBasisPoints(priceMinor, policy.completedChargeBps), policy);
    case 'NO_SHOW_STUDENT':
      return splitCharge(applyBasisPoints(priceMinor, policy.noShowChargeBps), policy);
    case 'NOBODY_JOINED':
      return splitCharge(applyBasisPoints(priceMinor, policy.nobodyJoinedChargePercent * 100), policy);
    case 'CANCELLED_LATE': {
      const percent = cancellationChargePercent;
      if (typeof percent !== 'number' || !Number.isInteger(percent) || percent < 0 || percent > 100) {
        throw new SessionError('INVALID_INPUT', 'CANCELLED_LATE needs the whole percent of its cancellation tier (0–100)', {
          issues: [{ path: 'cancellationChargePercent', message: 'not a whole percent' }],
        });
      }
      return splitCharge(applyBasisPoints(priceMinor, percent * 100), policy);
    }
    default:
      return ZERO;
  }
}

/** Options for {@link formatMoney}. */
export interface FormatMoneyOptions {
  /** ISO 4217 code. Default `TTD`. */
  readonly currency?: string;
  /** BCP 47 locale. Default `en-TT`. */
  readonly locale?: string;
  /**
   * How the currency is shown, as `Intl.NumberFormat`'s `currencyDisplay`. Default `'code'`
   * (`TTD 150.00`): unambiguous in every locale, where a symbol may not be (`en-TT` writes TTD as `$`).
   * `'symbol'` gives the locale's symbol (`$150.00` in `en-TT`, `TTD 150.00` in `en-US`),
   * `'narrowSymbol'` the short symbol (`$150.00`), `'name'` the spelled-out name.
   */
  readonly currencyDisplay?: 'code' | 'symbol' | 'narrowSymbol' | 'name';
}

/**
 * Formats an amount of minor units for display: `formatMoney(15000)` → `"TTD 150.00"`, with the
 * currency code by default (see {@link FormatMoneyOptions.currencyDisplay} for the symbol). Where the
 * code goes and the digit separators follow the locale (`fr-FR`: `"150,00 TTD"`).
 *
 * The space between code and number is the no-break space U+00A0 that `Intl` puts there, kept so a line
 * never breaks between the two; compare with `/TTD\s150\.00/` or `'TTD\u00a0150.00'`, not `'TTD 150.00'`.
 *
 * The amount is handed to `Intl.NumberFormat` as an exact decimal string, not a float, and always shown
 * with two decimals: like the rest of the SDK it assumes a currency with two minor digits (TTD, USD,
 * EUR...). Negative amounts (refunds) are allowed; anything but a safe integer is refused (`INVALID_INPUT`).
 */
export function formatMoney(amountMinor: number, options: FormatMoneyOptions = {}): string {
  if (typeof amountMinor !== 'number' || !Number.isSafeInteger(amountMinor)) {
    throw new SessionError('INVALID_INPUT', `amountMinor must be a whole number of minor units, got ${String(amountMinor)}`, {
      issues: [{ path: 'amountMinor', message: 'not a whole number of minor units' }],
    });
  }
  const negative = amountMinor < 0;
  const abs = Math.abs(amountMinor);
  const whole = Math.floor(abs / 100);
  const cents = String(abs - whole * 100).padStart(2, '0');
  const decimal = `${negative ? '-' : ''}${whole}.${cents}` as `${number}`;
  return new Intl.NumberFormat(options.locale ?? 'en-TT', {
    style: 'currency',
    currency: options.currency ?? 'TTD',
    currencyDisplay: options.currencyDisplay ?? 'code',
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  }).format(decimal);
}
