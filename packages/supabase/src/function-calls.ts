import type { SqlClient } from './sql';
import { storageFailed, type SupabaseRpcClient } from './supabase';

/** The SQL types of the functions' parameters. */
export type SqlParamType = 'jsonb' | 'text' | 'integer' | 'timestamptz' | 'uuid' | 'boolean';

/** A set of database functions with their parameters in declaration order. */
export type FunctionTable = Readonly<Record<string, ReadonlyArray<readonly [param: string, type: SqlParamType]>>>;

/** Calls one of `T`'s functions with named arguments and resolves to its result (`null` for none). */
export type FunctionCall<T extends FunctionTable> = (name: keyof T & string, args: Readonly<Record<string, unknown>>) => Promise<unknown>;

const CAST: Record<SqlParamType, string> = { jsonb: '::text::jsonb', text: '::text', integer: '::integer', timestamptz: '::timestamptz', uuid: '::uuid', boolean: '::boolean' };

/** `select public.fn(p_a => $1::text, ...) as result` per function, built once per table. */
const statementsByTable = new WeakMap<FunctionTable, Record<string, string>>();

function statementsOf(functions: FunctionTable): Record<string, string> {
  let statements = statementsByTable.get(functions);
  if (!statements) {
    statements = Object.fromEntries(
      Object.entries(functions).map(([name, params]) => [
        name,
        `select public.${name}(${params.map(([param, type], i) => `${param} => $${i + 1}${CAST[type]}`).join(', ')}) as result`,
      ]),
    );
    statementsByTable.set(functions, statements);
  }
  return statements;
}

/**
 * Calls `functions` with plain SQL over `client` (node-postgres, PGlite): one statement per call, the
 * arguments bound as parameters (jsonb travels as its JSON text: the same bytes for both clients).
 */
export function sqlCaller<T extends FunctionTable>(functions: T, client: SqlClient): FunctionCall<T> {
  const statements = statementsOf(functions);
  return async (name, args) => {
    const params = functions[name]!.map(([param, type]) => {
      const value = args[param];
      if (value === null || value === undefined) return null;
      return type === 'jsonb' ? JSON.stringify(value) : value;
    });
    const { rows } = await client.query(statements[name]!, params);
    const row = rows[0] as { result?: unknown } | undefined;
    return row?.result ?? null;
  };
}

/** Calls the functions through PostgREST (`POST /rest/v1/rpc/<fn>`, supabase-js `rpc`). */
export function rpcCaller<T extends FunctionTable>(client: SupabaseRpcClient): FunctionCall<T> {
  return async (name, args) => {
    const { data, error } = await client.rpc(name, args);
    if (error) throw storageFailed(name, error);
    return data ?? null;
  };
}
