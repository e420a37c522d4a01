import { describe, expect, it } from 'vitest';
import { useStripeFake } from './support';

const world = useStripeFake();

/** A succeeded destination charge of `amount` (fee 10 %) to the world's tutor account. */
async function destinationCharge(amount = 10_000) {
  return world.stripe.paymentIntents.create({
    amount,
    currency: 'ttd',
    customer: world.customer,
    payment_method: world.paymentMethod,
    confirm: true,
    off_session: true,
    application_fee_amount: amount / 10,
    transfer_data: { destination: world.tutorAccount },
  });
}

/** An on-session PaymentIntent (confirm=false) on the world's saved card. */
const onSession = (amount = 10_000) => world.stripe.paymentIntents.create({ amount, currency: 'ttd', customer: world.customer, payment_method: world.paymentMethod, confirm: false });

describe('fake Stripe: destination charges make their transfer', () => {
  it("a succeeded destination charge has its Transfer (charge.transfer), funded by it; a refund with reverse_transfer reverses it in proportion", async () => {
    const pi = await destinationCharge();
    const charge = world.fake.charges[0]!;
    expect(charge.transfer).toMatch(/^tr_/);
    expect(world.fake.transfers).toMatchObject([{ id: charge.transfer, amount: 9_000, destination: world.tutorAccount, source_transaction: charge.id, amount_reversed: 0 }]);
    const expanded = await world.stripe.paymentIntents.retrieve(pi.id, { expand: ['latest_charge'] });
    expect(expanded.latest_charge).toMatchObject({ id: charge.id, transfer: charge.transfer });
    expect(expanded.latest_charge).not.toHaveProperty('transferred');
    await world.stripe.refunds.create({ payment_intent: pi.id, amount: 5_000, reverse_transfer: true, refund_application_fee: true });
    expect(world.fake.transferReversals).toMatchObject([{ transfer: charge.transfer, amount: 4_500 }]);
    expect(world.fake.charges[0]).toMatchObject({ transfer_reversed: 4_500, application_fee_refunded: 500 });
    // A separate charge has none.
    await world.stripe.paymentIntents.create({ amount: 100, currency: 'ttd', customer: world.customer, payment_method: world.paymentMethod, confirm: true, off_session: true, transfer_group: 'g' });
    expect(world.fake.charges[1]!.transfer).toBeNull();
  });
});

