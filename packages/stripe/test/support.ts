import Stripe from 'stripe';
import { afterEach, beforeEach } from 'vitest';
import { createSessionsCore, type SessionsCore } from '@itutor/sessions-core';
import { createSessionsHandler } from '@itutor/sessions-core/http';
import { createFakeVideoProvider, createInMemoryAdapter, createRecordingPaymentGateway } from '@itutor/sessions-core/testing';
import { stripeGateway, stripeWebhookRoutes, type StripeGatewayOptions, type StripeWebhookOptions } from '../src/index';
import { createStripeFake, startStripeFakeServer, type StripeFake, type StripeFakeOptions, type StripeFakeServer } from '../src/testing/index';

export const WEBHOOK_SECRET = 'whsec_test_itutor_0123456789abcdef';

/** The world of one test: a fresh fake Stripe served over HTTP and the official client pointed at it. */
export interface StripeWorld {
  fake: StripeFake;
  server: StripeFakeServer;
  stripe: Stripe;
  /** A student with a saved card that succeeds. */
  customer: string;
  paymentMethod: string;
  tutorAccount: string;
}

/** One fake Stripe per test (fresh state, made with `options`), the official client with its default Node HTTP client. */
export function useStripeFake(options: StripeFakeOptions = {}): StripeWorld {
  const world = {} as StripeWorld;
  let server: StripeFakeServer | undefined;
  beforeEach(async () => {
    world.fake = createStripeFake(options);
    server = await startStripeFakeServer(world.fake);
    world.server = server;
    world.stripe = new Stripe(world.fake.apiKey, { ...server.clientOptions, telemetry: false });
    world.customer = world.fake.addCustomer({ email: 'student@example.test' });
    world.paymentMethod = world.fake.addPaymentMethod(world.customer);
    world.tutorAccount = world.fake.addConnectedAccount();
  });
  afterEach(async () => {
    await server?.close();
  });
  return world;
}

/** A gateway over the world's client: student-1 → its customer and card, tutor-1 → its account. */
export function gatewayFor(world: StripeWorld, overrides: Partial<StripeGatewayOptions> = {}) {
  return stripeGateway({
    stripe: world.stripe,
    customerFor: (studentId) => (studentId === 'student-1' ? { customer: world.customer, paymentMethod: world.paymentMethod } : null),
    connectedAccountFor: (tutorId) => (tutorId === 'tutor-1' ? world.tutorAccount : null),
    ...overrides,
  });
}

export const instruction = (overrides: Partial<Parameters<ReturnType<typeof stripeGateway>['charge']>[0]> = {}) => ({
  idempotencyKey: 'itutor-session-s1-COMPLETED_ASSUMED-1',
  attempt: 1,
  sessionId: 's1',
  bookingId: 'bk-1',
  studentId: 'student-1',
  tutorId: 'tutor-1',
  outcome: 'COMPLETED_ASSUMED' as const,
  amountMinor: 15_000,
  payoutMinor: 13_500,
  feeMinor: 1_500,
  currency: 'TTD',
  payoutTiming: 'with_charge' as const,
  ...overrides,
});

/**
 * The Stripe webhook route as a host mounts it: `stripeWebhookRoutes(options)` plugged into the core's one
 * handler (`createSessionsHandler`, default base path `/api`, so `POST /api/webhooks/stripe`). The core
 * behind it is a spare in-memory one unless given; its authenticator throws, so a test fails loudly if the
 * mount ever authenticated this self-authenticating route.
 */
export function mountStripeWebhook(options: StripeWebhookOptions, core?: SessionsCore): (request: Request) => Promise<Response> {
  return createSessionsHandler({
    core: core ?? createSessionsCore({ adapter: createInMemoryAdapter(), videoProvider: createFakeVideoProvider(), paymentGateway: createRecordingPaymentGateway() }),
    authenticate: () => {
      throw new Error('the Stripe webhook route authenticates itself: the mount must not call the authenticator');
    },
    getBooking: async () => null,
    cronSecret: 'stripe-tests-cron-secret-0123456789abcdef',
    routes: [stripeWebhookRoutes(options)],
  });
}
