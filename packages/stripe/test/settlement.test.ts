import { amountsForOutcome } from '@itutor/sessions-core/rules';
import { createSessionsCore, DEFAULT_POLICY, type Session } from '@itutor/sessions-core';
import { createFakeVideoProvider, createInMemoryAdapter, createManualClock } from '@itutor/sessions-core/testing';
import { describe, expect, it } from 'vitest';
import { coreChargeRecorder, stripeCardSetup, stripeGateway } from '../src/index';
import { createMemoryEventStore, type FakeCardBehaviour } from '../src/testing/index';
import { mountStripeWebhook, useStripeFake, WEBHOOK_SECRET } from './support';

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
  const core = createSessionsCore({
    adapter,
    videoProvider: createFakeVideoProvider(),
    paymentGateway: gateway,
    clock,
    settlement,
    policy: { maxChargeAttempts: 4, chargeDeadlineMinutes: 1380 },
  });
  for (const tutorId of accounts.keys()) await core.providers.connect({ tutorId, provider: 'zoom', tokens: null });
  const prices = [1, 99, 15_001, 15_000, 7_777, 1_000, 12_345, 99_999];
  const sessions: Session[] = [];
  for (let i = 0; i < students; i++) {
    const { session } = await core.sessions.create({
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
    const stored = (await env.core.sessions.get(s.id))!;
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
    const ledger = await env.core.charges.list(s.id);
    expect(new Set(ledger.map((a) => a.idempotencyKey)).size).toBe(ledger.length);
    for (const attempt of ledger) {
      expect(intents.filter((i) => i.metadata.itutor_attempt === String(attempt.attempt)).length, `${s.bookingId} attempt ${attempt.attempt}`).toBeLessThanOrEqual(1);
    }
  }
}

describe('end to end: the core settles due sessions through the Stripe gateway against the fake', () => {
  it('completed and no-show sessions at odd prices: one PaymentIntent each with the exact amounts, fee and destination', async () => {
    const env = await setUp(8);
    // The presence rule: the tutor is in both sessions before marking the student absent.
    env.clock.set(START);
    for (const i of [0, 2]) await env.core.sessions.join({ sessionId: env.sessions[i]!.id, userId: 'tutor-a' });
    env.clock.set(addMinutes(START, 25));
    await env.core.sessions.markNoShow({ sessionId: env.sessions[0]!.id, userId: 'tutor-a' }); // price 1 → a no-show charges 0
    await env.core.sessions.markNoShow({ sessionId: env.sessions[2]!.id, userId: 'tutor-a' }); // 15001 → 7500 / 6750 / 750
    env.clock.set(addMinutes(START, 120));
    const report = await env.core.settlement.run();
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
    const first = await env.core.settlement.run();
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
    const handle = mountStripeWebhook({
      stripe: world.stripe,
      webhookSecret: WEBHOOK_SECRET,
      events: createMemoryEventStore(),
      recorder: { recordChargeAnswer: coreChargeRecorder(env.core) },
    });
    const succeededEvent = world.fake.events.filter((e) => e.type === 'payment_intent.succeeded').at(-1)!;
    expect((await handle(await world.fake.webhookRequest(succeededEvent, { secret: WEBHOOK_SECRET }))).status).toBe(200);
    expect((await env.core.sessions.get(processing.metadata.itutor_session_id!))!.chargeStatus).toBe('succeeded');

    for (let run = 0; run < 4; run++) {
      env.clock.advance({ minutes: 6 });
      world.fake.releaseHangs();
      await env.core.settlement.run();
    }
    // A charge that needed the student (3-D Secure) is never retried off-session: it waits for them, and
    // they pay on-session (a new attempt, its PaymentIntent confirmed in the browser).
    const waiting = env.sessions[9]!;
    if ((await env.core.sessions.get(waiting.id))!.chargeStatus === 'awaiting_customer') {
      const payment = await env.core.charges.startOnSession({ sessionId: waiting.id, studentId: waiting.studentId });
      expect(payment).toMatchObject({ status: 'requires_customer', attempt: 2 });
      const pi = world.fake.paymentIntents.find((p) => p.metadata.itutor_session_id === waiting.id && p.metadata.itutor_attempt === '2')!;
      world.fake.authenticate(pi.id, 'succeed');
      expect(await env.core.charges.startOnSession({ sessionId: waiting.id, studentId: waiting.studentId })).toMatchObject({ status: 'succeeded', attempt: 2 });
    }
    await expectOneSucceededChargeEach(env);
    // A card fixed before its attempt was answered succeeds under the same key; a declined attempt is
    // followed by a new attempt with a new key.
    const declined = (await env.core.charges.list(env.sessions[8]!.id)).map((a) => `${a.attempt}:${a.status}:${a.failureCode ?? ''}`);
    expect([['1:failed:insufficient_funds', '2:succeeded:'], ['1:succeeded:']]).toContainEqual(declined);
    const authenticated = (await env.core.charges.list(env.sessions[9]!.id)).map((a) => `${a.attempt}:${a.status}:${a.failureCode ?? ''}`);
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
    }), clock: env.clock, policy: { chargeDeadlineMinutes: 1380 }, settlement: { chargeTimeoutMs: 400, runBudgetMs: 20_000, batchSize: 3, chargeConcurrency: 3 } }))];
    env.clock.set(addMinutes(START, 120));
    await Promise.all(workers.map((w) => w.settlement.run()));
    for (const pi of world.fake.paymentIntents.filter((p) => p.status === 'processing')) world.fake.finishProcessing(pi.id, 'succeeded');
    const store = createMemoryEventStore();
    const recorder = { recordChargeAnswer: coreChargeRecorder(env.core) };
    const handlers = [1, 2, 3].map(() => mountStripeWebhook({ stripe: world.stripe, webhookSecret: WEBHOOK_SECRET, events: store, recorder }));
    const deliveries = world.fake.events.filter((e) => e.type.startsWith('payment_intent.'));
    const responses = await Promise.all(
      deliveries.flatMap((event) => handlers.flatMap((handle) => [0, 1].map(async () => handle(await world.fake.webhookRequest(event, { secret: WEBHOOK_SECRET }))))),
    );
    expect(responses.every((r) => r.status === 200)).toBe(true);
    env.clock.advance({ minutes: 6 });
    await Promise.all(workers.map((w) => w.settlement.run()));
    await expectOneSucceededChargeEach(env);
  });
});

