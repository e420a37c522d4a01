import { afterAll, describe, expect, it } from 'vitest';
import { createSessionsCore } from '@itutor/sessions-core';
import { buildSession, createFakeVideoProvider, createManualClock, createRecordingPaymentGateway } from '@itutor/sessions-core/testing';
import { createSqlAdapter, type SqlClient } from '@itutor/sessions-supabase';
import { createPgliteDatabase } from './support/db';
import { createRepositories } from '../src/repositories';
import { sqlFunctionCaller } from '../src/sql';
import type { CallRepositoryFunction } from '../src/functions';

/**
 * A session and its attendance asked for in the same tick (a no-show reads both side by side) go to the
 * database as one call, itutor_find_session_with_attendance; each answer is what the separate call
 * answers, and an error reaches both readers.
 */
describe('reads of a session and its attendance in the same tick', () => {
  const database = createPgliteDatabase();
  afterAll(async () => (await database).close());

  /** The adapter's repositories over PGlite, recording the name of every function called. */
  const recording = async () => {
    const db = await database;
    const calls: string[] = [];
    const inner = sqlFunctionCaller(db.client as SqlClient);
    const call: CallRepositoryFunction = (name, args) => {
      calls.push(name);
      return inner(name, args);
    };
    return { db, calls, repositories: createRepositories(call) };
  };

  const start = new Date('2026-04-01T10:00:00.000Z');

  it('share one call, and answer what the separate calls answer', async () => {
    const { db, calls, repositories } = await recording();
    const session = buildSession({ id: '0190a0b0-0000-7000-8000-000000000001', bookingId: 'reads-1', scheduledStartAt: start });
    await createSqlAdapter(db.client as SqlClient).sessions.insert(session, []);

    const [found, attendance] = await Promise.all([repositories.sessions.findById(session.id), repositories.attendance.listBySession(session.id)]);
    expect(calls).toEqual(['itutor_find_session_with_attendance']);
    calls.length = 0;
    expect(await repositories.sessions.findById(session.id)).toEqual(found);
    expect(await repositories.attendance.listBySession(session.id)).toEqual(attendance);
    expect(calls).toEqual(['itutor_find_session', 'itutor_list_session_attendance']);
    expect(found).toMatchObject({ id: session.id, bookingId: 'reads-1' });
    expect(attendance).toEqual([]);
  });

  it('go alone for different sessions, for a session that does not exist, and for malformed ids', async () => {
    const { calls, repositories } = await recording();
    const missing = '0190a0b0-0000-7000-8000-0000000000ff';
    const other = '0190a0b0-0000-7000-8000-0000000000fe';
    const answers = await Promise.all([
      repositories.sessions.findById(missing),
      repositories.attendance.listBySession(other),
      repositories.sessions.findById('not-a-uuid'),
      repositories.attendance.listBySession('not-a-uuid'),
    ]);
    expect(answers).toEqual([null, [], null, []]);
    expect(calls.sort()).toEqual(['itutor_find_session', 'itutor_find_session_with_attendance', 'itutor_list_session_attendance']);
    calls.length = 0;
    // Together for a session that does not exist: no session, no attendance.
    expect(await Promise.all([repositories.sessions.findById(missing), repositories.attendance.listBySession(missing)])).toEqual([null, []]);
    expect(calls).toEqual(['itutor_find_session_with_attendance']);
  });

  it('an error of the shared call reaches both readers', async () => {
    const failing: CallRepositoryFunction = async (name) => {
      throw new Error(`down: ${name}`);
    };
    const repositories = createRepositories(failing);
    const id = '0190a0b0-0000-7000-8000-000000000001';
    const results = await Promise.allSettled([repositories.sessions.findById(id), repositories.attendance.listBySession(id)]);
    expect(results.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'fulfilled'))).toEqual([
      'down: itutor_find_session_with_attendance',
      'down: itutor_find_session_with_attendance',
    ]);
  });

  it('a no-show makes one read call, then its two writes', async () => {
    const { db, calls, repositories } = await recording();
    const session = buildSession({ id: '0190a0b0-0000-7000-8000-000000000002', bookingId: 'reads-2', scheduledStartAt: start });
    await createSqlAdapter(db.client as SqlClient).sessions.insert(session, []);
    const core = createSessionsCore({
      adapter: repositories,
      videoProvider: createFakeVideoProvider(),
      paymentGateway: createRecordingPaymentGateway(),
      clock: createManualClock(new Date(session.noShowEligibleAt.getTime() + 60_000)),
    });
    // The presence rule: the tutor joins first (its own read and write), then the no-show's calls are counted.
    await core.sessions.join({ sessionId: session.id, userId: session.tutorId });
    calls.length = 0;
    const marked = await core.sessions.markNoShow({ sessionId: session.id, userId: session.tutorId });
    expect(marked).toMatchObject({ status: 'NO_SHOW_STUDENT', chargeStatus: 'succeeded' });
    expect(calls).toEqual(['itutor_find_session_with_attendance', 'itutor_apply_session_writes', 'itutor_apply_session_writes']);
  });
});
