import { isSessionError } from '@itutor/sessions-core';
import { amountsForOutcome } from '@itutor/sessions-core/rules';
import Stripe from 'stripe';
import { describe, expect, it, vi } from 'vitest';
import { STRIPE_FAILURE_CODES, STRIPE_HALTING_CODES } from '../src/index';
import { createStripeFake } from '../src/testing/index';
import { gatewayFor, instruction, useStripeFake } from './support';

const world = useStripeFake();
const creates = () => world.fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/payment_intents');

describe('stripeGateway: the request sent', () => {
  it('an off-session, confirmed destination charge: amount, fee, destination, currency, metadata and the attempt key', async () => {
    const result = await gatewayFor(world).charge(instruction());
    const [pi] = world.fake.paymentIntents;
    expect(result).toEqual({ status: 'succeeded', reference: pi!.id });
    const [request] = creates();
    expect(request!.idempotencyKey).toBe('itutor-session-s1-COMPLETED_ASSUMED-1');
    expect(request!.params).toEqual({
      amount: '15000',
      currency: 'ttd',
      customer: world.customer,
      payment_method: world.paymentMethod,
      confirm: 'true',
      off_session: 'true',
      application_fee_amount: '1500',
      transfer_data: { destination: world.tutorAccount },
      metadata: { itutor_session_id: 's1', itutor_booking_id: 'bk-1', itutor_outcome: 'COMPLETED_ASSUMED', itutor_attempt: '1' },
    });
    // What Connect moved: the tutor's account received exactly the payout.
    const [charge] = world.fake.charges;
    expect(charge).toMatchObject({ amount: 15_000, application_fee_amount: 1_500, destination: world.tutorAccount, transferred: 13_500 });
  });

  for (const price of [1, 99, 15_001, 15_000]) {
    for (const outcome of ['COMPLETED_ASSUMED', 'NO_SHOW_STUDENT'] as const) {
      it(`price ${price}, ${outcome}: amount = the core's charge, application fee = its fee, the tutor gets its payout`, async () => {
        const split = amountsForOutcome(price, outcome);
        if (split.chargeMinor === 0) return; // nothing to charge: the core never calls the gateway
        const key = `itutor-session-p${price}-${outcome}-1`;
        const result = await gatewayFor(world).charge(
          instruction({ idempotencyKey: key, outcome, amountMinor: split.chargeMinor, payoutMinor: split.payoutMinor, feeMinor: split.feeMinor }),
        );
        expect(result.status).toBe('succeeded');
        const [request] = creates();
        expect(request!.params.amount).toBe(String(split.chargeMinor));
        expect(request!.params.application_fee_amount).toBe(split.feeMinor > 0 ? String(split.feeMinor) : undefined);
        expect(world.fake.charges[0]!.transferred).toBe(split.payoutMinor);
        expect(request!.idempotencyKey).toBe(key);
      });
    }
  }

  it('a price of 1 minor unit: the whole charge is the fee (payout 0)', () => {
    expect(amountsForOutcome(1, 'COMPLETED_ASSUMED')).toEqual({ chargeMinor: 1, payoutMinor: 0, feeMinor: 1 });
    expect(amountsForOutcome(1, 'NO_SHOW_STUDENT')).toEqual({ chargeMinor: 0, payoutMinor: 0, feeMinor: 0 });
  });

  it('refuses an instruction that is not a whole-minor-unit charge with payout + fee = amount, sending nothing (halted INVALID_INSTRUCTION)', async () => {
    const gateway = gatewayFor(world);
    for (const bad of [{ amountMinor: 150.5 }, { feeMinor: 1 }, { amountMinor: 0, payoutMinor: 0, feeMinor: 0 }, { currency: 'T' }, { idempotencyKey: '' }]) {
      expect(await gateway.charge(instruction(bad))).toEqual({ status: 'halted', code: 'INVALID_INSTRUCTION' });
    }
    expect(world.fake.requests).toHaveLength(0);
  });
});

