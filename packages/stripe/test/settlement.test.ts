import { amountsForOutcome, createSessionsCore, type Session } from '@itutor/sessions-core';
import { createFakeVideoProvider, createInMemoryAdapter, createManualClock } from '@itutor/sessions-core/testing';
import { describe, expect, it } from 'vitest';
import { stripeGateway, stripeWebhookHandler } from '../src/index';
import { createMemoryEventStore, type FakeCardBehaviour } from '../src/testing/index';
import { coreRecorder } from './core-recorder';
import { useStripeFake, WEBHOOK_SECRET } from './support';

const world = useStripeFake();
const START = new Date('2026-06-01T14:00:00.000Z');
const addMinutes = (at: Date, minutes: number) => new Date(at.getTime() + minutes * 60_000);

/** The core over the in-memory adapter, charging through the Stripe gateway against the fake. */
async function setUp(students: number, cards: (i: number) => FakeCardBehaviour = () => 'succeed') {
  const clock = createManualClock(addMinutes(START, -24 * 60));
  const adapter = createInMemoryAdapter();
  const accounts = new Map([
    ['tutor-a', world.fake.addConnectedAccount()],
    ['tutor-b', world.fake.addConnectedAccount()],
  ]);
  const customers = new Map<string, { customer: string; paymentMethod: string }>();
  for (let i = 0; i < students; i++) {
    const customer = world.fake.addCustomer();
    customers.set(`student-${i}`, { customer, paymentMethod: world.fake.addPaymentMethod(customer, cards(i)) });
  }
  const authentications: string[] = [];
  const gateway = stripeGateway({
    stripe: world.stripe,
    customerFor: (studentId) => customers.get(studentId) ?? null,
    connectedAccountFor: (tutorId) => accounts.get(tutorId) ?? null,
    onAuthenticationRequired: (info) => void authentications.push(info.sessionId),
    requestTimeoutMs: 250,
  });
  const settlement = { chargeTimeoutMs: 400, runBudgetMs: 20_000, chargeRetryMinutes: 5, batchSize: 5, chargeConcurrency: 4 };
  const core = createSessionsCore({ adapter, videoProvider: createFakeVideoProvider(), paymentGateway: gateway, clock, settlement, policy: { maxChargeAttempts: 4 } });
  for (const tutorId of accounts.keys()) await core.connectProvider({ tutorId, provider: 'zoom', tokens: null });
  const prices = [1, 99, 15_001, 15_000, 7_777, 1_000, 12_345, 99_999];
  const sessions: Session[] = [];
  for (let i = 0; i < students; i++) {
    const { session } = await core.createForBooking({
      bookingId: `bk-${i}`,
      tutorId: i % 2 === 0 ? 'tutor-a' : 'tutor-b',
      studentId: `student-${i}`,
      scheduledStartAt: addMinutes(START, i),
      durationMinutes: 60,
      priceMinor: prices[i % prices.length]!,
    });
    sessions.push(session);
  }
  return { clock, adapter, core, accounts, customers, sessions, authentications };
}

/** Exactly one succeeded PaymentIntent per charged session, with the outcome's amounts, fee and destination. */
async function expectOneSucceededChargeEach(env: Awaited<ReturnType<typeof setUp>>) {
  for (const s of env.sessions) {
    const stored = (await env.core.getSession(s.id))!;
    const split = amountsForOutcome(stored.priceMinor, stored.status);
    const intents = world.fake.paymentIntents.filter((pi) => pi.metadata.itutor_session_id === s.id);
    const succeeded = intents.filter((pi) => pi.status === 'succeeded');
    if (split.chargeMinor === 0) {
      expect(intents, `${s.bookingId} charges nothing`).toHaveLength(0);
      continue;
    }
    expect(succeeded, `${s.bookingId}: one succeeded PaymentIntent`).toHaveLength(1);
    const [pi] = succeeded;
    expect(pi).toMatchObject({
      amount: split.chargeMinor,
      currency: 'ttd',
      customer: env.customers.get(s.studentId)!.customer,
      transfer_data: { destination: env.accounts.get(s.tutorId) },
      metadata: { itutor_session_id: s.id, itutor_booking_id: s.bookingId, itutor_outcome: stored.status },
    });
    expect(pi!.application_fee_amount ?? 0).toBe(split.feeMinor);
    expect(world.fake.charges.find((c) => c.payment_intent === pi!.id)!.transferred).toBe(split.payoutMinor);
    expect(stored.chargeStatus).toBe('succeeded');
    expect(stored.chargeReference).toBe(pi!.id);
    // Every ledger attempt has its own key, and Stripe saw at most one PaymentIntent per key.
    const ledger = await env.core.listCharges(s.id);
    expect(new Set(ledger.map((a) => a.idempotencyKey)).size).toBe(ledger.length);
    for (const attempt of ledger) {
      expect(intents.filter((i) => i.metadata.itutor_attempt === String(attempt.attempt)).length, `${s.bookingId} attempt ${attempt.attempt}`).toBeLessThanOrEqual(1);
    }
  }
}

