import pg from 'pg';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createSessionsCore } from '@itutor/sessions-core';
import { buildSession, createFakeVideoProvider, createManualClock, createRecordingPaymentGateway } from '@itutor/sessions-core/testing';
import { createSqlAdapter, type SqlClient } from '@itutor/sessions-supabase';
import { createServerDatabase } from '../support/db';

/**
 * Charge answers committed without waiting for the WAL flush (itutor_apply_charge_answers): which writes
 * take that path, that the setting stays inside their own transaction, and that an answer lost the way
 * a server crash would lose it is asked again under the same key, the money taken once.
 */
const db = await createServerDatabase('answers_commit');
afterAll(() => db.close());
beforeEach(() => db.reset());

const addMinutes = (date: Date, minutes: number) => new Date(date.getTime() + minutes * 60_000);
const START = new Date('2026-03-02T09:00:00.000Z');
/** 20 minutes in: past the no-show wait (19 of 60). */
const NO_SHOW_AT = addMinutes(START, 20);

/** The repository function a statement calls. */
const functionOf = (text: string) => /public\.(\w+)\(/.exec(text)?.[1] ?? text;

/** The pool itself, every property as it is, with the functions its queries call recorded. */
function recordingPool(calls: string[]): pg.Pool {
  return new Proxy(db.pool, {
    get(target, property) {
      if (property === 'query') {
        return (text: string, params?: unknown[]) => {
          calls.push(functionOf(text));
          return target.query(text, params);
        };
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

async function seedSession() {
  // The tutor is in the session (only a present tutor may mark the student absent: the presence rule, issue #22).
  const session = buildSession({ id: '7a000000-0000-7000-8000-000000000001', bookingId: 'answers-1', scheduledStartAt: START, status: 'JOIN_OPEN', tutorJoinedAt: START });
  await createSqlAdapter(db.pool).sessions.insert(session, []);
  return session;
}

/**
 * {@link seedSession} with the tutor in it (the presence rule: only a tutor who joined may mark the
 * student absent), joined through the services over an unrecorded adapter at the start.
 */
async function seedSessionTutorIn() {
  const session = await seedSession();
  const core = createSessionsCore({
    adapter: createSqlAdapter(db.pool),
    videoProvider: createFakeVideoProvider(),
    paymentGateway: createRecordingPaymentGateway(),
    clock: createManualClock(START),
  });
  return (await core.sessions.join({ sessionId: session.id, userId: 'tutor-a' })).session;
}

const coreOver = (adapter: ReturnType<typeof createSqlAdapter>, gateway = createRecordingPaymentGateway(), at = NO_SHOW_AT) => {
  const clock = createManualClock(at);
  return { clock, gateway, core: createSessionsCore({ adapter, videoProvider: createFakeVideoProvider(), paymentGateway: gateway, clock }) };
};

const ledger = async (sessionId: string) =>
  (await db.pool.query<{ attempt: number; status: string; idempotency_key: string }>(
    'select attempt, status, idempotency_key from public.session_charges where session_id = $1 order by attempt',
    [sessionId],
  )).rows;

describe('charge answers: committed without waiting for the disk flush over a Pool', () => {
  it('over a Pool, the answer goes through itutor_apply_charge_answers and the attempt through itutor_apply_session_writes', async () => {
    const session = await seedSessionTutorIn();
    const calls: string[] = [];
    const { core, gateway } = coreOver(createSqlAdapter(recordingPool(calls)));
    const marked = await core.sessions.markNoShow({ sessionId: session.id, userId: 'tutor-a' });

    expect(marked).toMatchObject({ status: 'NO_SHOW_STUDENT', chargeStatus: 'succeeded' });
    const writes = calls.filter((fn) => fn.startsWith('itutor_apply_'));
    expect(writes).toEqual(['itutor_apply_session_writes', 'itutor_apply_charge_answers']);
    expect(await ledger(session.id)).toEqual([{ attempt: 1, status: 'succeeded', idempotency_key: marked.chargeIdempotencyKey }]);
    expect(gateway.charges.size).toBe(1);
  });

  it('over any other client, and with chargeAnswerCommit: durable, every write waits for the flush', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      for (const [name, adapter] of [
        ['a pg Client', (calls: string[]) => createSqlAdapter({ query: (text: string, params?: unknown[]) => (calls.push(functionOf(text)), client.query(text, params)) })],
        ['a Pool with durable', (calls: string[]) => createSqlAdapter(recordingPool(calls), { chargeAnswerCommit: 'durable' })],
      ] as const) {
        await db.reset();
        const session = await seedSessionTutorIn();
        const calls: string[] = [];
        const { core } = coreOver(adapter(calls));
        await expect(core.sessions.markNoShow({ sessionId: session.id, userId: 'tutor-a' }), name).resolves.toMatchObject({ chargeStatus: 'succeeded' });
        expect(calls.filter((fn) => fn.startsWith('itutor_apply_')), name).toEqual(['itutor_apply_session_writes', 'itutor_apply_session_writes']);
      }
    } finally {
      await client.end();
    }
  });

  it('refuses an option it does not know', () => {
    expect(() => createSqlAdapter(db.pool, { chargeAnswerCommit: 'later' as never })).toThrow(/chargeAnswerCommit/);
  });

  it('synchronous_commit is off in the answer’s own transaction only; the attempt’s commit is durable', async () => {
    const session = await seedSessionTutorIn();
    const connection = await db.pool.connect();
    const seen: Array<[string, string]> = [];
    try {
      // Each query in an explicit transaction of its own, the setting read just before its commit.
      const inTransactions: SqlClient = {
        async query(text, params) {
          await connection.query('begin');
          try {
            const result = await connection.query(text, params);
            seen.push([functionOf(text), (await connection.query<{ s: string }>(`select current_setting('synchronous_commit') as s`)).rows[0]!.s]);
            await connection.query('commit');
            return result;
          } catch (error) {
            await connection.query('rollback');
            throw error;
          }
        },
      };
      const { core } = coreOver(createSqlAdapter(inTransactions, { chargeAnswerCommit: 'async' }));
      await core.sessions.markNoShow({ sessionId: session.id, userId: 'tutor-a' });
      expect(seen.filter(([fn]) => fn.startsWith('itutor_apply_'))).toEqual([
        ['itutor_apply_session_writes', 'on'],
        ['itutor_apply_charge_answers', 'off'],
      ]);
      // The next transaction on the same connection is durable again.
      expect((await connection.query<{ s: string }>(`select current_setting('synchronous_commit') as s`)).rows[0]!.s).toBe('on');
    } finally {
      connection.release();
    }
  });

  it('refuses, writing nothing, anything but writes whose ledger changes are all charge answers', async () => {
    const session = await seedSession();
    const write = (ledger: unknown[]) => [{ expected_version: 1, session: { id: session.id }, events: [], ledger }];
    for (const writes of [
      [],
      write([]),
      write([{ type: 'open', attempt: {} }]),
      write([{ type: 'answer' }, { type: 'refund_open', refund: {} }]),
      [...write([{ type: 'answer' }]), ...write([])],
      { not: 'an array' },
    ]) {
      await expect(db.pool.query('select public.itutor_apply_charge_answers($1::text::jsonb)', [JSON.stringify(writes)]), JSON.stringify(writes)).rejects.toMatchObject({
        code: '22023',
      });
    }
    expect((await db.pool.query('select version from public.sessions where id = $1', [session.id])).rows).toEqual([{ version: 1 }]);
  });

  it('an answer lost as a crash would lose it leaves the attempt pending; the retry asks again under the same key, the money taken once', async () => {
    const session = await seedSessionTutorIn();
    // The answer's statement never reaches the server (what a crash before its WAL flush leaves).
    const losing: SqlClient = {
      query: (text, params) =>
        functionOf(text) === 'itutor_apply_charge_answers' ? Promise.reject(new Error('connection lost')) : db.pool.query(text, params),
    };
    const gateway = createRecordingPaymentGateway();
    const first = coreOver(createSqlAdapter(losing, { chargeAnswerCommit: 'async' }), gateway);
    await first.core.sessions.markNoShow({ sessionId: session.id, userId: 'tutor-a' }).catch(() => undefined);
    expect(await ledger(session.id)).toMatchObject([{ attempt: 1, status: 'pending' }]);
    expect(gateway.charges.size).toBe(1);

    // The cron, after the call's lease: same key, the gateway's first answer, recorded once.
    const later = coreOver(createSqlAdapter(db.pool), gateway, addMinutes(NO_SHOW_AT, 30));
    const report = await later.core.settlement.run();
    expect(report.chargesSucceeded).toBe(1);
    const rows = await ledger(session.id);
    expect(rows).toMatchObject([{ attempt: 1, status: 'succeeded' }]);
    expect(new Set(gateway.instructions.map((i) => i.idempotencyKey))).toEqual(new Set([rows[0]!.idempotency_key]));
    expect(gateway.instructions).toHaveLength(2);
    expect(gateway.charges.size).toBe(1);
  });
});
