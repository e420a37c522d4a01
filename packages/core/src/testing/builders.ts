import { DEFAULT_POLICY, type Session, type SessionPolicy } from '@itutor/sessions-core';
import { openSession } from '@itutor/sessions-core/adapter';
import { addMinutes } from 'date-fns';

let sequence = 0;

/**
 * A valid `SCHEDULED` session for tests, opened by the state machine (`openSession`) as the core opens
 * one for a booking. Pass any field to override; `scheduledStartAt` and `durationMinutes` recompute the
 * timings.
 */
export function buildSession(
  overrides: Partial<Session> & { scheduledStartAt?: Date; durationMinutes?: number } = {},
  policy: SessionPolicy = DEFAULT_POLICY,
): Session {
  sequence += 1;
  const n = String(sequence).padStart(6, '0');
  const start = overrides.scheduledStartAt ?? new Date('2026-01-15T15:00:00.000Z');
  const createdAt = overrides.createdAt ?? addMinutes(start, -24 * 60);
  const { session } = openSession(
    {
      bookingId: `booking-${n}`,
      tutorId: 'tutor-a',
      studentId: 'student-a',
      scheduledStartAt: start,
      durationMinutes: overrides.durationMinutes ?? 60,
      priceMinor: 15_000,
      currency: 'TTD',
    },
    {
      id: `00000000-0000-4000-8000-${n.padStart(12, '0')}`,
      provider: 'zoom',
      meeting: { meetingId: `8${n}`, joinUrl: `https://zoom.us/j/8${n}` },
      actorId: 'system',
      now: createdAt,
      policy,
    },
  );
  return { ...session, ...overrides };
}
