import Stripe from 'stripe';
import { afterEach, beforeEach } from 'vitest';
import { stripeGateway, type StripeGatewayOptions } from '../src/index';
import { createStripeFake, startStripeFakeServer, type StripeFake, type StripeFakeServer } from '../src/testing/index';

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

/** One fake Stripe per test (fresh state), the official client with its default Node HTTP client. */
export function useStripeFake(): StripeWorld {
  const world = {} as StripeWorld;
  let server: StripeFakeServer | undefined;
  beforeEach(async () => {
    world.fake = createStripeFake();
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
  ...overrides,
});
