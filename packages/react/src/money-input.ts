/**
 * An amount typed in major units ("75", "75.5", "75.50", "75,50") as whole minor units (7550), read from
 * the decimal string itself, never through a float (`0.29 * 100` is `28.999999999999996`). Like core
 * `formatMoney` it assumes two minor digits. Accepts digits with at most one decimal separator (`.` or
 * `,`) and at most two decimals, surrounding spaces ignored; anything else — a sign, grouping
 * separators ("1,500.00" is ambiguous across locales), exponents, a third decimal, an amount past
 * `Number.MAX_SAFE_INTEGER` minor units — is `null`, so the form asks again instead of guessing.
 *
 * @example
 * parseMoneyInput('75.5'); // 7550
 * parseMoneyInput('0.29'); // 29
 * parseMoneyInput('1,500.00'); // null
 */
export function parseMoneyInput(text: string): number | null {
  const match = /^(\d*)(?:[.,](\d{0,2}))?$/.exec(text.trim());
  if (!match || (match[1] === '' && !match[2])) return null;
  const minor = Number(match[1] || '0') * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  return Number.isSafeInteger(minor) ? minor : null;
}

