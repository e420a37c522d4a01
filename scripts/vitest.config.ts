import { defineProject } from 'vitest/config';

/** Checks of the repository as a whole (how packages, tests and CI fit together), not of one package. */
export default defineProject({
  test: {
    name: 'workspace',
    environment: 'node',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
