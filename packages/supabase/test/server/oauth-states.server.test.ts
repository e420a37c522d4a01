import { createHash } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createSqlOAuthStateStore } from '@itutor/sessions-supabase';
import { createServerDatabase } from '../support/db';
import { runOAuthStatesSuite } from '../support/oauth-states-suite';

// Each instance has its own pool on the server, as two server processes would.
runOAuthStatesSuite('the PostgreSQL server', async () => {
  const db = await createServerDatabase('oauth_states', { max: 10 });
  return {
    db,
    second: () => {
      const pool = new pg.Pool({ connectionString: db.url, max: 10 });
      pool.on('error', () => undefined);
      return pool;
    },
  };
});

describe('OAuth states on the PostgreSQL server: a flood of racing consumes from two pools', () => {
  it('50 states, each consumed 8 times at once over 2 × 10 connections: exactly one winner per state, one row each', async () => {
    const db = await createServerDatabase('oauth_states_race', { max: 10 });
    const other = new pg.Pool({ connectionString: db.url, max: 10 });
    other.on('error', () => undefined);
    try {
      const stores = [createSqlOAuthStateStore(db.pool), createSqlOAuthStateStore(other)];
      const now = new Date();
      const expires = new Date(now.getTime() + 600_000);
      const hashes = Array.from({ length: 50 }, (_, i) => createHash('sha256').update(`race-${i}`).digest('hex'));
      const results = await Promise.all(hashes.flatMap((h) => Array.from({ length: 8 }, async (_, i) => [h, await stores[i % 2]!.consume(h, expires, now)] as const)));
      for (const h of hashes) expect(results.filter(([x, won]) => x === h && won)).toHaveLength(1);
      const { rows } = await db.pool.query('select count(*)::int as n from public.video_oauth_states');
      expect(rows).toEqual([{ n: 50 }]);
    } finally {
      await other.end();
      await db.close();
    }
  });
});
