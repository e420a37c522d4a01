import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { applyMigrations, applySupabaseBootstrap, migrations, supabaseBootstrapSql } from '@itutor/sessions-supabase/migrations';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

describe('migrations export', () => {
  it('embeds the files of supabase/migrations unmodified, in order', () => {
    const files = readdirSync(here('../supabase/migrations')).filter((f) => f.endsWith('.sql')).sort();
    expect(migrations.map((m) => m.name)).toEqual(files);
    for (const m of migrations) {
      expect(m.sql).toBe(readFileSync(here(`../supabase/migrations/${m.name}`), 'utf8'));
      expect(m.version).toMatch(/^\d{14}$/);
    }
    expect(supabaseBootstrapSql).toBe(readFileSync(here('./support/supabase-bootstrap.sql'), 'utf8'));
    execFileSync(process.execPath, [here('../scripts/embed-sql.mjs'), '--check']);
  });

  it('applyMigrations applies each once and records it where the Supabase CLI does', async () => {
    const db = await PGlite.create();
    try {
      await applySupabaseBootstrap(db);
      await applySupabaseBootstrap(db);
      expect(await applyMigrations(db)).toEqual(migrations.map((m) => m.name));
      expect(await applyMigrations(db)).toEqual([]);
      const { rows } = await db.query<{ version: string }>('select version from supabase_migrations.schema_migrations order by version');
      expect(rows.map((r) => r.version)).toEqual(migrations.map((m) => m.version));
      const { rows: rls } = await db.query<{ relname: string; relrowsecurity: boolean }>(
        `select relname, relrowsecurity from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r' order by relname`,
      );
      expect(rls).toEqual([
        { relname: 'session_events', relrowsecurity: true },
        { relname: 'sessions', relrowsecurity: true },
        { relname: 'tutor_video_provider_connections', relrowsecurity: true },
      ]);
    } finally {
      await db.close();
    }
  });

  it('a failing migration leaves nothing behind', async () => {
    const db = await PGlite.create();
    try {
      // Without the bootstrap the roles are missing: the first migration fails as a whole.
      await expect(applyMigrations(db)).rejects.toThrow(/role .* does not exist|does not exist/);
      const { rows } = await db.query(`select 1 from pg_class where relname = 'sessions'`);
      expect(rows).toEqual([]);
      const { rows: recorded } = await db.query('select * from supabase_migrations.schema_migrations');
      expect(recorded).toEqual([]);
    } finally {
      await db.close();
    }
  });
});
