import { rpcCaller } from './function-calls';
import type { CallRepositoryFunction, REPOSITORY_FUNCTIONS } from './functions';
import { createRepositories, type SupabaseSessionsAdapter } from './repositories';

/** An error PostgREST reported through supabase-js. */
export interface PostgrestErrorLike {
  readonly message: string;
  readonly code?: string;
  readonly details?: string | null;
  readonly hint?: string | null;
}

/**
 * The part of a supabase-js client the adapter uses: `rpc`. A `SupabaseClient` from
 * `createClient(url, serviceRoleKey)` fits; the package does not import supabase-js at runtime.
 */
export interface SupabaseRpcClient {
  // Method syntax on purpose: supabase-js declares `rpc` with generic, schema-typed parameters.
  rpc(fn: string, args?: object): PromiseLike<{ data: unknown; error: PostgrestErrorLike | null }>;
}

/** Raised when a repository function called through PostgREST fails; carries PostgREST's error. */
export class SupabaseRpcError extends Error {
  override readonly name = 'SupabaseRpcError';
  /** The PostgreSQL SQLSTATE or PostgREST error code (e.g. `42501`, `PGRST202`). */
  readonly code: string | undefined;
  readonly details: string | null;
  readonly hint: string | null;
  /** The function that failed. */
  readonly functionName: string;

  constructor(functionName: string, error: PostgrestErrorLike) {
    super(`${functionName}: ${error.message}`);
    this.functionName = functionName;
    this.code = error.code;
    this.details = error.details ?? null;
    this.hint = error.hint ?? null;
  }
}

/** Calls the repository functions through PostgREST (`POST /rest/v1/rpc/<fn>`). */
export function supabaseFunctionCaller(client: SupabaseRpcClient): CallRepositoryFunction {
  return rpcCaller<typeof REPOSITORY_FUNCTIONS>(client);
}

/**
 * The adapter over a supabase-js client, for server-side use with the **service role** key (the
 * repository functions are executable by `service_role` only; never ship that key to a browser).
 * Every repository method is one `rpc` call, so each state change is atomic and one round trip.
 *
 * ```ts
 * import { createClient } from '@supabase/supabase-js';
 * const supabase = createClient(process.env.SUPABASE_URL!, process.env.SUPABASE_SERVICE_ROLE_KEY!, {
 *   auth: { persistSession: false },
 * });
 * const adapter = createSupabaseAdapter(supabase);
 * ```
 */
export function createSupabaseAdapter(client: SupabaseRpcClient): SupabaseSessionsAdapter {
  return createRepositories(supabaseFunctionCaller(client));
}
