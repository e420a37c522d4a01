/**
 * The dispute routes on the PostgreSQL server (needs DATABASE_URL):
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx packages/supabase/bench/disputes-http.ts
 *
 * `POST /api/sessions/{id}/dispute` (the student opens the session's dispute: the session's version + 1,
 * the dispute row, `dispute.opened`) and `POST /api/sessions/{id}/dispute/contest` (the tutor contests an
 * open one: version + 1, the dispute row → contested, `dispute.contested`) through the SDK's handlers (SQL
 * adapter over a pg Pool, default policy), against a bare Web handler that authenticates the same way and
 * runs one statement leaving the same end state. Every request hits its own session: COMPLETED_ASSUMED an
 * hour ago (inside the 72-hour dispute window), its charge succeeded (the summary and the ledger row); for
 * the contest, the student's open dispute and its event seeded beside it. The SDK answers with the dispute
 * view (the facts side by side, read back after the write); the bare handler answers the dispute's status
 * only, as the other bare handlers of `http.ts` answer only what they wrote. The end states are compared
 * by shape (everything but ids, names and instants; instants only as equal or not).
 *
 * As in `http.ts`: requests at a fixed rate (BENCH_RATE per second, default 200), BENCH_REQUESTS each
 * (default 600) after a warm-up of 100 each, rounds rotated (BENCH_ROUNDS, default 3), p50 / p99 per
 * variant. The figure is bare p50 / SDK p50; issue #23 gives no goal for these routes: printed only.
 * Reported, never an abort.
 */
import pg from 'pg';
import { performance } from 'node:perf_hooks';
import { createSessionsCore } from '@itutor/sessions-core';
import { createSessionsHandler } from '@itutor/sessions-core/http';
import { createFakeVideoProvider, createRecordingPaymentGateway } from '@itutor/sessions-core/testing';
import { createSqlAdapter } from '@itutor/sessions-supabase';
import { createServerDatabase } from '../test/support/db';

const RATE = Number(process.env.BENCH_RATE ?? 200);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 600);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

if (!process.env.DATABASE_URL) {
  console.log('supabase dispute routes bench: not run (set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/test)');
  process.exit(0);
}

const db = await createServerDatabase('disputes_http', { max: 8 });
const pool = db.pool;

const OPEN_BODY = JSON.stringify({ reason: 'quality', message: 'The tutor spent most of the hour on another subject.' });
const CONTEST_BODY = JSON.stringify({ message: 'We covered the essay plan as agreed; the notes are in the shared document.' });

/** A seeded session and its two participants. */
interface Seeded {
  readonly id: string;
  readonly student: string;
  readonly tutor: string;
}

/**
 * Seeds `count` sessions of a tutor and a student each, settled COMPLETED_ASSUMED an hour ago (150.00 =
 * 135.00 + 15.00) with their succeeded charge attempt; with `disputed`, the student's dispute opened ten
 * minutes ago (the row and its `dispute.opened` event, as the SDK writes them).
 */
