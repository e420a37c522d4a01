import { createClient } from '@supabase/supabase-js';
import { afterAll, describe, expect, it } from 'vitest';
import { createSessionsCore } from '@itutor/sessions-core';
import { createFakeVideoProvider, createManualClock, createRecordingPaymentGateway } from '@itutor/sessions-core/testing';
import { createSqlAdapter, createSqlStripeEventStore, createSupabaseStripeEventStore } from '@itutor/sessions-supabase';
import type { TestDatabase } from './db';
import { startTestGateway } from './gateway';
import { asRole } from './privileges-suite';

const JWT_SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long';

class NoRealtime {
  constructor() {
    throw new Error('realtime is not used');
  }
}

/**
 * The Stripe webhook's handled-events store on `stripe_events` (as the service role, through SQL and
 * through supabase-js), what clients cannot do with it, and the core's charge answers from webhooks
 * (late successes included) on this database.
 */
export function runStripeEventsSuite(name: string, open: () => Promise<TestDatabase>): void {
  const database = open();
  afterAll(async () => (await database).close());

  describe(`Stripe webhook events on ${name}`, () => {
    it('remember is true once per event id; forget lets the next delivery through; forgetBefore prunes by age', async () => {
      const db = await database;
      await db.reset();
      const events = createSqlStripeEventStore(asRole(db, 'service_role'));
      expect(await events.remember('evt_1')).toBe(true);
      expect(await events.remember('evt_1')).toBe(false);
      expect(await events.remember('evt_2')).toBe(true);
      await events.forget('evt_1');
      await events.forget('evt_unknown'); // nothing to forget: fine
      expect(await events.remember('evt_1')).toBe(true);
      expect(await events.remember('evt_1')).toBe(false);

      await db.client.query(`update public.stripe_events set received_at = now() - interval '8 days' where event_id = 'evt_2'`);
      expect(await events.forgetBefore(new Date(Date.now() - 7 * 24 * 60 * 60_000))).toBe(1);
      const { rows } = await db.client.query('select event_id from public.stripe_events order by 1');
      expect(rows).toEqual([{ event_id: 'evt_1' }]);
      expect(await events.remember('evt_2')).toBe(true); // pruned: a (very late) redelivery is handled again
    });

    it('refuses ids that are not 1–255 characters without calling the database', async () => {
      const db = await database;
      const events = createSqlStripeEventStore({
        query: () => Promise.reject(new Error('must not be called')),
      });
      for (const bad of ['', 'x'.repeat(256), 42 as unknown as string]) {
        await expect(events.remember(bad)).rejects.toBeInstanceOf(TypeError);
        await expect(events.forget(bad)).rejects.toBeInstanceOf(TypeError);
      }
      await expect(events.forgetBefore(new Date(Number.NaN))).rejects.toBeInstanceOf(TypeError);
      // The table refuses them too, for any writer.
      await expect(db.client.query(`insert into public.stripe_events (event_id) values ('')`)).rejects.toMatchObject({ code: '23514' });
    });

    it('clients can neither call the functions nor touch the table; the service role cannot update or truncate it', async () => {
      const db = await database;
      await db.reset();
      await createSqlStripeEventStore(asRole(db, 'service_role')).remember('evt_secret');
      for (const role of ['anon', 'authenticated']) {
        const client = asRole(db, role);
        for (const statement of [
          `select public.itutor_remember_stripe_event('evt_x')`,
          `select public.itutor_forget_stripe_event('evt_secret')`,
          `select public.itutor_forget_stripe_events_before(now())`,
          'select event_id from public.stripe_events',
          `insert into public.stripe_events (event_id) values ('evt_y')`,
          'delete from public.stripe_events',
        ]) {
          await expect(client.query(statement), `${role}: ${statement}`).rejects.toMatchObject({ code: '42501' });
        }
      }
      const service = asRole(db, 'service_role');
      for (const statement of [`update public.stripe_events set received_at = now()`, 'truncate public.stripe_events']) {
        await expect(service.query(statement), statement).rejects.toMatchObject({ code: '42501' });
      }
      const { rows } = await db.client.query('select event_id from public.stripe_events');
      expect(rows).toEqual([{ event_id: 'evt_secret' }]);
    });

    it('through supabase-js (the PostgREST test gateway): the service role remembers; anon is refused', async () => {
      const db = await database;
      await db.reset();
      const gateway = await startTestGateway(db, { jwtSecret: JWT_SECRET });
      try {
        const client = (key: string) =>
          createClient(gateway.url, key, { auth: { persistSession: false, autoRefreshToken: false }, realtime: { transport: NoRealtime as never } });
        const events = createSupabaseStripeEventStore(client(gateway.serviceRoleKey));
        expect(await events.remember('evt_js')).toBe(true);
        expect(await events.remember('evt_js')).toBe(false);
        await events.forget('evt_js');
        expect(await events.remember('evt_js')).toBe(true);
        expect(await events.forgetBefore(new Date(Date.now() + 60_000))).toBe(1);
        await expect(createSupabaseStripeEventStore(client(gateway.anonKey)).remember('evt_anon')).rejects.toMatchObject({
          name: 'SessionError',
          code: 'STORAGE_FAILED',
          details: { providerCode: '42501' },
        });
      } finally {
        await gateway.close();
      }
    });

    it('late successes from webhooks on this database: a declined attempt 1 succeeds while attempt 2 is open (a new succeeded row), then attempt 2 succeeds too', async () => {
      const db = await database;
      await db.reset();
      const start = new Date('2026-07-01T10:00:00.000Z');
      const clock = createManualClock(start);
      const gateway = createRecordingPaymentGateway();
      const core = createSessionsCore({
        adapter: createSqlAdapter(asRole(db, 'service_role')),
        videoProvider: createFakeVideoProvider(),
        paymentGateway: gateway,
        clock,
        settlement: { chargeRetryMinutes: 5 },
      });
      await core.providers.connect({ tutorId: 'tutor-w', provider: 'zoom', tokens: null });
      const { session } = await core.sessions.create({
        bookingId: 'webhook-1',
        tutorId: 'tutor-w',
        studentId: 'student-w',
        scheduledStartAt: new Date(start.getTime() + 60 * 60_000),
        durationMinutes: 60,
        priceMinor: 15_001,
      });
      clock.set(new Date(start.getTime() + 121 * 60_000));
      gateway.script('decline', 'processing');
      await core.settlement.run();
      clock.set(new Date(start.getTime() + 127 * 60_000));
      await core.settlement.run();
      expect(await core.sessions.get(session.id)).toMatchObject({ chargeStatus: 'pending', chargeAttempts: 2 });

      const [declined, open] = await core.charges.list(session.id);
      const late = await core.charges.recordAnswer({ sessionId: session.id, attempt: 1, result: { status: 'succeeded', reference: 'pi_one' } });
      expect(late.outcome).toBe('late_success');
      expect(late.session).toMatchObject({ chargeStatus: 'succeeded', chargeReference: 'pi_one', chargeAttempts: 3, chargeIdempotencyKey: null, claimedUntil: null });
      const twice = await core.charges.recordAnswer({ sessionId: session.id, attempt: 2, result: { status: 'succeeded', reference: open!.gatewayReference! } });
      expect(twice.outcome).toBe('late_success');
      expect((await core.charges.recordAnswer({ sessionId: session.id, attempt: 2, result: { status: 'succeeded', reference: open!.gatewayReference! } })).outcome).toBe('unchanged');

      // The declined attempt and the open one are stored exactly as they were; the late success of attempt 1
      // is attempt 3, under its own derived key, never sent.
      const ledger = await core.charges.list(session.id);
      expect(ledger.slice(0, 2)).toEqual([declined, open]);
      expect(ledger.map((a) => [a.attempt, a.status, a.gatewayReference, a.calls])).toEqual([
        [1, 'failed', `pi_${declined!.idempotencyKey}`, 1],
        [2, 'unknown', `pi_${open!.idempotencyKey}`, 1],
        [3, 'succeeded', 'pi_one', 0],
      ]);
      expect(ledger[2]!.idempotencyKey).toBe(`itutor-session-${session.id}-COMPLETED_ASSUMED-3`);
      expect(ledger[2]!.amountMinor).toBe(15_001);
      const flags = (await core.sessions.listEvents(session.id)).filter((e) => e.type === 'charge.needs_attention').map((e) => e.payload);
      expect(flags).toMatchObject([
        { reason: 'late_success', attempt: 1, chargedTwice: false, openAttempt: 2, recordedAttempt: 3 },
        { reason: 'late_success', attempt: 2, chargedTwice: true, succeededAttempt: 3 },
      ]);
      expect(flags).toHaveLength(2);
    });
  });
}
