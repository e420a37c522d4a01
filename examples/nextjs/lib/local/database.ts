import 'server-only';
import { applyMigrations, applySupabaseBootstrap } from '@itutor/sessions-supabase/migrations';
import { Pool } from 'pg';
import { DEV_PEOPLE } from './people';

/*
 * LOCAL DEVELOPMENT MODE ONLY. Sets up the database named by DATABASE_URL the way a Supabase project
 * would look: Supabase's roles and `auth` schema (the package's bootstrap — a hosted project has them
 * already), the SDK's migrations, unmodified, and this host app's own `bookings` table (the same shape as
 * the one the README asks Supabase users to create). Then it seeds the people of `people.ts`.
 * Every step is idempotent, and runs under an advisory lock so two server processes never race.
 */

/** The host's bookings table (not part of the SDK): the source of truth for who, when and how much. */
const BOOKINGS_DDL = `
create table if not exists public.bookings (
  id                 uuid primary key default gen_random_uuid(),
  tutor_id           uuid not null references auth.users (id),
  student_id         uuid not null references auth.users (id),
  status             text not null,
  scheduled_start_at timestamptz not null,
  duration_minutes   integer not null check (duration_minutes between 1 and 1440),
  price_ttd          numeric(12,2) not null check (price_ttd >= 0),
  created_at         timestamptz not null default now()
);
alter table public.bookings enable row level security;
revoke all on public.bookings from anon, authenticated;
`;

const SETUP_LOCK = 'itutor-example-nextjs-setup';

/** Opens a pool on `databaseUrl` and makes sure the schema and the seeded people are there. */
export async function openLocalDatabase(databaseUrl: string): Promise<Pool> {
  const pool = new Pool({ connectionString: databaseUrl, max: 5 });
  pool.on('error', (error) => console.error('[itutor local] idle database connection failed', error));
  const client = await pool.connect();
  let ready = false;
  try {
    await client.query('select pg_advisory_lock(hashtext($1))', [SETUP_LOCK]);
    await applySupabaseBootstrap(client);
    const applied = await applyMigrations(client);
    if (applied.length > 0) console.info(`[itutor local] applied migrations: ${applied.join(', ')}`);
    await client.query(BOOKINGS_DDL);
    for (const person of DEV_PEOPLE) {
      await client.query('insert into auth.users (id, email) values ($1, $2) on conflict (id) do nothing', [
        person.id,
        `${person.name.toLowerCase()}@dev.example`,
      ]);
    }
    await client.query('select pg_advisory_unlock(hashtext($1))', [SETUP_LOCK]);
    ready = true;
  } finally {
    // On failure the connection is destroyed (which also drops the advisory lock) and the pool closed.
    client.release(!ready);
    if (!ready) await pool.end();
  }
  return pool;
}
