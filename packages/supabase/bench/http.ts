/**
 * The hot HTTP paths on the PostgreSQL server (needs DATABASE_URL):
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx packages/supabase/bench/http.ts
 *
 * `POST /api/sessions/{id}/join`, `.../mark-no-show`, `.../cancel` (a student's late cancel: 50 %
 * charged at once) and `.../reschedule` (a day later, with a provider that has no meeting times to move,
 * as Meet) through the SDK's handlers (SQL adapter over a pg Pool, instant payment gateway), against a
 * bare Web handler that authenticates the same way and runs one statement that leaves the same end state
 * (a join: the state change and its event; a no-show or a late cancel: the final session, its three
 * events and its succeeded ledger attempt, as the SDK leaves them with an instant gateway; a reschedule:
 * the moved timings and the event). Every request hits its own session (a first join, the tutor present
 * for a no-show). The end states are compared (their shapes: everything but ids, names and instants).
 * Requests are sent at a fixed rate (BENCH_RATE per second, default 200) for BENCH_REQUESTS each
 * (default 600), after a warm-up of 100 requests each (so pooled connections have their plans); p50 / p99
 * latency per variant, rounds rotated (BENCH_ROUNDS, default 3). The figure is
 * bare p50 / SDK p50 (goals: join ≥ 0.6, mark-no-show ≥ 0.5; cancel and reschedule are printed, #22
 * asks for the figure). Reported, never an abort.
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
  console.log('supabase http bench: not run (set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/test)');
  process.exit(0);
}

const db = await createServerDatabase('http', { max: 8 });
const pool = db.pool;

/**
 * Seeds `count` 60-minute sessions starting `minutesAgo` before now (negative: ahead), one tutor and
 * student each; with `tutorJoined`, the tutor joined a minute after the start (the presence rule).
 */
async function seed(prefix: string, count: number, minutesAgo: number, tutorJoined = false): Promise<string[]> {
  const { rows } = await pool.query(
    `insert into public.sessions (
       id, booking_id, tutor_id, student_id, status, version,
       scheduled_start_at, scheduled_end_at, duration_minutes, join_opens_at,
       no_show_wait_minutes, min_payable_minutes, no_show_eligible_at, charge_scheduled_at,
       price_ttd, currency, provider, meeting_id, join_url, tutor_joined_at, created_at, updated_at)
     select gen_random_uuid(), $1 || i, 'tutor-' || $1 || i, 'student-' || $1 || i, case when $4 then 'JOIN_OPEN' else 'SCHEDULED' end, 1,
       t.s, t.s + interval '60 minutes', 60, t.s - interval '5 minutes',
       19, 39, t.s + interval '19 minutes', t.s + interval '60 minutes',
       150.00, 'TTD', 'google_meet', 'spaces/m' || i, 'https://meet.google.com/abc-' || i, case when $4 then t.s + interval '1 minute' end,
       now() - interval '1 day', now() - interval '1 day'
     from generate_series(1, $2::integer) as i, lateral (select now() - $3::integer * interval '1 minute' as s) as t
     returning id`,
    [prefix, count, minutesAgo, tutorJoined],
  );
  await pool.query('analyze public.sessions');
  return rows.map((r) => String(r.id));
}

const authenticate = (request: Request) => {
  const userId = request.headers.get('x-user');
  return userId ? { userId } : null;
};

// A provider with nothing to move (as a Meet space): the reschedule's work is the SDK's own, as the bare one's.
const { moveMeeting: _noMove, ...video } = createFakeVideoProvider();
const core = createSessionsCore({
  adapter: createSqlAdapter(pool),
  videoProvider: video,
  paymentGateway: createRecordingPaymentGateway(),
});
const sdk = createSessionsHandler({ core, authenticate, getBooking: async () => null, cronSecret: 'bench-cron-secret-0123456789-abcdef' });

/**
 * The floor: the same route shape, one statement per request that leaves the SDK's end state for that
 * action (checked below by comparing the shapes of both end states): a join records the student's
 * first join and its event; a no-show finalizes the session with its amounts, opens and settles its
 * charge attempt (the SDK's instant gateway succeeds) and appends the same three events.
 */
