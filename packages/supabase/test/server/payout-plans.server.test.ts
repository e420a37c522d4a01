import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqlAdapter } from '@itutor/sessions-supabase';
import { createServerDatabase } from '../support/db';

/**
 * The payout run's list (itutor_list_due_payouts), the platform's dispute queue
 * (itutor_list_unresolved_disputes) and its chargeback work list (itutor_list_open_chargebacks) read their
 * partial indexes and stop at their limit, never the tables: on 20,000 after_review sessions whose payouts
 * are settled and whose disputes are resolved, with 4,000 chargebacks (half of them open), beside a few
 * rows in each state the lists name. A payout held by an open chargeback is skipped by a probe of the
 * session's chargebacks by primary key. auto_explain logs the functions' own statements to the client; the
 * plans are checked right after the seed (with whatever statistics autovacuum has gathered by then, usually
 * none: the planner then guesses) and again after VACUUM ANALYZE.
 */
const SETTLED = 20_000;

const database = createServerDatabase('payout_plans');
let pool: pg.Pool | undefined;
afterAll(async () => {
  await pool?.end();
  await (await database).close();
});

/** Sessions `prefix`1..`count`: final after_review sessions paid on attempt 1 (150.00 = 135.00 + 15.00). */
const insertPaid = (client: pg.Pool, prefix: string, count: number, offsetDays: number) =>
  client.query(
    `with s as (
       insert into public.sessions (
         id, booking_id, tutor_id, student_id, status, version,
         scheduled_start_at, scheduled_end_at, duration_minutes, join_opens_at,
         no_show_wait_minutes, min_payable_minutes, no_show_eligible_at, charge_scheduled_at,
         price_ttd, currency, provider, meeting_id, join_url, finalized_at,
         charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, charge_status, charge_attempts, charge_reference,
         created_at, updated_at, payout_timing)
       select gen_random_uuid(), $2 || i, 'tutor-' || (i % 500), 'student-' || i, 'COMPLETED_ASSUMED', 3,
         t.s, t.s + interval '60 minutes', 60, t.s - interval '5 minutes', 19, 39, t.s + interval '19 minutes', t.s + interval '60 minutes',
         150.00, 'TTD', 'zoom', 'm' || $2 || i, 'https://zoom.us/j/' || i, t.s + interval '60 minutes',
         150.00, 135.00, 15.00, 'succeeded', 1, 'pi_' || $2 || i, t.s - interval '1 day', t.s + interval '61 minutes', 'after_review'
       from generate_series(1, $1::integer) as i,
         lateral (select '2026-01-01T00:00:00Z'::timestamptz + $3::integer * interval '1 day' + (i % 5000) * interval '7 minutes' as s) as t
       returning id, finalized_at
     )
     insert into public.session_charges (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd,
       currency, status, gateway_reference, calls, requested_at, answered_at)
     select id, 1, 'key-' || id, 'COMPLETED_ASSUMED', 150.00, 135.00, 15.00, 'TTD', 'succeeded', 'pi_' || id, 1, finalized_at, finalized_at + interval '1 minute'
     from s`,
    [count, prefix, offsetDays],
  );

