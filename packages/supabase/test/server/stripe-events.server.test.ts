import { describe, expect, it } from 'vitest';
import { createSqlStripeEventStore } from '@itutor/sessions-supabase';
import { createServerDatabase } from '../support/db';
import { runStripeEventsSuite } from '../support/stripe-events-suite';

runStripeEventsSuite('the PostgreSQL server', () => createServerDatabase('stripe_events'));

describe('Stripe webhook events on the PostgreSQL server, concurrently', () => {
  it('a flood of racing deliveries over 20 connections: exactly one remember per event id wins', async () => {
    const db = await createServerDatabase('stripe_events_race', { max: 20 });
    try {
      const events = createSqlStripeEventStore(db.pool);
      const ids = Array.from({ length: 50 }, (_, i) => `evt_race_${i}`);
      const results = await Promise.all(ids.flatMap((id) => Array.from({ length: 8 }, async () => [id, await events.remember(id)] as const)));
      const winners = new Map<string, number>();
      for (const [id, won] of results) if (won) winners.set(id, (winners.get(id) ?? 0) + 1);
      expect([...winners.values()].every((n) => n === 1)).toBe(true);
      expect(winners.size).toBe(ids.length);
      const { rows } = await db.pool.query('select count(*)::int as n from public.stripe_events');
      expect(rows).toEqual([{ n: 50 }]);
    } finally {
      await db.close();
    }
  });
});
