import { afterAll, describe, expect, it } from 'vitest';
import { transition } from '@itutor/sessions-core/adapter';
import { buildSession } from '@itutor/sessions-core/testing';
import { createSqlAdapter } from '@itutor/sessions-supabase';
import { createPgliteDatabase } from './support/db';

/**
 * The claim builds its rows with its own column list (plain json, for speed) instead of to_jsonb:
 * that list must name every column of public.sessions, and a claimed session must read back exactly as
 * the adapter's other reads return it.
 */
const database = createPgliteDatabase();
afterAll(async () => (await database).close());

describe('the claim row builder', () => {
  it('names exactly the columns of public.sessions', async () => {
    const { client } = await database;
    const { rows } = await client.query(
      `select (select array_agg(k order by k) from json_object_keys(public.itutor_session_row_json(null::public.sessions)) as k) as keys,
              (select array_agg(a.attname::text order by a.attname::text) from pg_attribute as a
               where a.attrelid = 'public.sessions'::regclass and a.attnum > 0 and not a.attisdropped) as columns`,
    );
    const { keys, columns } = rows[0] as { keys: string[]; columns: string[] };
    expect(keys).toEqual(columns);
  });

  it('a claimed session equals the same session read by id, every field (settled ones too)', async () => {
    const { client } = await database;
    const adapter = createSqlAdapter(client);
    const start = new Date('2026-04-01T10:00:00.000Z');
    const due = buildSession({ bookingId: 'claim-json-due', scheduledStartAt: start, priceMinor: 15_001 });
    const paid = buildSession({ bookingId: 'claim-json-paid', scheduledStartAt: new Date('2026-04-01T08:00:00.000Z'), priceMinor: 999_999_999_999 });
    await adapter.sessions.insert(due, []);
    await adapter.sessions.insert(paid, []);
    const settled = transition(paid, { type: 'SETTLE' }, paid.scheduledEndAt);
    if (!settled.ok) throw settled.error;
    await adapter.sessions.applyWrites([{ expectedVersion: 1, next: settled.session, events: settled.events, ledger: settled.ledger }]);
    const now = new Date('2026-04-01T12:00:00.000Z');
    const claimed = await adapter.sessions.claimForSettlement({ now, limit: 10, claimUntil: new Date('2026-04-01T12:05:00.000Z') });
    expect(claimed.map((s) => s.bookingId)).toEqual(['claim-json-due', 'claim-json-paid']);
    for (const s of claimed) expect(s).toEqual(await adapter.sessions.findById(s.id));
    expect(claimed[1]).toMatchObject({ chargeAmountMinor: 999_999_999_999, payoutAmountMinor: 899_999_999_999, platformFeeMinor: 100_000_000_000 });
  });
});