describe('fake Stripe: on-session PaymentIntents and 3-D Secure', () => {
  it('confirm=false on a saved card → requires_confirmation with a client secret; off_session needs confirm (Stripe\'s rule)', async () => {
    const pi = await onSession();
    expect(pi).toMatchObject({ status: 'requires_confirmation', client_secret: expect.stringMatching(new RegExp(`^${pi.id}_secret_`)) });
    const refused = await world.stripe.paymentIntents.create({ amount: 100, currency: 'ttd', customer: world.customer, payment_method: world.paymentMethod, confirm: false, off_session: true }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ type: 'StripeInvalidRequestError', param: 'off_session' });
  });

  it('an authentication card: off-session → 402 authentication_required (PaymentIntent requires_payment_method); on-session confirm → requires_action with the 3-D Secure page', async () => {
    world.fake.setBehaviour(world.paymentMethod, 'authentication_required');
    const off = await world.stripe.paymentIntents.create({ amount: 100, currency: 'ttd', customer: world.customer, payment_method: world.paymentMethod, confirm: true, off_session: true }).catch((e: unknown) => e);
    expect(off).toMatchObject({ type: 'StripeCardError', code: 'authentication_required', decline_code: 'authentication_required', payment_intent: { status: 'requires_payment_method' } });
    const pi = await onSession();
    const confirmed = await world.stripe.paymentIntents.confirm(pi.id);
    expect(confirmed).toMatchObject({ status: 'requires_action', next_action: { type: 'redirect_to_url', redirect_to_url: { url: `${world.server.url}/fake-3ds/${pi.id}?client_secret=${encodeURIComponent(pi.client_secret!)}` } } });
    expect(world.fake.events.map((e) => e.type)).toContain('payment_intent.requires_action');
  });

  it('authenticate: succeed → succeeded with its charge; fail → requires_payment_method, payment_intent_authentication_failure; another state → throws', async () => {
    world.fake.setBehaviour(world.paymentMethod, 'authentication_required');
    const ok = await onSession();
    expect(world.fake.authenticate(ok.id, 'succeed')).toMatchObject({ status: 'succeeded', latest_charge: expect.stringMatching(/^ch_/), next_action: null });
    expect(world.fake.events.filter((e) => e.type === 'payment_intent.succeeded')).toHaveLength(1);
    const bad = await onSession();
    await world.stripe.paymentIntents.confirm(bad.id);
    expect(world.fake.authenticate(bad.id, 'fail')).toMatchObject({ status: 'requires_payment_method', last_payment_error: { code: 'payment_intent_authentication_failure' }, next_action: null });
    expect(world.fake.events.filter((e) => e.type === 'payment_intent.payment_failed')).toHaveLength(1);
    expect(() => world.fake.authenticate(ok.id, 'succeed')).toThrow(/does not need authentication/);
    expect(() => world.fake.authenticate('pi_missing', 'fail')).toThrow();
  });

  it('the 3-D Secure page: a wrong secret → 404; the buttons post back; afterwards it says so and offers nothing; no API key needed', async () => {
    world.fake.setBehaviour(world.paymentMethod, 'authentication_required');
    const pi = await onSession(12_345);
    const url = `${world.server.url}${world.fake.authenticationPath(pi.id)}`;
    expect((await fetch(`${world.server.url}/fake-3ds/${pi.id}?client_secret=wrong`)).status).toBe(404);
    const shown = await fetch(url);
    expect(shown.headers.get('content-type')).toMatch(/text\/html/);
    const html = await shown.text();
    expect(html).toContain('TTD 123.45');
    expect(html.match(/<form method="post"/g)).toHaveLength(2);
    const bad = await fetch(`${world.server.url}/fake-3ds/${pi.id}`, { method: 'POST', body: new URLSearchParams({ client_secret: pi.client_secret!, result: 'maybe' }) });
    expect(bad.status).toBe(400);
    const failed = await fetch(`${world.server.url}/fake-3ds/${pi.id}`, { method: 'POST', body: new URLSearchParams({ client_secret: pi.client_secret!, result: 'fail' }) });
    expect(await failed.text()).toContain('Payment failed');
    expect(world.fake.paymentIntents[0]!.status).toBe('requires_payment_method');
    const after = await (await fetch(url)).text();
    expect(after).toContain('Nothing to authenticate');
    expect(after).not.toContain('<form');
    // The page's requests are not API requests.
    expect(world.fake.requests.every((r) => r.path.startsWith('/v1/'))).toBe(true);
  });

  it('the page works through the fake\'s fetch too (no server)', async () => {
    const pi = await onSession();
    const answer = await world.fake.fetch(`http://fake.test${world.fake.authenticationPath(pi.id)}`);
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain('Complete authentication');
  });
});

