import { isSessionError } from '@itutor/sessions-core';
import { payoutIdempotencyKey, type PayoutInstruction } from '@itutor/sessions-core/adapter';
import Stripe from 'stripe';
import { describe, expect, it, vi } from 'vitest';
import { classifyStripeTransfer, paymentIntentParams, STRIPE_FAILURE_CODES } from '../src/index';
import { gatewayFor, instruction, useStripeFake } from './support';

const world = useStripeFake();
const posts = (path: string) => world.fake.requests.filter((r) => r.method === 'POST' && r.path === path);

/** A succeeded `after_review` charge of 15 000 (payout 13 500, fee 1 500) through the gateway: its PaymentIntent id. */
async function separatelyCharged(overrides: Parameters<typeof instruction>[0] = {}) {
  const result = await gatewayFor(world).charge(instruction({ payoutTiming: 'after_review', ...overrides }));
  if (result.status !== 'succeeded' || !result.reference) throw new Error(`charge did not succeed: ${JSON.stringify(result)}`);
  return result.reference;
}

const payoutOf = (chargeReference: string, overrides: Partial<PayoutInstruction> = {}): PayoutInstruction => ({
  idempotencyKey: payoutIdempotencyKey('s1', 1),
  sessionId: 's1',
  payout: 1,
  tutorId: 'tutor-1',
  amountMinor: 13_500,
  currency: 'TTD',
  chargeReference,
  transferGroup: 's1',
  ...overrides,
});

describe("stripeGateway.charge with payoutTiming 'after_review': a separate charge", () => {
  it('no transfer_data, no application fee, transfer_group = the session id; the platform keeps the whole amount; the tutor is not looked up', async () => {
    const connectedAccountFor = vi.fn(() => world.tutorAccount);
    const result = await gatewayFor(world, { connectedAccountFor }).charge(instruction({ payoutTiming: 'after_review' }));
    const [pi] = world.fake.paymentIntents;
    expect(result).toEqual({ status: 'succeeded', reference: pi!.id });
    const [request] = posts('/v1/payment_intents');
    expect(request!.idempotencyKey).toBe('itutor-session-s1-COMPLETED_ASSUMED-1');
    expect(request!.params).toEqual({
      amount: '15000',
      currency: 'ttd',
      customer: world.customer,
      payment_method: world.paymentMethod,
      confirm: 'true',
      off_session: 'true',
      transfer_group: 's1',
      metadata: { itutor_session_id: 's1', itutor_booking_id: 'bk-1', itutor_outcome: 'COMPLETED_ASSUMED', itutor_attempt: '1' },
    });
    expect(pi).toMatchObject({ transfer_data: null, application_fee_amount: null, transfer_group: 's1' });
    expect(world.fake.charges[0]).toMatchObject({ status: 'succeeded', amount: 15_000, destination: null, transferred: 0, transfer_group: 's1' });
    expect(connectedAccountFor).not.toHaveBeenCalled();
    expect(world.fake.transfers).toHaveLength(0);
  });

  it("a tutor without a connected account does not stop a separate charge (the payout needs one, later)", async () => {
    const result = await gatewayFor(world).charge(instruction({ payoutTiming: 'after_review', tutorId: 'tutor-without-account' }));
    expect(result.status).toBe('succeeded');
    expect(await gatewayFor(world).charge(instruction({ idempotencyKey: 'k-destination', tutorId: 'tutor-without-account' }))).toEqual({
      status: 'failed',
      failureCode: STRIPE_FAILURE_CODES.noConnectedAccount,
    });
  });

  it("'with_charge' (and an instruction from a core before #23, without payoutTiming) is still a destination charge", async () => {
    const gateway = gatewayFor(world);
    await gateway.charge(instruction());
    const { payoutTiming: _omitted, ...older } = instruction({ idempotencyKey: 'k-older' });
    await gateway.charge(older as Parameters<typeof gateway.charge>[0]);
    for (const request of posts('/v1/payment_intents')) {
      expect(request.params).toMatchObject({ application_fee_amount: '1500', transfer_data: { destination: world.tutorAccount } });
      expect(request.params.transfer_group).toBeUndefined();
    }
  });

  it('an unknown payoutTiming halts (INVALID_INSTRUCTION) without sending anything', async () => {
    const bad = { ...instruction(), payoutTiming: 'later' } as unknown as Parameters<ReturnType<typeof gatewayFor>['charge']>[0];
    expect(await gatewayFor(world).charge(bad)).toEqual({ status: 'halted', code: 'INVALID_INSTRUCTION' });
    expect(world.fake.requests).toHaveLength(0);
  });

  it("the same key as a destination charge and then as a separate charge → halted IDEMPOTENCY_CONFLICT; one PaymentIntent", async () => {
    const gateway = gatewayFor(world);
    await gateway.charge(instruction());
    expect(await gateway.charge(instruction({ payoutTiming: 'after_review' }))).toEqual({ status: 'halted', code: 'IDEMPOTENCY_CONFLICT' });
    expect(world.fake.paymentIntents).toHaveLength(1);
  });

  it('paymentIntentParams: a destination charge needs the account; a separate charge ignores it', () => {
    const customer = { customer: 'cus_1', paymentMethod: 'pm_1' };
    expect(() => paymentIntentParams(instruction(), customer, null)).toThrow(TypeError);
    const separate = paymentIntentParams(instruction({ payoutTiming: 'after_review' }), customer, 'acct_ignored');
    expect(separate).not.toHaveProperty('transfer_data');
    expect(separate).not.toHaveProperty('application_fee_amount');
    expect(separate).toMatchObject({ transfer_group: 's1' });
  });
});

