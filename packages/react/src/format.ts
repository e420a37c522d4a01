/** Formats a basis-point rate as a whole percentage for `locale` (5000 → "50%"). */
export function formatPercent(bps: number, locale: string): string {
  return new Intl.NumberFormat(locale, { style: 'percent' }).format(bps / 10_000);
}

/** Formats an instant for `locale` and `timeZone` (medium date, short time). */
export function formatDateTime(date: Date, locale: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(date);
}

/** Visually hidden but read by screen readers (live regions must exist before they speak). */
export const visuallyHidden = { position: 'absolute', width: 1, height: 1, overflow: 'hidden', clip: 'rect(0 0 0 0)' } as const;
