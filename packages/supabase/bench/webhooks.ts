/**
 * Provider webhook acknowledgement latency on the PostgreSQL server (needs DATABASE_URL):
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx packages/supabase/bench/webhooks.ts
 *
 * Signed Zoom `meeting.participant_joined` deliveries through the real route
 * (`zoomWebhookRoutes` on `createSessionsHandler` → `coreMeetingEventSink(core)` → `core.attendance.record` on the SQL
 * adapter: signature check, session lookup by meeting, participant matching, attendance stored once per
 * event with its audit event), against a bare route that parses the body and does one
 * `INSERT … ON CONFLICT DO NOTHING` (the floor). Both get the same deliveries at the same fixed rate
 * (BENCH_RATE per second, default 200; BENCH_REQUESTS each, default 600; 10 % of them repeated, as Zoom
 * retries), after a warm-up; p50 / p99 per variant, rounds rotated (BENCH_ROUNDS, default 3). Goal: the
 * route's p99 under 100 ms. Afterwards the stored attendance is checked against the unique deliveries.
 * A figure that misses its goal is reported, never an abort.
 */
import { performance } from 'node:perf_hooks';
import { createSessionsCore } from '@itutor/sessions-core';
import { createFakeVideoProvider, createRecordingPaymentGateway } from '@itutor/sessions-core/testing';
import { createSqlAdapter } from '@itutor/sessions-supabase';
import { coreMeetingEventSink, zoomWebhookRoutes } from '@itutor/sessions-video';
import { createSessionsHandler } from '@itutor/sessions-core/http';
import { zoomWebhookRequest } from '@itutor/sessions-video/testing';
import { createServerDatabase } from '../test/support/db';

const RATE = Number(process.env.BENCH_RATE ?? 200);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 600);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const GOAL_P99_MS = 100;
const SECRET = 'bench-zoom-webhook-secret-token';
const URL_ = 'http://bench.local/api/webhooks/zoom';

if (!process.env.DATABASE_URL) {
  console.log('webhook bench: not run (set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/test)');
  process.exit(0);
}

const db = await createServerDatabase('webhooks', { max: 8 });
const pool = db.pool;
const SESSIONS = 500;

// 500 sessions in progress, each with its own Zoom meeting id; students are `student-<i>`.
await pool.query(
  `insert into public.sessions (
     id, booking_id, tutor_id, student_id, status, version,
     scheduled_start_at, scheduled_end_at, duration_minutes, join_opens_at,
     no_show_wait_minutes, min_payable_minutes, no_show_eligible_at, charge_scheduled_at,
     price_ttd, currency, provider, meeting_id, join_url, created_at, updated_at)
   select gen_random_uuid(), 'wh-' || i, 'tutor-' || i, 'student-' || i, 'SCHEDULED', 1,
     t.s, t.s + interval '60 minutes', 60, t.s - interval '5 minutes',
     19, 39, t.s + interval '19 minutes', t.s + interval '60 minutes',
     150.00, 'TTD', 'zoom', (850000000 + i)::text, 'https://zoom.us/j/' || (850000000 + i), now() - interval '1 day', now() - interval '1 day'
   from generate_series(1, $1::integer) as i, lateral (select now() - interval '10 minutes' as s) as t`,
  [SESSIONS],
);
await pool.query(`create table public.bench_bare_webhooks (event_id text primary key, body jsonb not null)`);
await pool.query('analyze');

const core = createSessionsCore({
  adapter: createSqlAdapter(pool),
  videoProvider: createFakeVideoProvider(),
  paymentGateway: createRecordingPaymentGateway(),
  matchParticipant: ({ session, participant }) =>
    participant.email === `${session.studentId}@students.example` ? 'student' : participant.email === `${session.tutorId}@tutors.example` ? 'tutor' : 'unknown',
});
// The Zoom route as a host mounts it: a plug-in of the core's one handler (its routing is part of the cost).
const route = createSessionsHandler({
  core,
  authenticate: () => null,
  getBooking: async () => null,
  cronSecret: 'bench-cron-secret-0123456789-abcdef',
  routes: [zoomWebhookRoutes({ secretToken: SECRET, onMeetingEvent: coreMeetingEventSink(core) })],
});

/** The floor: the same request, no verification, one insert. */
async function bare(request: Request): Promise<Response> {
  const text = await request.text();
  const body = JSON.parse(text) as { event: string; event_ts: number; payload: { object: { uuid: string; participant: { participant_uuid: string } } } };
  const o = body.payload.object;
  await pool.query(`insert into public.bench_bare_webhooks (event_id, body) values ($1, $2::text::jsonb) on conflict do nothing`, [
    `${body.event}:${body.event_ts}:${o.uuid}:${o.participant.participant_uuid}`,
    text,
  ]);
  return Response.json({ status: 'accepted' });
}

