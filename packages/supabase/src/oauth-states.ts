import type { SqlClient } from './sql';
import { rpcCaller, sqlCaller, type FunctionCall } from './function-calls';
import type { SupabaseRpcClient } from './supabase';
import type { OAuthStateStore } from '@itutor/sessions-core/adapter';

/**
 * The video package's `OAuthStateStore` (what `videoConnectRoutes({ stateStore })` takes) on the
 * table `video_oauth_states` (schema file `20261201000300_itutor_video_providers.sql`): server-side only, RLS on,
 * no client access. Structurally an `OAuthStateStore`; this package does not depend on the video package.
 * Give every server instance a store over the same database: a state used on one is refused on all.
 *
 * Malformed input is refused with a `TypeError` before the database is called: a hash that is not 64
 * lowercase hex digits, an invalid `Date`.
 */
export interface SupabaseOAuthStateStore extends OAuthStateStore {
  /**
   * Records `stateHash` (the state's SHA-256, hex) as used: `true` for exactly one caller per hash (the
   * first), also when callbacks race on several instances (one `insert … on conflict do nothing`);
   * `false` for every later one, and for a state not live at `now` (`expiresAt <= now`, not recorded).
   */
  consume(stateHash: string, expiresAt: Date, now: Date): Promise<boolean>;
  /**
   * Forgets the states that expired at or before `before` and resolves to how many (one indexed
   * `delete`). A purged state is never accepted again: the connect routes refuse an expired attempt
   * before they ask the store. Run it from the cron tick with a margin for clocks that lag behind, e.g.
   * `purgeExpired(subHours(new Date(), 1))`.
   */
  purgeExpired(before: Date): Promise<number>;
}

const HASH = /^[0-9a-f]{64}$/;

/** The SQL functions of the migration, with their parameters in declaration order. */
const FUNCTIONS = {
  itutor_consume_oauth_state: [
    ['p_state_hash', 'text'],
    ['p_expires_at', 'timestamptz'],
    ['p_now', 'timestamptz'],
  ],
  itutor_purge_oauth_states: [['p_before', 'timestamptz']],
} as const satisfies Record<string, ReadonlyArray<readonly [string, 'text' | 'timestamptz']>>;

type Call = FunctionCall<typeof FUNCTIONS>;


function checkedDate(value: unknown, what: string): string {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new TypeError(`${what} must be a valid Date`);
  return value.toISOString();
}

function createOAuthStateStore(call: Call): SupabaseOAuthStateStore {
  return {
    async consume(stateHash, expiresAt, now) {
      if (typeof stateHash !== 'string' || !HASH.test(stateHash)) throw new TypeError('stateHash must be a SHA-256 as 64 lowercase hex digits');
      const args = { p_state_hash: stateHash, p_expires_at: checkedDate(expiresAt, 'expiresAt'), p_now: checkedDate(now, 'now') };
      const answer = await call('itutor_consume_oauth_state', args);
      if (typeof answer !== 'boolean') throw new Error('video_oauth_states: the database answered no boolean');
      return answer;
    },
    async purgeExpired(before) {
      const purged = Number(await call('itutor_purge_oauth_states', { p_before: checkedDate(before, 'before') }));
      if (!Number.isInteger(purged) || purged < 0) throw new Error('video_oauth_states: the database answered no count');
      return purged;
    },
  };
}

/**
 * The video package's `OAuthStateStore` over a direct SQL connection (node-postgres `Pool`, PGlite),
 * like `createSqlAdapter`. Connect as the table owner or a role with the service role's privileges; the
 * database needs this package's migrations (`video_oauth_states`).
 *
 * ```ts
 * const oauthStates = createSqlOAuthStateStore(pool);
 * const connect = videoConnectRoutes({ ...options, stateStore: oauthStates }); // a route plug-in of createSessionsHandler
 * // In the cron tick (core's cronJobs): forget expired states.
 * cronJobs: { oauthStates: () => oauthStates.purgeExpired(subHours(new Date(), 1)) }
 * ```
 */
export function createSqlOAuthStateStore(client: SqlClient): SupabaseOAuthStateStore {
  return createOAuthStateStore(sqlCaller(FUNCTIONS, client));
}

/**
 * The video package's `OAuthStateStore` over a supabase-js client with the **service role** key, like
 * `createSupabaseAdapter` (one `rpc` call per method; failures throw the core's `SessionError` `STORAGE_FAILED`).
 */
export function createSupabaseOAuthStateStore(client: SupabaseRpcClient): SupabaseOAuthStateStore {
  return createOAuthStateStore(rpcCaller<typeof FUNCTIONS>(client));
}
