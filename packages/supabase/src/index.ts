/**
 * `@itutor/sessions-supabase`: the Supabase / PostgreSQL adapter of the iTutor Sessions SDK.
 *
 * - {@link createSqlAdapter}: repositories over a direct SQL connection (node-postgres `Pool`, PGlite).
 * - {@link createSupabaseAdapter}: the same repositories over a supabase-js client (service role).
 * - {@link createSupabaseAuthenticator}: Supabase access tokens → callers, for the core's HTTP handlers.
 * - {@link createSqlStripeEventStore} / {@link createSupabaseStripeEventStore}: the Stripe webhook handler's
 *   handled-events store on the table `stripe_events`.
 * - {@link createSqlOAuthStateStore} / {@link createSupabaseOAuthStateStore}: the video connect routes'
 *   used-OAuth-states store on the table `video_oauth_states`.
 * - The migrations live in `@itutor/sessions-supabase/migrations`.
 *
 * Both adapters call the same SQL functions, defined by the migrations; see the README.
 */
export { createSqlAdapter } from './sql';
export type { SupabaseSessionsAdapter } from './repositories';
export type { SqlAdapterOptions, SqlClient } from './sql';
export { createSupabaseAdapter } from './supabase';
export type { PostgrestErrorLike, SupabaseRpcClient } from './supabase';
export { createSupabaseAuthenticator } from './auth';
export { accessTokenFromCookieHeader, isSameOriginRequest, supabaseAuthCookieName, withSupabaseSessionCookie } from './cookie';
export type { SupabaseSessionCookieOptions } from './cookie';
export type { SupabaseAuthenticatorOptions } from './auth';
export { createSqlStripeEventStore, createSupabaseStripeEventStore } from './stripe-events';
export type { SupabaseStripeEventStore } from './stripe-events';
export { createSqlMeetSubscriptionStore, createSupabaseMeetSubscriptionStore } from './meet-subscriptions';
export type { SupabaseMeetSubscriptionRecord, SupabaseMeetSubscriptionStore } from './meet-subscriptions';
export { createSqlOAuthStateStore, createSupabaseOAuthStateStore } from './oauth-states';
export type { SupabaseOAuthStateStore } from './oauth-states';
