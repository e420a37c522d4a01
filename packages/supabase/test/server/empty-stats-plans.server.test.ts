import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createServerDatabase } from '../support/db';
import { seedDueSessions } from '../support/seed';

/**
 * Plans made while the statistics say a table is empty (a new installation: never analyzed, or analyzed
 * while it held nothing) must still reach rows by key. A plan made then is kept (a pooled connection's
 * cached plan, or the plan of one statement that fills the table): a sequential scan chosen for "no
 * rows" goes on scanning a table that grows, once per row written.
 *
 * - The claim: due sessions are read through the work list's key and each session's primary key (no
 *   write), page after page with the cursor; the UPDATE that leases the charges to collect finds them by
 *   primary key (or by their tuple ids), never by a Seq Scan of sessions.
 * - The ledger's rule "no attempt after a success" (trigger itutor_keep_charge_record) probes the ledger
 *   for each inserted attempt: by an index, never by a Seq Scan of session_charges, also for a writer
 *   that is not one of the SDK's functions (which run with sequential scans off) — here a set-based
 *   INSERT of many attempts, as the settlement bench's floor and a host's own SQL write them.
 *
 * auto_explain logs every nested statement's plan (the functions' statements and the triggers' probes)
 * to the client as a notice.
 */
const AUTO_EXPLAIN =
  '-c session_preload_libraries=auto_explain -c auto_explain.log_min_duration=0 -c auto_explain.log_nested_statements=on ' +
  '-c auto_explain.log_level=notice -c client_min_messages=notice';

const firstEndAt = new Date('2026-03-02T10:00:00.000Z');
const now = new Date('2026-03-02T13:00:00.000Z');

/** Runs `fn` on one connection that logs every plan; returns the plans logged. */
async function plansOf(url: string, fn: (client: pg.PoolClient) => Promise<void>): Promise<string[]> {
  const pool = new pg.Pool({ connectionString: url, max: 1, options: AUTO_EXPLAIN });
  const notices: string[] = [];
  // A client still ending when the database is dropped at teardown gets 57P01: not a failure of the test.
  pool.on('connect', (c) => c.on('notice', (n) => notices.push(n.message ?? '')).on('error', () => undefined));
  const client = await pool.connect();
  try {
    await fn(client);
  } finally {
    client.release();
    await pool.end();
  }
  return notices;
}

const seqScan = (table: string) => new RegExp(`Seq Scan on (public\\.)?${table}\\b`);

