import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createSessionsCore } from '@itutor/sessions-core';
import { refundedSoFar } from '@itutor/sessions-core/adapter';
import { createFakeVideoProvider, createManualClock, createRecordingPaymentGateway } from '@itutor/sessions-core/testing';
import { createSqlAdapter } from '@itutor/sessions-supabase';
import { createServerDatabase } from '../support/db';
import { seedDueSessions } from '../support/seed';

const addMinutes = (d: Date, minutes: number) => new Date(d.getTime() + minutes * 60_000);

const database = createServerDatabase('refunds');
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

/** `count` sessions settled and paid (TTD 150.00: payout 135.00, fee 15.00); returns their ids and the shared gateway and clock. */
async function paidSessions(count: number, prefix: string) {
  const db = await database;
  await db.reset();
  const firstEndAt = new Date('2026-03-02T10:00:00.000Z');
  await seedDueSessions(db.pool, { count, firstEndAt, bookingPrefix: prefix });
  const clock = createManualClock(addMinutes(firstEndAt, 180));
  const gateway = createRecordingPaymentGateway();
  const core = async () =>
    createSessionsCore({ adapter: createSqlAdapter(await newPool()), videoProvider: createFakeVideoProvider(), paymentGateway: gateway, clock });
  const first = await core();
  expect((await first.settlement.run()).chargesSucceeded).toBe(count);
  const { rows } = await db.pool.query<{ id: string }>(`select id::text from public.sessions where booking_id like $1 order by booking_id`, [`${prefix}%`]);
  return { db, clock, gateway, core, ids: rows.map((r) => r.id) };
}

