import { describe, expect, it } from 'vitest';
import { isSessionError } from '@itutor/sessions-core';
import { stripeCardSetup, type WebhookCardSaved } from '../src/index';
import { createMemoryEventStore } from '../src/testing/index';
import { gatewayFor, instruction, mountStripeWebhook, useStripeFake, WEBHOOK_SECRET } from './support';

const world = useStripeFake();

describe('stripeCardSetup', () => {
  it('createCardSetup: an off-session SetupIntent on the student\'s customer, its client secret; the saved card then charges off-session', async () => {
    // The host's storage of students' Stripe customers and saved cards.
    const saved = new Map<string, { customer: string; paymentMethod: string | null }>([['student-1', { customer: world.customer, paymentMethod: null }]]);
    const customerFor = (studentId: string) => saved.get(studentId) ?? null;
    const setup = stripeCardSetup({ stripe: world.stripe, customerFor });
    expect(await setup.hasUsablePaymentMethod('student-1')).toBe(false);

    const card = await setup.createCardSetup({ studentId: 'student-1', idempotencyKey: 'setup-student-1-booking-7' });
    expect(card.clientSecret).toMatch(/^seti_.+_secret_/);
    expect(card.customer).toBe(world.customer);
    const [request] = world.fake.requests;
    expect(request).toMatchObject({
      method: 'POST',
      path: '/v1/setup_intents',
      idempotencyKey: 'setup-student-1-booking-7',
      params: { customer: world.customer, usage: 'off_session', automatic_payment_methods: { enabled: 'true' }, metadata: { itutor_student_id: 'student-1' } },
    });

    // The browser confirms it with Stripe Elements; Stripe sends setup_intent.succeeded; the host stores the card.
    world.fake.completeSetup(card.setupIntentId);
    const cards: WebhookCardSaved[] = [];
    const handle = mountStripeWebhook({
      stripe: world.stripe,
      webhookSecret: WEBHOOK_SECRET,
      events: createMemoryEventStore(),
      recorder: {
        recordChargeAnswer: async () => undefined,
        recordCardSaved: async (c) => {
          cards.push(c);
          saved.set(c.studentId, { customer: c.customer, paymentMethod: c.paymentMethod });
        },
      },
    });
    const event = world.fake.events.find((e) => e.type === 'setup_intent.succeeded')!;
    expect((await handle(await world.fake.webhookRequest(event, { secret: WEBHOOK_SECRET }))).status).toBe(200);
    expect(cards).toEqual([{ studentId: 'student-1', customer: world.customer, paymentMethod: expect.stringMatching(/^pm_/), setupIntentId: card.setupIntentId, eventId: event.id }]);
    expect(await setup.hasUsablePaymentMethod('student-1')).toBe(true);
    expect(await gatewayFor(world, { customerFor }).charge(instruction())).toMatchObject({ status: 'succeeded' });
  });

  it('createCardSetup refuses a student without a customer (NO_GATEWAY_CUSTOMER)', async () => {
    const setup = stripeCardSetup({ stripe: world.stripe, customerFor: () => null });
    await expect(setup.createCardSetup({ studentId: 'student-x' })).rejects.toSatisfy((e) => isSessionError(e, 'NO_GATEWAY_CUSTOMER'));
  });

  it('hasUsablePaymentMethod: false for no customer, no card, a card Stripe does not have, another customer\'s card, an expired card', async () => {
    const other = world.fake.addCustomer();
    const othersCard = world.fake.addPaymentMethod(other);
    const expired = world.fake.addPaymentMethod(world.customer, 'succeed', { month: 1, year: 2026 });
    const expiresThisMonth = world.fake.addPaymentMethod(world.customer, 'succeed', { month: 3, year: 2026 });
    const now = () => new Date('2026-03-15T12:00:00Z');
    const check = (ref: { customer: string; paymentMethod: string | null } | null) =>
      stripeCardSetup({ stripe: world.stripe, customerFor: () => ref, now }).hasUsablePaymentMethod('student-1');
    expect(await check(null)).toBe(false);
    expect(await check({ customer: world.customer, paymentMethod: null })).toBe(false);
    expect(await check({ customer: world.customer, paymentMethod: 'pm_missing' })).toBe(false);
    expect(await check({ customer: world.customer, paymentMethod: othersCard })).toBe(false);
    expect(await check({ customer: world.customer, paymentMethod: expired })).toBe(false);
    expect(await check({ customer: world.customer, paymentMethod: expiresThisMonth })).toBe(true);
    expect(await check({ customer: world.customer, paymentMethod: world.paymentMethod })).toBe(true);
  });

  it('hasUsablePaymentMethod throws when Stripe cannot be asked (a booking is not refused for an outage)', async () => {
    world.fake.failNext({ kind: 'server_error' }, { method: 'GET', path: /^\/v1\/customers\//, times: 10 });
    const setup = stripeCardSetup({ stripe: world.stripe, customerFor: () => ({ customer: world.customer, paymentMethod: world.paymentMethod }) });
    await expect(setup.hasUsablePaymentMethod('student-1')).rejects.toMatchObject({ statusCode: 500 });
  });
});