async function bare(request: Request): Promise<Response> {
  const auth = authenticate(request);
  if (!auth) return Response.json({ code: 'UNAUTHENTICATED' }, { status: 401 });
  const match = /^\/api\/sessions\/([0-9a-f-]{36})\/(join|mark-no-show|cancel|reschedule)$/.exec(new URL(request.url).pathname);
  if (!match || request.method !== 'POST') return Response.json({ code: 'NOT_FOUND' }, { status: 404 });
  if (match[2] === 'cancel') return bareCancel(match[1]!, auth.userId, (await request.json()) as { expectedChargeMinor: number });
  if (match[2] === 'reschedule') return bareReschedule(match[1]!, auth.userId, (await request.json()) as { startAt: string });
  if (match[2] === 'join') {
    const { rows } = await pool.query(
      `with changed as (
         update public.sessions set status = 'JOIN_OPEN', version = version + 1, updated_at = now(),
           student_joined_at = coalesce(student_joined_at, now())
         where id = $1 and student_id = $2 returning id, tutor_id, join_url
       ), logged as (
         insert into public.session_events (session_id, tutor_id, type, actor, occurred_at, payload)
         select id, tutor_id, 'session.joined', $2, now(), '{"role":"student","first":true}'::jsonb from changed
       )
       select join_url from changed`,
      [match[1], auth.userId],
    );
    if (rows.length === 0) return Response.json({ code: 'NOT_FOUND' }, { status: 404 });
    return Response.json({ joinUrl: rows[0].join_url });
  }
  const { rows } = await pool.query(
    `with changed as (
       update public.sessions as s set status = 'NO_SHOW_STUDENT', version = s.version + 2, finalized_at = now(), updated_at = now(),
         charge_amount_ttd = 75.00, payout_amount_ttd = 67.50, platform_fee_ttd = 7.50,
         charge_status = 'succeeded', charge_attempts = 1,
         charge_idempotency_key = 'itutor-session-' || s.id || '-NO_SHOW_STUDENT-1',
         charge_reference = 'pi_itutor-session-' || s.id || '-NO_SHOW_STUDENT-1'
       where s.id = $1 and s.tutor_id = $2 and s.status in ('SCHEDULED', 'JOIN_OPEN') and s.tutor_joined_at <= now()
       returning s.id, s.tutor_id, s.charge_idempotency_key, s.charge_reference, s.finalized_at
     ), logged as (
       insert into public.session_events (session_id, tutor_id, type, actor, occurred_at, payload)
       select c.id, c.tutor_id, e.type, e.actor, c.finalized_at, e.payload
       from changed as c cross join (values
         (1, 'session.no_show_marked', $2, '{"outcome":"NO_SHOW_STUDENT","chargeMinor":7500,"payoutMinor":6750,"feeMinor":750}'::jsonb),
         (2, 'charge.requested', $2, '{"attempt":1,"amountMinor":7500}'::jsonb),
         (3, 'charge.succeeded', 'system', '{"attempt":1,"amountMinor":7500}'::jsonb)) as e (n, type, actor, payload)
       order by e.n
     ), ledger as (
       insert into public.session_charges (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd,
         platform_fee_ttd, currency, status, gateway_reference, calls, requested_at, answered_at)
       select c.id, 1, c.charge_idempotency_key, 'NO_SHOW_STUDENT', 75.00, 67.50, 7.50, 'TTD', 'succeeded', c.charge_reference, 1,
         c.finalized_at, c.finalized_at
       from changed as c
     )
     select id from changed`,
    [match[1], auth.userId],
  );
  if (rows.length === 0) return Response.json({ code: 'NOT_FOUND' }, { status: 404 });
  return Response.json({ session: { id: rows[0].id, status: 'NO_SHOW_STUDENT' } });
}

