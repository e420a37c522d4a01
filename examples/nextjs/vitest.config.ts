import { defineProject } from 'vitest/config';

/**
 * The Next.js example end to end: `next build`, `next start` in the local development mode on a fresh
 * PostgreSQL database, Debian's Chromium. It needs the PostgreSQL server, so it is collected only when
 * DATABASE_URL is set (CI sets it); the root config leaves it out when Chromium is missing.
 */
const hasServer = Boolean(process.env.DATABASE_URL);
if (!hasServer) {
  console.warn(
    '[nextjs-e2e] DATABASE_URL is not set: the Next.js example end-to-end test (examples/nextjs/test) was NOT run. ' +
      'Set DATABASE_URL=postgres://postgres@127.0.0.1:5432/test to run it.',
  );
}

export default defineProject({
  test: {
    name: 'nextjs-e2e',
    environment: 'node',
    include: hasServer ? ['test/**/*.test.ts'] : [],
    testTimeout: 60_000,
    // next build (~30 s on 2 cores), plus the packages' build when their dist/ is missing or stale.
    hookTimeout: 420_000,
    // One server, one browser, scenarios in order.
    sequence: { concurrent: false },
  },
});