async function seed(prefix: string, count: number, disputed: boolean): Promise<Seeded[]> {
  const { rows } = await pool.query(
    `with k as (
       -- Materialized (a volatile call): one id per row, used in the charge's derived key too. Instants in
       -- milliseconds, as the SDK stores them: a final session's times must survive its round trip unchanged.
       select i, gen_random_uuid() as id, date_trunc('milliseconds', now()) - interval '120 minutes' as s from generate_series(1, $2::integer) as i
     ), s as (
       insert into public.sessions (
         id, booking_id, tutor_id, student_id, status, version,
         scheduled_start_at, scheduled_end_at, duration_minutes, join_opens_at,
         no_show_wait_minutes, min_payable_minutes, no_show_eligible_at, charge_scheduled_at,
         price_ttd, currency, provider, meeting_id, join_url, finalized_at,
         charge_amount_ttd, payout_amount_ttd, platform_fee_ttd, charge_status, charge_attempts,
         charge_idempotency_key, charge_reference, created_at, updated_at)
       select k.id, $1 || k.i, 'tutor-' || $1 || k.i, 'student-' || $1 || k.i, 'COMPLETED_ASSUMED', case when $3 then 4 else 3 end,
         k.s, k.s + interval '60 minutes', 60, k.s - interval '5 minutes', 19, 39, k.s + interval '19 minutes', k.s + interval '60 minutes',
         150.00, 'TTD', 'google_meet', 'spaces/m' || $1 || k.i, 'https://meet.google.com/abc-' || k.i, k.s + interval '60 minutes',
         150.00, 135.00, 15.00, 'succeeded', 1,
         'itutor-session-' || k.id || '-COMPLETED_ASSUMED-1', 'pi_itutor-session-' || k.id || '-COMPLETED_ASSUMED-1',
         k.s - interval '1 day', case when $3 then k.s + interval '110 minutes' else k.s + interval '60 minutes' end
       from k
       returning id, student_id, tutor_id, finalized_at, charge_idempotency_key, charge_reference
     ), charged as (
       insert into public.session_charges (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd, platform_fee_ttd,
         currency, status, gateway_reference, calls, requested_at, answered_at)
       select id, 1, charge_idempotency_key, 'COMPLETED_ASSUMED', 150.00, 135.00, 15.00, 'TTD', 'succeeded', charge_reference, 1, finalized_at, finalized_at
       from s
     )
     select id, student_id, tutor_id from s order by id`,
    [prefix, count, disputed],
  );
  if (disputed) {
    // A statement of its own: the dispute rule looks for the succeeded attempt, which it sees once committed.
    await pool.query(
      `with d as (
         insert into public.session_disputes (session_id, status, reason, opened_by, opened_at, updated_at)
         select s.id, 'open', $2::jsonb ->> 'reason', s.student_id, s.updated_at, s.updated_at
         from public.sessions as s where s.booking_id like $1 || '%'
         returning session_id, opened_by, opened_at
       )
       insert into public.session_events (session_id, tutor_id, type, actor, occurred_at, payload)
       select s.id, s.tutor_id, 'dispute.opened', d.opened_by, d.opened_at,
         jsonb_build_object('role', 'student', 'reason', $2::jsonb ->> 'reason', 'message', $2::jsonb ->> 'message')
       from d join public.sessions as s on s.id = d.session_id`,
      [prefix, OPEN_BODY],
    );
  }
  await pool.query('analyze public.sessions, public.session_charges, public.session_disputes');
  return rows.map((r) => ({ id: String(r.id), student: String(r.student_id), tutor: String(r.tutor_id) }));
}

const authenticate = (request: Request) => {
  const userId = request.headers.get('x-user');
  return userId ? { userId } : null;
};

const core = createSessionsCore({
  adapter: createSqlAdapter(pool),
  videoProvider: createFakeVideoProvider(),
  paymentGateway: createRecordingPaymentGateway(),
});
const sdk = createSessionsHandler({ core, authenticate, getBooking: async () => null, cronSecret: 'bench-cron-secret-0123456789-abcdef' });

const REASONS = ['tutor_absent', 'ended_early', 'technical_problem', 'quality', 'other'];
const validMessage = (m: unknown): m is string => typeof m === 'string' && m.trim() !== '' && m.trim().length <= 2000;

/**
 * The floor: the same routes, the body checked as the SDK checks it, one statement per request that
 * leaves the SDK's end state (checked below by comparing shapes).
 */
async function bare(request: Request): Promise<Response> {
  const auth = authenticate(request);
  if (!auth) return Response.json({ code: 'UNAUTHENTICATED' }, { status: 401 });
  const match = /^\/api\/sessions\/([0-9a-f-]{36})\/dispute(\/contest)?$/.exec(new URL(request.url).pathname);
  if (!match || request.method !== 'POST') return Response.json({ code: 'NOT_FOUND' }, { status: 404 });
  const body = (await request.json()) as { reason?: string; message?: unknown };
  if (!validMessage(body.message) || (!match[2] && !REASONS.includes(body.reason ?? ''))) return Response.json({ code: 'INVALID_INPUT' }, { status: 400 });
  return match[2] ? bareContest(match[1]!, auth.userId, body.message.trim()) : bareOpen(match[1]!, auth.userId, body.reason!, body.message.trim());
}

