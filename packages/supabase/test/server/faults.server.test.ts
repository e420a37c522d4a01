import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createSessionsCore, type Booking } from '@itutor/sessions-core';
import {
  createFakeVideoProvider,
  createManualClock,
  createRecordingPaymentGateway,
  runSettlementFaultSuite,
} from '@itutor/sessions-core/testing';
import { createSqlAdapter, type SqlClient } from '@itutor/sessions-supabase';
import { createServerDatabase } from '../support/db';
import { createRawReader } from '../support/raw';
import { seedDueSessions } from '../support/seed';
import { workListDrift } from '../support/work-list';

/**
 * Faults on the PostgreSQL server: the core's settlement fault suite over the SQL adapter (a pg Pool,
 * so concurrent runs really race), a reply lost after a committed insert, a settlement run whose
 * connections are terminated mid-batch, and a participant's concurrent joins.
 */

const addMinutes = (d: Date, minutes: number) => new Date(d.getTime() + minutes * 60_000);

const database = createServerDatabase('faults');
const pools: pg.Pool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
  await (await database).close();
});

runSettlementFaultSuite({
  name: 'SQL repositories on the PostgreSQL server (pg Pool)',
  test: { describe, it },
  rounds: 4,
  setup: async () => {
    const db = await database;
    await db.reset();
    return { adapter: createSqlAdapter(db.pool), raw: createRawReader(db.pool) };
  },
  timeoutMs: 120_000,
});

const START = new Date('2026-06-01T15:00:00.000Z');
const booking = (bookingId: string): Booking => ({
  bookingId,
  tutorId: 'tutor-x',
  studentId: 'student-x',
  scheduledStartAt: START,
  durationMinutes: 60,
  priceMinor: 15_000,
});

/** A client whose statements calling `fn` run (and commit) but whose reply is lost once. */
function losingReplyOnce(client: SqlClient, fn: string, when: 'after-commit' | 'before-run'): SqlClient {
  let armed = true;
  return {
    async query(text, params) {
      if (armed && text.includes(fn)) {
        armed = false;
        if (when === 'after-commit') await client.query(text, params);
        throw Object.assign(new Error('Connection terminated unexpectedly'), { code: undefined });
      }
      return client.query(text, params);
    },
  };
}

async function coreOver(client: SqlClient, clock = createManualClock(addMinutes(START, -60))) {
  const video = createFakeVideoProvider();
  const gateway = createRecordingPaymentGateway();
  const core = createSessionsCore({ adapter: createSqlAdapter(client), videoProvider: video, paymentGateway: gateway, clock });
  return { core, video, gateway, clock };
}

