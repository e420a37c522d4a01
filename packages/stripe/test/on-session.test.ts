import { isSessionError } from '@itutor/sessions-core';
import Stripe from 'stripe';
import { describe, expect, it, vi } from 'vitest';
import { stripeGateway, type StripeClientLike, type StripePaymentIntentLike, type WebhookChargeAnswer } from '../src/index';
import { createMemoryEventStore } from '../src/testing/index';
import { gatewayFor, instruction, mountStripeWebhook, useStripeFake, WEBHOOK_SECRET } from './support';

const world = useStripeFake();
const creates = () => world.fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/payment_intents');
/** The on-session attempt after an off-session one that needed the student: attempt 2, its own key. */
const onSession = (overrides: Parameters<typeof instruction>[0] = {}) => instruction({ attempt: 2, idempotencyKey: 'itutor-session-s1-COMPLETED_ASSUMED-2', ...overrides });

describe('payment recovery: the off-session charge that needs the student, then the on-session one', () => {
  it('end to end against the fake: needsCustomer → client secret → 3-D Secure → succeeded; every later call answers the same PaymentIntent as it stands', async () => {
    world.fake.setBehaviour(world.paymentMethod, 'authentication_required');
    const gateway = gatewayFor(world);
    const offSession = await gateway.charge(instruction());
    expect(offSession).toMatchObject({ status: 'failed', failureCode: 'authentication_required', needsCustomer: true });

    const started = await gateway.startOnSessionCharge(onSession());
    const pi = world.fake.paymentIntents[1]!;
    expect(started).toEqual({ status: 'requires_customer', clientSecret: pi.client_secret, reference: pi.id });
    expect(pi).toMatchObject({ status: 'requires_confirmation', off_session: false, payment_method: world.paymentMethod });

    // The student came back before finishing: the same PaymentIntent, the same secret.
    expect(await gateway.startOnSessionCharge(onSession())).toEqual(started);
    expect(world.fake.paymentIntents).toHaveLength(2);

    world.fake.authenticate(pi.id, 'succeed');
    expect(await gateway.startOnSessionCharge(onSession())).toEqual({ status: 'succeeded', reference: pi.id });
    // Stripe replayed the create's first answer each time (requires_confirmation); the read said how it stands.
    expect(creates().map((r) => [r.idempotencyKey, r.replayed])).toEqual([
      ['itutor-session-s1-COMPLETED_ASSUMED-1', false],
      ['itutor-session-s1-COMPLETED_ASSUMED-2', false],
      ['itutor-session-s1-COMPLETED_ASSUMED-2', true],
      ['itutor-session-s1-COMPLETED_ASSUMED-2', true],
    ]);
    // The money moved as for an off-session destination charge: the tutor's transfer is the payout.
    const charge = world.fake.charges.find((c) => c.payment_intent === pi.id)!;
    expect(charge).toMatchObject({ status: 'succeeded', amount: 15_000, application_fee_amount: 1_500 });
    expect(world.fake.transfers.find((t) => t.id === charge.transfer)).toMatchObject({ amount: 13_500, destination: world.tutorAccount, source_transaction: charge.id });
  });

  it("the webhook reports the on-session payment's outcome for its attempt, like any charge's", async () => {
    world.fake.setBehaviour(world.paymentMethod, 'authentication_required');
    const gateway = gatewayFor(world);
    const started = await gateway.startOnSessionCharge(onSession());
    world.fake.authenticate(started.reference!, 'succeed');
    const answers: WebhookChargeAnswer[] = [];
    const handle = mountStripeWebhook({ stripe: world.stripe, webhookSecret: WEBHOOK_SECRET, events: createMemoryEventStore(), recorder: { recordChargeAnswer: async (a) => void answers.push(a) } });
    const event = world.fake.events.filter((e) => e.type === 'payment_intent.succeeded').at(-1)!;
    expect((await handle(await world.fake.webhookRequest(event, { secret: WEBHOOK_SECRET }))).status).toBe(200);
    expect(answers).toEqual([{ sessionId: 's1', attempt: 2, result: { status: 'succeeded', reference: started.reference }, eventId: event.id }]);
  });

  it('the request: the charge\'s amount, fee, destination, customer, saved card and metadata, not confirmed and not off-session, under the attempt key', async () => {
    await gatewayFor(world).startOnSessionCharge(onSession());
    const [request] = creates();
    expect(request!.idempotencyKey).toBe('itutor-session-s1-COMPLETED_ASSUMED-2');
    expect(request!.params).toEqual({
      amount: '15000',
      currency: 'ttd',
      customer: world.customer,
      payment_method: world.paymentMethod,
      confirm: 'false',
      application_fee_amount: '1500',
      transfer_data: { destination: world.tutorAccount },
      metadata: { itutor_session_id: 's1', itutor_booking_id: 'bk-1', itutor_outcome: 'COMPLETED_ASSUMED', itutor_attempt: '2' },
    });
    // The read that follows is a plain retrieve of the same PaymentIntent.
    expect(world.fake.requests.filter((r) => r.method === 'GET').map((r) => r.path)).toEqual([`/v1/payment_intents/${world.fake.paymentIntents[0]!.id}`]);
  });

  it('after_review: a separate charge (transfer_group, no transfer_data or fee), the tutor\'s account not looked up', async () => {
    const connectedAccountFor = vi.fn(() => world.tutorAccount);
    const started = await gatewayFor(world, { connectedAccountFor }).startOnSessionCharge(onSession({ payoutTiming: 'after_review' }));
    expect(started.status).toBe('requires_customer');
    expect(creates()[0]!.params).toMatchObject({ transfer_group: 's1', confirm: 'false' });
    expect(creates()[0]!.params).not.toHaveProperty('transfer_data');
    expect(creates()[0]!.params).not.toHaveProperty('application_fee_amount');
    expect(connectedAccountFor).not.toHaveBeenCalled();
  });

  it('a student without a saved card: a PaymentIntent without one (the browser gives a card) → requires_customer', async () => {
    const gateway = gatewayFor(world, { customerFor: () => ({ customer: world.customer, paymentMethod: null }) });
    const started = await gateway.startOnSessionCharge(onSession());
    expect(started).toMatchObject({ status: 'requires_customer', reference: world.fake.paymentIntents[0]!.id });
    expect(world.fake.paymentIntents[0]).toMatchObject({ status: 'requires_payment_method', payment_method: null, customer: world.customer });
    expect(creates()[0]!.params).not.toHaveProperty('payment_method');
  });

  it('a failed authentication → failed payment_intent_authentication_failure (the student again); a new attempt makes a new PaymentIntent', async () => {
    world.fake.setBehaviour(world.paymentMethod, 'authentication_required');
    const gateway = gatewayFor(world);
    const first = await gateway.startOnSessionCharge(onSession());
    world.fake.authenticate(first.reference!, 'fail');
    expect(await gateway.startOnSessionCharge(onSession())).toEqual({ status: 'failed', failureCode: 'payment_intent_authentication_failure', reference: first.reference, needsCustomer: true });
    expect(world.fake.events.filter((e) => e.type === 'payment_intent.payment_failed')).toHaveLength(1);
    const next = await gateway.startOnSessionCharge(onSession({ attempt: 3, idempotencyKey: 'itutor-session-s1-COMPLETED_ASSUMED-3' }));
    expect(next).toMatchObject({ status: 'requires_customer' });
    expect(next.reference).not.toBe(first.reference);
  });

  it('a card declined after authentication → failed with its decline code; a card still processing → unknown (processing)', async () => {
    world.fake.setBehaviour(world.paymentMethod, { decline: 'do_not_honor' });
    const gateway = gatewayFor(world);
    const declined = await gateway.startOnSessionCharge(onSession());
    world.fake.authenticate(declined.reference!, 'succeed');
    expect(await gateway.startOnSessionCharge(onSession())).toEqual({ status: 'failed', failureCode: 'do_not_honor', reference: declined.reference, needsCustomer: true });

    world.fake.setBehaviour(world.paymentMethod, 'processing');
    const key = { attempt: 3, idempotencyKey: 'itutor-session-s1-COMPLETED_ASSUMED-3' };
    const processing = await gateway.startOnSessionCharge(onSession(key));
    world.fake.authenticate(processing.reference!, 'succeed');
    expect(await gateway.startOnSessionCharge(onSession(key))).toEqual({ status: 'unknown', reason: 'processing', reference: processing.reference });
    world.fake.finishProcessing(processing.reference!, 'succeeded');
    expect(await gateway.startOnSessionCharge(onSession(key))).toEqual({ status: 'succeeded', reference: processing.reference });
  });

  it('confirmed by the browser but waiting for 3-D Secure (requires_action) → still requires_customer; the 3-D Secure page completes it over HTTP', async () => {
    world.fake.setBehaviour(world.paymentMethod, 'authentication_required');
    const gateway = gatewayFor(world);
    const started = await gateway.startOnSessionCharge(onSession());
    const confirmed = await world.stripe.paymentIntents.confirm(started.reference!);
    expect(confirmed.status).toBe('requires_action');
    const url = (confirmed.next_action as { redirect_to_url: { url: string } }).redirect_to_url.url;
    expect(url).toBe(`${world.server.url}${world.fake.authenticationPath(started.reference!)}`);
    expect(await gateway.startOnSessionCharge(onSession())).toEqual(started);

    const pageAnswer = await fetch(url);
    expect(pageAnswer.status).toBe(200);
    const html = await pageAnswer.text();
    expect(html).toContain('Complete authentication');
    expect(html).toContain('Fail authentication');
    expect(html).toContain('TTD 150.00');
    const secret = (started as { clientSecret: string }).clientSecret;
    const done = await fetch(`${world.server.url}/fake-3ds/${started.reference}`, { method: 'POST', body: new URLSearchParams({ client_secret: secret, result: 'succeed' }) });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('Payment succeeded');
    expect(await gateway.startOnSessionCharge(onSession())).toEqual({ status: 'succeeded', reference: started.reference });
  });
});

