import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMoney, MAX_PRICE_MINOR } from '@itutor/sessions-core/rules';

/** Intl's separator between a currency code and the number: a no-break space, kept on purpose. */
const NBSP = '\u00a0';

describe('formatMoney', () => {
  it('shows the currency code by default, as the README promises: formatMoney(15000) is TTD 150.00', () => {
    expect(formatMoney(15000)).toBe(`TTD${NBSP}150.00`);
    expect(formatMoney(7500)).toBe(`TTD${NBSP}75.00`);
    expect(formatMoney(6750)).toBe(`TTD${NBSP}67.50`);
    expect(formatMoney(0)).toBe(`TTD${NBSP}0.00`);
    expect(formatMoney(1)).toBe(`TTD${NBSP}0.01`);
  });

  it('never shows the bare $ by default, in the default en-TT locale or with another currency', () => {
    expect(formatMoney(15000)).not.toContain('$');
    expect(formatMoney(15000, { locale: 'en-TT', currency: 'TTD' })).toBe(`TTD${NBSP}150.00`);
    expect(formatMoney(15000, { locale: 'en-US', currency: 'USD' })).toBe(`USD${NBSP}150.00`);
    expect(formatMoney(15000, { locale: 'en-TT', currency: 'USD' })).toBe(`USD${NBSP}150.00`);
  });

  it('keeps the no-break space between code and number (a line never breaks between them)', () => {
    const text = formatMoney(15000);
    expect(text).toMatch(/^TTD\s150\.00$/);
    expect(text.charCodeAt(3)).toBe(0xa0);
    expect(text).not.toBe('TTD 150.00');
  });

  it('follows the locale for where the code goes and the separators', () => {
    expect(formatMoney(123_456_78, { locale: 'en-TT' })).toBe(`TTD${NBSP}123,456.78`);
    // fr-FR: the code after the number, comma decimals, narrow no-break spaces for thousands.
    expect(formatMoney(123_456_78, { locale: 'fr-FR' })).toBe(`123\u202f456,78${NBSP}TTD`);
    expect(formatMoney(150_00, { locale: 'de-DE', currency: 'EUR' })).toBe(`150,00${NBSP}EUR`);
  });

  it('shows the symbol when asked: currencyDisplay symbol / narrowSymbol / name', () => {
    // en-TT writes the Trinidad and Tobago dollar as "$": that is why the code is the default.
    expect(formatMoney(15000, { currencyDisplay: 'symbol' })).toBe('$150.00');
    expect(formatMoney(15000, { currencyDisplay: 'narrowSymbol' })).toBe('$150.00');
    // en-US has no symbol of its own for TTD and falls back to the code.
    expect(formatMoney(15000, { locale: 'en-US', currencyDisplay: 'symbol' })).toBe(`TTD${NBSP}150.00`);
    expect(formatMoney(15000, { locale: 'en-US', currency: 'USD', currencyDisplay: 'symbol' })).toBe('$150.00');
    expect(formatMoney(-250, { locale: 'en-US', currency: 'USD', currencyDisplay: 'symbol' })).toBe('-$2.50');
    expect(formatMoney(15000, { currencyDisplay: 'code' })).toBe(formatMoney(15000));
    expect(formatMoney(15000, { currencyDisplay: 'name' })).toMatch(/^150\.00 Trinidad (&|and) Tobago dollars$/);
  });

  it('formats negative amounts (refunds) and the largest price exactly', () => {
    expect(formatMoney(-7500)).toBe(`-TTD${NBSP}75.00`);
    expect(formatMoney(-1)).toBe(`-TTD${NBSP}0.01`);
    expect(formatMoney(MAX_PRICE_MINOR)).toBe(`TTD${NBSP}9,999,999,999.99`);
  });

  it('always shows exactly the cents it was given (no float drift), for any amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: -MAX_PRICE_MINOR, max: MAX_PRICE_MINOR }), (amount) => {
        const text = formatMoney(amount, { locale: 'en-US' });
        const match = /^(-?)TTD\u00a0([\d,]+)\.(\d\d)$/.exec(text);
        expect(match, text).not.toBeNull();
        const [, sign, whole, cents] = match!;
        const back = BigInt(whole!.replaceAll(',', '')) * 100n + BigInt(cents!);
        expect(sign === '-' ? -back : back).toBe(BigInt(amount));
      }),
      { numRuns: 2_000 },
    );
  });

  it('refuses anything but a whole number of minor units instead of printing NaN or a wrong amount', () => {
    for (const bad of [0.5, 150.25, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 1]) {
      expect(() => formatMoney(bad)).toThrowError(expect.objectContaining({ code: 'INVALID_INPUT' }));
    }
    expect(() => formatMoney('150' as unknown as number)).toThrowError(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});
