import { createManualClock } from '@itutor/sessions-core/testing';
import Stripe from 'stripe';
import { describe, expect, it, vi } from 'vitest';
import { stripeWebhookRoutes, type StripeWebhookRecorder, type WebhookChargeAnswer, type WebhookRefund } from '../src/index';
import { createMemoryEventStore, type FakeEvent } from '../src/testing/index';
import { gatewayFor, instruction, mountStripeWebhook, useStripeFake, WEBHOOK_SECRET } from './support';

const world = useStripeFake();

function recorder() {
  const answers: WebhookChargeAnswer[] = [];
  const refunds: WebhookRefund[] = [];
  const cards: unknown[] = [];
  const impl: StripeWebhookRecorder = {
    recordChargeAnswer: vi.fn(async (a: WebhookChargeAnswer) => void answers.push(a)),
    recordRefund: vi.fn(async (r: WebhookRefund) => void refunds.push(r)),
    recordCardSaved: vi.fn(async (c: unknown) => void cards.push(c)),
  };
  return { impl, answers, refunds, cards };
}

const events = (type: string) => world.fake.events.filter((e) => e.type === type);
const lastEvent = (type: string): FakeEvent => {
  const found = events(type).at(-1);
  if (!found) throw new Error(`no ${type} event`);
  return found;
};

/** A delivery signed with the official client's own test helper. */
async function signedByClient(payload: string, options: { secret?: string; timestamp?: number } = {}) {
  const header = await world.stripe.webhooks.generateTestHeaderStringAsync({
    payload,
    secret: options.secret ?? WEBHOOK_SECRET,
    ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }),
  });
  return new Request('https://tutor.example/api/webhooks/stripe', { method: 'POST', headers: { 'stripe-signature': header, 'content-type': 'application/json' }, body: payload });
}

function handler(store = createMemoryEventStore(), rec = recorder(), extra: Partial<Parameters<typeof stripeWebhookRoutes>[0]> = {}) {
  return { handle: mountStripeWebhook({ stripe: world.stripe, webhookSecret: WEBHOOK_SECRET, events: store, recorder: rec.impl, ...extra }), store, rec };
}

describe('stripeWebhookRoutes: signatures', () => {
  it('a good signature (the client\'s own test header) → 200, the charge answer recorded for its session and attempt', async () => {
    await gatewayFor(world).charge(instruction({ attempt: 2, idempotencyKey: 'k2' }));
    const event = lastEvent('payment_intent.succeeded');
    const { handle, rec, store } = handler();
    const response = await handle(await signedByClient(JSON.stringify(event)));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true });
    expect(rec.answers).toEqual([{ sessionId: 's1', attempt: 2, result: { status: 'succeeded', reference: world.fake.paymentIntents[0]!.id }, eventId: event.id }]);
    expect(store.seen.has(event.id)).toBe(true);
  });

  it('the fake signs deliveries the way the client verifies them', async () => {
    await gatewayFor(world).charge(instruction());
    const { handle, rec } = handler();
    const response = await handle(await world.fake.webhookRequest(lastEvent('payment_intent.succeeded'), { secret: WEBHOOK_SECRET }));
    expect(response.status).toBe(200);
    expect(rec.answers).toHaveLength(1);
  });

  it('a tampered body, a wrong secret, a missing header → 400 problem+json, nothing recorded or remembered', async () => {
    await gatewayFor(world).charge(instruction());
    const event = lastEvent('payment_intent.succeeded');
    const { handle, rec, store } = handler();
    const good = await world.fake.webhookRequest(event, { secret: WEBHOOK_SECRET });
    const tampered = new Request(good.url, { method: 'POST', headers: good.headers, body: (await good.text()).replace('"succeeded"', '"succeeded" ') });
    const wrongSecret = await signedByClient(JSON.stringify(event), { secret: 'whsec_someone_else' });
    const noHeader = new Request(good.url, { method: 'POST', body: JSON.stringify(event) });
    for (const request of [tampered, wrongSecret, noHeader]) {
      const response = await handle(request);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(await response.json()).toMatchObject({ code: 'INVALID_INPUT' });
    }
    expect(rec.answers).toHaveLength(0);
    expect(store.seen.size).toBe(0);
  });

  it('a stale timestamp (outside the tolerance) → 400; inside it → 200', async () => {
    await gatewayFor(world).charge(instruction());
    const payload = JSON.stringify(lastEvent('payment_intent.succeeded'));
    const now = Math.floor(Date.now() / 1000);
    const { handle, rec } = handler(undefined, undefined, { toleranceSeconds: 300 });
    expect((await handle(await signedByClient(payload, { timestamp: now - 301 }))).status).toBe(400);
    expect(rec.answers).toHaveLength(0);
    expect((await handle(await signedByClient(payload, { timestamp: now - 290 }))).status).toBe(200);
  });

  it('the timestamp check reads the injected clock', async () => {
    await gatewayFor(world).charge(instruction());
    const event = lastEvent('payment_intent.succeeded');
    const clock = createManualClock(new Date('2031-01-01T00:00:00Z'));
    const { handle } = handler(undefined, undefined, { clock });
    const signedAt = Math.floor(clock.now().getTime() / 1000);
    expect((await handle(await world.fake.webhookRequest(event, { secret: WEBHOOK_SECRET, timestamp: signedAt }))).status).toBe(200);
    clock.advance({ minutes: 6 });
    const later = handler(undefined, undefined, { clock });
    expect((await later.handle(await world.fake.webhookRequest(event, { secret: WEBHOOK_SECRET, timestamp: signedAt }))).status).toBe(400);
  });

  it('while rolling the secret, either secret verifies', async () => {
    await gatewayFor(world).charge(instruction());
    const { handle } = handler(undefined, undefined, { webhookSecret: ['whsec_new_one', WEBHOOK_SECRET] });
    expect((await handle(await world.fake.webhookRequest(lastEvent('payment_intent.succeeded'), { secret: WEBHOOK_SECRET }))).status).toBe(200);
  });
});