/** The student opens: on a charged outcome whose charge succeeded, inside the dispute window, none yet. */
async function bareOpen(id: string, userId: string, reason: string, message: string): Promise<Response> {
  const { rows } = await pool.query(
    `with changed as (
       update public.sessions as s set version = s.version + 1, updated_at = now()
       where s.id = $1 and s.student_id = $2
         and s.status in ('COMPLETED_ASSUMED', 'NO_SHOW_STUDENT', 'CANCELLED_LATE', 'NOBODY_JOINED') and s.charge_status = 'succeeded'
         and now() < s.finalized_at + interval '4320 minutes'
         and not exists (select 1 from public.session_disputes as d where d.session_id = s.id)
       returning s.id, s.tutor_id, s.updated_at
     ), opened as (
       insert into public.session_disputes (session_id, status, reason, opened_by, opened_at, updated_at)
       select c.id, 'open', $3, $2, c.updated_at, c.updated_at from changed as c
     ), logged as (
       insert into public.session_events (session_id, tutor_id, type, actor, occurred_at, payload)
       select c.id, c.tutor_id, 'dispute.opened', $2, c.updated_at, jsonb_build_object('role', 'student', 'reason', $3::text, 'message', $4::text)
       from changed as c
     )
     select id from changed`,
    [id, userId, reason, message],
  );
  if (rows.length === 0) return Response.json({ code: 'NOT_FOUND' }, { status: 404 });
  return Response.json({ dispute: { sessionId: rows[0].id, status: 'open' } }, { status: 201 });
}

/** The tutor contests an open (or offered) dispute. */
async function bareContest(id: string, userId: string, message: string): Promise<Response> {
  const { rows } = await pool.query(
    `with changed as (
       update public.sessions as s set version = s.version + 1, updated_at = now()
       where s.id = $1 and s.tutor_id = $2
         and exists (select 1 from public.session_disputes as d where d.session_id = s.id and d.status in ('open', 'offered'))
       returning s.id, s.tutor_id, s.updated_at
     ), contested as (
       update public.session_disputes as d set status = 'contested', updated_at = c.updated_at from changed as c where d.session_id = c.id
     ), logged as (
       insert into public.session_events (session_id, tutor_id, type, actor, occurred_at, payload)
       select c.id, c.tutor_id, 'dispute.contested', $2, c.updated_at, jsonb_build_object('role', 'tutor', 'message', $3::text)
       from changed as c
     )
     select id from changed`,
    [id, userId, message],
  );
  if (rows.length === 0) return Response.json({ code: 'NOT_FOUND' }, { status: 404 });
  return Response.json({ dispute: { sessionId: rows[0].id, status: 'contested' } });
}

/**
 * The shape of the end state a variant left in its sessions (everything but ids, names and instants; the
 * instants only as equal or not): the bare handler and the SDK must leave the same shapes, or the ratio
 * compares different work.
 */
async function shapes(prefix: string): Promise<string[]> {
  const { rows } = await pool.query(
    `select distinct concat_ws('|', s.status, s.version, s.charge_status, s.charge_attempts,
       (select concat_ws(':', to_jsonb(d) - 'session_id' - 'opened_by' - 'opened_at' - 'updated_at', d.opened_by = s.student_id,
          d.updated_at = s.updated_at, d.opened_at = s.updated_at, d.opened_at <= d.updated_at)
          from public.session_disputes d where d.session_id = s.id),
       (select string_agg(concat_ws(':', e.type, e.actor = s.tutor_id, e.actor = s.student_id, e.occurred_at = s.updated_at, e.payload::text), ',' order by e.id)
          from public.session_events e where e.session_id = s.id),
       (select string_agg(concat_ws(':', c.attempt, c.status, c.calls, c.charge_amount_ttd, c.idempotency_key = s.charge_idempotency_key), ',')
          from public.session_charges c where c.session_id = s.id),
       (select count(*) from public.session_refunds r where r.session_id = s.id),
       (select count(*) from public.session_payouts p where p.session_id = s.id)) as shape
     from public.sessions s where s.booking_id like $1 || '%'`,
    [prefix],
  );
  return rows.map((r) => String(r.shape)).sort();
}

type Handler = (request: Request) => Promise<Response>;
type Action = 'open' | 'contest';
const PATH: Record<Action, string> = { open: 'dispute', contest: 'dispute/contest' };
const BODY: Record<Action, string> = { open: OPEN_BODY, contest: CONTEST_BODY };
const STATUS: Record<Action, number> = { open: 201, contest: 200 };