describe('stripeGateway: classification of Stripe answers (the real client against the fake)', () => {
  it('a decline (402 card_error) → failed with the decline code and the PaymentIntent as reference', async () => {
    world.fake.setBehaviour(world.paymentMethod, { decline: 'insufficient_funds' });
    const result = await gatewayFor(world).charge(instruction());
    expect(result).toEqual({ status: 'failed', failureCode: 'insufficient_funds', reference: world.fake.paymentIntents[0]!.id });
    expect(world.fake.paymentIntents[0]!.status).toBe('requires_payment_method');
  });

  it('a card error without a decline code → failed with its code', async () => {
    world.fake.setBehaviour(world.paymentMethod, { decline: '', code: 'expired_card' });
    expect(await gatewayFor(world).charge(instruction())).toMatchObject({ status: 'failed', failureCode: 'expired_card' });
  });

  it('authentication required → failed authentication_required, needing the student, and the host hook is told (not awaited)', async () => {
    world.fake.setBehaviour(world.paymentMethod, 'authentication_required');
    const told = vi.fn(() => new Promise<void>(() => undefined)); // a hook that never settles does not hold the charge
    const result = await gatewayFor(world, { onAuthenticationRequired: told }).charge(instruction());
    const pi = world.fake.paymentIntents[0]!;
    expect(result).toEqual({ status: 'failed', failureCode: STRIPE_FAILURE_CODES.authenticationRequired, reference: pi.id, needsCustomer: true });
    // Stripe left the PaymentIntent as its 402 says: waiting for another payment method, with the error.
    expect(pi).toMatchObject({ status: 'requires_payment_method', last_payment_error: { code: 'authentication_required' } });
    await vi.waitFor(() => expect(told).toHaveBeenCalledTimes(1));
    expect(told).toHaveBeenCalledWith({ studentId: 'student-1', sessionId: 's1', bookingId: 'bk-1', attempt: 1, paymentIntentId: pi.id });
  });

  it('a hook that throws does not change the answer', async () => {
    world.fake.setBehaviour(world.paymentMethod, 'authentication_required');
    const result = await gatewayFor(world, { onAuthenticationRequired: () => { throw new Error('mailer down'); } }).charge(instruction());
    expect(result).toMatchObject({ status: 'failed', failureCode: 'authentication_required' });
  });

  it('processing → unknown (processing) with the reference; the retry under the same key answers the same until Stripe finishes', async () => {
    world.fake.setBehaviour(world.paymentMethod, 'processing');
    const gateway = gatewayFor(world);
    const first = await gateway.charge(instruction());
    const pi = world.fake.paymentIntents[0]!;
    expect(first).toEqual({ status: 'unknown', reason: 'processing', reference: pi.id });
    expect(await gateway.charge(instruction())).toEqual(first);
    expect(world.fake.paymentIntents).toHaveLength(1);
    expect(creates().map((r) => r.replayed)).toEqual([false, true]);
    // Stripe replays the first (processing) answer for the key; the gateway reads the PaymentIntent's current status.
    world.fake.finishProcessing(pi.id, 'succeeded');
    expect(await gateway.charge(instruction())).toEqual({ status: 'succeeded', reference: pi.id });
    expect(world.fake.requests.filter((r) => r.method === 'GET' && r.path.startsWith(`/v1/payment_intents/${pi.id}`))).toHaveLength(3);
  });

  it('processing that ends in a decline → the retry answers failed with the decline code', async () => {
    world.fake.setBehaviour(world.paymentMethod, 'processing');
    const gateway = gatewayFor(world);
    await gateway.charge(instruction());
    const pi = world.fake.finishProcessing(world.fake.paymentIntents[0]!.id, { decline: 'insufficient_funds' });
    expect(await gateway.charge(instruction())).toEqual({ status: 'failed', failureCode: 'insufficient_funds', reference: pi.id });
  });

  it('429 → unknown (rate_limited), not saved under the key: the retry charges once', async () => {
    world.fake.failNext({ kind: 'rate_limit' });
    const gateway = gatewayFor(world);
    expect(await gateway.charge(instruction())).toEqual({ status: 'unknown', reason: 'rate_limited' });
    expect(await gateway.charge(instruction())).toMatchObject({ status: 'succeeded' });
    expect(world.fake.paymentIntents).toHaveLength(1);
    expect(creates().map((r) => r.status)).toEqual([429, 200]); // the client did not retry on its own
  });

  it('500 before the request ran → unknown (stripe_unavailable); the retry charges once', async () => {
    world.fake.failNext({ kind: 'server_error' });
    const gateway = gatewayFor(world);
    expect(await gateway.charge(instruction())).toEqual({ status: 'unknown', reason: 'stripe_unavailable' });
    expect(await gateway.charge(instruction())).toMatchObject({ status: 'succeeded' });
    expect(world.fake.paymentIntents).toHaveLength(1);
  });

  it('a 500 saved under the key is replayed (Stripe replays first answers, errors included): unknown again, never a second PaymentIntent', async () => {
    world.fake.failNext({ kind: 'server_error', saved: true });
    const gateway = gatewayFor(world);
    expect(await gateway.charge(instruction())).toEqual({ status: 'unknown', reason: 'stripe_unavailable' });
    expect(await gateway.charge(instruction())).toEqual({ status: 'unknown', reason: 'stripe_unavailable' });
    expect(creates().map((r) => [r.status, r.replayed])).toEqual([[500, false], [500, true]]);
    expect(world.fake.paymentIntents).toHaveLength(1);
  });

  it('a connection dropped once: the client retries it by itself under the same key → one PaymentIntent, succeeded', async () => {
    world.fake.failNext({ kind: 'drop', processed: true });
    expect(await gatewayFor(world).charge(instruction())).toMatchObject({ status: 'succeeded' });
    expect(world.fake.paymentIntents).toHaveLength(1);
    expect(creates().map((r) => [r.status, r.replayed])).toEqual([[null, false], [200, true]]);
  });

  it('connections dropped twice → unknown (network_error); the later retry gets the original answer', async () => {
    world.fake.failNext({ kind: 'drop' }, { times: 2 });
    const gateway = gatewayFor(world);
    expect(await gateway.charge(instruction())).toEqual({ status: 'unknown', reason: 'network_error' });
    const retry = await gateway.charge(instruction());
    expect(retry).toEqual({ status: 'succeeded', reference: world.fake.paymentIntents[0]!.id });
    expect(world.fake.paymentIntents).toHaveLength(1);
  });

  it('a hang: the core aborts → unknown (aborted) at once; the retry under the same key gets the original result', async () => {
    world.fake.failNext({ kind: 'hang' });
    const gateway = gatewayFor(world);
    const controller = new AbortController();
    const began = Date.now();
    setTimeout(() => controller.abort(new Error('charge call timed out')), 150);
    expect(await gateway.charge(instruction(), { signal: controller.signal })).toEqual({ status: 'unknown', reason: 'aborted' });
    expect(Date.now() - began).toBeLessThan(2_000);
    const retry = await gateway.charge(instruction());
    expect(retry).toEqual({ status: 'succeeded', reference: world.fake.paymentIntents[0]!.id });
    expect(world.fake.paymentIntents).toHaveLength(1);
  });

  it('a hang without an abort ends at the request time limit → unknown (timeout)', async () => {
    world.fake.failNext({ kind: 'hang', processed: false });
    expect(await gatewayFor(world, { requestTimeoutMs: 200 }).charge(instruction())).toEqual({ status: 'unknown', reason: 'timeout' });
  });

  it('an already aborted signal sends nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    expect(await gatewayFor(world).charge(instruction(), { signal: controller.signal })).toEqual({ status: 'unknown', reason: 'aborted' });
    expect(world.fake.requests).toHaveLength(0);
  });
});

