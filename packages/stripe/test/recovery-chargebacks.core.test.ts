import { createSessionsCore, isSessionError, type SessionPolicy } from '@itutor/sessions-core';
import { createFakeVideoProvider, createInMemoryAdapter, createManualClock } from '@itutor/sessions-core/testing';
import { describe, expect, it } from 'vitest';
import { coreChargebackRecorder, coreChargeRecorder, stripeGateway } from '../src/index';
import { createMemoryEventStore, type FakeCardBehaviour, type FakeEvent } from '../src/testing/index';
import { mountStripeWebhook, useStripeFake, WEBHOOK_SECRET } from './support';

/**
 * The Stripe package with the real core (issue #24): payment recovery and chargebacks end to end — the core
 * over the in-memory adapter, the gateway and the webhook route against the fake Stripe.
 */
const world = useStripeFake();
const START = new Date('2026-06-01T14:00:00.000Z');
const addMinutes = (at: Date, minutes: number) => new Date(at.getTime() + minutes * 60_000);

async function setUp(card: FakeCardBehaviour, policy: Partial<SessionPolicy> = {}) {
  const clock = createManualClock(addMinutes(START, -24 * 60));
  const tutorAccount = world.fake.addConnectedAccount();
  const customer = world.fake.addCustomer();
  const paymentMethod = world.fake.addPaymentMethod(customer, card);
  const gateway = stripeGateway({
    stripe: world.stripe,
    customerFor: (studentId) => (studentId === 'student-1' ? { customer, paymentMethod } : null),
    connectedAccountFor: (tutorId) => (tutorId === 'tutor-1' ? tutorAccount : null),
  });
  const adapter = createInMemoryAdapter();
  const core = createSessionsCore({
    adapter,
    videoProvider: createFakeVideoProvider(),
    paymentGateway: gateway,
    clock,
    policy: { chargeDeadlineMinutes: 1380, ...policy },
  });
  await core.providers.connect({ tutorId: 'tutor-1', provider: 'zoom', tokens: null });
  const { session } = await core.sessions.create({ bookingId: 'bk-1', tutorId: 'tutor-1', studentId: 'student-1', scheduledStartAt: START, durationMinutes: 60, priceMinor: 15_000 });
  const handle = mountStripeWebhook(
    {
      stripe: world.stripe,
      webhookSecret: WEBHOOK_SECRET,
      events: createMemoryEventStore(),
      recorder: { recordChargeAnswer: coreChargeRecorder(core), recordChargeback: coreChargebackRecorder(core) },
    },
    core,
  );
  const deliver = async (event: FakeEvent) => handle(await world.fake.webhookRequest(event, { secret: WEBHOOK_SECRET }));
  return { clock, adapter, core, session, tutorAccount, paymentMethod, deliver };
}

const lastEvent = (type: string) => world.fake.events.filter((e) => e.type === type).at(-1)!;

describe('with the real core: payment recovery', () => {
  it('3-D Secure off-session → awaiting the student (told once, the cron leaves it) → on-session client secret → authenticated → paid once', async () => {
    const env = await setUp('authentication_required');
    env.clock.set(addMinutes(START, 120));
    await env.core.settlement.run();
    let stored = (await env.core.sessions.get(env.session.id))!;
    expect(stored).toMatchObject({ chargeStatus: 'awaiting_customer', chargeIdempotencyKey: null });
    const told = async () => (await env.adapter.events.listBySession(env.session.id)).filter((e) => e.type === 'charge.customer_action_required');
    expect(await told()).toHaveLength(1);

    // The cron never charges the saved card off-session again.
    env.clock.advance({ minutes: 30 });
    await env.core.settlement.run();
    expect(world.fake.paymentIntents).toHaveLength(1);

    const started = await env.core.charges.startOnSession({ sessionId: env.session.id, studentId: 'student-1' });
    const pi = world.fake.paymentIntents[1]!;
    expect(started).toEqual({ status: 'requires_customer', clientSecret: pi.client_secret, attempt: 2, amountMinor: 15_000, currency: 'TTD' });
    expect(pi).toMatchObject({ off_session: false, status: 'requires_confirmation', metadata: { itutor_attempt: '2' } });
    // The student came back: the same attempt and PaymentIntent.
    expect(await env.core.charges.startOnSession({ sessionId: env.session.id, studentId: 'student-1' })).toEqual(started);
    expect(world.fake.paymentIntents).toHaveLength(2);

    world.fake.authenticate(pi.id, 'succeed');
    expect((await env.deliver(lastEvent('payment_intent.succeeded'))).status).toBe(200);
    stored = (await env.core.sessions.get(env.session.id))!;
    expect(stored).toMatchObject({ chargeStatus: 'succeeded', chargeReference: pi.id });
    expect((await env.core.charges.list(env.session.id)).map((a) => `${a.attempt}:${a.status}`)).toEqual(['1:failed', '2:succeeded']);
    expect(await told()).toHaveLength(1);
    const again = await env.core.charges.startOnSession({ sessionId: env.session.id, studentId: 'student-1' }).catch((e: unknown) => e);
    expect(isSessionError(again, 'NO_CHARGE_PENDING')).toBe(true);
  });

  it('an expired card (a decline the student must fix) waits for them too; a failed 3-D Secure leaves it waiting for a new attempt', async () => {
    const env = await setUp({ decline: 'expired_card', code: 'expired_card' });
    env.clock.set(addMinutes(START, 120));
    await env.core.settlement.run();
    expect((await env.core.sessions.get(env.session.id))!.chargeStatus).toBe('awaiting_customer');

    world.fake.setBehaviour(env.paymentMethod, 'authentication_required'); // the student renewed the card; the bank wants 3-D Secure
    const first = await env.core.charges.startOnSession({ sessionId: env.session.id, studentId: 'student-1' });
    expect(first).toMatchObject({ status: 'requires_customer', attempt: 2 });
    world.fake.authenticate(world.fake.paymentIntents[1]!.id, 'fail');
    const failed = await env.core.charges.startOnSession({ sessionId: env.session.id, studentId: 'student-1' });
    expect(failed).toMatchObject({ status: 'failed', failureCode: 'payment_intent_authentication_failure', attempt: 2 });
    expect((await env.core.sessions.get(env.session.id))!).toMatchObject({ chargeStatus: 'awaiting_customer', chargeIdempotencyKey: null });
    const next = await env.core.charges.startOnSession({ sessionId: env.session.id, studentId: 'student-1' });
    expect(next).toMatchObject({ status: 'requires_customer', attempt: 3 });
  });
});