/** A student's late cancel, by hand: the SDK's end state with an instant gateway (CANCELLED_LATE, 50 %). */
async function bareCancel(id: string, userId: string, body: { expectedChargeMinor: number }): Promise<Response> {
  const { rows } = await pool.query(
    `with changed as (
       update public.sessions as s set status = 'CANCELLED_LATE', version = s.version + 2, finalized_at = now(), updated_at = now(),
         cancelled_by = 'student', charge_amount_ttd = 75.00, payout_amount_ttd = 67.50, platform_fee_ttd = 7.50,
         charge_status = 'succeeded', charge_attempts = 1,
         charge_idempotency_key = 'itutor-session-' || s.id || '-CANCELLED_LATE-1',
         charge_reference = 'pi_itutor-session-' || s.id || '-CANCELLED_LATE-1'
       where s.id = $1 and s.student_id = $2 and s.status in ('SCHEDULED', 'JOIN_OPEN') and now() < s.scheduled_start_at
         and $3::integer = 7500
       returning s.id, s.tutor_id, s.charge_idempotency_key, s.charge_reference, s.finalized_at,
         floor(extract(epoch from s.scheduled_start_at - now()) / 60)::integer as minutes_before
     ), logged as (
       insert into public.session_events (session_id, tutor_id, type, actor, occurred_at, payload)
       select c.id, c.tutor_id, e.type, e.actor, c.finalized_at, e.payload
       from changed as c cross join lateral (values
         (1, 'session.cancelled', $2, jsonb_build_object('by', 'student', 'reason', null, 'chargePercent', 50, 'minutesBefore', c.minutes_before,
           'outcome', 'CANCELLED_LATE', 'chargeMinor', 7500, 'payoutMinor', 6750, 'feeMinor', 750)),
         (2, 'charge.requested', $2, '{"attempt":1,"amountMinor":7500}'::jsonb),
         (3, 'charge.succeeded', 'system', '{"attempt":1,"amountMinor":7500}'::jsonb)) as e (n, type, actor, payload)
       order by e.n
     ), ledger as (
       insert into public.session_charges (session_id, attempt, idempotency_key, outcome, charge_amount_ttd, payout_amount_ttd,
         platform_fee_ttd, currency, status, gateway_reference, calls, requested_at, answered_at)
       select c.id, 1, c.charge_idempotency_key, 'CANCELLED_LATE', 75.00, 67.50, 7.50, 'TTD', 'succeeded', c.charge_reference, 1,
         c.finalized_at, c.finalized_at
       from changed as c
     )
     select id from changed`,
    [id, userId, body.expectedChargeMinor],
  );
  if (rows.length === 0) return Response.json({ code: 'NOT_FOUND' }, { status: 404 });
  return Response.json({ session: { id: rows[0].id, status: 'CANCELLED_LATE' } });
}

/** A reschedule by the student, by hand: every timing moved by the same delta, and its event. */
async function bareReschedule(id: string, userId: string, body: { startAt: string }): Promise<Response> {
  const { rows } = await pool.query(
    `with old as (
       select s.id, s.scheduled_start_at, s.scheduled_end_at, $3::timestamptz - s.scheduled_start_at as delta
       from public.sessions s
       where s.id = $1 and s.student_id = $2 and s.status = 'SCHEDULED' and s.student_joined_at is null and s.tutor_joined_at is null
         and now() <= s.scheduled_start_at - interval '1440 minutes' and $3::timestamptz >= now() + interval '1440 minutes'
     ), changed as (
       update public.sessions as s set version = s.version + 1, updated_at = now(),
         scheduled_start_at = s.scheduled_start_at + o.delta, scheduled_end_at = s.scheduled_end_at + o.delta,
         join_opens_at = s.join_opens_at + o.delta, no_show_eligible_at = s.no_show_eligible_at + o.delta,
         charge_scheduled_at = s.charge_scheduled_at + o.delta
       from old as o where s.id = o.id
       returning s.id, s.tutor_id, s.scheduled_start_at, s.scheduled_end_at, o.scheduled_start_at as previous_start, o.scheduled_end_at as previous_end
     ), logged as (
       insert into public.session_events (session_id, tutor_id, type, actor, occurred_at, payload)
       select c.id, c.tutor_id, 'session.rescheduled', $2, now(), jsonb_build_object('by', 'student', 'reason', null,
         'previousStartAt', to_char(c.previous_start at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
         'previousEndAt', to_char(c.previous_end at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
         'startAt', to_char(c.scheduled_start_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
         'endAt', to_char(c.scheduled_end_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
       from changed as c
     )
     select id from changed`,
    [id, userId, body.startAt],
  );
  if (rows.length === 0) return Response.json({ code: 'NOT_FOUND' }, { status: 404 });
  return Response.json({ session: { id: rows[0].id, status: 'SCHEDULED' } });
}

