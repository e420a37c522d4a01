import { createSessionsCore, type SessionsCore } from '@itutor/sessions-core';
import { createFakeVideoProvider, createInMemoryAdapter, createManualClock } from '@itutor/sessions-core/testing';
import { describe, expect, it, vi } from 'vitest';
import {
  coreRefundRecorder,
  stripeGateway,
  type StripeWebhookOptions,
  type WebhookForeignRefund,
  type WebhookRefundAnswer,
} from '../src/index';
import Stripe from 'stripe';
import { createMemoryEventStore, createStripeFake, type FakeEvent } from '../src/testing/index';
import { mountStripeWebhook, useStripeFake, WEBHOOK_SECRET } from './support';

const world = useStripeFake();
const START = new Date('2026-06-01T14:00:00.000Z');
const addMinutes = (at: Date, minutes: number) => new Date(at.getTime() + minutes * 60_000);

/** One session of 15 000 minor units, settled and paid through the Stripe gateway against the fake. */
async function paid() {
  const clock = createManualClock(addMinutes(START, -24 * 60));
  const account = world.fake.addConnectedAccount();
  const customer = world.fake.addCustomer();
  const paymentMethod = world.fake.addPaymentMethod(customer, 'succeed');
  const core = createSessionsCore({
    adapter: createInMemoryAdapter(),
    videoProvider: createFakeVideoProvider(),
    paymentGateway: stripeGateway({ stripe: world.stripe, customerFor: () => ({ customer, paymentMethod }), connectedAccountFor: () => account, requestTimeoutMs: 250 }),
    clock,
    settlement: { chargeTimeoutMs: 400, runBudgetMs: 20_000 },
    policy: { chargeDeadlineMinutes: 1380 },
  });
  await core.providers.connect({ tutorId: 'tutor-a', provider: 'zoom', tokens: null });
  const { session } = await core.sessions.create({
    bookingId: 'bk-1',
    tutorId: 'tutor-a',
    studentId: 'student-a',
    scheduledStartAt: START,
    durationMinutes: 60,
    priceMinor: 15_000,
  });
  clock.set(addMinutes(START, 60));
  expect((await core.settlement.run()).chargesSucceeded).toBe(1);
  const paymentIntent = (await core.sessions.get(session.id))!.chargeReference!;
  return { core, clock, sessionId: session.id, paymentIntent };
}

/** The webhook handler recording refund answers into `core`, with the answers and foreign refunds it saw. */
function webhook(core: SessionsCore, extra: Partial<StripeWebhookOptions> = {}) {
  const answers: WebhookRefundAnswer[] = [];
  const foreign: WebhookForeignRefund[] = [];
  const store = createMemoryEventStore();
  const record = coreRefundRecorder(core);
  const handle = mountStripeWebhook({
    stripe: world.stripe,
    webhookSecret: WEBHOOK_SECRET,
    events: store,
    recorder: {
      recordChargeAnswer: async () => undefined,
      recordRefundAnswer: async (answer) => {
        answers.push(answer);
        await record(answer);
      },
    },
    onForeignRefund: (refund) => void foreign.push(refund),
    ...extra,
  });
  const deliver = async (event: FakeEvent) => handle(await world.fake.webhookRequest(event, { secret: WEBHOOK_SECRET }));
  return { handle, deliver, store, answers, foreign };
}

const lastEvent = (type: string): FakeEvent => {
  const found = world.fake.events.filter((e) => e.type === type).at(-1);
  if (!found) throw new Error(`no ${type} event`);
  return found;
};

/** What a webhook could change: the session's version and events, and its refund rows. */
async function ledgerOf(core: SessionsCore, sessionId: string) {
  const session = (await core.sessions.get(sessionId))!;
  return { version: session.version, refunds: await core.refunds.list(sessionId) };
}