describe('startOnSessionCharge: errors, classified as the charge\'s', () => {
  it('a rate limit on the create → unknown (rate_limited); a 500 on the read → unknown (stripe_unavailable); the retry answers', async () => {
    const gateway = gatewayFor(world);
    world.fake.failNext({ kind: 'rate_limit' });
    expect(await gateway.startOnSessionCharge(onSession())).toEqual({ status: 'unknown', reason: 'rate_limited' });
    world.fake.failNext({ kind: 'server_error' }, { method: 'GET', path: /^\/v1\/payment_intents\/pi_/ });
    expect(await gateway.startOnSessionCharge(onSession())).toEqual({ status: 'unknown', reason: 'stripe_unavailable' });
    expect(await gateway.startOnSessionCharge(onSession())).toMatchObject({ status: 'requires_customer' });
    expect(world.fake.paymentIntents).toHaveLength(1);
  });

  it("the student's saved card changed between two calls of one attempt → Stripe's idempotency_error → halted IDEMPOTENCY_CONFLICT", async () => {
    await gatewayFor(world).startOnSessionCharge(onSession());
    const other = world.fake.addPaymentMethod(world.customer);
    const changed = gatewayFor(world, { customerFor: () => ({ customer: world.customer, paymentMethod: other }) });
    expect(await changed.startOnSessionCharge(onSession())).toEqual({ status: 'halted', code: 'IDEMPOTENCY_CONFLICT' });
  });

  it('a wrong API key → throws GATEWAY_MISCONFIGURED; an invalid instruction → halted, nothing sent; an aborted call → unknown (aborted)', async () => {
    const wrongKey = stripeGateway({
      stripe: new Stripe('sk_test_wrong', { ...world.server.clientOptions, telemetry: false }),
      customerFor: () => ({ customer: world.customer, paymentMethod: world.paymentMethod }),
      connectedAccountFor: () => world.tutorAccount,
    });
    const thrown = await wrongKey.startOnSessionCharge(onSession()).catch((error: unknown) => error);
    expect(isSessionError(thrown, 'GATEWAY_MISCONFIGURED')).toBe(true);
    const before = world.fake.requests.length;
    expect(await gatewayFor(world).startOnSessionCharge(onSession({ feeMinor: 1 }))).toEqual({ status: 'halted', code: 'INVALID_INSTRUCTION' });
    const controller = new AbortController();
    controller.abort();
    expect(await gatewayFor(world).startOnSessionCharge(onSession(), { signal: controller.signal })).toEqual({ status: 'unknown', reason: 'aborted' });
    expect(world.fake.requests.length).toBe(before);
  });

  it('no connected account for a destination charge → failed itutor_no_connected_account, nothing sent; a throwing lookup → unknown', async () => {
    expect(await gatewayFor(world, { connectedAccountFor: () => null }).startOnSessionCharge(onSession())).toEqual({ status: 'failed', failureCode: 'itutor_no_connected_account' });
    expect(await gatewayFor(world, { customerFor: () => Promise.reject(new Error('db down')) }).startOnSessionCharge(onSession())).toEqual({ status: 'unknown', reason: 'customer_lookup_failed' });
    expect(world.fake.requests).toHaveLength(0);
  });
});