/**
 * The shape of the end state a variant left in its sessions (everything but ids, names and instants):
 * the bare handler and the SDK must leave the same shapes, or the ratio compares different work.
 */
async function shapes(prefix: string): Promise<string[]> {
  const { rows } = await pool.query(
    `select distinct concat_ws('|', s.status, s.version, s.student_joined_at is not null, s.finalized_at is not null,
       s.charge_amount_ttd, s.payout_amount_ttd, s.platform_fee_ttd, s.charge_status, s.charge_attempts,
       s.cancelled_by, s.scheduled_end_at - s.scheduled_start_at, s.join_opens_at - s.scheduled_start_at,
       s.no_show_eligible_at - s.scheduled_start_at, s.charge_scheduled_at - s.scheduled_end_at,
       s.scheduled_start_at > now() + interval '2 days',
       s.charge_idempotency_key = 'itutor-session-' || s.id || '-' || s.status || '-1',
       s.charge_reference = 'pi_itutor-session-' || s.id || '-' || s.status || '-1',
       (select string_agg(concat_ws(':', e.type, e.actor = s.tutor_id, e.actor = s.student_id,
          regexp_replace(e.payload::text, '"[0-9]{4}-[0-9]{2}-[0-9]{2}T[^"]*"', '"<instant>"', 'g')), ',' order by e.id)
          from public.session_events e where e.session_id = s.id),
       (select string_agg(concat_ws(':', c.attempt, c.status, c.calls, c.charge_amount_ttd, c.payout_amount_ttd, c.platform_fee_ttd,
          c.idempotency_key = s.charge_idempotency_key, c.gateway_reference = s.charge_reference), ',')
          from public.session_charges c where c.session_id = s.id)) as shape
     from public.sessions s where s.booking_id like $1 || '%'`,
    [prefix],
  );
  return rows.map((r) => String(r.shape)).sort();
}

type Handler = (request: Request) => Promise<Response>;
type Action = 'join' | 'mark-no-show' | 'cancel' | 'reschedule';

/** Sends one request per id at a fixed rate; returns latencies in ms. */
async function drive(handler: Handler, ids: readonly string[], action: Action, user: (i: number) => string, body = '{}') {
  const latencies: number[] = [];
  const interval = 1000 / RATE;
  const began = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < ids.length; i++) {
    const due = began + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const request = new Request(`http://bench.local/api/sessions/${ids[i]}/${action}`, {
      method: 'POST',
      headers: { 'x-user': user(i), 'content-type': 'application/json' },
      body,
    });
    const sent = performance.now();
    inflight.push(
      handler(request).then(async (response) => {
        await response.text();
        if (response.status !== 200) throw new Error(`${action} answered ${response.status}`);
        latencies.push(performance.now() - sent);
      }),
    );
  }
  await Promise.all(inflight);
  return latencies;
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const median = (xs: number[]) => pct(xs, 0.5);

