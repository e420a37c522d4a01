/**
 * Settlement benchmark on the PostgreSQL server (needs DATABASE_URL):
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx packages/supabase/bench/settlement.ts
 *
 * 1. The floor: the same end state for 10,000 due sessions written set-based by hand, one
 *    `UPDATE … FROM` and one `INSERT … SELECT` (settled + charged, three audit events each).
 * 2. The SDK: core's `settleDueSessions()` over the SQL repositories (claim in batches, compare-and-set
 *    writes with their events, charge through the gateway, record the results), instant gateway.
 * 3. The SDK with a payment gateway that takes 100 ms per charge (must finish within 60 s).
 *
 * Each phase seeds its own 10,000 rows with one `INSERT … SELECT generate_series` in a fresh database,
 * which is dropped at the end. Options: BENCH_SESSIONS (default 10000), BENCH_WORKERS (default 2).
 */
import pg from 'pg';
import { createSessionsCore, type SettlementOptions, type SettlementReport } from '@itutor/sessions-core';
import { createFakeVideoProvider, createManualClock, createRecordingPaymentGateway } from '@itutor/sessions-core/testing';
import { createSqlAdapter } from '@itutor/sessions-supabase';
import { createServerDatabase } from '../test/support/db';
import { seedDueSessions } from '../test/support/seed';

const N = Number(process.env.BENCH_SESSIONS ?? 10_000);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
const firstEndAt = new Date('2026-03-02T10:00:00.000Z');
const now = new Date(firstEndAt.getTime() + 3 * 3600_000);

if (!process.env.DATABASE_URL) {
  console.error('DATABASE_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test)');
  process.exit(2);
}

const db = await createServerDatabase('bench', { max: 4 });
const pools: pg.Pool[] = [];
const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

async function seed(prefix: string) {
  await seedDueSessions(db.pool, { count: N, firstEndAt, bookingPrefix: prefix });
  await db.pool.query('analyze public.sessions');
}

async function floor(): Promise<number> {
  await seed('floor-');
  const client = await db.pool.connect();
  try {
    const start = process.hrtime.bigint();
    await client.query('begin');
    await client.query(
      `update public.sessions as s
       set status = 'COMPLETED_ASSUMED', version = s.version + 2, finalized_at = $1,
           charge_amount_ttd = s.price_ttd, payout_amount_ttd = trunc(s.price_ttd * 0.9, 2),
           platform_fee_ttd = s.price_ttd - trunc(s.price_ttd * 0.9, 2),
           charge_status = 'succeeded', charge_attempts = 1,
           charge_idempotency_key = 'itutor-session-' || s.id || '-COMPLETED_ASSUMED', charge_reference = 'ch_' || s.id,
           updated_at = $1
       from (select id from public.sessions where status in ('SCHEDULED', 'JOIN_OPEN') and charge_scheduled_at <= $1) as due
       where s.id = due.id`,
      [now],
    );
    await client.query(
      `insert into public.session_events (session_id, tutor_id, type, actor, occurred_at, payload)
       select s.id, s.tutor_id, t.type, 'system', $1, jsonb_build_object('outcome', 'COMPLETED_ASSUMED', 'chargeMinor', 15000)
       from public.sessions as s cross join (values (1, 'session.settled'), (2, 'charge.requested'), (3, 'charge.succeeded')) as t (n, type)
       where s.booking_id like 'floor-%'
       order by s.id, t.n`,
      [now],
    );
    await client.query('commit');
    return seconds(start);
  } finally {
    client.release();
  }
}

async function sdk(prefix: string, latencyMs: number, settlement: SettlementOptions, workers: number) {
  await seed(prefix);
  const gateway = createRecordingPaymentGateway({ latencyMs });
  const clock = createManualClock(now);
  const cores = Array.from({ length: workers }, () => {
    const pool = new pg.Pool({ connectionString: db.url, max: Math.max(2, settlement.concurrency ?? 1) });
    pool.on('error', () => undefined);
    pools.push(pool);
    return createSessionsCore({
      adapter: createSqlAdapter(pool),
      videoProvider: createFakeVideoProvider(),
      paymentGateway: gateway,
      clock,
      settlement,
    });
  });
  const start = process.hrtime.bigint();
  const reports: SettlementReport[] = await Promise.all(cores.map((core) => core.settleDueSessions()));
  const elapsed = seconds(start);
  const completed = reports.reduce((sum, r) => sum + r.completed, 0);
  const charged = reports.reduce((sum, r) => sum + r.chargesSucceeded, 0);
  if (completed !== N || charged !== N || gateway.charges.size !== N) {
    throw new Error(`expected ${N} settled and charged, got ${completed} settled, ${charged} charged, ${gateway.charges.size} charges`);
  }
  return elapsed;
}

try {
  const rate = (s: number) => Math.round(N / s);
  const floorSeconds = await floor();
  console.log(`settlement of ${N} due sessions on ${new URL(process.env.DATABASE_URL).host}`);
  console.log(`  floor (set-based UPDATE … FROM + INSERT … SELECT):       ${floorSeconds.toFixed(2)} s  ${rate(floorSeconds)} sessions/s`);

  const tuned: SettlementOptions = { batchSize: 1000, chargeConcurrency: 64, maxBatches: 1000, concurrency: WORKERS };
  const defaults: SettlementOptions = { maxBatches: 1000 };
  const one = await sdk('sdk-1-', 0, defaults, 1);
  console.log(`  SDK, 1 worker, core defaults (batch 500):                ${one.toFixed(2)} s  ${rate(one)} sessions/s  ratio ${(floorSeconds / one).toFixed(2)}`);
  const many = await sdk('sdk-n-', 0, tuned, 1);
  console.log(
    `  SDK, 1 run with concurrency ${WORKERS}, batch ${tuned.batchSize}:           ${many.toFixed(2)} s  ${rate(many)} sessions/s  ratio ${(floorSeconds / many).toFixed(2)}`,
  );

  const slowOptions: SettlementOptions = { batchSize: 1000, chargeConcurrency: 250, maxBatches: 1000, concurrency: WORKERS };
  const slow = await sdk('sdk-slow-', 100, slowOptions, 1);
  console.log(
    `  SDK, 100 ms gateway, concurrency ${WORKERS}, batch ${slowOptions.batchSize}, ${slowOptions.chargeConcurrency} charges in flight: ${slow.toFixed(2)} s  ${rate(slow)} sessions/s  (limit 60 s: ${slow <= 60 ? 'ok' : 'TOO SLOW'})`,
  );
  const slowDefaults = await sdk('sdk-slow-d-', 100, defaults, 1);
  console.log(
    `  SDK, 100 ms gateway, 1 worker, core defaults (32 in flight): ${slowDefaults.toFixed(2)} s  ${rate(slowDefaults)} sessions/s  (limit 60 s: ${slowDefaults <= 60 ? 'ok' : 'TOO SLOW'})`,
  );
  const best = Math.max(floorSeconds / one, floorSeconds / many);
  console.log(`  best ratio to the floor: ${best.toFixed(2)} (target ≥ 0.25)`);
  if (best < 0.25 || slow > 60) process.exitCode = 1;
} finally {
  await Promise.all(pools.map((p) => p.end()));
  await db.close();
}
