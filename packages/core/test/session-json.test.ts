import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, definePolicy, toPublicSession, toSessionJson } from '@itutor/sessions-core';
import { fromSessionJson } from '@itutor/sessions-core/rules';
import { buildSession } from '@itutor/sessions-core/testing';

const session = buildSession({ priceMinor: 15_000 });

describe('toSessionJson: the no-show quote', () => {
  it("is the core's no-show amounts under the given policy, from a full or a public session", () => {
    expect(toSessionJson(session, { policy: DEFAULT_POLICY }).noShowQuote).toEqual({ chargeBps: 5000, chargeMinor: 7500, payoutMinor: 6750, feeMinor: 750 });
    const policy = definePolicy({ noShowChargeBps: 2500 });
    expect(toSessionJson(toPublicSession(session), { policy }).noShowQuote).toEqual({ chargeBps: 2500, chargeMinor: 3750, payoutMinor: 3375, feeMinor: 375 });
  });

  it('is null when the policy is not known, for a final session, and once the student joined within the wait', () => {
    expect(toSessionJson(session, { policy: null }).noShowQuote).toBeNull();
    for (const status of ['NO_SHOW_STUDENT', 'COMPLETED_ASSUMED', 'EARLY_END_SHORT', 'CANCELLED'] as const) {
      expect(toSessionJson({ ...session, status }, { policy: DEFAULT_POLICY }).noShowQuote).toBeNull();
    }
    expect(toSessionJson({ ...session, studentJoinedAt: session.noShowEligibleAt }, { policy: DEFAULT_POLICY }).noShowQuote).toBeNull();
    // A join after the wait does not stop a no-show: the quote stays.
    const late = new Date(session.noShowEligibleAt.getTime() + 1000);
    expect(toSessionJson({ ...session, studentJoinedAt: late }, { policy: DEFAULT_POLICY }).noShowQuote).not.toBeNull();
  });

  it('never carries the secret fields, and fromSessionJson gives back the public session without the quote', () => {
    const json = toSessionJson(session, { policy: DEFAULT_POLICY });
    for (const key of ['joinUrl', 'meetingId', 'claimedUntil', 'chargeIdempotencyKey', 'chargeReference']) expect(json).not.toHaveProperty(key);
    expect(fromSessionJson(json)).toEqual(toPublicSession(session));
    expect(fromSessionJson(JSON.parse(JSON.stringify(json)))).toEqual(toPublicSession(session));
  });
});