async function seed(client: pg.Pool) {
  await insertPaid(client, 'settled-', SETTLED, 0);
  await insertPaid(client, 'open-', 60, 100);
  // Every payout opens scheduled for the session's payout, due 72 hours after the outcome (the trigger checks each).
  await client.query(
    `insert into public.session_payouts (session_id, payout, idempotency_key, amount_ttd, currency, due_at, requested_at)
     select s.id, 1, 'itutor-payout-' || s.id || '-1', 135.00, 'TTD', s.finalized_at + interval '72 hours', s.finalized_at + interval '1 minute'
     from public.sessions as s`,
  );
  // The settled ones were sent and succeeded, and their disputes resolved (written as such directly: a seed).
  await client.query(`
    begin;
    set local session_replication_role = replica;
    update public.session_payouts as p set status = 'succeeded', sent_at = p.due_at, refunds_before = 0, answered_at = p.due_at + interval '1 second',
      gateway_reference = 'tr_' || p.session_id, calls = 1
    from public.sessions as s where s.id = p.session_id and s.booking_id like 'settled-%';
    insert into public.session_disputes (session_id, status, reason, opened_by, opened_at, resolution, refund_ttd, resolved_by, resolved_by_role, resolved_at, updated_at)
    select s.id, 'resolved', 'quality', s.student_id, s.finalized_at + interval '1 hour', 'no_refund', 0.00, 'admin', 'platform', s.finalized_at + interval '2 hours', s.finalized_at + interval '2 hours'
    from public.sessions as s where s.booking_id like 'settled-%' and right(s.booking_id, 1) = '7';
    commit;
  `);
  // Chargebacks of 4,000 settled sessions (written as such directly: a seed): every other one open, its
  // evidence due over the next weeks or (one in four) without a deadline; the others won.
  await seedChargebacks(client);
  // Of the 60 open ones: 10 held by an open dispute, 10 sent and answered unknown, 10 sent and never answered,
  // 10 held by an open chargeback (written through the rules); 20 scheduled.
  await client.query(`
    insert into public.session_disputes (session_id, status, reason, opened_by, opened_at, updated_at)
    select s.id, 'open', 'tutor_absent', s.student_id, s.finalized_at + interval '1 hour', s.finalized_at + interval '1 hour'
    from public.sessions as s where s.booking_id in (select 'open-' || i from generate_series(1, 10) as i);
    update public.session_payouts as p set status = 'pending', sent_at = p.due_at, refunds_before = 0
    from public.sessions as s where s.id = p.session_id and s.booking_id in (select 'open-' || i from generate_series(11, 30) as i);
    update public.session_payouts as p set status = 'unknown', failure_code = 'timeout', calls = 1, answered_at = p.due_at + interval '5 seconds'
    from public.sessions as s where s.id = p.session_id and s.booking_id in (select 'open-' || i from generate_series(11, 20) as i);
    insert into public.session_chargebacks (session_id, chargeback, attempt, reference, status, reason, amount_ttd, currency, evidence_due_by,
      gateway_updated_at, loss_bearer, tutor_share_ttd, opened_at, updated_at)
    select s.id, 1, 1, 'dp_' || s.id, 'needs_response', 'fraudulent', 150.00, 'TTD', s.finalized_at + interval '30 days',
      s.finalized_at + interval '2 days', 'tutor', 135.00, s.finalized_at + interval '2 days', s.finalized_at + interval '2 days'
    from public.sessions as s where s.booking_id in (select 'open-' || i from generate_series(31, 40) as i);
  `);
}

async function seedChargebacks(client: pg.Pool) {
  await client.query(`
    begin;
    set local session_replication_role = replica;
    insert into public.session_chargebacks (session_id, chargeback, attempt, reference, status, reason, amount_ttd, currency, evidence_due_by,
      gateway_updated_at, loss_bearer, tutor_share_ttd, tutor_share, opened_at, closed_at, updated_at)
    select s.id, 1, 1, 'dp_' || s.id, case when n % 2 = 0 then 'needs_response' else 'won' end, 'fraudulent', 150.00, 'TTD',
      case when n % 4 = 1 then null else s.finalized_at + interval '21 days' end,
      s.finalized_at + interval '1 day', 'platform', 0, 'none', s.finalized_at + interval '1 day',
      case when n % 2 = 1 then s.finalized_at + interval '30 days' end, s.finalized_at + interval '1 day'
    from (
      select x.*, row_number() over (order by x.id) as n from public.sessions as x where x.booking_id like 'settled-%'
    ) as s
    where s.n <= 4000;
    commit;
  `);
}