describe('the core and the Stripe package together: halts, late successes, the key lifetime, the card check', () => {
  it("the gateway declares Stripe's 24-hour key lifetime: the default policy starts with a 1380-minute deadline; an explicit one at or past 1440 is refused", async () => {
    const gateway = stripeGateway({ stripe: world.stripe, customerFor: () => null, connectedAccountFor: () => null });
    expect(gateway.idempotencyKeyLifetimeMinutes).toBe(1440);
    const base = { adapter: createInMemoryAdapter(), videoProvider: createFakeVideoProvider(), paymentGateway: gateway };
    const core = createSessionsCore(base);
    expect(core.policy).toEqual({ ...DEFAULT_POLICY, chargeDeadlineMinutes: 1380 });
    // It works, not just starts: a booking gets its session.
    await core.providers.connect({ tutorId: 'tutor-a', provider: 'zoom', tokens: null });
    const { created } = await core.sessions.create({ bookingId: 'bk-default', tutorId: 'tutor-a', studentId: 'student-0', scheduledStartAt: START, durationMinutes: 60, priceMinor: 15_000 });
    expect(created).toBe(true);
    expect(createSessionsCore({ ...base, policy: { maxChargeAttempts: 3 } }).policy.chargeDeadlineMinutes).toBe(1380);
    expect(() => createSessionsCore({ ...base, policy: { chargeDeadlineMinutes: 1440 } })).toThrow(/idempotency-key lifetime \(1440 minutes\)/);
    expect(() => createSessionsCore({ ...base, policy: { chargeDeadlineMinutes: 4320 } })).toThrow(expect.objectContaining({ code: 'INVALID_POLICY' }));
    expect(createSessionsCore({ ...base, policy: { chargeDeadlineMinutes: 1000 } }).policy.chargeDeadlineMinutes).toBe(1000);
  });

  it('a card changed between two calls of one attempt: IDEMPOTENCY_CONFLICT halts it at once (flagged, never resent); the first call\'s late success is then recorded', async () => {
    const env = await setUp(1, () => 'processing');
    env.clock.set(addMinutes(START, 120));
    expect(await env.core.settlement.run()).toMatchObject({ completed: 1, chargesPending: 1 });
    const [s] = env.sessions;
    // The student saves a new card while the first PaymentIntent is still processing.
    const customer = env.customers.get('student-0')!;
    env.customers.set('student-0', { customer: customer.customer, paymentMethod: world.fake.addPaymentMethod(customer.customer) });
    env.clock.advance({ minutes: 6 });
    expect(await env.core.settlement.run()).toMatchObject({ chargesNeedingAttention: 1 });
    expect(await env.core.sessions.get(s!.id)).toMatchObject({ chargeStatus: 'failed', chargeAttempts: 1 });
    expect((await env.core.charges.list(s!.id)).map((a) => [a.attempt, a.status, a.failureCode])).toEqual([[1, 'halted', 'IDEMPOTENCY_CONFLICT']]);
    const [halted] = await env.core.charges.list(s!.id);
    const flag = (await env.core.sessions.listEvents(s!.id)).find((e) => e.type === 'charge.needs_attention');
    expect(flag?.payload).toMatchObject({ reason: 'gateway_halted', code: 'IDEMPOTENCY_CONFLICT' });
    const creates = () => world.fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/payment_intents').length;
    const sent = creates();
    env.clock.advance({ minutes: 30 });
    await env.core.settlement.run();
    expect(creates()).toBe(sent); // never resent, with the old parameters or the new

    // The first PaymentIntent succeeds after all; Stripe says so by webhook.
    const [pi] = world.fake.paymentIntents;
    world.fake.finishProcessing(pi!.id, 'succeeded');
    const late: string[] = [];
    const handle = mountStripeWebhook({
      stripe: world.stripe,
      webhookSecret: WEBHOOK_SECRET,
      events: createMemoryEventStore(),
      recorder: { recordChargeAnswer: coreChargeRecorder(env.core, { onLateSuccess: (answer) => void late.push(`${answer.sessionId}#${answer.attempt}`) }) },
    });
    const event = world.fake.events.filter((e) => e.type === 'payment_intent.succeeded').at(-1)!;
    expect((await handle(await world.fake.webhookRequest(event, { secret: WEBHOOK_SECRET }))).status).toBe(200);
    expect(await env.core.sessions.get(s!.id)).toMatchObject({ chargeStatus: 'succeeded', chargeReference: pi!.id, chargeAttempts: 2, chargeIdempotencyKey: null });
    expect(late).toEqual([`${s!.id}#1`]);
    // The halted attempt never changes; the money taken is recorded on a row of its own (attempt 2, never sent).
    const ledger = await env.core.charges.list(s!.id);
    expect(ledger[0]).toEqual(halted);
    expect(ledger.map((a) => [a.attempt, a.status, a.gatewayReference, a.calls])).toEqual([
      [1, 'halted', pi!.id, 2],
      [2, 'succeeded', pi!.id, 0],
    ]);
    expect((await env.core.sessions.listEvents(s!.id)).find((e) => e.type === 'charge.succeeded')?.payload).toMatchObject({ attempt: 2, answeredAttempt: 1, late: true });
    env.clock.advance({ minutes: 30 });
    await env.core.settlement.run();
    expect(creates()).toBe(sent);
    expect((await env.core.sessions.listEvents(s!.id)).filter((e) => e.type === 'charge.needs_attention').map((e) => e.payload.reason)).toEqual([
      'gateway_halted',
      'late_success',
    ]);
  });

  it('a declined attempt that Stripe later reports succeeded (confirmed on-session) while attempt 2 collected: flagged as charged twice, once', async () => {
    const env = await setUp(1, () => ({ decline: 'insufficient_funds' }));
    env.clock.set(addMinutes(START, 120));
    await env.core.settlement.run();
    world.fake.setBehaviour(env.customers.get('student-0')!.paymentMethod, 'succeed');
    env.clock.advance({ minutes: 6 });
    expect(await env.core.settlement.run()).toMatchObject({ chargesSucceeded: 1 });
    const [s] = env.sessions;
    const failed = world.fake.events.find((e) => e.type === 'payment_intent.payment_failed')!;
    const object = failed.data.object as Record<string, unknown>;
    const succeeded = { ...failed, id: 'evt_late_success', type: 'payment_intent.succeeded', data: { object: { ...object, status: 'succeeded', last_payment_error: null } } };
    const handle = mountStripeWebhook({
      stripe: world.stripe,
      webhookSecret: WEBHOOK_SECRET,
      events: createMemoryEventStore(),
      recorder: { recordChargeAnswer: coreChargeRecorder(env.core) },
    });
    for (let i = 0; i < 2; i++) expect((await handle(await world.fake.webhookRequest(succeeded, { secret: WEBHOOK_SECRET }))).status).toBe(200);
    const flags = (await env.core.sessions.listEvents(s!.id)).filter((e) => e.type === 'charge.needs_attention');
    expect(flags.map((e) => e.payload)).toEqual([expect.objectContaining({ reason: 'late_success', attempt: 1, chargedTwice: true, succeededAttempt: 2 })]);
    // The ledger keeps its one success; the declined attempt stays declined.
    expect((await env.core.charges.list(s!.id)).map((a) => a.status)).toEqual(['failed', 'succeeded']);
  });

  it('an answer for a session the core does not know is acknowledged (200) and reported to onUnknownCharge', async () => {
    const env = await setUp(0);
    const unknown: string[] = [];
    const handle = mountStripeWebhook({
      stripe: world.stripe,
      webhookSecret: WEBHOOK_SECRET,
      events: createMemoryEventStore(),
      recorder: { recordChargeAnswer: coreChargeRecorder(env.core, { onUnknownCharge: (answer, error) => void unknown.push(`${answer.sessionId}:${error.code}`) }) },
    });
    const gateway = stripeGateway({ stripe: world.stripe, customerFor: () => ({ customer: world.customer, paymentMethod: world.paymentMethod }), connectedAccountFor: () => world.tutorAccount });
    await gateway.charge({ idempotencyKey: 'k-x', attempt: 1, sessionId: 'not-a-session', bookingId: 'bk-x', studentId: 's', tutorId: 't', outcome: 'COMPLETED_ASSUMED', amountMinor: 100, payoutMinor: 90, feeMinor: 10, currency: 'TTD', payoutTiming: 'with_charge' });
    const event = world.fake.events.find((e) => e.type === 'payment_intent.succeeded')!;
    expect((await handle(await world.fake.webhookRequest(event, { secret: WEBHOOK_SECRET }))).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(unknown).toEqual(['not-a-session:NOT_FOUND']);
  });

  it("the core's paymentMethodCheck wired to hasUsablePaymentMethod: a student without a usable card cannot book", async () => {
    const clock = createManualClock(addMinutes(START, -60));
    const expired = world.fake.addCustomer();
    const billing = new Map<string, { customer: string; paymentMethod: string | null }>([
      ['student-card', { customer: world.customer, paymentMethod: world.paymentMethod }],
      ['student-none', { customer: world.fake.addCustomer(), paymentMethod: null }],
      ['student-gone', { customer: expired, paymentMethod: 'pm_does_not_exist' }],
    ]);
    const cards = stripeCardSetup({ stripe: world.stripe, customerFor: (studentId) => billing.get(studentId) ?? null });
    const core = createSessionsCore({
      adapter: createInMemoryAdapter({ clock }),
      videoProvider: createFakeVideoProvider(),
      paymentGateway: stripeGateway({ stripe: world.stripe, customerFor: (id) => billing.get(id) ?? null, connectedAccountFor: () => world.tutorAccount }),
      clock,
      policy: { chargeDeadlineMinutes: 1380 },
      paymentMethodCheck: cards.hasUsablePaymentMethod,
    });
    await core.providers.connect({ tutorId: 'tutor-a', provider: 'zoom', tokens: null });
    const book = (studentId: string) =>
      core.sessions.create({ bookingId: `bk-${studentId}`, tutorId: 'tutor-a', studentId, scheduledStartAt: START, durationMinutes: 60, priceMinor: 15_000 });
    expect((await book('student-card')).created).toBe(true);
    for (const studentId of ['student-none', 'student-gone', 'student-unknown']) {
      await expect(book(studentId)).rejects.toMatchObject({ code: 'NO_PAYMENT_METHOD' });
    }
  });
});
