import Stripe from 'stripe';
import type { ChargeInstruction } from '@itutor/sessions-core/adapter';
import type { SessionsCore } from '@itutor/sessions-core';
import type { SessionsRoutePlugin } from '@itutor/sessions-core/http';
import { coreChargebackRecorder, coreChargeRecorder, stripeGateway, stripeWebhookRoutes, type StripeEventStore } from '@itutor/sessions-stripe';
import { createStripeFake, type FakeCardBehaviour, type StripeFake } from '@itutor/sessions-stripe/testing';

/**
 * Payments in the demo, with no keys and no internet: the SDK's real `stripeGateway` (the official
 * `stripe` client) charging a fake Stripe that runs in this process (`@itutor/sessions-stripe/testing`,
 * reached through `Stripe.createFetchHttpClient(fake.fetch)`), and the real webhook route
 * `POST /api/webhooks/stripe` receiving the fake's events, signed as Stripe signs them.
 */

/** The webhook signing secret of the demo's endpoint (a real host reads STRIPE_WEBHOOK_SECRET). */
export const DEMO_WEBHOOK_SECRET = 'whsec_itutor_demo_not_a_real_secret';

/**
 * Each demo student's saved card, as the fake's test cards behave (like Stripe's own test payment
 * methods: `pm_card_visa`, `pm_card_chargeDeclinedInsufficientFunds`, `pm_card_authenticationRequired`).
 */
export const DEMO_CARDS: Record<string, { readonly behaviour: FakeCardBehaviour; readonly label: string }> = {
  'student-sam': { behaviour: 'succeed', label: 'a Visa that succeeds' },
  'student-kim': { behaviour: 'succeed', label: 'a Visa that succeeds' },
  'student-lee': { behaviour: { decline: 'insufficient_funds' }, label: 'a card that is declined (insufficient funds)' },
  'student-max': { behaviour: 'authentication_required', label: 'a card whose bank asks for authentication (3-D Secure)' },
};

export interface DemoPayments {
  readonly fake: StripeFake;
  readonly gateway: ReturnType<typeof stripeGateway> & { readonly instructions: readonly ChargeInstruction[] };
  /** What the host's `onAuthenticationRequired` hook told each student, by session id. */
  readonly notices: ReadonlyMap<string, string>;
  /** The webhook route (`POST /api/webhooks/stripe`), a plug-in of the core's one mount, once the core exists. */
  webhookRoutes(core: SessionsCore, events: StripeEventStore): SessionsRoutePlugin;
  /**
   * Delivers the fake's events not yet delivered to `deliver` (the webhook route), as Stripe would,
   * each signed with the endpoint's secret. Resolves to the number delivered.
   */
  deliverEvents(deliver: (request: Request) => Promise<Response>): Promise<number>;
}

export function createDemoPayments(options: { nameOf: (userId: string) => string; tutors: readonly string[] }): DemoPayments {
  const fake = createStripeFake();
  const stripe = new Stripe(fake.apiKey, { httpClient: Stripe.createFetchHttpClient(fake.fetch), telemetry: false });
  const billing = new Map<string, { customer: string; paymentMethod: string }>();
  for (const [studentId, card] of Object.entries(DEMO_CARDS)) {
    const customer = fake.addCustomer({ email: `${studentId.replace(/^student-/, '')}@students.example` });
    billing.set(studentId, { customer, paymentMethod: fake.addPaymentMethod(customer, card.behaviour) });
  }
  const accounts = new Map(options.tutors.map((tutorId) => [tutorId, fake.addConnectedAccount()]));
  const notices = new Map<string, string>();
  const stripeGw = stripeGateway({
    stripe,
    // Chargeback evidence goes to the bank as text fields and as one PDF of them (Stripe's Files API).
    evidenceDocument: true,
    customerFor: (studentId) => billing.get(studentId) ?? null,
    connectedAccountFor: (tutorId) => accounts.get(tutorId) ?? null,
    // The host hook: a real host emails the student a link to confirm their card on-session.
    onAuthenticationRequired: ({ sessionId, studentId }) => {
      const name = options.nameOf(studentId);
      notices.set(sessionId, `${name}’s bank asks for authentication: the host emailed ${name} a link to confirm the card (3-D Secure) on-session.`);
    },
  });
  const instructions: ChargeInstruction[] = [];
  // The gateway as the core gets it, keeping a list of the instructions it was given (the e2e tests read it).
  const gateway = {
    ...stripeGw,
    instructions,
    charge: (instruction: ChargeInstruction, callOptions?: Parameters<typeof stripeGw.charge>[1]) => {
      instructions.push(instruction);
      return stripeGw.charge(instruction, callOptions);
    },
  };
  let delivered = 0;
  let delivering: Promise<number> = Promise.resolve(0);
  return {
    fake,
    gateway,
    notices,
    webhookRoutes: (core, events) =>
      stripeWebhookRoutes({
        stripe,
        webhookSecret: DEMO_WEBHOOK_SECRET,
        events,
        recorder: {
          recordChargeAnswer: coreChargeRecorder(core, {
            onLateSuccess: ({ sessionId }) => console.log(`[demo] Stripe reported money taken on a closed attempt of ${sessionId} (a host alerts finance here)`),
          }),
          // charge.dispute.*: the chargeback recorded against its ledger attempt, the evidence staged (not submitted).
          recordChargeback: coreChargebackRecorder(core),
        },
        onError: (error) => console.error('[demo] Stripe webhook:', error instanceof Error ? error.message : error),
      }),
    deliverEvents(deliver) {
      // One delivery run at a time, events in order; a failed delivery stays for the next run (Stripe retries).
      delivering = delivering.then(async () => {
        let count = 0;
        while (delivered < fake.events.length) {
          const event = fake.events[delivered]!;
          const response = await deliver(await fake.webhookRequest(event, { secret: DEMO_WEBHOOK_SECRET }));
          if (response.status >= 300) break;
          delivered++;
          count++;
        }
        return count;
      });
      return delivering;
    },
  };
}
