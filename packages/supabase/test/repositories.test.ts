import { afterAll, describe, expect, it } from 'vitest';
import { transition } from '@itutor/sessions-core';
import { buildSession } from '@itutor/sessions-core/testing';
import { createSqlAdapter, type SqlClient } from '@itutor/sessions-supabase';
import { createPgliteDatabase } from './support/db';
import { createRawReader } from './support/raw';

const database = createPgliteDatabase();
afterAll(async () => (await database).close());

/** Counts the statements an adapter sends. */
function counting(client: SqlClient) {
  const counter = {
    statements: 0,
    client: {
      query: (text: string, params?: unknown[]) => {
        counter.statements++;
        return client.query(text, params);
      },
    } satisfies SqlClient,
  };
  return counter;
}

describe('SQL repositories beyond the contract', () => {
  const start = new Date('2026-06-01T10:00:00.000Z');
  const at = (minutes: number) => new Date(start.getTime() + minutes * 60_000);

  it('a batch is one statement; several writes for one session in a batch apply in order', async () => {
    const db = await database;
    await db.reset();
    const counter = counting(db.client);
    const adapter = createSqlAdapter(counter.client);
    const s = buildSession({ id: '60000000-0000-4000-8000-000000000001', scheduledStartAt: start });
    await adapter.sessions.insert(s, []);
    const join = transition(s, { type: 'JOIN', actorId: s.studentId }, at(-1));
    if (!join.ok) throw join.error;
    const tutorJoin = transition(join.session, { type: 'JOIN', actorId: s.tutorId }, at(0));
    if (!tutorJoin.ok) throw tutorJoin.error;
    const stale = transition(s, { type: 'JOIN', actorId: s.tutorId }, at(0));
    if (!stale.ok) throw stale.error;

    counter.statements = 0;
    const results = await adapter.sessions.applyWrites([
      { expectedVersion: 1, next: join.session, events: join.events },
      { expectedVersion: 2, next: tutorJoin.session, events: tutorJoin.events },
      { expectedVersion: 1, next: stale.session, events: stale.events },
    ]);
    expect(counter.statements).toBe(1);
    expect(results.map((r) => r?.version ?? null)).toEqual([2, 3, null]);
    const stored = await createRawReader(db.client).session(s.id);
    expect(stored?.version).toBe(3);
    expect(stored?.tutorJoinedAt?.toISOString()).toBe(at(0).toISOString());
    expect((await adapter.events.listBySession(s.id)).map((e) => e.payload.role)).toEqual(['student', 'tutor']);

    counter.statements = 0;
    expect(await adapter.sessions.applyWrites([])).toEqual([]);
    expect(counter.statements).toBe(0);
  });

  it('events of a batch keep their order: per write, then per event', async () => {
    const db = await database;
    await db.reset();
    const adapter = createSqlAdapter(db.client);
    const sessions = [1, 2, 3].map((n) => buildSession({ id: `60000000-0000-4000-8000-00000000001${n}`, scheduledStartAt: start }));
    for (const s of sessions) await adapter.sessions.insert(s, []);
    const settled = sessions.map((s) => transition(s, { type: 'SETTLE' }, at(60)));
    const results = await adapter.sessions.applyWrites(
      settled.map((r) => {
        if (!r.ok) throw r.error;
        return { expectedVersion: 1, next: r.session, events: r.events };
      }),
    );
    expect(results.every((r) => r?.status === 'COMPLETED_ASSUMED')).toBe(true);
    const log = await adapter.events.listByTutor('tutor-a');
    expect(log.map((e) => `${e.sessionId!.slice(-1)}:${e.type}`)).toEqual([
      '1:session.settled',
      '1:charge.requested',
      '2:session.settled',
      '2:charge.requested',
      '3:session.settled',
      '3:charge.requested',
    ]);
    expect(log.map((e) => Number(e.id))).toEqual([...log.map((e) => Number(e.id))].sort((a, b) => a - b));
  });

  it('malformed ids find nothing instead of failing', async () => {
    const db = await database;
    const adapter = createSqlAdapter(db.client);
    expect(await adapter.sessions.findById('not-a-uuid')).toBeNull();
    expect(await adapter.sessions.findById("'; drop table sessions; --")).toBeNull();
    expect(await adapter.events.listBySession('nope')).toEqual([]);
    expect(await adapter.connections.findByTutor('nobody')).toBeNull();
    expect(await adapter.connections.findTokens('nobody')).toBeNull();
  });
});
