import { PGlite } from '@electric-sql/pglite';
import type { Clock, SessionsAdapter } from '@itutor/sessions-core';
import { createSqlAdapter } from '@itutor/sessions-supabase';
import { applyMigrations, applySupabaseBootstrap } from '@itutor/sessions-supabase/migrations';

/**
 * The demo's database: PGlite (real Postgres in WASM, in-process, in memory) with the Supabase
 * package's migrations applied unmodified, on top of the Supabase-compatible bootstrap (roles,
 * `auth.uid()`), exactly as a hosted project would have them. Nothing to install or start.
 *
 * `recordedAt` of events is the database's own `now()` (real time); business time (`occurredAt`) comes
 * from the simulated clock.
 */
export async function openDatabase(_clock: Clock): Promise<{ adapter: SessionsAdapter; kind: string; close(): Promise<void> }> {
  const db = await PGlite.create();
  await applySupabaseBootstrap(db);
  await applyMigrations(db);
  return { adapter: createSqlAdapter(db), kind: 'PGlite (embedded Postgres) with the Supabase migrations', close: () => db.close() };
}
