import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createSessionsCore, type MeetingEventInput, type MeetingEventOutcome, type Session, type VideoProvider } from '@itutor/sessions-core';
import { type MeetingTimes } from '@itutor/sessions-core/adapter';
import { buildSession, createFakeVideoProvider, createManualClock, createRecordingPaymentGateway } from '@itutor/sessions-core/testing';
import { createSqlAdapter } from '@itutor/sessions-supabase';
import { createServerDatabase } from '../support/db';

const addMinutes = (d: Date, minutes: number) => new Date(d.getTime() + minutes * 60_000);

const database = createServerDatabase('attendance');
const pools: pg.Pool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await (await database).close();
});

/** A seeded shuffle (mulberry32), so a failure can be replayed. */
function shuffle<T>(items: T[], seed: number): T[] {
  let a = seed >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

describe('attendance on the PostgreSQL server', () => {
  it('5,000 webhook deliveries (10 % duplicates, shuffled) over 500 sessions, 4 workers: attendance exactly as the unique events say', async () => {
    const db = await database;
    await db.reset();
    const start = new Date('2026-05-04T14:00:00.000Z');
    const sessions: Session[] = [];
    const seeder = createSqlAdapter(db.pool);
    for (let i = 0; i < 500; i++) {
      const s = buildSession({
        id: `a0000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        bookingId: `att-${i}`,
        tutorId: `tutor-${i % 20}`,
        studentId: `student-${i}`,
        scheduledStartAt: start,
        meetingId: `87${String(i).padStart(9, '0')}`,
      });
      await seeder.sessions.insert(s, [{ type: 'session.created', sessionId: s.id, tutorId: s.tutorId, actor: 'system', occurredAt: s.createdAt, payload: {} }]);
      sessions.push(s);
    }
    // 4,500 unique events: per session 9 — the student, the tutor and a guest, joining and leaving, and more.
    const unique: MeetingEventInput[] = [];
    for (const [i, s] of sessions.entries()) {
      const who = ['student', 'tutor', 'guest'] as const;
      for (let k = 0; k < 9; k++) {
        const person = who[k % 3]!;
        unique.push({
          provider: 'zoom',
          eventId: `evt-${i}-${k}`,
          kind: k < 6 ? 'participant.joined' : 'participant.left',
          meetingId: s.meetingId,
          instanceId: `uuid-${i}`,
          occurredAt: addMinutes(start, k),
          receivedAt: addMinutes(start, k + 1),
          participant: { email: person === 'guest' ? null : `${person}-${i}@example.com`, name: person, providerUserId: null, participantId: `${person}-${i}` },
        });
      }
    }
    const duplicates = shuffle([...unique], 7).slice(0, 500);
    const deliveries = shuffle([...unique, ...duplicates], 11);
    expect(deliveries).toHaveLength(5000);

    const clock = createManualClock(addMinutes(start, 30));
    const workers = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const pool = new pg.Pool({ connectionString: db.url, max: 4 });
        pool.on('error', () => undefined);
        pools.push(pool);
        return createSessionsCore({
          adapter: createSqlAdapter(pool),
          videoProvider: createFakeVideoProvider(),
          paymentGateway: createRecordingPaymentGateway(),
          clock,
          matchParticipant: ({ session, participant }) =>
            participant.email === `${session.studentId}@example.com` ? 'student' : participant.email === `tutor-${session.studentId.slice(8)}@example.com` ? 'tutor' : 'unknown',
        });
      }),
    );
    const outcomes: MeetingEventOutcome[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async (_, lane) => {
        const core = workers[lane % workers.length]!;
        while (next < deliveries.length) {
          const delivery = deliveries[next++]!;
          outcomes.push(await core.attendance.record(delivery));
        }
      }),
    );

    expect(outcomes.filter((o) => o.status === 'recorded')).toHaveLength(4500);
    expect(outcomes.filter((o) => o.status === 'duplicate')).toHaveLength(500);
    const { rows } = await db.pool.query(
      `select
         (select count(*)::int from public.session_attendance) as rows,
         (select count(distinct (provider, event_id))::int from public.session_attendance) as keys,
         (select count(*)::int from public.session_events where type = 'attendance.recorded') as events,
         (select count(*)::int from public.session_attendance where role = 'student') as students,
         (select count(*)::int from public.session_attendance where role = 'tutor') as tutors,
         (select count(*)::int from public.session_attendance where role = 'unknown') as unknowns,
         (select count(*)::int from public.session_attendance where role = 'student' and participant_id not like 'student-%') as misfiled,
         (select count(*)::int from (select session_id from public.session_attendance group by session_id having count(*) = 9) as s) as complete`,
    );
    expect(rows[0]).toEqual({ rows: 4500, keys: 4500, events: 4500, students: 1500, tutors: 1500, unknowns: 1500, misfiled: 0, complete: 500 });
    // Each stored row is exactly its unique event (a duplicate never overwrote anything).
    const { rows: sample } = await db.pool.query(
      `select event_id, kind, occurred_at from public.session_attendance where event_id in ('evt-0-0', 'evt-499-8') order by event_id`,
    );
    expect(sample.map((r) => [r.event_id, r.kind, (r.occurred_at as Date).toISOString()])).toEqual([
      ['evt-0-0', 'joined', start.toISOString()],
      ['evt-499-8', 'left', addMinutes(start, 8).toISOString()],
    ]);
  }, 120_000);

  it('a late meeting.ended racing settlement: exactly one outcome per session, and the right one for the order the writes took', async () => {
    const db = await database;
    await db.reset();
    const start = new Date('2026-05-05T14:00:00.000Z');
    const seeder = createSqlAdapter(db.pool);
    const sessions: Session[] = [];
    for (let i = 0; i < 200; i++) {
      const s = buildSession({
        id: `b0000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        bookingId: `race-${i}`,
        tutorId: `tutor-${i % 20}`,
        studentId: `student-${i}`,
        scheduledStartAt: start,
        meetingId: `88${String(i).padStart(9, '0')}`,
      });
      await seeder.sessions.insert(s, []);
      sessions.push(s);
    }
    // The cron runs just after the scheduled end while Zoom's (retried) meeting.ended deliveries arrive:
    // each meeting really ended 20 minutes in, well before the minimum payable.
    const clock = createManualClock(addMinutes(sessions[0]!.scheduledEndAt, 1));
    const core = (pool: pg.Pool) =>
      createSessionsCore({ adapter: createSqlAdapter(pool), videoProvider: createFakeVideoProvider(), paymentGateway: createRecordingPaymentGateway(), clock });
    const [a, b] = [0, 1].map(() => {
      const pool = new pg.Pool({ connectionString: db.url, max: 6 });
      pool.on('error', () => undefined);
      pools.push(pool);
      return core(pool);
    });
    const ends = shuffle(
      sessions.map(
        (s, i): MeetingEventInput => ({
          provider: 'zoom',
          eventId: `end-${i}`,
          kind: 'meeting.ended',
          meetingId: s.meetingId,
          instanceId: `uuid-${i}`,
          occurredAt: addMinutes(s.scheduledStartAt, 20),
          receivedAt: clock.now(),
          participant: null,
        }),
      ),
      3,
    );
    let next = 0;
    const [settledA, settledB] = await Promise.all([
      a!.settlement.run(),
      b!.settlement.run(),
      ...Array.from({ length: 8 }, async () => {
        while (next < ends.length) await b!.attendance.record(ends[next++]!);
      }),
    ]);
    // A settlement write that lost its compare-and-set to an end recorded meanwhile leaves the session
    // leased and unsettled (a conflict, not a guess); the next run, after the lease, settles it.
    const settledInRace = [settledA!, settledB!].reduce((n, r) => n + r.completed + r.earlyEnded, 0);
    clock.advance({ minutes: 6 });
    const after = await a!.settlement.run();
    expect(settledInRace + after.completed + after.earlyEnded).toBe(200);

    const { rows } = await db.pool.query(
      `select s.id, s.status, s.meeting_ended_at, s.charge_status,
         (select count(*)::int from public.session_events e where e.session_id = s.id and e.type in ('session.settled', 'session.no_show_marked')) as settled_events,
         (select count(*)::int from public.session_events e where e.session_id = s.id and e.type = 'session.meeting_ended') as end_events,
         (select count(*)::int from public.session_charges c where c.session_id = s.id) as attempts
       from public.sessions s where s.booking_id like 'race-%'`,
    );
    expect(rows).toHaveLength(200);
    for (const r of rows) {
      // One outcome, written once; a recorded end before settlement means no charge, otherwise a full one.
      expect(r.settled_events).toBe(1);
      if (r.status === 'EARLY_END_SHORT') {
        expect(r.meeting_ended_at).not.toBeNull();
        expect(r.end_events).toBe(1);
        expect([r.charge_status, r.attempts]).toEqual(['none', 0]);
      } else {
        expect(r.status).toBe('COMPLETED_ASSUMED');
        // The end arrived after the session was final: not applied, and no second outcome.
        expect(r.meeting_ended_at).toBeNull();
        expect(r.attempts).toBe(1);
      }
    }
  }, 120_000);

  it('reconciliation when the provider is down, hangs or answers nonsense: the run keeps its budget, nothing is guessed, the next run settles on the answer', async () => {
    const db = await database;
    await db.reset();
    const start = new Date('2026-05-06T14:00:00.000Z');
    const seeder = createSqlAdapter(db.pool);
    const sessions: Session[] = [];
    for (let i = 0; i < 250; i++) {
      const s = buildSession({
        id: `c0000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        bookingId: `rec-${i}`,
        tutorId: `tutor-${i % 20}`,
        studentId: `student-${i}`,
        scheduledStartAt: start,
        meetingId: `89${String(i).padStart(9, '0')}`,
      });
      await seeder.sessions.insert(s, []);
      sessions.push(s);
    }
    const index = (meetingId: string) => Number(meetingId.slice(2));
    // Per meeting, by index mod 5: 0 the provider fails, 1 it hangs, 2 the meeting ended 20 minutes in,
    // 3 it has no record (the usual rules: a full charge), 4 it answers something malformed.
    let recovered = false;
    const lookups = new Map<string, number>();
    const video: VideoProvider = {
      ...createFakeVideoProvider(),
      getMeetingTimes: async ({ meetingId, signal }) => {
        lookups.set(meetingId, (lookups.get(meetingId) ?? 0) + 1);
        if (recovered) return { startedAt: start, endedAt: addMinutes(start, 25) };
        switch (index(meetingId) % 5) {
          case 0:
            throw new Error('503 Service Unavailable');
          case 1:
            return new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason)));
          case 2:
            return { startedAt: start, endedAt: addMinutes(start, 20) };
          case 3:
            return null;
          default:
            return { startedAt: 'soon', endedAt: 42 } as unknown as MeetingTimes;
        }
      },
    };
    const clock = createManualClock(addMinutes(sessions[0]!.scheduledEndAt, 1));
    const gateway = createRecordingPaymentGateway();
    const budget = 6_000;
    const [a, b] = [0, 1].map(() => {
      const pool = new pg.Pool({ connectionString: db.url, max: 6 });
      pool.on('error', () => undefined);
      pools.push(pool);
      return createSessionsCore({
        adapter: createSqlAdapter(pool),
        videoProvider: video,
        paymentGateway: gateway,
        clock,
        settlement: { reconcileTimeoutMs: 300, chargeTimeoutMs: 1_000, runBudgetMs: budget, batchSize: 100 },
      });
    });
    const started = Date.now();
    const first = await Promise.all([a!.settlement.run(), b!.settlement.run()]);
    expect(Date.now() - started).toBeLessThan(budget + 1_000);
    const sum = (key: 'completed' | 'earlyEnded' | 'settlementsDeferred' | 'meetingEndsReconciled') => first.reduce((n, r) => n + r[key], 0);
    expect({ completed: sum('completed'), earlyEnded: sum('earlyEnded'), deferred: sum('settlementsDeferred'), reconciled: sum('meetingEndsReconciled') }).toEqual({
      completed: 50,
      earlyEnded: 50,
      deferred: 150,
      reconciled: 50,
    });
    const state = async () =>
      (
        await db.pool.query(
          `select s.meeting_id, s.status, s.meeting_ended_at, s.claimed_until,
             (select count(*)::int from public.session_events e where e.session_id = s.id and e.type in ('session.settled', 'session.no_show_marked')) as settled_events,
             (select count(*)::int from public.session_charges c where c.session_id = s.id) as attempts
           from public.sessions s where s.booking_id like 'rec-%'`,
        )
      ).rows as Array<{ meeting_id: string; status: string; meeting_ended_at: Date | null; claimed_until: Date | null; settled_events: number; attempts: number }>;
    for (const r of await state()) {
      const kind = index(r.meeting_id) % 5;
      if (kind === 2) expect([r.status, r.attempts, r.meeting_ended_at]).toEqual(['EARLY_END_SHORT', 0, addMinutes(start, 20)]);
      else if (kind === 3) expect([r.status, r.attempts, r.meeting_ended_at]).toEqual(['COMPLETED_ASSUMED', 1, null]);
      else {
        // Not guessed: still open, no outcome, no ledger row, leased until a later run.
        expect([r.status, r.settled_events, r.attempts, r.meeting_ended_at]).toEqual(['SCHEDULED', 0, 0, null]);
        expect(r.claimed_until).not.toBeNull();
      }
    }
    // Each meeting was asked once (the two runs never claim the same session).
    expect([...lookups.values()].every((n) => n === 1)).toBe(true);
    expect(lookups.size).toBe(250);

    // The provider recovers; after the lease the next run settles the rest on its answer (ended early).
    recovered = true;
    clock.advance({ minutes: 6 });
    const second = await a!.settlement.run();
    expect(second).toMatchObject({ earlyEnded: 150, completed: 0, settlementsDeferred: 0, meetingEndsReconciled: 150 });
    for (const r of await state()) {
      expect(r.settled_events).toBe(1);
      if (index(r.meeting_id) % 5 === 3) expect([r.status, r.attempts]).toEqual(['COMPLETED_ASSUMED', 1]);
      else expect([r.status, r.attempts]).toEqual(['EARLY_END_SHORT', 0]);
    }
    // Exactly the no-record sessions were charged, once each.
    expect(new Set(gateway.instructions.map((i) => i.sessionId)).size).toBe(50);
    expect(gateway.charges.size).toBe(50);
  }, 120_000);
});
