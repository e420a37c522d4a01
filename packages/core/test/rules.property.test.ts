import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  amountsForOutcome,
  computeSessionTimings,
  formatMoney,
  MAX_PRICE_MINOR,
  minPayableMinutes,
  noShowWaitMinutes,
} from '@itutor/sessions-core/rules';
import { DEFAULT_POLICY, definePolicy, isSessionError } from '@itutor/sessions-core';
// An implementation helper, not exported by the package: tested from its module.
import { applyBasisPoints } from '../src/rules/money';

const duration = fc.integer({ min: 1, max: 1440 });
const price = fc.integer({ min: 0, max: 1_000_000_000 });
const outcome = fc.constantFrom('COMPLETED_ASSUMED', 'NO_SHOW_STUDENT', 'EARLY_END_SHORT', 'CANCELLED' as const);

describe('timing rules', () => {
  it('DESIGN.md table: 60 → 19/39, 90 → 29/59, 100 → 33/66', () => {
    expect([60, 90, 100].map((d) => [noShowWaitMinutes(d), minPayableMinutes(d)])).toEqual([
      [19, 39],
      [29, 59],
      [33, 66],
    ]);
  });

  it('for every duration 1–1440 the timings equal the integer formula', () => {
    const start = new Date('2026-05-01T10:00:00Z');
    for (let d = 1; d <= 1440; d++) {
      const t = computeSessionTimings(start, d);
      const wait = Math.floor((d * 33) / 100);
      expect(t.noShowWaitMinutes).toBe(wait);
      expect(t.minPayableMinutes).toBe(Math.floor((d * 66) / 100));
      expect(t.joinOpensAt.getTime()).toBe(start.getTime() - 5 * 60_000);
      expect(t.noShowEligibleAt.getTime()).toBe(start.getTime() + wait * 60_000);
      expect(t.scheduledEndAt.getTime()).toBe(start.getTime() + d * 60_000);
      expect(t.chargeScheduledAt.getTime()).toBe(t.scheduledEndAt.getTime());
    }
  });

  it('uses integer arithmetic, not float percentages (100 × 0.29 = 28.999…)', () => {
    const policy = definePolicy({ noShowWaitPercent: 29, minPayablePercent: 58 });
    expect(Math.floor(100 * 0.29)).toBe(28);
    expect(noShowWaitMinutes(100, policy)).toBe(29);
    expect(Math.floor(100 * 0.58)).toBe(57);
    expect(minPayableMinutes(100, policy)).toBe(58);
  });

  it('refuses durations outside 1–1440 and non-integers with INVALID_INPUT', () => {
    for (const bad of [0, -1, 1441, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => computeSessionTimings(new Date(), bad)).toThrowError(expect.objectContaining({ code: 'INVALID_INPUT' }));
    }
    expect(() => computeSessionTimings(new Date('nope'), 60)).toThrowError(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});

describe('money rules', () => {
  it('for every duration and price 0–10⁹: charge = payout + fee, all ≥ 0, charge ≤ price', () => {
    fc.assert(
      fc.property(price, outcome, duration, (p, o, d) => {
        const timings = computeSessionTimings(new Date('2026-05-01T10:00:00Z'), d);
        expect([timings.noShowWaitMinutes, timings.minPayableMinutes]).toEqual([Math.floor((d * 33) / 100), Math.floor((d * 66) / 100)]);
        const { chargeMinor, payoutMinor, feeMinor } = amountsForOutcome(p, o);
        expect(chargeMinor).toBe(payoutMinor + feeMinor);
        expect(Math.min(chargeMinor, payoutMinor, feeMinor)).toBeGreaterThanOrEqual(0);
        expect(chargeMinor).toBeLessThanOrEqual(p);
        expect([chargeMinor, payoutMinor, feeMinor].every(Number.isSafeInteger)).toBe(true);
      }),
      { numRuns: 5_000 },
    );
  });

  it('splits exactly as the table says, rounding charge and payout down', () => {
    fc.assert(
      fc.property(price, (p) => {
        const full = amountsForOutcome(p, 'COMPLETED_ASSUMED');
        expect(full.chargeMinor).toBe(p);
        expect(full.payoutMinor).toBe(Math.floor((p * 9) / 10));
        const noShow = amountsForOutcome(p, 'NO_SHOW_STUDENT');
        expect(noShow.chargeMinor).toBe(Math.floor(p / 2));
        expect(noShow.payoutMinor).toBe(Math.floor((Math.floor(p / 2) * 9) / 10));
        expect(amountsForOutcome(p, 'EARLY_END_SHORT')).toEqual({ chargeMinor: 0, payoutMinor: 0, feeMinor: 0 });
        expect(amountsForOutcome(p, 'CANCELLED')).toEqual({ chargeMinor: 0, payoutMinor: 0, feeMinor: 0 });
      }),
      { numRuns: 5_000 },
    );
  });

  it('DESIGN.md example: price 15000 → no-show 7500 / 6750 / 750', () => {
    expect(amountsForOutcome(15_000, 'NO_SHOW_STUDENT')).toEqual({ chargeMinor: 7500, payoutMinor: 6750, feeMinor: 750 });
    expect(amountsForOutcome(15_000, 'COMPLETED_ASSUMED')).toEqual({ chargeMinor: 15_000, payoutMinor: 13_500, feeMinor: 1500 });
    expect(amountsForOutcome(15_001, 'NO_SHOW_STUDENT')).toEqual({ chargeMinor: 7500, payoutMinor: 6750, feeMinor: 750 });
  });

  it('applyBasisPoints is exact up to MAX_PRICE_MINOR where a float product would not be', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_PRICE_MINOR }), fc.integer({ min: 0, max: 10_000 }), (amount, bps) => {
        const exact = (BigInt(amount) * BigInt(bps)) / 10_000n;
        expect(BigInt(applyBasisPoints(amount, bps))).toBe(exact);
      }),
      { numRuns: 5_000 },
    );
  });

  it('refuses prices that are negative, fractional, unsafe or beyond numeric(12,2)', () => {
    for (const bad of [-1, 0.5, MAX_PRICE_MINOR + 1, Number.NaN]) {
      expect(() => amountsForOutcome(bad, 'COMPLETED_ASSUMED')).toThrowError(expect.objectContaining({ code: 'INVALID_INPUT' }));
    }
  });

  it('formats minor units as money without float drift', () => {
    expect(formatMoney(7500, { locale: 'en-US', currency: 'TTD' })).toBe('TTD\u00a075.00');
    expect(formatMoney(999_999_999_999, { locale: 'en-US', currency: 'USD', currencyDisplay: 'symbol' })).toBe('$9,999,999,999.99');
    expect(formatMoney(1, { locale: 'en-US', currency: 'USD', currencyDisplay: 'symbol' })).toBe('$0.01');
    expect(formatMoney(-250, { locale: 'en-US', currency: 'USD', currencyDisplay: 'symbol' })).toBe('-$2.50');
  });
});

