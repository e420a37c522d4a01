import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideDispute, type DisputeAction, type DisputeRole, type DisputeStatus } from '@itutor/sessions-core/adapter';

const roles: DisputeRole[] = ['student', 'tutor', 'platform'];
const actionArb: fc.Arbitrary<DisputeAction> = fc.oneof(
  fc.constant({ type: 'accept' } as const),
  fc.integer({ min: -5, max: 20_000 }).map((amountMinor) => ({ type: 'offer', amountMinor }) as const),
  fc.constant({ type: 'contest' } as const),
  fc.constant({ type: 'accept_offer' } as const),
  fc.constant({ type: 'decline_offer' } as const),
  fc
    .record({ resolution: fc.constantFrom('full_refund', 'partial_refund', 'no_refund' as const), amountMinor: fc.integer({ min: -5, max: 20_000 }) })
    .map((r) => ({ type: 'resolve', ...r }) as const),
);
const WHO: Record<DisputeAction['type'], DisputeRole> = { accept: 'tutor', offer: 'tutor', contest: 'tutor', accept_offer: 'student', decline_offer: 'student', resolve: 'platform' };

describe('the dispute machine (property)', () => {
  it('only the step’s own role moves it; resolved is final; every refund is within what is left and matches the resolution', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 15_000 }), fc.array(fc.tuple(fc.constantFrom(...roles), actionArb), { maxLength: 25 }), (refundable, steps) => {
        let state: { status: DisputeStatus; offerMinor: number | null } = { status: 'open', offerMinor: null };
        for (const [role, action] of steps) {
          const d = decideDispute(state, role, action, refundable);
          if (state.status === 'resolved' || WHO[action.type] !== role) {
            expect(d.ok).toBe(false);
            continue;
          }
          if (!d.ok) {
            // Refused for its input or its status only, never silently.
            expect(['DISPUTE_NOT_ALLOWED', 'INVALID_INPUT']).toContain(d.code);
            continue;
          }
          expect(d.refundMinor).toBeGreaterThanOrEqual(0);
          expect(d.refundMinor).toBeLessThanOrEqual(refundable);
          if (d.status === 'resolved') {
            if (d.resolution === 'full_refund') expect(d.refundMinor).toBe(refundable);
            if (d.resolution === 'no_refund') expect(d.refundMinor).toBe(0);
            if (d.resolution === 'partial_refund') expect(d.refundMinor).toBeGreaterThanOrEqual(1);
            if (action.type === 'accept_offer') expect(d.refundMinor).toBe(Math.min(state.offerMinor!, refundable));
          } else {
            expect(d.resolution).toBeNull();
            expect(d.refundMinor).toBe(0);
          }
          if (d.status === 'offered') expect(d.offerMinor).toBeGreaterThanOrEqual(1);
          state = { status: d.status, offerMinor: d.offerMinor };
        }
      }),
      { numRuns: 3_000 },
    );
  });

  it('a student can accept only a standing offer, and a contested dispute waits for the platform (or the tutor’s full refund)', () => {
    expect(decideDispute({ status: 'open', offerMinor: null }, 'student', { type: 'accept_offer' }, 100)).toMatchObject({ ok: false, code: 'DISPUTE_NOT_ALLOWED' });
    expect(decideDispute({ status: 'contested', offerMinor: 50 }, 'student', { type: 'accept_offer' }, 100)).toMatchObject({ ok: false });
    expect(decideDispute({ status: 'contested', offerMinor: 50 }, 'tutor', { type: 'offer', amountMinor: 10 }, 100)).toMatchObject({ ok: false });
    expect(decideDispute({ status: 'contested', offerMinor: 50 }, 'tutor', { type: 'accept' }, 100)).toMatchObject({ ok: true, resolution: 'full_refund', refundMinor: 100 });
    expect(decideDispute({ status: 'offered', offerMinor: 50 }, 'student', { type: 'accept_offer' }, 30)).toMatchObject({ ok: true, refundMinor: 30 });
  });
});
