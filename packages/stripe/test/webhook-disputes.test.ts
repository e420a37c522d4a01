import { SessionError } from '@itutor/sessions-core';
import type { ChargebackReport } from '@itutor/sessions-core/adapter';
import { describe, expect, it, vi } from 'vitest';
import { coreChargebackRecorder, STRIPE_WEBHOOK_EVENTS, type StripeClientLike, type StripeWebhookRecorder, type WebhookChargeback } from '../src/index';
import { createMemoryEventStore, type FakeEvent } from '../src/testing/index';
import { gatewayFor, instruction, mountStripeWebhook, useStripeFake, WEBHOOK_SECRET } from './support';

// A clock that moves one minute per event, so that each report carries its own time.
let clock = 1_900_000_000;
const world = useStripeFake({ now: () => (clock += 60) });

const DISPUTE_EVENTS = ['charge.dispute.created', 'charge.dispute.updated', 'charge.dispute.closed', 'charge.dispute.funds_withdrawn', 'charge.dispute.funds_reinstated'];

function route(options: { recorder?: Partial<StripeWebhookRecorder>; stripe?: StripeClientLike; store?: ReturnType<typeof createMemoryEventStore>; onError?: (e: unknown) => void } = {}) {
  const chargebacks: WebhookChargeback[] = [];
  const recorder: StripeWebhookRecorder = {
    recordChargeAnswer: async () => undefined,
    recordChargeback: async (c) => void chargebacks.push(c),
    ...options.recorder,
  };
  const store = options.store ?? createMemoryEventStore();
  const handle = mountStripeWebhook({ stripe: options.stripe ?? world.stripe, webhookSecret: WEBHOOK_SECRET, events: store, recorder, ...(options.onError ? { onError: options.onError } : {}) });
  const deliver = async (event: FakeEvent) => handle(await world.fake.webhookRequest(event, { secret: WEBHOOK_SECRET }));
  return { deliver, chargebacks, store };
}

/** A charge of attempt 2 of session s1 with a dispute opened on it (created, funds withdrawn). */
async function disputedCharge() {
  const charged = await gatewayFor(world).charge(instruction({ attempt: 2, idempotencyKey: 'k-2' }));
  const dispute = world.fake.openDispute(charged.reference!, { reason: 'product_not_received', evidenceDueInDays: 10 });
  return { paymentIntent: charged.reference!, dispute };
}
const disputeEvents = () => world.fake.events.filter((e) => e.type.startsWith('charge.dispute.'));
const at = (event: FakeEvent) => new Date(event.created * 1000);

