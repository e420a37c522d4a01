import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createSessionsCore } from '@itutor/sessions-core';
import { createFakeVideoProvider, createManualClock, createRecordingPaymentGateway } from '@itutor/sessions-core/testing';
import { createSqlAdapter } from '@itutor/sessions-supabase';
import { createServerDatabase } from '../support/db';
import { seedDueSessions } from '../support/seed';

/**
 * The plans the settlement statements really run with, inside the functions, on a table where the
 * planner has a choice: 50,000 upcoming and 50,000 final sessions (each final one with its ledger row),
 * 300 due and 200 final sessions with a charge still to collect. auto_explain logs every nested
 * statement's plan (the functions' statements, and the foreign-key checks they trigger) to the client.
 */
const UPCOMING = 50_000;
const FINAL = 50_000;
const DUE = 300;
const TO_COLLECT = 200;
const BATCH = 50;

const database = createServerDatabase('plans');
let pool: pg.Pool | undefined;
afterAll(async () => {
  await pool?.end();
  await (await database).close();
});

const now = new Date('2026-06-01T12:00:00.000Z');

async function seed(pool: pg.Pool) {
  // Upcoming: due from tomorrow on. Final: settled and paid last year, one succeeded attempt each.
  const insertSessions = (prefix: string, count: number, firstStart: string, final: 'paid' | 'pending' | null) =>
    pool.query(
      `insert into public.sessions (
         id, booking_id, tutor_id, student_id, status, version,
         scheduled_start_at, scheduled_end_at, duration_minutes, join_opens_at,
         no_show_wait_minutes, min_payable_minutes, no_show_eligible_at, charge_scheduled_at,
         price_ttd, currency, provider, meeting_id, join_url, finalized_at,
         charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, charge_status, charge_idempotency_key, charge_attempts, charge_reference,
         created_at, updated_at)
       select gen_random_uuid(), $2 || i, 'tutor-' || (i % 500), 'student-' || i, case when $4::text is null then 'SCHEDULED' else 'COMPLETED_ASSUMED' end,
         case when $4::text is null then 1 else 3 end,
         t.s, t.s + interval '60 minutes', 60, t.s - interval '5 minutes', 19, 39, t.s + interval '19 minutes', t.s + interval '60 minutes',
         150.00, 'TTD', 'zoom', 'm' || i, 'https://zoom.us/j/' || i,
         case when $4::text is null then null else t.s + interval '60 minutes' end,
         case when $4::text is null then null else 150.00 end, case when $4::text is null then null else 135.00 end,
         case when $4::text is null then null else 15.00 end,
         case $4::text when 'paid' then 'succeeded' when 'pending' then 'pending' else 'none' end,
         case when $4::text is null then null else $2 || i || '-key-1' end,
         case when $4::text is null then 0 else 1 end,
         case when $4::text = 'paid' then 'ch_' || i end,
         t.s - interval '1 day', t.s - interval '1 day'
       from generate_series(1, $1::integer) as i, lateral (select $3::timestamptz + (i % 5000) * interval '7 minutes' as s) as t`,
      [count, prefix, firstStart, final],
    );
  await insertSessions('upcoming-', UPCOMING, '2026-06-02T00:00:00Z', null);
  await insertSessions('final-', FINAL, '2025-01-01T00:00:00Z', 'paid');
  // Charges to collect: settled in the last day, well inside the charge deadline (past it they would be failed for good, not sent).
  await insertSessions('collect-', TO_COLLECT, '2026-05-31T00:00:00Z', 'pending');
  await pool.query(
    `insert into public.session_charges (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd,
       currency, status, gateway_reference, calls, requested_at, answered_at)
     select id, 1, charge_idempotency_key, status, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, currency,
       case charge_status when 'succeeded' then 'succeeded' else 'unknown' end, charge_reference, 1, finalized_at, finalized_at + interval '1 minute'
     from public.sessions where charge_idempotency_key is not null`,
  );
  await seedDueSessions(pool, { count: DUE, firstEndAt: new Date('2026-06-01T09:00:00.000Z'), bookingPrefix: 'due-' });
  await pool.query('vacuum analyze public.sessions');
  await pool.query('vacuum analyze public.session_charges');
  await pool.query('vacuum analyze public.session_work');
}

