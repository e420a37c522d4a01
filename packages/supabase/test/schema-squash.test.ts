import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { applyMigrations, applySupabaseBootstrap, migrations } from '@itutor/sessions-supabase/migrations';
import { applyIntendedDifferences, catalogSnapshot, fixtureChain, INTENDED_DIFFERENCES, topLevelStatements } from './support/schema-squash';

/**
 * The first-release schema is the schema the 2026-12-07 migration chain built, followed by the third
 * release's outcomes delta (catalog comparison on PGlite; the PostgreSQL server test compares pg_dump
 * output): functions, constraints, indexes, triggers, policies, privileges, columns, storage options and
 * comments, except the listed intended differences. The six files are edited in place while unreleased;
 * the delta in the fixture directory says what such an edit changed, as a released package would ship it.
 */
describe('the squashed schema', () => {
  it('is at most six files by concern, named <timestamp>_itutor_<concern>.sql', () => {
    expect(migrations.length).toBeLessThanOrEqual(6);
    for (const m of migrations) expect(m.name).toMatch(/^2026120100\d{4}_itutor_[a-z_]+\.sql$/);
  });

  it('defines each function, trigger, policy, index and table once, with no data fix-ups and no redefinitions', () => {
    const all = migrations.map((m) => m.sql).join('\n');
    const names = (re: RegExp) => [...all.matchAll(re)].map((m) => m[1]!);
    const once = (list: string[]) => list.filter((name, i) => list.indexOf(name) !== i);
    expect(names(/^create\s+(?:or\s+replace\s+)?function\s+public\.(\w+)/gim).length).toBeGreaterThan(50);
    expect(once(names(/^create\s+(?:or\s+replace\s+)?function\s+public\.(\w+)/gim))).toEqual([]);
    expect(once(names(/^create\s+(?:constraint\s+)?trigger\s+(\w+)/gim))).toEqual([]);
    expect(once(names(/^create\s+(?:unique\s+)?index\s+(\w+)/gim))).toEqual([]);
    expect(once(names(/^create\s+policy\s+"([^"]+)"/gim))).toEqual([]);
    expect(once(names(/^create\s+table\s+public\.(\w+)/gim))).toEqual([]);
    // Every top-level statement creates, comments on, grants or revokes, or enables row-level security:
    // nothing is replaced, renamed, dropped or altered after the fact, and no statement writes or reads
    // rows (no data fix-ups).
    const statements = migrations.flatMap((m) => topLevelStatements(m.sql));
    expect(statements.length).toBeGreaterThan(200);
    const other = statements.filter(
      (s) => !/^(?:create (?:function|table|(?:unique )?index|(?:constraint )?trigger|policy) |comment on |grant |revoke |alter table public\.\w+ enable row level security$)/.test(s),
    );
    expect(other).toEqual([]);
  });

  it('matches the 2026-12-07 chain plus the third release\'s outcomes delta on the catalog, except the intended differences', async () => {
    const chain = await PGlite.create();
    const squashed = await PGlite.create();
    try {
      await applySupabaseBootstrap(chain);
      // The 18 files of the chain, then the third release's delta, last.
      const files = fixtureChain();
      expect(files.map((f) => f.name)).toHaveLength(19);
      expect(files.at(-1)?.name).toBe('20261207000400_itutor_third_release_outcomes.sql');
      for (const file of files) await chain.exec(file.sql);
      await applySupabaseBootstrap(squashed);
      await applyMigrations(squashed);
      const before = await catalogSnapshot(chain);
      const after = await catalogSnapshot(squashed);
      expect(before.split('\n').length).toBeGreaterThan(300);
      // The differences are real (the chain still has them) and are the only ones.
      expect(after).not.toBe(before);
      expect(after).toBe(applyIntendedDifferences(before, 'catalog'));
      expect(INTENDED_DIFFERENCES.length).toBe(6);
    } finally {
      await chain.close();
      await squashed.close();
    }
  });
});
