import { addMinutes } from 'date-fns';
import { createSessionsCore, type Booking, type SessionsCoreConfig } from '@itutor/sessions-core';
import {
  createFakeVideoProvider,
  createInMemoryAdapter,
  createManualClock,
  createRecordingPaymentGateway,
} from '@itutor/sessions-core/testing';

export const START = new Date('2026-06-01T15:00:00.000Z');

let bookingSeq = 0;

/** A booking with tutor-a and student-a starting at START unless overridden. */
export function booking(overrides: Partial<Booking> = {}): Booking {
  bookingSeq += 1;
  return {
    bookingId: `booking-${bookingSeq}`,
    tutorId: 'tutor-a',
    studentId: 'student-a',
    scheduledStartAt: START,
    durationMinutes: 60,
    priceMinor: 15_000,
    ...overrides,
  };
}

/** The core over the in-memory adapter and fakes, with the clock a day before START. */
export async function makeCore(config: Partial<SessionsCoreConfig> = {}) {
  const clock = createManualClock(addMinutes(START, -24 * 60));
  const adapter = createInMemoryAdapter({ clock });
  const video = createFakeVideoProvider();
  const gateway = createRecordingPaymentGateway();
  const core = createSessionsCore({ adapter, videoProvider: video, paymentGateway: gateway, clock, ...config });
  await core.providers.connect({ tutorId: 'tutor-a', provider: 'zoom', tokens: { accessToken: { keyId: 'k1', ciphertext: 'sealed-a' }, refreshToken: { keyId: 'k1', ciphertext: 'sealed-r' }, expiresAt: null } });
  return { clock, adapter, video, gateway, core };
}
