import { chargebackShareKey, EVIDENCE_TEXT_LIMIT, type ChargebackShareInstruction, type DisputeEvidenceFields } from '@itutor/sessions-core/adapter';
import { isSessionError } from '@itutor/sessions-core';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { STRIPE_CHARGEBACK_METADATA_KEY, stripeDisputeEvidence, stripeGateway, type StripeClientLike } from '../src/index';
import { gatewayFor, instruction, useStripeFake } from './support';

const world = useStripeFake();

const EVIDENCE: DisputeEvidenceFields = {
  service_date: '2031-03-04',
  product_description: 'A 60-minute online lesson, TTD 150.00, on Zoom.',
  access_activity_log: 'Session scheduled 2031-03-04T15:00:00Z to 2031-03-04T16:00:00Z (UTC).\n2031-03-04T14:58:00Z the student joined',
  cancellation_policy_disclosure: 'Cancellations: 24 hours or more before the start: free.',
  refund_policy_disclosure: 'Within 72 hours after a charged session the student may report a problem.',
  customer_communication: '2031-03-04T17:00:00Z the student: the tutor was late',
  uncategorized_text: '2031-03-04T16:05:00Z session settled\n2031-03-04T16:05:00Z charge succeeded',
};

/** A succeeded charge of the gateway (destination by default) with a dispute opened on it. */
async function disputed(timing: 'with_charge' | 'after_review' = 'with_charge') {
  const charged = await gatewayFor(world).charge(instruction({ payoutTiming: timing }));
  if (charged.status !== 'succeeded') throw new Error('not charged');
  const dispute = world.fake.openDispute(charged.reference!);
  return { paymentIntent: charged.reference!, dispute };
}
const evidenceOf = (reference: string, evidence: DisputeEvidenceFields = EVIDENCE) => ({ sessionId: 's1', chargeback: 1, reference, evidence });
const disputeUpdates = () => world.fake.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/v1/disputes/'));

describe('stripeDisputeEvidence: the core\'s evidence as Stripe\'s evidence parameter', () => {
  it('text fields as they are; the messages (Stripe\'s customer_communication is a file) join uncategorized_text under a heading', () => {
    const mapped = stripeDisputeEvidence(EVIDENCE);
    expect(Object.keys(mapped).sort()).toEqual(['access_activity_log', 'cancellation_policy_disclosure', 'product_description', 'refund_policy_disclosure', 'service_date', 'uncategorized_text']);
    expect(mapped).not.toHaveProperty('customer_communication');
    expect(mapped.uncategorized_text).toBe(`${EVIDENCE.uncategorized_text}\n\nMessages between the student and the tutor in the platform's own dispute, oldest first:\n${EVIDENCE.customer_communication}`);
    expect(mapped.service_date).toBe('2031-03-04');
  });

  it('no messages → uncategorized_text as it is; empty fields are left out', () => {
    expect(stripeDisputeEvidence({ ...EVIDENCE, customer_communication: null }).uncategorized_text).toBe(EVIDENCE.uncategorized_text);
    expect(stripeDisputeEvidence({ ...EVIDENCE, customer_communication: null, uncategorized_text: '' })).not.toHaveProperty('uncategorized_text');
  });

  it("stays within Stripe's 20,000 characters a field: long messages are cut, the audit trail first", () => {
    const trail = 'a'.repeat(15_000);
    const mapped = stripeDisputeEvidence({ ...EVIDENCE, uncategorized_text: trail, customer_communication: 'm'.repeat(10_000) });
    expect(mapped.uncategorized_text!.length).toBeLessThanOrEqual(EVIDENCE_TEXT_LIMIT);
    expect(mapped.uncategorized_text!.length).toBeGreaterThan(EVIDENCE_TEXT_LIMIT - 20);
    expect(mapped.uncategorized_text!.startsWith(trail)).toBe(true);
    expect(mapped.uncategorized_text!.endsWith('[…truncated]')).toBe(true);
  });
});

