import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createSessionsCore, isSessionError, type SettlementReport } from '@itutor/sessions-core';
import { buildSession, createFakeVideoProvider, createManualClock, createRecordingPaymentGateway } from '@itutor/sessions-core/testing';
import { createSqlAdapter } from '@itutor/sessions-supabase';
import { createServerDatabase } from '../support/db';
import { seedDueSessions } from '../support/seed';
import { workListDrift } from '../support/work-list';

const addMinutes = (d: Date, minutes: number) => new Date(d.getTime() + minutes * 60_000);

const database = createServerDatabase('concurrency');
const pools: pg.Pool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await (await database).close();
});
const newPool = async () => {
  const pool = new pg.Pool({ connectionString: (await database).url, max: 2 });
  pool.on('error', () => undefined);
  pools.push(pool);
  return pool;
};

describe('settlement concurrency on the PostgreSQL server', () => {
  it('8 workers settle the same 5,000 due sessions: each exactly once (racing writes lose their compare-and-set), one event and one charge each', async () => {
    const db = await database;
    await db.reset();
    const firstEndAt = new Date('2026-03-02T10:00:00.000Z');
    await seedDueSessions(db.pool, { count: 5000, firstEndAt, bookingPrefix: 'conc-' });
    const clock = createManualClock(addMinutes(firstEndAt, 180));
    const gateway = createRecordingPaymentGateway();
    const workers = await Promise.all(
      Array.from({ length: 8 }, async () =>
        createSessionsCore({
          adapter: createSqlAdapter(await newPool()),
          videoProvider: createFakeVideoProvider(),
          paymentGateway: gateway,
          clock,
          settlement: { batchSize: 250 },
        }),
      ),
    );

    const reports: SettlementReport[] = await Promise.all(workers.map((core) => core.settlement.run()));

    const total = (key: keyof SettlementReport) => reports.reduce((sum, r) => sum + r[key], 0);
    expect(total('completed')).toBe(5000);
    // Due sessions are claimed without a lease: workers that start together page through the same due
    // list, and every session is settled by the one write that wins its compare-and-set; the others
    // count a conflict. Each worker tries a session at most once (its cursor), and only the winner sends
    // the charge.
    expect(total('completed') + total('conflicts')).toBeLessThanOrEqual(8 * 5000);
    expect(total('chargesSucceeded')).toBe(5000);
    expect(reports.filter((r) => r.completed > 0).length).toBeGreaterThan(1);

    expect(gateway.instructions).toHaveLength(5000);
    expect(new Set(gateway.instructions.map((i) => i.idempotencyKey)).size).toBe(5000);
    expect(new Set(gateway.instructions.map((i) => i.sessionId)).size).toBe(5000);

    const { rows: sessions } = await db.pool.query(
      `select count(*)::int as n,
              count(*) filter (where status = 'COMPLETED_ASSUMED' and charge_status = 'succeeded' and charge_attempts = 1
                                 and charge_amount_ttd = 150.00 and payout_amount_ttd = 135.00 and platform_fee_ttd = 15.00)::int as settled
       from public.sessions`,
    );
    expect(sessions[0]).toEqual({ n: 5000, settled: 5000 });
    const { rows: events } = await db.pool.query(
      `select type, count(*)::int as n, count(distinct session_id)::int as sessions
       from public.session_events group by type order by type`,
    );
    expect(events).toEqual([
      { type: 'charge.requested', n: 5000, sessions: 5000 },
      { type: 'charge.succeeded', n: 5000, sessions: 5000 },
      { type: 'session.settled', n: 5000, sessions: 5000 },
    ]);
    // The ledger: one attempt per session, succeeded after one call, its key the one the gateway saw.
    const { rows: ledger } = await db.pool.query(
      `select count(*)::int as n, count(distinct c.session_id)::int as sessions,
              count(*) filter (where c.attempt = 1 and c.status = 'succeeded' and c.calls = 1 and c.idempotency_key = s.charge_idempotency_key
                                 and c.charge_amount_ttd = s.charge_amount_ttd)::int as settled
       from public.session_charges as c join public.sessions as s on s.id = c.session_id`,
    );
    expect(ledger[0]).toEqual({ n: 5000, sessions: 5000, settled: 5000 });
    const { rows: keys } = await db.pool.query('select idempotency_key from public.session_charges');
    expect(new Set((keys as Array<{ idempotency_key: string }>).map((k) => k.idempotency_key))).toEqual(new Set(gateway.instructions.map((i) => i.idempotencyKey)));
    // The work list the eight workers claimed from is exactly what the sessions say: nothing left to do.
    expect(await workListDrift(db.pool)).toEqual([]);
    expect((await db.pool.query('select count(*)::int as n from public.session_work')).rows[0]).toEqual({ n: 0 });
  });

  it('a no-show racing settlement at the scheduled end: exactly one winner and one charge, 200 times', async () => {
    const db = await database;
    await db.reset();
    const start = new Date('2026-04-01T08:00:00.000Z');
    const clock = createManualClock(start);
    const gateway = createRecordingPaymentGateway();
    const make = async () =>
      createSessionsCore({
        adapter: createSqlAdapter(await newPool()),
        videoProvider: createFakeVideoProvider(),
        paymentGateway: gateway,
        clock,
      });
    const [tutorSide, cron] = await Promise.all([make(), make()]);
    const adapter = createSqlAdapter(db.pool);
    const wins = { noShow: 0, settlement: 0 };

    for (let trial = 0; trial < 200; trial++) {
      const scheduledStartAt = addMinutes(start, trial * 120);
      const id = `50000000-0000-4000-8000-${String(trial).padStart(12, '0')}`;
      // The tutor is in the session (only a present tutor may mark the student absent: the presence rule, issue #22).
      const session = buildSession({ id, bookingId: `race-${trial}`, scheduledStartAt, durationMinutes: 60, status: 'JOIN_OPEN', tutorJoinedAt: scheduledStartAt });
      await adapter.sessions.insert(session, []);
      clock.set(session.scheduledEndAt);
      // The tutor is in the session (the presence rule), so the no-show is allowed until settlement makes it final.
      await tutorSide.sessions.join({ sessionId: id, userId: session.tutorId });

      const [noShow, settlement] = await Promise.allSettled([
        tutorSide.sessions.markNoShow({ sessionId: id, userId: session.tutorId }),
        cron.settlement.run(),
      ]);
      if (settlement.status === 'rejected') throw settlement.reason;

      const { rows } = await db.pool.query(
        `select s.status, s.charge_status,
                (select count(*)::int from public.session_events e where e.session_id = s.id
                   and e.type in ('session.settled', 'session.no_show_marked')) as outcomes,
                (select count(*)::int from public.session_events e where e.session_id = s.id and e.type = 'charge.requested') as charges,
                (select count(*)::int from public.session_charges c where c.session_id = s.id) as attempts
         from public.sessions s where s.id = $1`,
        [id],
      );
      const row = rows[0] as { status: string; charge_status: string; outcomes: number; charges: number; attempts: number };
      const instructions = gateway.instructions.filter((i) => i.sessionId === id);
      expect({ trial, outcomes: row.outcomes, charges: row.charges, attempts: row.attempts, instructions: instructions.length, chargeStatus: row.charge_status }).toEqual({
        trial,
        outcomes: 1,
        charges: 1,
        attempts: 1,
        instructions: 1,
        chargeStatus: 'succeeded',
      });

      if (row.status === 'NO_SHOW_STUDENT') {
        wins.noShow++;
        expect(noShow.status).toBe('fulfilled');
        expect(settlement.value.completed).toBe(0);
        expect(instructions[0]!.amountMinor).toBe(7500);
      } else {
        expect(row.status).toBe('COMPLETED_ASSUMED');
        wins.settlement++;
        expect(noShow.status).toBe('rejected');
        const reason = (noShow as PromiseRejectedResult).reason;
        expect(isSessionError(reason, 'SESSION_FINAL') || isSessionError(reason, 'CONFLICT')).toBe(true);
        expect(settlement.value.completed).toBe(1);
        expect(instructions[0]!.amountMinor).toBe(15000);
      }
    }
    expect(wins.noShow + wins.settlement).toBe(200);
    // Whichever side won, the work list followed the session: nothing left to settle or collect.
    expect(await workListDrift(db.pool)).toEqual([]);
    expect((await db.pool.query('select count(*)::int as n from public.session_work')).rows[0]).toEqual({ n: 0 });
    console.info(`[supabase] no-show vs settlement race: no-show won ${wins.noShow}, settlement won ${wins.settlement} of 200`);
  });
});
