import { describe, expect, it } from 'vitest';
import { createSqlMeetSubscriptionStore } from '@itutor/sessions-supabase';
import { createServerDatabase } from '../support/db';
import { runMeetSubscriptionsSuite } from '../support/meet-subscriptions-suite';

runMeetSubscriptionsSuite('the PostgreSQL server', () => createServerDatabase('meet_subscriptions'));

const BASE = Date.UTC(2030, 2, 1, 10);
const record = (space: string, i: number) => ({
  space,
  tutorId: `tutor-${i}`,
  subscription: i % 4 === 0 ? null : `subscriptions/${space.slice('spaces/'.length)}_${i}`,
  expireTime: new Date(BASE + i * 60_000),
  keepUntil: new Date(BASE + 7 * 24 * 3600_000 + i),
});

describe('Meet subscriptions on the PostgreSQL server, concurrently and at scale', () => {
  it('a flood of racing saves over 20 connections: no save fails, one row per space, each a whole saved record', async () => {
    const db = await createServerDatabase('meet_subscriptions_race', { max: 20 });
    try {
      const store = createSqlMeetSubscriptionStore(db.pool);
      const spaces = Array.from({ length: 40 }, (_, i) => `spaces/race${i}`);
      // Every space's first save races others of the same space (the insert-or-update path), 8 each.
      const saved = spaces.flatMap((space) => Array.from({ length: 8 }, (_, i) => record(space, i)));
      const shuffled = saved.map((r, i) => [(i * 7919) % saved.length, r] as const).sort((a, b) => a[0] - b[0]).map(([, r]) => r);
      const results = await Promise.allSettled(shuffled.map((r) => store.save(r)));
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      const { rows } = await db.pool.query('select count(*)::int as n from public.meet_subscriptions');
      expect(rows).toEqual([{ n: spaces.length }]);
      for (const space of spaces) {
        const stored = await store.findBySpace(space);
        expect(saved.filter((r) => r.space === space)).toContainEqual(stored);
        if (stored!.subscription) expect(await store.findBySubscription(stored!.subscription)).toEqual(stored);
      }
    } finally {
      await db.close();
    }
  });

  it('listExpiring reads the expire_time index, stops at the limit, and never scans the table', async () => {
    const db = await createServerDatabase('meet_subscriptions_index', { max: 2 });
    try {
      await db.pool.query(
        `insert into public.meet_subscriptions (space, tutor_id, subscription, expire_time, keep_until)
         select 'spaces/s' || i, 'tutor-' || (i % 50), 'subscriptions/s' || i,
                $1::timestamptz + ((i * 7919) % 20000) * interval '1 minute', $1::timestamptz + interval '30 days'
         from generate_series(1, 20000) as i`,
        [new Date(BASE).toISOString()],
      );
      await db.pool.query('analyze public.meet_subscriptions');
      const connection = await db.pool.connect();
      try {
        // The backend's scan counters, before and after. On PostgreSQL 15 the pg_stat_get_xact_* functions
        // also count this connection's earlier transactions whose statistics are not flushed yet (the
        // insert and ANALYZE above may have run on it), so the figure is the difference.
        const counters = async () =>
          (
            await connection.query<{ index_scans: number; index_entries: number; table_scans: number }>(
              `select pg_stat_get_xact_numscans('public.meet_subscriptions_expire_time_idx'::regclass)::int as index_scans,
                      pg_stat_get_xact_tuples_returned('public.meet_subscriptions_expire_time_idx'::regclass)::int as index_entries,
                      pg_stat_get_xact_numscans('public.meet_subscriptions'::regclass)::int as table_scans`,
            )
          ).rows[0]!;
        await connection.query('begin');
        const before = await counters();
        await connection.query(`select set_config('role', 'service_role', true)`);
        const store = createSqlMeetSubscriptionStore(connection);
        const list = await store.listExpiring(new Date(BASE + 19_000 * 60_000), 25);
        expect(list).toHaveLength(25);
        expect(list.map((r) => r.expireTime.getTime())).toEqual(Array.from({ length: 25 }, (_, i) => BASE + i * 60_000));
        await connection.query('reset role');
        const after = await counters();
        const used = {
          index_scans: after.index_scans - before.index_scans,
          index_entries: after.index_entries - before.index_entries,
          table_scans: after.table_scans - before.table_scans,
        };
        expect(used).toMatchObject({ index_scans: 1, table_scans: 0 });
        // Bounded by the limit: about 25 index entries read of 20 000 (not the ~19 000 before `before`).
        expect(used.index_entries).toBeLessThanOrEqual(26);
        await connection.query('rollback');
      } finally {
        connection.release();
      }
    } finally {
      await db.close();
    }
  });
});
