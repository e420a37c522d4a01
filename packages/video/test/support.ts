import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createKeyRing } from '../src/index';
import { createGoogleFake, createMemoryMeetingStore, createMemoryTokenStore, createZoomFake, type GoogleFake, type ZoomFake } from '../src/testing/index';

/** 32 fixed bytes, base64: test keys only. */
export const KEY_A = Buffer.alloc(32, 7).toString('base64');
export const KEY_B = Buffer.alloc(32, 9).toString('base64');

export const fakes: { zoom: ZoomFake; google: GoogleFake } = { zoom: createZoomFake(), google: createGoogleFake() };

/** One msw server for the file; each test gets fresh fakes (no request ever leaves the process). */
export function useProviderFakes() {
  const server = setupServer();
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  beforeEach(() => {
    fakes.zoom = createZoomFake();
    fakes.google = createGoogleFake();
    server.resetHandlers(...fakes.zoom.handlers, ...fakes.google.handlers);
  });
  afterAll(() => server.close());
  return server;
}

export function setup() {
  return {
    store: createMemoryTokenStore(),
    meetings: createMemoryMeetingStore(),
    keyRing: createKeyRing({ currentKeyId: 'k1', keys: { k1: KEY_A } }),
  };
}

export const credentials = { clientId: 'test-client-id', clientSecret: 'test-client-secret', redirectUri: 'https://app.example/oauth/callback' };

export const booking = (n: number, provider: 'zoom' | 'google_meet' = 'zoom', tutorId = 'tutor-1') => ({
  idempotencyKey: `booking-${n}`,
  provider,
  tutorId,
  topic: `Algebra lesson ${n}`,
  startAt: new Date('2030-03-01T15:00:00.000Z'),
  durationMinutes: 60,
});