describe('stripeGateway: idempotency', () => {
  it('the same key twice → one PaymentIntent and the same answer (a decline is replayed too)', async () => {
    const gateway = gatewayFor(world);
    const first = await gateway.charge(instruction());
    expect(await gateway.charge(instruction())).toEqual(first);
    expect(world.fake.paymentIntents).toHaveLength(1);

    world.fake.setBehaviour(world.paymentMethod, { decline: 'do_not_honor' });
    const key = { idempotencyKey: 'itutor-session-s1-COMPLETED_ASSUMED-2', attempt: 2 };
    const declined = await gateway.charge(instruction(key));
    world.fake.setBehaviour(world.paymentMethod, 'succeed'); // the card works now, but the key's answer stands
    expect(await gateway.charge(instruction(key))).toEqual(declined);
    expect(declined).toMatchObject({ status: 'failed', failureCode: 'do_not_honor' });
    expect(world.fake.paymentIntents).toHaveLength(2);
  });

  it('the same key with different parameters → halted IDEMPOTENCY_CONFLICT (an answer, not a throw), never retried with the new parameters', async () => {
    const gateway = gatewayFor(world);
    await gateway.charge(instruction());
    const otherCard = world.fake.addPaymentMethod(world.customer);
    const changed = gatewayFor(world, { customerFor: () => ({ customer: world.customer, paymentMethod: otherCard }) });
    // It halts the core's attempt: flagged for a person at once, never retried.
    expect(await changed.charge(instruction())).toEqual({ status: 'halted', code: 'IDEMPOTENCY_CONFLICT' });
    expect(world.fake.paymentIntents).toHaveLength(1);
    expect(creates().map((r) => r.status)).toEqual([200, 400]);
  });

  it("what the gateway does for each of its refusals: IDEMPOTENCY_CONFLICT and INVALID_INSTRUCTION answer halted, a refused key throws GATEWAY_MISCONFIGURED (an unknown answer, retried once fixed)", async () => {
    expect(STRIPE_HALTING_CODES).toEqual(['IDEMPOTENCY_CONFLICT', 'INVALID_INSTRUCTION']);
    const gateway = gatewayFor(world);
    await gateway.charge(instruction());
    const otherCard = world.fake.addPaymentMethod(world.customer);
    const changed = gatewayFor(world, { customerFor: () => ({ customer: world.customer, paymentMethod: otherCard }) });
    const wrongKey = gatewayFor(world, { stripe: new Stripe('sk_test_wrong', { ...world.server.clientOptions, telemetry: false }) });
    const table: Array<[string, () => Promise<unknown>, unknown]> = [
      ['IDEMPOTENCY_CONFLICT', () => changed.charge(instruction()), { answer: { status: 'halted', code: 'IDEMPOTENCY_CONFLICT' } }],
      ['INVALID_INSTRUCTION', () => gateway.charge(instruction({ feeMinor: 1 })), { answer: { status: 'halted', code: 'INVALID_INSTRUCTION' } }],
      ['STRIPE_MISCONFIGURED', () => wrongKey.charge(instruction({ idempotencyKey: 'k-misconfigured' })), { thrown: 'GATEWAY_MISCONFIGURED' }],
    ];
    for (const [code, call, expected] of table) {
      const got = await call().then(
        (answer) => ({ answer }),
        (error: unknown) => ({ thrown: isSessionError(error) ? error.code : String(error) }),
      );
      expect([code, got]).toEqual([code, expected]);
    }
  });

  it('a second call while the first still runs → 409 from Stripe → unknown (conflict)', async () => {
    world.fake.failNext({ kind: 'delay', ms: 300 });
    const gateway = gatewayFor(world);
    const first = gateway.charge(instruction());
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await gateway.charge(instruction())).toEqual({ status: 'unknown', reason: 'conflict' });
    expect(await first).toMatchObject({ status: 'succeeded' });
    expect(world.fake.paymentIntents).toHaveLength(1);
  });
});

