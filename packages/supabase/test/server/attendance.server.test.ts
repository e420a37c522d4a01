import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createSessionsCore, type MeetingEventInput, type MeetingEventOutcome, type Session } from '@itutor/sessions-core';
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
          outcomes.push(await core.recordMeetingEvent(delivery));
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
});
