import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { applyMigrations, applySupabaseBootstrap } from '@itutor/sessions-supabase/migrations';
import type { SqlClient } from '@itutor/sessions-supabase';

/** A database for one test file: bootstrap + migrations applied. */
export interface TestDatabase {
  /** Runs statements as the superuser (what the adapter and the raw reader use). */
  readonly client: SqlClient & { exec?(sql: string): Promise<unknown> };
  /** Runs `fn` in one transaction on one connection (for the PostgREST test gateway). */
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
  /** Empties every table (bypassing the append-only trigger, as only a test may). */
  reset(): Promise<void>;
  close(): Promise<void>;
  readonly kind: 'pglite' | 'server';
}

const RESET_SQL = `
  set local session_replication_role = replica;
  truncate public.session_attendance, public.session_chargebacks, public.session_payouts, public.session_disputes, public.session_refunds, public.session_charges, public.session_events, public.session_work, public.sessions, public.tutor_video_provider_connections, public.video_provider_meetings, public.stripe_events restart identity;
`;

/** A fresh in-process PGlite database. */
export async function createPgliteDatabase(): Promise<TestDatabase & { readonly db: PGlite }> {
  const db = await PGlite.create();
  await applySupabaseBootstrap(db);
  await applyMigrations(db);
  return {
    kind: 'pglite',
    db,
    client: db,
    transaction: (fn) => db.transaction((tx) => fn(tx)),
    reset: async () => {
      await db.exec(`begin; ${RESET_SQL} commit;`);
    },
    close: () => db.close(),
  };
}

/** The server URL from DATABASE_URL with another database name. */
export function serverUrl(database: string): string {
  const url = new URL(process.env.DATABASE_URL ?? '');
  url.pathname = `/${database}`;
  return url.toString();
}

/** A fresh database on the PostgreSQL server at DATABASE_URL, dropped again by `close`. */
export async function createServerDatabase(
  label: string,
  options: { max?: number } = {},
): Promise<TestDatabase & { readonly pool: pg.Pool; readonly url: string; readonly name: string }> {
  if (!process.env.DATABASE_URL) throw new Error('DATABASE_URL is not set');
  const name = `itutor_${label}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = serverUrl(name);
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10 });
  // An idle connection closed by the server (drop database ... with (force)) must not crash the run.
  pool.on('error', () => undefined);
  // pool.end() resolves before its sockets have closed; the forced drop in close() may then terminate a
  // client still ending, which emits 'error' on the client itself (57P01): that is teardown, not a failure.
  pool.on('connect', (client) => client.on('error', () => undefined));
  await applySupabaseBootstrap(pool);
  await applyMigrations(pool);
  return {
    kind: 'server',
    pool,
    url,
    name,
    client: pool,
    async transaction(fn) {
      const connection = await pool.connect();
      try {
        await connection.query('begin');
        const result = await fn(connection);
        await connection.query('commit');
        return result;
      } catch (error) {
        await connection.query('rollback').catch(() => undefined);
        throw error;
      } finally {
        connection.release();
      }
    },
    reset: async () => {
      await pool.query(RESET_SQL);
    },
    async close() {
      await pool.end();
      const drop = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await drop.connect();
      try {
        await drop.query(`drop database if exists ${name} with (force)`);
      } finally {
        await drop.end();
      }
    },
  };
}
