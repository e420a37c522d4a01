import { afterAll, describe, expect, it } from 'vitest';
import { transition } from '@itutor/sessions-core/adapter';
import { buildSession } from '@itutor/sessions-core/testing';
import { createSqlAdapter, type SqlClient } from '@itutor/sessions-supabase';
import { createPgliteDatabase } from './support/db';
import { sessionChangesToRow, sessionToRow } from '../src/rows';
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

  it('a write made from `previous` sends only what changed (and id, version, claimed_until); every field written to a session that changed them all', () => {
    const s = buildSession({ id: '60000000-0000-4000-8000-000000000003', scheduledStartAt: start });
    expect(sessionChangesToRow(s, { ...s, version: 2, updatedAt: at(1) })).toEqual({ id: s.id, version: 2, claimed_until: null, updated_at: at(1).toISOString() });
    // Every field changed (Dates by value, not identity): the partial row is the whole row, so no field is missed.
    const other = buildSession({
      id: s.id, bookingId: 'other', tutorId: 'tutor-x', studentId: 'student-x', scheduledStartAt: at(90), durationMinutes: 45, priceMinor: 12_345,
      provider: 'google_meet', meetingId: 'spaces/x', joinUrl: 'https://meet.google.com/x', currency: 'USD',
    });
    const changed = {
      ...other, version: 9, status: 'CANCELLED', studentJoinedAt: at(2), tutorJoinedAt: at(3), meetingEndedAt: at(4), finalizedAt: at(5), cancelledBy: 'tutor',
      chargeAmountMinor: 1, payoutAmountMinor: 1, platformFeeMinor: 0, chargeStatus: 'failed', chargeIdempotencyKey: 'k', chargeAttempts: 3, chargeReference: 'r',
      claimedUntil: at(6), createdAt: at(-100), updatedAt: at(7), payoutTiming: s.payoutTiming === 'with_charge' ? 'after_review' : 'with_charge',
      noShowWaitMinutes: 11, minPayableMinutes: 12, noShowEligibleAt: at(8), joinOpensAt: at(9), chargeScheduledAt: at(10),
    } as const;
    expect(Object.keys(changed).filter((key) => key !== 'id' && changed[key as keyof typeof changed] === s[key as keyof typeof s])).toEqual([]);
    expect(sessionChangesToRow(s, changed)).toEqual(sessionToRow(changed));
    expect(sessionChangesToRow(s, { ...s, scheduledStartAt: new Date(s.scheduledStartAt.getTime()) })).toEqual({ id: s.id, version: s.version, claimed_until: null });
  });

  it('writes made from `previous` apply onto the stored row: alone, in a batch, and repeated in one batch in order', async () => {
    const db = await database;
    await db.reset();
    const adapter = createSqlAdapter(db.client);
    const raw = createRawReader(db.client);
    const s = buildSession({ id: '60000000-0000-4000-8000-000000000004', scheduledStartAt: start });
    const t = buildSession({ id: '60000000-0000-4000-8000-000000000005', bookingId: 'b-t', scheduledStartAt: start });
    await adapter.sessions.insert(s, []);
    await adapter.sessions.insert(t, []);
    const join = transition(s, { type: 'JOIN', actorId: s.studentId }, at(-1));
    if (!join.ok) throw join.error;
    expect(await adapter.sessions.applyWrites([{ expectedVersion: 1, previous: s, next: join.session, events: join.events }])).toEqual([join.session]);
    expect(await raw.session(s.id)).toEqual(join.session);
    const tutorJoin = transition(join.session, { type: 'JOIN', actorId: s.tutorId }, at(0));
    const settle = tutorJoin.ok ? transition(tutorJoin.session, { type: 'SETTLE' }, at(61)) : tutorJoin;
    const joinT = transition(t, { type: 'JOIN', actorId: t.tutorId }, at(0));
    if (!tutorJoin.ok || !settle.ok || !joinT.ok) throw new Error('the test expected its transitions accepted');
    const results = await adapter.sessions.applyWrites([
      { expectedVersion: 2, previous: join.session, next: tutorJoin.session, events: tutorJoin.events },
      { expectedVersion: 3, previous: tutorJoin.session, next: settle.session, events: settle.events, ledger: settle.ledger },
      { expectedVersion: 1, previous: t, next: joinT.session, events: joinT.events },
    ]);
    expect(results).toEqual([tutorJoin.session, settle.session, joinT.session]);
    expect(await raw.session(s.id)).toEqual(settle.session);
    expect(await raw.session(t.id)).toEqual(joinT.session);
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

  describe('ledger changes in applyWrites', () => {
    const settled = async () => {
      const db = await database;
      await db.reset();
      const adapter = createSqlAdapter(db.client);
      const s = buildSession({ id: '60000000-0000-4000-8000-000000000021', scheduledStartAt: start });
      await adapter.sessions.insert(s, []);
      const settle = transition(s, { type: 'SETTLE' }, at(60));
      if (!settle.ok) throw settle.error;
      return { db, adapter, s, settle };
    };

    it('a write that opens an attempt and answers it applies the changes in order', async () => {
      const { db, adapter, s, settle } = await settled();
      const opened = settle.ledger[0]!;
      if (opened.type !== 'open') throw new Error('expected an open');
      const answer = { type: 'answer' as const, sessionId: s.id, attempt: 1, status: 'unknown' as const, gatewayReference: 'pi_1', failureCode: 'timeout', answeredAt: at(61) };
      const [won] = await adapter.sessions.applyWrites([
        { expectedVersion: 1, next: settle.session, events: settle.events, ledger: [opened, answer, { ...answer, status: 'succeeded', gatewayReference: null, failureCode: null }] },
      ]);
      expect(won?.version).toBe(2);
      expect(await createRawReader(db.client).charges(s.id)).toMatchObject([{ attempt: 1, status: 'succeeded', calls: 2, gatewayReference: 'pi_1', failureCode: null }]);
    });

    it('a ledger change for another session, or of an unknown kind, fails the whole batch and writes nothing', async () => {
      const { db, adapter, s, settle } = await settled();
      const other = '60000000-0000-4000-8000-000000000099';
      const bad = [
        { type: 'answer' as const, sessionId: other, attempt: 1, status: 'failed' as const, gatewayReference: null, failureCode: 'x', answeredAt: at(61) },
        { type: 'answer' as const, sessionId: s.id, attempt: 1, status: 'pending' as never, gatewayReference: null, failureCode: null, answeredAt: at(61) },
      ];
      for (const change of bad) {
        await expect(
          adapter.sessions.applyWrites([{ expectedVersion: 1, next: settle.session, events: settle.events, ledger: [...settle.ledger, change] }]),
        ).rejects.toThrow(/ledger change/);
      }
      // A change of a kind the function does not know (the core's types allow none), sent as raw SQL.
      await expect(
        db.client.query(`select public.itutor_apply_session_writes($1::text::jsonb)`, [
          JSON.stringify([{ expected_version: 1, session: sessionToRow(settle.session), events: [], ledger: [{ type: 'refund', session_id: s.id }] }]),
        ]),
      ).rejects.toThrow(/ledger change/);
      const raw = createRawReader(db.client);
      expect((await raw.session(s.id))?.version).toBe(1);
      expect(await raw.charges(s.id)).toEqual([]);
      expect(await raw.events(s.id)).toEqual([]);
    });

    it('the batch path (two or more writes) refuses the same bad ledger changes and writes nothing for any write', async () => {
      const { db, adapter, s, settle } = await settled();
      const t = buildSession({ id: '60000000-0000-4000-8000-000000000023', bookingId: 'batch-other', scheduledStartAt: start });
      await adapter.sessions.insert(t, []);
      const settleT = transition(t, { type: 'SETTLE' }, at(60));
      if (!settleT.ok) throw settleT.error;
      const good = { expectedVersion: 1, next: settleT.session, events: settleT.events, ledger: settleT.ledger };
      const bad = [
        { type: 'answer' as const, sessionId: t.id, attempt: 1, status: 'failed' as const, gatewayReference: null, failureCode: 'x', answeredAt: at(61) },
        { type: 'answer' as const, sessionId: s.id, attempt: 7, status: 'failed' as const, gatewayReference: null, failureCode: 'x', answeredAt: at(61) },
      ];
      for (const change of bad) {
        await expect(
          adapter.sessions.applyWrites([good, { expectedVersion: 1, next: settle.session, events: settle.events, ledger: [...settle.ledger, change] }]),
        ).rejects.toThrow(/ledger change|does not exist/);
      }
      const raw = createRawReader(db.client);
      for (const id of [s.id, t.id]) {
        expect((await raw.session(id))?.version).toBe(1);
        expect(await raw.charges(id)).toEqual([]);
        expect(await raw.events(id)).toEqual([]);
      }
    });

    it('an answer to an attempt that does not exist fails the whole batch', async () => {
      const { db, adapter, s, settle } = await settled();
      const answer = { type: 'answer' as const, sessionId: s.id, attempt: 7, status: 'failed' as const, gatewayReference: null, failureCode: 'card_declined', answeredAt: at(61) };
      await expect(adapter.sessions.applyWrites([{ expectedVersion: 1, next: settle.session, events: settle.events, ledger: [...settle.ledger, answer] }])).rejects.toThrow(
        /does not exist/,
      );
      await expect(adapter.sessions.applyWrites([{ expectedVersion: 1, next: settle.session, events: [], ledger: [answer] }])).rejects.toThrow(/does not exist/);
      const raw = createRawReader(db.client);
      expect((await raw.session(s.id))?.version).toBe(1);
      expect(await raw.charges(s.id)).toEqual([]);
    });

    it('a losing write changes no ledger row, even in a batch with a winner', async () => {
      const { db, adapter, s, settle } = await settled();
      const [won] = await adapter.sessions.applyWrites([{ expectedVersion: 1, next: settle.session, events: settle.events, ledger: settle.ledger }]);
      const declined = transition(won!, { type: 'RECORD_CHARGE_RESULT', attempt: 1, result: { status: 'failed', failureCode: 'card_declined', reference: null } }, at(61));
      if (!declined.ok) throw declined.error;
      const t = buildSession({ id: '60000000-0000-4000-8000-000000000022', bookingId: 'other', scheduledStartAt: start });
      await adapter.sessions.insert(t, []);
      const settleT = transition(t, { type: 'SETTLE' }, at(60));
      if (!settleT.ok) throw settleT.error;
      const results = await adapter.sessions.applyWrites([
        { expectedVersion: 1, next: declined.session, events: declined.events, ledger: declined.ledger }, // stale: loses
        { expectedVersion: 1, next: settleT.session, events: settleT.events, ledger: settleT.ledger },
      ]);
      expect(results.map((r) => r !== null)).toEqual([false, true]);
      const raw = createRawReader(db.client);
      expect(await raw.charges(s.id)).toMatchObject([{ attempt: 1, status: 'pending', calls: 0 }]);
      expect(await raw.charges(t.id)).toMatchObject([{ attempt: 1, status: 'pending' }]);
    });
  });
});
