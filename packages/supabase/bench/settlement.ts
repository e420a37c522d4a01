/**
 * Settlement on the PostgreSQL server (needs DATABASE_URL):
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx packages/supabase/bench/settlement.ts
 *
 * Every figure is a ratio or a time measured in this run, on a fresh database of the same shape per
 * variant (copied from one migrated template), rounds rotated, min / median shown:
 *
 * - the floor: the SDK's exact end state for the due sessions written by hand, set-based: one
 *   `UPDATE … FROM`, one `INSERT … SELECT` of the three audit events each, one `INSERT … SELECT` of the
 *   ledger rows. Its end state is compared with the SDK's (sessions, events, ledger; only the database
 *   clock's own columns left out): a ratio against a floor that does less work would flatter the SDK;
 * - the SDK with its defaults (`createSessionsCore` with no settlement options), instant gateway;
 * - the SDK with a gateway that takes 100 ms per charge, defaults;
 * - the SDK with a gateway that hangs on 1 % of calls, defaults (goal: within one cron minute).
 *
 * - with BENCH_BACKGROUND=n (e.g. 1000000): the SDK defaults again on a table that also holds n upcoming
 *   sessions (booked in the same hours as the due ones) and n long-final sessions (with their ledger
 *   rows), against the due-only table in the same run (goal: within 10 %). Seeding that template takes
 *   minutes.
 *
 * Session ids are seeded as the SDK makes them by default (UUID v7 from the booking time, see `idSql`).
 *
 * The SDK variants also print the process's peak heap growth during the run, and (under --expose-gc, as
 * `pnpm bench` runs it) the peak heap still held after a full collection (memory must stay flat as
 * the number due grows: compare BENCH_SESSIONS=10000 with 100000).
 *
 * Each variant also prints the WAL the server wrote while it ran (median, MB; cluster-wide, so other work on
 * the server adds to it): on a shared, noisy machine it moves far less than the times do, and it tracks the
 * pages a settlement dirties (full-page images after the checkpoint each variant starts from).
 *
 * The floor and the SDK defaults also print the row versions they wrote per settled session (new tuples:
 * n_tup_ins + n_tup_upd of pg_stat_user_tables, per table, on the variant's own fresh database; rows
 * deleted beside them). Goals: SDK defaults ≥ 0.5 of the floor (medians), ≤ 7 row versions per session.
 *
 * A figure that misses its goal is reported, never an abort of the rest. Options (env):
 * BENCH_SESSIONS (due sessions, default 10000), BENCH_ROUNDS (default 3), BENCH_SLOW=0 to skip the
 * slow-gateway variants, BENCH_BACKGROUND (default 0).
 */
import pg from 'pg';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { createSessionsCore, type PaymentGateway, type SettlementReport } from '@itutor/sessions-core';
import { createFakeVideoProvider, createManualClock, createRecordingPaymentGateway, type FakeChargeBehaviour } from '@itutor/sessions-core/testing';
import { createSqlAdapter } from '@itutor/sessions-supabase';
import { applyMigrations, applySupabaseBootstrap } from '@itutor/sessions-supabase/migrations';