describe('fake Stripe: disputes', () => {
  it('open: created, then funds withdrawn (−amount, fee 1 500); the charge is marked disputed; GET answers it', async () => {
    const pi = await destinationCharge();
    const dispute = world.fake.openDispute(pi.id, { reason: 'fraudulent' });
    expect(world.fake.events.filter((e) => e.type.startsWith('charge.dispute.')).map((e) => e.type)).toEqual(['charge.dispute.created', 'charge.dispute.funds_withdrawn']);
    const created = world.fake.events.find((e) => e.type === 'charge.dispute.created')!.data.object as { balance_transactions: unknown[] };
    expect(created.balance_transactions).toEqual([]);
    expect(dispute).toMatchObject({ amount: 10_000, currency: 'ttd', payment_intent: pi.id, status: 'needs_response', balance_transactions: [{ amount: -10_000, fee: 1_500, net: -11_500 }] });
    expect(world.fake.charges[0]!.disputed).toBe(true);
    expect(await world.stripe.disputes.retrieve(dispute.id)).toMatchObject({ id: dispute.id, status: 'needs_response', evidence_details: { has_evidence: false, submission_count: 0 } });
    expect(() => world.fake.openDispute('pi_missing')).toThrow();
  });

  it('submit is Stripe\'s default: an update without submit submits; then under_review takes no more evidence', async () => {
    const pi = await destinationCharge();
    const dispute = world.fake.openDispute(pi.id);
    const updated = await world.stripe.disputes.update(dispute.id, { evidence: { uncategorized_text: 'Our records' } });
    expect(updated).toMatchObject({ status: 'under_review', evidence: { uncategorized_text: 'Our records' }, evidence_details: { submission_count: 1, has_evidence: true } });
    const refused = await world.stripe.disputes.update(dispute.id, { evidence: { uncategorized_text: 'More' }, submit: false }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ type: 'StripeInvalidRequestError', message: expect.stringMatching(/already been submitted/) });
    const unknownParam = await world.stripe.disputes.update(dispute.id, { colour: 'red' } as never).catch((e: unknown) => e);
    expect(unknownParam).toMatchObject({ code: 'parameter_unknown', param: 'colour' });
  });

  it('the combined evidence is limited to 150 000 characters', async () => {
    const pi = await destinationCharge();
    const dispute = world.fake.openDispute(pi.id);
    const long = 'x'.repeat(20_000);
    const evidence = { access_activity_log: long, cancellation_policy_disclosure: long, cancellation_rebuttal: long, duplicate_charge_explanation: long, product_description: long, refund_policy_disclosure: long, refund_refusal_explanation: long, uncategorized_text: long };
    const refused = await world.stripe.disputes.update(dispute.id, { evidence, submit: false }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ type: 'StripeInvalidRequestError', param: 'evidence', message: expect.stringMatching(/150000/) });
    expect(world.fake.disputes[0]!.evidence_details.has_evidence).toBe(false);
  });

  it('close won → closed then funds reinstated (+amount); lost → closed only; an inquiry withdraws nothing and closes as warning_closed', async () => {
    const won = world.fake.openDispute((await destinationCharge()).id);
    world.fake.closeDispute(won.id, 'won');
    expect(won).toMatchObject({ status: 'won', balance_transactions: [{ amount: -10_000 }, { amount: 10_000, fee: 0 }] });
    const lost = world.fake.openDispute((await destinationCharge()).id);
    world.fake.closeDispute(lost.id, 'lost');
    expect(lost.balance_transactions).toHaveLength(1);
    expect(() => world.fake.closeDispute(lost.id, 'won')).toThrow(/cannot be closed/);
    const inquiry = world.fake.openDispute((await destinationCharge()).id, { inquiry: true, amount: 2_000 });
    expect(inquiry).toMatchObject({ status: 'warning_needs_response', amount: 2_000, balance_transactions: [] });
    await world.stripe.disputes.update(inquiry.id, { evidence: { service_date: '2031-01-01' } });
    expect(inquiry.status).toBe('warning_under_review');
    world.fake.closeDispute(inquiry.id, 'won');
    expect(inquiry.status).toBe('warning_closed');
    expect(world.fake.events.filter((e) => e.type.startsWith('charge.dispute.')).map((e) => e.type)).toEqual([
      'charge.dispute.created',
      'charge.dispute.funds_withdrawn',
      'charge.dispute.closed',
      'charge.dispute.funds_reinstated',
      'charge.dispute.created',
      'charge.dispute.funds_withdrawn',
      'charge.dispute.closed',
      'charge.dispute.created',
      'charge.dispute.updated',
      'charge.dispute.closed',
    ]);
  });
});