describe('stripeWebhookRoutes: deduplication', () => {
  it('a replayed event → 200 duplicate, recorded once', async () => {
    await gatewayFor(world).charge(instruction());
    const event = lastEvent('payment_intent.succeeded');
    const { handle, rec } = handler();
    expect((await handle(await world.fake.webhookRequest(event, { secret: WEBHOOK_SECRET }))).status).toBe(200);
    const again = await handle(await world.fake.webhookRequest(event, { secret: WEBHOOK_SECRET }));
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ received: true, duplicate: true });
    expect(rec.answers).toHaveLength(1);
  });

  it('after a restart (a new handler over the same store) the event is still a duplicate', async () => {
    await gatewayFor(world).charge(instruction());
    const event = lastEvent('payment_intent.succeeded');
    const store = createMemoryEventStore();
    const before = handler(store);
    await before.handle(await world.fake.webhookRequest(event, { secret: WEBHOOK_SECRET }));
    const after = handler(store);
    expect(await (await after.handle(await world.fake.webhookRequest(event, { secret: WEBHOOK_SECRET }))).json()).toMatchObject({ duplicate: true });
    expect(after.rec.answers).toHaveLength(0);
  });

  it('a flood of concurrent duplicate deliveries is recorded once', async () => {
    await gatewayFor(world).charge(instruction());
    const event = lastEvent('payment_intent.succeeded');
    const { handle, rec } = handler();
    const responses = await Promise.all(Array.from({ length: 20 }, async () => handle(await world.fake.webhookRequest(event, { secret: WEBHOOK_SECRET }))));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(rec.answers).toHaveLength(1);
  });

  it('a recorder failure → 500 and the event is not remembered, so Stripe\'s next delivery is recorded', async () => {
    await gatewayFor(world).charge(instruction());
    const event = lastEvent('payment_intent.succeeded');
    const rec = recorder();
    const onError = vi.fn();
    let failing = true;
    rec.impl.recordChargeAnswer = vi.fn(async (a: WebhookChargeAnswer) => {
      if (failing) throw new Error('database down');
      rec.answers.push(a);
    });
    const { handle, store } = handler(undefined, rec, { onError });
    const failed = await handle(await world.fake.webhookRequest(event, { secret: WEBHOOK_SECRET }));
    expect(failed.status).toBe(500);
    expect(await failed.json()).toMatchObject({ code: 'INTERNAL' });
    expect(store.seen.has(event.id)).toBe(false);
    expect(onError).toHaveBeenCalledWith(expect.any(Error), expect.objectContaining({ id: event.id }));
    failing = false;
    expect((await handle(await world.fake.webhookRequest(event, { secret: WEBHOOK_SECRET }))).status).toBe(200);
    expect(rec.answers).toHaveLength(1);
    expect(store.seen.has(event.id)).toBe(true);
  });

  it('an event store that fails → 500, nothing recorded', async () => {
    await gatewayFor(world).charge(instruction());
    const { handle, rec } = handler({ remember: async () => { throw new Error('down'); }, forget: async () => undefined } as never);
    expect((await handle(await world.fake.webhookRequest(lastEvent('payment_intent.succeeded'), { secret: WEBHOOK_SECRET }))).status).toBe(500);
    expect(rec.answers).toHaveLength(0);
  });
});