interface Call {
  /** The top-level statement (which function). */
  readonly fn: string;
  /** The plans of the statements it ran, its own last. */
  readonly plans: string[];
}

describe('settlement plans on the PostgreSQL server', () => {
  it('claims and apply-writes use index scans only (no Seq Scan on sessions or session_charges, no sort of due rows), first and later calls', async () => {
    const db = await database;
    await seed(db.pool);
    const { rows: counts } = await db.pool.query(
      `select (select count(*)::int from public.sessions) as sessions, (select count(*)::int from public.session_charges) as charges`,
    );
    expect(counts[0]).toEqual({ sessions: UPCOMING + FINAL + DUE + TO_COLLECT, charges: FINAL + TO_COLLECT });

    // One connection (the settlement's statements queue on it, in order), which loads auto_explain
    // when it starts and sends every plan to the client as a notice.
    pool = new pg.Pool({
      connectionString: db.url,
      max: 1,
      options:
        '-c session_preload_libraries=auto_explain -c auto_explain.log_min_duration=0 -c auto_explain.log_nested_statements=on ' +
        '-c auto_explain.log_level=notice -c client_min_messages=notice',
    });
    const notices: string[] = [];
    let listening = true;
    // A client still ending when the database is dropped at teardown gets 57P01: not a failure of the test.
    pool.on('connect', (c) => c.on('notice', (n) => listening && notices.push(n.message ?? '')).on('error', () => undefined));

    const gateway = createRecordingPaymentGateway();
    const core = createSessionsCore({
      adapter: createSqlAdapter(pool),
      videoProvider: createFakeVideoProvider(),
      paymentGateway: gateway,
      clock: createManualClock(now),
      settlement: { batchSize: BATCH, chargeConcurrency: 8, concurrency: 1 }, // one claim loop: the count of claims below is exact
    });
    const report = await core.settlement.run();
    expect(report).toMatchObject({ completed: DUE, chargesSucceeded: DUE + TO_COLLECT, conflicts: 0 });
    listening = false;

    // Group the logged plans by top-level call: nested statements are logged before their caller.
    const calls: Call[] = [];
    let pending: string[] = [];
    for (const message of notices) {
      const text = /Query Text: ([\s\S]*?)\n/.exec(message)?.[1] ?? '';
      pending.push(message);
      const top = /^select public\.(itutor_[a-z_]+)\(/.exec(text.trim());
      if (top) {
        calls.push({ fn: top[1]!, plans: pending });
        pending = [];
      }
    }
    const claims = calls.filter((c) => c.fn === 'itutor_claim_sessions_for_settlement');
    // Writes: itutor_apply_session_writes, and (over a Pool) the answer batches through
    // itutor_apply_charge_answers, which runs the same statements.
    const applies = calls.filter((c) => c.fn === 'itutor_apply_session_writes' || c.fn === 'itutor_apply_charge_answers');
    expect(applies[applies.length - 1]!.fn).toBe('itutor_apply_charge_answers');
    // 300 due + 200 to collect in batches of 50, then the empty claim that ends the run.
    expect(claims.length).toBe((DUE + TO_COLLECT) / BATCH + 1);
    expect(applies.length).toBeGreaterThanOrEqual(2 * (DUE / BATCH));

    if (process.env.ITUTOR_PRINT_PLANS) {
      for (const call of [claims[0]!, claims[DUE / BATCH + 1]!, applies[0]!, applies[applies.length - 1]!]) {
        console.info(`----- ${call.fn}\n${call.plans.filter((p) => !/select to_jsonb\(/.test(p)).map((p) => p.replace(/'\{[^}]{200,}\}'/g, "'{…}'")).join('\n')}`);
      }
    }
    const everyPlan = calls.flatMap((c) => c.plans);
    expect(everyPlan.filter((p) => /Seq Scan on (public\.)?(sessions|session_charges|session_work)\b/.test(p))).toEqual([]);

    const nested = (call: Call) => call.plans.slice(0, -1);
    // Both groups of the claim read the work list's 'cron' entries due by now in key order, then each
    // session by its primary key: a nested loop under the limit, never a sort or a hash of a table. Due
    // sessions (after the run's cursor, a row comparison in the index condition) are read without a lock;
    // charges to collect are locked (SKIP LOCKED) and leased.
    const cronScan = /Index Cond: \(\(kind = 'cron'::text\) AND \(due_at <= /;
    const dueScan = (p: string) => cronScan.test(p) && /ROW\(due_at, session_id\) > ROW\(/.test(p);
    const pendingScan = (p: string) => cronScan.test(p) && !/ROW\(due_at, session_id\)/.test(p) && /LockRows/.test(p);
    const join = /Nested Loop[\s\S]*Index (?:Only )?Scan using session_work_pkey on session_work[\s\S]*Index Scan using sessions_pkey on sessions/;

    // The first claim: only due sessions (a full batch), one ordered scan that stops at its limit; no
    // lock, no lease, no write of any kind.
    const first = claims[0]!;
    const firstDue = nested(first).find(dueScan);
    expect(firstDue, nested(first).join('\n---\n')).toBeDefined();
    expect(firstDue).toMatch(new RegExp(`Limit[\\s\\S]*${join.source}`));
    expect(firstDue).not.toMatch(/LockRows/);
    expect(firstDue).not.toMatch(/->\s+(Sort|Hash|Merge Join)\b/);
    expect(nested(first).some(pendingScan)).toBe(false);
    expect(nested(first).some((p) => /(Update|Insert|Delete) on (public\.)?\w+/.test(p))).toBe(false);
    // Later due claims start after the cursor (the last due session of the previous claim).
    const second = nested(claims[1]!).find(dueScan);
    expect(second, nested(claims[1]!).join('\n---\n')).toBeDefined();
    expect(second).not.toMatch(/ROW\('-infinity'/);

    // A later claim, after the due sessions are done: the charges to collect, locked, then leased by
    // primary key.
    const later = claims[DUE / BATCH + 1]!;
    const laterPending = nested(later).find(pendingScan);
    expect(laterPending, nested(later).join('\n---\n')).toBeDefined();
    expect(laterPending).toMatch(new RegExp(`Limit[\\s\\S]*LockRows[\\s\\S]*${join.source}`));
    expect(laterPending).not.toMatch(/->\s+(Sort|Hash|Merge Join)\b/);
    expect(nested(later).find((p) => /Update on (public\.)?sessions/.test(p))).toMatch(/Index Scan (using|on) sessions_pkey/);

    // Apply-writes, first (settling, opening attempts) and later (answers): primary-key lookups.
    for (const call of [applies[0]!, applies[applies.length - 1]!]) {
      const statement = nested(call).find((p) => /Update on (public\.)?sessions/.test(p));
      expect(statement, call.plans.join('\n---\n')).toMatch(/Index Scan (using|on) sessions_pkey/);
    }
    // The answers (a later apply): the ledger's attempts through its primary key by the answered sessions'
    // ids, as a statement on the ledger alone — never a scan of the whole ledger joined with the batch.
    const answers = nested(applies[applies.length - 1]!).find((p) => /Update on (public\.)?session_charges/.test(p));
    expect(answers, applies[applies.length - 1]!.plans.join('\n---\n')).toMatch(/Index Cond: \(session_id = ANY/);
    expect(answers).not.toMatch(/Join/);
    // The claim is planned per call from the current table sizes and limit. Apply-writes keeps one
    // generic plan per connection (planning it per call costs more than a single write), made with
    // sequential scans off, so a plan made while a table was small still reaches rows by key.
    const { rows: config } = await db.pool.query(
      `select proname, coalesce(array_to_string(proconfig, ','), '') as config from pg_proc
       where pronamespace = 'public'::regnamespace
         and proname in ('itutor_claim_sessions_for_settlement', 'itutor_apply_session_writes', 'itutor_apply_session_write', 'itutor_apply_session_writes_in_batch', 'itutor_apply_charge_writes_in_batch')
       order by 1`,
    );
    expect(config).toEqual([
      { proname: 'itutor_apply_charge_writes_in_batch', config: expect.stringMatching(/plan_cache_mode=force_generic_plan.*enable_seqscan=off/) },
      { proname: 'itutor_apply_session_write', config: expect.stringMatching(/plan_cache_mode=force_generic_plan.*enable_seqscan=off/) },
      { proname: 'itutor_apply_session_writes', config: expect.stringMatching(/plan_cache_mode=force_generic_plan.*enable_seqscan=off/) },
      { proname: 'itutor_apply_session_writes_in_batch', config: expect.stringMatching(/plan_cache_mode=force_generic_plan.*enable_seqscan=off/) },
      { proname: 'itutor_claim_sessions_for_settlement', config: expect.stringMatching(/plan_cache_mode=force_custom_plan.*enable_sort=off.*enable_bitmapscan=off/) },
    ]);

    const answering = applies.find((c) => nested(c).some((p) => /Update on (public\.)?session_charges/.test(p)))!;
    expect(nested(answering).find((p) => /Update on (public\.)?session_charges/.test(p))).toMatch(/Index Scan (using|on) session_charges_pkey/);
  });

  it('a single write (a no-show: open the attempt, then its answer) takes the short path, by primary key only', async () => {
    // Runs after the settlement test on the same table: 100,000 sessions beside the ones it touches.
    const db = await database;
    const { rows } = await db.pool.query(
      `select id, tutor_id from public.sessions where booking_id like 'upcoming-%' order by booking_id limit 1`,
    );
    const session = rows[0] as { id: string; tutor_id: string };
    // The presence rule: the tutor joins first, over the shared pool, so only the no-show's writes are explained.
    await createSessionsCore({
      adapter: createSqlAdapter(db.pool),
      videoProvider: createFakeVideoProvider(),
      paymentGateway: createRecordingPaymentGateway(),
      clock: createManualClock(new Date('2026-06-02T00:07:00.000Z')),
    }).sessions.join({ sessionId: session.id, userId: session.tutor_id });
    const single = new pg.Pool({
      connectionString: db.url,
      max: 1,
      options:
        '-c session_preload_libraries=auto_explain -c auto_explain.log_min_duration=0 -c auto_explain.log_nested_statements=on ' +
        '-c auto_explain.log_level=notice -c client_min_messages=notice',
    });
    const notices: string[] = [];
    single.on('connect', (c) => c.on('notice', (n) => notices.push(n.message ?? '')).on('error', () => undefined));
    try {
      const eligible = new Date('2026-06-02T00:30:00.000Z'); // the session starts at 00:07, its wait is 19 minutes
      const clock = createManualClock(new Date('2026-06-02T00:07:00.000Z'));
      const core = createSessionsCore({
        adapter: createSqlAdapter(single),
        videoProvider: createFakeVideoProvider(),
        paymentGateway: createRecordingPaymentGateway(),
        clock,
      });
      // Only a tutor who is in the session may mark the student absent (the presence rule, issue #22):
      // the tutor joins at the start, then the no-show's own writes are the ones whose plans are read.
      await core.sessions.join({ sessionId: session.id, userId: session.tutor_id });
      clock.set(eligible);
      notices.length = 0;
      const marked = await core.sessions.markNoShow({ sessionId: session.id, userId: session.tutor_id });
      expect(marked).toMatchObject({ status: 'NO_SHOW_STUDENT', chargeStatus: 'succeeded' });
    } finally {
      await single.end();
    }
    const statements = notices.map((n) => /Query Text: ([\s\S]*?)\n/.exec(n)?.[1]?.trim() ?? '');
    // Both writes went through itutor_apply_session_write, not the batch statement.
    expect(statements.filter((t) => t.startsWith('update public.sessions as s')).length).toBe(2);
    expect(statements.some((t) => t.startsWith('with input as materialized'))).toBe(false);
    const updates = notices.filter((n) => /Update on (public\.)?sessions\b/.test(n));
    expect(updates).toHaveLength(2);
    for (const plan of updates) expect(plan).toMatch(/Index Scan (using|on) sessions_pkey/);
    expect(notices.filter((p) => /Seq Scan on (public\.)?(sessions|session_charges|session_events)\b/.test(p))).toEqual([]);
  });
});
