import { configDefaults, defineProject } from 'vitest/config';
import { workspaceAliases } from '../../vitest.shared';

/**
 * Tests in `test/*.test.ts` run everywhere (the fake Stripe is in process). `test/*.server.test.ts` need the
 * PostgreSQL server (several connections at once) and are collected only when DATABASE_URL is set, as in
 * the supabase project.
 */
const hasServer = Boolean(process.env.DATABASE_URL);
if (!hasServer) {
  console.warn(
    '[stripe] DATABASE_URL is not set: the PostgreSQL server tests (packages/stripe/test/*.server.test.ts) were NOT run. ' +
      'Set DATABASE_URL=postgres://postgres@127.0.0.1:5432/test to run them.',
  );
}

export default defineProject({
  resolve: { alias: workspaceAliases },
  test: {
    name: 'stripe',
    environment: 'node',
    include: ['test/**/*.test.ts'],
    exclude: hasServer ? configDefaults.exclude : [...configDefaults.exclude, 'test/**/*.server.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