describe('stripeWebhookRoutes: what is recorded', () => {
  it('payment_failed → failed with the decline code; processing → unknown; both for the charge\'s attempt', async () => {
    world.fake.setBehaviour(world.paymentMethod, { decline: 'insufficient_funds' });
    await gatewayFor(world).charge(instruction());
    world.fake.setBehaviour(world.paymentMethod, 'processing');
    await gatewayFor(world).charge(instruction({ idempotencyKey: 'k2', attempt: 2 }));
    const { handle, rec } = handler();
    for (const type of ['payment_intent.payment_failed', 'payment_intent.processing']) {
      expect((await handle(await world.fake.webhookRequest(lastEvent(type), { secret: WEBHOOK_SECRET }))).status).toBe(200);
    }
    const [declined, processing] = world.fake.paymentIntents;
    expect(rec.answers.map(({ eventId: _e, ...a }) => a)).toEqual([
      { sessionId: 's1', attempt: 1, result: { status: 'failed', failureCode: 'insufficient_funds', reference: declined!.id } },
      { sessionId: 's1', attempt: 2, result: { status: 'unknown', reason: 'processing', reference: processing!.id } },
    ]);
    world.fake.finishProcessing(processing!.id, 'succeeded');
    await handle(await world.fake.webhookRequest(lastEvent('payment_intent.succeeded'), { secret: WEBHOOK_SECRET }));
    expect(rec.answers.at(-1)).toMatchObject({ attempt: 2, result: { status: 'succeeded', reference: processing!.id } });
  });

  it('charge.refunded → the refund, with the attempt from the charge\'s metadata or, failing that, its PaymentIntent\'s', async () => {
    await gatewayFor(world).charge(instruction());
    const pi = world.fake.paymentIntents[0]!;
    await world.stripe.refunds.create({ payment_intent: pi.id, amount: 5_000, reverse_transfer: true, refund_application_fee: true });
    const { handle, rec } = handler();
    const event = lastEvent('charge.refunded');
    expect((await handle(await world.fake.webhookRequest(event, { secret: WEBHOOK_SECRET }))).status).toBe(200);
    const expected = { sessionId: 's1', attempt: 1, paymentIntentId: pi.id, chargeId: pi.latest_charge, amountMinor: 15_000, amountRefundedMinor: 5_000, fullyRefunded: false };
    expect(rec.refunds).toEqual([{ ...expected, eventId: event.id }]);

    const withoutMetadata: FakeEvent = { ...event, id: `${event.id}_bare`, data: { object: { ...(event.data.object as object), metadata: {} } } };
    expect((await handle(await world.fake.webhookRequest(withoutMetadata, { secret: WEBHOOK_SECRET }))).status).toBe(200);
    expect(rec.refunds[1]).toEqual({ ...expected, eventId: withoutMetadata.id });
    expect(world.fake.requests.some((r) => r.method === 'GET' && r.path.startsWith(`/v1/payment_intents/${pi.id}`))).toBe(true);
  });

  it('unknown event types, and PaymentIntents that are not this SDK\'s, → 200 ignored, nothing recorded or remembered', async () => {
    await gatewayFor(world).charge(instruction());
    await world.stripe.paymentIntents.create({ amount: 500, currency: 'ttd', customer: world.customer, payment_method: world.paymentMethod, confirm: true, off_session: true });
    const { handle, rec, store } = handler();
    const foreign = lastEvent('payment_intent.succeeded');
    for (const event of [lastEvent('charge.succeeded'), lastEvent('payment_intent.created'), foreign]) {
      const response = await handle(await world.fake.webhookRequest(event, { secret: WEBHOOK_SECRET }));
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ received: true, ignored: expect.any(String) });
    }
    expect(rec.answers).toHaveLength(0);
    expect(store.seen.size).toBe(0);
  });

  it('a recorder without recordRefund / recordCardSaved acknowledges those events', async () => {
    const customerSetup = await world.stripe.setupIntents.create({ customer: world.customer, usage: 'off_session', metadata: { itutor_student_id: 'student-1' } });
    world.fake.completeSetup(customerSetup.id);
    const handle = mountStripeWebhook({ stripe: world.stripe, webhookSecret: WEBHOOK_SECRET, events: createMemoryEventStore(), recorder: { recordChargeAnswer: async () => undefined } });
    const response = await handle(await world.fake.webhookRequest(lastEvent('setup_intent.succeeded'), { secret: WEBHOOK_SECRET }));
    expect(await response.json()).toMatchObject({ ignored: 'saved cards are not recorded' });
  });

  it('wrong method → 405 with Allow; an oversized body → 413', async () => {
    const { handle } = handler(undefined, undefined, { maxBodyBytes: 1_000 });
    const get = await handle(new Request('https://tutor.example/api/webhooks/stripe'));
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const big = await handle(new Request('https://tutor.example/api/webhooks/stripe', { method: 'POST', headers: { 'stripe-signature': 't=1,v1=00' }, body: 'x'.repeat(2_000) }));
    expect(big.status).toBe(413);
  });

  it('is a route plug-in: POST /webhooks/stripe under the mount, or the path given', async () => {
    const plugin = stripeWebhookRoutes({ stripe: world.stripe, webhookSecret: WEBHOOK_SECRET, events: createMemoryEventStore(), recorder: recorder().impl });
    expect(plugin.routes.map(({ methods, path, auth }) => ({ methods, path, auth }))).toEqual([{ methods: ['POST'], path: '/webhooks/stripe', auth: 'none' }]);
    await gatewayFor(world).charge(instruction());
    const event = lastEvent('payment_intent.succeeded');
    const { handle, rec } = handler(undefined, undefined, { path: '/hooks/stripe-live' });
    expect((await handle(await world.fake.webhookRequest(event, { secret: WEBHOOK_SECRET }))).status).toBe(404);
    const moved = await handle(await world.fake.webhookRequest(event, { secret: WEBHOOK_SECRET, url: 'http://localhost/api/hooks/stripe-live' }));
    expect(moved.status).toBe(200);
    expect(rec.answers).toHaveLength(1);
  });

  it('the body reaches the signature check byte for byte through the mount: pretty-printed JSON and non-ASCII text verify, one changed space does not', async () => {
    await gatewayFor(world).charge(instruction());
    const event = lastEvent('payment_intent.succeeded');
    // Spacing, CRLF line ends and a non-ASCII description: any re-encoding on the way would break the signature.
    const payload = JSON.stringify({ ...event, data: { object: { ...(event.data.object as object), description: 'Séance — 60 min ✓' } } }, null, 3).replace(/\n/g, '\r\n');
    const { handle, rec } = handler();
    expect((await handle(await signedByClient(payload))).status).toBe(200);
    expect(rec.answers).toHaveLength(1);
    const signed = await signedByClient(payload.replace('\r\n', '\r\n '));
    const altered = new Request(signed.url, { method: 'POST', headers: { 'stripe-signature': (await signedByClient(payload)).headers.get('stripe-signature')! }, body: await signed.text() });
    expect((await handle(altered)).status).toBe(400);
  });

  it('refuses to start without a signing secret', () => {
    expect(() => mountStripeWebhook({ stripe: new Stripe('sk_test_x'), webhookSecret: ' ', events: createMemoryEventStore(), recorder: { recordChargeAnswer: async () => undefined } })).toThrow(
      /webhookSecret/,
    );
  });
});