const N = Number(process.env.BENCH_SESSIONS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SLOW = process.env.BENCH_SLOW !== '0';
const BACKGROUND = Number(process.env.BENCH_BACKGROUND ?? 0);
const firstEndAt = new Date('2026-03-02T10:00:00.000Z');
const now = new Date(firstEndAt.getTime() + 3 * 3600_000);

if (!process.env.DATABASE_URL) {
  console.log('supabase settlement bench: not run (set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/test)');
  process.exit(0);
}

const adminUrl = process.env.DATABASE_URL;
const urlFor = (database: string) => {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
};
async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const tag = randomUUID().replace(/-/g, '').slice(0, 8);
const template = `itutor_bench_tpl_${tag}`;
const backgroundTemplate = `itutor_bench_bgtpl_${tag}`;
const created: string[] = [];

/**
 * A session id as the SDK makes them by default (`timeOrderedId`, UUID v7): the creation time in
 * milliseconds, then bits derived from `seedSql` (deterministic, so every copy of a template has the
 * same ids and the floor's and the SDK's end states compare).
 */
const idSql = (seedSql: string, createdAtSql: string) =>
  `(lpad(to_hex((extract(epoch from ${createdAtSql}) * 1000)::bigint), 12, '0') || '7' || substr(md5(${seedSql}), 1, 3) || '8' || substr(md5(${seedSql}), 4, 15))::uuid`;

/** Seeds `count` due 60-minute sessions (TTD 150.00), booked a day before they start. */
async function seedDue(client: pg.ClientBase, count: number) {
  await client.query(
    `insert into public.sessions (
       id, booking_id, tutor_id, student_id, status, version,
       scheduled_start_at, scheduled_end_at, duration_minutes, join_opens_at,
       no_show_wait_minutes, min_payable_minutes, no_show_eligible_at, charge_scheduled_at,
       price_ttd, currency, provider, meeting_id, join_url, created_at, updated_at)
     select ${idSql(`'due-' || i`, `t.start_at - interval '1 day'`)}, 'due-' || i, 'tutor-' || (i % 50), 'student-' || i, 'SCHEDULED', 1,
       t.start_at, t.start_at + interval '60 minutes', 60, t.start_at - interval '5 minutes',
       19, 39, t.start_at + interval '19 minutes', t.start_at + interval '60 minutes',
       150.00, 'TTD', 'zoom', 'm' || i, 'https://zoom.us/j/' || i, t.start_at - interval '1 day', t.start_at - interval '1 day'
     from generate_series(1, $1::integer) as i,
       lateral (select $2::timestamptz - interval '60 minutes' + (i % 120) * interval '1 minute' as start_at) as t`,
    [count, firstEndAt.toISOString()],
  );
}

/**
 * `count` sessions far in the future, booked in the same hours as the due ones (their ids interleave
 * with the due sessions' ids), and `count` long final ones booked and settled a year before (paid, with
 * their ledger rows).
 */
async function seedBackground(client: pg.ClientBase, count: number) {
  const row = (prefix: string, startSql: string, createdSql: string) => `
    insert into public.sessions (
       id, booking_id, tutor_id, student_id, status, version,
       scheduled_start_at, scheduled_end_at, duration_minutes, join_opens_at,
       no_show_wait_minutes, min_payable_minutes, no_show_eligible_at, charge_scheduled_at,
       price_ttd, currency, provider, meeting_id, join_url, created_at, updated_at,
       finalized_at, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, charge_status, charge_attempts,
       charge_idempotency_key, charge_reference)
     select ${idSql(`'${prefix}-' || i`, 'c.created_at')}, '${prefix}-' || i, 'tutor-' || (i % 500), 'student-${prefix}-' || i,
       f.status, f.version,
       t.start_at, t.start_at + interval '60 minutes', 60, t.start_at - interval '5 minutes',
       19, 39, t.start_at + interval '19 minutes', t.start_at + interval '60 minutes',
       150.00, 'TTD', 'zoom', 'm' || i, 'https://zoom.us/j/' || i, c.created_at, c.created_at,
       f.finalized_at, f.charge, f.payout, f.fee, f.charge_status, f.attempts, f.key, f.ref
     from generate_series(1, $1::integer) as i,
       lateral (select ${startSql} as start_at) as t,
       lateral (select ${createdSql} as created_at) as c,
       lateral (select * from (values ${
         prefix === 'upcoming'
           ? `('SCHEDULED', 1, null::timestamptz, null::numeric, null::numeric, null::numeric, 'none', 0, null::text, null::text)`
           : `('COMPLETED_ASSUMED', 3, t.start_at + interval '60 minutes', 150.00, 135.00, 15.00, 'succeeded', 1,
               'itutor-session-' || ${idSql(`'${prefix}-' || i`, 'c.created_at')} || '-COMPLETED_ASSUMED-1',
               'pi_itutor-session-' || ${idSql(`'${prefix}-' || i`, 'c.created_at')} || '-COMPLETED_ASSUMED-1')`
       }) as v (status, version, finalized_at, charge, payout, fee, charge_status, attempts, key, ref)) as f`;
  await client.query(
    row(
      'upcoming',
      `$2::timestamptz + interval '2 days' + (i % 50000) * interval '1 minute'`,
      // The due sessions were booked between 25 and 23 hours before firstEndAt: so were these.
      `$2::timestamptz - interval '1 day' - interval '60 minutes' + (i % 7200) * interval '1 second'`,
    ),
    [count, firstEndAt.toISOString()],
  );
  await client.query(
    row('final', `$2::timestamptz - interval '400 days' + (i % 50000) * interval '1 minute'`, `t.start_at - interval '1 day'`),
    [count, firstEndAt.toISOString()],
  );
  await client.query(
    `insert into public.session_charges (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd,
       platform_fee_ttd, currency, status, gateway_reference, calls, requested_at, answered_at)
     select id, 1, charge_idempotency_key, status, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency,
       'succeeded', charge_reference, 1, finalized_at, finalized_at
     from public.sessions where booking_id like 'final-%'`,
  );
}

async function makeTemplate(name = template, background = 0) {
  await admin((c) => c.query(`create database ${name}`));
  created.push(name);
  const pool = new pg.Pool({ connectionString: urlFor(name), max: 1 });
  try {
    await applySupabaseBootstrap(pool);
    await applyMigrations(pool);
    const client = await pool.connect();
    try {
      await seedDue(client, N);
      if (background > 0) await seedBackground(client, background);
      await client.query('vacuum analyze');
    } finally {
      client.release();
    }
  } finally {
    await pool.end();
  }
}

/** A fresh copy of a template: the same shape and rows for every variant. */
async function freshDatabase(label: string, from = template) {
  const name = `itutor_bench_${label.toLowerCase().replace(/[^a-z0-9]/g, '_').slice(0, 30)}_${randomUUID().replace(/-/g, '').slice(0, 8)}`;
  // FILE_COPY, not PostgreSQL 15's default WAL_LOG: WAL_LOG writes the whole copy into the WAL, and
  // for the 2,000,000-row background template that forces a checkpoint which would then run during
  // the measured settlement. The explicit checkpoint starts every variant from the same state (no dirty
  // pages of an earlier variant left to flush, full-page images from a fresh checkpoint for all).
  await admin(async (c) => {
    await c.query(`create database ${name} template ${from} strategy file_copy`);
    await c.query('checkpoint');
  });
  created.push(name);
  return name;
}
async function drop(name: string) {
  await admin((c) => c.query(`drop database if exists ${name} with (force)`));
  created.splice(created.indexOf(name), 1);
}

/** A digest of everything settlement leaves, without the columns only the database clock sets. */
async function endState(pool: pg.Pool): Promise<string> {
  const { rows } = await pool.query(
    `select md5(string_agg(x, E'\\n' order by x)) as digest, count(*)::int as n from (
       -- last_write_id: a random write id per write (its value differs run to run, the floor writes one too)
       select (to_jsonb(s) - 'last_write_id')::text as x from public.sessions s
       union all
       select concat_ws('|', e.session_id, e.tutor_id, e.type, e.actor, e.occurred_at, e.payload::text) from public.session_events e
       union all
       select concat_ws('|', c.session_id, c.attempt, c.idempotency_key, c.outcome, c.charge_amount_ttd, c.payout_amount_ttd,
         c.platform_fee_ttd, c.currency, c.status, c.gateway_reference, c.failure_code, c.calls, c.requested_at, c.answered_at)
       from public.session_charges c
     ) t`,
  );
  return `${rows[0].n} rows, md5 ${rows[0].digest}`;
}

/** Tuples written and deleted per table (pg_stat_user_tables), over a whole variant's run on its own database. */
type TableWrites = Record<string, { ins: number; upd: number; del: number }>;

interface Measured {
  /** What the run wrote, per table (read once its connections have closed and reported their counts). */
  readonly writes?: TableWrites;
  readonly seconds: number;
  readonly state: string;
  readonly note?: string;
  /** WAL written while the variant ran (MB), cluster-wide: includes whatever else the server wrote meanwhile. */
  readonly walMb?: number;
}

/** The server's WAL position: the WAL a variant writes is a figure that the machine's load does not swing. */
const walLsn = async (pool: pg.Pool) => (await pool.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn')).rows[0]!.lsn;
const walMbSince = async (pool: pg.Pool, lsn: string) =>
  Number((await pool.query<{ bytes: string }>('select pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint as bytes', [lsn])).rows[0]!.bytes) / 2 ** 20;

/**
 * The row versions a variant wrote, per table: pg_stat_user_tables' n_tup_ins, n_tup_upd and n_tup_del of
 * the variant's own fresh database (a copy starts with no counts; the end-state digest only reads).
 * Backends report their counts when they exit: read after the pool has ended, until two reads agree.
 */
async function tableWrites(database: string): Promise<TableWrites> {
  const client = new pg.Client({ connectionString: urlFor(database) });
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

/** The floor: the SDK's end state (instant gateway that succeeds), written set-based by hand. */
async function floor(pool: pg.Pool): Promise<number> {
  const client = await pool.connect();
  try {
    const began = performance.now();
    await client.query('begin');
    await client.query(
      `update public.sessions as s
       set status = 'COMPLETED_ASSUMED', version = s.version + 2, finalized_at = $1,
           charge_amount_ttd = s.price_ttd, payout_amount_ttd = trunc(s.price_ttd * 0.9, 2),
           platform_fee_ttd = s.price_ttd - trunc(s.price_ttd * 0.9, 2),
           charge_status = 'succeeded', charge_attempts = 1,
           charge_idempotency_key = 'itutor-session-' || s.id || '-COMPLETED_ASSUMED-1',
           charge_reference = 'pi_itutor-session-' || s.id || '-COMPLETED_ASSUMED-1',
           claimed_until = null, updated_at = $1, last_write_id = gen_random_uuid()
       from (select id from public.sessions where status in ('SCHEDULED', 'JOIN_OPEN') and charge_scheduled_at <= $1) as due
       where s.id = due.id`,
      [now],
    );
    await client.query(
      `insert into public.session_events (session_id, tutor_id, type, actor, occurred_at, payload)
       select s.id, s.tutor_id, t.type, 'system', $1,
         case t.n
           when 1 then jsonb_build_object('outcome', 'COMPLETED_ASSUMED', 'chargeMinor', 15000, 'payoutMinor', 13500, 'feeMinor', 1500)
           else jsonb_build_object('attempt', 1, 'amountMinor', 15000)
         end
       from public.sessions as s cross join (values (1, 'session.settled'), (2, 'charge.requested'), (3, 'charge.succeeded')) as t (n, type)
       where s.status = 'COMPLETED_ASSUMED'
       order by s.id, t.n`,
      [now],
    );
    // The ledger's per-row trigger probes the ledger for a success once per new attempt, planned while
    // the statistics say the ledger is empty; it runs with sequential scans off (see
    // itutor_keep_charge_record), so this one INSERT of 10,000 attempts needs no planner setting of its own.
    await client.query(
      `insert into public.session_charges (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd,
         platform_fee_ttd, currency, status, gateway_reference, failure_code, calls, requested_at, answered_at)
       select s.id, 1, s.charge_idempotency_key, s.status, s.charge_amount_ttd, s.payout_amount_ttd, s.platform_fee_ttd,
         s.currency, 'succeeded', s.charge_reference, null, 1, $1, $1
       from public.sessions as s where s.status = 'COMPLETED_ASSUMED'`,
      [now],
    );
    await client.query('commit');
    return (performance.now() - began) / 1000;
  } finally {
    client.release();
  }
}

/** One settlement run of the SDK with its default options over a pool. */
async function sdk(pool: pg.Pool, options: { latencyMs?: number; hangEvery?: number }) {
  // The instant gateway keeps nothing per charge (the recording fake keeps every instruction, which
  // would be counted as the SDK's memory); it answers exactly what the recording fake answers.
  const recording = options.latencyMs || options.hangEvery ? createRecordingPaymentGateway({ latencyMs: options.latencyMs ?? 0 }) : null;
  if (recording && options.hangEvery) {
    recording.script(...Array.from({ length: N }, (_, i): FakeChargeBehaviour => ((i + 1) % options.hangEvery! === 0 ? 'hang' : 'succeed')));
  }
  const gateway: PaymentGateway = recording ?? {
    charge: async (instruction) => ({ status: 'succeeded', reference: `pi_${instruction.idempotencyKey}` }),
  };
  const core = createSessionsCore({
    adapter: createSqlAdapter(pool),
    videoProvider: createFakeVideoProvider(),
    paymentGateway: gateway,
    clock: createManualClock(now),
  });
  // With --expose-gc (as `pnpm bench` runs this file) every run starts from a collected heap.
  (globalThis as { gc?: () => void }).gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let heapPeak = heapBefore;
  let retainedPeak = heapBefore;
  const sampler = setInterval(() => (heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)), 25);
  // What the run holds (not garbage waiting for a collection): a full collection once a second, which
  // costs the SDK a few per cent of its time here (never the floor's), so the ratio only errs against it.
  const gc = (globalThis as { gc?: () => void }).gc;
  const retained = gc
    ? setInterval(() => {
        gc();
        retainedPeak = Math.max(retainedPeak, process.memoryUsage().heapUsed);
      }, 1000)
    : undefined;
  const began = performance.now();
  const report: SettlementReport = await core.settlement.run();
  const seconds = (performance.now() - began) / 1000;
  clearInterval(sampler);
  clearInterval(retained);
  return { seconds, report, gateway, heapMb: (heapPeak - heapBefore) / 2 ** 20, retainedMb: gc ? (retainedPeak - heapBefore) / 2 ** 20 : Number.NaN };
}

// Variants are looked up by name (their positions depend on which ones run).
const BACKGROUND_VARIANT = `SDK defaults, + ${BACKGROUND.toLocaleString('en-US')} upcoming and final`;
const SLOW_VARIANT = 'SDK defaults, gateway 100 ms per charge';
const HANG_VARIANT = 'SDK defaults, gateway hangs on 1 % of calls';

type Variant = {
  readonly name: string;
  readonly template?: string;
  /** Whether the row versions it writes are counted (the floor and the SDK on the due-only table). */
  readonly countsRowVersions?: boolean;
  readonly run: (pool: pg.Pool) => Promise<Measured>;
};

const variants: Variant[] = [
  {
    name: 'floor (set-based, same end state)',
    countsRowVersions: true,
    run: async (pool) => ({ seconds: await floor(pool), state: await endState(pool) }),
  },
  {
    name: 'SDK defaults, instant gateway',
    countsRowVersions: true,
    run: async (pool) => {
      const { seconds, report, heapMb, retainedMb } = await sdk(pool, {});
      const wrong = report.completed === N && report.chargesSucceeded === N ? '' : `; settled ${report.completed}, charged ${report.chargesSucceeded} of ${N}`;
      return { seconds, state: await endState(pool), note: `peak heap +${Math.round(heapMb)} MB${Number.isNaN(retainedMb) ? '' : `, retained +${Math.round(retainedMb)} MB`}${wrong}` };
    },
  },
];
if (BACKGROUND > 0) {
  variants.push({
    name: BACKGROUND_VARIANT,
    template: backgroundTemplate,
    run: async (pool) => {
      const { seconds, report, heapMb } = await sdk(pool, {});
      return { seconds, state: '', note: `settled ${report.completed}, charged ${report.chargesSucceeded}, peak heap +${Math.round(heapMb)} MB` };
    },
  });
}
if (SLOW) {
  variants.push(
    {
      name: SLOW_VARIANT,
      run: async (pool) => {
        const { seconds, report } = await sdk(pool, { latencyMs: 100 });
        return { seconds, state: '', note: `settled ${report.completed}, charged ${report.chargesSucceeded}, deferred ${report.chargesDeferred}` };
      },
    },
    {
      name: HANG_VARIANT,
      run: async (pool) => {
        const { seconds, report } = await sdk(pool, { hangEvery: 100 });
        return {
          seconds,
          state: '',
          note: `settled ${report.completed}, charged ${report.chargesSucceeded}, unknown ${report.chargesPending}, deferred ${report.chargesDeferred}`,
        };
      },
    },
  );
}

const results = new Map<string, Measured[]>(variants.map((v) => [v.name, []]));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

try {
  console.log(`settlement of ${N} due sessions on ${new URL(adminUrl).host}: ${ROUNDS} rounds, order rotated, fresh database per variant`);
  await makeTemplate();
  if (BACKGROUND > 0) {
    console.log(`  seeding a template with ${BACKGROUND.toLocaleString('en-US')} upcoming and ${BACKGROUND.toLocaleString('en-US')} final sessions…`);
    await makeTemplate(backgroundTemplate, BACKGROUND);
  }
  for (let round = 0; round < ROUNDS; round++) {
    const order = variants.map((_, i) => variants[(i + round) % variants.length]!);
    for (const variant of order) {
      const name = await freshDatabase(variant.name, variant.template ?? template);
      const pool = new pg.Pool({ connectionString: urlFor(name), max: 4 });
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
        if (variant.countsRowVersions) measured = { ...measured, writes: await tableWrites(name) };
      } finally {
        results.get(variant.name)!.push(measured);
        await drop(name);
      }
    }
  }

  const floorRuns = results.get(variants[0]!.name)!;
  const floorMedian = median(floorRuns.map((r) => r.seconds));
  const floorStates = new Set(floorRuns.map((r) => r.state));
  for (const variant of variants) {
    const runs = results.get(variant.name)!;
    const secs = runs.map((r) => r.seconds);
    const wal = runs.map((r) => r.walMb ?? Number.NaN);
    const line = `  ${variant.name.padEnd(46)} min ${Math.min(...secs).toFixed(2)} s  median ${median(secs).toFixed(2)} s  WAL median ${median(wal).toFixed(0)} MB`;
    const notes = [...new Set(runs.map((r) => r.note).filter(Boolean))];
    console.log(line + (notes.length ? `  (${notes.join('; ')})` : ''));
  }
  const sdkRuns = results.get(variants[1]!.name)!;
  const sameState = sdkRuns.every((r) => floorStates.has(r.state)) && floorStates.size === 1;
  console.log(`  end states: floor ${[...floorStates].join(' / ')}; SDK ${sameState ? 'identical' : `DIFFERENT: ${[...new Set(sdkRuns.map((r) => r.state))].join(' / ')}`}`);
  const ratio = floorMedian / median(sdkRuns.map((r) => r.seconds));
  const best = Math.min(...floorRuns.map((r) => r.seconds)) / Math.min(...sdkRuns.map((r) => r.seconds));
  console.log(`  SDK defaults vs floor: ${ratio.toFixed(2)} of medians, ${best.toFixed(2)} of minimums (goal ≥ 0.5: ${ratio >= 0.5 ? 'met' : 'MISSED'})`);
  // Row versions written per settled session: new tuples (inserted, or updated: each update writes a new
  // version of the row), per table, from pg_stat_user_tables; rows deleted are shown beside them (a
  // delete writes no new version, but the work list's are work all the same). The median run of each.
  const perSession = (name: string) => {
    const runs = results.get(name)!.filter((r) => r.writes).map((r) => r.writes!);
    if (runs.length === 0) return null;
    const total = (w: TableWrites) => Object.values(w).reduce((n, t) => n + t.ins + t.upd, 0);
    const run = [...runs].sort((a, b) => total(a) - total(b))[Math.floor(runs.length / 2)]!;
    const f = (n: number) => (n / N).toFixed(2).replace(/\.00$/, '');
    const tables = Object.entries(run)
      .map(([table, t]) => `${table} ${[t.ins ? `${f(t.ins)} ins` : '', t.upd ? `${f(t.upd)} upd` : '', t.del ? `${f(t.del)} del` : ''].filter(Boolean).join(' + ')}`)
      .join(', ');
    return { versions: total(run) / N, deleted: Object.values(run).reduce((n, t) => n + t.del, 0) / N, tables };
  };
  const sdkVersions = perSession(variants[1]!.name);
  const floorVersions = perSession(variants[0]!.name);
  if (sdkVersions && floorVersions) {
    console.log(
      `  row versions written per settled session (n_tup_ins + n_tup_upd): SDK ${sdkVersions.versions.toFixed(2)}, floor ${floorVersions.versions.toFixed(2)} ` +
        `(goal: SDK ≤ 7: ${sdkVersions.versions <= 7 ? 'met' : 'MISSED'}); rows deleted: SDK ${sdkVersions.deleted.toFixed(2)}, floor ${floorVersions.deleted.toFixed(2)}`,
    );
    console.log(`    SDK:   ${sdkVersions.tables}`);
    console.log(`    floor: ${floorVersions.tables}`);
  }
  if (BACKGROUND > 0) {
    const withBackground = median(results.get(BACKGROUND_VARIANT)!.map((r) => r.seconds));
    const growth = withBackground / median(sdkRuns.map((r) => r.seconds));
    const bestGrowth = Math.min(...results.get(BACKGROUND_VARIANT)!.map((r) => r.seconds)) / Math.min(...sdkRuns.map((r) => r.seconds));
    console.log(`  with ${BACKGROUND.toLocaleString('en-US')} upcoming + final sessions in the table: ${growth.toFixed(2)}× the due-only time of medians, ${bestGrowth.toFixed(2)}× of minimums (goal ≤ 1.10×: ${growth <= 1.1 ? 'met' : 'MISSED'})`);
    const walOf = (name: string) => median(results.get(name)!.map((r) => r.walMb ?? Number.NaN));
    console.log(`    WAL written (median, cluster-wide): ${walOf(BACKGROUND_VARIANT).toFixed(0)} MB with them, ${walOf(variants[1]!.name).toFixed(0)} MB due-only (more with them: full-page images of index and heap pages the settlement dirtied outside the due sessions' part of the table)`);
  }
  if (SLOW) {
    const slow = median(results.get(SLOW_VARIANT)!.map((r) => r.seconds));
    const hang = median(results.get(HANG_VARIANT)!.map((r) => r.seconds));
    console.log(`  100 ms gateway on defaults: ${slow.toFixed(1)} s (goal ≤ 15 s: ${slow <= 15 ? 'met' : 'MISSED'})`);
    console.log(`  1 % hanging calls on defaults: ${hang.toFixed(1)} s (goal ≤ 60 s, one cron minute: ${hang <= 60 ? 'met' : 'MISSED'})`);
  }
} finally {
  for (const name of [...created].reverse()) await drop(name).catch(() => undefined);
}
