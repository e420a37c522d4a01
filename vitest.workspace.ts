/**
 * The list of Vitest projects: the one source of truth. Vitest 4 ignores this file on its own, so the
 * root `vitest.config.ts` imports it into `test.projects`. Each entry is a project's own config file.
 */
export default [
  'packages/core/vitest.config.ts',
  'packages/supabase/vitest.config.ts',
  'packages/react/vitest.config.ts',
  'packages/video/vitest.config.ts',
  'packages/stripe/vitest.config.ts',
  '.storybook/vitest.config.ts',
  'examples/demo/vitest.config.ts',
  'examples/nextjs/vitest.config.ts',
  'scripts/vitest.config.ts',
];