describe('stripeGateway: host functions and configuration', () => {
  it('no customer or no saved card → failed itutor_no_payment_method; nothing sent', async () => {
    expect(await gatewayFor(world).charge(instruction({ studentId: 'student-unknown' }))).toEqual({
      status: 'failed',
      failureCode: STRIPE_FAILURE_CODES.noPaymentMethod,
    });
    const noCard = gatewayFor(world, { customerFor: () => ({ customer: world.customer, paymentMethod: null }) });
    expect(await noCard.charge(instruction())).toMatchObject({ failureCode: 'itutor_no_payment_method' });
    expect(world.fake.requests).toHaveLength(0);
  });

  it('no connected account → failed itutor_no_connected_account; nothing sent', async () => {
    expect(await gatewayFor(world).charge(instruction({ tutorId: 'tutor-unknown' }))).toEqual({
      status: 'failed',
      failureCode: STRIPE_FAILURE_CODES.noConnectedAccount,
    });
    expect(world.fake.requests).toHaveLength(0);
  });

  it('a host function that throws → unknown (retried under the same key later); nothing sent', async () => {
    const failing = gatewayFor(world, { customerFor: async () => { throw new Error('db down'); } });
    expect(await failing.charge(instruction())).toEqual({ status: 'unknown', reason: 'customer_lookup_failed' });
    const failingAccount = gatewayFor(world, { connectedAccountFor: () => { throw new Error('db down'); } });
    expect(await failingAccount.charge(instruction())).toEqual({ status: 'unknown', reason: 'account_lookup_failed' });
    expect(world.fake.requests).toHaveLength(0);
  });

  it('a wrong API key → a loud GATEWAY_MISCONFIGURED, with Stripe’s error as its cause and never the key', async () => {
    const stripe = new Stripe('sk_test_wrong', { ...world.server.clientOptions, telemetry: false });
    const error = await gatewayFor(world, { stripe }).charge(instruction()).catch((e: unknown) => e);
    expect(isSessionError(error, 'GATEWAY_MISCONFIGURED')).toBe(true);
    expect(error).toMatchObject({ details: { gateway: 'stripe' }, cause: expect.objectContaining({ type: 'StripeAuthenticationError' }) });
    expect(JSON.stringify({ message: (error as Error).message, details: (error as { details: unknown }).details })).not.toContain('sk_test_wrong');
  });

  it('a destination Stripe does not know → failed resource_missing (a person must look once the attempts are used up)', async () => {
    const gateway = gatewayFor(world, { connectedAccountFor: () => 'acct_unknown' });
    expect(await gateway.charge(instruction())).toEqual({ status: 'failed', failureCode: 'resource_missing' });
    expect(world.fake.paymentIntents).toHaveLength(0);
  });

  it('works the same through the client\'s fetch HTTP client (no port: Stripe.createFetchHttpClient(fake.fetch))', async () => {
    const fake = createStripeFake();
    const customer = fake.addCustomer();
    const paymentMethod = fake.addPaymentMethod(customer, { decline: 'insufficient_funds' });
    const account = fake.addConnectedAccount();
    const stripe = new Stripe(fake.apiKey, { httpClient: Stripe.createFetchHttpClient(fake.fetch), telemetry: false });
    const gateway = gatewayFor(world, { stripe, customerFor: () => ({ customer, paymentMethod }), connectedAccountFor: () => account, requestTimeoutMs: 300 });
    expect(await gateway.charge(instruction())).toMatchObject({ status: 'failed', failureCode: 'insufficient_funds' });
    fake.setBehaviour(paymentMethod, 'succeed');
    fake.failNext({ kind: 'hang' });
    expect(await gateway.charge(instruction({ idempotencyKey: 'k-2', attempt: 2 }))).toEqual({ status: 'unknown', reason: 'timeout' });
    expect(await gateway.charge(instruction({ idempotencyKey: 'k-2', attempt: 2 }))).toMatchObject({ status: 'succeeded' });
    expect(fake.paymentIntents.filter((pi) => pi.status === 'succeeded')).toHaveLength(1);
  });
});
