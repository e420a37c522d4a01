/**
 * The payout run on the PostgreSQL server (needs DATABASE_URL):
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx packages/supabase/bench/payouts.ts
 *
 * BENCH_PAYOUTS (default 5,000) settled `after_review` sessions (COMPLETED_ASSUMED, charge succeeded, one
 * scheduled payout row due now: its review window closed within the last hour), paid out:
 *
 * - the floor: the SDK's exact end state written by hand, set-based: one statement sends every due payout
 *   (row → pending, its amount and `refunds_before` fixed), bumps each session's version by two and appends
 *   the two audit events (`payout.requested`, `payout.succeeded`); a second one records the answers (row →
 *   succeeded, reference, calls + 1, answered_at). Two statements, not one: the payout rule
 *   (itutor_check_session_payout) takes a scheduled row only to pending, and the floor runs every trigger
 *   the SDK's writes run. Its end state is compared with the SDK's (sessions, events, charges, payouts; only
 *   the columns the database's clock sets and the random write id left out): a ratio against a floor that
 *   does less work would flatter the SDK;
 * - the SDK: `core.payouts.run({ limit: 1000 })` until nothing is due, SQL adapter over a pg Pool of 4, an
 *   instant gateway (`transfer` answers succeeded, reference `tr_<key>`), a manual clock. Per payout it
 *   writes twice (the send fixing the amount, then the answer), as `ledger/payouts.ts` decides.
 *
 * Every variant runs on a fresh copy of one seeded, migrated database (`STRATEGY FILE_COPY`, then a
 * checkpoint), rounds rotated (BENCH_ROUNDS, default 3). Printed: payouts per second of each (median, min
 * time), the ratio SDK / floor of medians and of minimums, the WAL each wrote (median, cluster-wide), and
 * the row versions each wrote per payout (n_tup_ins + n_tup_upd of pg_stat_user_tables on the variant's
 * own copy, per table). Issue #23 states no goal for payouts: the ratio is printed, not judged. A failed
 * variant is reported, never an abort of the rest.
 */
import pg from 'pg';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { createSessionsCore, type PaymentGateway } from '@itutor/sessions-core';
import { createFakeVideoProvider, createManualClock } from '@itutor/sessions-core/testing';
import { createSqlAdapter } from '@itutor/sessions-supabase';
import { createServerDatabase, serverUrl } from '../test/support/db';

