import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import {
  createSqlAdapter,
  createSqlOAuthStateStore,
  createSqlStripeEventStore,
  type SupabaseOAuthStateStore,
  type SupabaseSessionsAdapter,
  type SupabaseStripeEventStore,
} from '@itutor/sessions-supabase';
import { applyMigrations, applySupabaseBootstrap, migrations, supabaseBootstrapSql } from '@itutor/sessions-supabase/migrations';

export interface DemoDatabase {
  readonly adapter: SupabaseSessionsAdapter;
  /** The webhook's handled-events store (the Supabase package's `stripe_events` table). */
  readonly stripeEvents: SupabaseStripeEventStore;
  /** The connect routes' used OAuth states (the Supabase package's `video_oauth_states` table). */
  readonly oauthStates: SupabaseOAuthStateStore;
  readonly kind: string;
  /** How the database was made: from the cached snapshot, or created and migrated now. */
  readonly source: 'snapshot' | 'migrated';
  close(): Promise<void>;
}

/** The migrated, empty database's snapshot file for this exact SQL (bootstrap and every migration). */
export function snapshotFile(dir: string): string {
  const hash = createHash('sha256').update(supabaseBootstrapSql);
  for (const m of migrations) hash.update(`\0${m.name}\0${m.sql}`);
  return join(dir, `pgdata-${hash.digest('hex').slice(0, 16)}.tar`);
}

async function openFromSnapshot(file: string): Promise<PGlite | null> {
  let tarball: Buffer;
  try {
    tarball = readFileSync(file);
  } catch {
    return null;
  }
  try {
    const db = await PGlite.create({ loadDataDir: new Blob([tarball as Uint8Array<ArrayBuffer>]) });
    return db;
  } catch {
    return null; // written by another PGlite (Postgres) version, or damaged: migrate afresh
  }
}

/**
 * The demo's database: PGlite (real Postgres in WASM, in-process, in memory) with the Supabase
 * package's migrations applied unmodified, on top of the Supabase-compatible bootstrap (roles,
 * `auth.uid()`), exactly as a hosted project would have them. Nothing to install or start.
 *
 * Creating a Postgres cluster and migrating it takes PGlite several seconds; with `snapshotDir`, the
 * migrated, still empty database is saved there once (`dumpDataDir`) and later starts load it instead
 * (`loadDataDir`). The file name is a hash of the SQL, so a changed migration makes a new snapshot.
 * `applyMigrations` runs in both cases (a no-op on an up-to-date snapshot).
 *
 * `recordedAt` of events is the database's own `now()` (real time); business time (`occurredAt`) comes
 * from the simulated clock.
 */
export async function openDatabase(options: { snapshotDir?: string } = {}): Promise<DemoDatabase> {
  const file = options.snapshotDir ? snapshotFile(options.snapshotDir) : null;
  let db = file ? await openFromSnapshot(file) : null;
  const source = db ? 'snapshot' : 'migrated';
  if (!db) {
    db = await PGlite.create();
    await applySupabaseBootstrap(db);
  }
  await applyMigrations(db);
  if (file && source === 'migrated') {
    const dump = await db.dumpDataDir('none');
    mkdirSync(options.snapshotDir!, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, new Uint8Array(await dump.arrayBuffer()));
    renameSync(tmp, file); // atomic: a second demo starting now reads the old file or the whole new one
  }
  const opened = db;
  return {
    adapter: createSqlAdapter(opened),
    stripeEvents: createSqlStripeEventStore(opened),
    oauthStates: createSqlOAuthStateStore(opened),
    kind: 'PGlite (embedded Postgres) with the Supabase migrations',
    source,
    close: () => opened.close(),
  };
}
