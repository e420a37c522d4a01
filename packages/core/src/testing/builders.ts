import { DEFAULT_POLICY, type Session, type SessionPolicy } from '@itutor/sessions-core';
import { computeSessionTimings } from '@itutor/sessions-core/rules';
import { addMinutes } from 'date-fns';

let sequence = 0;

/**
 * A valid `SCHEDULED` session for tests, with timings computed by the core. Pass any field to override;
 * `scheduledStartAt` and `durationMinutes` recompute the timings.
 */
export function buildSession(
  overrides: Partial<Session> & { scheduledStartAt?: Date; durationMinutes?: number } = {},
  policy: SessionPolicy = DEFAULT_POLICY,
): Session {
  sequence += 1;
  const n = String(sequence).padStart(6, '0');
  const start = overrides.scheduledStartAt ?? new Date('2026-01-15T15:00:00.000Z');
  const timings = computeSessionTimings(start, overrides.durationMinutes ?? 60, policy);
  const createdAt = overrides.createdAt ?? addMinutes(start, -24 * 60);
  return {
    id: `00000000-0000-4000-8000-${n.padStart(12, '0')}`,
    bookingId: `booking-${n}`,
    tutorId: 'tutor-a',
    studentId: 'student-a',
    status: 'SCHEDULED',
    version: 1,
    ...timings,
    priceMinor: 15_000,
    currency: 'TTD',
    provider: 'zoom',
    meetingId: `8${n}`,
    joinUrl: `https://zoom.us/j/8${n}`,
    studentJoinedAt: null,
    tutorJoinedAt: null,
    meetingEndedAt: null,
    finalizedAt: null,
    cancelledBy: null,
    chargeAmountMinor: null,
    payoutAmountMinor: null,
    platformFeeMinor: null,
    chargeStatus: 'none',
    chargeIdempotencyKey: null,
    chargeAttempts: 0,
    chargeReference: null,
    claimedUntil: null,
    createdAt,
    updatedAt: createdAt,
    ...overrides,
  };
}