const N = Number(process.env.BENCH_PAYOUTS ?? 5_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** The payout run's clock. The seeded outcomes end 73 to 72 hours before it (the default review window: 72 hours). */
const now = new Date('2026-03-08T12:00:00.000Z');
const REVIEW_WINDOW_HOURS = 72;

if (!process.env.DATABASE_URL) {
  console.log('supabase payouts bench: not run (set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/test)');
  process.exit(0);
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * A session id as the SDK makes them by default (UUID v7 from the booking time), with bits from `seedSql`
 * (as the settlement bench seeds them: every copy of the template holds the same ids).
 */
const idSql = (seedSql: string, createdAtSql: string) =>
  `(lpad(to_hex((extract(epoch from ${createdAtSql}) * 1000)::bigint), 12, '0') || '7' || substr(md5(${seedSql}), 1, 3) || '8' || substr(md5(${seedSql}), 4, 15))::uuid`;

/**
 * `count` settled after_review sessions (150.00 = 135.00 + 15.00, charge succeeded on attempt 1, its ledger
 * row), finished in the hour before the review window's end, and their scheduled payout 1 (due 72 hours
 * after the outcome, as `scheduledPayout` opens it; the payout rule checks each row it inserts).
 */
async function seedSettled(client: pg.ClientBase, count: number) {
  await client.query(
    `with s as (
       insert into public.sessions (
         id, booking_id, tutor_id, student_id, status, version,
         scheduled_start_at, scheduled_end_at, duration_minutes, join_opens_at,
         no_show_wait_minutes, min_payable_minutes, no_show_eligible_at, charge_scheduled_at,
         price_ttd, currency, provider, meeting_id, join_url, finalized_at,
         charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, charge_status, charge_attempts,
         charge_idempotency_key, charge_reference, created_at, updated_at, payout_timing)
       select k.id, 'paid-' || i, 'tutor-' || (i % 50), 'student-' || i, 'COMPLETED_ASSUMED', 3,
         t.s, t.s + interval '60 minutes', 60, t.s - interval '5 minutes', 19, 39, t.s + interval '19 minutes', t.s + interval '60 minutes',
         150.00, 'TTD', 'zoom', 'm' || i, 'https://zoom.us/j/' || i, t.s + interval '60 minutes',
         150.00, 135.00, 15.00, 'succeeded', 1,
         'itutor-session-' || k.id || '-COMPLETED_ASSUMED-1', 'pi_itutor-session-' || k.id || '-COMPLETED_ASSUMED-1',
         t.s - interval '1 day', t.s + interval '60 minutes', 'after_review'
       from generate_series(1, $1::integer) as i,
         lateral (select $2::timestamptz - interval '${REVIEW_WINDOW_HOURS} hours' - interval '120 minutes' + (i % 60) * interval '1 minute' as s) as t,
         lateral (select ${idSql(`'paid-' || i`, `t.s - interval '1 day'`)} as id) as k
       returning id, finalized_at, charge_idempotency_key, charge_reference
     )
     insert into public.session_charges (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd,
       currency, status, gateway_reference, calls, requested_at, answered_at)
     select id, 1, charge_idempotency_key, 'COMPLETED_ASSUMED', 150.00, 135.00, 15.00, 'TTD', 'succeeded', charge_reference, 1, finalized_at, finalized_at
     from s`,
    [count, now.toISOString()],
  );
  await client.query(
    `insert into public.session_payouts (session_id, payout, idempotency_key, amount_ttd, currency, due_at, requested_at)
     select s.id, 1, 'itutor-payout-' || s.id || '-1', 135.00, 'TTD', s.finalized_at + interval '${REVIEW_WINDOW_HOURS} hours', s.finalized_at
     from public.sessions as s order by s.id`,
  );
}

/** A fresh copy of the template: the same shape and rows for every variant. */
async function freshDatabase(label: string, template: string) {
  const name = `itutor_bench_payouts_${label}_${randomUUID().replace(/-/g, '').slice(0, 8)}`;
  // FILE_COPY (as the settlement bench): the copy is not written to the WAL; the checkpoint starts every
  // variant from the same state.
  await admin(async (c) => {
    await c.query(`create database ${name} template ${template} strategy file_copy`);
    await c.query('checkpoint');
  });
  return name;
}
const drop = (name: string) => admin((c) => c.query(`drop database if exists ${name} with (force)`));

/** A digest of everything a payout run leaves, without the columns only the database clock sets. */
async function endState(pool: pg.Pool): Promise<string> {
  const { rows } = await pool.query(
    `select md5(string_agg(x, E'\\n' order by x)) as digest, count(*)::int as n,
       (select count(*)::int from public.session_payouts where status = 'succeeded') as paid
     from (
       -- last_write_id: a random id per write (the floor writes one too)
       select (to_jsonb(s) - 'last_write_id')::text as x from public.sessions s
       union all
       select concat_ws('|', e.session_id, e.tutor_id, e.type, e.actor, e.occurred_at, e.payload::text) from public.session_events e
       union all
       select (to_jsonb(c) - 'updated_at')::text from public.session_charges c
       union all
       select (to_jsonb(p) - 'updated_at')::text from public.session_payouts p
     ) t`,
  );
  return `${rows[0].n} rows (${rows[0].paid} payouts succeeded), md5 ${rows[0].digest}`;
}

type TableWrites = Record<string, { ins: number; upd: number; del: number }>;

/**
 * The row versions a variant wrote, per table (as the settlement bench reads them): the copy starts with
 * no counts; backends report theirs when they exit, so read after the pool has ended, until two reads agree.
 */
async function tableWrites(database: string): Promise<TableWrites> {
  const client = new pg.Client({ connectionString: serverUrl(database) });
  await client.connect();
  try {
    let last = '';
    for (let i = 0; i < 20; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const { rows } = await client.query<{ relname: string; ins: string; upd: string; del: string }>(
        `select relname, n_tup_ins as ins, n_tup_upd as upd, n_tup_del as del from pg_stat_user_tables
         where schemaname = 'public' and n_tup_ins + n_tup_upd + n_tup_del > 0 order by relname`,
      );
      const text = JSON.stringify(rows);
      if (text === last) return Object.fromEntries(rows.map((r) => [r.relname, { ins: Number(r.ins), upd: Number(r.upd), del: Number(r.del) }]));
      last = text;
    }
    throw new Error('pg_stat_user_tables did not settle');
  } finally {
    await client.end();
  }
}

const walLsn = async (pool: pg.Pool) => (await pool.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn')).rows[0]!.lsn;
const walMbSince = async (pool: pg.Pool, lsn: string) =>
  Number((await pool.query<{ bytes: string }>('select pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint as bytes', [lsn])).rows[0]!.bytes) / 2 ** 20;

/**
 * The floor: the SDK's end state with an instant gateway, set-based. The due payouts are the payout run's
 * (scheduled, due, no unresolved dispute); the amount left to pay is the scheduled amount (the seed has no
 * refunds: `refunds_before` 0), which the payout rule checks row by row, as for the SDK.
 */
async function floor(pool: pg.Pool): Promise<number> {
  const client = await pool.connect();
  try {
    const began = performance.now();
    await client.query('begin');
    await client.query(
      `with sent as (
         update public.session_payouts as p
         set status = 'pending', sent_at = $1, refunds_before = 0, updated_at = now()
         where p.status = 'scheduled' and p.due_at <= $1
           and not exists (select 1 from public.session_disputes as d where d.session_id = p.session_id and d.status <> 'resolved')
         returning p.session_id, p.payout, p.amount_ttd
       ), bumped as (
         update public.sessions as s set version = s.version + 2, updated_at = $1, last_write_id = gen_random_uuid()
         from sent where s.id = sent.session_id
         returning s.id, s.tutor_id
       )
       insert into public.session_events (session_id, tutor_id, type, actor, occurred_at, payload)
       select b.id, b.tutor_id, e.type, 'system', $1, jsonb_build_object('payout', sent.payout, 'amountMinor', (sent.amount_ttd * 100)::bigint)
       from bumped as b join sent on sent.session_id = b.id
         cross join (values (1, 'payout.requested'), (2, 'payout.succeeded')) as e (n, type)
       order by b.id, e.n`,
      [now],
    );
    await client.query(
      `update public.session_payouts as p
       set status = 'succeeded', gateway_reference = 'tr_' || p.idempotency_key, failure_code = null, calls = p.calls + 1,
         answered_at = $1, updated_at = now()
       where p.status = 'pending' and p.sent_at = $1 and p.answered_at is null`,
      [now],
    );
    await client.query('commit');
    return (performance.now() - began) / 1000;
  } finally {
    client.release();
  }
}

/** The SDK: payout passes of at most 1,000 until nothing is due. */
async function sdk(pool: pg.Pool): Promise<{ seconds: number; note: string }> {
  const gateway: PaymentGateway = {
    charge: async (instruction) => ({ status: 'succeeded', reference: `pi_${instruction.idempotencyKey}` }),
    transfer: async (instruction) => ({ status: 'succeeded', reference: `tr_${instruction.idempotencyKey}` }),
  };
  const core = createSessionsCore({
    adapter: createSqlAdapter(pool),
    videoProvider: createFakeVideoProvider(),
    paymentGateway: gateway,
    clock: createManualClock(now),
    policy: { payoutTiming: 'after_review' },
  });
  const tally = { passes: 0, due: 0, succeeded: 0, failed: 0, unknown: 0, cancelled: 0, held: 0, conflicts: 0 };
  const began = performance.now();
  for (;;) {
    const report = await core.payouts.run({ limit: 1000 });
    tally.passes++;
    for (const key of ['due', 'succeeded', 'failed', 'unknown', 'cancelled', 'held', 'conflicts'] as const) tally[key] += report[key];
    // Nothing due, or a pass that paid nothing (what it left is the end state's to show).
    if (report.due === 0 || report.succeeded === 0) break;
  }
  const seconds = (performance.now() - began) / 1000;
  const { passes, due, succeeded, ...rest } = tally;
  const others = Object.entries(rest).filter(([, n]) => n > 0);
  return { seconds, note: `${passes} passes, ${succeeded} of ${due} due paid${others.length ? `; ${others.map(([k, n]) => `${k} ${n}`).join(', ')}` : ''}` };
}

interface Measured {
  readonly seconds: number;
  readonly state: string;
  readonly note?: string;
  readonly walMb?: number;
  readonly writes?: TableWrites;
}

const variants: { readonly name: string; readonly run: (pool: pg.Pool) => Promise<Measured> }[] = [
  { name: 'floor (set-based, same end state)', run: async (pool) => ({ seconds: await floor(pool), state: await endState(pool) }) },
  {
    name: 'SDK, instant gateway',
    run: async (pool) => {
      const { seconds, note } = await sdk(pool);
      return { seconds, note, state: await endState(pool) };
    },
  },
];
const results = new Map<string, Measured[]>(variants.map((v) => [v.name, []]));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const template = await createServerDatabase('payouts_tpl', { max: 1 });
try {
  console.log(`payout run of ${N} due after_review payouts on ${new URL(process.env.DATABASE_URL).host}: ${ROUNDS} rounds, order rotated, fresh database per variant`);
  const client = await template.pool.connect();
  try {
    await seedSettled(client, N);
    await client.query('vacuum analyze');
  } finally {
    // Destroyed, not returned: a template must have no connection when it is copied.
    client.release(true);
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < variants.length; k++) {
      const variant = variants[(k + round) % variants.length]!;
      const name = await freshDatabase(variant === variants[0] ? 'floor' : 'sdk', template.name);
      const pool = new pg.Pool({ connectionString: serverUrl(name), max: 4 });
      pool.on('error', () => undefined);
      let measured: Measured;
      try {
        const lsn = await walLsn(pool);
        measured = await variant.run(pool);
        measured = { ...measured, walMb: await walMbSince(pool, lsn) };
      } catch (error) {
        measured = { seconds: Number.NaN, state: '', note: `failed: ${(error as Error).message}` };
      } finally {
        await pool.end();
      }
      try {
        measured = { ...measured, writes: await tableWrites(name) };
      } catch (error) {
        measured = { ...measured, note: `${measured.note ? `${measured.note}; ` : ''}row versions not read: ${(error as Error).message}` };
      } finally {
        results.get(variant.name)!.push(measured);
        await drop(name);
      }
    }
  }

  for (const variant of variants) {
    const runs = results.get(variant.name)!;
    const secs = runs.map((r) => r.seconds);
    const notes = [...new Set(runs.map((r) => r.note).filter(Boolean))];
    console.log(
      `  ${variant.name.padEnd(36)} median ${median(secs).toFixed(2)} s (${Math.round(N / median(secs))} payouts/s)  min ${Math.min(...secs).toFixed(2)} s` +
        `  WAL median ${median(runs.map((r) => r.walMb ?? Number.NaN)).toFixed(0)} MB${notes.length ? `  (${notes.join('; ')})` : ''}`,
    );
  }
  const [floorRuns, sdkRuns] = variants.map((v) => results.get(v.name)!) as [Measured[], Measured[]];
  const floorStates = new Set(floorRuns.map((r) => r.state));
  const same = floorStates.size === 1 && sdkRuns.every((r) => floorStates.has(r.state));
  console.log(`  end states: floor ${[...floorStates].join(' / ')}; SDK ${same ? 'identical' : `DIFFERENT: ${[...new Set(sdkRuns.map((r) => r.state))].join(' / ')}`}`);
  const ratio = median(floorRuns.map((r) => r.seconds)) / median(sdkRuns.map((r) => r.seconds));
  const best = Math.min(...floorRuns.map((r) => r.seconds)) / Math.min(...sdkRuns.map((r) => r.seconds));
  // Three decimals: the ratio is far below the others'.
  console.log(`  SDK vs floor (payouts per second): ${ratio.toFixed(3)} of medians, ${best.toFixed(3)} of minimums (issue #23 gives no goal for payouts: printed only)`);
  // Row versions per payout, per table, of each variant's median run (as the settlement bench prints them).
  const perPayout = (runs: Measured[]) => {
    const counted = runs.filter((r) => r.writes).map((r) => r.writes!);
    if (counted.length === 0) return null;
    const total = (w: TableWrites) => Object.values(w).reduce((n, t) => n + t.ins + t.upd, 0);
    const run = [...counted].sort((a, b) => total(a) - total(b))[Math.floor(counted.length / 2)]!;
    const f = (n: number) => (n / N).toFixed(2).replace(/\.00$/, '');
    const tables = Object.entries(run)
      .map(([table, t]) => `${table} ${[t.ins ? `${f(t.ins)} ins` : '', t.upd ? `${f(t.upd)} upd` : '', t.del ? `${f(t.del)} del` : ''].filter(Boolean).join(' + ')}`)
      .join(', ');
    return { versions: total(run) / N, tables };
  };
  const [floorVersions, sdkVersions] = [perPayout(floorRuns), perPayout(sdkRuns)];
  if (floorVersions && sdkVersions) {
    console.log(`  row versions written per payout (n_tup_ins + n_tup_upd): SDK ${sdkVersions.versions.toFixed(2)}, floor ${floorVersions.versions.toFixed(2)}`);
    console.log(`    SDK:   ${sdkVersions.tables}`);
    console.log(`    floor: ${floorVersions.tables}`);
  }
} finally {
  await template.close();
}
