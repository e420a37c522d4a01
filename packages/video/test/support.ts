import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createSessionsCore, type SessionsCore } from '@itutor/sessions-core';
import { createSessionsHandler, type Authenticator, type SessionsRoutePlugin } from '@itutor/sessions-core/http';
import { createFakeVideoProvider, createInMemoryAdapter, createRecordingPaymentGateway } from '@itutor/sessions-core/testing';
import {
  createKeyRing,
  meetEventRoutes,
  videoConnectRoutes,
  zoomWebhookRoutes,
  type GoogleMeetEventsOptions,
  type VideoConnectOptions,
  type ZoomWebhookOptions,
} from '../src/index';
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

/**
 * Route plug-ins as a host mounts them: plugged into the core's one handler (`createSessionsHandler`, base
 * path `/api`). The core is a spare in-memory one unless given. `authenticate` is the mount's; by default
 * it throws, so a test fails loudly if the mount authenticated a route that authenticates itself.
 */
export function mountRoutes(
  plugins: readonly SessionsRoutePlugin[],
  options: { readonly core?: SessionsCore; readonly authenticate?: Authenticator; readonly onUnexpectedError?: (error: unknown) => void } = {},
): (request: Request) => Promise<Response> {
  return createSessionsHandler({
    core: options.core ?? createSessionsCore({ adapter: createInMemoryAdapter(), videoProvider: createFakeVideoProvider(), paymentGateway: createRecordingPaymentGateway() }),
    authenticate:
      options.authenticate ??
      (() => {
        throw new Error('this route authenticates itself: the mount must not call the authenticator');
      }),
    getBooking: async () => null,
    cronSecret: 'video-tests-cron-secret-0123456789abcdef',
    ...(options.onUnexpectedError ? { onUnexpectedError: options.onUnexpectedError } : {}),
    routes: plugins,
  });
}

/** `POST /api/webhooks/zoom` through the one mount. */
export const mountZoomWebhook = (options: ZoomWebhookOptions, core?: SessionsCore) => mountRoutes([zoomWebhookRoutes(options)], core ? { core } : {});

/** `POST /api/webhooks/google-meet` through the one mount. */
export const mountMeetEvents = (options: GoogleMeetEventsOptions) => mountRoutes([meetEventRoutes(options)]);

/**
 * The connect routes through the one mount: `authenticate` (the signed-in user) is the mount's, as a host
 * whose mount authenticator also serves the connect routes has it; the connect routes get no own one.
 */
export function mountVideoConnect(
  options: Omit<VideoConnectOptions, 'authenticate'> & { readonly authenticate: Authenticator },
  mount: { readonly core?: SessionsCore; readonly onUnexpectedError?: (error: unknown) => void } = {},
): (request: Request) => Promise<Response> {
  const { authenticate, ...connect } = options;
  return mountRoutes([videoConnectRoutes(connect)], { ...mount, authenticate });
}
