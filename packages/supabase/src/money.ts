import { MAX_PRICE_MINOR } from '@itutor/sessions-core/rules';

/**
 * Money at the database boundary. The core counts integer minor units (cents); the tables store exact
 * `numeric(12,2)`. Values cross as decimal text in both directions ('150.00'), so no float is ever
 * involved: the text is split at the decimal point and both parts are read as integers.
 */

const DECIMAL = /^(\d{1,10})\.(\d{2})$/;

/**
 * Integer cents → the exact decimal text PostgreSQL reads into `numeric(12,2)`:
 * `15000` → `'150.00'`, `999_999_999_999` → `'9999999999.99'`.
 * Throws a `RangeError` for anything but a whole number of cents from 0 to `MAX_PRICE_MINOR`.
 */
export function centsToDecimal(cents: number): string {
  if (!Number.isSafeInteger(cents) || cents < 0 || cents > MAX_PRICE_MINOR) {
    throw new RangeError(`expected whole cents from 0 to ${MAX_PRICE_MINOR}, got ${String(cents)}`);
  }
  const whole = Math.floor(cents / 100);
  return `${whole}.${String(cents - whole * 100).padStart(2, '0')}`;
}

/**
 * The text of a `numeric(12,2)` value (as `value::text` prints it) → integer cents:
 * `'150.00'` → `15000`. Throws a `RangeError` for any other shape (negative, more or fewer than two
 * decimals, more than ten integer digits), so a schema drift cannot silently lose precision.
 */
export function decimalToCents(text: string): number {
  const match = typeof text === 'string' ? DECIMAL.exec(text) : null;
  if (!match) throw new RangeError(`expected a numeric(12,2) value like '150.00', got ${JSON.stringify(text)}`);
  return Number(match[1]) * 100 + Number(match[2]);
}