describe('stripeGateway.transfer: the payout of an after_review session', () => {
  it('the exact request: amount, lowercase currency, the tutor account, transfer_group, source_transaction = the latest charge, metadata, the payout key', async () => {
    const pi = await separatelyCharged();
    const result = await gatewayFor(world).transfer(payoutOf(pi));
    const [transfer] = world.fake.transfers;
    expect(result).toEqual({ status: 'succeeded', reference: transfer!.id });
    expect(transfer!.id).toMatch(/^tr_/);
    const [request] = posts('/v1/transfers');
    expect(request!.idempotencyKey).toBe('itutor-payout-s1-1');
    expect(request!.params).toEqual({
      amount: '13500',
      currency: 'ttd',
      destination: world.tutorAccount,
      transfer_group: 's1',
      source_transaction: world.fake.paymentIntents[0]!.latest_charge,
      metadata: { itutor_session_id: 's1', itutor_payout: '1' },
    });
    expect(transfer).toMatchObject({ amount: 13_500, destination: world.tutorAccount, source_transaction: world.fake.charges[0]!.id, transfer_group: 's1' });
    // The source charge was read from the PaymentIntent.
    expect(world.fake.requests.filter((r) => r.method === 'GET' && r.path.startsWith(`/v1/payment_intents/${pi}`))).toHaveLength(1);
    expect(world.fake.events.filter((e) => e.type === 'transfer.created')).toHaveLength(1);
  });

  it('the same payout twice → one transfer and the same answer; the same key with another amount halts (IDEMPOTENCY_CONFLICT)', async () => {
    const pi = await separatelyCharged();
    const gateway = gatewayFor(world);
    const first = await gateway.transfer(payoutOf(pi));
    expect(await gateway.transfer(payoutOf(pi))).toEqual(first);
    expect(world.fake.transfers).toHaveLength(1);
    expect(posts('/v1/transfers').map((r) => r.replayed)).toEqual([false, true]);
    expect(await gateway.transfer(payoutOf(pi, { amountMinor: 13_000 }))).toEqual({ status: 'halted', code: 'IDEMPOTENCY_CONFLICT' });
    expect(world.fake.transfers).toHaveLength(1);
  });

  it("definite refusals are failed with Stripe's code (nothing moved)", async () => {
    const pi = await separatelyCharged();
    const gateway = gatewayFor(world);
    // The tutor's account cannot receive transfers.
    world.fake.setTransfersCapability(world.tutorAccount, 'inactive');
    expect(await gateway.transfer(payoutOf(pi, { idempotencyKey: 'k-1' }))).toEqual({ status: 'failed', failureCode: 'insufficient_capabilities_for_transfer' });
    world.fake.setTransfersCapability(world.tutorAccount, 'active');
    // The charge's funds are gone (refunded in full): Stripe's balance_insufficient.
    await world.stripe.refunds.create({ payment_intent: pi });
    expect(await gateway.transfer(payoutOf(pi, { idempotencyKey: 'k-2' }))).toEqual({ status: 'failed', failureCode: 'balance_insufficient' });
    // A PaymentIntent Stripe does not know.
    expect(await gateway.transfer(payoutOf('pi_unknown', { idempotencyKey: 'k-3' }))).toEqual({ status: 'failed', failureCode: 'resource_missing' });
    // The tutor has no connected account: nothing is sent.
    const before = world.fake.requests.length;
    expect(await gateway.transfer(payoutOf(pi, { idempotencyKey: 'k-4', tutorId: 'tutor-none' }))).toEqual({ status: 'failed', failureCode: STRIPE_FAILURE_CODES.noConnectedAccount });
    expect(world.fake.requests).toHaveLength(before);
    expect(world.fake.transfers).toHaveLength(0);
  });

  it('a charge that has not succeeded funds no transfer: failed itutor_charge_not_succeeded, no transfer request', async () => {
    world.fake.setBehaviour(world.paymentMethod, 'processing');
    await gatewayFor(world).charge(instruction({ payoutTiming: 'after_review' }));
    const pi = world.fake.paymentIntents[0]!;
    expect(pi.latest_charge).toMatch(/^ch_/);
    expect(await gatewayFor(world).transfer(payoutOf(pi.id))).toEqual({ status: 'failed', failureCode: STRIPE_FAILURE_CODES.chargeNotSucceeded });
    expect(posts('/v1/transfers')).toHaveLength(0);
  });

  it('a destination charge already paid the tutor: a transfer for it halts (INVALID_INSTRUCTION) and sends nothing', async () => {
    const result = await gatewayFor(world).charge(instruction());
    expect(await gatewayFor(world).transfer(payoutOf(result.reference!))).toEqual({ status: 'halted', code: 'INVALID_INSTRUCTION' });
    expect(posts('/v1/transfers')).toHaveLength(0);
  });

  it('an invalid payout instruction halts (INVALID_INSTRUCTION) without sending anything', async () => {
    const gateway = gatewayFor(world);
    const bad: Array<Partial<PayoutInstruction>> = [
      { amountMinor: 0 },
      { amountMinor: 1.5 },
      { currency: 'T' },
      { idempotencyKey: '' },
      { chargeReference: 'ch_123' },
      { transferGroup: '' },
      { payout: 0 },
    ];
    for (const overrides of bad) expect(await gateway.transfer(payoutOf('pi_123', overrides))).toEqual({ status: 'halted', code: 'INVALID_INSTRUCTION' });
    expect(world.fake.requests).toHaveLength(0);
  });

  it('429 → unknown (rate_limited), not saved under the key: the retry makes one transfer', async () => {
    const pi = await separatelyCharged();
    const gateway = gatewayFor(world);
    world.fake.failNext({ kind: 'rate_limit' }, { path: '/v1/transfers' });
    expect(await gateway.transfer(payoutOf(pi))).toEqual({ status: 'unknown', reason: 'rate_limited' });
    expect(world.fake.transfers).toHaveLength(0);
    expect(await gateway.transfer(payoutOf(pi))).toMatchObject({ status: 'succeeded' });
    expect(world.fake.transfers).toHaveLength(1);
  });

  it('a 500 after the transfer was made (saved under the key) → unknown; the retry gets the 500 replayed, never a second transfer', async () => {
    const pi = await separatelyCharged();
    const gateway = gatewayFor(world);
    world.fake.failNext({ kind: 'server_error', saved: true }, { path: '/v1/transfers' });
    expect(await gateway.transfer(payoutOf(pi))).toEqual({ status: 'unknown', reason: 'stripe_unavailable' });
    expect(await gateway.transfer(payoutOf(pi))).toEqual({ status: 'unknown', reason: 'stripe_unavailable' });
    expect(world.fake.transfers).toHaveLength(1);
  });

  it('the answer lost after Stripe acted (connections dropped twice) → unknown; the retry gets the transfer made, once', async () => {
    const pi = await separatelyCharged();
    const gateway = gatewayFor(world);
    world.fake.failNext({ kind: 'drop', processed: true }, { times: 2, path: '/v1/transfers' });
    expect(await gateway.transfer(payoutOf(pi))).toEqual({ status: 'unknown', reason: 'network_error' });
    const retry = await gateway.transfer(payoutOf(pi));
    expect(retry).toEqual({ status: 'succeeded', reference: world.fake.transfers[0]!.id });
    expect(world.fake.transfers).toHaveLength(1);
  });

  it('a hang: the core aborts → unknown (aborted) at once; the retry under the same key gets the transfer', async () => {
    const pi = await separatelyCharged();
    const gateway = gatewayFor(world);
    world.fake.failNext({ kind: 'hang' }, { path: '/v1/transfers' });
    const controller = new AbortController();
    const began = Date.now();
    setTimeout(() => controller.abort(new Error('payout call timed out')), 150);
    expect(await gateway.transfer(payoutOf(pi), { signal: controller.signal })).toEqual({ status: 'unknown', reason: 'aborted' });
    expect(Date.now() - began).toBeLessThan(2_000);
    expect(await gateway.transfer(payoutOf(pi))).toEqual({ status: 'succeeded', reference: world.fake.transfers[0]!.id });
    expect(world.fake.transfers).toHaveLength(1);
  });

  it('a hang while reading the PaymentIntent is aborted too, before any transfer is sent; an aborted signal sends nothing', async () => {
    const pi = await separatelyCharged();
    const gateway = gatewayFor(world);
    world.fake.failNext({ kind: 'hang' }, { method: 'GET', path: /^\/v1\/payment_intents\// });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('payout call timed out')), 100);
    expect(await gateway.transfer(payoutOf(pi), { signal: controller.signal })).toEqual({ status: 'unknown', reason: 'aborted' });
    expect(posts('/v1/transfers')).toHaveLength(0);

    const before = world.fake.requests.length;
    const aborted = new AbortController();
    aborted.abort();
    expect(await gateway.transfer(payoutOf(pi), { signal: aborted.signal })).toEqual({ status: 'unknown', reason: 'aborted' });
    expect(world.fake.requests).toHaveLength(before);
  });

  it('a hang without an abort ends at the request time limit → unknown (timeout); a failing account lookup → unknown', async () => {
    const pi = await separatelyCharged();
    world.fake.failNext({ kind: 'hang', processed: false }, { path: '/v1/transfers' });
    expect(await gatewayFor(world, { requestTimeoutMs: 200 }).transfer(payoutOf(pi))).toEqual({ status: 'unknown', reason: 'timeout' });
    const throwing = gatewayFor(world, {
      connectedAccountFor: () => {
        throw new Error('database down');
      },
    });
    expect(await throwing.transfer(payoutOf(pi))).toEqual({ status: 'unknown', reason: 'account_lookup_failed' });
  });

  it('a wrong API key → throws GATEWAY_MISCONFIGURED (the core records an unknown answer)', async () => {
    const pi = await separatelyCharged();
    const wrongKey = gatewayFor(world, { stripe: new Stripe('sk_test_wrong', { ...world.server.clientOptions, telemetry: false }) });
    const error = await wrongKey.transfer(payoutOf(pi)).catch((e: unknown) => e);
    expect(isSessionError(error, 'GATEWAY_MISCONFIGURED')).toBe(true);
  });

  it('classifyStripeTransfer: a Transfer is succeeded; a body without an id is unknown; errors as for charges', () => {
    expect(classifyStripeTransfer({ transfer: { id: 'tr_1', amount: 1 } })).toEqual({ kind: 'answer', result: { status: 'succeeded', reference: 'tr_1' } });
    expect(classifyStripeTransfer({ transfer: { id: '', amount: 1 } })).toEqual({ kind: 'answer', result: { status: 'unknown', reason: 'unrecognised_answer' } });
    const error = (statusCode: number, raw: Record<string, unknown>) =>
      Stripe.errors.generateV1Error({ ...raw, statusCode, requestId: 'req_1' } as Parameters<typeof Stripe.errors.generateV1Error>[0]);
    expect(classifyStripeTransfer({ error: error(400, { type: 'invalid_request_error', code: 'balance_insufficient' }) })).toEqual({
      kind: 'answer',
      result: { status: 'failed', failureCode: 'balance_insufficient' },
    });
    expect(classifyStripeTransfer({ error: error(400, { type: 'idempotency_error' }) })).toMatchObject({ kind: 'refused', code: 'IDEMPOTENCY_CONFLICT' });
    expect(classifyStripeTransfer({ error: error(503, { type: 'api_error' }) })).toEqual({ kind: 'answer', result: { status: 'unknown', reason: 'stripe_unavailable' } });
    expect(classifyStripeTransfer({ error: error(401, { type: 'invalid_request_error' }) })).toMatchObject({ kind: 'refused', code: 'STRIPE_MISCONFIGURED' });
  });
});
