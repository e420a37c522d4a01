import { defineProject } from 'vitest/config';
import { workspaceAliases } from '../../vitest.shared';

/**
 * Tests in `test/*.test.ts` run everywhere (PGlite, in process). Tests in `test/server/` need the
 * PostgreSQL server (several connections at once) and are collected only when DATABASE_URL is set.
 */
const hasServer = Boolean(process.env.DATABASE_URL);
if (!hasServer) {
  console.warn(
    '[supabase] DATABASE_URL is not set: the PostgreSQL server tests (packages/supabase/test/server) were NOT run. ' +
      'Set DATABASE_URL=postgres://postgres@127.0.0.1:5432/test to run them.',
  );
}

export default defineProject({
  resolve: { alias: workspaceAliases },
  test: {
    name: 'supabase',
    environment: 'node',
    include: hasServer ? ['test/*.test.ts', 'test/server/**/*.test.ts'] : ['test/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
