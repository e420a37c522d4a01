import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { migrations, supabaseBootstrapSql } from '@itutor/sessions-supabase/migrations';
import { serverUrl } from '../support/db';
import { applyIntendedDifferences, fixtureChain, normaliseDump } from '../support/schema-squash';

/**
 * The first-release schema (six files) against the chain it replaces followed by the third release's
 * outcomes delta (test/fixtures/migration-chain-2026-12-07, see test/support/schema-squash.ts):
 * each applied to a fresh database on the PostgreSQL server after the same Supabase bootstrap, then
 * `pg_dump --schema-only --no-owner` of both, normalised (statements sorted, comments and SETs dropped)
 * and compared, with only the intended differences of test/support/schema-squash.ts allowed.
 * pg_dump comes with the server (postgresql-client) on developer and CI machines.
 */
const PG_DUMP = process.env.PG_DUMP ?? 'pg_dump';

async function databaseWith(files: ReadonlyArray<{ readonly sql: string }>): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `itutor_squash_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  await admin.query(`create database ${name}`).finally(() => admin.end());
  const url = serverUrl(name);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(supabaseBootstrapSql);
    // Each file as one script, one transaction: how the Supabase CLI and applyMigrations apply them.
    for (const file of files) await client.query(file.sql);
  } finally {
    await client.end();
  }
  return {
    url,
    async drop() {
      const drop = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await drop.connect();
      await drop.query(`drop database if exists ${name} with (force)`).finally(() => drop.end());
    },
  };
}

const dump = (url: string) => execFileSync(PG_DUMP, ['--schema-only', '--no-owner', '--dbname', url], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });

describe('the squashed schema on the PostgreSQL server', () => {
  it('dumps (pg_dump --schema-only) exactly as the 2026-12-07 chain plus the third release\'s outcomes delta does, except the intended differences', async () => {
    const chain = await databaseWith(fixtureChain());
    const squashed = await databaseWith(migrations);
    try {
      const before = normaliseDump(dump(chain.url));
      const after = normaliseDump(dump(squashed.url));
      expect(before).toMatch(/CREATE TABLE public\.sessions \(/);
      expect(before.split(';\n\n').length).toBeGreaterThan(300);
      expect(after).not.toBe(before);
      expect(after).toBe(applyIntendedDifferences(before, 'dump'));
    } finally {
      await chain.drop();
      await squashed.drop();
    }
  });
});