describe('policy', () => {
  it('has the DESIGN.md defaults', () => {
    expect(DEFAULT_POLICY).toMatchObject({
      joinLeadMinutes: 5,
      noShowWaitPercent: 33,
      minPayablePercent: 66,
      completedChargeBps: 10_000,
      noShowChargeBps: 5_000,
      tutorPayoutBps: 9_000,
      chargeEarlyEndAfterMinPayable: false,
      currency: 'TTD',
    });
  });

  it('accepts overrides and applies them to timings and money', () => {
    const policy = definePolicy({ noShowWaitPercent: 25, tutorPayoutBps: 8000, joinLeadMinutes: 10 });
    const t = computeSessionTimings(new Date('2026-05-01T10:00:00Z'), 60, policy);
    expect(t.noShowWaitMinutes).toBe(15);
    expect(t.joinOpensAt.toISOString()).toBe('2026-05-01T09:50:00.000Z');
    expect(amountsForOutcome(10_000, 'COMPLETED_ASSUMED', policy)).toEqual({ chargeMinor: 10_000, payoutMinor: 8000, feeMinor: 2000 });
  });

  it('rejects invalid values, naming every bad field', () => {
    try {
      definePolicy({ noShowWaitPercent: 120, tutorPayoutBps: 1.5, currency: 'ttd', bogus: 1 } as never);
      expect.unreachable();
    } catch (error) {
      expect(isSessionError(error, 'INVALID_POLICY')).toBe(true);
      const paths = (error as { details: { issues: Array<{ path: string }> } }).details.issues.map((i) => i.path);
      expect(paths).toEqual(expect.arrayContaining(['noShowWaitPercent', 'tutorPayoutBps', 'currency', 'bogus']));
    }
  });
});