const ACTIONS: readonly Action[] = ['join', 'mark-no-show', 'cancel', 'reschedule'];
// Cancels: two hours ahead (a student's late cancel, 50 %). Reschedules: three days ahead, to a day later
// (one start for the whole batch: the seeds of a variant share it, to the minute).
const RESCHEDULE_AHEAD = 3 * 24 * 60;
interface Variant {
  readonly name: string;
  readonly action: Action;
  readonly handler: Handler;
  readonly minutesAgo: number;
  readonly user: string;
  readonly tutorJoined?: boolean;
}
const variants: Variant[] = ACTIONS.flatMap((action) =>
  (['bare', 'SDK'] as const).map((kind) => ({
    name: `${action}, ${kind}`,
    action,
    handler: kind === 'bare' ? bare : sdk,
    minutesAgo: action === 'join' ? 1 : action === 'mark-no-show' ? 20 : action === 'cancel' ? -120 : -RESCHEDULE_AHEAD,
    user: action === 'mark-no-show' ? 'tutor' : 'student',
    tutorJoined: action === 'mark-no-show',
  })),
);
/** The request body of an action for sessions seeded just now. */
async function bodyFor(action: Action, ids: readonly string[]): Promise<string> {
  if (action === 'cancel') return JSON.stringify({ expectedChargeMinor: 7500 });
  if (action !== 'reschedule') return '{}';
  const { rows } = await pool.query('select scheduled_start_at from public.sessions where id = $1', [ids[0]]);
  return JSON.stringify({ startAt: new Date((rows[0].scheduled_start_at as Date).getTime() + 24 * 3600_000).toISOString() });
}
const results = new Map(variants.map((v) => [v.name, { p50: [] as number[], p99: [] as number[], prefixes: [] as string[] }]));

try {
  console.log(`hot HTTP paths on ${new URL(process.env.DATABASE_URL).host}: ${REQUESTS} requests at ${RATE}/s per variant, ${ROUNDS} rounds rotated`);
  let seq = 0;
  // Warm-up: every pooled connection has prepared its plans before anything is measured.
  for (const v of variants) {
    const prefix = `warm${seq++}-`;
    const ids = await seed(prefix, 100, v.minutesAgo, v.tutorJoined);
    await drive(v.handler, ids, v.action, (i) => `${v.user}-${prefix}${i + 1}`, await bodyFor(v.action, ids));
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(k + round) % variants.length]!;
      const prefix = `r${round}v${seq++}-`;
      const ids = await seed(prefix, REQUESTS, v.minutesAgo, v.tutorJoined);
      const latencies = await drive(v.handler, ids, v.action, (i) => `${v.user}-${prefix}${i + 1}`, await bodyFor(v.action, ids));
      const r = results.get(v.name)!;
      r.prefixes.push(prefix);
      r.p50.push(median(latencies));
      r.p99.push(pct(latencies, 0.99));
    }
  }
  for (const v of variants) {
    const r = results.get(v.name)!;
    console.log(`  ${v.name.padEnd(20)} p50 median ${median(r.p50).toFixed(2)} ms (min ${Math.min(...r.p50).toFixed(2)})  p99 median ${median(r.p99).toFixed(2)} ms`);
  }
  for (const action of ACTIONS) {
    const shapesOf = async (name: string) => [...new Set((await Promise.all(results.get(name)!.prefixes.map(shapes))).flat())].sort();
    const [bareShapes, sdkShapes] = [await shapesOf(`${action}, bare`), await shapesOf(`${action}, SDK`)];
    const same = JSON.stringify(bareShapes) === JSON.stringify(sdkShapes);
    console.log(`  ${action} end states: ${same ? 'the same shape' : `DIFFERENT\n    bare: ${bareShapes.join('\n          ')}\n    SDK:  ${sdkShapes.join('\n          ')}`}`);
  }
  const ratio = (a: string, b: string) => median(results.get(a)!.p50) / median(results.get(b)!.p50);
  const join = ratio('join, bare', 'join, SDK');
  const noShow = ratio('mark-no-show, bare', 'mark-no-show, SDK');
  console.log(`  join: ${join.toFixed(2)} of the bare handler (goal ≥ 0.6: ${join >= 0.6 ? 'met' : 'MISSED'})`);
  console.log(`  mark-no-show: ${noShow.toFixed(2)} of the bare handler (goal ≥ 0.5: ${noShow >= 0.5 ? 'met' : 'MISSED'})`);
  console.log(`  cancel (late, charged at once): ${ratio('cancel, bare', 'cancel, SDK').toFixed(2)} of the bare handler`);
  console.log(`  reschedule: ${ratio('reschedule, bare', 'reschedule, SDK').toFixed(2)} of the bare handler`);
} finally {
  await db.close();
}
