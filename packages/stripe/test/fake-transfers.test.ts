import { describe, expect, it } from 'vitest';
import { useStripeFake } from './support';

const world = useStripeFake();

/** A raw request to the fake over HTTP, as Stripe receives one: form-encoded, with the secret key. */
async function raw(method: string, path: string, form: Record<string, string> = {}, idempotencyKey?: string) {
  const response = await fetch(`${world.server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${world.fake.apiKey}`,
      'content-type': 'application/x-www-form-urlencoded',
      ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
    },
    ...(method === 'GET' ? {} : { body: new URLSearchParams(form).toString() }),
  });
  return { status: response.status, replayed: response.headers.get('idempotent-replayed'), body: (await response.json()) as Record<string, any> };
}

/** A succeeded separate charge of `amount` (no transfer_data): its PaymentIntent and charge ids. */
async function separateCharge(amount = 10_000) {
  const pi = await world.stripe.paymentIntents.create({
    amount,
    currency: 'ttd',
    customer: world.customer,
    payment_method: world.paymentMethod,
    confirm: true,
    off_session: true,
    transfer_group: 'session-1',
  });
  return { pi: pi.id, charge: pi.latest_charge as string };
}

describe('fake Stripe: separate charges', () => {
  it('a PaymentIntent with transfer_group and without transfer_data: its charge carries the group and moves nothing to an account', async () => {
    const { pi, charge } = await separateCharge();
    expect(world.fake.paymentIntents[0]).toMatchObject({ id: pi, transfer_group: 'session-1', transfer_data: null, application_fee_amount: null, latest_charge: charge });
    const read = await raw('GET', `/v1/charges/${charge}`);
    expect(read.body).toMatchObject({ id: charge, object: 'charge', status: 'succeeded', transfer_group: 'session-1', payment_intent: pi });
    expect(read.body).not.toHaveProperty('transferred');
    // An application fee needs a destination (Stripe's rule), so a separate charge has none.
    const refused = await raw('POST', '/v1/payment_intents', { amount: '100', currency: 'ttd', application_fee_amount: '10', transfer_group: 'g' });
    expect(refused).toMatchObject({ status: 400, body: { error: { type: 'invalid_request_error', param: 'application_fee_amount' } } });
  });

  it('a processing PaymentIntent has a pending latest charge; it succeeds or fails with it', async () => {
    world.fake.setBehaviour(world.paymentMethod, 'processing');
    const first = await world.stripe.paymentIntents.create({ amount: 100, currency: 'ttd', customer: world.customer, payment_method: world.paymentMethod, confirm: true, off_session: true });
    const second = await world.stripe.paymentIntents.create({ amount: 200, currency: 'ttd', customer: world.customer, payment_method: world.paymentMethod, confirm: true, off_session: true });
    expect(world.fake.charges.map((c) => c.status)).toEqual(['pending', 'pending']);
    world.fake.finishProcessing(first.id, 'succeeded');
    world.fake.finishProcessing(second.id, { decline: 'insufficient_funds' });
    expect(world.fake.charges.map((c) => [c.id, c.status])).toEqual([
      [first.latest_charge, 'succeeded'],
      [second.latest_charge, 'failed'],
    ]);
    expect(world.fake.events.filter((e) => e.type.startsWith('charge.')).map((e) => e.type)).toEqual(['charge.pending', 'charge.pending', 'charge.succeeded', 'charge.failed']);
  });
});