describe.each([
  { stats: 'never analyzed', prepare: async (_pool: pg.Pool) => undefined },
  {
    stats: 'analyzed while empty',
    prepare: async (pool: pg.Pool) => {
      await pool.query('vacuum analyze public.sessions');
      await pool.query('vacuum analyze public.session_charges');
      await pool.query('vacuum analyze public.session_work');
    },
  },
])('plans when the statistics say the tables are empty ($stats)', ({ stats, prepare }) => {
  const database = createServerDatabase(stats === 'never analyzed' ? 'plans_fresh' : 'plans_empty');
  afterAll(async () => (await database).close());

  it('the claim reads due sessions and leases charges to collect by key, never by a Seq Scan of sessions', async () => {
    const db = await database;
    // Autovacuum never analyzes these tables meanwhile: the statistics stay as `prepare` left them.
    for (const table of ['sessions', 'session_charges', 'session_work']) {
      await db.pool.query(`alter table public.${table} set (autovacuum_enabled = off)`);
    }
    await prepare(db.pool);
    await seedDueSessions(db.pool, { count: 400, firstEndAt, bookingPrefix: 'due-' });
    const { rows: analyzed } = await db.pool.query(
      `select relname, reltuples from pg_class where oid in ('public.sessions'::regclass, 'public.session_work'::regclass) order by relname`,
    );
    // What the planner is told: no rows at all (-1: never analyzed, 0: analyzed while empty).
    for (const r of analyzed) expect(Number(r.reltuples)).toBeLessThanOrEqual(0);
    const claimUntil = new Date(now.getTime() + 5 * 60_000).toISOString();
    type Row = { id: string; charge_scheduled_at: string; claimed_until: string | null };

    // Due sessions: two pages on one connection (the first plans with the statistics as they are, the
    // second reuses whatever the connection cached), the second after the first's last session.
    const pages: Row[][] = [];
    const duePlans = await plansOf(db.url, async (client) => {
      for (let i = 0; i < 2; i++) {
        const last = pages[pages.length - 1]?.at(-1);
        const { rows } = await client.query('select public.itutor_claim_sessions_for_settlement($1, $2, $3, $4, $5) as claimed', [
          now.toISOString(),
          150,
          claimUntil,
          last?.charge_scheduled_at ?? null,
          last?.id ?? null,
        ]);
        pages.push(rows[0].claimed as Row[]);
      }
    });
    expect(pages.map((p) => p.length)).toEqual([150, 150]);
    expect(new Set(pages.flat().map((r) => r.id)).size).toBe(300);
    expect(pages.flat().every((r) => r.claimed_until === null)).toBe(true);
    expect(duePlans.filter((p) => /(Update|Insert|Delete) on (public\.)?\w+/.test(p)), duePlans.join('\n---\n')).toEqual([]);
    expect(duePlans.filter((p) => /Index (Only )?Scan using session_work_pkey/.test(p)).length).toBeGreaterThanOrEqual(2);
    expect(duePlans.filter((p) => seqScan('sessions').test(p) || seqScan('session_work').test(p))).toEqual([]);

    // Charges to collect: every session settled set-based with its charge pending (the statistics still
    // say empty), then two claims that lease them.
    await db.pool.query(
      `update public.sessions as s
       set status = 'COMPLETED_ASSUMED', version = s.version + 1, finalized_at = $1,
           charge_amount_ttd = s.price_ttd, payout_amount_ttd = trunc(s.price_ttd * 0.9, 2),
           platform_fee_ttd = s.price_ttd - trunc(s.price_ttd * 0.9, 2), charge_status = 'pending', charge_attempts = 1,
           charge_idempotency_key = 'itutor-session-' || s.id || '-COMPLETED_ASSUMED-1', claimed_until = null, updated_at = $1
       where s.status = 'SCHEDULED'`,
      [now],
    );
    const plans = await plansOf(db.url, async (client) => {
      for (let i = 0; i < 2; i++) {
        const { rows } = await client.query('select public.itutor_claim_sessions_for_settlement($1, $2, $3) as claimed', [now.toISOString(), 150, claimUntil]);
        expect((rows[0].claimed as unknown[]).length).toBe(150);
      }
    });
    const leases = plans.filter((p) => /Update on (public\.)?sessions\b/.test(p));
    expect(leases, plans.join('\n---\n')).toHaveLength(2);
    for (const plan of leases) {
      expect(plan).toMatch(/Index Scan (using|on) sessions_pkey|Tid Scan on (public\.)?sessions/);
      expect(plan).not.toMatch(seqScan('sessions'));
    }
    expect(plans.filter((p) => seqScan('sessions').test(p) || seqScan('session_work').test(p))).toEqual([]);
    const { rows: leased } = await db.pool.query(`select count(*)::int as n from public.sessions where claimed_until is not null`);
    expect(leased[0].n).toBe(300);
  });

  it('the ledger probe of itutor_keep_charge_record reads an index, never a Seq Scan of session_charges', async () => {
    const db = await database;
    const plans = await plansOf(db.url, async (client) => {
      await client.query('begin');
      // Settle the due sessions set-based (as the bench's floor does; the claim test above has settled
      // them already), then open their attempts in one INSERT: the trigger's probe runs once per
      // attempt, planned while the ledger's statistics say it is empty.
      await client.query(
        `update public.sessions as s
         set status = 'COMPLETED_ASSUMED', version = s.version + 1, finalized_at = $1,
             charge_amount_ttd = s.price_ttd, payout_amount_ttd = trunc(s.price_ttd * 0.9, 2),
             platform_fee_ttd = s.price_ttd - trunc(s.price_ttd * 0.9, 2), charge_status = 'pending', charge_attempts = 1,
             charge_idempotency_key = 'itutor-session-' || s.id || '-COMPLETED_ASSUMED-1', claimed_until = null, updated_at = $1
         where s.status = 'SCHEDULED'`,
        [now],
      );
      await client.query(
        `insert into public.session_charges (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd,
           platform_fee_ttd, currency, status, calls, requested_at)
         select s.id, 1, s.charge_idempotency_key, s.status, s.charge_amount_ttd, s.payout_amount_ttd, s.platform_fee_ttd,
           s.currency, 'pending', 0, $1
         from public.sessions as s where s.status = 'COMPLETED_ASSUMED'`,
        [now],
      );
      await client.query('commit');
    });
    const probes = plans.filter((p) => /Query Text:[\s\S]*session_charges[\s\S]*'succeeded'/.test(p) && !/insert into public\.session_charges/i.test(p));
    expect(probes.length, plans.join('\n---\n')).toBeGreaterThan(0);
    for (const plan of probes) expect(plan).toMatch(/Index (Only )?Scan (using|on) session_charges_/);
    expect(plans.filter((p) => seqScan('session_charges').test(p))).toEqual([]);
    const { rows } = await db.pool.query(`select count(*)::int as n from public.session_charges`);
    expect(rows[0].n).toBe(400);
  });
});