describe('faults on the PostgreSQL server', () => {
  it('a reply lost after the insert committed: the session keeps its meeting, nothing is deleted', async () => {
    const db = await database;
    await db.reset();
    const { core, video } = await coreOver(losingReplyOnce(db.pool, 'itutor_insert_session', 'after-commit'));
    await core.providers.connect({ tutorId: 'tutor-x', provider: 'zoom', tokens: null });
    const { session, created } = await core.sessions.create(booking('lost-reply'));
    expect(created).toBe(true);
    expect(video.deleted).toEqual([]);
    const { rows } = await db.pool.query(`select meeting_id, join_url from public.sessions where booking_id = 'lost-reply'`);
    expect(rows).toEqual([{ meeting_id: session.meetingId, join_url: session.joinUrl }]);
    expect(video.meetings.has(session.meetingId)).toBe(true);
  });

  it('an insert that never ran: the meeting is deleted, and the retry makes exactly one session and meeting', async () => {
    const db = await database;
    await db.reset();
    const { core, video } = await coreOver(losingReplyOnce(db.pool, 'itutor_insert_session', 'before-run'));
    await core.providers.connect({ tutorId: 'tutor-x', provider: 'zoom', tokens: null });
    await expect(core.sessions.create(booking('never-ran'))).rejects.toThrow('Connection terminated unexpectedly');
    expect(video.deleted).toHaveLength(1);
    const { session } = await core.sessions.create(booking('never-ran'));
    const { rows } = await db.pool.query(`select meeting_id from public.sessions where booking_id = 'never-ran'`);
    expect(rows).toEqual([{ meeting_id: session.meetingId }]);
    expect([...video.meetings.keys()]).toEqual([session.meetingId]);
  });

  it('sixty concurrent joins by the same student all succeed; one change and one event', async () => {
    const db = await database;
    await db.reset();
    const { core, clock } = await coreOver(db.pool);
    await core.providers.connect({ tutorId: 'tutor-x', provider: 'zoom', tokens: null });
    const { session } = await core.sessions.create(booking('joins'));
    clock.set(addMinutes(START, 1));
    const results = await Promise.allSettled(Array.from({ length: 60 }, () => core.sessions.join({ sessionId: session.id, userId: 'student-x' })));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const { rows } = await db.pool.query(
      `select s.version, (select count(*)::int from public.session_events e where e.session_id = s.id and e.type = 'session.joined') as joins
       from public.sessions s where s.id = $1`,
      [session.id],
    );
    expect(rows).toEqual([{ version: session.version + 1, joins: 1 }]);
  });

  it('a settlement run whose connections are terminated mid-batch loses no money and takes none twice', async () => {
    const db = await database;
    await db.reset();
    const firstEndAt = new Date('2026-03-02T10:00:00.000Z');
    await seedDueSessions(db.pool, { count: 600, firstEndAt, bookingPrefix: 'kill-' });
    const clock = createManualClock(addMinutes(firstEndAt, 180));
    const gateway = createRecordingPaymentGateway({ latencyMs: 20 });
    const victim = new pg.Pool({ connectionString: db.url, max: 3, application_name: 'itutor_victim' });
    victim.on('error', () => undefined);
    pools.push(victim);
    const settlement = { batchSize: 100, chargeConcurrency: 8, chargeTimeoutMs: 2_000, runBudgetMs: 30_000 };
    const doomed = createSessionsCore({
      adapter: createSqlAdapter(victim),
      videoProvider: createFakeVideoProvider(),
      paymentGateway: gateway,
      clock,
      settlement,
    });
    const run = doomed.settlement.run().then(
      () => 'finished',
      () => 'failed',
    );
    // Wait until the run is mid-batch (charges are being sent), then cut its connections.
    while (gateway.instructions.length < 150) await new Promise((resolve) => setTimeout(resolve, 10));
    await db.pool.query(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'itutor_victim'`);
    const outcome = await run;
    expect(['finished', 'failed']).toContain(outcome);
    const sentBefore = gateway.instructions.length;
    expect(sentBefore).toBeGreaterThanOrEqual(150);

    // After the leases, a healthy worker finishes the job.
    const healthy = createSessionsCore({
      adapter: createSqlAdapter(db.pool),
      videoProvider: createFakeVideoProvider(),
      paymentGateway: gateway,
      clock,
      settlement,
    });
    for (let round = 0; round < 4; round++) {
      clock.set(addMinutes(clock.now(), 6));
      await healthy.settlement.run();
    }
    const { rows } = await db.pool.query(
      `select count(*)::int as sessions,
              count(*) filter (where s.status = 'COMPLETED_ASSUMED' and s.charge_status = 'succeeded')::int as collected,
              (select count(*)::int from public.session_events e where e.type = 'session.settled') as settled_events,
              (select count(*)::int from public.session_charges c where c.status = 'succeeded') as succeeded_attempts
       from public.sessions s`,
    );
    expect(rows[0]).toEqual({ sessions: 600, collected: 600, settled_events: 600, succeeded_attempts: 600 });
    const perSession = new Map<string, number>();
    for (const i of gateway.charges.values()) perSession.set(i.sessionId, (perSession.get(i.sessionId) ?? 0) + 1);
    expect(perSession.size).toBe(600);
    expect([...perSession.values()].every((n) => n === 1)).toBe(true);
    const raw = createRawReader(db.pool);
    const { rows: ids } = await db.pool.query(`select id from public.sessions order by random() limit 20`);
    for (const { id } of ids) {
      const ledger = await raw.charges(String(id));
      expect(ledger.filter((a) => a.status === 'succeeded')).toHaveLength(1);
    }
    // Transactions killed mid-batch rolled their work-list changes back with them: it matches the sessions.
    expect(await workListDrift(db.pool)).toEqual([]);
  });
});