describe('stageChargebackEvidence / submitChargebackEvidence against the fake', () => {
  it('stages with submit=false: the dispute holds the evidence and still waits for it; staging again replaces it', async () => {
    const { dispute } = await disputed();
    const gateway = gatewayFor(world);
    expect(await gateway.stageChargebackEvidence(evidenceOf(dispute.id))).toEqual({ status: 'succeeded' });
    const [request] = disputeUpdates();
    expect(request!.params).toEqual({ evidence: stripeDisputeEvidence(EVIDENCE), submit: 'false' });
    // Staging has no key of its own: staging again with new text must not be refused as a reused key.
    expect(request!.idempotencyKey ?? '').not.toMatch(/^itutor-/);
    expect(world.fake.disputes[0]).toMatchObject({ status: 'needs_response', evidence: { service_date: '2031-03-04', customer_communication: null }, evidence_details: { has_evidence: true, submission_count: 0 } });
    expect(await gateway.stageChargebackEvidence(evidenceOf(dispute.id, { ...EVIDENCE, product_description: 'Corrected.' }))).toEqual({ status: 'succeeded' });
    expect(world.fake.disputes[0]!.evidence.product_description).toBe('Corrected.');
    expect(world.fake.events.filter((e) => e.type === 'charge.dispute.updated')).toHaveLength(2);
  });

  it('submits with submit=true under the submit key: under_review; a repeated submit (a lost answer) gets Stripe\'s first answer back', async () => {
    const { dispute } = await disputed();
    const gateway = gatewayFor(world);
    await gateway.stageChargebackEvidence(evidenceOf(dispute.id));
    expect(await gateway.submitChargebackEvidence(evidenceOf(dispute.id))).toEqual({ status: 'succeeded' });
    expect(world.fake.disputes[0]).toMatchObject({ status: 'under_review', evidence_details: { submission_count: 1 } });
    expect(await gateway.submitChargebackEvidence(evidenceOf(dispute.id))).toEqual({ status: 'succeeded' });
    const submits = disputeUpdates().slice(1);
    expect(submits.map((r) => [r.params, r.idempotencyKey, r.replayed])).toEqual([
      [{ submit: 'true' }, 'itutor-chargeback-s1-1-submit', false],
      [{ submit: 'true' }, 'itutor-chargeback-s1-1-submit', true],
    ]);
    expect(world.fake.disputes[0]!.evidence_details.submission_count).toBe(1);
  });

  it('a dispute that no longer takes evidence, or an unknown one → failed with Stripe\'s code and message', async () => {
    const { dispute } = await disputed();
    const gateway = gatewayFor(world);
    await gateway.submitChargebackEvidence(evidenceOf(dispute.id));
    const refused = await gateway.stageChargebackEvidence(evidenceOf(dispute.id));
    expect(refused).toMatchObject({ status: 'failed', failureCode: 'invalid_request' });
    expect((refused as { message: string }).message).toMatch(/already been submitted/);
    world.fake.closeDispute(dispute.id, 'lost');
    expect(await gateway.stageChargebackEvidence(evidenceOf(dispute.id))).toMatchObject({ status: 'failed', message: expect.stringMatching(/already closed/) });
    expect(await gateway.submitChargebackEvidence({ ...evidenceOf('dp_missing'), chargeback: 2 })).toMatchObject({ status: 'failed', failureCode: 'resource_missing' });
    expect(await gateway.stageChargebackEvidence(evidenceOf('not-a-dispute'))).toMatchObject({ status: 'failed', failureCode: 'INVALID_INSTRUCTION' });
  });

  it("Stripe's answers to evidence it refuses (the documented error shape): an unknown field, text where a file id belongs", async () => {
    const { dispute } = await disputed();
    // What a caller passing the core's fields unmapped would send.
    const unknownField = await world.stripe.disputes.update(dispute.id, { evidence: { tutor_notes: 'x' } as never, submit: false }).catch((e: unknown) => e);
    expect(unknownField).toMatchObject({ type: 'StripeInvalidRequestError', code: 'parameter_unknown', param: 'evidence[tutor_notes]' });
    const textAsFile = await world.stripe.disputes.update(dispute.id, { evidence: { customer_communication: 'hello' }, submit: false }).catch((e: unknown) => e);
    expect(textAsFile).toMatchObject({ type: 'StripeInvalidRequestError', code: 'resource_missing', param: 'evidence[customer_communication]' });
    const file = world.fake.addFile('dispute_evidence');
    expect((await world.stripe.disputes.update(dispute.id, { evidence: { customer_communication: file }, submit: false })).evidence.customer_communication).toBe(file);
    const tooLong = await world.stripe.disputes.update(dispute.id, { evidence: { uncategorized_text: 'x'.repeat(20_001) }, submit: false }).catch((e: unknown) => e);
    expect(tooLong).toMatchObject({ type: 'StripeInvalidRequestError', param: 'evidence[uncategorized_text]' });
  });

  it('a 500 or a dropped connection is thrown (not staged, staged again later); a wrong key throws GATEWAY_MISCONFIGURED', async () => {
    const { dispute } = await disputed();
    world.fake.failNext({ kind: 'server_error' }, { path: `/v1/disputes/${dispute.id}` });
    await expect(gatewayFor(world).stageChargebackEvidence(evidenceOf(dispute.id))).rejects.toMatchObject({ type: 'StripeAPIError' });
    expect(world.fake.disputes[0]!.evidence_details.has_evidence).toBe(false);
    const wrongKey = stripeGateway({ stripe: new Stripe('sk_test_wrong', { ...world.server.clientOptions, telemetry: false }), customerFor: () => null, connectedAccountFor: () => null });
    const thrown = await wrongKey.submitChargebackEvidence(evidenceOf(dispute.id)).catch((e: unknown) => e);
    expect(isSessionError(thrown, 'GATEWAY_MISCONFIGURED')).toBe(true);
    const controller = new AbortController();
    controller.abort();
    await expect(gatewayFor(world).stageChargebackEvidence(evidenceOf(dispute.id), { signal: controller.signal })).rejects.toThrow(/aborted/);
  });
});