let sequence = 0;
/** `count` deliveries of unique joins (then 10 % of them again), signed now. */
function deliveries(count: number): unknown[] {
  const unique = Array.from({ length: Math.ceil(count / 1.1) }, () => {
    const n = sequence++;
    const i = (n % SESSIONS) + 1;
    const who = n % 3 === 0 ? { email: `tutor-${i}@tutors.example`, user_name: `Tutor ${i}` } : n % 3 === 1 ? { email: `student-${i}@students.example`, user_name: `Student ${i}` } : { email: `guest-${n}@elsewhere.example`, user_name: 'Guest' };
    return {
      event: 'meeting.participant_joined',
      event_ts: Date.now() + n,
      payload: {
        account_id: 'bench',
        object: {
          id: 850000000 + i,
          uuid: `bench-${i}==`,
          host_id: 'host',
          topic: 'Lesson',
          type: 2,
          start_time: new Date(Date.now() - 10 * 60_000).toISOString(),
          duration: 60,
          participant: { user_id: String(n), participant_uuid: `p-${n}`, join_time: new Date(Date.now() - 60_000).toISOString(), ...who },
        },
      },
    };
  });
  const repeats = unique.filter((_, k) => k % 10 === 0);
  return [...unique, ...repeats].slice(0, count);
}

type Handler = (request: Request) => Promise<Response>;

async function drive(handler: Handler, bodies: readonly unknown[]): Promise<number[]> {
  const requests = await Promise.all(bodies.map((body) => zoomWebhookRequest(URL_, { secretToken: SECRET, body })));
  const latencies: number[] = [];
  const interval = 1000 / RATE;
  const began = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < requests.length; i++) {
    const wait = began + i * interval - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const sent = performance.now();
    inflight.push(
      handler(requests[i]!).then(async (response) => {
        await response.text();
        if (response.status !== 200) throw new Error(`answered ${response.status}`);
        latencies.push(performance.now() - sent);
      }),
    );
  }
  await Promise.all(inflight);
  return latencies;
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const median = (xs: number[]) => pct(xs, 0.5);

const variants: Array<{ name: string; handler: Handler }> = [
  { name: 'bare route (one insert)', handler: bare },
  { name: 'Zoom route → core', handler: route },
];
const results = new Map(variants.map((v) => [v.name, { p50: [] as number[], p99: [] as number[] }]));
const sentToRoute: unknown[] = [];

try {
  console.log(`provider webhooks on ${new URL(process.env.DATABASE_URL).host}: ${REQUESTS} deliveries at ${RATE}/s per variant (10 % repeated), ${ROUNDS} rounds rotated`);
  for (const v of variants) {
    const warm = deliveries(100);
    if (v.handler === route) sentToRoute.push(...warm);
    await drive(v.handler, warm);
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(k + round) % variants.length]!;
      const bodies = deliveries(REQUESTS);
      if (v.handler === route) sentToRoute.push(...bodies);
      const latencies = await drive(v.handler, bodies);
      results.get(v.name)!.p50.push(median(latencies));
      results.get(v.name)!.p99.push(pct(latencies, 0.99));
    }
  }
  for (const v of variants) {
    const r = results.get(v.name)!;
    console.log(`  ${v.name.padEnd(26)} p50 median ${median(r.p50).toFixed(2)} ms  p99 median ${median(r.p99).toFixed(2)} ms (max ${Math.max(...r.p99).toFixed(2)})`);
  }
  // What the route stored: exactly one attendance row per unique delivery, matched as sent.
  const unique = new Map<string, { email: string }>();
  for (const body of sentToRoute as Array<{ event_ts: number; payload: { object: { uuid: string; participant: { participant_uuid: string; email: string } } } }>) {
    unique.set(`${body.event_ts}:${body.payload.object.participant.participant_uuid}`, body.payload.object.participant);
  }
  const { rows } = await pool.query(
    `select count(*)::int as n, count(*) filter (where role = 'student')::int as students, count(*) filter (where role = 'tutor')::int as tutors from public.session_attendance`,
  );
  const expected = [...unique.values()];
  const exact =
    rows[0].n === expected.length &&
    rows[0].students === expected.filter((p) => p.email.startsWith('student-')).length &&
    rows[0].tutors === expected.filter((p) => p.email.startsWith('tutor-')).length;
  console.log(`  attendance stored: ${rows[0].n} rows for ${expected.length} unique deliveries (${exact ? 'exact, roles as sent' : 'DIFFERENT'})`);
  const p99 = median(results.get('Zoom route → core')!.p99);
  const floor = median(results.get('bare route (one insert)')!.p99);
  console.log(`  Zoom route p99 ${p99.toFixed(1)} ms beside the floor's ${floor.toFixed(1)} ms at ${RATE}/s (goal < ${GOAL_P99_MS} ms: ${p99 < GOAL_P99_MS ? 'met' : 'MISSED'})`);
} finally {
  await db.close();
}