describe('refunds on the PostgreSQL server', () => {
  it('8 workers race refunds of 40 % on the same charges: never more than the charge, payout or fee; each refund its own key', async () => {
    const { db, gateway, core, ids } = await paidSessions(20, 'refund-race-');
    const workers = await Promise.all(Array.from({ length: 8 }, core));
    const results = await Promise.allSettled(
      ids.flatMap((sessionId) => workers.map((w, i) => w.refunds.create({ sessionId, amountMinor: 6_000, reason: `race ${i}`, actorId: 'admin' }))),
    );
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    // A loser is judged again against the winners: refused only because a third refund never fits.
    for (const r of refused) expect(r.reason?.code).toBe('REFUND_EXCEEDS_CHARGE');
    // Two refunds of 60.00 fit in 150.00, a third never does.
    const { rows } = await db.pool.query<{ n: number; amount: string; payout: string; fee: string }>(
      `select count(*)::int as n, sum(amount_ttd)::text as amount, sum(payout_ttd)::text as payout, sum(fee_ttd)::text as fee
       from public.session_refunds where status <> 'failed' group by session_id`,
    );
    expect(rows.length).toBe(20);
    for (const r of rows) {
      expect(r.n).toBeLessThanOrEqual(2);
      expect(Number(r.amount)).toBeLessThanOrEqual(150);
      expect(Number(r.payout)).toBeLessThanOrEqual(135);
      expect(Number(r.fee)).toBeLessThanOrEqual(15);
    }
    expect(rows.filter((r) => r.n === 2).length).toBeGreaterThan(0);
    const keys = gateway.refundInstructions.map((i) => i.idempotencyKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect(gateway.refunds.size).toBe(rows.reduce((n, r) => n + r.n, 0));
  });

  it('8 concurrent partial refunds of one charge, all of which fit: every call succeeds (never CONFLICT); one gateway call per stored refund', async () => {
    const { db, gateway, core, ids } = await paidSessions(6, 'refund-parts-');
    const workers = await Promise.all(Array.from({ length: 8 }, core));
    for (const sessionId of ids) {
      // 8 × 18.00 = 144.00 of 150.00: every one fits, so every one must succeed, however the races go.
      const results = await Promise.allSettled(workers.map((w, i) => w.refunds.create({ sessionId, amountMinor: 1_800, reason: `part ${i}`, actorId: 'admin' })));
      const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason?.code ?? String(r.reason));
      expect(refused).toEqual([]);
      for (const r of results) if (r.status === 'fulfilled') expect(r.value.refund).toMatchObject({ status: 'succeeded', amountMinor: 1_800 });
    }
    const { rows } = await db.pool.query<{ session_id: string; n: number; amount: string; keys: number }>(
      `select session_id::text, count(*)::int as n, sum(amount_ttd)::text as amount, count(distinct idempotency_key)::int as keys
       from public.session_refunds where status = 'succeeded' group by session_id`,
    );
    expect(rows).toHaveLength(ids.length);
    for (const r of rows) expect(r).toMatchObject({ n: 8, amount: '144.00', keys: 8 });
    expect(gateway.refundInstructions).toHaveLength(8 * ids.length);
    expect(new Set(gateway.refundInstructions.map((i) => i.idempotencyKey)).size).toBe(8 * ids.length);
  });

  it('8 concurrent partial refunds of one charge, not all of which fit: each succeeds or gets a documented refusal; never more than the charge', async () => {
    const { db, gateway, core, ids } = await paidSessions(6, 'refund-over-');
    const workers = await Promise.all(Array.from({ length: 8 }, core));
    for (const sessionId of ids) {
      // 8 × 25.00 = 200.00 > 150.00: six fit, two are refused with REFUND_EXCEEDS_CHARGE or NOTHING_TO_REFUND.
      const results = await Promise.allSettled(workers.map((w, i) => w.refunds.create({ sessionId, amountMinor: 2_500, reason: `over ${i}`, actorId: 'admin' })));
      const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason?.code ?? String(r.reason));
      expect(refused).toHaveLength(2);
      for (const code of refused) expect(['REFUND_EXCEEDS_CHARGE', 'NOTHING_TO_REFUND']).toContain(code);
    }
    const { rows } = await db.pool.query<{ n: number; amount: string }>(
      `select count(*)::int as n, sum(amount_ttd)::text as amount from public.session_refunds where status <> 'failed' group by session_id`,
    );
    expect(rows).toHaveLength(ids.length);
    for (const r of rows) expect(r).toEqual({ n: 6, amount: '150.00' });
    expect(gateway.refundInstructions).toHaveLength(6 * ids.length);
  });

  it('racing writers that skip the compare-and-set are still refused beyond the charge (the trigger locks the attempt)', async () => {
    const { db, ids } = await paidSessions(1, 'refund-direct-');
    const [id] = ids;
    const insert = async (client: pg.PoolClient, n: number) => {
      await client.query('begin');
      await client.query(
        `insert into public.session_refunds (session_id, refund, attempt, idempotency_key, amount_ttd, payout_ttd, fee_ttd, currency, reason, requested_by, requested_at)
         values ($1::uuid, $2::integer, 1, 'direct-' || $2::text, 100.00, 90.00, 10.00, 'TTD', 'direct', 'admin', now())`,
        [id, n],
      );
    };
    const a = await db.pool.connect();
    const b = await db.pool.connect();
    try {
      await insert(a, 1);
      const second = insert(b, 2); // waits on the attempt's row lock
      await new Promise((resolve) => setTimeout(resolve, 100));
      await a.query('commit');
      await expect(second).rejects.toMatchObject({ code: '23514' });
      await b.query('rollback');
    } finally {
      a.release();
      b.release();
    }
    const { rows } = await db.pool.query(`select count(*)::int as n from public.session_refunds`);
    expect(rows).toEqual([{ n: 1 }]);
  });

  it('a lost answer is retried under the same key by retryRefunds; the money is returned once', async () => {
    const { clock, gateway, core, ids } = await paidSessions(1, 'refund-lost-');
    const [sessionId] = ids as [string];
    const one = await core();
    gateway.scriptRefunds('lose-response');
    const lost = await one.refunds.create({ sessionId, amountMinor: 5_001, reason: 'lost answer', actorId: 'admin' });
    expect(lost.refund).toMatchObject({ status: 'unknown', amountMinor: 5_001, payoutMinor: 4_501, feeMinor: 500 });
    clock.set(addMinutes(clock.now(), 1));
    const [a, b] = await Promise.all([(await core()).refunds.retry(), (await core()).refunds.retry()]);
    expect(a.retried + b.retried).toBeGreaterThanOrEqual(1);
    const refunds = await one.refunds.list(sessionId);
    expect(refunds).toMatchObject([{ refund: 1, status: 'succeeded', idempotencyKey: lost.refund.idempotencyKey }]);
    expect(new Set(gateway.refundInstructions.map((i) => i.idempotencyKey))).toEqual(new Set([lost.refund.idempotencyKey]));
    expect(gateway.refunds.size).toBe(1);
    expect(refundedSoFar(refunds)).toEqual({ amountMinor: 5_001, payoutMinor: 4_501, feeMinor: 500 });
  });
});