describe('fake Stripe: transfers', () => {
  it('creates a transfer from a source charge; GET answers it with its reversals; transfer.created is emitted', async () => {
    const { charge } = await separateCharge();
    const made = await raw(
      'POST',
      '/v1/transfers',
      { amount: '9000', currency: 'ttd', destination: world.tutorAccount, source_transaction: charge, transfer_group: 'session-1', 'metadata[itutor_payout]': '1' },
      'key-1',
    );
    expect(made.status).toBe(200);
    expect(made.body).toMatchObject({
      object: 'transfer',
      amount: 9_000,
      amount_reversed: 0,
      reversed: false,
      currency: 'ttd',
      destination: world.tutorAccount,
      source_transaction: charge,
      transfer_group: 'session-1',
      metadata: { itutor_payout: '1' },
      reversals: { object: 'list', data: [], has_more: false, total_count: 0 },
    });
    expect((await raw('GET', `/v1/transfers/${made.body.id}`)).body).toEqual(made.body);
    expect(world.fake.transfers.map((t) => t.id)).toEqual([made.body.id]);
    expect(world.fake.events.filter((e) => e.type === 'transfer.created').map((e) => (e.data.object as { id: string }).id)).toEqual([made.body.id]);
    expect(await raw('GET', '/v1/transfers/tr_missing')).toMatchObject({ status: 404, body: { error: { type: 'invalid_request_error', code: 'resource_missing' } } });
  });

  it('idempotency keys: the same key and parameters → the first answer replayed; other parameters → 400 idempotency_error', async () => {
    const { charge } = await separateCharge();
    const form = { amount: '9000', currency: 'ttd', destination: world.tutorAccount, source_transaction: charge };
    const first = await raw('POST', '/v1/transfers', form, 'key-1');
    const again = await raw('POST', '/v1/transfers', form, 'key-1');
    expect(again).toEqual({ ...first, replayed: 'true' });
    const other = await raw('POST', '/v1/transfers', { ...form, amount: '8000' }, 'key-1');
    expect(other).toMatchObject({ status: 400, body: { error: { type: 'idempotency_error' } } });
    expect(world.fake.transfers).toHaveLength(1);
  });

  it("refusals in Stripe's formats: balance_insufficient, a source charge not succeeded or in another currency, an unknown or incapable destination", async () => {
    const { pi, charge } = await separateCharge(10_000);
    const base = { currency: 'ttd', destination: world.tutorAccount, source_transaction: charge };
    // The source charge funds at most what is left of it.
    expect((await raw('POST', '/v1/transfers', { ...base, amount: '6000' })).status).toBe(200);
    await world.stripe.refunds.create({ payment_intent: pi, amount: 3_000 });
    const short = await raw('POST', '/v1/transfers', { ...base, amount: '1001' });
    expect(short.status).toBe(400);
    expect(short.body.error).toMatchObject({ type: 'invalid_request_error', code: 'balance_insufficient', doc_url: 'https://stripe.com/docs/error-codes/balance-insufficient' });
    expect(short.body.error.message).toMatch(/^Insufficient funds in Stripe account/);
    expect((await raw('POST', '/v1/transfers', { ...base, amount: '1000' })).status).toBe(200);

    expect((await raw('POST', '/v1/transfers', { ...base, amount: '1', currency: 'usd' })).body.error).toMatchObject({ type: 'invalid_request_error', param: 'currency' });
    expect((await raw('POST', '/v1/transfers', { ...base, amount: '1', source_transaction: 'ch_missing' })).body.error).toMatchObject({
      code: 'resource_missing',
      param: 'source_transaction',
    });
    world.fake.setBehaviour(world.paymentMethod, 'processing');
    const pending = await world.stripe.paymentIntents.create({ amount: 500, currency: 'ttd', customer: world.customer, payment_method: world.paymentMethod, confirm: true, off_session: true });
    expect((await raw('POST', '/v1/transfers', { ...base, amount: '1', source_transaction: pending.latest_charge as string })).body.error).toMatchObject({
      type: 'invalid_request_error',
      param: 'source_transaction',
    });
    expect((await raw('POST', '/v1/transfers', { ...base, amount: '1', destination: 'acct_missing' })).body.error).toMatchObject({ code: 'resource_missing', param: 'destination' });
    world.fake.setTransfersCapability(world.tutorAccount, 'inactive');
    expect((await raw('POST', '/v1/transfers', { ...base, amount: '1' })).body.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'insufficient_capabilities_for_transfer',
      param: 'destination',
    });
    expect(world.fake.transfers.map((t) => t.amount)).toEqual([6_000, 1_000]);
  });

  it("without a source charge the platform's available balance pays (when set): balance_insufficient beyond it; a reversal gives back", async () => {
    world.fake.setAvailableBalance(1_000);
    const base = { currency: 'ttd', destination: world.tutorAccount };
    expect((await raw('POST', '/v1/transfers', { ...base, amount: '1001' })).body.error).toMatchObject({ code: 'balance_insufficient' });
    const made = await raw('POST', '/v1/transfers', { ...base, amount: '1000' });
    expect(made.status).toBe(200);
    expect((await raw('POST', '/v1/transfers', { ...base, amount: '1' })).body.error).toMatchObject({ code: 'balance_insufficient' });
    expect((await raw('POST', `/v1/transfers/${made.body.id}/reversals`, { amount: '400' })).status).toBe(200);
    expect((await raw('POST', '/v1/transfers', { ...base, amount: '400' })).status).toBe(200);
  });
});

