/**
 * Which backend the example runs on, decided per server process from the environment:
 *
 * - **`supabase`** (production): hosted Supabase for data (supabase-js, service role) and Supabase Auth
 *   for sign-in. Selected when `DATABASE_URL` is not set. This is the mode to deploy.
 * - **`local`** (development only): `DATABASE_URL` names a PostgreSQL database that the example sets up
 *   itself (the SDK's migrations, a `bookings` table, a few seeded people), the SQL adapter over
 *   node-postgres, a development sign-in cookie, a fake video provider and a fake payment gateway.
 *   Refused on Vercel and in production builds unless `ITUTOR_DEV_MODE=1` (see `lib/env.ts`).
 */
export type SessionsMode = 'supabase' | 'local';

export function sessionsMode(env: NodeJS.ProcessEnv = process.env): SessionsMode {
  return env.DATABASE_URL?.trim() ? 'local' : 'supabase';
}