describe('with the real core: chargebacks', () => {
  it("the tutor bears the loss: dispute opened → evidence staged at Stripe and the tutor's share reversed; submitted by a person; won (events out of order) → share reinstated", async () => {
    const env = await setUp('succeed', { chargebackLossBearer: 'tutor' });
    env.clock.set(addMinutes(START, 120));
    await env.core.settlement.run();
    const paid = (await env.core.sessions.get(env.session.id))!;
    expect(paid.chargeStatus).toBe('succeeded');
    const charge = world.fake.charges[0]!;

    const dispute = world.fake.openDispute(paid.chargeReference!, { reason: 'product_not_received' });
    for (const type of ['charge.dispute.created', 'charge.dispute.funds_withdrawn']) expect((await env.deliver(lastEvent(type))).status).toBe(200);
    let [chargeback] = await env.core.chargebacks.list(env.session.id);
    expect(chargeback).toMatchObject({ reference: dispute.id, status: 'needs_response', fundsWithdrawnMinor: 15_000, feeMinor: 1_500, evidence: 'staged', tutorShare: 'reversed', tutorShareMinor: 13_500 });
    // At Stripe: the evidence staged (not submitted), the tutor's transfer reversed by the share.
    expect(world.fake.disputes[0]).toMatchObject({ status: 'needs_response', evidence_details: { has_evidence: true, submission_count: 0 } });
    expect(world.fake.disputes[0]!.evidence.service_date).toBe('2026-06-01');
    expect(world.fake.transferReversals).toMatchObject([{ transfer: charge.transfer, amount: 13_500 }]);

    chargeback = await env.core.chargebacks.submitEvidence({ sessionId: env.session.id, chargeback: 1, actorId: 'ops-1' });
    expect(chargeback.evidence).toBe('submitted');
    expect(world.fake.disputes[0]!.status).toBe('under_review');

    world.fake.closeDispute(dispute.id, 'won');
    // Stripe's deliveries out of order: the funds back before the close.
    for (const type of ['charge.dispute.funds_reinstated', 'charge.dispute.closed', 'charge.dispute.updated']) expect((await env.deliver(lastEvent(type))).status).toBe(200);
    [chargeback] = await env.core.chargebacks.list(env.session.id);
    expect(chargeback).toMatchObject({ status: 'won', fundsReinstatedMinor: 15_000, tutorShare: 'reinstated' });
    const back = world.fake.transfers.at(-1)!;
    expect(back).toMatchObject({ amount: 13_500, destination: env.tutorAccount, transfer_group: env.session.id, source_transaction: null });
    // Replaying every dispute event changes nothing more at Stripe.
    for (const e of world.fake.events.filter((x) => x.type.startsWith('charge.dispute.'))) await env.deliver(e);
    expect(world.fake.transferReversals).toHaveLength(1);
    expect(world.fake.transfers.filter((t) => t.destination === env.tutorAccount)).toHaveLength(2);
  });
});