describe('stripeWebhookRoutes + coreRefundRecorder: refunds into the ledger', () => {
  it('a refund whose answer was lost (unknown) is completed by charge.refunded (refunds read with refunds.list)', async () => {
    const { core, sessionId } = await paid();
    world.fake.failNext({ kind: 'drop', processed: true }, { path: '/v1/refunds' });
    const lost = await core.refunds.create({ sessionId, amountMinor: 5_000, reason: 'short lesson', actorId: 'admin-1' });
    expect(lost.refund).toMatchObject({ refund: 1, status: 'unknown', gatewayReference: null });
    const [stripeRefund] = world.fake.refunds;

    const { deliver, answers, foreign, store } = webhook(core);
    const event = lastEvent('charge.refunded');
    // The Charge of current API versions does not embed its refunds: the handler lists them.
    expect(event.data.object).not.toHaveProperty('refunds');
    const response = await deliver(event);
    expect(response.status).toBe(200);
    expect(world.fake.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/v1/refunds?'))).toHaveLength(1);
    expect(answers).toEqual([
      { sessionId, refundNumber: 1, attempt: 1, result: { status: 'succeeded', reference: stripeRefund!.id }, refundId: stripeRefund!.id, eventId: event.id },
    ]);
    expect(foreign).toEqual([]);
    expect(store.seen.has(event.id)).toBe(true);
    expect(await core.refunds.list(sessionId)).toMatchObject([{ refund: 1, status: 'succeeded', gatewayReference: stripeRefund!.id, amountMinor: 5_000 }]);
    // Nothing is sent to Stripe again: the refund is settled.
    expect((await core.refunds.retry()).retried).toBe(0);
  });

  it('refunds embedded in the Charge (API versions before 2022-11-15) are read from the event, without a request', async () => {
    const { core, sessionId } = await paid();
    world.fake.failNext({ kind: 'drop', processed: true }, { path: '/v1/refunds' });
    await core.refunds.create({ sessionId, amountMinor: 1_000, reason: 'part', actorId: 'admin-1' });
    const [stripeRefund] = world.fake.refunds;
    const event = lastEvent('charge.refunded');
    const charge = event.data.object as Record<string, unknown>;
    const withRefunds: FakeEvent = { ...event, data: { object: { ...charge, refunds: { object: 'list', data: [stripeRefund], has_more: false } } } };
    const { deliver } = webhook(core);
    expect((await deliver(withRefunds)).status).toBe(200);
    expect(world.fake.requests.some((r) => r.method === 'GET' && r.path.startsWith('/v1/refunds'))).toBe(false);
    expect(await core.refunds.list(sessionId)).toMatchObject([{ status: 'succeeded', gatewayReference: stripeRefund!.id }]);
  });

  it('a refund Stripe accepted (pending) and then failed is recorded as failed with Stripe\'s failure_reason (refund.failed)', async () => {
    const { core, sessionId } = await paid();
    world.fake.setRefundBehaviour('pending');
    const { refund } = await core.refunds.create({ sessionId, amountMinor: 4_000, reason: 'dispute', actorId: 'admin-1' });
    expect(refund.status).toBe('pending');
    const { deliver } = webhook(core);
    // charge.refunded while the refund is still pending: nothing changes.
    const before = await ledgerOf(core, sessionId);
    expect((await deliver(lastEvent('charge.refunded'))).status).toBe(200);
    expect(await ledgerOf(core, sessionId)).toEqual(before);

    world.fake.finishRefund(world.fake.refunds[0]!.id, { failure: 'lost_or_stolen_card' });
    expect((await deliver(lastEvent('refund.failed'))).status).toBe(200);
    expect(await core.refunds.list(sessionId)).toMatchObject([{ refund: 1, status: 'failed', failureCode: 'lost_or_stolen_card' }]);
    // The failed refund's amount is free again: the whole charge can be refunded.
    expect((await core.refunds.create({ sessionId, reason: 'again', actorId: 'admin-1' })).refund).toMatchObject({ refund: 2, amountMinor: 15_000 });
  });

  it('the fake embeds the refunds in charge.refunded under embedRefundsInCharge, and lists them newest first', async () => {
    const fake = createStripeFake({ embedRefundsInCharge: true });
    const stripe = new Stripe(fake.apiKey, { httpClient: Stripe.createFetchHttpClient(fake.fetch), telemetry: false, maxNetworkRetries: 0 });
    const customer = fake.addCustomer();
    const pi = await stripe.paymentIntents.create({
      amount: 1_000,
      currency: 'ttd',
      customer,
      payment_method: fake.addPaymentMethod(customer),
      confirm: true,
      off_session: true,
    });
    const one = await stripe.refunds.create({ payment_intent: pi.id, amount: 100 });
    const two = await stripe.refunds.create({ payment_intent: pi.id, amount: 200 });
    const charge = fake.events.filter((e) => e.type === 'charge.refunded').at(-1)!.data.object as { refunds: { data: Array<{ id: string }>; has_more: boolean } };
    expect(charge.refunds.data.map((r) => r.id)).toEqual([two.id, one.id]);
    const listed = await stripe.refunds.list({ charge: fake.charges[0]!.id, limit: 1 });
    expect(listed.data.map((r) => r.id)).toEqual([two.id]);
    expect(listed.has_more).toBe(true);
    const next = await stripe.refunds.list({ charge: fake.charges[0]!.id, limit: 1, starting_after: two.id });
    expect(next.data.map((r) => r.id)).toEqual([one.id]);
    expect(next.has_more).toBe(false);
  });

  it('a pending refund that succeeds is finished by refund.updated; a canceled one fails with `canceled`', async () => {
    const { core, sessionId } = await paid();
    world.fake.setRefundBehaviour('pending');
    await core.refunds.create({ sessionId, amountMinor: 2_000, reason: 'one', actorId: 'admin-1' });
    await core.refunds.create({ sessionId, amountMinor: 3_000, reason: 'two', actorId: 'admin-1' });
    const [first, second] = world.fake.refunds;
    const { deliver } = webhook(core);
    world.fake.finishRefund(first!.id, 'succeeded');
    expect((await deliver(lastEvent('refund.updated'))).status).toBe(200);
    world.fake.finishRefund(second!.id, 'canceled');
    expect((await deliver(lastEvent('charge.refund.updated'))).status).toBe(200);
    expect(await core.refunds.list(sessionId)).toMatchObject([
      { refund: 1, status: 'succeeded', gatewayReference: first!.id },
      { refund: 2, status: 'failed', failureCode: 'canceled' },
    ]);
  });

  it('a refund made in the Stripe dashboard → onForeignRefund, and no ledger change', async () => {
    const { core, sessionId, paymentIntent } = await paid();
    const before = await ledgerOf(core, sessionId);
    const dashboard = await world.stripe.refunds.create({ payment_intent: paymentIntent, amount: 2_500 });
    const { deliver, answers, foreign } = webhook(core);
    const event = lastEvent('charge.refunded');
    expect((await deliver(event)).status).toBe(200);
    expect(answers).toEqual([]);
    expect(foreign).toEqual([
      {
        refundId: dashboard.id,
        sessionId,
        attempt: 1,
        chargeId: world.fake.charges[0]!.id,
        paymentIntentId: paymentIntent,
        amountMinor: 2_500,
        status: 'succeeded',
        eventId: event.id,
      },
    ]);
    // refund.created of a refund this SDK did not make is ignored (charge.refunded reports it).
    const created = await deliver(lastEvent('refund.created'));
    expect(await created.json()).toMatchObject({ ignored: 'not a refund of this SDK' });
    expect(await ledgerOf(core, sessionId)).toEqual(before);
  });

  it('replays change nothing: the same event again is a duplicate, and other events about a settled refund are no-ops', async () => {
    const { core, sessionId } = await paid();
    world.fake.failNext({ kind: 'drop', processed: true }, { path: '/v1/refunds' });
    await core.refunds.create({ sessionId, amountMinor: 5_000, reason: 'short lesson', actorId: 'admin-1' });
    const { deliver, store } = webhook(core);
    const event = lastEvent('charge.refunded');
    expect((await deliver(event)).status).toBe(200);
    const after = await ledgerOf(core, sessionId);
    const version = (await core.sessions.get(sessionId))!.version;

    const again = await deliver(event);
    expect(await again.json()).toEqual({ received: true, duplicate: true });
    // A "restart": a new handler over the same event store still sees a duplicate.
    const restarted = webhook(core, { events: store });
    expect(await (await restarted.deliver(event)).json()).toEqual({ received: true, duplicate: true });
    expect(restarted.answers).toEqual([]);
    // refund.created (another event id, the same refund): recorded again, changes nothing.
    expect((await deliver(lastEvent('refund.created'))).status).toBe(200);
    expect(await ledgerOf(core, sessionId)).toEqual(after);
    expect((await core.sessions.get(sessionId))!.version).toBe(version);
  });

  it('a refunds.list failure → 500, the event is not remembered, and Stripe\'s next delivery records it', async () => {
    const { core, sessionId } = await paid();
    world.fake.failNext({ kind: 'drop', processed: true }, { path: '/v1/refunds' });
    await core.refunds.create({ sessionId, amountMinor: 5_000, reason: 'short lesson', actorId: 'admin-1' });
    const onError = vi.fn();
    const { deliver, store, answers } = webhook(core, { onError });
    // Both tries (the client retries a read once) answer 500.
    world.fake.failNext({ kind: 'server_error' }, { method: 'GET', path: '/v1/refunds', times: 2 });
    const event = lastEvent('charge.refunded');
    const failed = await deliver(event);
    expect(failed.status).toBe(500);
    expect(failed.headers.get('content-type')).toBe('application/problem+json');
    expect(store.seen.size).toBe(0);
    expect(answers).toEqual([]);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(await core.refunds.list(sessionId)).toMatchObject([{ status: 'unknown' }]);

    expect((await deliver(event)).status).toBe(200);
    expect(store.seen.has(event.id)).toBe(true);
    expect(await core.refunds.list(sessionId)).toMatchObject([{ status: 'succeeded' }]);
  });

  it('a refunds.list that hangs → 500 within requestTimeoutMs, nothing remembered', async () => {
    const { core, sessionId } = await paid();
    await core.refunds.create({ sessionId, amountMinor: 5_000, reason: 'short lesson', actorId: 'admin-1' });
    world.fake.failNext({ kind: 'hang' }, { method: 'GET', path: '/v1/refunds', times: 2 });
    const { deliver, store } = webhook(core, { requestTimeoutMs: 200 });
    const started = Date.now();
    const response = await deliver(lastEvent('charge.refunded'));
    expect(response.status).toBe(500);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(store.seen.size).toBe(0);
    world.fake.releaseHangs();
  });

  it('coreRefundRecorder: an answer for a refund the core does not know → onUnknownRefund, acknowledged; a failure after success → onLateRefundFailure', async () => {
    const { core, sessionId } = await paid();
    const { refund } = await core.refunds.create({ sessionId, amountMinor: 1_000, reason: 'part', actorId: 'admin-1' });
    expect(refund.status).toBe('succeeded');
    const onUnknownRefund = vi.fn();
    const onLateRefundFailure = vi.fn();
    const record = coreRefundRecorder(core, { onUnknownRefund, onLateRefundFailure });
    const base = { attempt: 1, refundId: 're_x', eventId: 'evt_x' };
    await record({ ...base, sessionId: 'no-such-session', refundNumber: 1, result: { status: 'succeeded' } });
    await record({ ...base, sessionId, refundNumber: 9, result: { status: 'succeeded' } });
    await vi.waitFor(() => expect(onUnknownRefund).toHaveBeenCalledTimes(2));
    // Stripe lets a succeeded refund fail later: the core keeps it settled, the host is told.
    world.fake.finishRefund(world.fake.refunds[0]!.id, { failure: 'expired_or_canceled_card' });
    const { deliver } = webhook(core, { recorder: { recordChargeAnswer: async () => undefined, recordRefundAnswer: record } });
    expect((await deliver(lastEvent('refund.failed'))).status).toBe(200);
    await vi.waitFor(() => expect(onLateRefundFailure).toHaveBeenCalledTimes(1));
    expect(onLateRefundFailure.mock.calls[0]![0]).toMatchObject({ sessionId, refundNumber: 1, result: { status: 'failed', failureCode: 'expired_or_canceled_card' } });
    expect(await core.refunds.list(sessionId)).toMatchObject([{ status: 'succeeded' }]);
  });

  it('refund metadata that does not match this SDK\'s key format is foreign, not a ledger answer', async () => {
    const { core, sessionId, paymentIntent } = await paid();
    await world.stripe.refunds.create({
      payment_intent: paymentIntent,
      amount: 100,
      metadata: { itutor_session_id: sessionId, itutor_attempt: '1', itutor_refund_key: `itutor-refund-other-1-1` },
    });
    const { deliver, answers, foreign } = webhook(core);
    expect((await deliver(lastEvent('charge.refunded'))).status).toBe(200);
    expect(answers).toEqual([]);
    expect(foreign).toHaveLength(1);
  });
});
