/**
 * Where the webhook handler remembers which Stripe events it has handled, so a replayed or duplicated
 * delivery (Stripe delivers at least once, and retries for days) is handled once — also after a restart,
 * when the store is a database table. The port is the core's (`@itutor/sessions-core/adapter`), defined
 * once so adapters implement it without depending on this package.
 *
 * `@itutor/sessions-supabase` implements it on Supabase / PostgreSQL (`createSupabaseStripeEventStore`,
 * `createSqlStripeEventStore`, table `stripe_events`). Elsewhere a database implementation needs one table,
 * for example (PostgreSQL, service role only):
 *
 * ```sql
 * create table stripe_events (event_id text primary key, received_at timestamptz not null default now());
 * -- remember: insert into stripe_events (event_id) values ($1) on conflict do nothing returning event_id
 * -- forget:   delete from stripe_events where event_id = $1
 * ```
 *
 * and may delete rows older than Stripe's retry window (3 days) plus a margin.
 */
export type { StripeEventStore } from '@itutor/sessions-core/adapter';