/** Sends one request per id at a fixed rate; returns latencies in ms. */
async function drive(handler: Handler, sessions: readonly Seeded[], action: Action) {
  const latencies: number[] = [];
  const interval = 1000 / RATE;
  const began = performance.now();
  const inflight: Promise<void>[] = [];
  // Failures are kept, not thrown as they come: a rejection nobody awaits yet (the loop is still sending)
  // would end the process before `finally` drops the database.
  const failures: string[] = [];
  for (let i = 0; i < sessions.length; i++) {
    const due = began + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const session = sessions[i]!;
    const request = new Request(`http://bench.local/api/sessions/${session.id}/${PATH[action]}`, {
      method: 'POST',
      // The student opens; the tutor contests.
      headers: { 'x-user': action === 'open' ? session.student : session.tutor, 'content-type': 'application/json' },
      body: BODY[action],
    });
    const sent = performance.now();
    inflight.push(
      handler(request).then(async (response) => {
        const text = await response.text();
        if (response.status !== STATUS[action]) failures.push(`${action} answered ${response.status}: ${text.slice(0, 200)}`);
        else latencies.push(performance.now() - sent);
      }, (error: Error) => void failures.push(`${action} threw: ${error.message}`)),
    );
  }
  await Promise.all(inflight);
  if (failures.length > 0) throw new Error(`${failures.length} of ${sessions.length} requests failed, first: ${failures[0]}`);
  return latencies;
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const median = (xs: number[]) => pct(xs, 0.5);

const ACTIONS: readonly Action[] = ['open', 'contest'];
interface Variant {
  readonly name: string;
  readonly action: Action;
  readonly handler: Handler;
}
const variants: Variant[] = ACTIONS.flatMap((action) =>
  (['bare', 'SDK'] as const).map((kind) => ({ name: `dispute ${action}, ${kind}`, action, handler: kind === 'bare' ? bare : sdk })),
);
const results = new Map(variants.map((v) => [v.name, { p50: [] as number[], p99: [] as number[], prefixes: [] as string[], failures: [] as string[] }]));

try {
  console.log(`dispute routes on ${new URL(process.env.DATABASE_URL).host}: ${REQUESTS} requests at ${RATE}/s per variant, ${ROUNDS} rounds rotated`);
  let seq = 0;
  // Warm-up: every pooled connection has prepared its plans before anything is measured.
  for (const v of variants) {
    const prefix = `warm${seq++}-`;
    await drive(v.handler, await seed(prefix, 100, v.action === 'contest'), v.action).catch((error: Error) => results.get(v.name)!.failures.push(`warm-up: ${error.message}`));
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(k + round) % variants.length]!;
      const prefix = `r${round}v${seq++}-`;
      const r = results.get(v.name)!;
      try {
        const latencies = await drive(v.handler, await seed(prefix, REQUESTS, v.action === 'contest'), v.action);
        r.prefixes.push(prefix);
        r.p50.push(median(latencies));
        r.p99.push(pct(latencies, 0.99));
      } catch (error) {
        r.failures.push((error as Error).message);
      }
    }
  }
  for (const v of variants) {
    const r = results.get(v.name)!;
    const failed = r.failures.length ? `  (${r.failures.length} rounds failed: ${[...new Set(r.failures)].join('; ')})` : '';
    const figures = r.p50.length
      ? `p50 median ${median(r.p50).toFixed(2)} ms (min ${Math.min(...r.p50).toFixed(2)})  p99 median ${median(r.p99).toFixed(2)} ms`
      : 'no round measured';
    console.log(`  ${v.name.padEnd(22)} ${figures}${failed}`);
  }
  for (const action of ACTIONS) {
    const shapesOf = async (name: string) => [...new Set((await Promise.all(results.get(name)!.prefixes.map(shapes))).flat())].sort();
    const [bareShapes, sdkShapes] = [await shapesOf(`dispute ${action}, bare`), await shapesOf(`dispute ${action}, SDK`)];
    const same = bareShapes.length > 0 && JSON.stringify(bareShapes) === JSON.stringify(sdkShapes);
    console.log(`  dispute ${action} end states: ${same ? 'the same shape' : `DIFFERENT\n    bare: ${bareShapes.join('\n          ')}\n    SDK:  ${sdkShapes.join('\n          ')}`}`);
  }
  const ratio = (a: string, b: string) => median(results.get(a)!.p50) / median(results.get(b)!.p50);
  console.log(`  dispute open (the student): ${ratio('dispute open, bare', 'dispute open, SDK').toFixed(2)} of the bare handler (issue #23 gives no goal: printed only)`);
  console.log(`  dispute contest (the tutor): ${ratio('dispute contest, bare', 'dispute contest, SDK').toFixed(2)} of the bare handler (issue #23 gives no goal: printed only)`);
} finally {
  await db.close();
}
