import Stripe from 'stripe';
import { afterAll, describe, expect, it } from 'vitest';
import { amountsForOutcome } from '@itutor/sessions-core/rules';
import { createSessionsCore, isSessionError, type SessionsCore, type SessionStatus, type SettlementReport } from '@itutor/sessions-core';
import { createFakeVideoProvider, createManualClock } from '@itutor/sessions-core/testing';
import { createSqlAdapter, createSqlStripeEventStore } from '@itutor/sessions-supabase';
import { createServerDatabase } from '../../supabase/test/support/db';
import { seedDueSessions } from '../../supabase/test/support/seed';
import { coreChargeRecorder, stripeGateway } from '../src/index';
import { createStripeFake, type FakeCardBehaviour, type FakeEvent } from '../src/testing/index';
import { mountStripeWebhook, WEBHOOK_SECRET } from './support';

/**
 * Issue #9, point 5: on the PostgreSQL server, 8 settlement workers (separate cores over one pool) and a
 * flood of duplicated Stripe webhooks over 2,000 sessions → exactly one succeeded PaymentIntent per charged
 * session. The official client talks to the fake Stripe in process (`Stripe.createFetchHttpClient(fake.fetch)`),
 * with injected 429s, 500s, dropped connections and hangs; every `payment_intent.*` event is delivered 2–3
 * times while the workers run (so many arrive before settlement has recorded the answer itself) through
 * three webhook handlers sharing the SQL event store and `core.charges.recordAnswer`.
 */

