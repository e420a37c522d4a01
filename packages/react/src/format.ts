import { formatMoney } from '@itutor/sessions-core';

/** Formats a basis-point rate as a percentage for `locale` (5000 → "50%"). */
export function formatPercent(bps: number, locale: string): string {
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 2 }).format(bps / 10_000);
}

/** Formats an instant for `locale` and `timeZone` (medium date, short time). */
export function formatDateTime(date: Date, locale: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(date);
}

/** Formats minor units in `currency` for `locale`, through core `formatMoney`. */
export function formatAmount(amountMinor: number, currency: string, locale: string): string {
  return formatMoney(amountMinor, { currency, locale });
}

/** Visually hidden but read by screen readers (live regions must exist before they speak). */
export const visuallyHidden = {
  position: 'absolute',
  width: 1,
  height: 1,
  padding: 0,
  margin: -1,
  overflow: 'hidden',
  clip: 'rect(0, 0, 0, 0)',
  whiteSpace: 'nowrap',
  border: 0,
} as const;