describe('stripeWebhookRoutes: chargebacks (charge.dispute.*)', () => {
  it('the five dispute events are acted on', () => {
    for (const type of DISPUTE_EVENTS) expect(STRIPE_WEBHOOK_EVENTS).toContain(type);
  });

  it('a whole dispute, won: each event → the report of the dispute as that event shows it', async () => {
    const { paymentIntent, dispute } = await disputedCharge();
    await gatewayFor(world).stageChargebackEvidence({ sessionId: 's1', chargeback: 1, reference: dispute.id, evidence: { service_date: '2031-01-01', product_description: 'A lesson', access_activity_log: 'log', cancellation_policy_disclosure: 'c', refund_policy_disclosure: 'r', customer_communication: null, uncategorized_text: 'u' } });
    await gatewayFor(world).submitChargebackEvidence({ sessionId: 's1', chargeback: 1, reference: dispute.id, evidence: null as never });
    world.fake.closeDispute(dispute.id, 'won');
    const events = disputeEvents();
    expect(events.map((e) => e.type)).toEqual([
      'charge.dispute.created',
      'charge.dispute.funds_withdrawn',
      'charge.dispute.updated',
      'charge.dispute.updated',
      'charge.dispute.closed',
      'charge.dispute.funds_reinstated',
    ]);
    const { deliver, chargebacks } = route();
    for (const event of events) expect((await deliver(event)).status).toBe(200);
    const base = { sessionId: 's1', attempt: 2, reference: dispute.id, reason: 'product_not_received', amountMinor: 15_000, currency: 'TTD', evidenceDueBy: new Date(dispute.created * 1000 + 10 * 86_400_000) };
    const expected: ChargebackReport[] = [
      { ...base, status: 'needs_response', feeMinor: 0, fundsWithdrawnMinor: 0, fundsReinstatedMinor: 0, reportedAt: at(events[0]!) },
      { ...base, status: 'needs_response', feeMinor: 1_500, fundsWithdrawnMinor: 15_000, fundsReinstatedMinor: 0, reportedAt: at(events[1]!) },
      { ...base, status: 'needs_response', feeMinor: 1_500, fundsWithdrawnMinor: 15_000, fundsReinstatedMinor: 0, reportedAt: at(events[2]!) },
      { ...base, status: 'under_review', feeMinor: 1_500, fundsWithdrawnMinor: 15_000, fundsReinstatedMinor: 0, reportedAt: at(events[3]!) },
      { ...base, evidenceDueBy: null, status: 'won', feeMinor: 1_500, fundsWithdrawnMinor: 15_000, fundsReinstatedMinor: 0, reportedAt: at(events[4]!) },
      { ...base, evidenceDueBy: null, status: 'won', feeMinor: 1_500, fundsWithdrawnMinor: 15_000, fundsReinstatedMinor: 15_000, reportedAt: at(events[5]!) },
    ];
    expect(chargebacks.map((c) => c.report)).toEqual(expected);
    expect(chargebacks.map((c) => c.eventId)).toEqual(events.map((e) => e.id));
    // Each distinct time: the core keeps the newest report whatever order they arrive in.
    expect(new Set(expected.map((r) => r.reportedAt.getTime())).size).toBe(6);
    expect(world.fake.requests.filter((r) => r.method === 'GET' && r.path === `/v1/payment_intents/${paymentIntent}`)).toHaveLength(6);
  });

  it('lost: closed as lost, nothing reinstated', async () => {
    const { dispute } = await disputedCharge();
    world.fake.closeDispute(dispute.id, 'lost');
    const { deliver, chargebacks } = route();
    await deliver(disputeEvents().at(-1)!);
    expect(chargebacks[0]!.report).toMatchObject({ status: 'lost', fundsWithdrawnMinor: 15_000, fundsReinstatedMinor: 0, feeMinor: 1_500, evidenceDueBy: null });
  });

  it('out of order: each delivery is handed over with its own time (reportedAt = the event\'s created), so the core can keep the newest', async () => {
    const { dispute } = await disputedCharge();
    world.fake.closeDispute(dispute.id, 'won');
    const events = disputeEvents();
    const shuffled = [events[3]!, events[0]!, events[2]!, events[1]!];
    const { deliver, chargebacks } = route();
    for (const event of shuffled) expect((await deliver(event)).status).toBe(200);
    expect(chargebacks.map((c) => [c.eventId, c.report.status, c.report.reportedAt])).toEqual(shuffled.map((e) => [e.id, (e.data.object as { status: string }).status, at(e)]));
    expect(chargebacks[0]!.report.fundsReinstatedMinor).toBe(15_000);
    expect(chargebacks[1]!.report.fundsWithdrawnMinor).toBe(0);
  });

  it('a duplicate delivery is recorded once (the route deduplicates by event id), also after a failed first recording', async () => {
    const { dispute } = await disputedCharge();
    const event = disputeEvents()[1]!;
    const store = createMemoryEventStore();
    let fail = true;
    const recordChargeback = vi.fn(async () => {
      if (fail) throw new Error('database down');
    });
    const { deliver } = route({ store, recorder: { recordChargeback } });
    expect((await deliver(event)).status).toBe(500);
    expect(store.seen.has(event.id)).toBe(false);
    fail = false;
    expect((await deliver(event)).status).toBe(200);
    const again = await deliver(event);
    expect(await again.json()).toEqual({ received: true, duplicate: true });
    expect(recordChargeback).toHaveBeenCalledTimes(2);
    expect(dispute.id).toMatch(/^dp_/);
  });

  it('a dispute of a charge that is not this SDK\'s, an unknown status, no recorder, no event time → acknowledged and ignored', async () => {
    const foreign = await world.stripe.paymentIntents.create({ amount: 500, currency: 'ttd', customer: world.customer, payment_method: world.paymentMethod, confirm: true, off_session: true });
    world.fake.openDispute(foreign.id);
    const { deliver, chargebacks } = route();
    const answer = await deliver(disputeEvents()[0]!);
    expect(await answer.json()).toEqual({ received: true, ignored: 'not a charge of this SDK' });

    await disputedCharge();
    const created = disputeEvents().at(-2)!;
    const unknownStatus = { ...created, id: 'evt_unknown_status', data: { object: { ...(created.data.object as object), status: 'bank_thinking' } } };
    expect(await (await deliver(unknownStatus)).json()).toEqual({ received: true, ignored: 'dispute status bank_thinking is not known' });
    const { created: _dropped, ...untimed } = { ...created, id: 'evt_untimed' };
    expect(await (await deliver(untimed as FakeEvent)).json()).toEqual({ received: true, ignored: 'the event has no time' });
    expect(chargebacks).toHaveLength(0);

    const without = route({ recorder: { recordChargeback: undefined } });
    expect(await (await without.deliver(created)).json()).toEqual({ received: true, ignored: 'chargebacks are not recorded' });
  });

  it('a failed or slow PaymentIntent read → 500 before the event is remembered; the next delivery records it', async () => {
    await disputedCharge();
    const event = disputeEvents()[0]!;
    const store = createMemoryEventStore();
    const onError = vi.fn();
    world.fake.failNext({ kind: 'server_error' }, { method: 'GET', path: /^\/v1\/payment_intents\// , times: 2 });
    const { deliver, chargebacks } = route({ store, onError });
    expect((await deliver(event)).status).toBe(500);
    expect(store.seen.size).toBe(0);
    expect(onError).toHaveBeenCalledTimes(1);
    expect((await deliver(event)).status).toBe(200);
    expect(chargebacks).toHaveLength(1);
  });

  it('a dispute that names only its charge: the charge\'s metadata (a copy of its PaymentIntent\'s) says which attempt', async () => {
    const { dispute } = await disputedCharge();
    const event = disputeEvents()[0]!;
    const chargeOnly = { ...event, id: 'evt_charge_only', data: { object: { ...(event.data.object as object), payment_intent: null } } };
    const { deliver, chargebacks } = route();
    expect((await deliver(chargeOnly)).status).toBe(200);
    expect(chargebacks[0]!.report).toMatchObject({ sessionId: 's1', attempt: 2, reference: dispute.id });
    expect(world.fake.requests.filter((r) => r.method === 'GET').map((r) => r.path)).toEqual([`/v1/charges/${dispute.charge}`]);
  });
});

describe('coreChargebackRecorder', () => {
  const chargeback: WebhookChargeback = {
    eventId: 'evt_1',
    report: { sessionId: 's1', attempt: 1, reference: 'dp_1', status: 'needs_response', reason: 'fraudulent', amountMinor: 100, currency: 'TTD', feeMinor: 0, fundsWithdrawnMinor: 0, fundsReinstatedMinor: 0, evidenceDueBy: null, reportedAt: new Date(0) },
  };

  it('hands the report to core.chargebacks.record', async () => {
    const record = vi.fn(async () => ({ outcome: 'opened' }));
    await coreChargebackRecorder({ chargebacks: { record } })(chargeback);
    expect(record).toHaveBeenCalledWith(chargeback.report);
  });

  it('NOT_FOUND (a session the core does not know) → resolves and tells onUnknownChargeback; other errors are thrown (500, Stripe retries)', async () => {
    const notFound = new SessionError('NOT_FOUND', 'no such session');
    const onUnknownChargeback = vi.fn();
    await expect(coreChargebackRecorder({ chargebacks: { record: () => Promise.reject(notFound) } }, { onUnknownChargeback })(chargeback)).resolves.toBeUndefined();
    await vi.waitFor(() => expect(onUnknownChargeback).toHaveBeenCalledWith(chargeback, notFound));
    const down = new Error('database down');
    await expect(coreChargebackRecorder({ chargebacks: { record: () => Promise.reject(down) } })(chargeback)).rejects.toBe(down);
  });
});