describe('fake Stripe: transfer reversals', () => {
  it('reverses part then the rest; more than is left → 400 invalid_request_error on amount; listed newest first; transfer.reversed emitted', async () => {
    const { charge } = await separateCharge();
    const transfer = await world.stripe.transfers.create({ amount: 9_000, currency: 'ttd', destination: world.tutorAccount, source_transaction: charge });
    const path = `/v1/transfers/${transfer.id}/reversals`;
    const first = await raw('POST', path, { amount: '4000', 'metadata[itutor_refund_key]': 'r1' }, 'rev-1');
    expect(first.body).toMatchObject({ object: 'transfer_reversal', amount: 4_000, currency: 'ttd', transfer: transfer.id, metadata: { itutor_refund_key: 'r1' } });
    expect(await raw('POST', path, { amount: '4000', 'metadata[itutor_refund_key]': 'r1' }, 'rev-1')).toEqual({ ...first, replayed: 'true' });
    const tooMuch = await raw('POST', path, { amount: '5001' });
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.body.error).toMatchObject({ type: 'invalid_request_error', param: 'amount' });
    const rest = await raw('POST', path, {});
    expect(rest.body).toMatchObject({ amount: 5_000 });
    expect((await raw('POST', path, { amount: '1' })).body.error).toMatchObject({ type: 'invalid_request_error', param: 'amount' });
    expect(world.fake.transfers[0]).toMatchObject({ amount_reversed: 9_000, reversed: true });

    const page = await world.stripe.transfers.listReversals(transfer.id, { limit: 1 });
    expect(page.data.map((r) => r.id)).toEqual([rest.body.id]);
    expect(page.has_more).toBe(true);
    const next = await world.stripe.transfers.listReversals(transfer.id, { limit: 1, starting_after: rest.body.id });
    expect(next.data.map((r) => r.id)).toEqual([first.body.id]);
    expect(next.has_more).toBe(false);
    expect((await raw('GET', `/v1/transfers/${transfer.id}`)).body.reversals).toMatchObject({ total_count: 2, data: [{ id: rest.body.id }, { id: first.body.id }] });
    expect(world.fake.transferReversals.map((r) => r.amount)).toEqual([4_000, 5_000]);
    expect(world.fake.events.filter((e) => e.type === 'transfer.reversed')).toHaveLength(2);
    expect(await raw('POST', '/v1/transfers/tr_missing/reversals', { amount: '1' })).toMatchObject({ status: 404, body: { error: { code: 'resource_missing' } } });
  });

  it('faults apply to transfers and reversals by path, like any endpoint (a lost answer is replayed under its key)', async () => {
    const { charge } = await separateCharge();
    world.fake.failNext({ kind: 'server_error' }, { path: '/v1/transfers' });
    const form = { amount: '100', currency: 'ttd', destination: world.tutorAccount, source_transaction: charge };
    expect((await raw('POST', '/v1/transfers', form, 'k')).status).toBe(500);
    expect(world.fake.transfers).toHaveLength(0);
    const made = await raw('POST', '/v1/transfers', form, 'k');
    world.fake.failNext({ kind: 'drop', processed: true }, { path: /^\/v1\/transfers\/[^/]+\/reversals$/ });
    await expect(raw('POST', `/v1/transfers/${made.body.id}/reversals`, { amount: '10' }, 'rk')).rejects.toThrow();
    expect(world.fake.transferReversals).toHaveLength(1);
    expect((await raw('POST', `/v1/transfers/${made.body.id}/reversals`, { amount: '10' }, 'rk')).replayed).toBe('true');
    expect(world.fake.requests.filter((r) => r.fault !== null).map((r) => [r.path.split('/').length, r.fault])).toEqual([
      [3, 'server_error'],
      [5, 'drop'],
    ]);
  });
});