describe("moveChargebackShare: the tutor's share of a chargeback", () => {
  const share = (overrides: Partial<ChargebackShareInstruction>): ChargebackShareInstruction => ({
    direction: 'reverse',
    idempotencyKey: chargebackShareKey('s1', 1, overrides.direction ?? 'reverse'),
    sessionId: 's1',
    tutorId: 'tutor-1',
    chargeback: 1,
    attempt: 1,
    amountMinor: 13_500,
    currency: 'TTD',
    payoutTiming: 'with_charge',
    chargeReference: 'pi_unset',
    payoutReference: null,
    ...overrides,
  });

  it('with_charge, reverse: a reversal of the destination charge\'s own transfer, under the move\'s key; a retry reverses once', async () => {
    const { paymentIntent } = await disputed();
    const charge = world.fake.charges[0]!;
    const gateway = gatewayFor(world);
    const first = await gateway.moveChargebackShare(share({ chargeReference: paymentIntent }));
    const [reversal] = world.fake.transferReversals;
    expect(first).toEqual({ status: 'succeeded', reference: reversal!.id });
    expect(reversal).toMatchObject({ transfer: charge.transfer, amount: 13_500, metadata: { itutor_session_id: 's1', itutor_attempt: '1', [STRIPE_CHARGEBACK_METADATA_KEY]: 'itutor-chargeback-s1-1-reverse' } });
    expect(await gateway.moveChargebackShare(share({ chargeReference: paymentIntent }))).toEqual(first);
    expect(world.fake.transferReversals).toHaveLength(1);
    expect(world.fake.transfers.find((t) => t.id === charge.transfer)).toMatchObject({ amount_reversed: 13_500, reversed: true });
    // The PaymentIntent was read with its latest charge expanded, to find the transfer.
    expect(world.fake.requests.find((r) => r.method === 'GET')!.path).toMatch(/expand/);
  });

  it('after a partial refund took part of the transfer back, only what is left can be reversed: more → failed (Stripe\'s refusal)', async () => {
    const { paymentIntent } = await disputed();
    await world.stripe.refunds.create({ payment_intent: paymentIntent, amount: 5_000, reverse_transfer: true, refund_application_fee: true });
    const transfer = world.fake.transfers[0]!;
    expect(transfer.amount_reversed).toBe(4_500);
    expect(await gatewayFor(world).moveChargebackShare(share({ chargeReference: paymentIntent }))).toEqual({ status: 'failed', failureCode: 'invalid_request' });
    expect(await gatewayFor(world).moveChargebackShare(share({ chargeReference: paymentIntent, amountMinor: 9_000 }))).toMatchObject({ status: 'succeeded' });
    expect(world.fake.transfers[0]).toMatchObject({ amount_reversed: 13_500, reversed: true });
  });

  it('after_review, reverse: the payout\'s transfer (payoutReference) is reversed', async () => {
    const { paymentIntent } = await disputed('after_review');
    const gateway = gatewayFor(world);
    const paid = await gateway.transfer({ idempotencyKey: 'itutor-payout-s1-1', sessionId: 's1', tutorId: 'tutor-1', payout: 1, attempt: 1, amountMinor: 13_500, currency: 'TTD', chargeReference: paymentIntent, transferGroup: 's1' } as never);
    expect(paid.status).toBe('succeeded');
    const moved = await gateway.moveChargebackShare(share({ payoutTiming: 'after_review', chargeReference: paymentIntent, payoutReference: paid.reference!, amountMinor: 6_000 }));
    expect(moved.status).toBe('succeeded');
    expect(world.fake.transferReversals).toMatchObject([{ transfer: paid.reference, amount: 6_000 }]);
    // No PaymentIntent read: the payout names the transfer.
    expect(world.fake.requests.filter((r) => r.method === 'GET' && r.path.includes(paymentIntent))).toHaveLength(1);
  });

  it('reinstate: a new transfer to the tutor\'s account, transfer_group = the session, under the reinstatement\'s key', async () => {
    const { paymentIntent } = await disputed();
    const gateway = gatewayFor(world);
    await gateway.moveChargebackShare(share({ chargeReference: paymentIntent }));
    const back = await gateway.moveChargebackShare(share({ direction: 'reinstate', chargeReference: paymentIntent }));
    const made = world.fake.transfers.at(-1)!;
    expect(back).toEqual({ status: 'succeeded', reference: made.id });
    expect(made).toMatchObject({ amount: 13_500, currency: 'ttd', destination: world.tutorAccount, transfer_group: 's1', source_transaction: null, metadata: { [STRIPE_CHARGEBACK_METADATA_KEY]: 'itutor-chargeback-s1-1-reinstate' } });
    expect(world.fake.requests.at(-1)!.idempotencyKey).toBe('itutor-chargeback-s1-1-reinstate');
    expect(await gatewayFor(world, { connectedAccountFor: () => null }).moveChargebackShare(share({ direction: 'reinstate', idempotencyKey: 'k2', chargeReference: paymentIntent }))).toEqual({ status: 'failed', failureCode: 'itutor_no_connected_account' });
  });

  it('refused before anything is sent: invalid instructions halt; a with_charge move on a separate charge halts', async () => {
    const gateway = gatewayFor(world);
    for (const bad of [{ amountMinor: 0 }, { currency: 'T' }, { direction: 'sideways' as never }, { chargeReference: 'ch_1' }, { payoutTiming: 'after_review' as const, payoutReference: null }]) {
      expect(await gateway.moveChargebackShare(share(bad))).toEqual({ status: 'halted', code: 'INVALID_INSTRUCTION' });
    }
    expect(world.fake.requests).toHaveLength(0);
    const { paymentIntent } = await disputed('after_review');
    expect(await gateway.moveChargebackShare(share({ chargeReference: paymentIntent }))).toEqual({ status: 'halted', code: 'INVALID_INSTRUCTION' });
    expect(world.fake.transferReversals).toHaveLength(0);
  });

  it('a destination charge without a transfer (Stripe\'s answer without one) → failed itutor_no_transfer; a 429 → unknown', async () => {
    const real = world.stripe as unknown as StripeClientLike;
    const noTransfer: StripeClientLike = {
      ...real,
      paymentIntents: { ...real.paymentIntents, retrieve: async () => ({ id: 'pi_x', status: 'succeeded', transfer_data: { destination: 'acct_1' }, latest_charge: { id: 'ch_x', transfer: null } }) },
    };
    const gateway = stripeGateway({ stripe: noTransfer, customerFor: () => null, connectedAccountFor: () => 'acct_1' });
    expect(await gateway.moveChargebackShare(share({ chargeReference: 'pi_x' }))).toEqual({ status: 'failed', failureCode: 'itutor_no_transfer' });
    const { paymentIntent } = await disputed();
    world.fake.failNext({ kind: 'rate_limit' }, { path: /^\/v1\/transfers\/[^/]+\/reversals$/ });
    expect(await gatewayFor(world).moveChargebackShare(share({ chargeReference: paymentIntent }))).toEqual({ status: 'unknown', reason: 'rate_limited' });
    expect(await gatewayFor(world).moveChargebackShare(share({ chargeReference: paymentIntent }))).toMatchObject({ status: 'succeeded' });
  });
});
