import { SessionError } from '@itutor/sessions-core';
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

/**
 * The error thrown when a repository function called through PostgREST fails: the core's `SessionError`
 * `STORAGE_FAILED`, with `details.functionName` (the function that failed), `details.providerCode` (the
 * PostgreSQL SQLSTATE or PostgREST code, e.g. `42501`, `PGRST202`), `details.providerDetails` and
 * `details.hint` as PostgREST gave them. The HTTP handlers answer it 500 without its message.
 */
export function storageFailed(functionName: string, error: PostgrestErrorLike): SessionError {
  return new SessionError('STORAGE_FAILED', `${functionName}: ${error.message}`, {
    functionName,
    ...(typeof error.code === 'string' ? { providerCode: error.code } : {}),
    providerDetails: error.details ?? null,
    hint: error.hint ?? null,
  });
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
