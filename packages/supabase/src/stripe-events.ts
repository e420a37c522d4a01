import type { CallRepositoryFunction } from './functions';
import { sqlFunctionCaller, type SqlClient } from './sql';
import { supabaseFunctionCaller, type SupabaseRpcClient } from './supabase';
import type { StripeEventStore } from '@itutor/sessions-core/adapter';

/**
 * The handled-events store of `@itutor/sessions-stripe`'s webhook handler (its `StripeEventStore`) on the
 * table `stripe_events` (schema file `20261201000500_itutor_stripe_events.sql`): server-side only, RLS on, no
 * client access. Structurally a `StripeEventStore`; this package does not depend on the Stripe package.
 */
export interface SupabaseStripeEventStore extends StripeEventStore {
  /**
   * Records `eventId` as handled: `true` for exactly one caller per id (the first), `false` for every
   * other — also when two deliveries race (one `insert … on conflict do nothing`).
   */
  remember(eventId: string): Promise<boolean>;
  /** Removes `eventId` again (its handling failed), so Stripe's next delivery of it is handled. */
  forget(eventId: string): Promise<void>;
  /**
   * Forgets events first handled before `before` and resolves to how many. Stripe retries a delivery for
   * up to three days: prune with a margin, e.g. rows older than a week, from a daily job.
   */
  forgetBefore(before: Date): Promise<number>;
}

function checkedEventId(eventId: unknown): string {
  if (typeof eventId !== 'string' || eventId.length === 0 || eventId.length > 255) {
    throw new TypeError('A Stripe event id must be a string of 1 to 255 characters');
  }
  return eventId;
}

function createStripeEventStore(call: CallRepositoryFunction): SupabaseStripeEventStore {
  return {
    async remember(eventId) {
      return (await call('itutor_remember_stripe_event', { p_event_id: checkedEventId(eventId) })) === true;
    },
    async forget(eventId) {
      await call('itutor_forget_stripe_event', { p_event_id: checkedEventId(eventId) });
    },
    async forgetBefore(before) {
      if (!(before instanceof Date) || Number.isNaN(before.getTime())) throw new TypeError('before must be a valid Date');
      return Number(await call('itutor_forget_stripe_events_before', { p_before: before.toISOString() }));
    },
  };
}

/**
 * The Stripe handled-events store over a direct SQL connection (node-postgres `Pool`, PGlite), like
 * `createSqlAdapter`. Connect as the table owner or a role with the service role's privileges.
 *
 * ```ts
 * const events = createSqlStripeEventStore(pool);
 * const stripeWebhook = stripeWebhookRoutes({ stripe, webhookSecret, events, recorder }); // in createSessionsHandler({ routes })
 * ```
 */
export function createSqlStripeEventStore(client: SqlClient): SupabaseStripeEventStore {
  return createStripeEventStore(sqlFunctionCaller(client));
}

/**
 * The Stripe handled-events store over a supabase-js client with the **service role** key, like
 * `createSupabaseAdapter` (one `rpc` call per method).
 */
export function createSupabaseStripeEventStore(client: SupabaseRpcClient): SupabaseStripeEventStore {
  return createStripeEventStore(supabaseFunctionCaller(client));
}