describe("startOnSessionCharge: each PaymentIntent state Stripe documents (a client answering Stripe's shapes)", () => {
  /** A client whose create answers a stale snapshot and whose read answers `current`. */
  function clientAnswering(current: Partial<StripePaymentIntentLike>): StripeClientLike {
    const real = world.stripe as unknown as StripeClientLike;
    const base = { id: 'pi_shape', client_secret: 'pi_shape_secret_x' };
    return {
      ...real,
      paymentIntents: {
        create: async () => ({ ...base, status: 'requires_confirmation' }),
        retrieve: async () => ({ ...base, status: 'requires_confirmation', ...current }),
      },
    };
  }
  const gatewayOver = (stripe: StripeClientLike) =>
    stripeGateway({ stripe, customerFor: () => ({ customer: 'cus_1', paymentMethod: 'pm_1' }), connectedAccountFor: () => 'acct_1' });

  const TABLE: ReadonlyArray<readonly [string, Partial<StripePaymentIntentLike>, unknown]> = [
    ['requires_confirmation', {}, { status: 'requires_customer', clientSecret: 'pi_shape_secret_x', reference: 'pi_shape' }],
    ['requires_action', { status: 'requires_action' }, { status: 'requires_customer', clientSecret: 'pi_shape_secret_x', reference: 'pi_shape' }],
    ['requires_payment_method, never tried', { status: 'requires_payment_method', last_payment_error: null }, { status: 'requires_customer', clientSecret: 'pi_shape_secret_x', reference: 'pi_shape' }],
    [
      'requires_payment_method after a decline',
      { status: 'requires_payment_method', last_payment_error: { code: 'card_declined', decline_code: 'insufficient_funds' } },
      { status: 'failed', failureCode: 'insufficient_funds', reference: 'pi_shape' },
    ],
    ['succeeded', { status: 'succeeded' }, { status: 'succeeded', reference: 'pi_shape' }],
    ['processing', { status: 'processing' }, { status: 'unknown', reason: 'processing', reference: 'pi_shape' }],
    ['canceled', { status: 'canceled' }, { status: 'failed', failureCode: 'canceled', reference: 'pi_shape' }],
    ['requires_capture (never for automatic capture)', { status: 'requires_capture' }, { status: 'unknown', reason: 'unexpected_status_requires_capture', reference: 'pi_shape' }],
    ['waiting, but no client secret in the answer', { client_secret: null }, { status: 'unknown', reason: 'no_client_secret', reference: 'pi_shape' }],
  ];
  for (const [name, current, expected] of TABLE) {
    it(name, async () => {
      expect(await gatewayOver(clientAnswering(current)).startOnSessionCharge(onSession())).toEqual(expected);
    });
  }
});