const COUNT = 2000;
const WORKERS = 8;
const addMinutes = (d: Date, minutes: number) => new Date(d.getTime() + minutes * 60_000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const groupBy = <T>(items: readonly T[], key: (item: T) => string) => {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
};

/** Booking `st-<i>`: its price, whether the meeting ended early, its card, whether the tutor marks a no-show. */
const PRICES = ['0.01', '0.99', '150.01', '150.00', '123.45'];
const earlyEnd = (i: number) => i % 20 === 7;
const noShow = (i: number) => i % 100 === 3;
const cardOf = (i: number): FakeCardBehaviour =>
  i % 40 === 5 ? 'processing' : i % 40 === 9 ? { decline: 'insufficient_funds' } : i % 40 === 13 ? 'authentication_required' : 'succeed';

const database = createServerDatabase('stripe_settlement', { max: 24 });
afterAll(async () => {
  await (await database).close();
});

describe('Stripe settlement on the PostgreSQL server, concurrently', () => {
  it('8 settlement workers and a flood of duplicated webhooks over 2,000 sessions → exactly one succeeded PaymentIntent per charged session', async () => {
    const db = await database;
    const firstEndAt = new Date('2026-03-02T10:00:00.000Z');
    await seedDueSessions(db.pool, { count: COUNT, firstEndAt, bookingPrefix: 'st-' });
    await db.pool.query(
      `update public.sessions set
         price_ttd = ($1::numeric[])[(substr(booking_id, 4)::int % 5) + 1],
         meeting_ended_at = case when substr(booking_id, 4)::int % 20 = 7 then scheduled_end_at - interval '15 minutes' end`,
      [PRICES],
    );

    const fake = createStripeFake();
    const stripe = new Stripe(fake.apiKey, { httpClient: Stripe.createFetchHttpClient(fake.fetch), telemetry: false });
    const accounts = new Map<string, string>(Array.from({ length: 50 }, (_, t) => [`tutor-${t}`, fake.addConnectedAccount()]));
    const billing = new Map<string, { customer: string; paymentMethod: string }>();
    for (let i = 1; i <= COUNT; i++) {
      const customer = fake.addCustomer();
      billing.set(`student-${i}`, { customer, paymentMethod: fake.addPaymentMethod(customer, cardOf(i)) });
    }
    const authentications = new Set<string>();
    const clock = createManualClock(addMinutes(firstEndAt, 180));
    const workers: SessionsCore[] = Array.from({ length: WORKERS }, () =>
      createSessionsCore({
        adapter: createSqlAdapter(db.pool),
        videoProvider: createFakeVideoProvider(),
        paymentGateway: stripeGateway({
          stripe,
          customerFor: (studentId) => billing.get(studentId) ?? null,
          connectedAccountFor: (tutorId) => accounts.get(tutorId) ?? null,
          onAuthenticationRequired: ({ sessionId }) => void authentications.add(sessionId),
          requestTimeoutMs: 300,
        }),
        clock,
        policy: { chargeDeadlineMinutes: 1380, maxChargeAttempts: 8 },
        settlement: { batchSize: 50, chargeConcurrency: 10, chargeTimeoutMs: 500, runBudgetMs: 30_000, chargeRetryMinutes: 5 },
      }),
    );

    // The webhook endpoint: three handlers (say, three instances of the host) over one SQL event store.
    // The webhook's answers, counted by what the core did with them ('recorded' = the webhook was first).
    const webhookOutcomes = new Map<string, number>();
    const recorder = {
      recordChargeAnswer: coreChargeRecorder({
        charges: {
          async recordAnswer(input) {
            const report = await workers[0]!.charges.recordAnswer(input);
            const key = `${input.result.status}:${report.outcome}`;
            webhookOutcomes.set(key, (webhookOutcomes.get(key) ?? 0) + 1);
            return report;
          },
        },
      }),
    };
    const recorderErrors: unknown[] = [];
    const handlers = [0, 1, 2].map(() =>
      mountStripeWebhook({
        stripe,
        webhookSecret: WEBHOOK_SECRET,
        events: createSqlStripeEventStore(db.pool),
        recorder,
        onError: (error) => void recorderErrors.push(error),
      }),
    );
    // Stripe's side: every payment_intent.* event delivered 2–3 times, at random moments, each delivery
    // retried (as Stripe does) until it gets a 2xx.
    const statuses = new Map<number, number>();
    const deliveries: Promise<void>[] = [];
    const delivered = new Set<string>();
    /** The events the handler acts on (and so remembers); payment_intent.created / .requires_action are acknowledged and ignored. */
    const ANSWERS = ['payment_intent.succeeded', 'payment_intent.payment_failed', 'payment_intent.processing'];
    const answers = new Set<string>();
    let seen = 0;
    const deliver = async (event: FakeEvent, n: number) => {
      // The first delivery goes out at once (often before settlement has recorded the answer), the others later.
      if (n > 0) await sleep(Math.floor(Math.random() * 40));
      for (let tries = 0; tries < 10; tries++) {
        const response = await handlers[(n + tries) % handlers.length]!(await fake.webhookRequest(event, { secret: WEBHOOK_SECRET }));
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status === 200) return;
        await sleep(20);
      }
      throw new Error(`event ${event.id} was never accepted`);
    };
    const pump = () => {
      const events = fake.events;
      for (; seen < events.length; seen++) {
        const event = events[seen]!;
        if (!event.type.startsWith('payment_intent.')) continue;
        delivered.add(event.id);
        if (ANSWERS.includes(event.type)) answers.add(event.id);
        const times = 2 + (seen % 2);
        for (let n = 0; n < times; n++) deliveries.push(deliver(event, n));
      }
    };
    let pumping = true;
    const pumpLoop = (async () => {
      while (pumping) {
        pump();
        await sleep(5);
      }
      pump();
    })();

    // Faults for the first run's PaymentIntent creations.
    fake.failNext({ kind: 'rate_limit' }, { times: 25 });
    fake.failNext({ kind: 'server_error' }, { times: 10 });
    fake.failNext({ kind: 'server_error', saved: true }, { times: 5 });
    fake.failNext({ kind: 'drop' }, { times: 10 });
    fake.failNext({ kind: 'drop', processed: false }, { times: 5 });
    fake.failNext({ kind: 'hang' }, { times: 5 });

    // Round 1: 8 workers at once; meanwhile the tutors mark 20 no-shows (racing the settlement).
    const noShows = Array.from({ length: COUNT }, (_, k) => k + 1).filter(noShow);
    const { rows: noShowRows } = await db.pool.query<{ id: string; tutor_id: string }>(
      'select id, tutor_id from public.sessions where booking_id = any($1::text[])',
      [noShows.map((i) => `st-${i}`)],
    );
    const reports: SettlementReport[] = [];
    const [round1] = await Promise.all([
      Promise.all(workers.map((w) => w.settlement.run())),
      Promise.all(
        noShowRows.map(async ({ id, tutor_id }, k) => {
          await sleep(k * 3);
          try {
            // The presence rule: the tutor is in the session when marking the student absent.
            await workers[k % WORKERS]!.sessions.join({ sessionId: id, userId: tutor_id });
            await workers[k % WORKERS]!.sessions.markNoShow({ sessionId: id, userId: tutor_id });
          } catch (error) {
            if (!isSessionError(error, 'SESSION_FINAL') && !isSessionError(error, 'CONFLICT')) throw error;
          }
        }),
      ),
    ]);
    reports.push(...round1);
    expect(round1.filter((r) => r.completed + r.earlyEnded > 0).length, 'several workers took part').toBeGreaterThan(1);

    // The students fix their cards; Stripe finishes the processing payments (their events go out too).
    for (let i = 1; i <= COUNT; i++) if (typeof cardOf(i) === 'object' || cardOf(i) === 'authentication_required') fake.setBehaviour(billing.get(`student-${i}`)!.paymentMethod, 'succeed');
    // Stripe finishes processing payments a while after they were made (here: after each cron tick).
    const finishProcessing = () => {
      for (const pi of fake.paymentIntents.filter((p) => p.status === 'processing')) fake.finishProcessing(pi.id, 'succeeded');
    };
    finishProcessing();
    fake.releaseHangs();

    // The students whose bank wants authentication are never charged off-session again (#24): each comes back
    // on-session — starting the payment twice at once, on two workers, while the cron ticks — and passes the
    // fake's 3-D Secure step. One PaymentIntent per student attempt; its success reaches the ledger once.
    const { rows: waiting } = await db.pool.query<{ id: string; student_id: string }>(`select id, student_id from public.sessions where charge_status = 'awaiting_customer'`);
    expect(waiting.length).toBeGreaterThan(20);
    clock.advance({ minutes: 6 });
    await Promise.all([
      ...workers.map((w) => w.settlement.run().then((r) => reports.push(r))),
      ...waiting.map(async ({ id, student_id }, k) => {
        const starts = await Promise.all([0, 1].map((d) => workers[(k + d) % WORKERS]!.charges.startOnSession({ sessionId: id, studentId: student_id })));
        const secrets = new Set(starts.map((p) => (p.status === 'requires_customer' ? p.clientSecret : p.status)));
        expect(secrets.size, `${id}: both starts answer the same attempt`).toBe(1);
        const pi = fake.paymentIntents.find((p) => p.client_secret === [...secrets][0]);
        expect(pi?.off_session ?? false, `${id}: the student's PaymentIntent is on-session`).toBe(false);
        fake.authenticate(pi!.id, 'succeed');
      }),
    ]);

    // Later cron ticks, 8 workers each, until nothing is left to collect.
    for (let round = 0; round < 8; round++) {
      const { rows } = await db.pool.query<{ n: number }>(`select count(*)::int as n from public.sessions where charge_status in ('pending', 'failed', 'awaiting_customer') or status not in ('COMPLETED_ASSUMED', 'NO_SHOW_STUDENT', 'EARLY_END_SHORT')`);
      if (rows[0]!.n === 0) break;
      clock.advance({ minutes: 6 });
      reports.push(...(await Promise.all(workers.map((w) => w.settlement.run()))));
      finishProcessing();
      fake.releaseHangs();
    }
    pumping = false;
    await pumpLoop;
    await Promise.all(deliveries);
    pump();
    await Promise.all(deliveries);

    // --- Every session final; exactly one succeeded attempt per charged session, with the outcome's amounts.
    const { rows: sessions } = await db.pool.query<{
      id: string; booking_id: string; tutor_id: string; student_id: string; status: SessionStatus; price_minor: number;
      charge_status: string; charge_reference: string | null; charge_minor: number | null; payout_minor: number | null; fee_minor: number | null;
    }>(
      `select id, booking_id, tutor_id, student_id, status, (price_ttd * 100)::int as price_minor, charge_status, charge_reference,
              (charge_amount_ttd * 100)::int as charge_minor, (payout_amount_ttd * 100)::int as payout_minor, (platform_fee_ttd * 100)::int as fee_minor
       from public.sessions`,
    );
    expect(sessions).toHaveLength(COUNT);
    const { rows: ledger } = await db.pool.query<{ session_id: string; attempt: number; status: string; gateway_reference: string | null; idempotency_key: string; charge_minor: number; payout_minor: number; fee_minor: number }>(
      `select session_id, attempt, status, gateway_reference, idempotency_key, (charge_amount_ttd * 100)::int as charge_minor,
              (payout_amount_ttd * 100)::int as payout_minor, (platform_fee_ttd * 100)::int as fee_minor
       from public.session_charges order by session_id, attempt`,
    );
    const ledgerBySession = groupBy(ledger, (row) => row.session_id);
    const intentsBySession = groupBy(fake.paymentIntents, (pi) => pi.metadata.itutor_session_id!);
    const chargesByIntent = new Map(fake.charges.map((c) => [c.payment_intent, c]));
    const outcomes = new Map<string, number>();
    let charged = 0;
    for (const s of sessions) {
      const i = Number(s.booking_id.slice(3));
      outcomes.set(s.status, (outcomes.get(s.status) ?? 0) + 1);
      expect(['COMPLETED_ASSUMED', 'NO_SHOW_STUDENT', 'EARLY_END_SHORT'], s.booking_id).toContain(s.status);
      if (earlyEnd(i)) expect(s.status, s.booking_id).toBe('EARLY_END_SHORT');
      else if (!noShow(i)) expect(s.status, s.booking_id).toBe('COMPLETED_ASSUMED');
      const split = amountsForOutcome(s.price_minor, s.status);
      const attempts = ledgerBySession.get(s.id) ?? [];
      const intents = intentsBySession.get(s.id) ?? [];
      if (split.chargeMinor === 0) {
        expect(attempts, `${s.booking_id} charges nothing`).toHaveLength(0);
        expect(intents, `${s.booking_id} charges nothing`).toHaveLength(0);
        continue;
      }
      charged++;
      expect([s.charge_minor, s.payout_minor, s.fee_minor], s.booking_id).toEqual([split.chargeMinor, split.payoutMinor, split.feeMinor]);
      const succeeded = attempts.filter((a) => a.status === 'succeeded');
      if (succeeded.length !== 1 && process.env.DEBUG_SETTLEMENT) console.log(JSON.stringify({ s, attempts, intents: intents.map((p) => [p.id, p.status, p.metadata.itutor_attempt]), events: (await db.pool.query('select type, payload, actor from public.session_events where session_id = $1 order by recorded_at', [s.id])).rows }, null, 1));
      expect(succeeded, `${s.booking_id}: one succeeded ledger attempt`).toHaveLength(1);
      for (const a of attempts) expect([a.charge_minor, a.payout_minor, a.fee_minor], `${s.booking_id}#${a.attempt}`).toEqual([split.chargeMinor, split.payoutMinor, split.feeMinor]);
      const paid = intents.filter((pi) => pi.status === 'succeeded');
      expect(paid, `${s.booking_id}: one succeeded PaymentIntent`).toHaveLength(1);
      const pi = paid[0]!;
      expect(s.charge_status, s.booking_id).toBe('succeeded');
      expect(s.charge_reference, s.booking_id).toBe(pi.id);
      expect(succeeded[0]!.gateway_reference, s.booking_id).toBe(pi.id);
      expect(pi.metadata.itutor_attempt, s.booking_id).toBe(String(succeeded[0]!.attempt));
      expect(pi, s.booking_id).toMatchObject({
        amount: split.chargeMinor,
        currency: 'ttd',
        customer: billing.get(s.student_id)!.customer,
        // Off-session, except the students' own attempts after their bank asked for authentication.
        off_session: cardOf(i) !== 'authentication_required',
        transfer_data: { destination: accounts.get(s.tutor_id) },
        metadata: { itutor_booking_id: s.booking_id, itutor_outcome: s.status },
      });
      expect(pi.application_fee_amount ?? 0, s.booking_id).toBe(split.feeMinor);
      // No session charged twice: one Stripe charge for the session, the tutor's account got the payout.
      const moneyTaken = intents.map((p) => chargesByIntent.get(p.id)).filter((c) => c !== undefined);
      expect(moneyTaken, `${s.booking_id}: charged once`).toHaveLength(1);
      expect(moneyTaken[0]!.transferred, s.booking_id).toBe(split.payoutMinor);
      // At most one PaymentIntent per ledger attempt (every retry of an attempt reused its key).
      for (const a of attempts) expect(intents.filter((p) => p.metadata.itutor_attempt === String(a.attempt)).length, `${s.booking_id}#${a.attempt}`).toBeLessThanOrEqual(1);
    }
    expect(outcomes.get('EARLY_END_SHORT')).toBe(COUNT / 20);
    expect(charged).toBeGreaterThan(1800);

    // The same, counted in SQL.
    const { rows: counts } = await db.pool.query(
      `select
         (select count(*) from public.sessions where status in ('COMPLETED_ASSUMED', 'NO_SHOW_STUDENT') and charge_amount_ttd > 0)::int as charged,
         (select count(*) from public.sessions where status in ('COMPLETED_ASSUMED', 'NO_SHOW_STUDENT') and charge_amount_ttd > 0 and charge_status = 'succeeded')::int as collected,
         (select count(*) from public.session_charges where status = 'succeeded')::int as succeeded_attempts,
         (select count(distinct session_id) from public.session_charges where status = 'succeeded')::int as sessions_with_success,
         (select count(*) from public.session_charges)::int - (select count(distinct idempotency_key) from public.session_charges)::int as reused_keys,
         (select count(*) from public.session_events where type = 'charge.needs_attention')::int as flagged,
         (select count(*) from public.stripe_events)::int as remembered`,
    );
    expect(counts[0]).toEqual({ charged, collected: charged, succeeded_attempts: charged, sessions_with_success: charged, reused_keys: 0, flagged: 0, remembered: answers.size });
    expect(fake.paymentIntents.filter((pi) => pi.status === 'succeeded')).toHaveLength(charged);
    expect(fake.charges).toHaveLength(charged);

    // The declines and authentications were real: a failed attempt, then a new attempt (new key) that succeeded.
    const secondAttempts = sessions.filter((s) => (ledgerBySession.get(s.id) ?? []).some((a) => a.status === 'failed'));
    expect(secondAttempts.length).toBeGreaterThan(50);
    expect(authentications.size).toBeGreaterThan(20);
    // Some successes reached the ledger through the webhook before settlement recorded its own answer
    // (the webhook was first); none was a late success.
    expect(webhookOutcomes.get('succeeded:recorded') ?? 0).toBeGreaterThan(0);
    expect(webhookOutcomes.get('succeeded:late_success') ?? 0).toBe(0);
    // The flood really was a flood, and nothing in it failed for good.
    expect(answers.size).toBeGreaterThan(charged);
    expect(statuses.get(200)).toBeGreaterThanOrEqual(delivered.size * 2);
    expect(fake.requests.some((r) => r.fault === 'hang') && fake.requests.some((r) => r.fault === 'drop') && fake.requests.some((r) => r.status === 429)).toBe(true);
    console.info(
      `[stripe settlement] ${charged} charged of ${COUNT}; outcomes ${JSON.stringify(Object.fromEntries(outcomes))}; ` +
        `${fake.requests.length} Stripe requests; ${delivered.size} events, deliveries by status ${JSON.stringify(Object.fromEntries(statuses))}; ` +
        `webhook answers ${JSON.stringify(Object.fromEntries(webhookOutcomes))}; recorder errors ${recorderErrors.length}; runs ${reports.length}`,
    );
  }, 90_000);
});