describe('payout and dispute list plans on the PostgreSQL server', () => {
  it('the payout run\'s list, the dispute queue and the chargeback work list read their partial indexes only, before and after ANALYZE', async () => {
    const db = await database;
    await seed(db.pool);
    const { rows: counts } = await db.pool.query(
      `select (select count(*)::int from public.session_payouts) as payouts, (select count(*)::int from public.session_disputes) as disputes`,
    );
    expect(counts[0]).toEqual({ payouts: SETTLED + 60, disputes: SETTLED / 10 + 10 });
    const { rows: chargebacks } = await db.pool.query(
      `select count(*)::int as all, count(*) filter (where status not in ('warning_closed', 'prevented', 'won', 'lost'))::int as open from public.session_chargebacks`,
    );
    expect(chargebacks[0]).toEqual({ all: 4_010, open: 2_010 });

    pool = new pg.Pool({
      connectionString: db.url,
      max: 1,
      options:
        '-c session_preload_libraries=auto_explain -c auto_explain.log_min_duration=0 -c auto_explain.log_nested_statements=on ' +
        '-c auto_explain.log_level=notice -c client_min_messages=notice',
    });
    const notices: string[] = [];
    pool.on('connect', (c) => c.on('notice', (n) => notices.push(n.message ?? '')).on('error', () => undefined));
    const adapter = createSqlAdapter(pool);
    const far = new Date('2030-01-01T00:00:00.000Z');

    for (const analyzed of [false, true]) {
      if (analyzed) for (const table of ['session_payouts', 'session_disputes', 'session_chargebacks', 'sessions']) await db.pool.query(`vacuum analyze public.${table}`);
      notices.length = 0;
      const due = await adapter.payouts.listDue({ now: far, resendBefore: far, limit: 25 });
      // 20 scheduled (20 more held: 10 by disputes, 10 by chargebacks) and 20 sent: the 25 oldest due, sent and scheduled merged in due order.
      expect(due).toHaveLength(25);
      expect(due.map((p) => p.dueAt.getTime())).toEqual([...due].map((p) => p.dueAt.getTime()).sort((a, b) => a - b));
      const all = await adapter.payouts.listDue({ now: far, resendBefore: far, limit: 100 });
      expect(all.map((p) => p.status).sort()).toEqual([...Array(20).fill('scheduled'), ...Array(10).fill('pending'), ...Array(10).fill('unknown')].sort());
      const held = new Set((await db.pool.query(`select session_id::text as id from public.session_chargebacks where reference like 'dp_%' and status = 'needs_response' and loss_bearer = 'tutor'`)).rows.map((r: { id: string }) => r.id));
      expect(held.size).toBe(10);
      expect(all.filter((p) => held.has(p.sessionId))).toEqual([]);
      const queue = await adapter.disputes.listUnresolved({ limit: 5 });
      expect(queue.map((d) => d.status)).toEqual(Array(5).fill('open'));
      // The chargeback work list: the 5 soonest deadlines of the 2,010 open ones.
      const open = await adapter.chargebacks.listOpen({ limit: 5 });
      expect(open).toHaveLength(5);
      const { rows: soonest } = await db.pool.query(
        `select reference from public.session_chargebacks where status not in ('warning_closed', 'prevented', 'won', 'lost')
         order by evidence_due_by nulls last, opened_at, session_id, chargeback limit 5`,
      );
      expect(open.map((c) => c.reference)).toEqual(soonest.map((r: { reference: string }) => r.reference));
      const plans = notices.join('\n');
      expect(plans, `analyzed: ${analyzed}`).toMatch(/session_payouts_scheduled_idx/);
      expect(plans, `analyzed: ${analyzed}`).toMatch(/session_payouts_to_resend_idx/);
      expect(plans, `analyzed: ${analyzed}`).toMatch(/session_disputes_unresolved_idx/);
      expect(plans, `analyzed: ${analyzed}`).toMatch(/Index Scan using session_chargebacks_open_idx on session_chargebacks/);
      // The payout list's probe of a session's chargebacks: by primary key.
      expect(plans, `analyzed: ${analyzed}`).toMatch(/session_chargebacks_pkey/);
      expect(plans, `analyzed: ${analyzed}`).not.toMatch(/Seq Scan on session_payouts|Seq Scan on session_disputes|Seq Scan on session_chargebacks|Seq Scan on sessions/);
      expect(plans, `analyzed: ${analyzed}`).not.toMatch(/Bitmap Heap Scan on session_chargebacks|Sort Key: c\.evidence_due_by/);
      if (process.env.ITUTOR_PRINT_PLANS) console.info(plans);
    }
  });
});
