import { sqlCaller } from './function-calls';
import { REPOSITORY_FUNCTIONS, type CallRepositoryFunction } from './functions';
import { createRepositories, type SupabaseSessionsAdapter } from './repositories';

/**
 * The one thing the SQL adapter needs from a database client: run a statement with `$1, $2, ...`
 * parameters and return its rows. A node-postgres `Pool` or `Client` and a PGlite instance fit as they
 * are; the package imports neither.
 */
export interface SqlClient {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** Calls the repository functions with plain SQL over `client`. */
export function sqlFunctionCaller(client: SqlClient): CallRepositoryFunction {
  return sqlCaller(REPOSITORY_FUNCTIONS, client);
}

/** Options of {@link createSqlAdapter}. */
export interface SqlAdapterOptions {
  /**
   * How a write that only records charge answers commits. `'async'`: without waiting for the WAL flush
   * (`synchronous_commit = off` for that one statement's transaction), one disk flush less per answer;
   * an answer lost in a server crash leaves its attempt pending, and the settlement's retry asks the
   * gateway again under the same idempotency key (no second charge). `'durable'`: every write waits
   * for the flush. Default: `'async'` for a node-postgres `Pool` (every query is its own transaction),
   * `'durable'` for any other client (a `Client` its owner may also use inside BEGIN … COMMIT, where the
   * setting would cover the owner's writes too). Writes that open an attempt or touch a refund are
   * always durable.
   */
  readonly chargeAnswerCommit?: 'async' | 'durable';
}

/** A node-postgres `Pool`: each `query` checks a connection out for that one statement. */
const isNodePostgresPool = (client: SqlClient): boolean => {
  const c = client as unknown as Record<string, unknown>;
  return typeof c.connect === 'function' && typeof c.totalCount === 'number' && typeof c.idleCount === 'number' && typeof c.waitingCount === 'number';
};

/**
 * The adapter over a direct SQL connection: a node-postgres `Pool` (server-side, several connections
 * for concurrent settlement workers) or a PGlite instance (embedded, in-process). The database must
 * have this package's migrations applied (see `@itutor/sessions-supabase/migrations`).
 *
 * Every repository method is one statement calling one of the migration's functions, so each state
 * change (compare-and-set plus its audit events) is atomic and one round trip; a batch of writes is
 * one round trip too. Connect as the table owner or a role with the service role's privileges. Over a
 * `Pool`, writes that only record charge answers commit without waiting for the disk flush (see
 * {@link SqlAdapterOptions.chargeAnswerCommit}).
 *
 * ```ts
 * import { Pool } from 'pg';
 * const adapter = createSqlAdapter(new Pool({ connectionString: process.env.DATABASE_URL }));
 * const core = createSessionsCore({ adapter, videoProvider, paymentGateway });
 * ```
 */
export function createSqlAdapter(client: SqlClient, options: SqlAdapterOptions = {}): SupabaseSessionsAdapter {
  const commit = options.chargeAnswerCommit ?? (isNodePostgresPool(client) ? 'async' : 'durable');
  if (commit !== 'async' && commit !== 'durable') {
    throw new TypeError(`createSqlAdapter: chargeAnswerCommit must be 'async' or 'durable', got ${JSON.stringify(commit)}`);
  }
  return createRepositories(sqlFunctionCaller(client), { asyncChargeAnswers: commit === 'async' });
}
