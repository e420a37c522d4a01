/**
 * `@itutor/sessions-supabase/migrations`: the package's SQL migrations as data, so hosts, PGlite and
 * tests all apply the same files. The SQL is inlined at build time; nothing reads the file system.
 *
 * On hosted Supabase, copy `supabase/migrations/*.sql` from the package into your project's
 * `supabase/migrations/` and deploy them with the Supabase CLI; `applyMigrations` is for plain
 * PostgreSQL, PGlite and tests.
 */
import { MIGRATION_FILES, SUPABASE_BOOTSTRAP_SQL } from './sql.generated';
import type { SqlClient } from './sql';

/** One migration file. */
export interface Migration {
  /** The file name, e.g. `20261201000100_itutor_sessions_schema.sql` (the Supabase CLI layout). */
  readonly name: string;
  /** The timestamp prefix, which the Supabase CLI records as the migration's version. */
  readonly version: string;
  /** The file's SQL, unmodified. */
  readonly sql: string;
}

/** Every migration of the package, oldest first. */
export const migrations: readonly Migration[] = Object.freeze(
  MIGRATION_FILES.map(({ file, sql }) => Object.freeze({ name: file, version: file.slice(0, 14), sql })),
);

/**
 * A client that can run a script of several statements: node-postgres runs a parameterless `query`
 * as a multi-statement script; PGlite needs `exec`, which is used when present.
 */
export interface ScriptClient extends SqlClient {
  exec?(sql: string): Promise<unknown>;
}

async function runScript(client: ScriptClient, sql: string): Promise<void> {
  if (typeof client.exec === 'function') await client.exec(sql);
  else await client.query(sql);
}

const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * Applies the migrations that are not applied yet, each atomically (one script, one transaction), and records them in
 * `supabase_migrations.schema_migrations` (the table the Supabase CLI keeps), so running it twice is
 * safe. Resolves to the names of the migrations it applied.
 *
 * For plain PostgreSQL it needs Supabase's roles and `auth.uid()` first: on a database that is not a
 * Supabase project, run {@link applySupabaseBootstrap} before it.
 */
export async function applyMigrations(client: ScriptClient): Promise<string[]> {
  await runScript(
    client,
    `create schema if not exists supabase_migrations;
     create table if not exists supabase_migrations.schema_migrations (version text primary key, statements text[], name text);`,
  );
  const { rows } = await client.query('select version from supabase_migrations.schema_migrations');
  const done = new Set((rows as Array<{ version: string }>).map((r) => r.version));
  const applied: string[] = [];
  for (const migration of migrations) {
    if (done.has(migration.version)) continue;
    const name = migration.name.slice(15, -4);
    await runScript(
      client,
      // One script is one implicit transaction (simple query protocol): all of it or none of it.
      `${migration.sql}\n;insert into supabase_migrations.schema_migrations (version, name) values (${quote(migration.version)}, ${quote(name)});`,
    );
    applied.push(migration.name);
  }
  return applied;
}

/**
 * The Supabase-compatible bootstrap for plain PostgreSQL and PGlite: the roles `anon`,
 * `authenticated`, `service_role`, the `auth` schema with `auth.uid()` / `auth.role()` / `auth.jwt()`
 * reading `request.jwt.claims`, a minimal `auth.users`, and hosted Supabase's default grants in
 * `public`. For local development, embedded use (PGlite) and tests only; a hosted Supabase project
 * already has all of it.
 */
export const supabaseBootstrapSql: string = SUPABASE_BOOTSTRAP_SQL;

/**
 * Runs {@link supabaseBootstrapSql}: for local and embedded (PGlite) databases only, before
 * {@link applyMigrations}. Safe to run more than once.
 *
 * ```ts
 * const db = await PGlite.create();
 * await applySupabaseBootstrap(db);
 * await applyMigrations(db);
 * const adapter = createSqlAdapter(db);
 * ```
 */
export async function applySupabaseBootstrap(client: ScriptClient): Promise<void> {
  await runScript(client, SUPABASE_BOOTSTRAP_SQL);
}