describe('end to end: the core settles due sessions through the Stripe gateway against the fake', () => {
  it('completed and no-show sessions at odd prices: one PaymentIntent each with the exact amounts, fee and destination', async () => {
    const env = await setUp(8);
    env.clock.set(addMinutes(START, 25));
    await env.core.markNoShow({ sessionId: env.sessions[0]!.id, userId: 'tutor-a' }); // price 1 → a no-show charges 0
    await env.core.markNoShow({ sessionId: env.sessions[2]!.id, userId: 'tutor-a' }); // 15001 → 7500 / 6750 / 750
    env.clock.set(addMinutes(START, 120));
    const report = await env.core.settleDueSessions();
    expect(report).toMatchObject({ completed: 6, chargesSucceeded: 6, chargesFailed: 0, chargesPending: 0 });
    await expectOneSucceededChargeEach(env);
    const noShow = world.fake.paymentIntents.find((pi) => pi.metadata.itutor_session_id === env.sessions[2]!.id)!;
    expect([noShow.amount, noShow.application_fee_amount]).toEqual([7_500, 750]);
    expect(world.fake.paymentIntents).toHaveLength(7);
  });

  it('under injected faults (429, 500, dropped connections, a hang, a decline, processing, authentication): one succeeded charge each in the end', async () => {
    const env = await setUp(10, (i) => (i === 8 ? { decline: 'insufficient_funds' } : i === 7 ? 'processing' : i === 9 ? 'authentication_required' : 'succeed'));
    env.clock.set(addMinutes(START, 120));
    world.fake.failNext({ kind: 'rate_limit' }, { times: 2 });
    world.fake.failNext({ kind: 'server_error' });
    world.fake.failNext({ kind: 'drop' }, { times: 2 }); // the client retries once by itself; the second drop is an unknown
    world.fake.failNext({ kind: 'hang' });
    const first = await env.core.settleDueSessions();
    expect(first.completed).toBe(10);
    // 429 ×2, the unsaved 500, the second drop (the client retried the first), the hang and processing are
    // unknown; the decline and the authentication are failed, unless a fault reached their card first.
    expect(first.chargesPending).toBeGreaterThanOrEqual(5);
    expect(first.chargesSucceeded + first.chargesFailed + first.chargesPending).toBe(10);

    // The students fix their cards; the processing payment completes and Stripe says so by webhook.
    world.fake.setBehaviour(env.customers.get('student-8')!.paymentMethod, 'succeed');
    world.fake.setBehaviour(env.customers.get('student-9')!.paymentMethod, 'succeed');
    const processing = world.fake.paymentIntents.find((pi) => pi.status === 'processing')!;
    world.fake.finishProcessing(processing.id, 'succeeded');
    const handle = stripeWebhookHandler({
      stripe: world.stripe,
      webhookSecret: WEBHOOK_SECRET,
      events: createMemoryEventStore(),
      recorder: coreRecorder({ adapter: env.adapter, clock: env.clock, policy: env.core.policy }),
    });
    const succeededEvent = world.fake.events.filter((e) => e.type === 'payment_intent.succeeded').at(-1)!;
    expect((await handle(await world.fake.webhookRequest(succeededEvent, { secret: WEBHOOK_SECRET }))).status).toBe(200);
    expect((await env.core.getSession(processing.metadata.itutor_session_id!))!.chargeStatus).toBe('succeeded');

    for (let run = 0; run < 4; run++) {
      env.clock.advance({ minutes: 6 });
      world.fake.releaseHangs();
      await env.core.settleDueSessions();
    }
    await expectOneSucceededChargeEach(env);
    // A card fixed before its attempt was answered succeeds under the same key; a declined attempt is
    // followed by a new attempt with a new key.
    const declined = (await env.core.listCharges(env.sessions[8]!.id)).map((a) => `${a.attempt}:${a.status}:${a.failureCode ?? ''}`);
    expect([['1:failed:insufficient_funds', '2:succeeded:'], ['1:succeeded:']]).toContainEqual(declined);
    const authenticated = (await env.core.listCharges(env.sessions[9]!.id)).map((a) => `${a.attempt}:${a.status}:${a.failureCode ?? ''}`);
    expect([['1:failed:authentication_required', '2:succeeded:'], ['1:succeeded:']]).toContainEqual(authenticated);
    expect(env.authentications).toEqual(authenticated.length === 2 ? [env.sessions[9]!.id] : []);
  });

  it('concurrent settlement workers and a flood of duplicated webhooks: still one succeeded PaymentIntent per session', async () => {
    const env = await setUp(12, (i) => (i % 4 === 1 ? 'processing' : 'succeed'));
    const workers = [env.core, ...[1, 2].map(() => createSessionsCore({ adapter: env.adapter, videoProvider: createFakeVideoProvider(), paymentGateway: stripeGateway({
      stripe: world.stripe,
      customerFor: (studentId) => env.customers.get(studentId) ?? null,
      connectedAccountFor: (tutorId) => env.accounts.get(tutorId) ?? null,
      requestTimeoutMs: 250,
    }), clock: env.clock, settlement: { chargeTimeoutMs: 400, runBudgetMs: 20_000, batchSize: 3, chargeConcurrency: 3 } }))];
    env.clock.set(addMinutes(START, 120));
    await Promise.all(workers.map((w) => w.settleDueSessions()));
    for (const pi of world.fake.paymentIntents.filter((p) => p.status === 'processing')) world.fake.finishProcessing(pi.id, 'succeeded');
    const store = createMemoryEventStore();
    const recorder = coreRecorder({ adapter: env.adapter, clock: env.clock, policy: env.core.policy });
    const handlers = [1, 2, 3].map(() => stripeWebhookHandler({ stripe: world.stripe, webhookSecret: WEBHOOK_SECRET, events: store, recorder }));
    const deliveries = world.fake.events.filter((e) => e.type.startsWith('payment_intent.'));
    const responses = await Promise.all(
      deliveries.flatMap((event) => handlers.flatMap((handle) => [0, 1].map(async () => handle(await world.fake.webhookRequest(event, { secret: WEBHOOK_SECRET }))))),
    );
    expect(responses.every((r) => r.status === 200)).toBe(true);
    env.clock.advance({ minutes: 6 });
    await Promise.all(workers.map((w) => w.settleDueSessions()));
    await expectOneSucceededChargeEach(env);
  });
});
